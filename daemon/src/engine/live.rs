//! Reads live state in bulk: one LIST per (kind, namespace) the app touches, never a GET per object.

use std::collections::{BTreeMap, HashSet};

use crate::cluster::{Cluster, ResourceInfo};
use crate::object::{str_at, ObjectId};
use crate::plan::LiveSet;

use super::error::{at, EngineError};

/// Lists every (kind, namespace) among `wanted` and keeps the objects whose ids are wanted.
pub async fn read_live(
    cluster: &Cluster,
    wanted: &[(ResourceInfo, ObjectId)],
) -> Result<LiveSet, EngineError> {
    let ids: HashSet<&ObjectId> = wanted.iter().map(|(_, id)| id).collect();
    let mut collections: BTreeMap<(String, String, Option<String>), &ResourceInfo> =
        BTreeMap::new();
    for (ri, id) in wanted {
        let ns = if ri.namespaced {
            id.namespace.clone()
        } else {
            None
        };
        collections
            .entry((ri.api_version.clone(), ri.kind.clone(), ns))
            .or_insert(ri);
    }
    let mut live = LiveSet::new();
    for ((_, _, ns), ri) in collections {
        let items = cluster
            .list(ri, ns.as_deref(), None)
            .await
            .map_err(at(format!(
                "listing {} in {}",
                ri.kind,
                ns.as_deref().unwrap_or("cluster")
            )))?;
        for item in items {
            let Some(name) = str_at(&item, &["metadata", "name"]) else {
                continue;
            };
            let id = ObjectId::new(
                &ri.api_version,
                &ri.kind,
                str_at(&item, &["metadata", "namespace"]),
                name,
            );
            if ids.contains(&id) {
                live.insert(id, item);
            }
        }
    }
    Ok(live)
}
