//! Requests to the API server built as pure values (method, path, query, body), so their shape is
//! unit-testable; `cluster::Cluster` only sends them.

use kube::core::params::{
    DeleteParams, ListParams, Patch, PatchParams, Preconditions, PropagationPolicy,
    ValidationDirective,
};
use kube::core::Request;
use serde_json::Value;

use crate::object::FIELD_MANAGER;

/// What discovery knows about one kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceInfo {
    /// API group (empty for core).
    pub group: String,
    /// `apiVersion` (`v1`, `apps/v1`).
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Plural resource name used in URLs.
    pub plural: String,
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
}

impl ResourceInfo {
    /// A core (`v1`) kind, for the objects syncd itself reads and writes (Namespaces,
    /// ConfigMaps, Secrets) without asking discovery.
    pub fn core(kind: &str, plural: &str, namespaced: bool) -> ResourceInfo {
        ResourceInfo {
            group: String::new(),
            api_version: "v1".into(),
            kind: kind.into(),
            plural: plural.into(),
            namespaced,
        }
    }
}

/// A built request, ready to send.
pub type HttpRequest = http::Request<Vec<u8>>;

/// Why a request could not be built.
#[derive(Debug, thiserror::Error)]
#[error("building request: {0}")]
pub struct BuildError(String);

fn wrap<E: std::fmt::Display>(e: E) -> BuildError {
    BuildError(e.to_string())
}

/// URL path of the collection holding objects of `ri` in `namespace`.
pub fn collection_path(ri: &ResourceInfo, namespace: Option<&str>) -> String {
    let base = if ri.group.is_empty() {
        format!("/api/{}", ri.api_version)
    } else {
        format!("/apis/{}", ri.api_version)
    };
    match (ri.namespaced, namespace) {
        (true, Some(ns)) => format!("{base}/namespaces/{ns}/{}", ri.plural),
        _ => format!("{base}/{}", ri.plural),
    }
}

/// LIST a collection (across all namespaces when `namespace` is `None` for a namespaced kind).
pub fn list(
    ri: &ResourceInfo,
    namespace: Option<&str>,
    label_selector: Option<&str>,
) -> Result<HttpRequest, BuildError> {
    let mut lp = ListParams::default();
    if let Some(sel) = label_selector {
        lp = lp.labels(sel);
    }
    Request::new(collection_path(ri, namespace))
        .list(&lp)
        .map_err(wrap)
}

/// GET one object.
pub fn get(
    ri: &ResourceInfo,
    namespace: Option<&str>,
    name: &str,
) -> Result<HttpRequest, BuildError> {
    Request::new(collection_path(ri, namespace))
        .get(name, &Default::default())
        .map_err(wrap)
}

/// Server-side apply of `obj` with syncd's field manager; `dry_run` asks the server to run
/// admission and defaulting without persisting.
pub fn apply(
    ri: &ResourceInfo,
    namespace: Option<&str>,
    name: &str,
    obj: &Value,
    dry_run: bool,
    force: bool,
) -> Result<HttpRequest, BuildError> {
    let pp = PatchParams {
        dry_run,
        force,
        field_manager: Some(FIELD_MANAGER.to_string()),
        field_validation: Some(ValidationDirective::Strict),
    };
    Request::new(collection_path(ri, namespace))
        .patch(name, &pp, &Patch::Apply(obj))
        .map_err(wrap)
}

/// JSON merge patch of a few fields (labels, annotations) with a field manager of its own, so
/// that syncd's server-side-apply ownership of the object is left as it is.
pub fn merge_patch(
    ri: &ResourceInfo,
    namespace: Option<&str>,
    name: &str,
    patch: &Value,
) -> Result<HttpRequest, BuildError> {
    let pp = PatchParams {
        field_manager: Some(format!("{FIELD_MANAGER}-status")),
        ..PatchParams::default()
    };
    Request::new(collection_path(ri, namespace))
        .patch(name, &pp, &Patch::Merge(patch))
        .map_err(wrap)
}

/// DELETE one object, only if it still has `uid` (so a recreated namesake is never deleted).
/// Foreground propagation makes the object linger until its dependents (a Job's pods) are gone.
pub fn delete(
    ri: &ResourceInfo,
    namespace: Option<&str>,
    name: &str,
    uid: Option<&str>,
    foreground: bool,
) -> Result<HttpRequest, BuildError> {
    let dp = DeleteParams {
        preconditions: uid.map(|uid| Preconditions {
            uid: Some(uid.to_string()),
            resource_version: None,
        }),
        propagation_policy: Some(if foreground {
            PropagationPolicy::Foreground
        } else {
            PropagationPolicy::Background
        }),
        ..DeleteParams::default()
    };
    Request::new(collection_path(ri, namespace))
        .delete(name, &dp)
        .map_err(wrap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployments() -> ResourceInfo {
        ResourceInfo {
            group: "apps".into(),
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            plural: "deployments".into(),
            namespaced: true,
        }
    }

    fn namespaces() -> ResourceInfo {
        ResourceInfo::core("Namespace", "namespaces", false)
    }

    #[test]
    fn paths_for_core_group_and_scope() {
        assert_eq!(
            collection_path(&deployments(), Some("ml")),
            "/apis/apps/v1/namespaces/ml/deployments"
        );
        assert_eq!(
            collection_path(&namespaces(), Some("ignored")),
            "/api/v1/namespaces"
        );
        assert_eq!(
            collection_path(&deployments(), None),
            "/apis/apps/v1/deployments"
        );
    }

    #[test]
    fn apply_is_a_server_side_apply_patch_with_our_field_manager() {
        let req = apply(
            &deployments(),
            Some("ml"),
            "gw",
            &json!({"a": 1}),
            true,
            true,
        )
        .unwrap();
        assert_eq!(req.method(), http::Method::PATCH);
        let uri = req.uri().to_string();
        assert!(
            uri.starts_with("/apis/apps/v1/namespaces/ml/deployments/gw?"),
            "{uri}"
        );
        assert!(uri.contains("fieldManager=syncd"), "{uri}");
        assert!(uri.contains("dryRun=All"), "{uri}");
        assert!(uri.contains("force=true"), "{uri}");
        assert_eq!(
            req.headers()["content-type"],
            "application/apply-patch+yaml"
        );
        let not_dry = apply(&deployments(), Some("ml"), "gw", &json!({}), false, false).unwrap();
        assert!(!not_dry.uri().to_string().contains("dryRun"));
        assert!(!not_dry.uri().to_string().contains("force"));
    }

    #[test]
    fn delete_carries_uid_precondition_and_propagation() {
        let req = delete(&deployments(), Some("ml"), "gw", Some("u-1"), true).unwrap();
        assert_eq!(req.method(), http::Method::DELETE);
        let body: Value = serde_json::from_slice(req.body()).unwrap();
        assert_eq!(body["preconditions"]["uid"], "u-1");
        assert_eq!(body["propagationPolicy"], "Foreground");
    }

    #[test]
    fn list_with_selector() {
        let req = list(&namespaces(), None, Some("a=b")).unwrap();
        assert_eq!(
            req.uri().to_string(),
            "/api/v1/namespaces?&labelSelector=a%3Db"
        );
    }
}
