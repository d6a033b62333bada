//! A chart's declared dependencies (`Chart.yaml` v2, or `requirements.yaml` for v1): the ones
//! missing from `charts/` are fetched from their repository (`https://`, `oci://`) or copied
//! from `file://` paths, into a derived copy of the chart — never into the chart itself, which
//! may be an immutable cache entry. Named repositories (`@stable`, `alias:stable`) need a
//! `repositories.yaml` this library does not read, so they are an error.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use syncd_helm::funcs::semver::is_compatible_range;

use super::cache::{copy_tree, tree_hash};
use super::{ChartCache, ChartRef, ChartSourceError};
use crate::source::credentials::Credentials;

#[derive(Debug, Deserialize, Default)]
struct ChartMeta {
    #[serde(rename = "apiVersion", default)]
    api_version: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    dependencies: Vec<Dep>,
}

#[derive(Debug, Deserialize, Clone)]
struct Dep {
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    repository: String,
}

/// `Chart.lock` / `requirements.lock`, and `requirements.yaml`: a list of dependencies.
#[derive(Debug, Deserialize, Default)]
struct Requirements {
    #[serde(default)]
    dependencies: Vec<Dep>,
}

/// Where a missing dependency comes from.
#[derive(Debug, PartialEq, Eq)]
enum Origin {
    Remote(ChartRef),
    Local(PathBuf),
}

/// Classifies a dependency's `repository`.
fn origin(chart_dir: &Path, dep: &Dep) -> Result<Origin, String> {
    let repo = dep.repository.trim();
    if repo.is_empty() {
        return Err("not present in charts/ and no repository to fetch it from".into());
    }
    if let Some(path) = repo.strip_prefix("file://") {
        return Ok(Origin::Local(chart_dir.join(path)));
    }
    if repo.starts_with("https://") || repo.starts_with("http://") {
        return Ok(Origin::Remote(ChartRef::Repo {
            url: repo.to_string(),
            name: dep.name.clone(),
            version: dep.version.clone(),
        }));
    }
    if repo.starts_with("oci://") {
        return Ok(Origin::Remote(ChartRef::Oci {
            url: format!("{}/{}", repo.trim_end_matches('/'), dep.name),
            version: dep.version.clone(),
        }));
    }
    Err(format!(
        "repository {repo:?} is a named repository (@name / alias:name), which needs a \
         repositories.yaml; use the repository's URL instead"
    ))
}

fn read_meta(chart_dir: &Path) -> Result<ChartMeta, ChartSourceError> {
    let path = chart_dir.join("Chart.yaml");
    let text = std::fs::read_to_string(&path).map_err(ChartSourceError::cache(&path))?;
    let mut meta: ChartMeta =
        serde_yaml::from_str(&text).map_err(|e| ChartSourceError::Dependency {
            chart: chart_dir.to_path_buf(),
            dependency: String::new(),
            reason: format!("cannot parse Chart.yaml: {e}"),
        })?;
    let req = chart_dir.join("requirements.yaml");
    if meta.api_version != "v2" && meta.dependencies.is_empty() && req.is_file() {
        let text = std::fs::read_to_string(&req).map_err(ChartSourceError::cache(&req))?;
        let r: Requirements =
            serde_yaml::from_str(&text).map_err(|e| ChartSourceError::Dependency {
                chart: chart_dir.to_path_buf(),
                dependency: String::new(),
                reason: format!("cannot parse requirements.yaml: {e}"),
            })?;
        meta.dependencies = r.dependencies;
    }
    Ok(meta)
}

/// The lock file's entries (`Chart.lock`, or `requirements.lock` for v1 charts); empty when
/// there is none or it does not parse (the constraints then decide, as without a lock).
fn read_lock(chart_dir: &Path) -> Vec<Dep> {
    ["Chart.lock", "requirements.lock"]
        .iter()
        .find_map(|f| std::fs::read_to_string(chart_dir.join(f)).ok())
        .and_then(|t| serde_yaml::from_str::<Requirements>(&t).ok())
        .map(|r| r.dependencies)
        .unwrap_or_default()
}

