//! Shared vocabulary of the pipeline: object identity, manifests, ownership marks and per-object
//! outcomes. Every stage speaks these types; no stage imports another stage.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Label naming the environment that owns an object.
pub const LABEL_ENV: &str = "syncd.io/env";
/// Label naming the app that owns an object.
pub const LABEL_APP: &str = "syncd.io/app";
/// Label naming what one of syncd's own state objects holds (`inventory`, `history`, `pin`).
pub const LABEL_STATE: &str = "syncd.io/state";
/// Annotation that protects an object from pruning when set to `disabled`.
pub const ANNOTATION_PRUNE: &str = "syncd.io/prune";
/// The field manager syncd applies with.
pub const FIELD_MANAGER: &str = "syncd";

/// Identity of an object in a cluster: group, kind, namespace, name. The version is not part of
/// it, since one object is reachable through several versions of its API.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectId {
    /// API group; empty for the core group.
    pub group: String,
    /// Kind, e.g. `Deployment`.
    pub kind: String,
    /// Namespace; `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// Object name.
    pub name: String,
}

impl ObjectId {
    /// Builds an id from an `apiVersion` string (`apps/v1`, `v1`).
    pub fn new(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> ObjectId {
        ObjectId {
            group: group_of(api_version).to_string(),
            kind: kind.to_string(),
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
        }
    }

    /// `group/Kind` (`Kind` alone for the core group).
    pub fn group_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}/{}", self.group, self.kind)
        }
    }

    /// A stable single-string key, used in inventories: `group/Kind/namespace/name`.
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.group,
            self.kind,
            self.namespace.as_deref().unwrap_or(""),
            self.name
        )
    }

    /// Parses [`ObjectId::key`] output.
    pub fn from_key(key: &str) -> Option<ObjectId> {
        let mut parts = key.splitn(4, '/');
        let group = parts.next()?.to_string();
        let kind = parts.next()?.to_string();
        let namespace = parts.next()?;
        let name = parts.next()?.to_string();
        if kind.is_empty() || name.is_empty() {
            return None;
        }
        Some(ObjectId {
            group,
            kind,
            namespace: (!namespace.is_empty()).then(|| namespace.to_string()),
            name,
        })
    }
}

/// The one formatter for object identity in messages: `apps/Deployment ml-prod/deltallm`.
impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.group_kind(), ns, self.name),
            None => write!(f, "{} {}", self.group_kind(), self.name),
        }
    }
}

/// The group part of an `apiVersion`.
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("")
}

/// Where a manifest came from, for error messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// File path relative to the repo (or a chart template path).
    pub file: String,
    /// 0-based index of the YAML document in the file.
    pub doc: usize,
    /// 1-based line where the document starts.
    pub line: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A desired object, as rendered and overlaid, ready to plan and apply.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    /// Identity.
    pub id: ObjectId,
    /// `apiVersion` as written.
    pub api_version: String,
    /// The full object as it will be applied.
    pub object: Value,
    /// Where it came from.
    pub origin: Origin,
    /// Whether the namespace was filled in by syncd (it is dropped again for cluster-scoped kinds).
    pub namespace_defaulted: bool,
}

impl Manifest {
    /// Sets the namespace (or clears it for cluster-scoped kinds), keeping `id` in step.
    pub fn set_namespace(&mut self, ns: Option<&str>) {
        self.id.namespace = ns.map(str::to_string);
        if let Some(meta) = self
            .object
            .get_mut("metadata")
            .and_then(Value::as_object_mut)
        {
            match ns {
                Some(ns) => {
                    meta.insert("namespace".into(), Value::String(ns.into()));
                }
                None => {
                    meta.remove("namespace");
                }
            }
        }
    }
}

/// Reads a string at a dotted path of plain keys.
pub fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(v, |v, k| v.get(*k))
        .and_then(Value::as_str)
}

/// Label selector of the objects carrying syncd's ownership mark for this env and app.
pub fn owner_selector(env: &str, app: &str) -> String {
    format!("{LABEL_ENV}={env},{LABEL_APP}={app}")
}

/// Whether a live object carries syncd's ownership mark for this env and app.
pub fn owned_by(obj: &Value, env: &str, app: &str) -> bool {
    str_at(obj, &["metadata", "labels", LABEL_ENV]) == Some(env)
        && str_at(obj, &["metadata", "labels", LABEL_APP]) == Some(app)
}

/// Whether a live object is protected from pruning.
pub fn prune_disabled(obj: &Value) -> bool {
    str_at(obj, &["metadata", "annotations", ANNOTATION_PRUNE]) == Some("disabled")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_formats_group_kind_and_namespace() {
        let id = ObjectId::new("apps/v1", "Deployment", Some("ml-prod"), "deltallm");
        assert_eq!(id.to_string(), "apps/Deployment ml-prod/deltallm");
        let ns = ObjectId::new("v1", "Namespace", None, "ml-prod");
        assert_eq!(ns.to_string(), "Namespace ml-prod");
    }

    #[test]
    fn key_round_trips() {
        for id in [
            ObjectId::new("apps/v1", "Deployment", Some("a"), "b"),
            ObjectId::new("v1", "Namespace", None, "x"),
            ObjectId::new("rbac.authorization.k8s.io/v1", "ClusterRole", None, "a:b"),
        ] {
            assert_eq!(ObjectId::from_key(&id.key()), Some(id));
        }
        assert_eq!(ObjectId::from_key("broken"), None);
    }

    #[test]
    fn ownership_requires_both_labels() {
        let obj = serde_json::json!({"metadata": {"labels": {LABEL_ENV: "dev", LABEL_APP: "a"}}});
        assert!(owned_by(&obj, "dev", "a"));
        assert!(!owned_by(&obj, "prod", "a"));
        assert!(!owned_by(&serde_json::json!({"metadata": {}}), "dev", "a"));
    }
}
