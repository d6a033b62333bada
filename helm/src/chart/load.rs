//! Loading a chart like Helm's `loader.Load`: a directory (honouring the top-level
//! `.helmignore`) or a `.tgz` archive, split into metadata, default values, schema, templates,
//! other files (`.Files`, incl. `crds/`) and subcharts (`charts/`, dirs or archives, recursively).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value as Json;

use super::ignore::Rules;
use super::metadata::Metadata;
use super::yamlio;
use super::ChartError;

/// Helm's `archive.MaxDecompressedFileSize`.
const MAX_FILE_SIZE: u64 = 5 * 1024 * 1024;

/// One file of a chart, shared between renders.
#[derive(Debug, Clone)]
pub struct File {
    /// Path relative to its chart's root, `/`-separated.
    pub name: String,
    /// Contents (a UTF-8 BOM already removed, as Helm does).
    pub data: Arc<[u8]>,
}

/// One loaded chart (the root or a subchart): immutable plain data.
#[derive(Debug)]
pub struct ChartNode {
    /// `Chart.yaml` (plus v1 `requirements.yaml` dependencies).
    pub metadata: Metadata,
    /// `values.yaml`, numbers as float64.
    pub values: Arc<serde_json::Map<String, Json>>,
    /// `values.schema.json`, raw.
    pub schema: Option<Arc<[u8]>>,
    /// The compiled schema (or Helm's compile error text), built on first validation.
    pub validator: std::sync::OnceLock<Result<Arc<jsonschema::Validator>, String>>,
    /// Everything under `templates/`.
    pub templates: Vec<File>,
    /// Every other file (`.Files`), including `crds/` and `.helmignore`.
    pub files: Vec<File>,
    /// Subcharts found under `charts/`, sorted by directory/archive name.
    pub dependencies: Vec<Arc<ChartNode>>,
}

impl ChartNode {
    /// Files under `crds/` (installed before templates, never templated).
    pub fn crds(&self) -> impl Iterator<Item = &File> {
        self.files.iter().filter(|f| f.name.starts_with("crds/"))
    }
}

/// Loads a chart from a directory or a `.tgz` archive.
pub fn load_path(path: &Path) -> Result<ChartNode, ChartError> {
    let meta = std::fs::metadata(path).map_err(|e| ChartError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    if meta.is_dir() {
        load_dir(path)
    } else {
        let data = std::fs::read(path).map_err(|e| ChartError::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        load_archive(&data)
    }
}

/// Walks a chart directory like Helm's `LoadDir` (sorted, top-level `.helmignore` applied to the
/// whole tree, symlinks followed only while they stay inside the chart).
pub fn load_dir(dir: &Path) -> Result<ChartNode, ChartError> {
    let top = dir.canonicalize().map_err(|e| ChartError::Io {
        path: dir.to_path_buf(),
        source: e,
    })?;
    let mut rules = match std::fs::read_to_string(top.join(".helmignore")) {
        Ok(text) => Rules::parse(&text).map_err(ChartError::Invalid)?,
        Err(_) => Rules::default(),
    };
    rules.add_defaults();
    let mut files = Vec::new();
    walk(&top, &top, "", &rules, &mut files)?;
    load_files(files)
}

fn walk(
    top: &Path,
    dir: &Path,
    prefix: &str,
    rules: &Rules,
    out: &mut Vec<(String, Vec<u8>)>,
) -> Result<(), ChartError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| ChartError::Io { path: p, source: e }
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io(dir))?;
    entries.sort();
    for path in entries {
        let fname = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let rel = format!("{prefix}{fname}");
        let real = path.canonicalize().map_err(io(&path))?;
        if !real.starts_with(top) {
            return Err(ChartError::Invalid(format!(
                "{rel}: symlink points outside the chart directory"
            )));
        }
        let meta = std::fs::metadata(&real).map_err(io(&real))?;
        if meta.is_dir() {
            if rules.ignore(&rel, true) {
                continue;
            }
            walk(top, &real, &format!("{rel}/"), rules, out)?;
            continue;
        }
        if rules.ignore(&rel, false) {
            continue;
        }
        if !meta.is_file() {
            return Err(ChartError::Invalid(format!(
                "cannot load irregular file {} as it has file mode type bits set",
                path.display()
            )));
        }
        if meta.len() > MAX_FILE_SIZE {
            return Err(ChartError::Invalid(format!(
                "chart file {fname:?} is larger than the maximum file size {MAX_FILE_SIZE}"
            )));
        }
        let data = std::fs::read(&real).map_err(io(&real))?;
        out.push((rel, data));
    }
    Ok(())
}

