//! Validates one raw `app.yaml` into an [`App`].

use std::path::Path;

use crate::model::{App, ChartSource, SourceSpec};
use crate::policy::SyncPolicy;
use crate::position::ypath;
use crate::raw::{RawApp, RawHelm, RawManifests};
use crate::rules;
use crate::validate::{Ctx, Want};

/// Validates `raw`, read from `apps/<dir_name>/app.yaml`; `None` when `ctx` recorded errors.
pub(crate) fn validate_app(ctx: &mut Ctx<'_>, raw: RawApp, dir_name: &str) -> Option<App> {
    let before = ctx.errors.len();
    ctx.header(&raw.api_version, &raw.kind, "App");
    ctx.metadata_name(&raw.metadata.name, dir_name, "directory name");
    let spec = raw.spec;
    let ns_at = ypath!["spec", "namespace"];
    ctx.namespace(spec.namespace.as_deref(), &ns_at, "namespace");
    let app_dir = Path::new("apps").join(dir_name);
    let source = match (spec.source.manifests, spec.source.helm) {
        (Some(m), None) => manifests_source(ctx, &app_dir, m),
        (None, Some(h)) => helm_source(ctx, &app_dir, dir_name, h),
        (None, None) => {
            let msg = "source needs one of `manifests` or `helm`";
            ctx.invalid(&ypath!["spec", "source"], msg);
            None
        }
        (Some(_), Some(_)) => {
            let msg = "source takes only one of `manifests` and `helm`";
            ctx.invalid(&ypath!["spec", "source", "helm"], msg);
            None
        }
    };
    let is_helm = matches!(source, Some(SourceSpec::Helm { .. }));
    let sources = crate::remote::extra_sources(ctx, spec.sources, is_helm);
    let policy = ctx.policy(spec.sync_policy, &ypath!["spec", "syncPolicy"]);
    let source = source?;
    if ctx.errors.len() > before {
        return None;
    }
    Some(App {
        name: raw.metadata.name,
        file: ctx.file.clone(),
        dir: ctx.root.join(&app_dir),
        description: spec.description,
        source,
        sources,
        namespace: spec.namespace,
        policy: SyncPolicy::default().with(&policy),
    })
}

/// `spec.source.manifests`: the path must exist inside the repo.
fn manifests_source(ctx: &mut Ctx<'_>, app_dir: &Path, m: RawManifests) -> Option<SourceSpec> {
    let at = ypath!["spec", "source", "manifests", "path"];
    let path = ctx.repo_path(app_dir, &m.path, &at, Want::Any)?;
    Some(SourceSpec::Manifests {
        path,
        recurse: m.recurse.unwrap_or(true),
    })
}

