//! Renders an [`ObjectDiff`] as a unified diff of YAML (via `similar`), masking Secrets.

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use super::mask::mask_secret;
use super::{Change, ObjectDiff};

/// Output styling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// ANSI colors (terminal).
    Color,
    /// Plain text.
    Plain,
}

fn to_yaml(v: Option<&Value>) -> String {
    match v {
        Some(v) => serde_yaml::to_string(&canonical(v, true))
            .unwrap_or_else(|e| format!("# unprintable: {e}\n")),
        None => String::new(),
    }
}

/// Both sides of a diff in one key order (the live side arrives in the server's order, the
/// desired side in the author's): `apiVersion`, `kind`, `metadata` first, the rest sorted.
fn canonical(v: &Value, top: bool) -> Value {
    match v {
        Value::Object(map) => {
            let rank = |k: &str| match (top, k) {
                (true, "apiVersion") => 0,
                (true, "kind") => 1,
                (true, "metadata") => 2,
                _ => 3,
            };
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), canonical(&map[k], false)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| canonical(i, false)).collect()),
        other => other.clone(),
    }
}

/// The unified diff text of one object, with a header naming it and the change.
pub fn render_object_diff(d: &ObjectDiff, style: Style) -> String {
    let is_secret = d.id.kind == "Secret" && d.id.group.is_empty();
    let (before, after) = if is_secret {
        mask_secret(d.before.as_ref(), d.after.as_ref())
    } else {
        (d.before.clone(), d.after.clone())
    };
    let old = to_yaml(before.as_ref());
    let new = to_yaml(after.as_ref());
    let verb = match d.change {
        Change::Create => "create",
        Change::Update => "update",
        Change::Recreate => "recreate",
        Change::Prune => "prune",
    };
    let (bold, red, green, cyan, reset) = match style {
        Style::Color => ("\x1b[1m", "\x1b[31m", "\x1b[32m", "\x1b[36m", "\x1b[0m"),
        Style::Plain => ("", "", "", "", ""),
    };
    let mut out = format!("{bold}{verb} {}{reset}\n", d.id);
    if let Some(note) = &d.note {
        out.push_str(&format!("{cyan}# {note}{reset}\n"));
    }
    out.push_str(&format!(
        "{bold}--- live/{}{reset}\n{bold}+++ desired/{}{reset}\n",
        d.id, d.id
    ));
    let diff = TextDiff::from_lines(&old, &new);
    for group in diff.grouped_ops(3) {
        let (first, last) = (&group[0], &group[group.len() - 1]);
        let (o, n) = (first.old_range().start, first.new_range().start);
        let (ol, nl) = (last.old_range().end - o, last.new_range().end - n);
        out.push_str(&format!(
            "{cyan}@@ -{},{ol} +{},{nl} @@{reset}\n",
            o + 1,
            n + 1
        ));
        for op in &group {
            for change in diff.iter_changes(op) {
                let (sign, color) = match change.tag() {
                    ChangeTag::Delete => ('-', red),
                    ChangeTag::Insert => ('+', green),
                    ChangeTag::Equal => (' ', ""),
                };
                let line = change.value();
                let reset = if color.is_empty() { "" } else { reset };
                out.push_str(&format!("{color}{sign}{line}{reset}"));
                if !line.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::ObjectId;
    use serde_json::json;

    #[test]
    fn one_changed_field_shows_exactly_that_field() {
        let id = ObjectId::new("apps/v1", "Deployment", Some("ml"), "gw");
        let before = json!({"metadata": {"name": "gw"}, "spec": {"replicas": 1, "paused": false}});
        let after = json!({"metadata": {"name": "gw"}, "spec": {"replicas": 3, "paused": false}});
        let d = ObjectDiff::new(id, Change::Update, Some(&before), Some(&after), None);
        let text = render_object_diff(&d, Style::Plain);
        let changed: Vec<_> = text
            .lines()
            .filter(|l| {
                (l.starts_with('-') || l.starts_with('+'))
                    && !l.starts_with("---")
                    && !l.starts_with("+++")
            })
            .collect();
        assert_eq!(changed, ["-  replicas: 1", "+  replicas: 3"]);
        assert!(text.starts_with("update apps/Deployment ml/gw\n"));
    }

    #[test]
    fn key_order_differences_are_not_changes() {
        let id = ObjectId::new("v1", "ConfigMap", Some("ml"), "c");
        let live: Value = serde_json::from_str(r#"{"metadata":{"name":"c"},"data":{"b":"1","a":"2"},"kind":"ConfigMap","apiVersion":"v1"}"#).unwrap();
        let desired: Value = serde_json::from_str(r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"2","b":"1"}}"#).unwrap();
        let d = ObjectDiff::new(id, Change::Update, Some(&live), Some(&desired), None);
        let text = render_object_diff(&d, Style::Plain);
        assert!(!text.contains("@@"), "{text}");
    }

    #[test]
    fn secret_values_never_printed() {
        let id = ObjectId::new("v1", "Secret", Some("ml"), "key");
        let before = json!({"kind": "Secret", "data": {"k": "T0xE"}});
        let after = json!({"kind": "Secret", "data": {"k": "TkVX"}});
        let d = ObjectDiff::new(id, Change::Update, Some(&before), Some(&after), None);
        let text = render_object_diff(&d, Style::Color);
        assert!(!text.contains("T0xE") && !text.contains("TkVX"), "{text}");
        assert!(text.contains("changed"));
    }

    #[test]
    fn create_is_all_additions() {
        let id = ObjectId::new("v1", "ConfigMap", Some("ml"), "c");
        let d = ObjectDiff::new(
            id,
            Change::Create,
            None,
            Some(&json!({"data": {"a": "b"}})),
            None,
        );
        let text = render_object_diff(&d, Style::Plain);
        assert!(text.contains("+data:\n+  a: b\n"), "{text}");
        assert!(!text
            .lines()
            .any(|l| l.starts_with('-') && !l.starts_with("---")));
    }
}
