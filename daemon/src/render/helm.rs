//! Helm chart sources: the chart inside the repo, rendered natively with the environment's
//! value overlays layered like `helm -f base -f env --set`, as an install or an upgrade. Hook
//! documents are returned apart from the manifests (the engine runs them); NOTES.txt is dropped.

use std::path::Path;

use syncd_helm::chart::output::sort_manifests;
use syncd_helm::chart::{
    layer_values, parse_values_file, render, Capabilities, Chart, RenderOptions,
};
use syncd_helm::template::Host;

use super::split::parse_stream;
use super::RenderError;
use crate::object::{Manifest, Origin};

/// What a chart source needs.
pub struct ChartSource<'a> {
    /// App name (for messages).
    pub app: &'a str,
    /// Chart directory.
    pub chart: &'a Path,
    /// Release name.
    pub release_name: &'a str,
    /// Release namespace.
    pub namespace: &'a str,
    /// Values files in order.
    pub values_files: &'a [std::path::PathBuf],
    /// Inline values in order (after the files).
    pub values: &'a [serde_json::Value],
    /// `--set` strings, applied after the values.
    pub set: &'a [String],
    /// `--set-string` assignments from extra sources (pinned commits), applied last.
    pub injected: &'a [String],
    /// `.Capabilities`.
    pub capabilities: &'a Capabilities,
    /// Answers `lookup`.
    pub host: &'a dyn Host,
    /// `.Release.IsInstall`/`.IsUpgrade` and `.Release.Revision`.
    pub release: super::Release,
}

/// A rendered chart: manifests (CRDs first, then Helm's install order) and hook documents.
pub struct RenderedChart {
    /// Objects to apply.
    pub manifests: Vec<Manifest>,
    /// Hook documents (with their `helm.sh/hook` annotations), in Helm's kind install order.
    pub hooks: Vec<Manifest>,
}

/// A chart loaded from disk with its values layered, ready to render any number of times: the
/// churn check and the next-revision render reuse it, so the chart is read, its values files
/// parsed and its templates parsed (cached on the [`Chart`]) once per app.
pub struct PreparedChart {
    chart: Chart,
    values: serde_json::Value,
}

/// Loads `src`'s chart and layers its values (files, inline values, `--set`, injected pins).
pub fn prepare_chart(
    src: &ChartSource<'_>,
    repo_root: &Path,
) -> Result<PreparedChart, RenderError> {
    let fail = |message: String| chart_error(src, message);
    let chart = Chart::load(src.chart).map_err(|e| fail(e.to_string()))?;
    let mut layers = Vec::new();
    for path in src.values_files {
        let text = std::fs::read_to_string(path).map_err(|source| RenderError::ReadFailed {
            path: path.clone(),
            source,
        })?;
        let rel = path
            .strip_prefix(repo_root)
            .unwrap_or(path)
            .display()
            .to_string();
        layers.push(parse_values_file(&text).map_err(|e| fail(format!("{rel}: {e}")))?);
    }
    layers.extend(src.values.iter().cloned());
    let values = layer_values(&layers, src.set, src.injected).map_err(|e| fail(e.to_string()))?;
    Ok(PreparedChart { chart, values })
}

impl PreparedChart {
    /// Whether the render could depend on `.Release.Revision`: the chart or the values name
    /// `Revision` somewhere. (A template printing the whole `.Release` object is not caught; it
    /// costs one extra changing sync, not a wrong apply.)
    pub fn may_use_revision(&self) -> bool {
        self.chart.mentions("Revision")
            || serde_json::to_string(&self.values).is_ok_and(|v| v.contains("Revision"))
    }

    /// Renders the chart as `release` (install or upgrade, revision) with `src`'s release name,
    /// namespace, capabilities and `lookup`.
    pub fn render(
        &self,
        src: &ChartSource<'_>,
        release: super::Release,
    ) -> Result<RenderedChart, RenderError> {
        let fail = |message: String| chart_error(src, message);
        let opts = RenderOptions {
            release_name: src.release_name.to_string(),
            namespace: src.namespace.to_string(),
            capabilities: src.capabilities.clone(),
            revision: release.revision,
            is_install: release.is_install,
            ..RenderOptions::default()
        };
        let chart = &self.chart;
        let rendered =
            render(chart, &self.values, &opts, src.host).map_err(|e| fail(e.to_string()))?;
        let sorted = sort_manifests(&rendered, chart.name()).map_err(|e| fail(e.to_string()))?;

        let mut manifests = Vec::new();
        for (path, data) in chart.crds() {
            let text = String::from_utf8_lossy(&data);
            push_docs(&text, &path, &mut manifests)?;
        }
        for m in &sorted.manifests {
            push_docs(&m.content, &m.path, &mut manifests)?;
        }
        let mut hooks = Vec::new();
        for h in &sorted.hooks {
            push_docs(&h.manifest, &h.path, &mut hooks)?;
        }
        Ok(RenderedChart { manifests, hooks })
    }
}

fn chart_error(src: &ChartSource<'_>, message: String) -> RenderError {
    RenderError::Chart {
        app: src.app.to_string(),
        message,
    }
}

