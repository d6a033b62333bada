//! Helm's render orchestration (`action.Install` dry-run + `pkg/engine`): process dependencies,
//! coalesce and validate values, build each chart's template data (`.Values`, `.Chart`,
//! `.Release`, `.Capabilities`, `.Files`, `.Subcharts`, `.Template`), parse every template of the
//! tree into one set in Helm's order, and execute the non-partial ones.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::coalesce::{coalesce_values, Map, Warnings};
use super::deps::{process_dependencies, Proc};
use super::files::FilesObj;
use super::objects::{chart_value, map_value, release_value, Capabilities};
use super::{schema, Chart, RenderError};
use crate::value::Value;

/// Release and cluster settings for one render.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// `.Release.Name`
    pub release_name: String,
    /// `.Release.Namespace`
    pub namespace: String,
    /// `.Release.Revision`
    pub revision: u64,
    /// `.Release.IsInstall` (and `IsUpgrade` = its negation)
    pub is_install: bool,
    /// `.Capabilities`; the default is Helm v4.2.3's offline set.
    pub capabilities: Capabilities,
    /// Helm's `--strict` rendering (`missingkey=error`).
    pub strict: bool,
}

impl Default for RenderOptions {
    fn default() -> RenderOptions {
        RenderOptions {
            release_name: "release-name".into(),
            namespace: "default".into(),
            revision: 1,
            is_install: true,
            capabilities: Capabilities::default(),
            strict: false,
        }
    }
}

/// The values stage of a render: the processed chart tree and the final values.
#[derive(Debug)]
pub struct Prepared {
    /// Chart tree after dependency processing (disabled subcharts removed, aliases applied).
    pub tree: Proc,
    /// Final coalesced values (`.Values` of the root chart).
    pub values: Map,
    /// Warnings Helm would log while coalescing.
    pub warnings: Vec<String>,
}

/// Dependencies, coalescing and schema validation (everything before templates run).
pub fn prepare(chart: &Chart, user_values: &Json) -> Result<Prepared, RenderError> {
    let empty = Map::new();
    let user = match user_values {
        Json::Object(m) => m,
        Json::Null => &empty,
        _ => return Err(RenderError::Values("user values must be a map".into())),
    };
    let mut w = Warnings::default();
    let mut tree = Proc::new(chart.root());
    process_dependencies(&mut tree, user, &mut w).map_err(RenderError::Values)?;
    let values = coalesce_values(&tree, user, false, &mut w).map_err(RenderError::Values)?;
    let values = Json::Object(values);
    schema::validate(&tree, &values).map_err(RenderError::Schema)?;
    let Json::Object(values) = values else {
        unreachable!("built as an object above")
    };
    Ok(Prepared {
        tree,
        values,
        warnings: w.0,
    })
}

/// One template to parse: its full path, its source, and the index of its chart's data.
#[derive(Debug)]
pub struct Renderable {
    /// `chart/charts/sub/templates/x.yaml`
    pub path: String,
    /// Template source.
    pub text: std::sync::Arc<[u8]>,
    /// Index into the data list returned alongside.
    pub data: usize,
    /// `chart/charts/sub/templates`
    pub base_path: String,
}

/// Builds the per-chart data maps (Helm's `recAllTpls`) and collects every template.
pub fn all_templates(p: &Prepared, opts: &RenderOptions) -> (Vec<Renderable>, Vec<Value>) {
    let release = release_value(
        &opts.release_name,
        &opts.namespace,
        opts.revision,
        opts.is_install,
    );
    let caps = opts.capabilities.to_object();
    let mut tpls = Vec::new();
    let mut datas = Vec::new();
    let root_values = map_value(&p.values);
    rec_all(
        &p.tree,
        None,
        &root_values,
        &release,
        &caps,
        &mut tpls,
        &mut datas,
    );
    (tpls, datas)
}

