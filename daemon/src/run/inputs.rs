//! What an app's render reads: its repo paths (to match a push's changed files) and a content
//! fingerprint of every input (files, values, pinned sources, release, capabilities), the key of
//! the render cache — so a commit that touches one app re-renders one app.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use syncd_config::{ChartSource, ResolvedApp, SourceSpec};

use crate::render::Release;
use crate::source::AppSources;

/// Repo-relative paths an app's render depends on (directories end with `/`).
pub fn input_paths(app: &ResolvedApp, root: &Path, env_file: &str) -> Vec<String> {
    let mut out = vec![env_file.to_owned(), rel_dir(root, &app.dir)];
    match &app.source {
        SourceSpec::Manifests { path, .. } => out.push(rel_any(root, path)),
        SourceSpec::Helm {
            chart,
            values_files,
            ..
        } => {
            if let ChartSource::Local(dir) = chart {
                out.push(rel_dir(root, dir));
            }
            out.extend(values_files.iter().map(|f| rel_any(root, f)));
        }
    }
    out.retain(|p| !p.is_empty());
    out.sort();
    out.dedup();
    out
}

/// Whether any changed path falls under one of `inputs`.
pub fn touched(inputs: &[String], changed: &std::collections::BTreeSet<String>) -> bool {
    changed.iter().any(|c| {
        let c = c.trim_start_matches("./").trim_start_matches('/');
        inputs.iter().any(|i| match i.strip_suffix('/') {
            Some(dir) => c == dir || c.starts_with(i.as_str()),
            None => c == i,
        })
    })
}

fn rel(root: &Path, p: &Path) -> Option<String> {
    p.strip_prefix(root)
        .ok()
        .map(|r| r.to_string_lossy().replace('\\', "/"))
}

fn rel_dir(root: &Path, p: &Path) -> String {
    match rel(root, p) {
        Some(r) if r.is_empty() => String::new(),
        Some(r) => format!("{r}/"),
        None => String::new(),
    }
}

fn rel_any(root: &Path, p: &Path) -> String {
    if p.is_dir() {
        rel_dir(root, p)
    } else {
        rel(root, p).unwrap_or_default()
    }
}

/// The render cache key of one app, and whether its render may be cached at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    /// Hex SHA-256 over every input.
    pub key: String,
    /// False when a chart calls `lookup`: its output depends on live objects, not on inputs.
    pub cacheable: bool,
}

/// Fingerprints an app's render inputs. Paths are hashed relative to the checkout root, so the
/// same content in two commits' checkouts has the same key.
pub fn fingerprint(
    app: &ResolvedApp,
    sources: &AppSources,
    root: &Path,
    release: Option<Release>,
    capabilities: &str,
) -> std::io::Result<Fingerprint> {
    let mut h = Sha256::new();
    let root_text = root.to_string_lossy();
    // The resolved app holds values, labels, namespace, policy and paths; its paths are made
    // checkout-independent by cutting the root off.
    h.update(format!("{app:?}").replace(root_text.as_ref(), "<root>"));
    h.update(format!("{:?}", sources.records()));
    h.update(format!("{release:?}"));
    h.update(capabilities);
    let mut cacheable = true;
    let mut files: Vec<PathBuf> = Vec::new();
    match &app.source {
        SourceSpec::Manifests { path, .. } => files.push(path.clone()),
        SourceSpec::Helm { values_files, .. } => files.extend(values_files.iter().cloned()),
    }
    let chart_dir = sources.chart_dir.clone();
    for f in &files {
        hash_tree(&mut h, f, root, &mut |_| {})?;
    }
    if let Some(dir) = &chart_dir {
        let mut saw_lookup = false;
        hash_tree(&mut h, dir, dir, &mut |data| {
            saw_lookup |= data.windows(6).any(|w| w == b"lookup");
        })?;
        cacheable = !saw_lookup;
    }
    Ok(Fingerprint {
        key: hex::encode(h.finalize()),
        cacheable,
    })
}

/// Hashes a file, or a directory's files in name order, with their paths relative to `base`.
fn hash_tree(
    h: &mut Sha256,
    path: &Path,
    base: &Path,
    seen: &mut dyn FnMut(&[u8]),
) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(path)?;
    let name = path.strip_prefix(base).unwrap_or(path).to_string_lossy();
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        entries.sort();
        for e in entries {
            hash_tree(h, &e, base, seen)?;
        }
    } else if meta.is_file() {
        let data = std::fs::read(path)?;
        seen(&data);
        h.update(name.as_bytes());
        h.update((data.len() as u64).to_le_bytes());
        h.update(&data);
    } else if meta.file_type().is_symlink() {
        h.update(name.as_bytes());
        h.update(std::fs::read_link(path)?.to_string_lossy().as_bytes());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn set(paths: &[&str]) -> BTreeSet<String> {
        paths.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn changed_paths_match_directories_and_files() {
        let inputs = vec![
            "apps/web/".to_string(),
            "charts/web/".to_string(),
            "environments/dev.yaml".to_string(),
            "values/web-dev.yaml".to_string(),
        ];
        assert!(touched(&inputs, &set(&["apps/web/app.yaml"])));
        assert!(touched(
            &inputs,
            &set(&["charts/web/templates/deploy.yaml"])
        ));
        assert!(touched(&inputs, &set(&["environments/dev.yaml"])));
        assert!(touched(&inputs, &set(&["./values/web-dev.yaml"])));
        assert!(
            !touched(&inputs, &set(&["apps/webhook/app.yaml"])),
            "prefix of a name is not a match"
        );
        assert!(!touched(
            &inputs,
            &set(&["environments/prod.yaml", "README.md"])
        ));
        assert!(!touched(&inputs, &set(&[])));
    }

    fn app_in(root: &Path) -> ResolvedApp {
        let dir = root.join("apps/web");
        std::fs::create_dir_all(dir.join("manifests")).unwrap();
        std::fs::write(dir.join("manifests/cm.yaml"), "kind: ConfigMap\n").unwrap();
        ResolvedApp {
            name: "web".into(),
            env: "dev".into(),
            dir: dir.clone(),
            source: SourceSpec::Manifests {
                path: dir.join("manifests"),
                recurse: false,
            },
            sources: Vec::new(),
            namespace: Some("web".into()),
            labels: Default::default(),
            annotations: Default::default(),
            policy: Default::default(),
        }
    }

    #[test]
    fn fingerprint_ignores_the_checkout_location_and_sees_content() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let (app_a, app_b) = (app_in(a.path()), app_in(b.path()));
        let fp = |app: &ResolvedApp, root: &Path| {
            fingerprint(app, &AppSources::local(app), root, None, "caps").unwrap()
        };
        assert_eq!(fp(&app_a, a.path()), fp(&app_b, b.path()));
        assert_eq!(
            input_paths(&app_a, a.path(), "environments/dev.yaml"),
            ["apps/web/", "apps/web/manifests/", "environments/dev.yaml"]
        );
        std::fs::write(
            b.path().join("apps/web/manifests/cm.yaml"),
            "kind: Secret\n",
        )
        .unwrap();
        assert_ne!(fp(&app_a, a.path()), fp(&app_b, b.path()));
        let other_caps =
            fingerprint(&app_a, &AppSources::local(&app_a), a.path(), None, "v2").unwrap();
        assert_ne!(fp(&app_a, a.path()).key, other_caps.key);
    }
}
