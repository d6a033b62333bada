//! Applying a plan: server-side apply in table order — namespaces and CRDs first (waiting for CRDs
//! to be Established), then everything else — with immutable objects recreated. Per-object
//! failures become results; they never abort the others.

pub mod hooks;
mod wait;

use std::time::Duration;

use crate::cluster::Cluster;
use crate::diff::{Action, Planned};
use crate::object::ObjectId;
use crate::plan::order::is_foundation;

pub use hooks::{run_hooks, HookResult, ResolvedHook};
pub use wait::wait_crd_established;

/// How long to wait for a recreated object's predecessor to disappear.
const RECREATE_TIMEOUT: Duration = Duration::from_secs(120);
/// How long to wait for a CRD to become Established.
const CRD_TIMEOUT: Duration = Duration::from_secs(60);

/// The outcome of one object's apply.
#[derive(Clone, Debug)]
pub struct ApplyResult {
    /// The object.
    pub id: ObjectId,
    /// What was attempted.
    pub action: Action,
    /// `Some(message)` when it failed.
    pub error: Option<String>,
}

/// Progress callback: called once per object handled.
pub type Progress<'a> = &'a (dyn Fn(&ObjectId) + Sync);

/// Applies every object whose action writes, in plan order; returns one result per such object.
pub async fn apply_all(
    cluster: &Cluster,
    planned: &mut [Planned],
    force: bool,
    progress: Progress<'_>,
) -> Vec<ApplyResult> {
    let mut results = Vec::new();
    // Foundations first, so later objects find their namespaces and kinds.
    for p in planned
        .iter_mut()
        .filter(|p| is_foundation(&p.pair.desired.id.kind))
    {
        if let Some(r) = apply_one(cluster, p, force).await {
            results.push(r);
        }
        progress(&p.pair.desired.id);
    }
    let crds: Vec<ObjectId> = planned
        .iter()
        .filter(|p| p.pair.desired.id.kind == "CustomResourceDefinition")
        .filter(|p| matches!(p.action, Action::Create | Action::Update | Action::Recreate))
        .map(|p| p.pair.desired.id.clone())
        .collect();
    for id in &crds {
        let failed = results.iter().any(|r| &r.id == id && r.error.is_some());
        if failed {
            continue;
        }
        if let Err(message) = wait_crd_established(cluster, &id.name, CRD_TIMEOUT).await {
            results.push(ApplyResult {
                id: id.clone(),
                action: Action::Update,
                error: Some(message),
            });
        }
    }
    for p in planned
        .iter_mut()
        .filter(|p| !is_foundation(&p.pair.desired.id.kind))
    {
        if p.resource.is_none() {
            // Its CRD was applied above; discovery must be asked again.
            cluster.forget_discovery(&p.pair.desired.api_version).await;
            match cluster
                .resource(&p.pair.desired.api_version, &p.pair.desired.id.kind)
                .await
            {
                Ok(Some(ri)) => p.resource = Some(ri),
                Ok(None) => {
                    results.push(ApplyResult {
                        id: p.pair.desired.id.clone(),
                        action: p.action,
                        error: Some(format!(
                            "kind {} is still unknown after its CRD was applied",
                            p.pair.desired.api_version
                        )),
                    });
                    continue;
                }
                Err(e) => {
                    results.push(ApplyResult {
                        id: p.pair.desired.id.clone(),
                        action: p.action,
                        error: Some(e.to_string()),
                    });
                    continue;
                }
            }
        }
        if let Some(r) = apply_one(cluster, p, force).await {
            results.push(r);
        }
        progress(&p.pair.desired.id);
    }
    results
}

/// Applies one object according to its action; `None` when the action writes nothing.
async fn apply_one(cluster: &Cluster, p: &Planned, force: bool) -> Option<ApplyResult> {
    let id = p.pair.desired.id.clone();
    let result = |error: Option<String>| ApplyResult {
        id: id.clone(),
        action: p.action,
        error,
    };
    let ri = match (&p.resource, p.action) {
        (_, Action::Unchanged | Action::JobGone) => return None,
        (_, Action::Conflict) => return Some(result(p.note.clone())),
        (Some(ri), _) => ri,
        (None, _) => return Some(result(Some("kind not resolved".into()))),
    };
    if p.action == Action::Recreate {
        let live = p.pair.live.as_ref();
        let uid = live.and_then(|l| l["metadata"]["uid"].as_str());
        let ns = id.namespace.as_deref();
        tracing::info!(object = %id, "recreating: deleting the old object");
        if let Err(e) = cluster.delete(ri, ns, &id.name, uid, true).await {
            return Some(result(Some(format!("delete before recreate failed: {e}"))));
        }
        match cluster
            .wait_gone(ri, ns, &id.name, uid, RECREATE_TIMEOUT)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                return Some(result(Some(format!(
                    "old object still present after {}s; not recreated",
                    RECREATE_TIMEOUT.as_secs()
                ))))
            }
            Err(e) => return Some(result(Some(e.to_string()))),
        }
    }
    match cluster
        .apply(ri, &p.pair.desired.object, false, force)
        .await
    {
        Ok(_) => {
            tracing::debug!(object = %id, action = ?p.action, "applied");
            Some(result(None))
        }
        Err(e) => Some(result(Some(e.to_string()))),
    }
}
