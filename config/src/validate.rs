//! Validation context: shared rule checks that turn a raw file's fields into model values,
//! recording every failure with its file, line and column.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::error::ConfigError;
use crate::policy::PolicyOverride;
use crate::position::{Positions, Seg};
use crate::raw::RawSyncPolicy;
use crate::rules;

/// The API version both kinds use.
pub(crate) const API_VERSION: &str = "syncd.io/v1alpha1";

/// What a referenced path must be.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// Either.
    Any,
}

/// One file being validated: where it is, where its nodes are, what went wrong so far.
pub(crate) struct Ctx<'a> {
    /// The repo root as given.
    pub root: &'a Path,
    /// The repo root with symlinks resolved, to catch paths escaping through one.
    pub canonical_root: &'a Path,
    /// The file, relative to the root.
    pub file: PathBuf,
    /// Positions of the file's nodes.
    pub pos: Positions,
    /// Errors found so far, in the order checked.
    pub errors: Vec<ConfigError>,
}

impl Ctx<'_> {
    /// Records an `Invalid` error at the node `at`.
    pub fn invalid(&mut self, at: &[Seg], message: impl Into<String>) {
        let p = self.pos.at(at);
        self.errors.push(ConfigError::Invalid {
            file: self.file.clone(),
            line: p.line,
            col: p.col,
            message: message.into(),
        });
    }

    /// Checks `apiVersion` and `kind`.
    pub fn header(&mut self, api_version: &str, kind: &str, want_kind: &str) {
        if api_version != API_VERSION {
            self.invalid(
                &[Seg::from("apiVersion")],
                format!("apiVersion must be {API_VERSION:?}, not {api_version:?}"),
            );
        }
        if kind != want_kind {
            self.invalid(
                &[Seg::from("kind")],
                format!("kind must be {want_kind:?}, not {kind:?}"),
            );
        }
    }

    /// Checks `metadata.name` is a DNS-1123 label equal to `expected` (`what` says where that comes from).
    pub fn metadata_name(&mut self, name: &str, expected: &str, what: &str) {
        let at = [Seg::from("metadata"), Seg::from("name")];
        if let Err(e) = rules::dns_label(name) {
            self.invalid(&at, format!("metadata.name {name:?} {e}"));
        } else if name != expected {
            self.invalid(
                &at,
                format!("metadata.name {name:?} must equal the {what} {expected:?}"),
            );
        }
    }

    /// Checks an optional namespace is a DNS-1123 label.
    pub fn namespace(&mut self, ns: Option<&str>, at: &[Seg], field: &str) {
        if let Some(ns) = ns {
            if let Err(e) = rules::dns_label(ns) {
                self.invalid(at, format!("{field} {ns:?} is not a valid namespace: {e}"));
            }
        }
    }

    /// Checks label keys and values under the map at `at`.
    pub fn labels(&mut self, labels: &BTreeMap<String, String>, at: &[Seg]) {
        for (k, v) in labels {
            let here = [at, &[Seg::from(k)]].concat();
            if let Err(e) = rules::qualified_name(k) {
                self.invalid(&here, format!("label key {k:?}: {e}"));
            }
            if let Err(e) = rules::label_value(v) {
                self.invalid(&here, format!("label {k:?} value {v:?}: {e}"));
            }
        }
    }

    /// Checks annotation keys under the map at `at` (values are free text).
    pub fn annotations(&mut self, annotations: &BTreeMap<String, String>, at: &[Seg]) {
        for k in annotations.keys() {
            if let Err(e) = rules::qualified_name(k) {
                let here = [at, &[Seg::from(k)]].concat();
                self.invalid(&here, format!("annotation key {k:?}: {e}"));
            }
        }
    }

    /// Turns a raw `syncPolicy` at `at` into an override, checking the ranges.
    pub fn policy(&mut self, raw: Option<RawSyncPolicy>, at: &[Seg]) -> PolicyOverride {
        let Some(raw) = raw else {
            return PolicyOverride::default();
        };
        if raw.history_limit == Some(0) {
            let here = [at, &[Seg::from("historyLimit")]].concat();
            self.invalid(&here, "historyLimit must be at least 1");
        }
        let budget = raw.prune_budget.unwrap_or_default();
        if let Some(p) = budget.max_percent.filter(|p| *p > 100) {
            let here = [at, &[Seg::from("pruneBudget"), Seg::from("maxPercent")]].concat();
            self.invalid(&here, format!("maxPercent must be 0-100, not {p}"));
        }
        let health_timeout = raw.health_timeout.as_deref().and_then(|t| {
            crate::policy::parse_duration(t)
                .map_err(|e| {
                    let here = [at, &[Seg::from("healthTimeout")]].concat();
                    self.invalid(&here, e);
                })
                .ok()
        });
        PolicyOverride {
            prune: raw.prune,
            force_conflicts: raw.force_conflicts,
            history_limit: raw.history_limit,
            max_percent: budget.max_percent,
            max_objects: budget.max_objects,
            immutable: raw.immutable,
            self_heal: raw.self_heal,
            auto_rollback: raw.auto_rollback,
            health_timeout,
        }
    }

    /// Checks inline Helm values at `at` are a mapping.
    pub fn values(
        &mut self,
        values: Option<serde_json::Value>,
        at: &[Seg],
    ) -> Option<serde_json::Value> {
        match values {
            Some(v) if !v.is_object() => {
                self.invalid(at, "values must be a mapping");
                None
            }
            v => v,
        }
    }

    /// Resolves `rel`, written relative to the repo directory `base`, to an absolute path,
    /// checking that it is relative, stays inside the repo, exists, and is what `want` says.
    pub fn repo_path(&mut self, base: &Path, rel: &str, at: &[Seg], want: Want) -> Option<PathBuf> {
        let clean = match clean_join(base, rel) {
            Ok(clean) => clean,
            Err(e) => {
                self.invalid(at, format!("path {rel:?} {e}"));
                return None;
            }
        };
        let full = self.root.join(&clean);
        let shown = clean.display();
        let meta = match std::fs::metadata(&full) {
            Ok(meta) => meta,
            Err(_) => {
                self.invalid(
                    at,
                    format!("path {rel:?} does not exist (looked for {shown})"),
                );
                return None;
            }
        };
        match want {
            Want::File if !meta.is_file() => {
                self.invalid(at, format!("path {rel:?} must be a file ({shown})"));
                return None;
            }
            Want::Dir if !meta.is_dir() => {
                self.invalid(at, format!("path {rel:?} must be a directory ({shown})"));
                return None;
            }
            _ => {}
        }
        let inside = full
            .canonicalize()
            .is_ok_and(|c| c.starts_with(self.canonical_root));
        if !inside {
            self.invalid(
                at,
                format!("path {rel:?} leads outside the repo through a symlink"),
            );
            return None;
        }
        Some(full)
    }
}