/// Loads a gzipped tar archive (the chart's own directory is its first path component;
/// `.helmignore` is not applied, as in Helm).
pub fn load_archive(data: &[u8]) -> Result<ChartNode, ChartError> {
    let gz = flate2::read::GzDecoder::new(data);
    let mut ar = tar::Archive::new(gz);
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let bad = |e: std::io::Error| ChartError::Invalid(format!("error reading chart archive: {e}"));
    for entry in ar.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let raw = String::from_utf8_lossy(&entry.path_bytes()).replace('\\', "/");
        if raw.starts_with('/') {
            return Err(ChartError::Invalid(
                "chart illegally contains absolute paths".into(),
            ));
        }
        let Some((_, name)) = raw.split_once('/') else {
            continue;
        };
        if name.split('/').any(|p| p == "..") {
            return Err(ChartError::Invalid(
                "chart illegally references parent directory".into(),
            ));
        }
        if name.is_empty() {
            continue;
        }
        if entry.header().size().unwrap_or(0) > MAX_FILE_SIZE {
            return Err(ChartError::Invalid(format!(
                "decompressed chart file {name:?} is larger than the maximum file size {MAX_FILE_SIZE}"
            )));
        }
        let mut buf = Vec::new();
        entry.read_to_end(&mut buf).map_err(bad)?;
        files.retain(|(n, _)| n != name);
        files.push((name.to_string(), buf));
    }
    if files.is_empty() {
        return Err(ChartError::Invalid("no files in chart archive".into()));
    }
    load_files(files)
}

fn strip_bom(mut data: Vec<u8>) -> Vec<u8> {
    if data.starts_with(&[0xEF, 0xBB, 0xBF]) {
        data.drain(..3);
    }
    data
}

fn text(name: &str, data: &[u8]) -> Result<String, ChartError> {
    String::from_utf8(data.to_vec())
        .map_err(|_| ChartError::Invalid(format!("cannot load {name}: not UTF-8")))
}

/// Helm's `LoadFiles`: sorts the flat file list into a chart.
pub fn load_files(files: Vec<(String, Vec<u8>)>) -> Result<ChartNode, ChartError> {
    let files: Vec<(String, Vec<u8>)> = files.into_iter().map(|(n, d)| (n, strip_bom(d))).collect();
    let mut metadata: Option<Metadata> = None;
    for (name, data) in &files {
        if name == "Chart.yaml" {
            let v = yamlio::parse_yaml(&text(name, data)?)
                .map_err(|e| ChartError::Invalid(format!("cannot load Chart.yaml: {e}")))?;
            metadata = Some(Metadata::from_json(&v));
        }
    }
    let mut values = serde_json::Map::new();
    let mut schema = None;
    let mut templates = Vec::new();
    let mut other = Vec::new();
    let mut subcharts: BTreeMap<String, Vec<(String, Vec<u8>)>> = BTreeMap::new();
    for (name, data) in files {
        match name.as_str() {
            "Chart.yaml" | "Chart.lock" | "requirements.lock" => {
                if name == "requirements.lock"
                    && metadata.as_ref().is_some_and(|m| m.api_version == "v1")
                {
                    other.push(file(name, data));
                }
            }
            "values.yaml" => {
                values = yamlio::parse_values_file(&text(&name, &data)?)
                    .map_err(|e| ChartError::Invalid(format!("cannot load values.yaml: {e}")))?;
            }
            "values.schema.json" => schema = Some(Arc::from(data)),
            "requirements.yaml" => {
                let v = yamlio::parse_yaml(&text(&name, &data)?).map_err(|e| {
                    ChartError::Invalid(format!("cannot load requirements.yaml: {e}"))
                })?;
                let md = metadata.get_or_insert_with(Metadata::default);
                md.set_dependencies(&v);
                if md.api_version == "v1" {
                    other.push(file(name, data));
                }
            }
            n if n.starts_with("templates/") => templates.push(file(name, data)),
            n if n.starts_with("charts/") => {
                if n.ends_with(".prov") {
                    other.push(file(name, data));
                    continue;
                }
                let rest = &n["charts/".len()..];
                let cname = rest.split('/').next().unwrap_or(rest).to_string();
                let rest = rest.to_string();
                subcharts.entry(cname).or_default().push((rest, data));
            }
            _ => other.push(file(name, data)),
        }
    }
    let metadata =
        metadata.ok_or_else(|| ChartError::Invalid("Chart.yaml file is missing".into()))?;
    metadata.validate().map_err(ChartError::Invalid)?;
    let mut dependencies = Vec::new();
    for (n, files) in subcharts {
        if n.starts_with(['_', '.']) {
            continue;
        }
        let wrap = |e: ChartError| {
            ChartError::Invalid(format!(
                "error unpacking subchart {n} in {}: {e}",
                metadata.name
            ))
        };
        let sc = if n.ends_with(".tgz") {
            let (fname, data) = &files[0];
            if *fname != n {
                return Err(ChartError::Invalid(format!(
                    "error unpacking subchart tar in {}: expected {n}, got {fname}",
                    metadata.name
                )));
            }
            load_archive(data).map_err(wrap)?
        } else {
            let inner: Vec<(String, Vec<u8>)> = files
                .into_iter()
                .filter_map(|(f, d)| f.split_once('/').map(|(_, r)| (r.to_string(), d)))
                .collect();
            load_files(inner).map_err(wrap)?
        };
        dependencies.push(Arc::new(sc));
    }
    Ok(ChartNode {
        metadata,
        values: Arc::new(values),
        schema,
        validator: std::sync::OnceLock::new(),
        templates,
        files: other,
        dependencies,
    })
}

