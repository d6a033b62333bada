//! The digest-addressed chart store: archives under `blobs/sha256/<hex>.tgz`, their extraction
//! under `extracted/<hex>/<chart>/`. Entries are written into `tmp/` and renamed into place, so
//! a reader never sees half an entry and two writers of the same digest both end up with the
//! one that won the rename. Extraction refuses anything that could write outside its directory.

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use super::ChartSourceError;

/// Cap on the bytes one chart may extract to; real charts are kilobytes, a bomb is not.
pub const DEFAULT_EXTRACT_LIMIT: u64 = 100 * 1024 * 1024;

/// Cap on the entries of one archive (a flood of empty files is a bomb too).
const MAX_ENTRIES: usize = 50_000;

/// `sha256:<hex>` of some bytes.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// The hex part of a `sha256:<hex>` digest (or a bare hex digest, as Helm indexes publish),
/// lower-cased; `None` unless it is 64 hex digits.
pub fn digest_hex(digest: &str) -> Option<String> {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_lowercase())
}

/// The on-disk layout below `<cache>/charts`.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

static TMP_SEQ: AtomicU64 = AtomicU64::new(0);

impl Store {
    /// Creates the directories of the layout.
    pub fn open(root: PathBuf) -> Result<Store, ChartSourceError> {
        for sub in [
            "blobs/sha256",
            "extracted",
            "derived",
            "index",
            "oci",
            "tmp",
        ] {
            let dir = root.join(sub);
            std::fs::create_dir_all(&dir).map_err(ChartSourceError::cache(&dir))?;
        }
        sweep_stale_temps(&root.join("tmp"));
        Ok(Store { root })
    }

    /// `<root>/<sub>`.
    pub fn path(&self, sub: &str) -> PathBuf {
        self.root.join(sub)
    }

