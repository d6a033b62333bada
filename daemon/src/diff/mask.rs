//! Secret masking for display only: values become per-key markers (`changed`, `unchanged`,
//! `added`, `removed`). The masked copies go to text and never back to a manifest.

use serde_json::{Map, Value};

const HIDDEN: &str = "*** (hidden)";

/// Returns display copies of a Secret's before/after with every `data`/`stringData` value replaced
/// by a marker, so the text diff shows which keys changed but never a value.
pub fn mask_secret(
    before: Option<&Value>,
    after: Option<&Value>,
) -> (Option<Value>, Option<Value>) {
    let mut before = before.cloned();
    let mut after = after.cloned();
    for field in ["data", "stringData"] {
        let b = before
            .as_ref()
            .and_then(|v| v.get(field))
            .and_then(Value::as_object)
            .cloned();
        let a = after
            .as_ref()
            .and_then(|v| v.get(field))
            .and_then(Value::as_object)
            .cloned();
        let (bm, am) = mask_maps(b.as_ref(), a.as_ref());
        if let (Some(obj), Some(m)) = (before.as_mut().and_then(Value::as_object_mut), bm) {
            obj.insert(field.into(), Value::Object(m));
        }
        if let (Some(obj), Some(m)) = (after.as_mut().and_then(Value::as_object_mut), am) {
            obj.insert(field.into(), Value::Object(m));
        }
    }
    (before, after)
}

type Masked = Option<Map<String, Value>>;

fn mask_maps(
    before: Option<&Map<String, Value>>,
    after: Option<&Map<String, Value>>,
) -> (Masked, Masked) {
    let empty = Map::new();
    let b = before.unwrap_or(&empty);
    let a = after.unwrap_or(&empty);
    let mut bm = Map::new();
    let mut am = Map::new();
    for (k, bv) in b {
        let marker = match a.get(k) {
            Some(av) if av == bv => "unchanged",
            Some(_) => "changed",
            None => "removed",
        };
        // Both sides carry the same text when unchanged, so no diff line appears.
        let text = if marker == "unchanged" {
            format!("{HIDDEN} unchanged")
        } else {
            format!("{HIDDEN} {marker}: old value")
        };
        bm.insert(k.clone(), Value::String(text));
    }
    for (k, av) in a {
        let marker = match b.get(k) {
            Some(bv) if av == bv => "unchanged",
            Some(_) => "changed",
            None => "added",
        };
        let text = if marker == "unchanged" {
            format!("{HIDDEN} unchanged")
        } else {
            format!("{HIDDEN} {marker}: new value")
        };
        am.insert(k.clone(), Value::String(text));
    }
    (before.map(|_| bm), after.map(|_| am))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_every_value_and_marks_each_key() {
        let before =
            json!({"kind": "Secret", "data": {"same": "c2FtZQ==", "old": "b2xk", "gone": "eA=="}});
        let after =
            json!({"kind": "Secret", "data": {"same": "c2FtZQ==", "old": "bmV3", "new": "eQ=="}});
        let (b, a) = mask_secret(Some(&before), Some(&after));
        let (b, a) = (b.unwrap(), a.unwrap());
        let text = format!("{b}{a}");
        for secret in ["c2FtZQ==", "b2xk", "bmV3", "eA==", "eQ=="] {
            assert!(!text.contains(secret), "leaked {secret}");
        }
        assert_eq!(b["data"]["same"], a["data"]["same"]);
        assert!(b["data"]["old"].as_str().unwrap().contains("changed"));
        assert!(a["data"]["old"].as_str().unwrap().contains("changed"));
        assert!(b["data"]["gone"].as_str().unwrap().contains("removed"));
        assert!(a["data"]["new"].as_str().unwrap().contains("added"));
    }

    #[test]
    fn masks_created_and_pruned_secrets() {
        let s = json!({"kind": "Secret", "stringData": {"k": "plain"}});
        let (_, a) = mask_secret(None, Some(&s));
        assert!(!a.unwrap().to_string().contains("plain"));
        let (b, _) = mask_secret(Some(&s), None);
        assert!(!b.unwrap().to_string().contains("plain"));
    }
}
