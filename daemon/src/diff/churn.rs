//! Churn from charts that draw random values without `lookup`: the JSON paths where two renders
//! of identical inputs disagree, and splicing the live values back in at those paths so that a
//! sync keeps what the cluster has instead of rewriting it every time. Pure.

use std::collections::HashMap;
use std::fmt;

use serde_json::Value;

use crate::object::{Manifest, ObjectId};

/// One step into a JSON document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// A map key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// A path into a JSON document, printed like `data.password` or `spec.args[1]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonPath(pub Vec<Segment>);

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Segment::Key(k) if k.contains(['.', '[', ']', '"']) || k.is_empty() => {
                    write!(f, "[{k:?}]")?
                }
                Segment::Key(k) if i == 0 => write!(f, "{k}")?,
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// How an object varies between two renders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Variation {
    /// Present in only one render (a random name, or a random choice to render it).
    WholeObject,
    /// These paths differ.
    Paths(Vec<JsonPath>),
}

/// The paths where `a` and `b` differ: the deepest path at which they stop agreeing. Lists of
/// different lengths differ as a whole.
pub fn differing_paths(a: &Value, b: &Value) -> Vec<JsonPath> {
    let mut out = Vec::new();
    walk(a, b, &mut Vec::new(), &mut out);
    out
}

fn walk(a: &Value, b: &Value, at: &mut Vec<Segment>, out: &mut Vec<JsonPath>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x
                .keys()
                .chain(y.keys().filter(|k| !x.contains_key(*k)))
                .collect();
            keys.sort();
            for k in keys {
                at.push(Segment::Key(k.clone()));
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => walk(p, q, at, out),
                    _ => out.push(JsonPath(at.clone())),
                }
                at.pop();
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                at.push(Segment::Index(i));
                walk(p, q, at, out);
                at.pop();
            }
        }
        _ if a == b => {}
        _ => out.push(JsonPath(at.clone())),
    }
}

/// Per object, how the second render differs from the first; objects that agree are absent.
pub fn variations(first: &[Manifest], second: &[Manifest]) -> HashMap<ObjectId, Variation> {
    let by_id: HashMap<&ObjectId, &Manifest> = second.iter().map(|m| (&m.id, m)).collect();
    let mut out = HashMap::new();
    for m in first {
        match by_id.get(&m.id) {
            None => {
                out.insert(m.id.clone(), Variation::WholeObject);
            }
            Some(other) => {
                let paths = differing_paths(&m.object, &other.object);
                if !paths.is_empty() {
                    out.insert(m.id.clone(), Variation::Paths(paths));
                }
            }
        }
    }
    let first_ids: std::collections::HashSet<&ObjectId> = first.iter().map(|m| &m.id).collect();
    for m in second {
        if !first_ids.contains(&m.id) {
            out.insert(m.id.clone(), Variation::WholeObject);
        }
    }
    out
}

fn get<'a>(v: &'a Value, path: &[Segment]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, s| match s {
        Segment::Key(k) => cur.get(k),
        Segment::Index(i) => cur.get(i),
    })
}

fn get_mut<'a>(v: &'a mut Value, path: &[Segment]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |cur, s| match s {
        Segment::Key(k) => cur.get_mut(k),
        Segment::Index(i) => cur.get_mut(i),
    })
}

/// Replaces `desired` at each path with `live`'s value there. A path the live object lacks keeps
/// the desired value (it is about to be added); a path whose parent the desired object lacks is
/// left alone. Returns the paths that were replaced.
pub fn splice_live(desired: &mut Value, live: &Value, paths: &[JsonPath]) -> Vec<JsonPath> {
    let mut kept = Vec::new();
    for path in paths {
        let Some((last, parent)) = path.0.split_last() else {
            continue;
        };
        let Some(live_value) = get(live, &path.0) else {
            continue;
        };
        let Some(parent) = get_mut(desired, parent) else {
            continue;
        };
        let done = match (last, parent) {
            (Segment::Key(k), Value::Object(m)) => {
                m.insert(k.clone(), live_value.clone());
                true
            }
            (Segment::Index(i), Value::Array(a)) if *i < a.len() => {
                a[*i] = live_value.clone();
                true
            }
            _ => false,
        };
        if done {
            kept.push(path.clone());
        }
    }
    kept
}

/// What the diff and the sync report say about one object that varies between renders. Only
/// paths are shown, never values (they are often secrets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChurnNote {
    /// The object.
    pub id: ObjectId,
    /// How it varies.
    pub variation: Variation,
    /// Whether a live object existed to keep values from.
    pub live: bool,
}

