//! Planning a rollback from a stored revision alone, without Git: its objects, its policy, its
//! rollback hooks, and the provenance the new revision records.

use serde_json::Value;

use super::{plan_rollback, state, stored_hooks, AppPlan, EngineError, Provenance};
use super::{PruneOverrides, Target};
use crate::cluster::Cluster;
use crate::history::{self, Revision};
use crate::object::{Manifest, Origin};
use crate::render::{manifests_from_document, RenderError};

/// A planned rollback, ready for [`super::execute`].
#[derive(Debug)]
pub struct RollbackPlan {
    /// The plan (the revision's objects and pre-/post-rollback hooks).
    pub plan: AppPlan,
    /// What the new revision records: the old commit and sources, and which revision it restores.
    pub provenance: Provenance,
    /// The revision rolled back to.
    pub revision: u64,
    /// The commit of the newest revision: what the rollback leaves (a pin's `from_commit`).
    pub from_commit: Option<String>,
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
    let Stored {
        revision,
        manifests,
        hooks,
        newest_commit,
    } = load_stored(cluster, state_namespace, env, app, to).await?;
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
        from_commit: newest_commit,
    })
}

/// Loads revision `to` (default: the one before the newest): its metadata (with the policy it was
/// synced with), its manifests, and the chart hook objects stored with it.
pub async fn load_revision_with_hooks(
    cluster: &Cluster,
    state_ns: &str,
    env: &str,
    app: &str,
    to: Option<u64>,
) -> Result<(Revision, Vec<Manifest>, Vec<Manifest>), EngineError> {
    let stored = load_stored(cluster, state_ns, env, app, to).await?;
    Ok((stored.revision, stored.manifests, stored.hooks))
}

/// A revision loaded from the history, with the newest revision's commit.
struct Stored {
    revision: Revision,
    manifests: Vec<Manifest>,
    hooks: Vec<Manifest>,
    newest_commit: Option<String>,
}

/// Lists the history once and loads revision `to` from it (see [`load_revision_with_hooks`]).
async fn load_stored(
    cluster: &Cluster,
    state_ns: &str,
    env: &str,
    app: &str,
    to: Option<u64>,
) -> Result<Stored, EngineError> {
    let revisions = state::list_revisions(cluster, state_ns, env, app).await?;
    let number = match to {
        Some(n) => n,
        None => {
            let newest = revisions.last().map(|(r, _)| r.number);
            revisions
                .iter()
                .rev()
                .map(|(r, _)| r.number)
                .find(|n| Some(*n) != newest)
                .ok_or_else(|| EngineError::NoEarlierRevision {
                    env: env.into(),
                    app: app.into(),
                })?
        }
    };
    let (_, secret) = revisions
        .iter()
        .find(|(r, _)| r.number == number)
        .ok_or_else(|| EngineError::RevisionNotFound {
            env: env.into(),
            app: app.into(),
            number,
        })?;
    let (revision, objects) = history::decode(secret)?;
    let (objects, hook_objects) = stored_hooks::split(objects);
    let manifests = to_manifests(objects, format!("revision {number}"))?;
    let hooks = to_manifests(hook_objects, format!("revision {number} (hooks)"))?;
    Ok(Stored {
        revision,
        manifests,
        hooks,
        newest_commit: revisions.last().and_then(|(r, _)| r.commit.clone()),
    })
}

/// A revision's stored objects as manifests, each document's origin in `file`.
fn to_manifests(objects: Vec<Value>, file: String) -> Result<Vec<Manifest>, RenderError> {
    let mut out = Vec::new();
    for (doc, obj) in objects.into_iter().enumerate() {
        let origin = Origin {
            file: file.clone(),
            doc,
            line: 0,
        };
        manifests_from_document(obj, origin, &mut out)?;
    }
    Ok(out)
}
