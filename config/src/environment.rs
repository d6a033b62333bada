//! Validates one raw `environments/<env>.yaml` into an [`Environment`], checking its app
//! entries against the apps of the repo.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::ConfigError;
use crate::model::{App, ChartSource, EnvApp, Environment, SourceSpec};
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
    if let Some(app) = app.filter(|a| matches!(a.source, SourceSpec::Helm { .. })) {
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
        if s.split_once('=').is_none_or(|(k, _)| k.is_empty()) {
            let here = [sub("set").as_slice(), &ypath![j]].concat();
            ctx.invalid(&here, format!("set {s:?} must look like key=value"));
        }
    }
    let chart_version = entry.chart_version;
    if chart_version.is_some() {
        let remote = app.is_none_or(|a| {
            matches!(&a.source, SourceSpec::Helm { chart, .. } if !matches!(chart, ChartSource::Local(_)))
        });
        if !remote {
            ctx.invalid(
                &sub("chartVersion"),
                format!(
                    "`chartVersion` is for git, repo and oci charts, but app {:?} has none",
                    entry.name
                ),
            );
        }
    }
    let mut source_refs = BTreeMap::new();
    for (name, o) in entry.sources.unwrap_or_default() {
        let known = app.is_none_or(|a| a.sources.iter().any(|s| s.name == name));
        if !known {
            let here = [sub("sources").as_slice(), &ypath![name.as_str()]].concat();
            ctx.invalid(
                &here,
                format!(
                    "app {:?} has no source {name:?} in spec.sources",
                    entry.name
                ),
            );
        }
        source_refs.insert(name, o.reference);
    }
    let policy = ctx.policy(entry.sync_policy, &sub("syncPolicy"));
    EnvApp {
        chart_version,
        source_refs,
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

#[cfg(test)]
mod tests {
    use crate::error::ConfigError;
    use crate::testutil::{assert_error_at, edit, TestRepo, DEV_ENV};

    const DEV: &str = "environments/dev.yaml";

    /// The error of a repo whose `dev` env is `DEV_ENV` with `from` replaced by `to`.
    fn dev_err(from: &str, to: &str) -> ConfigError {
        let repo = TestRepo::with_apps();
        repo.env("dev", &edit(DEV_ENV, from, to));
        repo.load_err()
    }

    #[test]
    fn valid_environment_loads() {
        let repo = TestRepo::with_apps();
        repo.env("dev", DEV_ENV);
        let loaded = repo.load();
        let dev = &loaded.environments["dev"];
        assert_eq!(dev.kube_context.as_deref(), Some("kind-dev"));
        assert_eq!(dev.state_namespace, "syncd-system");
        assert_eq!(dev.namespace.as_deref(), Some("ml-dev"));
        assert_eq!(dev.policy.history_limit, Some(20));
        let names: Vec<_> = dev.apps.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["web", "chart"]);
        assert_eq!((dev.apps[0].line, dev.apps[0].col), (14, 7));
        assert_eq!(dev.apps[0].policy.max_percent, Some(80));
        assert_eq!(
            dev.apps[1].values_files,
            [repo.root().join("apps/chart/values-dev.yaml")]
        );
    }

    #[test]
    fn files_other_than_yaml_are_ignored() {
        let repo = TestRepo::with_apps();
        repo.env("dev", DEV_ENV);
        repo.file("environments/README.md", "# envs\n");
        repo.file("apps/README.md", "# apps\n");
        assert_eq!(repo.load().environments.len(), 1);
    }

    #[test]
    fn kind_must_be_environment() {
        let err = dev_err("kind: Environment", "kind: App");
        assert_error_at(&err, &format!("{DEV}:2"), "kind must be \"Environment\"");
    }

    #[test]
    fn name_must_equal_file_stem() {
        let err = dev_err("name: dev", "name: prod");
        assert_error_at(
            &err,
            &format!("{DEV}:4:3"),
            "must equal the file name \"dev\"",
        );
    }

    #[test]
    fn unknown_app_is_reported_at_its_entry() {
        let err = dev_err("- name: web", "- name: wbe");
        assert!(
            matches!(
                err,
                ConfigError::UnknownApp {
                    line: 14,
                    col: 7,
                    ..
                }
            ),
            "{err}"
        );
        assert_error_at(&err, &format!("{DEV}:14:7"), "lists app \"wbe\"");
    }

    #[test]
    fn app_listed_twice_is_an_error() {
        let err = dev_err("- name: chart", "- name: web");
        assert!(
            matches!(err, ConfigError::DuplicateApp { first_line: 14, .. }),
            "{err}"
        );
        assert_error_at(
            &err,
            &format!("{DEV}:18:7"),
            "listed twice (first at line 14)",
        );
    }

    #[test]
    fn namespaces_must_be_dns_labels() {
        let err = dev_err("namespace: ml-dev", "namespace: ml.dev");
        assert_error_at(&err, &format!("{DEV}:8:3"), "not a valid namespace");
        let err = dev_err("namespace: web-dev", "namespace: web-dev-");
        assert_error_at(&err, &format!("{DEV}:15:7"), "not a valid namespace");
        let err = dev_err(
            "  namespace: ml-dev",
            "  stateNamespace: Syncd\n  namespace: ml-dev",
        );
        assert_error_at(&err, &format!("{DEV}:8"), "stateNamespace \"Syncd\"");
    }

    #[test]
    fn label_keys_and_values_are_checked() {
        let err = dev_err(
            "platform.example.com/env: dev",
            "Platform.example.com/env: dev",
        );
        assert_error_at(
            &err,
            &format!("{DEV}:9:12"),
            "label key \"Platform.example.com/env\"",
        );
        let long = "v".repeat(64);
        let err = dev_err("{tier: web}", &format!("{{tier: {long}}}"));
        assert_error_at(&err, &format!("{DEV}:16:16"), "at most 63 characters");
        let err = dev_err("{team: ml}", "{team/x/y: ml}");
        assert_error_at(&err, &format!("{DEV}:10"), "annotation key");
    }

    #[test]
    fn helm_fields_on_a_manifests_app_are_errors() {
        for (field, value) in [
            ("valuesFiles", "[values-dev.yaml]"),
            ("values", "{}"),
            ("set", "[a=b]"),
        ] {
            let err = dev_err(
                "      labels: {tier: web}",
                &format!("      labels: {{tier: web}}\n      {field}: {value}"),
            );
            assert_error_at(
                &err,
                &format!("{DEV}:17:7"),
                &format!("`{field}` is for helm apps"),
            );
        }
    }

    #[test]
    fn env_values_files_must_exist() {
        let err = dev_err("[values-dev.yaml]", "[values-prod.yaml]");
        assert_error_at(&err, &format!("{DEV}:19:21"), "does not exist");
    }

    #[test]
    fn set_strings_need_a_key() {
        let err = dev_err("[\"image.tag=dev\"]", "[\"image.tag=dev\", \"=x\"]");
        assert_error_at(&err, &format!("{DEV}:21:30"), "key=value");
    }

    #[test]
    fn entry_policy_is_checked() {
        let err = dev_err("maxPercent: 80", "maxPercent: 800");
        assert_error_at(&err, &format!("{DEV}:17:48"), "maxPercent must be 0-100");
    }

    #[test]
    fn unknown_entry_fields_are_errors() {
        let err = dev_err(
            "      namespace: web-dev",
            "      namespace: web-dev\n      replicas: 1",
        );
        assert!(
            matches!(err, ConfigError::ParseFailed { line: 16, .. }),
            "{err}"
        );
        assert_error_at(&err, &format!("{DEV}:16"), "unknown field `replicas`");
    }

    #[test]
    fn api_version_must_be_exact() {
        let err = dev_err("apiVersion: syncd.io/v1alpha1", "apiVersion: v1");
        assert_error_at(
            &err,
            &format!("{DEV}:1:1"),
            "apiVersion must be \"syncd.io/v1alpha1\"",
        );
    }

    #[test]
    fn empty_cluster_context_is_an_error() {
        let err = dev_err("context: kind-dev", "context: \"\"");
        assert_error_at(
            &err,
            &format!("{DEV}:7:5"),
            "cluster.context must not be empty",
        );
    }

    #[test]
    fn duplicate_label_keys_are_errors() {
        let err = dev_err("{tier: web}", "{tier: web, tier: api}");
        assert_error_at(&err, &format!("{DEV}:16:27"), "duplicate key `tier`");
    }

    #[test]
    fn entries_naming_a_broken_app_report_only_the_app() {
        let repo = TestRepo::with_apps();
        repo.env("dev", DEV_ENV);
        repo.app("web", "kind: [");
        let err = repo.load_err();
        assert_eq!(err.errors().len(), 1, "{err}");
        assert!(err.to_string().starts_with("apps/web/app.yaml:"), "{err}");
    }
}
