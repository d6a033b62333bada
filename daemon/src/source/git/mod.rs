//! Git sources: a persistent cache of bare mirrors (one per URL, fetched incrementally), ref
//! resolution to an exact commit (branch, tag, sha, semver range over tags), and immutable
//! per-commit checkouts that several processes can share.
//!
//! Layout under the cache directory:
//!
//! ```text
//! mirrors/<slug>-<hash>/        bare repo; refs/heads/*, refs/tags/* mirrored (pruned),
//!                               refs/syncd/last-good/<hash of ref> = last resolved commit
//! mirrors/<slug>-<hash>.lock    exclusive while fetching/resolving
//! checkouts/<slug>-<hash>/<sha>/         exported tree, never modified once renamed in place
//! checkouts/<slug>-<hash>/.use/<sha>     mtime = last use; shared-locked while a Checkout lives
//! cache.lock                    exclusive while evicting
//! ```
//!
//! Credentials are handed to libgit2 through callbacks only; no URL with userinfo is stored in a
//! mirror, and every message shows the URL through [`redact_url`]. Submodules are not fetched:
//! a gitlink in a tree is exported as an empty directory.

mod cache;
mod checkout;
mod evict;
mod fetch;
mod known_hosts;
mod reference;
mod url;

use std::path::PathBuf;

pub use cache::{Checkout, FetchStats, GitCache, Resolved};
pub use checkout::resolve_inside;
pub use known_hosts::{HostKeyStatus, KnownHosts};
pub use reference::GitRef;
pub use url::redact_url;

use super::credentials::Credentials;

/// A git remote and how to authenticate to it. `Debug` shows the URL without userinfo.
#[derive(Clone)]
pub struct GitRemote {
    /// `https://`, `http://`, `ssh://`, `user@host:path` (scp form), `git://`, `file://` or a
    /// local path. Userinfo in the URL is stripped before use; pass secrets in `credentials`.
    pub url: String,
    /// How to authenticate.
    pub credentials: Credentials,
}

impl std::fmt::Debug for GitRemote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitRemote")
            .field("url", &redact_url(&self.url))
            .field("credentials", &self.credentials)
            .finish()
    }
}

impl GitRemote {
    /// A remote without credentials.
    pub fn anonymous(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            credentials: Credentials::None,
        }
    }
}

/// Why a git source could not be fetched, resolved or checked out. Every message names the URL
/// without credentials.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// Fetching from the remote failed (network, protocol, missing repository).
    #[error("fetching {url} failed: {message}")]
    Fetch {
        /// The URL, redacted.
        url: String,
        /// libgit2's message, redacted.
        message: String,
    },
    /// The server refused the credentials, or wanted some and none were configured.
    #[error("authentication to {url} failed: {message}")]
    Auth {
        /// The URL, redacted.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The ssh host key is unknown, changed or revoked (no trust-on-first-use).
    #[error("ssh host key check for {url} failed: {message}")]
    HostKey {
        /// The URL, redacted.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The named ref (or sha) is not in the repository.
    #[error("{reference} not found in {url}")]
    RefNotFound {
        /// The URL, redacted.
        url: String,
        /// The ref as written.
        reference: String,
    },
    /// No tag satisfies the semver range.
    #[error("no tag in {url} matches semver range {range:?}")]
    NoMatchingTag {
        /// The URL, redacted.
        url: String,
        /// The range.
        range: String,
    },
    /// The semver range does not parse.
    #[error("invalid semver range {range:?}: {message}")]
    BadRange {
        /// The range.
        range: String,
        /// The parser's message.
        message: String,
    },
    /// The fetch failed and there is no earlier good commit to fall back on.
    #[error("fetching {url} failed and no earlier commit for {reference} is cached: {cause}")]
    NoLastGood {
        /// The URL, redacted.
        url: String,
        /// The ref as written.
        reference: String,
        /// The fetch error.
        cause: Box<GitError>,
    },
    /// Reading or writing the mirror repository failed.
    #[error("git mirror of {url}: {message}")]
    Mirror {
        /// The URL, redacted.
        url: String,
        /// libgit2's message.
        message: String,
    },
    /// A path (symlink target or subpath) leaves the checkout.
    #[error("{path} leaves the checkout ({detail})")]
    PathEscape {
        /// The path inside the checkout.
        path: PathBuf,
        /// Why: the symlink target or the offending component.
        detail: String,
    },
    /// A cache file or directory could not be read or written.
    #[error("git cache {path}: {source}")]
    Cache {
        /// The file or directory.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// A cache lock could not be taken.
    #[error("locking {path}: {source}")]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// A blocking task panicked or was cancelled.
    #[error("git task failed: {0}")]
    Task(String),
}

impl GitError {
    pub(crate) fn cache(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> GitError {
        let path = path.into();
        move |source| GitError::Cache { path, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::credentials::Secret;

    #[test]
    fn debug_never_shows_secrets() {
        let remote = GitRemote {
            url: "https://me:hunter2@git.example/r.git".into(),
            credentials: Credentials::Token(Secret::new("tok-abc")),
        };
        let shown = format!("{remote:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("tok-abc"),
            "{shown}"
        );
        assert!(shown.contains("https://git.example/r.git"), "{shown}");
    }
}
