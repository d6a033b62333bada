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

/// Whether a push to `pushed` (a full ref) can move `configured`, the ref the daemon follows
/// (`None`: the remote's default branch, which a push payload does not name, so any branch).
pub fn ref_matches(configured: Option<&str>, pushed: &str) -> bool {
    let Some(want) = configured
        .map(str::trim)
        .filter(|w| !w.is_empty() && *w != "HEAD")
    else {
        return pushed.starts_with("refs/heads/");
    };
    if want.starts_with("refs/") {
        return pushed == want;
    }
    let is_sha = want.len() >= 7 && want.len() <= 40 && want.chars().all(|c| c.is_ascii_hexdigit());
    if is_sha {
        // A pinned commit never moves.
        return false;
    }
    let is_range = want.contains(|c: char| "^~<>=*| ,".contains(c)) || want.ends_with(".x");
    if is_range {
        return pushed.starts_with("refs/tags/");
    }
    pushed == format!("refs/heads/{want}") || pushed == format!("refs/tags/{want}")
}

#[cfg(test)]
mod tests {
    use super::ref_matches;

    #[test]
    fn pushes_match_the_followed_ref_in_any_form() {
        assert!(ref_matches(Some("main"), "refs/heads/main"));
        assert!(!ref_matches(Some("main"), "refs/heads/feature"));
        assert!(ref_matches(Some("v1.2.0"), "refs/tags/v1.2.0"));
        assert!(ref_matches(
            Some("refs/heads/release"),
            "refs/heads/release"
        ));
        assert!(!ref_matches(Some("refs/heads/release"), "refs/heads/main"));
        assert!(ref_matches(Some("^1.2"), "refs/tags/v1.3.0"));
        assert!(!ref_matches(Some("^1.2"), "refs/heads/main"));
        assert!(!ref_matches(Some("0123abcd0123abcd"), "refs/heads/main"));
        assert!(ref_matches(None, "refs/heads/whatever"));
        assert!(!ref_matches(None, "refs/tags/v1"));
    }
}