/// The version to fetch: the locked one when the lock has this dependency from the same
/// repository and it still satisfies the constraint (what `helm dependency build` installs),
/// else the constraint itself. A locked exact version lets a cached archive be reused offline.
fn wanted_version(dep: &Dep, lock: &[Dep]) -> String {
    lock.iter()
        .find(|l| {
            l.name == dep.name
                && l.repository.trim_end_matches('/') == dep.repository.trim_end_matches('/')
                && (dep.version.trim().is_empty() || is_compatible_range(&dep.version, &l.version))
        })
        .map_or_else(|| dep.version.clone(), |l| l.version.clone())
}

/// `(name, version)` of every subchart under `charts/` (directories and `.tgz` archives).
fn present(chart_dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(chart_dir.join("charts")) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let text = if path.is_dir() {
            std::fs::read_to_string(path.join("Chart.yaml")).ok()
        } else if path.extension().is_some_and(|e| e == "tgz") {
            chart_yaml_in_tgz(&path)
        } else {
            None
        };
        if let Some(m) = text.and_then(|t| serde_yaml::from_str::<ChartMeta>(&t).ok()) {
            out.push((m.name, m.version));
        }
    }
    out
}

/// The top-level `*/Chart.yaml` of a packaged chart.
fn chart_yaml_in_tgz(path: &Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in tar.entries().ok()? {
        let mut entry = entry.ok()?;
        let p = entry.path().ok()?.into_owned();
        let parts: Vec<_> = p.components().collect();
        if parts.len() == 2 && p.ends_with("Chart.yaml") {
            let mut text = String::new();
            entry
                .by_ref()
                .take(1024 * 1024)
                .read_to_string(&mut text)
                .ok()?;
            return Some(text);
        }
    }
    None
}

fn satisfied(dep: &Dep, present: &[(String, String)]) -> bool {
    present.iter().any(|(name, version)| {
        *name == dep.name
            && (dep.version.trim().is_empty() || is_compatible_range(&dep.version, version))
    })
}

/// What was added to `charts/` for one dependency.
enum Added {
    Archive { file_name: String, blob: PathBuf },
    Dir { name: String, src: PathBuf },
}

