//! Normalization for comparison: strips what the server owns (status, managedFields, uid,
//! resourceVersion, ...) and decides locally whether a live object already holds everything a
//! desired manifest asks for. Display masking of secrets lives in `diff::mask`, not here.

use base64::Engine as _;
use serde_json::{Map, Value};

/// Metadata fields the server sets and syncd never compares.
const SERVER_METADATA: &[&str] = &[
    "managedFields",
    "resourceVersion",
    "uid",
    "generation",
    "creationTimestamp",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// Annotations written by controllers or other clients, not by the manifest author.
const SERVER_ANNOTATIONS: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
];

/// A copy of `obj` without server-managed fields, for display and comparison.
pub fn strip_server_fields(obj: &Value) -> Value {
    let mut out = obj.clone();
    if let Some(map) = out.as_object_mut() {
        map.remove("status");
        if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in SERVER_METADATA {
                meta.remove(*k);
            }
            if let Some(ann) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
                for k in SERVER_ANNOTATIONS {
                    ann.remove(*k);
                }
            }
            drop_if_empty(meta, "annotations");
            drop_if_empty(meta, "labels");
        }
    }
    out
}

fn drop_if_empty(meta: &mut Map<String, Value>, key: &str) {
    if meta
        .get(key)
        .and_then(Value::as_object)
        .is_some_and(|m| m.is_empty())
    {
        meta.remove(key);
    }
}

/// The desired object as the server will store it, for the local comparison: a Secret's
/// write-only `stringData` folds into base64 `data`, exactly as the API server does on write.
pub fn desired_for_compare(desired: &Value) -> Value {
    let mut out = desired.clone();
    if desired.get("kind").and_then(Value::as_str) != Some("Secret") {
        return out;
    }
    let Some(map) = out.as_object_mut() else {
        return out;
    };
    if let Some(Value::Object(string_data)) = map.remove("stringData") {
        let data = map
            .entry("data")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(data) = data.as_object_mut() {
            for (k, v) in string_data {
                let text = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                data.insert(
                    k,
                    Value::String(base64::engine::general_purpose::STANDARD.encode(text)),
                );
            }
        }
    }
    out
}

/// Whether `live` already contains every field of `desired` with the same value (extra fields in
/// `live`, such as server defaults, are fine). Lists must match in length and element-wise.
/// Numbers compare by value, so `1` and `1.0` agree. A `true` here means applying `desired`
/// cannot change any field it sets.
pub fn covers(live: &Value, desired: &Value) -> bool {
    match (live, desired) {
        (Value::Object(l), Value::Object(d)) => d.iter().all(|(k, dv)| {
            l.get(k).is_some_and(|lv| covers(lv, dv)) || (dv.is_null() && !l.contains_key(k))
        }),
        (Value::Array(l), Value::Array(d)) => {
            l.len() == d.len() && l.iter().zip(d).all(|(lv, dv)| covers(lv, dv))
        }
        (Value::Number(l), Value::Number(d)) => l.as_f64() == d.as_f64(),
        (l, d) => l == d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strips_status_and_server_metadata() {
        let live = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "uid": "u", "resourceVersion": "5", "managedFields": [],
                         "creationTimestamp": "t", "annotations": {
                             "kubectl.kubernetes.io/last-applied-configuration": "{}"}},
            "data": {"k": "v"}, "status": {"x": 1}
        });
        assert_eq!(
            strip_server_fields(&live),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v"}})
        );
    }

    #[test]
    fn live_with_defaults_covers_desired() {
        let desired = json!({"spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}}});
        let live = json!({"spec": {"replicas": 2, "progressDeadlineSeconds": 600,
            "template": {"spec": {"containers": [{"name": "c", "image": "i", "imagePullPolicy": "IfNotPresent"}]}}}});
        assert!(covers(&live, &desired));
    }

    #[test]
    fn changed_or_missing_field_is_not_covered() {
        let desired = json!({"data": {"a": "1", "b": "2"}});
        assert!(!covers(&json!({"data": {"a": "1"}}), &desired));
        assert!(!covers(&json!({"data": {"a": "1", "b": "3"}}), &desired));
        assert!(!covers(
            &json!({"items": [1, 2, 3]}),
            &json!({"items": [1, 2]})
        ));
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(covers(&json!({"n": 1.0}), &json!({"n": 1})));
        assert!(!covers(&json!({"n": "1"}), &json!({"n": 1})));
    }

    #[test]
    fn secret_string_data_folds_into_data() {
        let desired = json!({"kind": "Secret", "stringData": {"password": "hunter2"}});
        let live =
            json!({"kind": "Secret", "data": {"password": "aHVudGVyMg=="}, "type": "Opaque"});
        assert!(covers(&live, &desired_for_compare(&desired)));
        let changed = json!({"kind": "Secret", "data": {"password": "b3RoZXI="}});
        assert!(!covers(&changed, &desired_for_compare(&desired)));
    }
}
