//! Resolves every manifest's kind through discovery (or a CRD in the same app) and fixes its
//! namespace to the kind's scope. An unknown kind stops the app before anything is written.

use crate::cluster::{Cluster, ResourceInfo};
use crate::object::{group_of, Manifest};

use super::error::{at, EngineError};

/// A kind defined by a CRD among the manifests.
struct CrdKind {
    api_versions: Vec<String>,
    kind: String,
    namespaced: bool,
}

fn crd_kinds(manifests: &[Manifest]) -> Vec<CrdKind> {
    manifests
        .iter()
        .filter(|m| m.id.kind == "CustomResourceDefinition")
        .filter_map(|m| {
            let spec = m.object.get("spec")?;
            let group = spec.get("group")?.as_str()?;
            let kind = spec.get("names")?.get("kind")?.as_str()?.to_string();
            let api_versions = spec
                .get("versions")?
                .as_array()?
                .iter()
                .filter_map(|v| v.get("name")?.as_str())
                .map(|v| format!("{group}/{v}"))
                .collect();
            Some(CrdKind {
                api_versions,
                kind,
                namespaced: spec.get("scope").and_then(|s| s.as_str()) != Some("Cluster"),
            })
        })
        .collect()
}

/// Resolves kinds and scopes. Returns one entry per manifest: `Some(resource)` for served kinds,
/// `None` for kinds a CRD in the same app will define.
pub async fn resolve_kinds(
    cluster: &Cluster,
    manifests: &mut [Manifest],
) -> Result<Vec<Option<ResourceInfo>>, EngineError> {
    let crds = crd_kinds(manifests);
    let mut out = Vec::with_capacity(manifests.len());
    for m in manifests.iter_mut() {
        let served = cluster
            .resource(&m.api_version, &m.id.kind)
            .await
            .map_err(at(format!("discovering {}", m.api_version)))?;
        let (resource, namespaced) = match served {
            Some(ri) => {
                let namespaced = ri.namespaced;
                (Some(ri), namespaced)
            }
            None => {
                let crd = crds
                    .iter()
                    .find(|c| c.kind == m.id.kind && c.api_versions.contains(&m.api_version));
                match crd {
                    Some(c) => (None, c.namespaced),
                    None => {
                        return Err(EngineError::UnknownKind {
                            id: m.id.clone(),
                            origin: m.origin.clone(),
                            api_version: m.api_version.clone(),
                        })
                    }
                }
            }
        };
        fix_scope(m, namespaced);
        out.push(resource);
    }
    Ok(out)
}

/// Cluster-scoped objects carry no namespace; namespaced ones without any get `default`, as
/// kubectl does.
fn fix_scope(m: &mut Manifest, namespaced: bool) {
    match (namespaced, m.id.namespace.is_some()) {
        (false, true) => {
            if !m.namespace_defaulted {
                tracing::warn!(object = %m.id, origin = %m.origin, "namespace ignored: kind is cluster-scoped");
            }
            m.set_namespace(None);
        }
        (true, false) => {
            m.set_namespace(Some("default"));
            m.namespace_defaulted = true;
        }
        _ => {}
    }
    debug_assert_eq!(group_of(&m.api_version), m.id.group);
}
