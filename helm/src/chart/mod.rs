//! Helm chart semantics: loading charts and subcharts, dependencies, value coalescing, schema
//! validation, `.Files`, capabilities, and rendering every template like Helm's engine.
//!
//! The pipeline for one render is [`render()`]: process dependencies ([`deps`]) → coalesce
//! values ([`coalesce`]) → validate schemas ([`schema`]) → build per-chart data ([`objects`],
//! [`files`]) → parse and execute all templates ([`render`]). [`output`] turns the result into a
//! `helm template`-style stream with hooks separated.

pub mod coalesce;
pub mod deps;
pub mod exec;
pub mod files;
pub mod ignore;
pub mod load;
pub mod metadata;
pub mod objects;
pub mod output;
pub mod render;
pub mod schema;
pub mod strvals;
pub mod yamlio;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use load::{ChartNode, File};
pub use metadata::{Dependency, Maintainer, Metadata};
pub use objects::Capabilities;
pub use render::{render, RenderOptions};

/// Errors loading a chart or reading values.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// A file or directory could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The chart is malformed (Helm's loader message).
    #[error("{0}")]
    Invalid(String),
    /// User values could not be parsed or layered.
    #[error("{0}")]
    Values(String),
}

/// Errors rendering a chart.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RenderError {
    /// Values could not be coalesced (e.g. a subchart section that is not a table).
    #[error("{0}")]
    Values(String),
    /// `values.schema.json` rejected the final values (Helm's message format).
    #[error(
        "values don't meet the specifications of the schema(s) in the following chart(s):\n{0}"
    )]
    Schema(String),
    /// A template failed to parse.
    #[error("parse error at ({template}:{line}): {message}")]
    Parse {
        /// Template path, e.g. `chart/templates/x.yaml`.
        template: String,
        /// 1-based line.
        line: usize,
        /// Go's message.
        message: String,
    },
    /// A template failed while executing.
    #[error("{full}")]
    Template {
        /// Template path where the error happened.
        template: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// The cleaned-up message (`fail`/`required` text, or Go's error).
        message: String,
        /// Helm's complete error text.
        full: String,
    },
}

/// A loaded chart: immutable, `Send + Sync`, cheap to clone (`Arc`), renderable many times.
#[derive(Debug, Clone)]
pub struct Chart {
    root: Arc<ChartNode>,
    /// Parsed template sets keyed by the (sorted) template paths they contain: the set only
    /// depends on which subcharts are enabled, so most renders reuse one parse.
    parsed: Arc<std::sync::Mutex<Vec<ParsedSet>>>,
}

/// One cached parse: template paths (in parse order) and the set.
type ParsedSet = (Vec<String>, Arc<crate::template::Templates>);

/// How many distinct template sets (subchart combinations) one chart keeps parsed.
const PARSE_CACHE_MAX: usize = 8;

impl Chart {
    /// Loads a chart directory or `.tgz` archive, with its subcharts.
    pub fn load(path: &Path) -> Result<Chart, ChartError> {
        Ok(Chart::from_node(load::load_path(path)?))
    }

    /// Wraps an already loaded chart tree.
    pub fn from_node(root: ChartNode) -> Chart {
        Chart {
            root: Arc::new(root),
            parsed: Arc::default(),
        }
    }

    /// The parsed template set for these templates (already in Helm's parse order), parsing
    /// and caching it on first use.
    pub fn parsed_set(
        &self,
        tpls: &[render::Renderable],
    ) -> Result<Arc<crate::template::Templates>, RenderError> {
        let key: Vec<String> = tpls.iter().map(|t| t.path.clone()).collect();
        if let Ok(cache) = self.parsed.lock() {
            if let Some((_, set)) = cache.iter().find(|(k, _)| *k == key) {
                return Ok(set.clone());
            }
        }
        let set = Arc::new(exec::parse_all(tpls)?);
        if let Ok(mut cache) = self.parsed.lock() {
            if cache.len() >= PARSE_CACHE_MAX {
                cache.remove(0);
            }
            cache.push((key, set.clone()));
        }
        Ok(set)
    }

    /// Whether `needle` appears anywhere a render could read it from: a template, a file (for
    /// `tpl`/`.Files`) or a `values.yaml` string, of this chart or a subchart. Lets a caller skip
    /// a render that cannot differ (a `.Release.Revision` change in a chart that never names
    /// `Revision`).
    pub fn mentions(&self, needle: &str) -> bool {
        fn walk(n: &ChartNode, needle: &[u8]) -> bool {
            let has = |data: &[u8]| data.windows(needle.len()).any(|w| w == needle);
            n.templates.iter().chain(&n.files).any(|f| has(&f.data))
                || serde_json::to_string(&*n.values).is_ok_and(|v| has(v.as_bytes()))
                || n.dependencies.iter().any(|d| walk(d, needle))
        }
        !needle.is_empty() && walk(&self.root, needle.as_bytes())
    }

    /// The chart's name (`Chart.yaml` `name`).
    pub fn name(&self) -> &str {
        &self.root.metadata.name
    }

    /// The chart's metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.root.metadata
    }

    /// The loaded tree.
    pub fn root(&self) -> &Arc<ChartNode> {
        &self.root
    }

    /// CRD files of the chart and (recursively) its subcharts: `(path, contents)`, paths like
    /// `chart/charts/sub/crds/x.yaml`. Never templated.
    pub fn crds(&self) -> Vec<(String, Arc<[u8]>)> {
        fn walk(n: &ChartNode, prefix: &str, out: &mut Vec<(String, Arc<[u8]>)>) {
            for f in n.crds() {
                out.push((format!("{prefix}/{}", f.name), f.data.clone()));
            }
            for d in &n.dependencies {
                walk(d, &format!("{prefix}/charts/{}", d.metadata.name), out);
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &self.root.metadata.name, &mut out);
        out
    }
}

/// `helm -f ... --set ... --set-string ...` precedence: later files override earlier ones,
/// `--set` wins over files, `--set-string` over `--set`.
pub fn layer_values(
    files: &[serde_json::Value],
    set: &[String],
    set_string: &[String],
) -> Result<serde_json::Value, ChartError> {
    strvals::layer(files, set, set_string).map_err(ChartError::Values)
}

/// Parses a user values file (`-f`) the way Helm reads it (multi-document, YAML 1.1, numbers
/// as float64).
pub fn parse_values_file(text: &str) -> Result<serde_json::Value, ChartError> {
    yamlio::parse_values_file(text)
        .map(serde_json::Value::Object)
        .map_err(ChartError::Values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_looks_in_templates_files_values_and_subcharts() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write("c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n");
        write("c/templates/a.yaml", "a: {{ .Release.Name }}\n");
        write("c/values.yaml", "note: '{{ .Release.IsUpgrade }}'\n");
        write(
            "c/charts/s/Chart.yaml",
            "apiVersion: v2\nname: s\nversion: 1.0.0\n",
        );
        write("c/charts/s/files/x.tpl", "{{ .Release.Revision }}\n");
        let chart = Chart::load(&dir.path().join("c")).unwrap();
        assert!(chart.mentions("Revision"), "a subchart's file");
        assert!(chart.mentions("IsUpgrade"), "values.yaml");
        assert!(chart.mentions(".Release.Name"), "a template");
        assert!(!chart.mentions("Capabilities"));
    }

    #[test]
    fn chart_is_send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Chart>();
    }
}