    /// A fresh, unique directory under `tmp/` (same filesystem as the store, so renames are
    /// atomic).
    pub fn temp_dir(&self) -> Result<PathBuf, ChartSourceError> {
        let seq = TMP_SEQ.fetch_add(1, Ordering::Relaxed);
        let dir = self.root.join("tmp").join(format!(
            "{}-{}-{}",
            std::process::id(),
            seq,
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        std::fs::create_dir_all(&dir).map_err(ChartSourceError::cache(&dir))?;
        Ok(dir)
    }

    /// The archive path for a digest hex.
    pub fn blob_path(&self, hex: &str) -> PathBuf {
        self.root.join("blobs/sha256").join(format!("{hex}.tgz"))
    }

    /// Stores an archive under its digest (the caller has verified it) and returns the path.
    pub fn put_blob(&self, hex: &str, bytes: &[u8]) -> Result<PathBuf, ChartSourceError> {
        let dest = self.blob_path(hex);
        if !dest.is_file() {
            self.write_atomic(&dest, bytes)?;
        }
        Ok(dest)
    }

    /// Writes `dest` through a file under `tmp/` and a rename, so a reader sees the old
    /// content or the new, never a part.
    pub fn write_atomic(&self, dest: &Path, bytes: &[u8]) -> Result<(), ChartSourceError> {
        let tmp = self.temp_dir()?;
        let file = tmp.join("f");
        std::fs::write(&file, bytes).map_err(ChartSourceError::cache(&file))?;
        std::fs::rename(&file, dest).map_err(ChartSourceError::cache(dest))?;
        let _ = std::fs::remove_dir(&tmp);
        Ok(())
    }

    /// The extracted chart of a digest, if it is in the cache.
    pub fn extracted(&self, hex: &str) -> Option<PathBuf> {
        chart_dir_in(&self.root.join("extracted").join(hex))
    }

    /// Extracts the cached archive of `hex` (once) and returns its chart directory.
    pub fn extract(&self, hex: &str) -> Result<PathBuf, ChartSourceError> {
        if let Some(dir) = self.extracted(hex) {
            return Ok(dir);
        }
        let blob = self.blob_path(hex);
        let bytes = std::fs::read(&blob).map_err(ChartSourceError::cache(&blob))?;
        let tmp = self.temp_dir()?;
        let archive = blob.display().to_string();
        let result = unpack_safely(&bytes, &tmp, DEFAULT_EXTRACT_LIMIT, &archive).and_then(|()| {
            name_chart_dir(&tmp, &archive)?;
            self.publish(&tmp, &self.root.join("extracted").join(hex))
        });
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        let dest = result?;
        chart_dir_in(&dest).ok_or_else(|| ChartSourceError::BadArchive {
            archive,
            reason: "no chart directory after extraction".into(),
        })
    }

    /// Renames a finished temp directory to its immutable place; if another writer got there
    /// first, theirs is kept (same content by construction) and ours dropped.
    pub fn publish(&self, tmp: &Path, dest: &Path) -> Result<PathBuf, ChartSourceError> {
        match std::fs::rename(tmp, dest) {
            Ok(()) => Ok(dest.to_path_buf()),
            Err(_) if dest.is_dir() => {
                let _ = std::fs::remove_dir_all(tmp);
                Ok(dest.to_path_buf())
            }
            Err(e) => Err(ChartSourceError::Cache {
                path: dest.to_path_buf(),
                source: e,
            }),
        }
    }
}

/// Removes temp dirs a crashed writer left behind. Only old ones: a live writer in another
/// process may be using a young one.
fn sweep_stale_temps(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    let day = std::time::Duration::from_secs(24 * 3600);
    for e in entries.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        if old {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// The single subdirectory of `dir` that holds a `Chart.yaml`.
pub fn chart_dir_in(dir: &Path) -> Option<PathBuf> {
    let mut found = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.join("Chart.yaml").is_file() {
            if found.is_some() {
                return None;
            }
            found = Some(path);
        }
    }
    found
}

/// Helm packages a chart under a top directory named after it; make sure the directory carries
/// the chart's name (from its `Chart.yaml`) so `extracted/<hex>/<name>/` holds.
fn name_chart_dir(dir: &Path, archive: &str) -> Result<(), ChartSourceError> {
    let bad = |reason: String| ChartSourceError::BadArchive {
        archive: archive.to_string(),
        reason,
    };
    let chart = chart_dir_in(dir)
        .ok_or_else(|| bad("expected one top-level directory with a Chart.yaml".into()))?;
    let meta = chart.join("Chart.yaml");
    let text = std::fs::read_to_string(&meta).map_err(ChartSourceError::cache(&meta))?;
    let name = chart_name(&text).map_err(|e| bad(format!("Chart.yaml: {e}")))?;
    if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(bad(format!("Chart.yaml has an unusable name {name:?}")));
    }
    let want = dir.join(&name);
    if chart != want {
        std::fs::rename(&chart, &want).map_err(ChartSourceError::cache(&want))?;
    }
    Ok(())
}

/// The `name` of a `Chart.yaml`.
pub fn chart_name(chart_yaml: &str) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    struct Meta {
        #[serde(default)]
        name: String,
    }
    let m: Meta = serde_yaml::from_str(chart_yaml).map_err(|e| e.to_string())?;
    Ok(m.name)
}

/// A relative path inside the archive, made of normal components only.
fn safe_relative(path: &Path) -> Result<PathBuf, String> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => return Err("path contains \"..\"".into()),
            Component::RootDir | Component::Prefix(_) => return Err("absolute path".into()),
        }
    }
    if out.as_os_str().is_empty() {
        return Err("empty path".into());
    }
    Ok(out)
}