fn rec_all(
    c: &Proc,
    parent_path: Option<&str>,
    parent_values: &Value,
    release: &Value,
    caps: &Value,
    tpls: &mut Vec<Renderable>,
    datas: &mut Vec<Value>,
) -> Value {
    let is_root = parent_path.is_none();
    let values = if is_root {
        parent_values.clone()
    } else {
        match parent_values {
            Value::Map(m) => match m.borrow().get(c.name()) {
                Some(v @ Value::Map(_)) => v.clone(),
                _ => Value::empty_map(),
            },
            _ => Value::empty_map(),
        }
    };
    let full_path = match parent_path {
        None => c.name().to_string(),
        Some(pp) => format!("{pp}/charts/{}", c.name()),
    };
    let subcharts = Value::empty_map();
    let mut m = crate::value::Map::new();
    m.insert("Chart".into(), chart_value(&c.metadata, is_root));
    m.insert("Files".into(), FilesObj::value(&c.src));
    m.insert("Release".into(), release.clone());
    m.insert("Capabilities".into(), caps.clone());
    m.insert("Values".into(), values.clone());
    m.insert("Subcharts".into(), subcharts.clone());
    let next = Value::map(m);
    let idx = datas.len();
    datas.push(next.clone());
    for child in &c.children {
        let sub = rec_all(child, Some(&full_path), &values, release, caps, tpls, datas);
        if let Value::Map(sm) = &subcharts {
            sm.borrow_mut().insert(child.name().to_string(), sub);
        }
    }
    let library = c.metadata.is_library();
    for t in &c.src.templates {
        let base = t.name.rsplit('/').next().unwrap_or(&t.name);
        if library && !base.starts_with('_') {
            continue;
        }
        tpls.push(Renderable {
            path: format!("{full_path}/{}", t.name),
            text: t.data.clone(),
            data: idx,
            base_path: format!("{full_path}/templates"),
        });
    }
    next
}

/// Helm's `sortTemplates`: deepest paths first, ties in reverse lexical order, so that when
/// the set is parsed in this order, parents' `define`s (parsed later) win.
pub fn sort_templates(tpls: &mut [Renderable]) {
    tpls.sort_by(|a, b| {
        let (ca, cb) = (a.path.matches('/').count(), b.path.matches('/').count());
        cb.cmp(&ca).then_with(|| b.path.cmp(&a.path))
    });
}

