//! Chart hooks kept in a history revision beside the applied objects, so that `syncd rollback`
//! can run the revision's `pre-rollback`/`post-rollback` hooks without Git. A stored hook carries
//! a marker annotation (added to the stored copy only), so readers that predate hooks see them as
//! what they are and no plain object is ever mistaken for a hook.

use serde_json::Value;

/// Marks a stored copy of a hook object inside a revision.
pub const ANNOTATION_STORED_HOOK: &str = "syncd.io/stored-hook";

/// The stored copy of a hook object: the object with the marker annotation.
pub fn mark(obj: &Value) -> Value {
    let mut out = obj.clone();
    if let Some(meta) = out.get_mut("metadata").and_then(Value::as_object_mut) {
        let ann = meta
            .entry("annotations")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(ann) = ann.as_object_mut() {
            ann.insert(ANNOTATION_STORED_HOOK.into(), Value::String("true".into()));
        }
    }
    out
}

/// Splits a revision's stored objects into applied objects and hooks (marker removed).
pub fn split(objects: Vec<Value>) -> (Vec<Value>, Vec<Value>) {
    let mut main = Vec::new();
    let mut hooks = Vec::new();
    for mut obj in objects {
        let marked = obj
            .pointer_mut("/metadata/annotations")
            .and_then(Value::as_object_mut)
            .and_then(|a| a.remove(ANNOTATION_STORED_HOOK))
            .is_some();
        if marked {
            if obj
                .pointer("/metadata/annotations")
                .and_then(Value::as_object)
                .is_some_and(|a| a.is_empty())
            {
                if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.remove("annotations");
                }
            }
            hooks.push(obj);
        } else {
            main.push(obj);
        }
    }
    (main, hooks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn marked_hooks_round_trip_and_plain_objects_stay_plain() {
        let hook = json!({"kind": "Job", "metadata": {"name": "j",
            "annotations": {"helm.sh/hook": "pre-rollback"}}});
        let bare = json!({"kind": "ConfigMap", "metadata": {"name": "h"}});
        // A plain object that happens to carry helm.sh/hook is not a stored hook.
        let plain = json!({"kind": "ConfigMap", "metadata": {"name": "p",
            "annotations": {"helm.sh/hook": "test"}}});
        let stored = vec![plain.clone(), mark(&hook), mark(&bare)];
        assert_eq!(
            stored[1]["metadata"]["annotations"][ANNOTATION_STORED_HOOK],
            "true"
        );
        let (main, hooks) = split(stored);
        assert_eq!(main, [plain]);
        assert_eq!(hooks, [hook, bare]);
    }
}