/// `spec.source.helm`: where the chart is, values files and inline values of the app itself.
fn helm_source(
    ctx: &mut Ctx<'_>,
    app_dir: &Path,
    app_name: &str,
    h: RawHelm,
) -> Option<SourceSpec> {
    let at = ypath!["spec", "source", "helm"];
    let credentials = h.credentials.and_then(|c| {
        crate::remote::credentials(ctx, c, &ypath!["spec", "source", "helm", "credentials"])
    });
    let chart = match (h.chart, h.git, h.repo, h.oci) {
        (Some(dir), None, None, None) => {
            if credentials.is_some() {
                let here = ypath!["spec", "source", "helm", "credentials"];
                ctx.invalid(&here, "credentials are for git, repo and oci charts");
            }
            let chart_at = ypath!["spec", "source", "helm", "chart"];
            ctx.repo_path(app_dir, &dir, &chart_at, Want::Dir)
                .map(ChartSource::Local)
        }
        (None, Some(git), None, None) => {
            let here = ypath!["spec", "source", "helm", "git"];
            crate::remote::git_chart(ctx, git, credentials, &here)
        }
        (None, None, Some(repo), None) => {
            let here = ypath!["spec", "source", "helm", "repo"];
            crate::remote::repo_chart(ctx, repo, credentials, &here)
        }
        (None, None, None, Some(oci)) => {
            let here = ypath!["spec", "source", "helm", "oci"];
            crate::remote::oci_chart(ctx, oci, credentials, &here)
        }
        _ => {
            ctx.invalid(
                &at,
                "helm takes exactly one of `chart`, `git`, `repo` and `oci`",
            );
            None
        }
    };
    let release_name = h.release_name.unwrap_or_else(|| app_name.to_owned());
    if let Err(e) = rules::dns_label_max(&release_name, 53) {
        let at = ypath!["spec", "source", "helm", "releaseName"];
        ctx.invalid(&at, format!("releaseName {release_name:?} {e}"));
    }
    let mut values_files = Vec::new();
    for (i, f) in h.values_files.unwrap_or_default().iter().enumerate() {
        let at = ypath!["spec", "source", "helm", "valuesFiles", i];
        values_files.extend(ctx.repo_path(app_dir, f, &at, Want::File));
    }
    let values = ctx.values(h.values, &ypath!["spec", "source", "helm", "values"]);
    Some(SourceSpec::Helm {
        chart: chart?,
        release_name,
        values_files,
        values: values.into_iter().collect(),
        set: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use crate::error::ConfigError;
    use crate::model::SourceSpec;
    use crate::policy::{ImmutablePolicy, PruneBudget};
    use crate::testutil::{assert_error_at, edit, TestRepo, CHART_APP, WEB_APP};

    const WEB: &str = "apps/web/app.yaml";

    /// The error of a repo whose `web` app is `WEB_APP` with `from` replaced by `to`.
    fn web_err(from: &str, to: &str) -> ConfigError {
        let repo = TestRepo::with_apps();
        repo.app("web", &edit(WEB_APP, from, to));
        repo.load_err()
    }

    #[test]
    fn valid_apps_load_with_defaults() {
        let repo = TestRepo::with_apps();
        let loaded = repo.load();
        let web = &loaded.apps["web"];
        assert_eq!(web.namespace.as_deref(), Some("web"));
        assert_eq!(
            web.source,
            SourceSpec::Manifests {
                path: repo.root().join("apps/web/manifests"),
                recurse: true
            }
        );
        assert!(web.policy.prune && web.policy.force_conflicts);
        assert_eq!(web.policy.history_limit, 10);
        assert_eq!(web.policy.prune_budget, PruneBudget::default());
        assert_eq!(web.policy.immutable, ImmutablePolicy::Recreate);

        let chart = &loaded.apps["chart"];
        assert_eq!(chart.policy.history_limit, 5);
        assert_eq!(chart.policy.prune_budget.max_objects, 8);
        assert_eq!(chart.policy.prune_budget.max_percent, 50);
        let SourceSpec::Helm {
            release_name,
            values_files,
            values,
            ..
        } = &chart.source
        else {
            panic!("chart is a helm app");
        };
        assert_eq!(release_name, "chart");
        assert_eq!(values_files, &[repo.root().join("apps/chart/values.yaml")]);
        assert_eq!(values, &[serde_json::json!({"replicaCount": 2})]);
    }

    #[test]
    fn api_version_must_be_exact() {
        let err = web_err("syncd.io/v1alpha1", "syncd.io/v1");
        assert_error_at(&err, &format!("{WEB}:1"), "apiVersion must be");
    }

    #[test]
    fn kind_must_be_app() {
        let err = web_err("kind: App", "kind: Application");
        assert_error_at(&err, &format!("{WEB}:2"), "kind must be \"App\"");
    }

    #[test]
    fn name_must_equal_directory() {
        let err = web_err("name: web", "name: webapp");
        assert_error_at(&err, &format!("{WEB}:4:3"), "must equal the directory name");
    }

    #[test]
    fn name_must_be_a_dns_label() {
        let repo = TestRepo::with_apps();
        repo.app("Web", &edit(WEB_APP, "name: web", "name: Web"));
        repo.file("apps/Web/manifests/a.yaml", "{}\n");
        assert_error_at(&repo.load_err(), "apps/Web/app.yaml:4", "lowercase");
    }

    #[test]
    fn unknown_fields_are_errors_with_position() {
        let err = web_err("  namespace: web", "  namespace: web\n  replicas: 2");
        assert!(matches!(err, ConfigError::ParseFailed { line: 10, .. }));
        assert_error_at(&err, &format!("{WEB}:10"), "unknown field `replicas`");
        assert!(
            !err.to_string().contains("at line"),
            "position only once: {err}"
        );

        let err = web_err(
            "      path: manifests",
            "      path: manifests\n      recursive: false",
        );
        assert_error_at(&err, &format!("{WEB}:9"), "unknown field `recursive`");
    }

    #[test]
    fn duplicate_keys_are_reported_at_the_repeat() {
        let err = web_err("  namespace: web", "  namespace: web\n  namespace: api");
        assert_error_at(&err, &format!("{WEB}:10:3"), "duplicate key `namespace`");
    }

    #[test]
    fn a_document_that_is_not_a_mapping_says_what_was_expected() {
        let repo = TestRepo::with_apps();
        repo.app("web", "hello\n");
        assert_error_at(
            &repo.load_err(),
            &format!("{WEB}:1"),
            "expected an App document",
        );
    }

    #[test]
    fn yaml_syntax_errors_have_position() {
        let err = web_err("  namespace: web", "  namespace: [web");
        assert!(matches!(err, ConfigError::ParseFailed { .. }), "{err}");
        assert!(err.to_string().starts_with(WEB), "{err}");
    }

    #[test]
    fn namespace_must_be_a_dns_label() {
        let err = web_err("namespace: web", "namespace: Web_NS");
        assert_error_at(&err, &format!("{WEB}:9:3"), "not a valid namespace");
    }

    #[test]
    fn source_needs_exactly_one_kind() {
        let err = web_err(
            "    manifests:\n      path: manifests\n",
            "    manifests: null\n",
        );
        assert_error_at(&err, &format!("{WEB}:6"), "needs one of");

        let err = web_err(
            "      path: manifests",
            "      path: manifests\n    helm:\n      chart: x",
        );
        assert_error_at(&err, &format!("{WEB}:9"), "only one of");
    }

    #[test]
    fn paths_must_be_relative() {
        let err = web_err("path: manifests", "path: /etc");
        assert_error_at(&err, &format!("{WEB}:8:7"), "must be relative");
    }

    #[test]
    fn paths_must_stay_inside_the_repo() {
        let err = web_err("path: manifests", "path: ../../../outside");
        assert_error_at(&err, &format!("{WEB}:8"), "leads outside the repo");
        // Inside the repo but outside the app dir is allowed.
        let repo = TestRepo::with_apps();
        repo.file("shared/cm.yaml", "{}\n");
        repo.app(
            "web",
            &edit(WEB_APP, "path: manifests", "path: ../../shared"),
        );
        assert_eq!(
            repo.load().apps["web"].source,
            SourceSpec::Manifests {
                path: repo.root().join("shared"),
                recurse: true
            }
        );
    }

    #[cfg(unix)]
    #[test]
    fn paths_must_not_escape_through_symlinks() {
        let outside = tempfile::tempdir().unwrap();
        let repo = TestRepo::with_apps();
        std::os::unix::fs::symlink(outside.path(), repo.root().join("apps/web/link")).unwrap();
        repo.app("web", &edit(WEB_APP, "path: manifests", "path: link"));
        assert_error_at(&repo.load_err(), &format!("{WEB}:8"), "through a symlink");
    }

    #[test]
    fn paths_must_exist() {
        let err = web_err("path: manifests", "path: manifest");
        assert_error_at(
            &err,
            &format!("{WEB}:8"),
            "does not exist (looked for apps/web/manifest)",
        );
    }

    #[test]
    fn history_limit_at_least_one() {
        let err = web_err(
            "  namespace: web",
            "  namespace: web\n  syncPolicy:\n    historyLimit: 0",
        );
        assert_error_at(
            &err,
            &format!("{WEB}:11:5"),
            "historyLimit must be at least 1",
        );
    }

    #[test]
    fn max_percent_at_most_100() {
        let err = web_err(
            "  namespace: web",
            "  namespace: web\n  syncPolicy:\n    pruneBudget:\n      maxPercent: 101",
        );
        assert_error_at(&err, &format!("{WEB}:12:7"), "maxPercent must be 0-100");
    }

    #[test]
    fn unknown_immutable_policy_is_an_error() {
        let err = web_err(
            "  namespace: web",
            "  namespace: web\n  syncPolicy:\n    immutable: replace",
        );
        assert_error_at(&err, &format!("{WEB}:11"), "unknown variant `replace`");
    }

    #[test]
    fn negative_numbers_are_errors() {
        let err = web_err(
            "  namespace: web",
            "  namespace: web\n  syncPolicy:\n    historyLimit: -1",
        );
        assert_error_at(&err, &format!("{WEB}:11"), "historyLimit");
    }

    #[test]
    fn helm_chart_must_be_a_directory() {
        let repo = TestRepo::with_apps();
        repo.app(
            "chart",
            &edit(CHART_APP, "chart: chart", "chart: values.yaml"),
        );
        assert_error_at(
            &repo.load_err(),
            "apps/chart/app.yaml:8:7",
            "must be a directory",
        );
    }

    #[test]
    fn helm_values_files_must_exist() {
        let repo = TestRepo::with_apps();
        repo.app(
            "chart",
            &edit(CHART_APP, "[values.yaml]", "[values.yaml, nope.yaml]"),
        );
        assert_error_at(
            &repo.load_err(),
            "apps/chart/app.yaml:9:34",
            "does not exist",
        );
    }

    #[test]
    fn helm_values_must_be_a_mapping() {
        let repo = TestRepo::with_apps();
        repo.app("chart", &edit(CHART_APP, "{replicaCount: 2}", "[1, 2]"));
        assert_error_at(
            &repo.load_err(),
            "apps/chart/app.yaml:10",
            "values must be a mapping",
        );
    }

    #[test]
    fn helm_release_name_is_checked() {
        let repo = TestRepo::with_apps();
        let text = edit(
            CHART_APP,
            "chart: chart",
            "chart: chart\n      releaseName: My_Release",
        );
        repo.app("chart", &text);
        assert_error_at(&repo.load_err(), "apps/chart/app.yaml:9", "releaseName");
    }

    #[test]
    fn app_dir_without_app_yaml_is_an_error() {
        let repo = TestRepo::with_apps();
        repo.file("apps/empty/manifests/a.yaml", "{}\n");
        let err = repo.load_err();
        assert!(matches!(err, ConfigError::ReadFailed { .. }), "{err}");
        assert!(
            err.to_string()
                .starts_with("apps/empty/app.yaml: cannot read"),
            "{err}"
        );
    }

    #[test]
    fn errors_in_several_files_are_all_reported() {
        let repo = TestRepo::with_apps();
        repo.app("web", &edit(WEB_APP, "namespace: web", "namespace: WEB"));
        repo.app(
            "chart",
            &edit(CHART_APP, "historyLimit: 5", "historyLimit: 0"),
        );
        let err = repo.load_err();
        let msgs: Vec<String> = err.errors().iter().map(|e| e.to_string()).collect();
        assert_eq!(msgs.len(), 2, "{err}");
        assert!(
            msgs[0].starts_with("apps/chart/app.yaml:12:5:"),
            "{}",
            msgs[0]
        );
        assert!(msgs[1].starts_with("apps/web/app.yaml:9:3:"), "{}", msgs[1]);
        assert!(
            err.to_string().starts_with("2 errors:\n  apps/chart"),
            "{err}"
        );
    }
}
