//! The GitOps repo as a local directory: a git working tree is used as it is, uncommitted changes
//! included, so `syncd diff` previews a change before it is pushed.

use std::path::{Path, PathBuf};

/// Why a source could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The path does not exist or is not a directory.
    #[error("repo path {path} is not a directory")]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
}

/// A source tree ready to render, tied to the commit it came from when known.
#[derive(Clone, Debug)]
pub struct SourceTree {
    /// Root directory of the repo.
    pub root: PathBuf,
    /// HEAD commit when the root is inside a git checkout.
    pub commit: Option<String>,
    /// The checkout has uncommitted changes (they are rendered as they are).
    pub dirty: bool,
}

/// Opens a local directory as a source.
pub fn open_local(path: &Path) -> Result<SourceTree, SourceError> {
    if !path.is_dir() {
        return Err(SourceError::NotADirectory { path: path.into() });
    }
    let root = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let (commit, dirty) = git_state(&root);
    Ok(SourceTree {
        root,
        commit,
        dirty,
    })
}

/// HEAD commit and dirtiness of the checkout containing `root`; `(None, false)` outside git.
fn git_state(root: &Path) -> (Option<String>, bool) {
    let Ok(repo) = git2::Repository::discover(root) else {
        return (None, false);
    };
    let commit = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .map(|c| c.id().to_string());
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true).include_ignored(false);
    let dirty = repo
        .statuses(Some(&mut opts))
        .map(|s| !s.is_empty())
        .unwrap_or(false);
    (commit, dirty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .status()
            .expect("git runs")
            .success();
        assert!(ok, "git {args:?}");
    }

    #[test]
    fn records_head_commit_and_dirtiness() {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q"]);
        std::fs::write(dir.path().join("a.yaml"), "a: 1\n").unwrap();
        git(dir.path(), &["add", "."]);
        git(dir.path(), &["commit", "-qm", "one"]);
        let src = open_local(dir.path()).unwrap();
        assert_eq!(src.commit.as_ref().map(String::len), Some(40));
        assert!(!src.dirty);
        std::fs::write(dir.path().join("a.yaml"), "a: 2\n").unwrap();
        assert!(open_local(dir.path()).unwrap().dirty);
    }

    #[test]
    fn plain_directory_has_no_commit() {
        let dir = tempfile::tempdir().unwrap();
        let src = open_local(dir.path()).unwrap();
        assert_eq!(src.commit, None);
        assert!(open_local(&dir.path().join("missing")).is_err());
    }
}
