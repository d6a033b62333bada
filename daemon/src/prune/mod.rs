//! Pruning: deletes, in reverse apply order, exactly the objects the plan selected — each only if
//! it still has the uid the plan saw. Never runs when anything before it failed.

use crate::cluster::Cluster;
use crate::object::ObjectId;
use crate::plan::PruneTarget;

/// The outcome of one deletion.
#[derive(Clone, Debug)]
pub struct PruneResult {
    /// The object.
    pub id: ObjectId,
    /// `Some(message)` when the delete failed.
    pub error: Option<String>,
}

/// Deletes the targets in the given (prune) order.
pub async fn prune_all(cluster: &Cluster, targets: &[PruneTarget]) -> Vec<PruneResult> {
    let mut out = Vec::new();
    for t in targets {
        let error = match cluster.resource(&t.api_version, &t.id.kind).await {
            Ok(Some(ri)) => cluster
                .delete(
                    &ri,
                    t.id.namespace.as_deref(),
                    &t.id.name,
                    t.uid.as_deref(),
                    false,
                )
                .await
                .err()
                .map(|e| e.to_string()),
            Ok(None) => Some(format!(
                "kind {} {} is no longer served",
                t.api_version, t.id.kind
            )),
            Err(e) => Some(e.to_string()),
        };
        if error.is_none() {
            tracing::info!(object = %t.id, "pruned");
        }
        out.push(PruneResult {
            id: t.id.clone(),
            error,
        });
    }
    out
}
