//! The one place the chart layer turns YAML text into plain data (`serde_json::Value`) with
//! Helm's number semantics: every number read from a YAML file is a float64, exactly as
//! `sigs.k8s.io/yaml` hands values to charts.

use serde_json::Value as Json;

/// Parses the first YAML document into plain data; an empty document is `null`.
pub fn parse_yaml(text: &str) -> Result<Json, String> {
    let docs = crate::yaml::parse_documents(text).map_err(|e| e.sigs_message())?;
    Ok(floats_everywhere(
        docs.into_iter().next().unwrap_or(Json::Null),
    ))
}

/// Helm's `LoadValues`: a values file may hold several `---`-separated documents; their maps
/// are merged in order (later wins, maps merged recursively). Non-map documents are errors.
pub fn parse_values_file(text: &str) -> Result<serde_json::Map<String, Json>, String> {
    let mut out = serde_json::Map::new();
    let docs = crate::yaml::parse_documents(text).map_err(|e| e.sigs_message())?;
    for doc in docs {
        match floats_everywhere(doc) {
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
