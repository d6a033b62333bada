//! Plain-YAML sources: every `.yaml`/`.yml`/`.json` file under a directory, in path order.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::split::parse_stream;
use super::RenderError;
use crate::object::{Manifest, ObjectId, Origin};

/// Loads and validates every manifest under `dir`.
pub fn load_dir(dir: &Path, recurse: bool, repo_root: &Path) -> Result<Vec<Manifest>, RenderError> {
    let mut files = Vec::new();
    collect(dir, recurse, &mut files)?;
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|source| RenderError::ReadFailed {
            path: path.clone(),
            source,
        })?;
        let file = path
            .strip_prefix(repo_root)
            .unwrap_or(&path)
            .display()
            .to_string();
        for (doc, index, line) in parse_stream(&text, &file)? {
            let origin = Origin {
                file: file.clone(),
                doc: index,
                line,
            };
            flatten(doc, origin, &mut out)?;
        }
    }
    Ok(out)
}

fn collect(dir: &Path, recurse: bool, out: &mut Vec<PathBuf>) -> Result<(), RenderError> {
    let entries = std::fs::read_dir(dir).map_err(|source| RenderError::ReadFailed {
        path: dir.into(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| RenderError::ReadFailed {
            path: dir.into(),
            source,
        })?;
        let path = entry.path();
        let file_type = entry
            .file_type()
            .map_err(|source| RenderError::ReadFailed {
                path: path.clone(),
                source,
            })?;
        if file_type.is_dir() {
            if recurse {
                collect(&path, recurse, out)?;
            }
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

/// Validates one document into a manifest; a `v1/List` contributes its items.
pub fn flatten(doc: Value, origin: Origin, out: &mut Vec<Manifest>) -> Result<(), RenderError> {
    let invalid = |message: String| RenderError::Invalid {
        origin: origin.clone(),
        message,
    };
    if !doc.is_object() {
        return Err(invalid("document is not a mapping".into()));
    }
    let api_version = doc
        .get("apiVersion")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("missing apiVersion".into()))?
        .to_string();
    let kind = doc
        .get("kind")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("missing kind".into()))?
        .to_string();
    if kind == "List" && api_version == "v1" {
        let items = doc
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for item in items {
            flatten(item, origin.clone(), out)?;
        }
        return Ok(());
    }
    let meta = doc
        .get("metadata")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid(format!("{kind} has no metadata")))?;
    if meta.contains_key("generateName") && !meta.contains_key("name") {
        return Err(invalid(format!(
            "{kind} uses generateName; syncd needs a fixed name to track the object"
        )));
    }
    let name = meta
        .get("name")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid(format!("{kind} has no metadata.name")))?
        .to_string();
    let namespace = match meta.get("namespace") {
        None | Some(Value::Null) => None,
        Some(Value::String(ns)) => Some(ns.clone()),
        Some(other) => {
            return Err(invalid(format!(
                "{kind} {name}: metadata.namespace must be a string, got {other} (quote it)"
            )))
        }
    };
    out.push(Manifest {
        id: ObjectId::new(&api_version, &kind, namespace.as_deref(), &name),
        api_version,
        object: doc,
        origin,
        namespace_defaulted: false,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn loads_files_in_path_order_with_origins() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "b.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n",
        );
        write(
            dir.path(),
            "a/x.yml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a1}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a2, namespace: ns1}\n",
        );
        write(dir.path(), "README.md", "not yaml: [");
        let ms = load_dir(dir.path(), true, dir.path()).unwrap();
        let names: Vec<_> = ms.iter().map(|m| m.id.to_string()).collect();
        assert_eq!(names, ["ConfigMap a1", "ConfigMap ns1/a2", "ConfigMap b"]);
        assert_eq!(ms[1].origin.to_string(), "a/x.yml:5");
        assert_eq!(load_dir(dir.path(), false, dir.path()).unwrap().len(), 1);
    }

    #[test]
    fn missing_name_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "m.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n",
        );
        let err = load_dir(dir.path(), true, dir.path())
            .unwrap_err()
            .to_string();
        assert_eq!(err, "m.yaml:1: ConfigMap has no metadata.name");
    }

    #[test]
    fn yaml_1_1_boolean_namespace_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "m.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: n}\n",
        );
        let err = load_dir(dir.path(), true, dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("metadata.namespace must be a string"), "{err}");
    }

    #[test]
    fn list_items_are_flattened() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "l.yaml",
            "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: x}}\n",
        );
        assert_eq!(
            load_dir(dir.path(), true, dir.path()).unwrap()[0].id.name,
            "x"
        );
    }
}
