//! The git cache itself: opening it, resolving a ref after an incremental fetch (falling back on
//! the last good commit when the fetch fails), and handing out immutable per-commit checkouts.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use git2::{Oid, Repository};
use sha2::{Digest, Sha256};

use super::checkout::export_tree;
use super::evict::evict;
use super::fetch::fetch_into;
use super::reference::{resolve_in, GitRef};
use super::url::GitUrl;
use super::{GitError, GitRemote};

/// A cache of git mirrors and checkouts shared by every syncd process using the same directory.
/// Cheap to clone; all state is on disk.
#[derive(Clone, Debug)]
pub struct GitCache {
    root: PathBuf,
    max_bytes: u64,
}

/// What one fetch transferred (libgit2's transfer statistics).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FetchStats {
    /// Objects received from the server (0 when nothing changed).
    pub received_objects: usize,
    /// Bytes received.
    pub received_bytes: usize,
    /// Deltas resolved while indexing.
    pub indexed_deltas: usize,
}

/// A ref resolved to one commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The exact 40-hex commit id.
    pub commit: String,
    /// What it was resolved through: `refs/heads/main`, `refs/tags/v1.4.2`, or the sha itself.
    pub reference: String,
    /// Set when the fetch failed and this is the last good commit: the fetch error, redacted.
    pub stale: Option<String>,
    /// Transfer statistics of the fetch, when it succeeded.
    pub fetched: Option<FetchStats>,
}