fn file(name: String, data: Vec<u8>) -> File {
    File {
        name,
        data: Arc::from(data),
    }
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
    fn loads_dir_with_subcharts_and_helmignore() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        write(
            root,
            "Chart.yaml",
            "apiVersion: v2\nname: top\nversion: 1.0.0\n",
        );
        write(root, "values.yaml", "a: 1\n");
        write(root, ".helmignore", "*.bak\nsecret/\n");
        write(root, "templates/x.yaml", "x");
        write(root, "templates/_h.tpl", "h");
        write(root, "templates/.hidden", "h");
        write(root, "files/a.txt", "A");
        write(root, "files/a.bak", "B");
        write(root, "secret/k", "K");
        write(root, "crds/c.yaml", "kind: CRD");
        write(
            root,
            "charts/sub/Chart.yaml",
            "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
        );
        write(root, "charts/sub/templates/s.yaml", "s");
        write(root, "charts/_skip/Chart.yaml", "junk");
        let c = load_dir(root).unwrap();
        assert_eq!(c.metadata.name, "top");
        let t: Vec<_> = c.templates.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(t, ["templates/_h.tpl", "templates/x.yaml"]);
        let f: Vec<_> = c.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(f, [".helmignore", "crds/c.yaml", "files/a.txt"]);
        assert_eq!(c.crds().count(), 1);
        assert_eq!(c.dependencies.len(), 1);
        assert_eq!(c.dependencies[0].templates[0].name, "templates/s.yaml");
        assert!(c.values["a"].is_f64());
    }

    #[test]
    fn loads_tgz() {
        let mut tarbuf = Vec::new();
        {
            let gz = flate2::write::GzEncoder::new(&mut tarbuf, flate2::Compression::fast());
            let mut b = tar::Builder::new(gz);
            for (n, t) in [
                (
                    "mychart/Chart.yaml",
                    "apiVersion: v2\nname: mychart\nversion: 1.0.0\n",
                ),
                ("mychart/templates/a.yaml", "a: 1"),
            ] {
                let mut h = tar::Header::new_gnu();
                h.set_size(t.len() as u64);
                h.set_mode(0o644);
                h.set_cksum();
                b.append_data(&mut h, n, t.as_bytes()).unwrap();
            }
            b.into_inner().unwrap().finish().unwrap();
        }
        let c = load_archive(&tarbuf).unwrap();
        assert_eq!(c.metadata.name, "mychart");
        assert_eq!(c.templates.len(), 1);
    }

    #[test]
    fn missing_chart_yaml_fails() {
        let e = load_files(vec![("templates/a".into(), b"x".to_vec())]).unwrap_err();
        assert!(e.to_string().contains("Chart.yaml file is missing"));
    }
}
