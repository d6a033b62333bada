//! Reads live state in bulk: per (kind, namespace) the app touches, one LIST of the objects that
//! carry this app's ownership labels; objects not found that way (not labelled yet, or labels
//! removed) are read with a few GETs, or one unfiltered LIST when there are many.

use std::collections::{BTreeMap, HashSet};

use crate::cluster::{Cluster, ResourceInfo};
use crate::object::{str_at, ObjectId};
use crate::plan::LiveSet;

use super::error::{at, EngineError};

/// apiVersion, kind and namespace of one collection listed.
type CollectionKey = (String, String, Option<String>);

/// Up to this many unlabelled objects of one collection are read one by one; more, and the
/// whole collection is listed (the first sync of an app, typically).
const GET_LIMIT: usize = 8;

/// Reads every object in `wanted`. `owned` selects the app's objects (`syncd.io/env=…,
/// syncd.io/app=…`): in steady state everything wanted carries it, so a namespace full of other
/// apps' objects is never decoded.
pub async fn read_live(
    cluster: &Cluster,
    wanted: &[(ResourceInfo, ObjectId)],
    owned: &str,
) -> Result<LiveSet, EngineError> {
    let mut collections: BTreeMap<CollectionKey, (&ResourceInfo, HashSet<&ObjectId>)> =
        BTreeMap::new();
    for (ri, id) in wanted {
        let ns = if ri.namespaced {
            id.namespace.clone()
        } else {
            None
        };
        collections
            .entry((ri.api_version.clone(), ri.kind.clone(), ns))
            .or_insert((ri, HashSet::new()))
            .1
            .insert(id);
    }
    let mut live = LiveSet::new();
    for ((_, _, ns), (ri, ids)) in collections {
        let ns = ns.as_deref();
        let listing = |e| {
            at(format!(
                "listing {} in {}",
                ri.kind,
                ns.unwrap_or("cluster")
            ))(e)
        };
        let labelled = cluster.list(ri, ns, Some(owned)).await.map_err(listing)?;
        keep(&mut live, ri, labelled, &ids);
        let missing: Vec<&ObjectId> = ids
            .iter()
            .copied()
            .filter(|id| !live.contains_key(*id))
            .collect();
        if missing.len() > GET_LIMIT {
            let all = cluster.list(ri, ns, None).await.map_err(listing)?;
            keep(&mut live, ri, all, &ids);
            continue;
        }
        let reads = missing.iter().map(|id| async move {
            let got = cluster
                .get(
                    ri,
                    id.namespace.as_deref().filter(|_| ri.namespaced),
                    &id.name,
                )
                .await;
            (*id, got)
        });
        for (id, got) in futures::future::join_all(reads).await {
            let got = got.map_err(at(format!("reading {id}")))?;
            if let Some(obj) = got {
                live.insert(id.clone(), obj);
            }
        }
    }
    Ok(live)
}

/// Keeps the listed objects that are wanted.
fn keep(
    live: &mut LiveSet,
    ri: &ResourceInfo,
    items: Vec<serde_json::Value>,
    ids: &HashSet<&ObjectId>,
) {
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
