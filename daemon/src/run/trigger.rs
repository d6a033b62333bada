//! `Trigger`: why the daemon should look at the repo again, and what it may narrow the work to.

use std::time::Instant;

/// Why a reconcile was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TriggerReason {
    /// The daemon started.
    Startup,
    /// The poll interval elapsed.
    Poll,
    /// A verified webhook delivery.
    Webhook {
        /// `github`, `gitlab`, `gitea`, `bitbucket` or `generic`.
        provider: String,
        /// The provider's delivery id (deduplicated before it gets here), if it sent one.
        delivery: Option<String>,
    },
    /// A live object syncd owns drifted from what it applied.
    Drift {
        /// The app that owns it.
        app: String,
        /// The object, as `ObjectId` prints it.
        object: String,
    },
    /// The daemon's configuration file changed and the new one is valid.
    ConfigReload,
    /// A failed app's backoff elapsed.
    Retry {
        /// The app to try again.
        app: String,
    },
    /// `syncd resume` lifted a pin.
    Resume {
        /// The app resumed.
        app: String,
    },
}

/// A request to reconcile. A push is only a hint: the daemon fetches and verifies the commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trigger {
    /// Why.
    pub reason: TriggerReason,
    /// The full ref pushed (`refs/heads/main`, `refs/tags/v1.2.0`), when known.
    pub git_ref: Option<String>,
    /// The commit the pusher says the ref now points at, when known.
    pub commit: Option<String>,
    /// Repo-relative paths the push changed; `None` when the payload does not say (every app
    /// is then considered touched).
    pub changed_paths: Option<Vec<String>>,
    /// When the trigger was received (for latency metrics).
    pub received: Instant,
}

impl Trigger {
    /// A trigger with only a reason.
    pub fn new(reason: TriggerReason) -> Trigger {
        Trigger {
            reason,
            git_ref: None,
            commit: None,
            changed_paths: None,
            received: Instant::now(),
        }
    }
}
