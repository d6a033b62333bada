//! The one place the chart layer turns YAML text into plain data (`serde_json::Value`) with
//! Helm's number semantics: every number read from a YAML file is a float64, exactly as
//! `sigs.k8s.io/yaml` hands values to charts.

use serde_json::Value as Json;

/// Parses one YAML document into plain data; an empty document is `null`.
pub fn parse_yaml(text: &str) -> Result<Json, String> {
    let docs = yaml_rust2::YamlLoader::load_from_str(text).map_err(|e| e.to_string())?;
    Ok(docs.first().map(from_yaml_rust).unwrap_or(Json::Null))
}

/// Interim YAML 1.1-ish conversion until `crate::yaml::parse_values` is merged.
fn from_yaml_rust(y: &yaml_rust2::Yaml) -> Json {
    use yaml_rust2::Yaml as Y;
    match y {
        Y::Real(s) => s
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Json::Number)
            .unwrap_or_else(|| Json::String(s.clone())),
        Y::Integer(i) => serde_json::Number::from_f64(*i as f64)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        Y::String(s) => Json::String(s.clone()),
        Y::Boolean(b) => Json::Bool(*b),
        Y::Array(a) => Json::Array(a.iter().map(from_yaml_rust).collect()),
        Y::Hash(h) => Json::Object(
            h.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) | Y::Real(s) => s.clone(),
                        Y::Integer(i) => i.to_string(),
                        Y::Boolean(b) => b.to_string(),
                        Y::Null => "null".into(),
                        _ => String::new(),
                    };
                    (key, from_yaml_rust(v))
                })
                .collect(),
        ),
        _ => Json::Null,
    }
}

/// Helm's `LoadValues`: a values file may hold several `---`-separated documents; their maps
/// are merged in order (later wins, maps merged recursively). Non-map documents are errors.
pub fn parse_values_file(text: &str) -> Result<serde_json::Map<String, Json>, String> {
    let mut out = serde_json::Map::new();
    for doc in split_documents(text) {
        match parse_yaml(&doc)? {
            Json::Null => {}
            Json::Object(m) => merge_maps(&mut out, m),
            other => {
                return Err(format!(
                    "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    json_kind(&other)
                ))
            }
        }
    }
    Ok(out)
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Array(_) => "array",
        Json::String(_) => "string",
        Json::Number(_) => "number",
        Json::Bool(_) => "bool",
        _ => "object",
    }
}

/// `toYaml` of a template value (Helm's `toYAML`: `sigs.k8s.io/yaml` marshalling).
pub fn to_yaml_text(v: &crate::value::Value) -> String {
    interim_yaml(&v.to_json(), 0)
}

/// Interim emitter for flat string maps until `crate::yaml::to_yaml` is merged.
fn interim_yaml(v: &Json, indent: usize) -> String {
    let pad = " ".repeat(indent);
    match v {
        Json::Object(m) => m
            .iter()
            .map(|(k, v)| match v {
                Json::String(s) if s.contains('\n') => {
                    let chomp = if s.ends_with('\n') { "" } else { "-" };
                    let body: String = s
                        .trim_end_matches('\n')
                        .split('\n')
                        .map(|l| format!("{pad}  {l}\n"))
                        .collect();
                    format!("{pad}{k}: |{chomp}\n{body}")
                }
                Json::String(s) => format!("{pad}{k}: {}\n", s),
                other => format!("{pad}{k}: {other}\n"),
            })
            .collect(),
        other => format!("{other}\n"),
    }
}

/// Splits a stream on `---` separator lines the way k8s' `YAMLReader` does.
fn split_documents(text: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == "---" || (line.starts_with("--- ") && !trimmed.is_empty()) {
            docs.push(String::new());
            if let Some(rest) = line.strip_prefix("--- ") {
                docs.last_mut().expect("doc").push_str(rest);
            }
            continue;
        }
        docs.last_mut().expect("doc").push_str(line);
    }
    docs.retain(|d| !d.trim().is_empty());
    docs
}

/// Helm's `loader.MergeMaps`: `b` over `a`, merging nested maps.
pub fn merge_maps(a: &mut serde_json::Map<String, Json>, b: serde_json::Map<String, Json>) {
    for (k, v) in b {
        match (a.get_mut(&k), v) {
            (Some(Json::Object(av)), Json::Object(bv)) => merge_maps(av, bv),
            (_, v) => {
                a.insert(k, v);
            }
        }
    }
}

/// Converts every number to a float64 JSON number (Helm's values never hold ints from YAML).
pub fn floats_everywhere(v: Json) -> Json {
    match v {
        Json::Number(n) if !n.is_f64() => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        Json::Array(a) => Json::Array(a.into_iter().map(floats_everywhere).collect()),
        Json::Object(o) => Json::Object(
            o.into_iter()
                .map(|(k, v)| (k, floats_everywhere(v)))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_document_values_merge() {
        let m = parse_values_file("a: 1\nb: {c: 1}\n---\nb: {d: 2}\n").unwrap();
        assert_eq!(
            Json::Object(m),
            serde_json::json!({"a": 1.0, "b": {"c": 1.0, "d": 2.0}})
        );
    }

    #[test]
    fn numbers_become_floats() {
        let v = parse_yaml("a: 3").unwrap();
        assert!(v["a"].is_f64());
    }
}
