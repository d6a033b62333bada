//! Planning a rollback from a stored revision alone, without Git: its objects, its policy, its
//! rollback hooks, and the provenance the new revision records.

use super::{load_revision_with_hooks, plan_rollback, AppPlan, EngineError, Provenance};
use super::{PruneOverrides, Target};
use crate::cluster::Cluster;

/// A planned rollback, ready for [`super::execute`].
#[derive(Debug)]
pub struct RollbackPlan {
    /// The plan (the revision's objects and pre-/post-rollback hooks).
    pub plan: AppPlan,
    /// What the new revision records: the old commit and sources, and which revision it restores.
    pub provenance: Provenance,
    /// The revision rolled back to.
    pub revision: u64,
}

/// Plans restoring `env`/`app` to revision `to` (default: the one before the newest), under the
/// policy that revision was synced with.
pub async fn plan_rollback_to(
    cluster: &Cluster,
    state_namespace: &str,
    env: &str,
    app: &str,
    to: Option<u64>,
    overrides: PruneOverrides,
) -> Result<RollbackPlan, EngineError> {
    let (revision, manifests, hooks) =
        load_revision_with_hooks(cluster, state_namespace, env, app, to).await?;
    let target = Target::from_history(state_namespace, env, app, revision.policy.as_ref());
    let plan = plan_rollback(cluster, target, manifests, hooks, overrides).await?;
    Ok(RollbackPlan {
        plan,
        provenance: Provenance {
            commit: revision.commit.clone(),
            dirty: revision.dirty,
            rollback_of: Some(revision.number),
            sources: revision.sources,
        },
        revision: revision.number,
    })
}
