//! What a user may write as a git ref, and turning it into one exact commit in a mirror:
//! names follow `git rev-parse`'s order (`refs/<n>`, `refs/tags/<n>`, `refs/heads/<n>`, then a
//! short sha), semver ranges pick the highest matching tag with Masterminds semantics (the same
//! implementation Sprig's `semverCompare` uses).

use std::cmp::Ordering;

use git2::{Oid, Repository};
use syncd_helm::funcs::semver::{Constraints, Version};

use super::GitError;

/// A ref as written in the config or on the command line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum GitRef {
    /// The remote's HEAD (its default branch).
    Default,
    /// A branch, tag, `refs/…` name, or full/short commit sha.
    Named(String),
    /// A semver range over tags (`>=1.4 <2`, `^1.2`, `~1.2`, `1.x`).
    Semver(String),
}

impl GitRef {
    /// Tells names from ranges: a range starts with an operator followed by a version, contains
    /// spaces, `,` or `||`, or uses an `x`/`*` wildcard. `main`, `v1.2.0`, `release/1.x-old` and
    /// `main^` stay names.
    pub fn parse(text: &str) -> GitRef {
        let t = text.trim();
        if t.is_empty() || t == "HEAD" {
            return GitRef::Default;
        }
        if t.contains(char::is_whitespace) || t.contains("||") || t.contains(',') || t == "*" {
            return GitRef::Semver(t.to_string());
        }
        let after_op = t.trim_start_matches(['^', '~', '>', '<', '=', '!']);
        if after_op.len() < t.len() {
            let v = after_op.strip_prefix(['v', 'V']).unwrap_or(after_op);
            if v.starts_with(|c: char| c.is_ascii_digit() || c == 'x' || c == 'X' || c == '*') {
                return GitRef::Semver(t.to_string());
            }
            return GitRef::Named(t.to_string());
        }
        let v = t.strip_prefix(['v', 'V']).unwrap_or(t);
        let parts: Vec<&str> = v.split('.').collect();
        let wildcard = |p: &str| p == "x" || p == "X" || p == "*";
        if parts.len() <= 3
            && parts.iter().any(|p| wildcard(p))
            && parts
                .iter()
                .all(|p| wildcard(p) || (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
        {
            return GitRef::Semver(t.to_string());
        }
        GitRef::Named(t.to_string())
    }

    /// The ref as written (used as the key for the last good commit).
    pub fn text(&self) -> &str {
        match self {
            GitRef::Default => "HEAD",
            GitRef::Named(n) | GitRef::Semver(n) => n,
        }
    }
}

/// The highest tag whose version satisfies `range`; tags that are not versions are skipped.
pub(crate) fn select_tag<'a>(
    range: &str,
    tags: impl IntoIterator<Item = &'a str>,
) -> Result<Option<&'a str>, GitError> {
    let constraints = Constraints::parse(range).map_err(|message| GitError::BadRange {
        range: range.to_string(),
        message,
    })?;
    let mut best: Option<(&str, Version)> = None;
    for tag in tags {
        let Ok(v) = Version::parse(tag) else { continue };
        if !constraints.check(&v) {
            continue;
        }
        let better = match &best {
            None => true,
            // Same precedence (`v1.0.0` vs `1.0.0`): the shorter, then smaller name, so the
            // choice does not depend on listing order.
            Some((bt, bv)) => match v.compare(bv) {
                Ordering::Greater => true,
                Ordering::Equal => (tag.len(), tag) < (bt.len(), *bt),
                Ordering::Less => false,
            },
        };
        if better {
            best = Some((tag, v));
        }
    }
    Ok(best.map(|(t, _)| t))
}

