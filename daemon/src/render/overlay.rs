//! Environment overlays and ownership marks applied to every rendered manifest.

use serde_json::{Map, Value};
use syncd_config::ResolvedApp;

use crate::object::{Manifest, LABEL_APP, LABEL_ENV};

/// Built-in cluster-scoped kinds, so offline renders don't put a namespace on them. Online, the
/// plan corrects any other kind from discovery.
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
    "RuntimeClass",
    "PersistentVolume",
    "CSIDriver",
    "VolumeAttachment",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "Node",
    "PodSecurityPolicy",
    "CertificateSigningRequest",
    "FlowSchema",
    "PriorityLevelConfiguration",
];

/// Whether `kind` is one of the built-in cluster-scoped kinds.
pub fn is_cluster_scoped_builtin(kind: &str) -> bool {
    CLUSTER_SCOPED.contains(&kind)
}

/// Applies the app's namespace, labels and annotations, and marks the object as syncd's.
pub fn apply_overlay(m: &mut Manifest, app: &ResolvedApp) {
    if m.id.namespace.is_none() && !is_cluster_scoped_builtin(&m.id.kind) {
        if let Some(ns) = &app.namespace {
            m.set_namespace(Some(ns));
            m.namespace_defaulted = true;
        }
    }
    let meta = m
        .object
        .as_object_mut()
        .expect("validated mapping")
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let meta = meta.as_object_mut().expect("validated metadata");
    let labels = string_map(meta, "labels");
    for (k, v) in &app.labels {
        labels.insert(k.clone(), Value::String(v.clone()));
    }
    labels.insert(LABEL_ENV.into(), Value::String(app.env.clone()));
    labels.insert(LABEL_APP.into(), Value::String(app.name.clone()));
    if !app.annotations.is_empty() {
        let annotations = string_map(meta, "annotations");
        for (k, v) in &app.annotations {
            annotations.insert(k.clone(), Value::String(v.clone()));
        }
    }
}

fn string_map<'a>(meta: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let slot = meta.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut().expect("just made an object")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::{ObjectId, Origin};
    use serde_json::json;
    use std::collections::BTreeMap;
    use syncd_config::{SourceSpec, SyncPolicy};

    fn app() -> ResolvedApp {
        ResolvedApp {
            name: "gw".into(),
            env: "dev".into(),
            dir: "apps/gw".into(),
            source: SourceSpec::Manifests {
                path: "manifests".into(),
                recurse: true,
            },
            sources: Vec::new(),
            namespace: Some("ml-dev".into()),
            labels: BTreeMap::from([("team".to_string(), "ml".to_string())]),
            annotations: BTreeMap::new(),
            policy: SyncPolicy::default(),
        }
    }

    fn manifest(kind: &str, ns: Option<&str>) -> Manifest {
        let mut obj = json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": "x", "labels": {"team": "old", "keep": "me"}}});
        if let Some(ns) = ns {
            obj["metadata"]["namespace"] = json!(ns);
        }
        Manifest {
            id: ObjectId::new("v1", kind, ns, "x"),
            api_version: "v1".into(),
            object: obj,
            origin: Origin {
                file: "f".into(),
                doc: 0,
                line: 1,
            },
            namespace_defaulted: false,
        }
    }

    #[test]
    fn fills_namespace_and_marks_ownership() {
        let mut m = manifest("ConfigMap", None);
        apply_overlay(&mut m, &app());
        assert_eq!(m.id.namespace.as_deref(), Some("ml-dev"));
        assert!(m.namespace_defaulted);
        assert_eq!(
            m.object["metadata"]["labels"],
            json!({"team": "ml", "keep": "me", "syncd.io/env": "dev", "syncd.io/app": "gw"})
        );
    }

    #[test]
    fn keeps_explicit_namespace_and_cluster_scope() {
        let mut m = manifest("ConfigMap", Some("other"));
        apply_overlay(&mut m, &app());
        assert_eq!(m.id.namespace.as_deref(), Some("other"));
        let mut ns = manifest("Namespace", None);
        apply_overlay(&mut ns, &app());
        assert_eq!(ns.id.namespace, None);
        assert!(ns.object["metadata"].get("namespace").is_none());
    }
}
