//! Helm's dependency processing (`pkg/chart/v2/util/dependencies.go`): binding `dependencies:`
//! entries to subcharts (only when the version constraint is satisfied), aliases, enabling by
//! `tags` and `condition`, and `import-values`. Produces a per-render tree ([`Proc`]) that
//! borrows the loaded chart's immutable parts.

use std::sync::Arc;

use serde_json::Value as Json;

use super::coalesce::{coalesce_tables, coalesce_values, path_value, table, Map, Warnings};
use super::load::ChartNode;
use super::metadata::Metadata;
use crate::funcs::semver::is_compatible_range;

/// One chart of the processed tree: metadata and values may differ from the loaded chart
/// (alias names, imported values, disabled dependencies removed).
#[derive(Debug, Clone)]
pub struct Proc {
    /// The loaded chart (templates, files, schema).
    pub src: Arc<ChartNode>,
    /// Metadata after processing (name = alias, dependencies = enabled ones).
    pub metadata: Metadata,
    /// Default values after `import-values` (shared with the loaded chart until replaced).
    pub values: Arc<Map>,
    /// Enabled subcharts.
    pub children: Vec<Proc>,
}

impl Proc {
    /// A fresh, unprocessed tree for a loaded chart.
    pub fn new(src: &Arc<ChartNode>) -> Proc {
        Proc {
            src: src.clone(),
            metadata: src.metadata.clone(),
            values: src.values.clone(),
            children: src.dependencies.iter().map(Proc::new).collect(),
        }
    }

    /// The chart's name (its alias when aliased).
    pub fn name(&self) -> &str {
        &self.metadata.name
    }
}

/// `ProcessDependencies`: enable/disable and alias subcharts, then import values (merge mode).
pub fn process_dependencies(root: &mut Proc, user: &Map, w: &mut Warnings) -> Result<(), String> {
    process_enabled(root, user, "", w)?;
    process_import_values(root, w)
}

fn process_enabled(c: &mut Proc, v: &Map, path: &str, w: &mut Warnings) -> Result<(), String> {
    if c.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let existing = std::mem::take(&mut c.children);
    // Subcharts no dependency entry binds to stay as they are.
    let mut kept: Vec<Proc> = existing
        .iter()
        .filter(|e| {
            !c.metadata
                .dependencies
                .iter()
                .any(|r| e.name() == r.name && is_compatible_range(&r.version, &e.metadata.version))
        })
        .cloned()
        .collect();
    for req in &mut c.metadata.dependencies {
        if let Some(found) = existing.iter().find(|e| {
            e.name() == req.name && is_compatible_range(&req.version, &e.metadata.version)
        }) {
            let mut copy = found.clone();
            if !req.alias.is_empty() {
                copy.metadata.name = req.alias.clone();
            }
            kept.push(copy);
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
    }
    c.children = kept;
    for r in &mut c.metadata.dependencies {
        r.enabled = true;
    }
    let cvals = coalesce_values(c, v, false, w)?;
    process_tags(&mut c.metadata, &cvals);
    process_conditions(&mut c.metadata, &cvals, path);
    let disabled: Vec<String> = c
        .metadata
        .dependencies
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.name.clone())
        .collect();
    c.children
        .retain(|ch| !disabled.iter().any(|d| d == ch.name()));
    c.metadata
        .dependencies
        .retain(|r| !disabled.contains(&r.name));
    for t in &mut c.children {
        let subpath = format!("{path}{}.", t.name());
        process_enabled(t, &cvals, &subpath, w)?;
    }
    Ok(())
}

fn process_tags(md: &mut Metadata, cvals: &Map) {
    let Some(tags) = table(cvals, "tags") else {
        return;
    };
    for r in &mut md.dependencies {
        let (mut has_true, mut has_false) = (false, false);
        for k in &r.tags {
            match tags.get(k) {
                Some(Json::Bool(true)) => has_true = true,
                Some(Json::Bool(false)) => has_false = true,
                _ => {}
            }
        }
        if !has_true && has_false {
            r.enabled = false;
        } else if has_true || !has_false {
            r.enabled = true;
        }
    }
}

fn process_conditions(md: &mut Metadata, cvals: &Map, path: &str) {
    for r in &mut md.dependencies {
        let cond = r.condition.trim().to_string();
        for c in cond.split(',') {
            if c.is_empty() {
                continue;
            }
            if let Some(Json::Bool(b)) = path_value(cvals, &format!("{path}{c}")) {
                r.enabled = *b;
                break;
            }
        }
    }
}