fn push_docs(text: &str, path: &str, out: &mut Vec<Manifest>) -> Result<(), RenderError> {
    for (doc, index, line) in parse_stream(text, path)? {
        let origin = Origin {
            file: path.to_string(),
            doc: index,
            line,
        };
        super::manifests::flatten(doc, origin, out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    static CAPABILITIES: std::sync::LazyLock<Capabilities> =
        std::sync::LazyLock::new(Capabilities::default);

    /// The test chart at `chart` as release `gateway` in `ml`: no values beyond its own, Helm's
    /// default capabilities, no cluster, an install.
    fn plain(chart: &Path) -> ChartSource<'_> {
        ChartSource {
            app: "gw",
            chart,
            release_name: "gateway",
            namespace: "ml",
            values_files: &[],
            values: &[],
            set: &[],
            injected: &[],
            capabilities: &CAPABILITIES,
            host: &syncd_helm::template::NoCluster,
            release: crate::render::Release::default(),
        }
    }

    /// Loads and renders a chart source once, as `src.release`.
    fn render_chart(src: &ChartSource<'_>, repo_root: &Path) -> Result<RenderedChart, RenderError> {
        prepare_chart(src, repo_root)?.render(src, src.release)
    }

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn chart(dir: &Path) {
        write(
            dir,
            "chart/Chart.yaml",
            "apiVersion: v2\nname: gw\nversion: 0.1.0\n",
        );
        write(dir, "chart/values.yaml", "replicas: 1\nimage: {tag: v1}\n");
        write(
            dir,
            "chart/templates/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\n  namespace: {{ .Release.Namespace }}\ndata:\n  replicas: {{ .Values.replicas | quote }}\n  tag: {{ .Values.image.tag }}\n",
        );
        write(
            dir,
            "chart/templates/hook.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: test\n  annotations: {helm.sh/hook: test}\nspec: {containers: [{name: t, image: busybox}]}\n",
        );
        write(
            dir,
            "chart/templates/NOTES.txt",
            "installed {{ .Release.Name }}\n",
        );
        write(
            dir,
            "chart/crds/widgets.yaml",
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\n",
        );
        write(dir, "values-prod.yaml", "replicas: 3\n");
    }

    #[test]
    fn layers_values_and_keeps_hooks_apart_and_notes_out() {
        let dir = tempfile::tempdir().unwrap();
        chart(dir.path());
        let files = [dir.path().join("values-prod.yaml")];
        let inline = [serde_json::json!({"image": {"tag": "v2"}})];
        let set = ["image.tag=v3".to_string()];
        let chart_dir = dir.path().join("chart");
        let out = render_chart(
            &ChartSource {
                values_files: &files,
                values: &inline,
                set: &set,
                ..plain(&chart_dir)
            },
            dir.path(),
        )
        .unwrap();
        let ids: Vec<String> = out.manifests.iter().map(|m| m.id.to_string()).collect();
        assert_eq!(
            ids,
            [
                "apiextensions.k8s.io/CustomResourceDefinition widgets.example.com",
                "ConfigMap ml/gateway-cfg"
            ]
        );
        let cm = &out.manifests[1];
        assert_eq!(cm.object["data"]["replicas"], "3");
        assert_eq!(
            cm.object["data"]["tag"], "v3",
            "--set wins over files and inline values"
        );
        assert_eq!(cm.origin.file, "gw/templates/cm.yaml");
        let hooks: Vec<String> = out.hooks.iter().map(|m| m.id.to_string()).collect();
        assert_eq!(hooks, ["Pod test"]);
        assert_eq!(out.hooks[0].origin.file, "gw/templates/hook.yaml");
    }

    fn prepared(dir: &Path, values: &[serde_json::Value]) -> PreparedChart {
        let chart_dir = dir.join("chart");
        let src = ChartSource {
            values,
            ..plain(&chart_dir)
        };
        prepare_chart(&src, dir).unwrap()
    }

    #[test]
    fn revision_matters_only_when_chart_or_values_name_it() {
        let dir = tempfile::tempdir().unwrap();
        chart(dir.path());
        assert!(!prepared(dir.path(), &[]).may_use_revision());
        let tpl_value = [serde_json::json!({"note": "{{ .Release.Revision }}"})];
        assert!(prepared(dir.path(), &tpl_value).may_use_revision());
        write(
            dir.path(),
            "chart/templates/rev.yaml",
            "r: {{ .Release.Revision }}\n",
        );
        assert!(prepared(dir.path(), &[]).may_use_revision());
    }

    #[test]
    fn release_tells_install_from_upgrade_and_carries_the_revision() {
        let dir = tempfile::tempdir().unwrap();
        chart(dir.path());
        write(
            dir.path(),
            "chart/templates/rel.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rel\ndata:\n  install: {{ .Release.IsInstall | quote }}\n  upgrade: {{ .Release.IsUpgrade | quote }}\n  revision: {{ .Release.Revision | quote }}\n",
        );
        let chart_dir = dir.path().join("chart");
        let render = |release| {
            let out = render_chart(
                &ChartSource {
                    release,
                    ..plain(&chart_dir)
                },
                dir.path(),
            )
            .unwrap();
            let rel = out.manifests.iter().find(|m| m.id.name == "rel").unwrap();
            rel.object["data"].clone()
        };
        assert_eq!(
            render(crate::render::Release::default()),
            serde_json::json!({"install": "true", "upgrade": "false", "revision": "1"})
        );
        assert_eq!(
            render(crate::render::Release {
                is_install: false,
                revision: 4
            }),
            serde_json::json!({"install": "false", "upgrade": "true", "revision": "4"})
        );
    }

    #[test]
    fn template_errors_name_template_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        chart(dir.path());
        write(
            dir.path(),
            "chart/templates/bad.yaml",
            "a: {{ required \"tag is required\" .Values.nope }}\n",
        );
        let err = render_chart(&plain(&dir.path().join("chart")), dir.path())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("gw/templates/bad.yaml:1:"), "{err}");
        assert!(err.contains("tag is required"), "{err}");
    }
}