/// Joins `rel` onto the repo-relative directory `base`, resolving `.` and `..` lexically.
fn clean_join(base: &Path, rel: &str) -> Result<PathBuf, &'static str> {
    if rel.is_empty() {
        return Err("must not be empty");
    }
    let rel = Path::new(rel);
    if rel.is_absolute() {
        return Err("must be relative");
    }
    lexical_join(base, rel).ok_or("leads outside the repo")
}

/// `base` joined with `rel`, `.` dropped and `..` resolved on the text alone (nothing is looked
/// up on disk); `None` when `..` climbs above the start of `base` or `rel` is absolute.
pub(crate) fn lexical_join(base: &Path, rel: &Path) -> Option<PathBuf> {
    let mut out: Vec<Component> = base.components().collect();
    for c in rel.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop()?;
            }
            Component::Normal(_) => out.push(c),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out.iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_join_stays_inside() {
        let base = Path::new("apps/web");
        assert_eq!(
            clean_join(base, "manifests").unwrap(),
            Path::new("apps/web/manifests")
        );
        assert_eq!(
            clean_join(base, "./a/../b").unwrap(),
            Path::new("apps/web/b")
        );
        assert_eq!(
            clean_join(base, "../../shared").unwrap(),
            Path::new("shared")
        );
        assert_eq!(
            clean_join(base, "../../../etc"),
            Err("leads outside the repo")
        );
        assert_eq!(clean_join(base, "/etc"), Err("must be relative"));
        assert_eq!(clean_join(base, ""), Err("must not be empty"));
    }
}
