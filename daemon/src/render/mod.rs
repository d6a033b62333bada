//! Rendering: turns an app's source into validated manifests with the environment's overlays
//! (namespace, labels, annotations) and syncd's ownership marks applied: plain YAML manifests, and
//! Helm charts (whose hook documents are carried apart from the manifests).

mod helm;
mod manifests;
mod overlay;
mod seed;
mod split;

use std::collections::HashMap;
use std::path::PathBuf;

use syncd_config::{ResolvedApp, SourceSpec};

use crate::object::{Manifest, ObjectId, Origin};
use crate::source::AppSources;

pub use manifests::flatten as manifests_from_document;
pub use overlay::{apply_overlay, is_cluster_scoped_builtin};
pub use split::parse_stream;

/// Why an app could not be rendered. Every variant names the file (and line) at fault.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A file or directory could not be read.
    #[error("{path}: {source}")]
    ReadFailed {
        /// The path.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// A document is not valid YAML.
    #[error("{file}:{line}:{col}: {message}")]
    ParseFailed {
        /// File, relative to the repo.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// Parser message.
        message: String,
    },
    /// A document is YAML but not a usable Kubernetes object.
    #[error("{origin}: {message}")]
    Invalid {
        /// Where.
        origin: Origin,
        /// What is wrong.
        message: String,
    },
    /// Two documents describe the same object.
    #[error("{id} is defined twice: {first} and {second}")]
    Duplicate {
        /// The object.
        id: Box<ObjectId>,
        /// First definition.
        first: Origin,
        /// Second definition.
        second: Origin,
    },
    /// A Helm chart failed to load or render (Helm's message, with template:line:col).
    #[error("app {app}: {message}")]
    Chart {
        /// App name.
        app: String,
        /// Helm's error text.
        message: String,
    },
}

/// One app's rendered manifests.
#[derive(Clone, Debug)]
pub struct RenderedApp {
    /// Environment name.
    pub env: String,
    /// App name.
    pub app: String,
    /// Manifests in source order.
    pub manifests: Vec<Manifest>,
    /// Chart hook documents, overlaid like the manifests; the engine decides which run.
    pub hooks: Vec<Manifest>,
    /// A second render of the same inputs (charts, when asked for), to find random values.
    pub second_render: Option<Vec<Manifest>>,
    /// On an upgrade (when rendering twice): the chart rendered for the revision a changing sync
    /// records (`.Release.Revision` + 1). The engine applies it when the sync changes anything.
    pub next_revision: Option<NextRevision>,
}

/// A chart rendered for the next revision.
#[derive(Clone, Debug)]
pub struct NextRevision {
    /// Its manifests.
    pub manifests: Vec<Manifest>,
    /// Its hook documents.
    pub hooks: Vec<Manifest>,
}

/// What a chart is told about its release: `.Release.IsInstall`/`.IsUpgrade` and
/// `.Release.Revision`. The default is an install at revision 1, as `helm template` renders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Release {
    /// No inventory yet: an install; otherwise an upgrade.
    pub is_install: bool,
    /// The latest recorded revision (1 when none), so that it stays put across no-op syncs.
    pub revision: u64,
}

impl Default for Release {
    fn default() -> Release {
        Release {
            is_install: true,
            revision: 1,
        }
    }
}

/// What charts see of the cluster while rendering: Helm's offline defaults for `render`, the live
/// cluster's capabilities and a read-only `lookup` for `diff`/`sync`.
pub struct RenderContext<'a> {
    /// `.Capabilities`.
    pub capabilities: syncd_helm::chart::Capabilities,
    /// Answers `lookup`.
    pub host: &'a dyn syncd_helm::template::Host,
    /// Per app name, install or upgrade; apps not listed render as an install at revision 1.
    pub releases: HashMap<String, Release>,
    /// Render charts twice, so that the engine can find values that differ between renders.
    pub render_twice: bool,
}

