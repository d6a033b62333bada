//! Keeping the cache under its size bound. Policy, deliberately simple:
//!
//! 1. Sum the bytes of all mirrors and checkouts; stop if under the bound.
//! 2. Remove checkouts least recently used first (the mtime of their `.use/<sha>` marker),
//!    skipping the one just handed out and any whose marker another `Checkout` holds (the
//!    exclusive `try_lock` fails).
//! 3. If still over, remove mirrors unused (`syncd-used` mtime) for [`MIRROR_IDLE`] whose lock
//!    is free and which have no checkouts left; their next use re-clones.
//!
//! Leftover temp and trash dirs older than an hour (a process died mid-export or mid-removal)
//! are removed on the way.
//! Markers of removed checkouts are left behind (empty files) so a marker someone has open is
//! never unlinked under them.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::cache::lock_exclusive;
use super::GitError;

/// How long a mirror must be unused before eviction may remove it.
pub const MIRROR_IDLE: Duration = Duration::from_secs(7 * 24 * 3600);
const TMP_MAX_AGE: Duration = Duration::from_secs(3600);

pub(crate) fn evict(root: &Path, max_bytes: u64, keep: &Path) -> Result<(), GitError> {
    let _lock = lock_exclusive(&root.join("cache.lock"))?;
    let checkouts_root = root.join("checkouts");
    let mirrors_root = root.join("mirrors");
    let mut total = dir_size(&checkouts_root) + dir_size(&mirrors_root);
    if total <= max_bytes {
        return Ok(());
    }

    let mut candidates: Vec<(SystemTime, PathBuf, PathBuf)> = Vec::new();
    for key_dir in subdirs(&checkouts_root) {
        for entry in subdirs(&key_dir) {
            let name = entry.file_name().map(|n| n.to_string_lossy().into_owned());
            let Some(name) = name else { continue };
            if name.starts_with(".tmp-") || name.starts_with(".trash-") {
                if age(&entry) > TMP_MAX_AGE {
                    let _ = fs::remove_dir_all(&entry);
                }
                continue;
            }
            if name.starts_with('.') || entry == keep {
                continue;
            }
            let marker = key_dir.join(".use").join(&name);
            let used = mtime(&marker)
                .or_else(|| mtime(&entry))
                .unwrap_or(SystemTime::UNIX_EPOCH);
            candidates.push((used, entry, marker));
        }
    }
    candidates.sort();
    for (_, dir, marker) in candidates {
        if total <= max_bytes {
            return Ok(());
        }
        let Ok(file) = File::options().write(true).open(&marker) else {
            continue;
        };
        if file.try_lock().is_err() {
            continue; // in use by a live Checkout
        }
        let size = dir_size(&dir);
        // Renamed first so nobody can see a half-deleted checkout under the real name.
        let trash = dir.with_file_name(format!(
            ".trash-{}-{}",
            dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        if fs::rename(&dir, &trash).is_ok() {
            let _ = fs::remove_dir_all(&trash);
            total = total.saturating_sub(size);
        }
    }
    if total <= max_bytes {
        return Ok(());
    }
    for mirror in subdirs(&mirrors_root) {
        if total <= max_bytes {
            break;
        }
        let Some(key) = mirror.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        let idle = mtime(&mirror.join("syncd-used"))
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .unwrap_or_default();
        let checkouts_left = subdirs(&checkouts_root.join(&key)).iter().any(|d| {
            !d.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        });
        if idle < MIRROR_IDLE || checkouts_left {
            continue;
        }
        let lock_path = mirrors_root.join(format!("{key}.lock"));
        let Ok(lock) = File::options().write(true).open(&lock_path) else {
            continue;
        };
        if lock.try_lock().is_err() {
            continue;
        }
        let size = dir_size(&mirror);
        if fs::remove_dir_all(&mirror).is_ok() {
            total = total.saturating_sub(size);
        }
    }
    Ok(())
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect()
}

fn mtime(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn age(path: &Path) -> Duration {
    mtime(path)
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .unwrap_or_default()
}

/// Bytes of the files under `dir` (symlinks counted as themselves, not followed).
pub(crate) fn dir_size(dir: &Path) -> u64 {
    let Ok(rd) = fs::read_dir(dir) else { return 0 };
    rd.flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            _ => e.metadata().map(|m| m.len()).unwrap_or(0),
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make_checkout(root: &Path, sha: &str, bytes: usize, age_secs: u64) -> PathBuf {
        let base = root.join("checkouts/repo-1");
        let dir = base.join(sha);
        fs::create_dir_all(&dir).unwrap();
        fs::create_dir_all(base.join(".use")).unwrap();
        fs::write(dir.join("f"), vec![0u8; bytes]).unwrap();
        let marker = File::create(base.join(".use").join(sha)).unwrap();
        marker
            .set_modified(SystemTime::now() - Duration::from_secs(age_secs))
            .unwrap();
        dir
    }

    #[test]
    fn evicts_least_recently_used_but_not_kept_or_locked() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fs::create_dir_all(root.join("mirrors")).unwrap();
        let oldest = make_checkout(root, "a", 1000, 300);
        let locked = make_checkout(root, "b", 1000, 200);
        let newer = make_checkout(root, "c", 1000, 100);
        let kept = make_checkout(root, "d", 1000, 400);
        let holder = File::options()
            .write(true)
            .open(root.join("checkouts/repo-1/.use/b"))
            .unwrap();
        holder.lock_shared().unwrap();

        evict(root, 2500, &kept).unwrap();
        assert!(!oldest.exists(), "the least recently used goes first");
        assert!(locked.exists(), "a checkout in use is never removed");
        assert!(
            !newer.exists(),
            "still over the bound, so the next one goes"
        );
        assert!(kept.exists(), "the checkout being returned stays");

        drop(holder);
        evict(root, 1500, &kept).unwrap();
        assert!(!locked.exists());
        assert!(kept.exists());
    }
}
