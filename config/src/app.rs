//! Validates one raw `app.yaml` into an [`App`].

use std::path::Path;

use crate::model::{App, SourceSpec};
use crate::policy::SyncPolicy;
use crate::position::ypath;
use crate::raw::RawApp;
use crate::rules;
use crate::validate::{Ctx, Want};

/// Validates `raw`, read from `apps/<dir_name>/app.yaml`; `None` when `ctx` recorded errors.
pub(crate) fn validate_app(ctx: &mut Ctx<'_>, raw: RawApp, dir_name: &str) -> Option<App> {
    let before = ctx.errors.len();
    ctx.header(&raw.api_version, &raw.kind, "App");
    ctx.metadata_name(&raw.metadata.name, dir_name, "directory name");
    let spec = raw.spec;
    ctx.namespace(
        spec.namespace.as_deref(),
        &ypath!["spec", "namespace"],
        "namespace",
    );
    let app_dir = Path::new("apps").join(dir_name);
    let source = match (spec.source.manifests, spec.source.helm) {
        (Some(m), None) => ctx
            .repo_path(
                &app_dir,
                &m.path,
                &ypath!["spec", "source", "manifests", "path"],
                Want::Any,
            )
            .map(|path| SourceSpec::Manifests {
                path,
                recurse: m.recurse.unwrap_or(true),
            }),
        (None, Some(h)) => {
            let at = ypath!["spec", "source", "helm"];
            let chart = ctx.repo_path(
                &app_dir,
                &h.chart,
                &ypath!["spec", "source", "helm", "chart"],
                Want::Dir,
            );
            let release_name = h.release_name.unwrap_or_else(|| dir_name.to_owned());
            if let Err(e) = rules::dns_label_max(&release_name, 53) {
                ctx.invalid(
                    &ypath!["spec", "source", "helm", "releaseName"],
                    format!("releaseName {release_name:?} {e}"),
                );
            }
            let mut values_files = Vec::new();
            for (i, f) in h.values_files.unwrap_or_default().iter().enumerate() {
                let here = ypath!["spec", "source", "helm", "valuesFiles", i];
                values_files.extend(ctx.repo_path(&app_dir, f, &here, Want::File));
            }
            let values = ctx.values(h.values, &[at.as_slice(), &ypath!["values"]].concat());
            chart.map(|chart| SourceSpec::Helm {
                chart,
                release_name,
                values_files,
                values: values.into_iter().collect(),
                set: Vec::new(),
            })
        }
        (None, None) => {
            ctx.invalid(
                &ypath!["spec", "source"],
                "source needs one of `manifests` or `helm`",
            );
            None
        }
        (Some(_), Some(_)) => {
            ctx.invalid(
                &ypath!["spec", "source", "helm"],
                "source takes only one of `manifests` and `helm`",
            );
            None
        }
    };
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
        namespace: spec.namespace,
        policy: SyncPolicy::default().with(&policy),
    })
}