pub(super) async fn ensure(
    cache: &ChartCache,
    chart_dir: &Path,
    creds_for: &(dyn Fn(&str) -> Credentials + Sync),
) -> Result<PathBuf, ChartSourceError> {
    let meta = read_meta(chart_dir)?;
    // This runs before every render of every chart: without declared dependencies there is
    // nothing to look up, so `charts/` (whose archives `present` decompresses) is not read.
    if meta.dependencies.is_empty() {
        return Ok(chart_dir.to_path_buf());
    }
    let have = present(chart_dir);
    let lock = read_lock(chart_dir);
    let dep_err = |dep: &Dep, reason: String| ChartSourceError::Dependency {
        chart: chart_dir.to_path_buf(),
        dependency: dep.name.clone(),
        reason,
    };
    // What the derived copy's key is made of, after the chart's own tree hash; the tree is only
    // hashed when something is missing (this runs before every render of every chart).
    let mut key_parts = Vec::new();
    let mut added = Vec::new();
    for dep in &meta.dependencies {
        if satisfied(dep, &have) {
            continue;
        }
        let pinned = Dep {
            version: wanted_version(dep, &lock),
            ..dep.clone()
        };
        match origin(chart_dir, &pinned).map_err(|r| dep_err(dep, r))? {
            Origin::Local(dir) => {
                let found =
                    read_meta(&dir).map_err(|e| dep_err(dep, format!("{}: {e}", dir.display())))?;
                if !dep.version.trim().is_empty()
                    && !is_compatible_range(&dep.version, &found.version)
                {
                    return Err(dep_err(
                        dep,
                        format!(
                            "{} has version {}, which does not satisfy {:?}",
                            dir.display(),
                            found.version,
                            dep.version
                        ),
                    ));
                }
                key_parts.push(format!("\0file:{}:{}", dep.name, tree_hash(&dir)?));
                added.push(Added::Dir {
                    name: dep.name.clone(),
                    src: dir,
                });
            }
            Origin::Remote(chart) => {
                let url = match &chart {
                    ChartRef::Repo { url, .. } | ChartRef::Oci { url, .. } => url.clone(),
                };
                let got = Box::pin(cache.fetch_archive(&chart, &creds_for(&url))).await?;
                key_parts.push(format!("\0{}:{}:{}", dep.name, got.version, got.hex));
                added.push(Added::Archive {
                    file_name: format!("{}-{}.tgz", got.name, got.version),
                    blob: cache.store.blob_path(&got.hex),
                });
            }
        }
    }
    if added.is_empty() {
        return Ok(chart_dir.to_path_buf());
    }
    let mut key = Sha256::new();
    key.update(tree_hash(chart_dir)?.as_bytes());
    for part in &key_parts {
        key.update(part.as_bytes());
    }
    let name = if meta.name.is_empty() {
        "chart".to_string()
    } else {
        meta.name.replace(['/', '\\'], "_")
    };
    let dest = cache
        .store
        .path("derived")
        .join(hex::encode(key.finalize()));
    if dest.join(&name).join("Chart.yaml").is_file() {
        return Ok(dest.join(name));
    }
    let tmp = cache.store.temp_dir()?;
    let built = (|| {
        let root = tmp.join(&name);
        copy_tree(chart_dir, &root)?;
        let charts = root.join("charts");
        std::fs::create_dir_all(&charts).map_err(ChartSourceError::cache(&charts))?;
        for a in &added {
            match a {
                Added::Archive { file_name, blob } => {
                    let to = charts.join(file_name);
                    std::fs::copy(blob, &to).map_err(ChartSourceError::cache(&to))?;
                }
                Added::Dir { name, src } => copy_tree(src, &charts.join(name))?,
            }
        }
        cache.store.publish(&tmp, &dest)
    })();
    if built.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(built?.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(repo: &str) -> Dep {
        Dep {
            name: "redis".into(),
            version: "^1".into(),
            repository: repo.into(),
        }
    }

    #[test]
    fn repositories_are_classified() {
        let dir = Path::new("/charts/app");
        assert_eq!(
            origin(dir, &dep("https://charts.example/stable/")),
            Ok(Origin::Remote(ChartRef::Repo {
                url: "https://charts.example/stable/".into(),
                name: "redis".into(),
                version: "^1".into()
            }))
        );
        assert_eq!(
            origin(dir, &dep("oci://reg.example/charts/")),
            Ok(Origin::Remote(ChartRef::Oci {
                url: "oci://reg.example/charts/redis".into(),
                version: "^1".into()
            }))
        );
        assert_eq!(
            origin(dir, &dep("file://../redis")),
            Ok(Origin::Local(PathBuf::from("/charts/app/../redis")))
        );
        for named in ["@stable", "alias:stable", "stable"] {
            assert!(origin(dir, &dep(named))
                .unwrap_err()
                .contains("named repository"));
        }
        assert!(origin(dir, &dep("")).is_err());
    }

    #[test]
    fn lock_pins_versions_that_still_satisfy_the_constraint() {
        let lock = vec![Dep {
            name: "redis".into(),
            version: "1.4.2".into(),
            repository: "https://charts.example/".into(),
        }];
        assert_eq!(
            wanted_version(&dep("https://charts.example"), &lock),
            "1.4.2"
        );
        assert_eq!(wanted_version(&dep("https://other.example"), &lock), "^1");
        let mut newer = dep("https://charts.example");
        newer.version = ">=2".into();
        assert_eq!(wanted_version(&newer, &lock), ">=2");
    }

    #[test]
    fn presence_honours_the_constraint() {
        let have = vec![("redis".to_string(), "1.4.0".to_string())];
        assert!(satisfied(&dep("x"), &have));
        let mut d = dep("x");
        d.version = ">=2".into();
        assert!(!satisfied(&d, &have));
        d.version = String::new();
        assert!(satisfied(&d, &have));
        d.name = "other".into();
        assert!(!satisfied(&d, &have));
    }
}