/// Whether a symlink at `link` (relative to the archive root) pointing at `target` stays inside
/// the archive, judged lexically (nothing is resolved on disk).
fn link_stays_inside(link: &Path, target: &Path) -> bool {
    if target.is_absolute() {
        return false;
    }
    let mut depth: i64 = link.components().count() as i64 - 1;
    for c in target.components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// Unpacks a gzip'd tar into `dest`: regular files, directories, and links whose target stays
/// inside; refuses absolute paths, `..`, escaping links, entries beneath a link, device files
/// and FIFOs, and more than `limit` bytes in total.
pub fn unpack_safely(
    tgz: &[u8],
    dest: &Path,
    limit: u64,
    archive_name: &str,
) -> Result<(), ChartSourceError> {
    use tar::EntryType;
    let bad = |reason: String| ChartSourceError::BadArchive {
        archive: archive_name.to_string(),
        reason,
    };
    let unsafe_entry = |entry: &Path, reason: String| ChartSourceError::UnsafeArchive {
        archive: archive_name.to_string(),
        entry: entry.display().to_string(),
        reason,
    };
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(tgz));
    let mut total: u64 = 0;
    let mut links: Vec<PathBuf> = Vec::new();
    let mut entries = 0usize;
    for entry in tar.entries().map_err(|e| bad(e.to_string()))? {
        let mut entry = entry.map_err(|e| bad(e.to_string()))?;
        let kind = entry.header().entry_type();
        if matches!(
            kind,
            EntryType::XGlobalHeader
                | EntryType::XHeader
                | EntryType::GNULongName
                | EntryType::GNULongLink
        ) {
            continue;
        }
        let raw = entry.path().map_err(|e| bad(e.to_string()))?.into_owned();
        let rel = safe_relative(&raw).map_err(|r| unsafe_entry(&raw, r))?;
        // Writing at or below a link we created would follow it, wherever it points.
        if links.iter().any(|l| rel.starts_with(l)) {
            return Err(unsafe_entry(&raw, "path goes through a link".into()));
        }
        entries += 1;
        if entries > MAX_ENTRIES {
            return Err(unsafe_entry(
                &raw,
                format!("more than {MAX_ENTRIES} entries"),
            ));
        }
        let out = dest.join(&rel);
        let parent = out.parent().unwrap_or(dest).to_path_buf();
        match kind {
            EntryType::Directory => {
                std::fs::create_dir_all(&out).map_err(ChartSourceError::cache(&out))?;
            }
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                std::fs::create_dir_all(&parent).map_err(ChartSourceError::cache(&parent))?;
                let mut file =
                    std::fs::File::create(&out).map_err(ChartSourceError::cache(&out))?;
                let room = limit.saturating_sub(total);
                let n = std::io::copy(&mut (&mut entry).take(room + 1), &mut file)
                    .map_err(|e| bad(format!("{}: {e}", raw.display())))?;
                total += n;
                if total > limit {
                    return Err(unsafe_entry(
                        &raw,
                        format!("archive extracts to more than {limit} bytes"),
                    ));
                }
            }
            EntryType::Symlink | EntryType::Link => {
                let target = entry
                    .link_name()
                    .map_err(|e| bad(e.to_string()))?
                    .ok_or_else(|| unsafe_entry(&raw, "link without a target".into()))?
                    .into_owned();
                let inside = if kind == EntryType::Symlink {
                    link_stays_inside(&rel, &target)
                } else {
                    // A hard link's source must not be reached through a symlink either.
                    safe_relative(&target).is_ok_and(|t| !links.iter().any(|l| t.starts_with(l)))
                };
                if !inside {
                    return Err(unsafe_entry(
                        &raw,
                        format!("link target {} escapes the archive", target.display()),
                    ));
                }
                std::fs::create_dir_all(&parent).map_err(ChartSourceError::cache(&parent))?;
                if kind == EntryType::Symlink {
                    make_symlink(&target, &out)?;
                } else {
                    // A hard link becomes a copy: the target is already inside `dest`.
                    let src = dest.join(safe_relative(&target).map_err(|r| unsafe_entry(&raw, r))?);
                    std::fs::copy(&src, &out).map_err(ChartSourceError::cache(&out))?;
                }
                links.push(rel);
            }
            other => {
                return Err(unsafe_entry(
                    &raw,
                    format!("unsupported entry type {other:?} (devices and FIFOs are refused)"),
                ));
            }
        }
    }
    // The lexical check above cannot see a link whose target walks through another link
    // (`a -> .`, `b -> a/..`); resolving every link once everything exists does.
    let root = std::fs::canonicalize(dest).map_err(ChartSourceError::cache(dest))?;
    for link in &links {
        let path = dest.join(link);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            match std::fs::canonicalize(&path) {
                Ok(real) if real.starts_with(&root) => {}
                Ok(_) => {
                    return Err(unsafe_entry(
                        link,
                        "link resolves outside the archive".into(),
                    ))
                }
                Err(_) => {
                    return Err(unsafe_entry(
                        link,
                        "link target does not exist inside the archive".into(),
                    ))
                }
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn make_symlink(target: &Path, at: &Path) -> Result<(), ChartSourceError> {
    std::os::unix::fs::symlink(target, at).map_err(ChartSourceError::cache(at))
}

#[cfg(not(unix))]
fn make_symlink(target: &Path, at: &Path) -> Result<(), ChartSourceError> {
    let _ = target;
    Err(ChartSourceError::Cache {
        path: at.to_path_buf(),
        source: std::io::Error::other("symlinks in charts are only supported on unix"),
    })
}

/// A content hash of a directory tree (relative paths, file bytes, link targets), used to key
/// derived charts built from a directory that is not in the cache.
pub fn tree_hash(dir: &Path) -> Result<String, ChartSourceError> {
    let mut files = Vec::new();
    collect(dir, dir, &mut files)?;
    files.sort();
    let mut h = Sha256::new();
    for rel in files {
        let path = dir.join(&rel);
        h.update(rel.to_string_lossy().as_bytes());
        h.update([0]);
        let meta = std::fs::symlink_metadata(&path).map_err(ChartSourceError::cache(&path))?;
        if meta.file_type().is_symlink() {
            let t = std::fs::read_link(&path).map_err(ChartSourceError::cache(&path))?;
            h.update(b"link:");
            h.update(t.to_string_lossy().as_bytes());
        } else {
            h.update(std::fs::read(&path).map_err(ChartSourceError::cache(&path))?);
        }
        h.update([0]);
    }
    Ok(hex::encode(h.finalize()))
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ChartSourceError> {
    for entry in std::fs::read_dir(dir).map_err(ChartSourceError::cache(dir))? {
        let entry = entry.map_err(ChartSourceError::cache(dir))?;
        let path = entry.path();
        let ft = entry.file_type().map_err(ChartSourceError::cache(&path))?;
        if ft.is_dir() {
            collect(root, &path, out)?;
        } else {
            out.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
        }
    }
    Ok(())
}

/// Copies a directory tree (files, dirs, symlinks as links).
pub fn copy_tree(from: &Path, to: &Path) -> Result<(), ChartSourceError> {
    std::fs::create_dir_all(to).map_err(ChartSourceError::cache(to))?;
    for entry in std::fs::read_dir(from).map_err(ChartSourceError::cache(from))? {
        let entry = entry.map_err(ChartSourceError::cache(from))?;
        let src = entry.path();
        let dst = to.join(entry.file_name());
        let ft = entry.file_type().map_err(ChartSourceError::cache(&src))?;
        if ft.is_dir() {
            copy_tree(&src, &dst)?;
        } else if ft.is_symlink() {
            let t = std::fs::read_link(&src).map_err(ChartSourceError::cache(&src))?;
            make_symlink(&t, &dst)?;
        } else {
            std::fs::copy(&src, &dst).map_err(ChartSourceError::cache(&dst))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a tgz from raw headers so unsafe entries (which `tar::Builder` refuses to write
    /// through its safe API) can be produced.
    fn tgz(entries: &[(&str, tar::EntryType, &[u8], Option<&str>)]) -> Vec<u8> {
        let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for (path, kind, data, link) in entries {
            let mut h = tar::Header::new_gnu();
            // set_path refuses `..` and absolute paths, so write the name bytes directly.
            let name = &mut h.as_old_mut().name;
            name[..path.len()].copy_from_slice(path.as_bytes());
            h.set_entry_type(*kind);
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            if let Some(l) = link {
                let ln = &mut h.as_old_mut().linkname;
                ln[..l.len()].copy_from_slice(l.as_bytes());
            }
            h.set_cksum();
            b.append(&h, *data).unwrap();
        }
        b.into_inner().unwrap().finish().unwrap()
    }

    use tar::EntryType as T;

    fn try_unpack(
        entries: &[(&str, tar::EntryType, &[u8], Option<&str>)],
    ) -> Result<PathBuf, ChartSourceError> {
        let dir = tempfile::tempdir().unwrap().keep();
        unpack_safely(&tgz(entries), &dir, 1000, "test.tgz").map(|()| dir)
    }

    #[test]
    fn plain_chart_unpacks() {
        let dir = try_unpack(&[
            ("mychart/Chart.yaml", T::Regular, b"name: mychart\n", None),
            ("mychart/templates/", T::Directory, b"", None),
            ("mychart/templates/a.yaml", T::Regular, b"a: 1\n", None),
            (
                "mychart/values-link.yaml",
                T::Symlink,
                b"",
                Some("templates/a.yaml"),
            ),
        ])
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("mychart/values-link.yaml")).unwrap(),
            "a: 1\n"
        );
        assert_eq!(chart_dir_in(&dir), Some(dir.join("mychart")));
    }

    fn refused(entries: &[(&str, tar::EntryType, &[u8], Option<&str>)], entry: &str, why: &str) {
        let err = try_unpack(entries).unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(err, ChartSourceError::UnsafeArchive { .. }),
            "{msg}"
        );
        assert!(
            msg.contains("test.tgz") && msg.contains(entry) && msg.contains(why),
            "{msg}"
        );
    }

    #[test]
    fn unsafe_entries_are_refused() {
        refused(
            &[("/etc/passwd", T::Regular, b"x", None)],
            "/etc/passwd",
            "absolute",
        );
        refused(&[("c/../../x", T::Regular, b"x", None)], "c/../../x", "..");
        refused(
            &[("c/link", T::Symlink, b"", Some("../../etc"))],
            "c/link",
            "escapes",
        );
        refused(
            &[("c/abs", T::Symlink, b"", Some("/etc/passwd"))],
            "c/abs",
            "escapes",
        );
        refused(
            &[("c/hard", T::Link, b"", Some("../x"))],
            "c/hard",
            "escapes",
        );
        refused(
            &[
                ("c/in", T::Symlink, b"", Some("sub")),
                ("c/in/f", T::Regular, b"x", None),
            ],
            "c/in/f",
            "through a link",
        );
        refused(
            &[
                ("c/dot", T::Symlink, b"", Some(".")),
                ("c/up", T::Symlink, b"", Some("dot/../..")),
            ],
            "c/up",
            "outside the archive",
        );
        refused(
            &[
                ("c/l", T::Symlink, b"", Some("x")),
                ("c/l", T::Regular, b"x", None),
            ],
            "c/l",
            "through a link",
        );
        refused(
            &[("c/dangling", T::Symlink, b"", Some("nowhere"))],
            "c/dangling",
            "does not exist",
        );
        refused(&[("c/dev", T::Char, b"", None)], "c/dev", "devices");
        refused(&[("c/fifo", T::Fifo, b"", None)], "c/fifo", "devices");
        refused(
            &[("c/big", T::Regular, &[0u8; 1001], None)],
            "c/big",
            "more than 1000 bytes",
        );
    }

    #[test]
    fn digests() {
        assert_eq!(
            sha256_digest(b"abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let upper = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
        assert_eq!(
            digest_hex(upper).as_deref(),
            Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        assert_eq!(digest_hex("sha256:abc"), None);
        assert_eq!(digest_hex(&format!("sha256:{}", "g".repeat(64))), None);
    }
}
