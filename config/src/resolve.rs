//! `Repo::resolve`: one environment's apps with every override applied, ready for the pipeline.

use crate::error::ConfigError;
use crate::model::{Repo, ResolvedApp, ResolvedEnv, SourceSpec};

impl Repo {
    /// Resolves environment `env`: for each of its apps, in file order, the source with values
    /// layered (app's, then the entry's), the namespace (entry > environment > app), labels and
    /// annotations (environment's, then the entry's over them) and the policy (app's, then the
    /// environment's override, then the entry's).
    pub fn resolve(&self, env: &str) -> Result<ResolvedEnv, ConfigError> {
        let environment =
            self.environments
                .get(env)
                .ok_or_else(|| ConfigError::UnknownEnvironment {
                    name: env.to_owned(),
                    known: self.environments.keys().cloned().collect(),
                })?;
        let mut apps = Vec::with_capacity(environment.apps.len());
        for entry in &environment.apps {
            // `load` already checked this; a hand-built `Repo` may not have been.
            let app = self
                .apps
                .get(&entry.name)
                .ok_or_else(|| ConfigError::UnknownApp {
                    file: environment.file.clone(),
                    line: entry.line,
                    col: entry.col,
                    env: environment.name.clone(),
                    app: entry.name.clone(),
                })?;
            let source = match &app.source {
                SourceSpec::Manifests { .. } => app.source.clone(),
                SourceSpec::Helm {
                    chart,
                    release_name,
                    values_files,
                    values,
                    set,
                } => SourceSpec::Helm {
                    chart: {
                        let mut chart = chart.clone();
                        if let (Some(v), Some(slot)) = (&entry.chart_version, chart.version_mut()) {
                            slot.clone_from(v);
                        }
                        chart
                    },
                    release_name: release_name.clone(),
                    values_files: values_files
                        .iter()
                        .chain(&entry.values_files)
                        .cloned()
                        .collect(),
                    values: values.iter().chain(&entry.values).cloned().collect(),
                    set: set.iter().chain(&entry.set).cloned().collect(),
                },
            };
            let mut sources = app.sources.clone();
            for s in &mut sources {
                if let Some(r) = entry.source_refs.get(&s.name) {
                    s.reference.clone_from(r);
                }
            }
            let mut labels = environment.labels.clone();
            labels.extend(entry.labels.clone());
            let mut annotations = environment.annotations.clone();
            annotations.extend(entry.annotations.clone());
            apps.push(ResolvedApp {
                name: app.name.clone(),
                env: environment.name.clone(),
                dir: app.dir.clone(),
                source,
                sources,
                namespace: entry
                    .namespace
                    .clone()
                    .or_else(|| environment.namespace.clone())
                    .or_else(|| app.namespace.clone()),
                labels,
                annotations,
                policy: app.policy.with(&environment.policy).with(&entry.policy),
            });
        }
        Ok(ResolvedEnv {
            name: environment.name.clone(),
            kube_context: environment.kube_context.clone(),
            state_namespace: environment.state_namespace.clone(),
            apps,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use crate::error::ConfigError;
    use crate::model::SourceSpec;
    use crate::policy::{ImmutablePolicy, PruneBudget, SyncPolicy};
    use crate::testutil::{edit, TestRepo, DEV_ENV};

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn resolves_apps_in_file_order() {
        let repo = TestRepo::with_apps();
        repo.env(
            "dev",
            r#"
apiVersion: syncd.io/v1alpha1
kind: Environment
metadata: {name: dev}
spec:
  apps: [{name: chart}, {name: web}]
"#,
        );
        let resolved = repo.load().resolve("dev").unwrap();
        let names: Vec<_> = resolved.apps.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["chart", "web"]);
        assert!(resolved.apps.iter().all(|a| a.env == "dev"));
        assert_eq!(resolved.state_namespace, "syncd-system");
        assert_eq!(resolved.kube_context, None);
        assert_eq!(resolved.apps[1].namespace.as_deref(), Some("web"));
        assert!(resolved.apps[1].labels.is_empty());
    }

    #[test]
    fn namespace_precedence_is_entry_then_env_then_app() {
        let repo = TestRepo::with_apps();
        repo.env("dev", DEV_ENV);
        let r = repo.load().resolve("dev").unwrap();
        assert_eq!(
            r.apps[0].namespace.as_deref(),
            Some("web-dev"),
            "entry wins"
        );
        assert_eq!(r.apps[1].namespace.as_deref(), Some("ml-dev"), "env next");

        repo.env("dev", &edit(DEV_ENV, "  namespace: ml-dev\n", ""));
        let r = repo.load().resolve("dev").unwrap();
        assert_eq!(r.apps[0].namespace.as_deref(), Some("web-dev"));
        assert_eq!(
            r.apps[1].namespace, None,
            "chart has no namespace of its own"
        );

        repo.env("dev", &edit(DEV_ENV, "      namespace: web-dev\n", ""));
        let r = repo.load().resolve("dev").unwrap();
        assert_eq!(
            r.apps[0].namespace.as_deref(),
            Some("ml-dev"),
            "env over app"
        );

        let text = edit(DEV_ENV, "      namespace: web-dev\n", "");
        repo.env("dev", &edit(&text, "  namespace: ml-dev\n", ""));
        let r = repo.load().resolve("dev").unwrap();
        assert_eq!(r.apps[0].namespace.as_deref(), Some("web"), "app last");
    }

    #[test]
    fn entry_labels_merge_over_env_labels() {
        let repo = TestRepo::with_apps();
        repo.env("dev", DEV_ENV);
        let r = repo.load().resolve("dev").unwrap();
        assert_eq!(
            r.apps[0].labels,
            labels(&[("platform.example.com/env", "dev"), ("tier", "web")])
        );
        assert_eq!(
            r.apps[1].labels,
            labels(&[("platform.example.com/env", "dev"), ("tier", "ml")])
        );
        assert_eq!(r.apps[1].annotations, labels(&[("team", "ml")]));
    }

    #[test]
    fn policy_is_app_then_env_then_entry() {
        let repo = TestRepo::with_apps();
        repo.env("dev", DEV_ENV);
        let r = repo.load().resolve("dev").unwrap();
        // web: defaults; env historyLimit 20; entry prune false and maxPercent 80.
        assert_eq!(
            r.apps[0].policy,
            SyncPolicy {
                prune: false,
                force_conflicts: true,
                history_limit: 20,
                prune_budget: PruneBudget {
                    max_percent: 80,
                    max_objects: 5
                },
                immutable: ImmutablePolicy::Recreate,
                ..SyncPolicy::default()
            }
        );
        // chart: its own historyLimit 5 and maxObjects 8; env historyLimit 20 over them.
        assert_eq!(r.apps[1].policy.history_limit, 20);
        assert_eq!(
            r.apps[1].policy.prune_budget,
            PruneBudget {
                max_percent: 50,
                max_objects: 8
            }
        );
        assert!(r.apps[1].policy.prune);
    }

    #[test]
    fn entry_policy_overrides_env_policy() {
        let repo = TestRepo::with_apps();
        repo.env(
            "dev",
            &edit(
                DEV_ENV,
                "{prune: false,",
                "{prune: false, historyLimit: 3, immutable: fail,",
            ),
        );
        let r = repo.load().resolve("dev").unwrap();
        assert_eq!(r.apps[0].policy.history_limit, 3);
        assert_eq!(r.apps[0].policy.immutable, ImmutablePolicy::Fail);
    }

    #[test]
    fn helm_values_layer_app_then_entry() {
        let repo = TestRepo::with_apps();
        repo.env("dev", DEV_ENV);
        let r = repo.load().resolve("dev").unwrap();
        assert_eq!(
            r.apps[1].source,
            SourceSpec::Helm {
                chart: crate::ChartSource::Local(repo.root().join("apps/chart/chart")),
                release_name: "chart".into(),
                values_files: vec![
                    repo.root().join("apps/chart/values.yaml"),
                    repo.root().join("apps/chart/values-dev.yaml"),
                ],
                values: vec![json!({"replicaCount": 2}), json!({"replicaCount": 1})],
                set: vec!["image.tag=dev".into()],
            }
        );
        assert_eq!(r.apps[1].dir, repo.root().join("apps/chart"));
    }

    #[test]
    fn cluster_and_state_namespace_pass_through() {
        let repo = TestRepo::with_apps();
        repo.env(
            "dev",
            &edit(
                DEV_ENV,
                "  namespace: ml-dev",
                "  stateNamespace: syncd-dev\n  namespace: ml-dev",
            ),
        );
        let r = repo.load().resolve("dev").unwrap();
        assert_eq!(r.kube_context.as_deref(), Some("kind-dev"));
        assert_eq!(r.state_namespace, "syncd-dev");
    }

    #[test]
    fn unknown_environment_names_the_known_ones() {
        let repo = TestRepo::with_apps();
        repo.env("dev", DEV_ENV);
        let err = repo.load().resolve("prod").unwrap_err();
        assert!(matches!(err, ConfigError::UnknownEnvironment { .. }));
        assert_eq!(err.to_string(), "unknown environment \"prod\" (known: dev)");
    }

    #[test]
    fn hand_built_repo_with_missing_app_is_an_unknown_app() {
        let repo = TestRepo::with_apps();
        repo.env("dev", DEV_ENV);
        let mut loaded = repo.load();
        loaded.apps.remove("chart");
        let err = loaded.resolve("dev").unwrap_err();
        assert_eq!(
            err.to_string(),
            "environments/dev.yaml:18:7: environment \"dev\" lists app \"chart\", but there is no apps/chart/app.yaml"
        );
    }

    #[test]
    fn example_ml_platform_resolves_both_envs() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ml-platform");
        let repo = crate::Repo::load(&root).unwrap_or_else(|e| panic!("{e}"));
        for env in ["dev", "prod"] {
            let r = repo.resolve(env).unwrap();
            assert!(!r.apps.is_empty());
            let ns = format!("ml-{env}");
            assert!(r
                .apps
                .iter()
                .all(|a| a.namespace.as_deref() == Some(ns.as_str())));
        }
        assert_eq!(
            repo.resolve("prod").unwrap().apps[0].policy.history_limit,
            20
        );
    }
}