/// Renders a chart like Helm's SDK: `{template path: text}` for every non-partial template of
/// every enabled chart (NOTES.txt included, library charts excluded).
pub fn render(
    chart: &Chart,
    user_values: &Json,
    opts: &RenderOptions,
    host: &dyn crate::template::Host,
) -> Result<BTreeMap<String, String>, RenderError> {
    let p = prepare(chart, user_values)?;
    let (mut tpls, datas) = all_templates(&p, opts);
    sort_templates(&mut tpls);
    let set = chart.parsed_set(&tpls)?;
    super::exec::execute_set(&set, &tpls, &datas, opts, host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::load::load_files;
    use crate::template::NoCluster;

    fn chart(files: &[(&str, &str)]) -> Chart {
        Chart::from_node(
            load_files(
                files
                    .iter()
                    .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
                    .collect(),
            )
            .unwrap(),
        )
    }

    fn opts() -> RenderOptions {
        RenderOptions {
            release_name: "rel".into(),
            namespace: "ns".into(),
            ..RenderOptions::default()
        }
    }

    fn tree() -> Chart {
        chart(&[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: top\nversion: 1.0.0\ndependencies:\n- name: sub\n  version: 1.x.x\n  condition: sub.enabled\n- name: lib\n  version: 1.x.x\n",
            ),
            ("values.yaml", "greeting: hi\nsub:\n  enabled: true\n  fromParent: p\n"),
            ("templates/_helpers.tpl", "{{ define \"name\" }}top-name{{ end }}"),
            (
                "templates/cm.yaml",
                "a: {{ .Values.greeting }} {{ .Values.nope }}\nb: {{ include \"name\" . }}\nt: {{ .Template.Name }} {{ .Template.BasePath }}\nc: {{ .Chart.Name }} {{ .Chart.IsRoot }}\nl: {{ include \"lib.x\" . }}\ns: {{ with .Subcharts.sub }}{{ .Values.own }}{{ end }}\n",
            ),
            ("templates/NOTES.txt", "notes {{ .Release.Name }}"),
            ("charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 1.2.0\n"),
            ("charts/sub/values.yaml", "own: mine\n"),
            ("charts/sub/templates/_helpers.tpl", "{{ define \"name\" }}sub-name{{ end }}"),
            (
                "charts/sub/templates/s.yaml",
                "v: {{ .Values.own }} {{ .Values.fromParent }} {{ .Chart.IsRoot }}\n",
            ),
            ("charts/sub/templates/NOTES.txt", "sub notes"),
            (
                "charts/lib/Chart.yaml",
                "apiVersion: v2\nname: lib\nversion: 1.0.0\ntype: library\n",
            ),
            ("charts/lib/templates/_lib.tpl", "{{ define \"lib.x\" }}from-lib{{ end }}"),
            ("charts/lib/templates/never.yaml", "never: rendered"),
        ])
    }

    #[test]
    fn renders_tree_like_helm() {
        let out = render(&tree(), &Json::Null, &opts(), &NoCluster).unwrap();
        let keys: Vec<_> = out.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "top/charts/sub/templates/NOTES.txt",
                "top/charts/sub/templates/s.yaml",
                "top/templates/NOTES.txt",
                "top/templates/cm.yaml"
            ]
        );
        assert_eq!(
            out["top/templates/cm.yaml"],
            "a: hi \nb: top-name\nt: top/templates/cm.yaml top/templates\nc: top true\nl: from-lib\ns: mine\n"
        );
        assert_eq!(out["top/charts/sub/templates/s.yaml"], "v: mine p false\n");
        assert_eq!(out["top/templates/NOTES.txt"], "notes rel");
    }

    #[test]
    fn condition_disables_subchart_and_user_values_win() {
        let vals = serde_json::json!({"sub": {"enabled": false}, "greeting": "yo"});
        let out = render(&tree(), &vals, &opts(), &NoCluster).unwrap();
        assert!(!out.keys().any(|k| k.contains("charts/sub")));
        assert!(out["top/templates/cm.yaml"].starts_with("a: yo"));
    }

    #[test]
    fn required_fails_with_helm_message() {
        let c = chart(&[
            ("Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n"),
            ("templates/a.yaml", "x: {{ required \"need x\" .Values.x }}"),
        ]);
        let err = render(&c, &Json::Null, &opts(), &NoCluster).unwrap_err();
        assert_eq!(
            err.to_string(),
            "execution error at (c/templates/a.yaml:1:6): need x"
        );
        match err {
            RenderError::Template { line, col, .. } => assert_eq!((line, col), (1, 6)),
            other => panic!("{other:?}"),
        }
    }

    /// Helm cuts the message out with a greedy `HELM_ERR_START(.*)HELM_ERR_END`: an end marker
    /// inside the message stays in it (we used to stop at the first end marker).
    #[test]
    fn fail_message_is_cut_out_greedily_like_helm() {
        let c = chart(&[
            ("Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n"),
            (
                "templates/a.yaml",
                "{{ fail (printf \"a%sb\" \"HELM_ERR_END\") }}",
            ),
        ]);
        let err = render(&c, &Json::Null, &opts(), &NoCluster).unwrap_err();
        assert_eq!(
            err.to_string(),
            "execution error at (c/templates/a.yaml:1:3): aHELM_ERR_ENDb"
        );
    }

    #[test]
    fn parse_errors_read_like_helm() {
        let c = chart(&[
            ("Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n"),
            ("templates/a.yaml", "x: 1\ny: {{ .Values.x "),
        ]);
        let err = render(&c, &Json::Null, &opts(), &NoCluster).unwrap_err();
        assert!(matches!(err, RenderError::Parse { line: 2, .. }), "{err:?}");
        assert!(err
            .to_string()
            .starts_with("parse error at (c/templates/a.yaml:2): "));
    }

    #[test]
    fn schema_violation_fails() {
        let c = chart(&[
            ("Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n"),
            ("values.yaml", "replicas: 1\n"),
            (
                "values.schema.json",
                r#"{"properties": {"replicas": {"type": "integer"}}}"#,
            ),
            ("templates/a.yaml", "x: 1"),
        ]);
        assert!(render(&c, &Json::Null, &opts(), &NoCluster).is_ok());
        let bad = serde_json::json!({"replicas": "two"});
        let err = render(&c, &bad, &opts(), &NoCluster)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("values don't meet the specifications of the schema(s) in the following chart(s):\nc:\n- at '/replicas'"),
            "{err}"
        );
    }

    #[test]
    fn one_chart_renders_many_times_across_threads() {
        let c = tree();
        let first = render(&c, &Json::Null, &opts(), &NoCluster).unwrap();
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    let again = render(&c, &Json::Null, &opts(), &NoCluster).unwrap();
                    assert_eq!(again, first);
                });
            }
        });
    }

    #[test]
    fn sort_puts_parents_last() {
        let mk = |p: &str| Renderable {
            path: p.into(),
            text: std::sync::Arc::from(&b""[..]),
            data: 0,
            base_path: String::new(),
        };
        let mut v = vec![
            mk("a/templates/b.yaml"),
            mk("a/charts/s/templates/x.yaml"),
            mk("a/templates/a.yaml"),
        ];
        sort_templates(&mut v);
        let order: Vec<_> = v.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(
            order,
            [
                "a/charts/s/templates/x.yaml",
                "a/templates/b.yaml",
                "a/templates/a.yaml"
            ]
        );
    }
}
