//! Discovery cached per group/version: each `apiVersion` is asked about once per process.

use std::collections::HashMap;

use tokio::sync::Mutex;

use super::stats::{RequestKind, Stats};
use super::{ClusterError, ResourceInfo};
use crate::object::group_of;

/// Cache of `apiVersion` → kinds served there (`None`: the server does not serve it).
#[derive(Default)]
pub struct Discovery {
    cache: Mutex<HashMap<String, Option<Vec<ResourceInfo>>>>,
}

impl Discovery {
    /// Finds `kind` in `api_version`, asking the server at most once per `api_version`.
    pub async fn resolve(
        &self,
        client: &kube::Client,
        stats: &Stats,
        api_version: &str,
        kind: &str,
    ) -> Result<Option<ResourceInfo>, ClusterError> {
        let mut cache = self.cache.lock().await;
        if !cache.contains_key(api_version) {
            stats.count(RequestKind::Discovery);
            let list = if api_version.contains('/') {
                client.list_api_group_resources(api_version).await
            } else {
                client.list_core_api_resources(api_version).await
            };
            let resources = match list.map_err(ClusterError::from) {
                Ok(list) => Some(
                    list.resources
                        .into_iter()
                        .filter(|r| !r.name.contains('/'))
                        .map(|r| ResourceInfo {
                            group: group_of(api_version).to_string(),
                            api_version: api_version.to_string(),
                            kind: r.kind,
                            plural: r.name,
                            namespaced: r.namespaced,
                        })
                        .collect(),
                ),
                Err(e) if e.is_not_found() => None,
                Err(e) => return Err(e),
            };
            cache.insert(api_version.to_string(), resources);
        }
        Ok(cache[api_version]
            .as_ref()
            .and_then(|rs| rs.iter().find(|r| r.kind == kind).cloned()))
    }

    /// Every kind served at `api_version` (empty when it is not served), cached like `resolve`.
    pub async fn kinds(
        &self,
        client: &kube::Client,
        stats: &Stats,
        api_version: &str,
    ) -> Result<Vec<ResourceInfo>, ClusterError> {
        // Resolving any kind fills the cache for the whole group/version.
        self.resolve(client, stats, api_version, "").await?;
        Ok(self.cache.lock().await[api_version]
            .clone()
            .unwrap_or_default())
    }

    /// Drops the cached answer for `api_version`.
    pub async fn forget(&self, api_version: &str) {
        self.cache.lock().await.remove(api_version);
    }
}
