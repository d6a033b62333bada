//! The provider-neutral result of reading a delivery — a push (ref, commit, changed paths), a
//! ping, or an event syncd ignores — and the payload rules every provider shares: full refs,
//! commit ids, deleted refs, and the union of changed files.

use std::collections::BTreeSet;

use axum::http::HeaderMap;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::handle::Reply;

/// What a verified delivery asks for.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// One or more refs moved.
    Push(Vec<Push>),
    /// The provider checks the endpoint (GitHub `ping`, Bitbucket `diagnostics:ping`).
    Ping,
    /// Valid, but nothing to do (another event type, a deleted ref); the text says which.
    Ignored(String),
}

/// One ref update.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Push {
    /// The full ref (`refs/heads/main`).
    pub(super) git_ref: String,
    /// The commit the ref now points at.
    pub(super) commit: Option<String>,
    /// Paths changed, when the payload lists all of them.
    pub(super) changed_paths: Option<Vec<String>>,
}

/// The files one commit of a payload touched. A list the provider left out is `None`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct CommitFiles {
    #[serde(default)]
    pub(super) added: Option<Vec<String>>,
    #[serde(default)]
    pub(super) removed: Option<Vec<String>>,
    #[serde(default)]
    pub(super) modified: Option<Vec<String>>,
}

impl CommitFiles {
    /// How many paths this commit lists.
    pub(super) fn len(&self) -> usize {
        [&self.added, &self.removed, &self.modified]
            .into_iter()
            .flatten()
            .map(Vec::len)
            .sum()
    }
}

/// Parses a JSON body; a syntax or shape error is a 400 naming the problem.
pub(super) fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Reply> {
    serde_json::from_slice(body)
        .map_err(|e| Reply::bad_request(format!("body is not a valid push payload: {e}")))
}

/// A header's value as text, trimmed; `None` when absent, empty or not UTF-8.
pub(super) fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    let value = headers.get(name)?.to_str().ok()?.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// The full ref name: providers send `refs/heads/x` / `refs/tags/v1`; a bare name (only the
/// generic endpoint might send one) is taken as a branch.
pub(super) fn full_ref(name: Option<&str>) -> Result<String, Reply> {
    let name = name.map(str::trim).unwrap_or_default();
    if name.is_empty() {
        return Err(Reply::bad_request("payload has no ref"));
    }
    if name.starts_with("refs/") {
        Ok(name.to_owned())
    } else {
        Ok(format!("refs/heads/{name}"))
    }
}

/// True for the all-zero id providers send as the new value of a deleted ref.
pub(super) fn is_zero(sha: &str) -> bool {
    !sha.is_empty() && sha.bytes().all(|b| b == b'0')
}

/// A commit id from a payload field: 40 (SHA-1) or 64 (SHA-256) hex digits, lower-cased.
pub(super) fn commit_id(field: &str, sha: &str) -> Result<String, Reply> {
    let sha = sha.trim();
    if matches!(sha.len(), 40 | 64) && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(sha.to_ascii_lowercase())
    } else {
        Err(Reply::bad_request(format!(
            "{field} {sha:?} is not a commit id"
        )))
    }
}

/// The union of the files the commits list, sorted. `None` (unknown, so every app counts as
/// touched) when there are no commits — a tag push, say — or a commit omits its file lists.
pub(super) fn changed_paths(commits: &[CommitFiles]) -> Option<Vec<String>> {
    if commits.is_empty() {
        return None;
    }
    let mut paths = BTreeSet::new();
    for commit in commits {
        for list in [&commit.added, &commit.removed, &commit.modified] {
            paths.extend(list.as_ref()?.iter().cloned());
        }
    }
    Some(paths.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(added: &[&str], removed: &[&str], modified: &[&str]) -> CommitFiles {
        let v = |s: &[&str]| Some(s.iter().map(|p| p.to_string()).collect());
        CommitFiles {
            added: v(added),
            removed: v(removed),
            modified: v(modified),
        }
    }

    #[test]
    fn refs_are_full() {
        assert_eq!(full_ref(Some("refs/tags/v1")).unwrap(), "refs/tags/v1");
        assert_eq!(full_ref(Some("main")).unwrap(), "refs/heads/main");
        assert!(full_ref(Some(" ")).is_err());
        assert!(full_ref(None).is_err());
    }

    #[test]
    fn commit_ids_are_checked_and_lowercased() {
        let sha1 = "A".repeat(40);
        assert_eq!(commit_id("after", &sha1).unwrap(), "a".repeat(40));
        assert!(commit_id("after", &"a".repeat(64)).is_ok());
        assert!(commit_id("after", "abc").is_err());
        assert!(commit_id("after", &"g".repeat(40)).is_err());
        assert!(is_zero(&"0".repeat(40)));
        assert!(!is_zero(""));
        assert!(!is_zero(&format!("{}1", "0".repeat(39))));
    }

    #[test]
    fn changed_paths_are_a_sorted_union_or_unknown() {
        let commits = [
            files(&["b.yaml"], &[], &["a.yaml"]),
            files(&[], &["c.yaml"], &["a.yaml"]),
        ];
        assert_eq!(
            changed_paths(&commits),
            Some(vec!["a.yaml".into(), "b.yaml".into(), "c.yaml".into()])
        );
        assert_eq!(changed_paths(&[]), None);
        let partial = [files(&["a"], &[], &[]), CommitFiles::default()];
        assert_eq!(changed_paths(&partial), None);
        assert_eq!(commits[0].len(), 2);
    }
}
