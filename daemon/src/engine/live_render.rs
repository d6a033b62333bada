//! What a chart sees of the live cluster while rendering in `diff`/`sync`: `.Capabilities` from
//! the server's version and discovery, and `lookup` reading live objects (read-only). This is what
//! keeps charts that generate a secret once and reuse it via `lookup` stable across syncs.

use serde_json::{json, Value as Json};
use syncd_helm::chart::Capabilities;
use syncd_helm::template::Host;
use syncd_helm::Value;

use crate::cluster::{Cluster, ClusterError};

use super::error::{at, EngineError};

/// Helm's capabilities for the connected cluster.
pub async fn capabilities(cluster: &Cluster) -> Result<Capabilities, EngineError> {
    let (version, major, minor) = cluster
        .server_version()
        .await
        .map_err(at("reading the server version"))?;
    let api_versions = cluster
        .api_versions()
        .await
        .map_err(at("discovering API versions"))?;
    let mut caps = Capabilities::default();
    caps.kube_version.version = version;
    caps.kube_version.major = major;
    caps.kube_version.minor = minor;
    caps.api_versions = api_versions;
    Ok(caps)
}

/// `lookup` against the cluster. Template execution is synchronous, so each lookup blocks the
/// current worker on the async client (the runtime must be multi-threaded).
pub struct ClusterLookup<'a> {
    cluster: &'a Cluster,
    handle: tokio::runtime::Handle,
}

impl<'a> ClusterLookup<'a> {
    /// A lookup host on the current runtime.
    pub fn new(cluster: &'a Cluster) -> ClusterLookup<'a> {
        ClusterLookup {
            cluster,
            handle: tokio::runtime::Handle::current(),
        }
    }

    async fn fetch(
        &self,
        api_version: &str,
        kind: &str,
        ns: &str,
        name: &str,
    ) -> Result<Json, ClusterError> {
        let Some(ri) = self.cluster.resource(api_version, kind).await? else {
            // Helm returns an empty map when the kind is not served.
            return Ok(json!({}));
        };
        let ns = (ri.namespaced && !ns.is_empty()).then_some(ns);
        if name.is_empty() {
            let items = self.cluster.list(&ri, ns, None).await?;
            return Ok(
                json!({"apiVersion": api_version, "kind": format!("{kind}List"), "items": items}),
            );
        }
        Ok(self
            .cluster
            .get(&ri, ns, name)
            .await?
            .unwrap_or_else(|| json!({})))
    }
}

impl Host for ClusterLookup<'_> {
    fn lookup(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Value, String> {
        let found = tokio::task::block_in_place(|| {
            self.handle
                .block_on(self.fetch(api_version, kind, namespace, name))
        })
        .map_err(|e| e.to_string())?;
        Ok(Value::from_json(&found))
    }
}