/// Resolves a ref in `repo` to (full ref name or sha, commit id).
pub(crate) fn resolve_in(
    repo: &Repository,
    reference: &GitRef,
    default_branch: Option<&str>,
    url: &str,
) -> Result<(String, Oid), GitError> {
    let not_found = || GitError::RefNotFound {
        url: url.to_string(),
        reference: reference.text().to_string(),
    };
    match reference {
        GitRef::Default => {
            let name = default_branch.ok_or_else(not_found)?;
            peel(repo, name).ok_or_else(not_found)
        }
        GitRef::Named(n) => resolve_name(repo, n).ok_or_else(not_found),
        GitRef::Semver(range) => {
            let names = repo.tag_names(None).map_err(|e| GitError::Mirror {
                url: url.to_string(),
                message: e.message().to_string(),
            })?;
            let tags: Vec<&str> = names.iter().flatten().flatten().collect();
            let tag = select_tag(range, tags)?.ok_or_else(|| GitError::NoMatchingTag {
                url: url.to_string(),
                range: range.clone(),
            })?;
            let name = format!("refs/tags/{tag}");
            peel(repo, &name).ok_or_else(not_found)
        }
    }
}

fn resolve_name(repo: &Repository, n: &str) -> Option<(String, Oid)> {
    let is_hex = !n.is_empty() && n.bytes().all(|b| b.is_ascii_hexdigit());
    if is_hex && n.len() == 40 {
        let oid = Oid::from_str(n).ok()?;
        let commit = repo.find_commit(oid).ok()?;
        return Some((commit.id().to_string(), commit.id()));
    }
    if n.starts_with("refs/") {
        return peel(repo, n);
    }
    for candidate in [
        format!("refs/{n}"),
        format!("refs/tags/{n}"),
        format!("refs/heads/{n}"),
    ] {
        if let Some(hit) = peel(repo, &candidate) {
            return Some(hit);
        }
    }
    if is_hex && n.len() >= 4 {
        let commit = repo.find_commit_by_prefix(n).ok()?;
        return Some((commit.id().to_string(), commit.id()));
    }
    None
}

fn peel(repo: &Repository, name: &str) -> Option<(String, Oid)> {
    let r = repo.find_reference(name).ok()?;
    let commit = r.peel_to_commit().ok()?;
    let full = r.name().unwrap_or(name).to_string();
    Some((full, commit.id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ranges_are_told_apart() {
        for name in [
            "main",
            "v1.2.0",
            "1.2.3",
            "release/1.x-old",
            "main^",
            "abc123",
            "refs/tags/v1",
        ] {
            assert_eq!(GitRef::parse(name), GitRef::Named(name.into()), "{name}");
        }
        for range in [
            ">=1.4 <2",
            "^1.2",
            "~1.2",
            "1.x",
            "v2.X",
            "1.2.*",
            "*",
            ">=1.0.0-0",
            "1.0 || 2.0",
            "=1.2.3",
        ] {
            assert_eq!(
                GitRef::parse(range),
                GitRef::Semver(range.into()),
                "{range}"
            );
        }
        assert_eq!(GitRef::parse(""), GitRef::Default);
        assert_eq!(GitRef::parse("HEAD"), GitRef::Default);
    }

    #[test]
    fn semver_selection_picks_the_highest_match_and_skips_prereleases() {
        let tags = [
            "v1.3.0",
            "v1.4.0",
            "v1.4.2",
            "v1.10.0",
            "v2.0.0",
            "v2.1.0-rc.1",
            "latest",
            "1.5.0",
        ];
        let pick = |r: &str| select_tag(r, tags).unwrap();
        assert_eq!(pick(">=1.4 <2"), Some("v1.10.0"));
        assert_eq!(pick("~1.4"), Some("v1.4.2"));
        assert_eq!(pick("^1.2"), Some("v1.10.0"));
        assert_eq!(pick("1.5.x"), Some("1.5.0"));
        assert_eq!(pick("2.x"), Some("v2.0.0"));
        assert_eq!(pick(">=2.1.0-0"), Some("v2.1.0-rc.1"));
        assert_eq!(pick(">=3"), None);
        assert!(matches!(
            select_tag(">=>=", tags),
            Err(GitError::BadRange { .. })
        ));
    }

    #[test]
    fn equal_versions_choose_deterministically() {
        assert_eq!(
            select_tag("1.x", ["v1.0.0", "1.0.0"]).unwrap(),
            Some("1.0.0")
        );
        assert_eq!(
            select_tag("1.x", ["1.0.0", "v1.0.0"]).unwrap(),
            Some("1.0.0")
        );
    }
}
