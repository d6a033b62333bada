//! Exporting a commit's tree into a fresh directory, refusing any entry or symlink that would
//! lead out of it, and [`resolve_inside`] for callers that take a subpath of a checkout.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};

use super::GitError;

const MODE_EXECUTABLE: i32 = 0o100755;
const MODE_SYMLINK: i32 = 0o120000;
const MODE_GITLINK: i32 = 0o160000;

/// Writes the tree of `commit` into `dest` (which must not exist yet).
pub(crate) fn export_tree(
    repo: &Repository,
    commit: Oid,
    dest: &Path,
    url: &str,
) -> Result<(), GitError> {
    let mirror_err = |e: git2::Error| GitError::Mirror {
        url: url.to_string(),
        message: e.message().to_string(),
    };
    let tree = repo
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(mirror_err)?;
    fs::create_dir(dest).map_err(GitError::cache(dest))?;

    let mut entries: Vec<(PathBuf, Oid, i32, Option<ObjectType>)> = Vec::new();
    let mut bad: Option<GitError> = None;
    tree.walk(TreeWalkMode::PreOrder, |prefix, entry| {
        let name = entry.name().unwrap_or("");
        if name.is_empty() || name == "." || name == ".." || name.contains('/') || name == ".git" {
            bad = Some(GitError::PathEscape {
                path: Path::new(prefix).join(name),
                detail: format!("tree entry name {name:?} is not allowed"),
            });
            return TreeWalkResult::Abort;
        }
        entries.push((
            Path::new(prefix).join(name),
            entry.id(),
            entry.filemode(),
            entry.kind(),
        ));
        TreeWalkResult::Ok
    })
    .map_err(|e| bad.take().unwrap_or_else(|| mirror_err(e)))?;
    if let Some(err) = bad {
        return Err(err);
    }

    let mut links = Vec::new();
    for (rel, id, mode, kind) in entries {
        let path = dest.join(&rel);
        match (kind, mode) {
            (Some(ObjectType::Tree), _) | (_, MODE_GITLINK) => {
                // Submodules are not fetched; their place is an empty directory.
                fs::create_dir(&path).map_err(GitError::cache(&path))?;
            }
            (_, MODE_SYMLINK) => {
                let blob = repo.find_blob(id).map_err(mirror_err)?;
                let target = PathBuf::from(String::from_utf8_lossy(blob.content()).into_owned());
                check_link_lexically(&rel, &target)?;
                std::os::unix::fs::symlink(&target, &path).map_err(GitError::cache(&path))?;
                links.push(rel);
            }
            _ => {
                let blob = repo.find_blob(id).map_err(mirror_err)?;
                // create_new: never write through something already there.
                let mut file = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .map_err(GitError::cache(&path))?;
                file.write_all(blob.content())
                    .map_err(GitError::cache(&path))?;
                if mode == MODE_EXECUTABLE {
                    fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
                        .map_err(GitError::cache(&path))?;
                }
            }
        }
    }
    // Each link may be inside on its own and still escape through another link followed by
    // `..`; with the whole tree on disk the real resolution tells.
    let root = dest.canonicalize().map_err(GitError::cache(dest))?;
    for rel in links {
        if let Ok(real) = dest.join(&rel).canonicalize() {
            if !real.starts_with(&root) {
                return Err(GitError::PathEscape {
                    path: rel,
                    detail: "symlink resolves outside the checkout".into(),
                });
            }
        }
    }
    Ok(())
}

/// A symlink at `rel` (relative to the checkout root) pointing at `target` must stay inside,
/// judged on the path text alone.
fn check_link_lexically(rel: &Path, target: &Path) -> Result<(), GitError> {
    let escape = || GitError::PathEscape {
        path: rel.to_path_buf(),
        detail: format!("symlink to {}", target.display()),
    };
    if target.is_absolute() {
        return Err(escape());
    }
    let base = rel.parent().unwrap_or(Path::new(""));
    normalise_inside(&base.join(target))
        .map(|_| ())
        .ok_or_else(escape)
}

/// Drops `.` and resolves `..` lexically; `None` when the path climbs above its start or is
/// absolute.
fn normalise_inside(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// Joins `rel` to `root`, refusing absolute paths, `..` that climb out, and symlinks (anywhere
/// on the way) that lead out of `root`. The path need not exist; its longest existing prefix is
/// resolved.
pub fn resolve_inside(root: &Path, rel: &Path) -> Result<PathBuf, GitError> {
    let escape = |detail: &str| GitError::PathEscape {
        path: rel.to_path_buf(),
        detail: detail.to_string(),
    };
    let clean = normalise_inside(rel).ok_or_else(|| escape("absolute or climbs above the root"))?;
    let real_root = root.canonicalize().map_err(GitError::cache(root))?;
    let has_parent = rel.components().any(|c| c == Component::ParentDir);
    if has_parent {
        // `..` after a symlink climbs from the link's target, not from where the text says,
        // so only the real resolution of the whole path can judge it.
        let real = real_root
            .join(rel)
            .canonicalize()
            .map_err(|_| escape("contains `..` and does not exist"))?;
        if !real.starts_with(&real_root) {
            return Err(escape("resolves outside the root"));
        }
        return Ok(real);
    }
    let joined = real_root.join(&clean);
    let mut existing = joined.clone();
    let mut rest = Vec::new();
    let real = loop {
        match existing.canonicalize() {
            Ok(p) => break p,
            Err(_) => {
                let Some(name) = existing.file_name().map(|n| n.to_os_string()) else {
                    return Err(escape("cannot be resolved"));
                };
                // A dangling symlink is not a missing path: refuse rather than guess.
                if existing.symlink_metadata().is_ok() {
                    return Err(escape("dangling symlink"));
                }
                rest.push(name);
                existing.pop();
            }
        }
    };
    if !real.starts_with(&real_root) {
        return Err(escape("resolves outside the root through a symlink"));
    }
    Ok(rest.into_iter().rev().fold(real, |p, n| p.join(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_link_checks() {
        assert!(check_link_lexically(Path::new("a/l"), Path::new("../b")).is_ok());
        assert!(check_link_lexically(Path::new("a/l"), Path::new("./c/../../b")).is_ok());
        assert!(check_link_lexically(Path::new("a/l"), Path::new("../../etc")).is_err());
        assert!(check_link_lexically(Path::new("l"), Path::new("/etc/passwd")).is_err());
        assert!(check_link_lexically(Path::new("l"), Path::new("..")).is_err());
    }

    #[test]
    fn resolve_inside_refuses_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        fs::create_dir_all(root.join("charts/app")).unwrap();
        std::os::unix::fs::symlink("charts", root.join("inner")).unwrap();
        std::os::unix::fs::symlink(dir.path(), root.join("outer")).unwrap();
        std::os::unix::fs::symlink("inner/..", root.join("up")).unwrap();

        let real_root = root.canonicalize().unwrap();
        assert_eq!(
            resolve_inside(&root, Path::new("charts/app")).unwrap(),
            real_root.join("charts/app")
        );
        assert_eq!(
            resolve_inside(&root, Path::new("inner/app")).unwrap(),
            real_root.join("charts/app")
        );
        assert_eq!(
            resolve_inside(&root, Path::new("charts/new/x")).unwrap(),
            real_root.join("charts/new/x")
        );
        for bad in [
            "../x",
            "/etc",
            "outer",
            "outer/elsewhere",
            "charts/../../x",
            "up/..",
        ] {
            let err = resolve_inside(&root, Path::new(bad)).unwrap_err();
            assert!(matches!(err, GitError::PathEscape { .. }), "{bad}: {err}");
        }
    }
}