impl RenderContext<'static> {
    /// No cluster: Helm v4.2.3's default capabilities, `lookup` returns empty (`helm template`).
    pub fn offline() -> RenderContext<'static> {
        RenderContext {
            capabilities: syncd_helm::chart::Capabilities::default(),
            host: &syncd_helm::template::NoCluster,
            releases: HashMap::new(),
            render_twice: false,
        }
    }
}

/// Renders one app of a resolved environment. `repo_root` anchors the file names in messages.
pub fn render_app(
    app: &ResolvedApp,
    sources: &AppSources,
    repo_root: &std::path::Path,
    ctx: &RenderContext<'_>,
) -> Result<RenderedApp, RenderError> {
    let mut hooks = Vec::new();
    let mut second_render = None;
    let mut next_revision = None;
    let mut manifests = match &app.source {
        SourceSpec::Manifests { path, recurse } => {
            manifests::load_dir(&app.dir.join(path), *recurse, repo_root)?
        }
        SourceSpec::Helm {
            chart: _,
            release_name,
            values_files,
            values,
            set,
        } => {
            let chart = sources
                .chart_dir
                .as_deref()
                .ok_or_else(|| RenderError::Chart {
                    app: app.name.clone(),
                    message: "the chart source was not fetched".into(),
                })?;
            let injected = sources.injected_values();
            let namespace = app.namespace.as_deref().unwrap_or("default");
            let recording = seed::Recording::new(ctx.host);
            let src = helm::ChartSource {
                app: &app.name,
                chart,
                injected: &injected,
                release_name,
                namespace,
                values_files,
                values,
                set,
                capabilities: &ctx.capabilities,
                host: &recording,
                release: ctx.releases.get(&app.name).copied().unwrap_or_default(),
            };
            let prepared = helm::prepare_chart(&src, repo_root)?;
            let mut rendered = prepared.render(&src, src.release)?;
            // Against a cluster, a chart that looked up objects it renders itself is rendered
            // again with those lookups answered, as every later sync will see them (`seed`).
            // Offline (`syncd render`) stays `helm template`.
            let seeded;
            let src = match recording.seeds(&rendered.manifests, namespace) {
                seeds if ctx.render_twice && !seeds.is_empty() => {
                    seeded = seed::Seeded::new(ctx.host, seeds);
                    let src = helm::ChartSource {
                        host: &seeded,
                        ..src
                    };
                    let again = prepared.render(&src, src.release)?;
                    let ids = |ms: &[Manifest]| ms.iter().map(|m| m.id.clone()).collect::<Vec<_>>();
                    // Only values may settle; a chart that renders an object only while its
                    // lookup finds nothing keeps its first render.
                    if ids(&again.manifests) == ids(&rendered.manifests) {
                        rendered = again;
                        src
                    } else {
                        helm::ChartSource {
                            host: ctx.host,
                            ..src
                        }
                    }
                }
                _ => src,
            };
            if ctx.render_twice {
                let mut again = prepared.render(&src, src.release)?.manifests;
                for m in &mut again {
                    apply_overlay(m, app);
                }
                second_render = Some(again);
                // Skipped when the chart cannot tell revision N from N+1: a third render of
                // every chart on every sync costs seconds for key-generating charts.
                if !src.release.is_install && prepared.may_use_revision() {
                    let next = prepared.render(
                        &src,
                        Release {
                            revision: src.release.revision + 1,
                            ..src.release
                        },
                    )?;
                    let (mut manifests, mut hooks) = (next.manifests, next.hooks);
                    for m in manifests.iter_mut().chain(hooks.iter_mut()) {
                        apply_overlay(m, app);
                    }
                    next_revision = Some(NextRevision { manifests, hooks });
                }
            }
            hooks = rendered.hooks;
            rendered.manifests
        }
    };
    for m in manifests.iter_mut().chain(hooks.iter_mut()) {
        apply_overlay(m, app);
    }
    reject_duplicates(&manifests)?;
    reject_duplicates(&hooks)?;
    Ok(RenderedApp {
        env: app.env.clone(),
        app: app.name.clone(),
        manifests,
        hooks,
        second_render,
        next_revision,
    })
}

