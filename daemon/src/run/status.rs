//! `StatusBoard`: what the daemon knows about each app right now — phase, revision, health, last
//! result and error — shared by the loop (writer) and the HTTP API and `syncd status` (readers).

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};

use serde::{Deserialize, Serialize};

/// Where an app is in its reconcile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    /// Nothing to do until the next trigger.
    Idle,
    /// Fetching the repo and the app's sources.
    Fetching,
    /// Rendering.
    Rendering,
    /// Planning (reading live state, pairing, diffing).
    Planning,
    /// Applying and pruning.
    Applying,
    /// Waiting for the applied objects to become healthy.
    WaitingForHealth,
    /// The last reconcile succeeded and the app is healthy.
    Done,
    /// The last reconcile failed; a retry is scheduled.
    Failed,
}

/// The worst health of an app's objects (the health stage's scale, under the name the status
/// API has always used).
pub use crate::health::Health as AppHealth;

/// One app's status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    /// App name.
    pub app: String,
    /// Phase now.
    pub phase: Phase,
    /// Health after the last sync (or the last check).
    pub health: AppHealth,
    /// GitOps repo commit last applied.
    pub commit: Option<String>,
    /// History revision last recorded.
    pub revision: Option<u64>,
    /// Outcome of the last reconcile: `synced`, `unchanged`, `failed`, `rolled back`, `pinned`...
    pub last_result: Option<String>,
    /// The last error, if the last reconcile failed.
    pub last_error: Option<String>,
    /// RFC 3339 time of the last reconcile's end.
    pub last_sync: Option<String>,
    /// Objects whose live state drifted from what syncd applied.
    pub drifted: Vec<String>,
    /// Pinned by a manual rollback: the commit the daemon must not re-apply until a new one.
    pub pinned_from: Option<String>,
    /// Consecutive failures.
    pub failures: u32,
}

impl AppStatus {
    /// A status for an app not reconciled yet.
    pub fn new(app: &str) -> AppStatus {
        AppStatus {
            app: app.to_owned(),
            phase: Phase::Idle,
            health: AppHealth::Unknown,
            commit: None,
            revision: None,
            last_result: None,
            last_error: None,
            last_sync: None,
            drifted: Vec::new(),
            pinned_from: None,
            failures: 0,
        }
    }
}

/// The whole daemon's status, as `/api/v1/status` returns it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DaemonStatus {
    /// Environment served.
    pub environment: String,
    /// Whether this replica holds the lease (always true without leader election).
    pub leader: bool,
    /// Whether every app's first sync was attempted and the caches are warm.
    pub ready: bool,
    /// GitOps repo commit last fetched.
    pub repo_commit: Option<String>,
    /// Why the last round could not start (fetch failed, repo invalid), if it could not.
    pub repo_error: Option<String>,
    /// Apps by name.
    pub apps: BTreeMap<String, AppStatus>,
}

/// Shared, cheaply cloned handle to the daemon's status.
#[derive(Clone, Debug, Default)]
pub struct StatusBoard {
    inner: Arc<RwLock<DaemonStatus>>,
}

impl StatusBoard {
    /// A board for `environment`.
    pub fn new(environment: &str) -> StatusBoard {
        let board = StatusBoard::default();
        board.update(|s| s.environment = environment.to_owned());
        board
    }

    /// A copy of the status now.
    pub fn snapshot(&self) -> DaemonStatus {
        // A poisoned lock only means a writer panicked mid-update; the data is still the best
        // there is to report.
        self.inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Changes the status under the lock.
    pub fn update<R>(&self, f: impl FnOnce(&mut DaemonStatus) -> R) -> R {
        let mut guard = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }

    /// Changes one app's status, creating it if needed.
    pub fn app<R>(&self, app: &str, f: impl FnOnce(&mut AppStatus) -> R) -> R {
        self.update(|s| {
            let entry = s
                .apps
                .entry(app.to_owned())
                .or_insert_with(|| AppStatus::new(app));
            f(entry)
        })
    }
}
