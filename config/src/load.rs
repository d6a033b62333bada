//! `Repo::load`: reads `apps/*/app.yaml` and `environments/*.yaml`, parses and validates them,
//! and collects every error found.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::app::validate_app;
use crate::environment::{validate_environment, AppIndex};
use crate::error::ConfigError;
use crate::model::Repo;
use crate::position::Positions;
use crate::validate::Ctx;

impl Repo {
    /// Loads and validates the repo at `root`.
    ///
    /// Every file is checked and every error kept: one error comes back as itself, several as
    /// [`ConfigError::Multiple`] in file order. Environments are checked against the apps
    /// found, so a typo in an app name is an [`ConfigError::UnknownApp`] at its line.
    pub fn load(root: &Path) -> Result<Repo, ConfigError> {
        let read_failed = |source| ConfigError::ReadFailed {
            file: root.to_path_buf(),
            source,
        };
        // Absolute but not canonical: resolved paths stay as readable as the root given.
        let canonical_root = root.canonicalize().map_err(read_failed)?;
        let root = &std::path::absolute(root).map_err(read_failed)?;
        let mut errors = Vec::new();

        let mut known = BTreeSet::new();
        let mut apps = BTreeMap::new();
        for (name, dir) in list(root, "apps", |p| p.is_dir())? {
            let rel = dir.join("app.yaml");
            known.insert(name.clone());
            let Some((mut ctx, raw)) = read(root, &canonical_root, &rel, &mut errors) else {
                continue;
            };
            if let Some(app) = validate_app(&mut ctx, raw, &name) {
                apps.insert(name, app);
            }
            errors.append(&mut ctx.errors);
        }

        let index = AppIndex {
            known: &known,
            loaded: &apps,
        };
        let mut environments = BTreeMap::new();
        for (name, rel) in list(root, "environments", |p| p.is_file())? {
            if rel.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            let stem = rel.file_stem().map(|s| s.to_string_lossy().into_owned());
            let stem = stem.unwrap_or(name);
            let Some((mut ctx, raw)) = read(root, &canonical_root, &rel, &mut errors) else {
                continue;
            };
            if let Some(env) = validate_environment(&mut ctx, raw, &stem, &index) {
                environments.insert(stem, env);
            }
            errors.append(&mut ctx.errors);
        }

        match ConfigError::collect(errors) {
            Some(e) => Err(e),
            None => Ok(Repo {
                root: root.to_path_buf(),
                apps,
                environments,
            }),
        }
    }
}

/// The entries of `root/dir` that pass `keep`, as (file name, path relative to root), sorted;
/// hidden entries are skipped.
fn list(
    root: &Path,
    dir: &str,
    keep: impl Fn(&Path) -> bool,
) -> Result<Vec<(String, PathBuf)>, ConfigError> {
    let read_failed = |source| ConfigError::ReadFailed {
        file: PathBuf::from(dir),
        source,
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root.join(dir)).map_err(read_failed)? {
        let entry = entry.map_err(read_failed)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !keep(&entry.path()) {
            continue;
        }
        out.push((name.clone(), Path::new(dir).join(name)));
    }
    out.sort();
    Ok(out)
}

/// Reads `rel`, deserialises it into `T` and indexes its node positions; `None` (with the
/// error recorded) when it cannot be read, is not YAML, or does not match the schema.
pub(crate) fn read<'a, T: DeserializeOwned>(
    root: &'a Path,
    canonical_root: &'a Path,
    rel: &Path,
    errors: &mut Vec<ConfigError>,
) -> Option<(Ctx<'a>, T)> {
    let file = rel.to_path_buf();
    let text = match std::fs::read_to_string(root.join(rel)) {
        Ok(text) => text,
        Err(source) => {
            errors.push(ConfigError::ReadFailed { file, source });
            return None;
        }
    };
    // A repeated key is an error YAML itself defines; serde_yaml reports it without a usable
    // position (or not at all, for maps), so the position index checks for it first.
    let pos = Positions::parse(&text);
    if let Some((key, at)) = pos.as_ref().ok().and_then(|p| p.duplicate_key()) {
        errors.push(ConfigError::ParseFailed {
            file,
            line: at.line,
            col: at.col,
            message: format!("duplicate key `{key}`"),
        });
        return None;
    }
    let raw = match serde_yaml::from_str::<T>(&text) {
        Ok(raw) => raw,
        Err(e) => {
            errors.push(parse_failed(file, &e));
            return None;
        }
    };
    let pos = match pos {
        Ok(pos) => pos,
        Err(e) => {
            errors.push(ConfigError::ParseFailed {
                file,
                line: e.marker().line(),
                col: e.marker().col() + 1,
                message: e.info().to_owned(),
            });
            return None;
        }
    };
    let ctx = Ctx {
        root,
        canonical_root,
        file,
        pos,
        errors: Vec::new(),
    };
    Some((ctx, raw))
}

/// A serde_yaml error as `ParseFailed`, its position moved from the message into fields.
fn parse_failed(file: PathBuf, e: &serde_yaml::Error) -> ConfigError {
    let message = e.to_string();
    let Some(loc) = e.location() else {
        return ConfigError::ParseFailed {
            file,
            line: 1,
            col: 1,
            message,
        };
    };
    // serde_yaml appends exactly this suffix when it knows the position.
    let suffix = format!(" at line {} column {}", loc.line(), loc.column());
    let message = message.strip_suffix(&suffix).unwrap_or(&message).to_owned();
    ConfigError::ParseFailed {
        file,
        line: loc.line(),
        col: loc.column(),
        message,
    }
}
