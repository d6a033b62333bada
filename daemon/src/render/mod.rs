//! Rendering: turns an app's source into validated manifests with the environment's overlays
//! (namespace, labels, annotations) and syncd's ownership marks applied. Plain YAML manifests
//! today; Helm charts plug in beside `manifests`.

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
    /// Chart hooks that were rendered but are not applied by this build.
    pub skipped_hooks: Vec<String>,
}

/// What charts see of the cluster while rendering: Helm's offline defaults for `render`, the live
/// cluster's capabilities and a read-only `lookup` for `diff`/`sync`.
pub struct RenderContext<'a> {
    /// `.Capabilities`.
    pub capabilities: syncd_helm::chart::Capabilities,
    /// Answers `lookup`.
    pub host: &'a dyn syncd_helm::template::Host,
}

impl RenderContext<'static> {
    /// No cluster: Helm v4.2.3's default capabilities, `lookup` returns empty (`helm template`).
    pub fn offline() -> RenderContext<'static> {
        RenderContext {
            capabilities: syncd_helm::chart::Capabilities::default(),
            host: &syncd_helm::template::NoCluster,
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
    let mut skipped_hooks = Vec::new();
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
            let rendered = helm::render_chart(
                &helm::ChartSource {
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
                },
                repo_root,
            )?;
            skipped_hooks = rendered.skipped_hooks;
            rendered.manifests
        }
    };
    for m in &mut manifests {
        apply_overlay(m, app);
    }
    reject_duplicates(&manifests)?;
    Ok(RenderedApp {
        env: app.env.clone(),
        app: app.name.clone(),
        manifests,
        skipped_hooks,
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
