//! Errors of the engine layer: everything that stops an app before (or instead of) writing.

use crate::cluster::ClusterError;
use crate::diff::Rejected;
use crate::history::HistoryError;
use crate::inventory::InventoryError;
use crate::object::{ObjectId, Origin};
use crate::render::RenderError;

/// Why an app could not be planned, synced or rolled back.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A manifest names a kind the server does not serve (and no CRD in the app defines it).
    #[error("{id} ({origin}): the server has no kind {api_version}/{kind}", kind = id.kind)]
    UnknownKind {
        /// The object.
        id: ObjectId,
        /// Where it came from.
        origin: Origin,
        /// Its apiVersion.
        api_version: String,
    },
    /// The manifests are inconsistent after resolving scopes (e.g. a duplicate).
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The server rejected objects in dry-run; nothing was written.
    #[error("the server rejected {} object(s), nothing was written:\n{}", .0.len(), list(.0))]
    Rejected(Vec<Rejected>),
    /// The previous inventory exists but cannot be used; nothing is written or pruned.
    #[error("inventory {name} is unreadable, refusing to sync (nothing written, nothing pruned): {source}")]
    InventoryUnreadable {
        /// ConfigMap name.
        name: String,
        /// Why.
        #[source]
        source: InventoryError,
    },
    /// The credentials in use lack permissions the sync needs; nothing was written.
    #[error("{env}/{app}: {} permission(s) the sync needs are missing, nothing was written:\n{}", .denied.len(), list_denied(.denied))]
    Forbidden {
        /// Environment.
        env: String,
        /// App.
        app: String,
        /// Every permission the server refused.
        denied: Vec<super::access::Denied>,
    },
    /// A call to the cluster failed while planning or recording.
    #[error("{step}: {source}")]
    Cluster {
        /// What was being done.
        step: String,
        /// The failure.
        #[source]
        source: ClusterError,
    },
    /// A chart hook's annotations are unusable.
    #[error(transparent)]
    Hook(#[from] crate::plan::hooks::HookError),
    /// A stored revision is unusable.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// No such revision.
    #[error("{env}/{app} has no revision {number}")]
    RevisionNotFound {
        /// Environment.
        env: String,
        /// App.
        app: String,
        /// Asked-for revision.
        number: u64,
    },
    /// Nothing to roll back to.
    #[error("{env}/{app} has no earlier revision to roll back to")]
    NoEarlierRevision {
        /// Environment.
        env: String,
        /// App.
        app: String,
    },
}

fn list(rejected: &[Rejected]) -> String {
    rejected
        .iter()
        .map(|r| format!("  {r}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn list_denied(denied: &[super::access::Denied]) -> String {
    denied
        .iter()
        .map(|d| format!("  {d}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Attaches a step description to a cluster error.
pub fn at(step: impl Into<String>) -> impl FnOnce(ClusterError) -> EngineError {
    let step = step.into();
    move |source| EngineError::Cluster { step, source }
}