/// Post-order `processImportValues` over the tree.
fn process_import_values(c: &mut Proc, w: &mut Warnings) -> Result<(), String> {
    for d in &mut c.children {
        process_import_values(d, w)?;
    }
    if c.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let cvals = coalesce_values(c, &Map::new(), true, w)?;
    let mut b = Map::new();
    for r in &mut c.metadata.dependencies {
        let mut out = Vec::new();
        for riv in &r.import_values {
            match riv {
                Json::Object(iv) => {
                    let child = go_sprint(iv.get("child"));
                    let parent = go_sprint(iv.get("parent"));
                    let mut pair = Map::new();
                    pair.insert("child".into(), Json::String(child.clone()));
                    pair.insert("parent".into(), Json::String(parent.clone()));
                    out.push(Json::Object(pair));
                    let Some(vv) = table(&cvals, &format!("{}.{child}", r.name)) else {
                        continue;
                    };
                    coalesce_tables(&mut b, path_to_map(&parent, vv.clone()), "", true, w);
                }
                Json::String(iv) => {
                    let child = format!("exports.{iv}");
                    let mut pair = Map::new();
                    pair.insert("child".into(), Json::String(child.clone()));
                    pair.insert("parent".into(), Json::String(".".into()));
                    out.push(Json::Object(pair));
                    let Some(vm) = table(&cvals, &format!("{}.{child}", r.name)) else {
                        continue;
                    };
                    coalesce_tables(&mut b, vm.clone(), "", true, w);
                }
                _ => {}
            }
        }
        r.import_values = out;
    }
    let mut vals = cvals;
    coalesce_tables(&mut vals, b, "", true, w);
    c.values = Arc::new(vals);
    Ok(())
}

/// Go's `fmt.Sprintf("%v", x)` of an import-values field (`<nil>` when absent).
fn go_sprint(v: Option<&Json>) -> String {
    match v {
        None => "<nil>".into(),
        Some(v) => crate::value::Value::from_json(v).to_string(),
    }
}

/// `pathToMap`: nests `data` under a dotted path (`.` means the top level).
fn path_to_map(path: &str, data: Map) -> Map {
    if path == "." {
        return data;
    }
    let mut cur = data;
    for part in path.split('.').rev() {
        let mut m = Map::new();
        m.insert(part.to_string(), Json::Object(cur));
        cur = m;
    }
    cur
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::load::load_files;
    use serde_json::json;

    fn chart(files: &[(&str, &str)]) -> Arc<ChartNode> {
        Arc::new(
            load_files(
                files
                    .iter()
                    .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
                    .collect(),
            )
            .unwrap(),
        )
    }

    fn parent() -> Arc<ChartNode> {
        chart(&[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: p\nversion: 1.0.0\ndependencies:\n- name: sub\n  version: 1.x.x\n  alias: one\n  condition: one.enabled\n  import-values:\n  - data\n  - child: deep\n    parent: imported\n- name: sub\n  version: 1.x.x\n  alias: two\n  tags: [t]\n- name: sub\n  version: 9.x.x\n  alias: never\n",
            ),
            ("values.yaml", "one:\n  enabled: true\nimported:\n  keep: parent\n"),
            ("charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 1.2.0\n"),
            (
                "charts/sub/values.yaml",
                "exports:\n  data:\n    fromChild: 1\ndeep:\n  keep: child\n  extra: x\n",
            ),
        ])
    }

    fn names(p: &Proc) -> Vec<&str> {
        p.children.iter().map(|c| c.name()).collect()
    }

    #[test]
    fn aliases_only_for_compatible_versions_and_conditions() {
        let mut w = Warnings::default();
        let mut p = Proc::new(&parent());
        process_dependencies(&mut p, &Map::new(), &mut w).unwrap();
        // `never` does not bind (9.x.x), the real `sub` is then not kept either since it binds.
        assert_eq!(names(&p), ["one", "two"]);
        let user = json!({"one": {"enabled": false}, "tags": {"t": false}});
        let mut p = Proc::new(&parent());
        process_dependencies(&mut p, user.as_object().unwrap(), &mut w).unwrap();
        assert!(names(&p).is_empty());
    }

    #[test]
    fn import_values_string_and_map_forms() {
        let mut w = Warnings::default();
        let mut p = Proc::new(&parent());
        process_dependencies(&mut p, &Map::new(), &mut w).unwrap();
        assert_eq!(p.values["fromChild"], json!(1.0));
        assert_eq!(
            p.values["imported"],
            json!({"keep": "parent", "extra": "x"})
        );
        assert_eq!(
            p.metadata.dependencies[0].import_values[0],
            json!({"child": "exports.data", "parent": "."})
        );
    }
}
