//! Rendering: turns an app's source into validated manifests with the environment's overlays
//! (namespace, labels, annotations) and syncd's ownership marks applied: plain YAML manifests, and
//! Helm charts (whose hook documents are carried apart from the manifests).

mod helm;
mod manifests;
mod overlay;
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
            let src = helm::ChartSource {
                app: &app.name,
                chart,
                injected: &injected,
                release_name,
                namespace: app.namespace.as_deref().unwrap_or("default"),
                values_files,
                values,
                set,
                capabilities: &ctx.capabilities,
                host: ctx.host,
                release: ctx.releases.get(&app.name).copied().unwrap_or_default(),
            };
            let prepared = helm::prepare_chart(&src, repo_root)?;
            let rendered = prepared.render(&src, src.release)?;
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
