//! Validates one raw `environments/<env>.yaml` into an [`Environment`], checking its app
//! entries against the apps of the repo.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::ConfigError;
use crate::model::{App, EnvApp, Environment, SourceSpec};
use crate::position::ypath;
use crate::raw::{RawEnvApp, RawEnvironment};
use crate::validate::{Ctx, Want};

/// The namespace syncd keeps its state in unless an environment says otherwise.
pub(crate) const DEFAULT_STATE_NAMESPACE: &str = "syncd-system";

/// The apps an environment may name: every directory with an `app.yaml` (`known`), and the
/// ones among them that loaded (`loaded`). Entries naming an app that failed to load are
/// checked only for what does not depend on it.
pub(crate) struct AppIndex<'a> {
    pub known: &'a BTreeSet<String>,
    pub loaded: &'a BTreeMap<String, App>,
}

/// Validates `raw`, read from `environments/<stem>.yaml`; `None` when `ctx` recorded errors.
pub(crate) fn validate_environment(
    ctx: &mut Ctx<'_>,
    raw: RawEnvironment,
    stem: &str,
    apps: &AppIndex<'_>,
) -> Option<Environment> {
    let before = ctx.errors.len();
    ctx.header(&raw.api_version, &raw.kind, "Environment");
    ctx.metadata_name(&raw.metadata.name, stem, "file name");
    let spec = raw.spec;
    let state_namespace = spec
        .state_namespace
        .unwrap_or_else(|| DEFAULT_STATE_NAMESPACE.to_owned());
    ctx.namespace(
        Some(&state_namespace),
        &ypath!["spec", "stateNamespace"],
        "stateNamespace",
    );
    ctx.namespace(
        spec.namespace.as_deref(),
        &ypath!["spec", "namespace"],
        "namespace",
    );
    let kube_context = spec.cluster.and_then(|c| c.context);
    if kube_context.as_deref() == Some("") {
        ctx.invalid(
            &ypath!["spec", "cluster", "context"],
            "cluster.context must not be empty (leave it out for the current context)",
        );
    }
    ctx.labels(&spec.labels, &ypath!["spec", "labels"]);
    ctx.annotations(&spec.annotations, &ypath!["spec", "annotations"]);
    let policy = ctx.policy(spec.sync_policy, &ypath!["spec", "syncPolicy"]);

    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut entries = Vec::new();
    for (i, entry) in spec.apps.into_iter().enumerate() {
        let p = ctx.pos.at(&ypath!["spec", "apps", i]);
        if let Some(&first) = first_line.get(&entry.name) {
            ctx.errors.push(ConfigError::DuplicateApp {
                file: ctx.file.clone(),
                line: p.line,
                col: p.col,
                first_line: first,
                app: entry.name.clone(),
            });
            continue;
        }
        first_line.insert(entry.name.clone(), p.line);
        if !apps.known.contains(&entry.name) {
            let at = ctx.pos.at(&ypath!["spec", "apps", i, "name"]);
            ctx.errors.push(ConfigError::UnknownApp {
                file: ctx.file.clone(),
                line: at.line,
                col: at.col,
                env: raw.metadata.name.clone(),
                app: entry.name.clone(),
            });
            continue;
        }
        let app = apps.loaded.get(&entry.name);
        entries.push(validate_entry(ctx, entry, i, app, (p.line, p.col)));
    }

    if ctx.errors.len() > before {
        return None;
    }
    Some(Environment {
        name: raw.metadata.name,
        file: ctx.file.clone(),
        kube_context,
        state_namespace,
        namespace: spec.namespace,
        labels: spec.labels,
        annotations: spec.annotations,
        policy,
        apps: entries,
    })
}

/// Validates the `i`th entry of `spec.apps`, naming `app` (`None`: it failed to load).
fn validate_entry(
    ctx: &mut Ctx<'_>,
    entry: RawEnvApp,
    i: usize,
    app: Option<&App>,
    (line, col): (usize, usize),
) -> EnvApp {
    let at = ypath!["spec", "apps", i];
    let sub = |field: &str| [at.as_slice(), &ypath![field]].concat();
    ctx.namespace(entry.namespace.as_deref(), &sub("namespace"), "namespace");
    ctx.labels(&entry.labels, &sub("labels"));
    ctx.annotations(&entry.annotations, &sub("annotations"));

    if let Some(App {
        source: SourceSpec::Manifests { .. },
        ..
    }) = app
    {
        let helm_only = [
            ("valuesFiles", entry.values_files.is_some()),
            ("values", entry.values.is_some()),
            ("set", entry.set.is_some()),
        ];
        for (field, present) in helm_only {
            if present {
                ctx.invalid(
                    &sub(field),
                    format!(
                        "`{field}` is for helm apps, but app {:?} uses plain manifests",
                        entry.name
                    ),
                );
            }
        }
    }

    let mut values_files = Vec::new();
    if let Some(app) = app {
        let app_dir = app
            .dir
            .strip_prefix(ctx.root)
            .unwrap_or(&app.dir)
            .to_path_buf();
        for (j, f) in entry.values_files.iter().flatten().enumerate() {
            let here = [sub("valuesFiles").as_slice(), &ypath![j]].concat();
            values_files.extend(ctx.repo_path(&app_dir, f, &here, Want::File));
        }
    }
    let values = ctx.values(entry.values, &sub("values"));
    let set = entry.set.unwrap_or_default();
    for (j, s) in set.iter().enumerate() {
        if !s.split_once('=').is_some_and(|(k, _)| !k.is_empty()) {
            let here = [sub("set").as_slice(), &ypath![j]].concat();
            ctx.invalid(&here, format!("set {s:?} must look like key=value"));
        }
    }
    let policy = ctx.policy(entry.sync_policy, &sub("syncPolicy"));
    EnvApp {
        name: entry.name,
        line,
        col,
        namespace: entry.namespace,
        labels: entry.labels,
        annotations: entry.annotations,
        values_files,
        values,
        set,
        policy,
    }
}