/// A checkout of one commit. The directory is never modified, and is not evicted while this
/// value lives (it holds a shared lock on the checkout's use marker).
#[derive(Debug)]
pub struct Checkout {
    /// The directory holding the commit's tree.
    pub dir: PathBuf,
    /// The commit.
    pub commit: String,
    _in_use: File,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl GitCache {
    /// Opens (creating) a cache at `dir`. `max_bytes` bounds mirrors + checkouts; 0 means no
    /// bound.
    pub fn open(dir: &Path, max_bytes: u64) -> Result<Self, GitError> {
        for sub in ["mirrors", "checkouts"] {
            let p = dir.join(sub);
            fs::create_dir_all(&p).map_err(GitError::cache(&p))?;
        }
        Ok(Self {
            root: dir.to_path_buf(),
            max_bytes,
        })
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// Fetches (incrementally) and resolves `reference` to a commit. When the fetch fails, the
    /// last commit resolved for this (url, reference) is returned with `stale` set; without one
    /// the fetch error is returned.
    pub fn resolve(&self, remote: &GitRemote, reference: &GitRef) -> Result<Resolved, GitError> {
        let url = GitUrl::parse(&remote.url);
        let key = url.cache_key();
        let mirror = self.root.join("mirrors").join(&key);
        let _lock = lock_exclusive(&self.root.join("mirrors").join(format!("{key}.lock")))?;
        let repo = open_mirror(&mirror, &url.clean)?;
        touch(&mirror.join("syncd-used"))?;
        let state = LastGood::new(&mirror, reference);

        match fetch_into(&repo, &remote.url, &remote.credentials) {
            Ok(fetched) => {
                let (name, oid) = resolve_in(
                    &repo,
                    reference,
                    fetched.default_branch.as_deref(),
                    &url.clean,
                )?;
                state.save(&repo, oid, &name, &url.clean)?;
                Ok(Resolved {
                    commit: oid.to_string(),
                    reference: name,
                    stale: None,
                    fetched: Some(fetched.stats),
                })
            }
            Err(err) => match state.load(&repo).or_else(|| cached_sha(&repo, reference)) {
                Some((commit, name)) => {
                    tracing::warn!(url = %url.clean, reference = reference.text(), %commit, error = %err,
                        "git fetch failed; using the last good commit");
                    Ok(Resolved {
                        commit,
                        reference: name,
                        stale: Some(err.to_string()),
                        fetched: None,
                    })
                }
                None => Err(GitError::NoLastGood {
                    url: url.clean,
                    reference: reference.text().to_string(),
                    cause: Box::new(err),
                }),
            },
        }
    }

    /// The immutable checkout of `commit` (a full sha already in the mirror, i.e. returned by
    /// [`GitCache::resolve`]). Made once through a temp dir and an atomic rename; when another
    /// writer wins the rename, its directory is used.
    pub fn checkout(&self, remote: &GitRemote, commit: &str) -> Result<Checkout, GitError> {
        let url = GitUrl::parse(&remote.url);
        let key = url.cache_key();
        let oid = Oid::from_str(commit)
            .ok()
            .filter(|_| commit.len() == 40)
            .ok_or_else(|| GitError::RefNotFound {
                url: url.clean.clone(),
                reference: commit.to_string(),
            })?;
        let commit = oid.to_string();
        let base = self.root.join("checkouts").join(&key);
        let uses = base.join(".use");
        fs::create_dir_all(&uses).map_err(GitError::cache(&uses))?;
        // The shared lock is taken before looking at the directory, so eviction (which takes it
        // exclusively before removing) cannot remove what we are about to return.
        let marker = uses.join(&commit);
        let in_use = open_marker(&marker)?;
        in_use.lock_shared().map_err(|source| GitError::Lock {
            path: marker.clone(),
            source,
        })?;
        in_use
            .set_modified(SystemTime::now())
            .map_err(GitError::cache(&marker))?;

        let dir = base.join(&commit);
        let created = !dir.is_dir();
        if created {
            let repo =
                Repository::open_bare(self.root.join("mirrors").join(&key)).map_err(|e| {
                    GitError::Mirror {
                        url: url.clean.clone(),
                        message: e.message().to_string(),
                    }
                })?;
            let tmp = base.join(format!(
                ".tmp-{commit}-{}-{}",
                std::process::id(),
                TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            if let Err(e) = export_tree(&repo, oid, &tmp, &url.clean) {
                let _ = fs::remove_dir_all(&tmp);
                return Err(e);
            }
            if let Err(e) = fs::rename(&tmp, &dir) {
                let _ = fs::remove_dir_all(&tmp);
                // Another process or thread renamed its copy first: same commit, same content.
                if !dir.is_dir() {
                    return Err(GitError::Cache {
                        path: dir,
                        source: e,
                    });
                }
            }
        }
        // Only a new checkout grows the cache (a fetch grows the mirror much less), so reuse
        // skips the size walk.
        if created && self.max_bytes > 0 {
            evict(&self.root, self.max_bytes, &dir)?;
        }
        Ok(Checkout {
            dir,
            commit,
            _in_use: in_use,
        })
    }

    /// [`GitCache::resolve`] on tokio's blocking pool.
    pub async fn resolve_async(
        &self,
        remote: GitRemote,
        reference: GitRef,
    ) -> Result<Resolved, GitError> {
        let cache = self.clone();
        tokio::task::spawn_blocking(move || cache.resolve(&remote, &reference))
            .await
            .map_err(|e| GitError::Task(e.to_string()))?
    }

    /// [`GitCache::checkout`] on tokio's blocking pool.
    pub async fn checkout_async(
        &self,
        remote: GitRemote,
        commit: String,
    ) -> Result<Checkout, GitError> {
        let cache = self.clone();
        tokio::task::spawn_blocking(move || cache.checkout(&remote, &commit))
            .await
            .map_err(|e| GitError::Task(e.to_string()))?
    }
}

/// A full sha already in the mirror needs no fetch to be exact: commits never change.
fn cached_sha(repo: &Repository, reference: &GitRef) -> Option<(String, String)> {
    let GitRef::Named(n) = reference else {
        return None;
    };
    if n.len() != 40 {
        return None;
    }
    let commit = repo.find_commit(Oid::from_str(n).ok()?).ok()?;
    let sha = commit.id().to_string();
    Some((sha.clone(), sha))
}

pub(crate) fn lock_exclusive(path: &Path) -> Result<File, GitError> {
    let file = open_marker(path)?;
    file.lock().map_err(|source| GitError::Lock {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(file)
}

fn touch(path: &Path) -> Result<(), GitError> {
    open_marker(path)?
        .set_modified(SystemTime::now())
        .map_err(GitError::cache(path))
}

/// Opens (creating, never truncating) a lock or use-marker file: its content is never read,
/// only its lock and mtime.
fn open_marker(path: &Path) -> Result<File, GitError> {
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(GitError::cache(path))
}

/// Opens the bare mirror, creating it (or recreating it after an interrupted init). Called with
/// the mirror lock held.
fn open_mirror(dir: &Path, shown_url: &str) -> Result<Repository, GitError> {
    let mirror_err = |e: git2::Error| GitError::Mirror {
        url: shown_url.to_string(),
        message: e.message().to_string(),
    };
    if let Ok(repo) = Repository::open_bare(dir) {
        return Ok(repo);
    }
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(GitError::cache(dir))?;
    }
    let repo = Repository::init_bare(dir).map_err(mirror_err)?;
    // For people looking at the cache; never contains credentials.
    let note = dir.join("syncd-url");
    fs::write(&note, format!("{shown_url}\n")).map_err(GitError::cache(&note))?;
    Ok(repo)
}

/// The last good commit for one ref of one mirror: a ref under `refs/syncd/last-good/` (so the
/// commit stays in the mirror even when the branch is deleted upstream) plus a small file with
/// the ref it was resolved through.
struct LastGood {
    ref_name: String,
    file: PathBuf,
}

impl LastGood {
    fn new(mirror: &Path, reference: &GitRef) -> Self {
        let kind = match reference {
            GitRef::Default => "default",
            GitRef::Named(_) => "named",
            GitRef::Semver(_) => "semver",
        };
        let hash =
            hex::encode(&Sha256::digest(format!("{kind}\0{}", reference.text()).as_bytes())[..12]);
        Self {
            ref_name: format!("refs/syncd/last-good/{hash}"),
            file: mirror.join("syncd-last-good").join(hash),
        }
    }

    fn save(&self, repo: &Repository, oid: Oid, name: &str, url: &str) -> Result<(), GitError> {
        repo.reference(&self.ref_name, oid, true, "syncd: last good")
            .map_err(|e| GitError::Mirror {
                url: url.to_string(),
                message: e.message().to_string(),
            })?;
        let dir = self.file.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(GitError::cache(dir))?;
        let tmp = self.file.with_extension("tmp");
        fs::write(&tmp, format!("{oid} {name}\n")).map_err(GitError::cache(&tmp))?;
        fs::rename(&tmp, &self.file).map_err(GitError::cache(&self.file))
    }

    fn load(&self, repo: &Repository) -> Option<(String, String)> {
        let oid = repo.refname_to_id(&self.ref_name).ok()?;
        repo.find_commit(oid).ok()?;
        let name = fs::read_to_string(&self.file)
            .ok()
            .and_then(|t| {
                let (sha, name) = t.trim().split_once(' ')?;
                (sha == oid.to_string()).then(|| name.to_string())
            })
            .unwrap_or_else(|| oid.to_string());
        Some((oid.to_string(), name))
    }
}