impl fmt::Display for ChurnNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.variation {
            Variation::WholeObject => write!(
                f,
                "note: {}: rendered by only one of two renders of the same inputs (random name?); it will change on every sync",
                self.id
            ),
            Variation::Paths(paths) => {
                let shown: Vec<String> = paths.iter().map(ToString::to_string).collect();
                let verb = if shown.len() == 1 { "differs" } else { "differ" };
                let action = if self.live {
                    "keeping the live value"
                } else {
                    "not live yet, created as rendered"
                };
                write!(
                    f,
                    "note: {}: {} {verb} between two renders (random values); {action}",
                    self.id,
                    shown.join(", ")
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shown(paths: &[JsonPath]) -> Vec<String> {
        paths.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn finds_differing_leaves_in_maps_lists_and_nesting() {
        let a = json!({"data": {"password": "aaa", "user": "u"},
            "spec": {"args": ["x", "r1"], "env": [{"name": "A", "value": "1"}]},
            "metadata": {"annotations": {"a.b/c": "1"}}, "only_a": 1});
        let b = json!({"data": {"password": "bbb", "user": "u"},
            "spec": {"args": ["x", "r2"], "env": [{"name": "A", "value": "2"}]},
            "metadata": {"annotations": {"a.b/c": "2"}}, "only_b": 1});
        assert_eq!(
            shown(&differing_paths(&a, &b)),
            [
                "data.password",
                "metadata.annotations[\"a.b/c\"]",
                "only_a",
                "only_b",
                "spec.args[1]",
                "spec.env[0].value"
            ]
        );
        assert!(differing_paths(&a, &a).is_empty());
        assert_eq!(
            shown(&differing_paths(&json!({"l": [1, 2]}), &json!({"l": [1]}))),
            ["l"],
            "lists of different lengths differ as a whole"
        );
    }

    #[test]
    fn splices_live_values_and_leaves_missing_live_paths() {
        let mut desired = json!({"data": {"password": "new", "user": "u"},
            "spec": {"args": ["x", "new"]}, "extra": {"k": "new"}});
        let live = json!({"data": {"password": "old", "user": "u"},
            "spec": {"args": ["x", "old"]}, "metadata": {"uid": "1"}});
        let paths = differing_paths(
            &desired,
            &json!({"data": {"password": "other", "user": "u"},
            "spec": {"args": ["x", "other"]}, "extra": {"k": "other"}}),
        );
        let kept = splice_live(&mut desired, &live, &paths);
        assert_eq!(shown(&kept), ["data.password", "spec.args[1]"]);
        assert_eq!(
            desired,
            json!({"data": {"password": "old", "user": "u"},
                "spec": {"args": ["x", "old"]}, "extra": {"k": "new"}}),
            "a path the live object lacks keeps the rendered value"
        );
    }

    #[test]
    fn variations_per_object() {
        let m = |name: &str, v: Value| Manifest {
            id: ObjectId::new("v1", "Secret", Some("ns"), name),
            api_version: "v1".into(),
            object: v,
            origin: crate::object::Origin {
                file: "f".into(),
                doc: 0,
                line: 1,
            },
            namespace_defaulted: false,
        };
        let first = [
            m("same", json!({"a": 1})),
            m("rand", json!({"data": {"p": "x"}})),
            m("name-abc", json!({})),
        ];
        let second = [
            m("same", json!({"a": 1})),
            m("rand", json!({"data": {"p": "y"}})),
            m("name-xyz", json!({})),
        ];
        let v = variations(&first, &second);
        assert_eq!(v.len(), 3);
        let id = |n: &str| ObjectId::new("v1", "Secret", Some("ns"), n);
        assert!(!v.contains_key(&id("same")));
        assert_eq!(
            v[&id("rand")],
            Variation::Paths(vec![JsonPath(vec![
                Segment::Key("data".into()),
                Segment::Key("p".into())
            ])])
        );
        assert_eq!(v[&id("name-abc")], Variation::WholeObject);
        assert_eq!(v[&id("name-xyz")], Variation::WholeObject);
        let note = ChurnNote {
            id: id("rand"),
            variation: v[&id("rand")].clone(),
            live: true,
        };
        assert_eq!(
            note.to_string(),
            "note: Secret ns/rand: data.p differs between two renders (random values); keeping the live value"
        );
    }
}