/// Errors when two manifests share an identity.
pub fn reject_duplicates(manifests: &[Manifest]) -> Result<(), RenderError> {
    let mut seen: HashMap<&ObjectId, &Origin> = HashMap::new();
    for m in manifests {
        if let Some(first) = seen.insert(&m.id, &m.origin) {
            return Err(RenderError::Duplicate {
                id: Box::new(m.id.clone()),
                first: first.clone(),
                second: m.origin.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;
    use syncd_helm::template::Host;

    /// Answers lookups from a fixed set of live objects.
    struct Live(Vec<Json>);

    impl Host for Live {
        fn lookup(
            &self,
            _: &str,
            kind: &str,
            _: &str,
            name: &str,
        ) -> Result<syncd_helm::Value, String> {
            Ok(self
                .0
                .iter()
                .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
                .map(syncd_helm::Value::from_json)
                .unwrap_or_else(syncd_helm::Value::empty_map))
        }
    }

    fn write(root: &std::path::Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn object<'a>(ms: &'a [Manifest], name: &str) -> &'a Json {
        &ms.iter().find(|m| m.id.name == name).unwrap().object
    }

    #[test]
    fn chart_that_looks_up_its_own_secret_renders_its_steady_state_on_first_sync() {
        // DeepSpeed's pattern: a key generated once and reused through `lookup`, and a checksum
        // of the Secret's template in a pod template. Before the fix the first sync's checksum
        // hashed another key than the one stored, and the next sync changed it.
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "apps/ds/app.yaml", "apiVersion: syncd.io/v1alpha1\nkind: App\nmetadata:\n  name: ds\nspec:\n  source:\n    helm:\n      chart: chart\n");
        write(
            root,
            "apps/ds/chart/Chart.yaml",
            "apiVersion: v2\nname: ds\nversion: 0.1.0\n",
        );
        write(
            root,
            "apps/ds/chart/templates/secret.yaml",
            "{{- $live := lookup \"v1\" \"Secret\" .Release.Namespace \"key\" }}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: key\ndata:\n  key: {{ if $live }}{{ index $live.data \"key\" }}{{ else }}{{ randAlphaNum 24 | b64enc }}{{ end }}\n",
        );
        write(
            root,
            "apps/ds/chart/templates/user.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: user\n  annotations:\n    checksum/key: {{ include (print $.Template.BasePath \"/secret.yaml\") . | sha256sum }}\n",
        );
        write(root, "environments/dev.yaml", "apiVersion: syncd.io/v1alpha1\nkind: Environment\nmetadata:\n  name: dev\nspec:\n  namespace: ml\n  apps:\n    - name: ds\n");
        let env = syncd_config::Repo::load(root)
            .unwrap()
            .resolve("dev")
            .unwrap();
        let app = &env.apps[0];
        let sources = AppSources::local(app);
        let render = |host: &dyn Host, release: Release| {
            let ctx = RenderContext {
                capabilities: Default::default(),
                host,
                releases: [(app.name.clone(), release)].into_iter().collect(),
                render_twice: true,
            };
            render_app(app, &sources, root, &ctx).unwrap()
        };

        let first = render(&Live(Vec::new()), Release::default());
        let secret = object(&first.manifests, "key").clone();
        let second = first.second_render.as_ref().unwrap();
        assert_eq!(
            object(&first.manifests, "user"),
            object(second, "user"),
            "the checksum settles within the first sync"
        );
        // The next sync finds the Secret live and must render exactly the same.
        let next = render(
            &Live(vec![secret.clone()]),
            Release {
                is_install: false,
                revision: 1,
            },
        );
        assert_eq!(object(&next.manifests, "key"), &secret);
        assert_eq!(
            object(&next.manifests, "user"),
            object(&first.manifests, "user")
        );

        // Offline (`syncd render`) stays `helm template`: no second pass.
        let offline = render_app(app, &sources, root, &RenderContext::offline()).unwrap();
        assert!(offline.second_render.is_none());
    }
}
