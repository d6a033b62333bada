//! Reading YAML as Helm does — the public entry points. Text becomes node trees in [`super::read`],
//! go-yaml v2 decodes them in [`super::decode`] (YAML 1.1 implicit types, merge keys, aliases,
//! last duplicate wins), then `sigs.k8s.io/yaml`'s conversion to JSON-shaped data applies
//! (non-string keys become strings, NaN/Inf are JSON errors).

use serde_json::Value as Json;

use super::decode::{check_json, to_json, to_value, Decoder, GoVal};
use super::read::read_stream;
use super::resolve::format_float32_g;
use super::YamlError;
use crate::value::{Map, Value};

/// Every document of a YAML stream as plain data; integers stay integers (i64/u64), floats f64 —
/// as Kubernetes' decoders see manifests after `sigs.k8s.io/yaml.YAMLToJSON` (so a float with an
/// integral value, which `encoding/json` prints without a point, comes back as an integer).
/// Empty/null documents are returned as Null; keys keep document order.
pub fn parse_documents(text: &str) -> Result<Vec<Json>, YamlError> {
    let docs = read_stream(text, false)?;
    docs.iter()
        .map(|d| match d {
            Some(n) => to_json(Decoder::default().decode(n)?),
            None => Ok(Json::Null),
        })
        .collect()
}

/// One document as Helm values, like `chartutil.ReadValues` (`sigs.k8s.io/yaml.Unmarshal` into
/// `map[string]interface{}`): numbers become float64, a null or empty document is an empty map,
/// a non-map document is Helm's JSON unmarshal error.
pub fn parse_values(text: &str) -> Result<Value, YamlError> {
    unmarshal_into_map(text, "common.Values").map(Value::map)
}

/// `sigs.k8s.io/yaml.Unmarshal(text, &map[string]interface{})` for the first document; `go_type`
/// names the target in the JSON type error (`map[string]interface {}` for `fromYaml`).
pub fn unmarshal_into_map(text: &str, go_type: &str) -> Result<Map, YamlError> {
    match first_document(text)? {
        GoVal::Nil => Ok(Map::new()),
        GoVal::Map(m) => m.into_iter().map(|(k, v)| Ok((k, to_value(v)?))).collect(),
        other => {
            check_json(&other)?;
            Err(type_error(&other, go_type))
        }
    }
}

/// `sigs.k8s.io/yaml.Unmarshal(text, &[]interface{})` for the first document.
pub fn unmarshal_into_list(text: &str) -> Result<Vec<Value>, YamlError> {
    match first_document(text)? {
        GoVal::Nil => Ok(Vec::new()),
        GoVal::Seq(a) => a.into_iter().map(to_value).collect(),
        other => {
            check_json(&other)?;
            Err(type_error(&other, "[]interface {}"))
        }
    }
}

/// What a Go `string` struct field receives from `sigs.k8s.io/yaml.Unmarshal` for a parsed
/// scalar (Chart.yaml's `appVersion: 1.10` reads as "1.1"): numbers and bools are turned into
/// text first, floats with `FormatFloat(f, 'g', -1, 32)`. `None` for null and collections.
pub fn go_string_field(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Bool(b) => Some(b.to_string()),
        Json::Number(n) => Some(match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(u)) => u.to_string(),
            _ => format_float32_g(n.as_f64().unwrap_or(0.0)),
        }),
        _ => None,
    }
}

fn first_document(text: &str) -> Result<GoVal, YamlError> {
    let docs = read_stream(text, true)?;
    match docs.first() {
        Some(Some(n)) => Decoder::default().decode(n),
        _ => Ok(GoVal::Nil),
    }
}

fn type_error(v: &GoVal, go_type: &str) -> YamlError {
    let kind = match v {
        GoVal::Seq(_) => "array",
        GoVal::Map(_) => "object",
        GoVal::Str(_) => "string",
        GoVal::Int(_) | GoVal::Uint(_) | GoVal::Float(_) => "number",
        GoVal::Bool(_) => "bool",
        GoVal::Nil => "null",
    };
    YamlError::unmarshal(format!(
        "json: cannot unmarshal {kind} into Go value of type {go_type}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documents_keep_integers_and_split_streams() {
        let docs = parse_documents(
            "a: 1\nb: 1.5\nc: 1.0\nd: 0x10\ne: 18446744073709551615\nf: yes\ng: ~\n---\n---\n- x\n",
        )
        .unwrap();
        assert_eq!(docs.len(), 3);
        assert_eq!(
            docs[0],
            json!({"a": 1, "b": 1.5, "c": 1, "d": 16, "e": 18446744073709551615u64, "f": true, "g": null})
        );
        assert!(docs[0]["a"].is_i64());
        assert_eq!(docs[1], Json::Null);
        assert_eq!(docs[2], json!(["x"]));
        let keys: Vec<&String> = docs[0].as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["a", "b", "c", "d", "e", "f", "g"],
            "document order kept"
        );
        assert!(parse_documents("").unwrap().is_empty());
    }

    #[test]
    fn values_are_float64_and_maps() {
        // `n` is YAML 1.1's false, so the key becomes "false".
        let v = parse_values("num: 3\nn: x\nkeys:\n  1: a\n  true: b\n  1.5: c\n").unwrap();
        assert_eq!(
            v.to_string(),
            "map[false:x keys:map[1:a 1.5:c true:b] num:3]"
        );
        let Value::Map(m) = &v else { panic!() };
        assert!(matches!(m.borrow()["num"], Value::Float(f) if f == 3.0));
        assert!(!parse_values("").unwrap().truthy());
        assert!(!parse_values("~").unwrap().truthy());
        // Only the first document counts, as with go-yaml's Unmarshal.
        assert_eq!(
            parse_values("x: 1\n---\ny: [").unwrap().to_string(),
            "map[x:1]"
        );
    }

    #[test]
    fn errors_read_like_helm() {
        let e = parse_values("- a").unwrap_err();
        assert_eq!(
            e.sigs_message(),
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type common.Values"
        );
        let e = parse_values("a: b: c").unwrap_err();
        assert_eq!(
            e.to_string(),
            "yaml: mapping values are not allowed in this context"
        );
        assert_eq!(
            e.sigs_message(),
            "error converting YAML to JSON: yaml: mapping values are not allowed in this context"
        );
        let cases = [
            (
                "a:\n  b: 1\n c: 2",
                "yaml: line 2: did not find expected key",
            ),
            (
                "a: b\n  c: d",
                "yaml: line 2: mapping values are not allowed in this context",
            ),
            (
                "- a\nb: c",
                "yaml: line 1: did not find expected '-' indicator",
            ),
            (
                "a:\n\tb: 1",
                "yaml: line 2: found character that cannot start any token",
            ),
            ("{a: 1", "yaml: line 1: did not find expected ',' or '}'"),
            ("a: 'x", "yaml: found unexpected end of stream"),
            ("a: 'x\nb", "yaml: line 2: found unexpected end of stream"),
            ("a: *nope", "yaml: unknown anchor 'nope' referenced"),
            ("a: &x [*x]", "yaml: anchor 'x' value contains itself"),
            (
                "<<: 5",
                "yaml: map merge requires map or sequence of maps as the value",
            ),
            ("a: !!int abc", "yaml: cannot decode !!str `abc` as a !!int"),
            ("a: b\nc", "yaml: line 3: could not find expected ':'"),
            (
                "a: 'ok\\/'\nb: \"x\\/\"",
                "yaml: line 2: found unknown escape character",
            ),
            ("x: .inf", "json: unsupported value: +Inf"),
        ];
        for (doc, want) in cases {
            assert_eq!(parse_values(doc).unwrap_err().to_string(), want, "{doc:?}");
        }
        // The position is the real one even where go-yaml's printed number is not.
        let e = parse_values("a: b\n  c: d").unwrap_err();
        assert_eq!((e.line, e.col), (2, 4));
        let e = parse_values("a:\n  b: 1\n c: 2").unwrap_err();
        assert_eq!(e.to_string(), "yaml: line 2: did not find expected key");
        assert_eq!(e.line, 3);
        let e = parse_values("a: b: c").unwrap_err();
        assert_eq!((e.line, e.to_string().contains("line")), (1, false));
    }

    #[test]
    fn string_fields_coerce_like_sigs_yaml() {
        // Checked against Helm's `.Chart.AppVersion` for the same Chart.yaml values.
        let cases = [
            ("1.10", "1.1"),
            ("1e3", "1000"),
            ("3.14159265", "3.1415927"),
            ("true", "true"),
            ("0x1F", "31"),
            ("123456789", "123456789"),
            ("1.0", "1"),
            ("yes", "true"),
        ];
        for (text, want) in cases {
            let doc = parse_documents(&format!("v: {text}")).unwrap();
            assert_eq!(
                go_string_field(&doc[0]["v"]).as_deref(),
                Some(want),
                "{text}"
            );
        }
        let doc = parse_documents("v: ~").unwrap();
        assert_eq!(go_string_field(&doc[0]["v"]), None);
    }

    #[test]
    fn lenient_where_libyaml_is() {
        let v = parse_documents("a:\n  b: 'x\ny'\n  c:\t\"p\n\n q\"\n").unwrap();
        assert_eq!(v[0], json!({"a": {"b": "x y", "c": "p\nq"}}));
        assert_eq!(
            parse_documents("\u{feff}k: v").unwrap()[0],
            json!({"k": "v"})
        );
    }

    #[test]
    fn merges_follow_go_yaml_v2_order() {
        // v2 applies entries in order: a merge after an explicit key overrides it, and in a
        // merge list earlier maps win.
        let v = parse_documents(
            "b: &b {a: 1, b: 2}\no: &o {b: 3, c: 4}\nm1: {a: 0, <<: *b}\nm2: {<<: *b, a: 0}\nm3: {<<: [*o, *b]}\n",
        )
        .unwrap();
        assert_eq!(v[0]["m1"], json!({"a": 1, "b": 2}));
        assert_eq!(v[0]["m2"], json!({"a": 0, "b": 2}));
        assert_eq!(v[0]["m3"], json!({"a": 1, "b": 3, "c": 4}));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let ok = format!("{}x", "- ".repeat(300));
        assert!(parse_documents(&ok).is_ok());
        let deep = format!("{}x", "- ".repeat(5000));
        assert!(parse_documents(&deep).is_err());
        let mut chain = String::from("a0: &a0 [x]\n");
        for i in 1..2000 {
            chain.push_str(&format!("a{i}: &a{i} [*a{}]\n", i - 1));
        }
        assert!(parse_documents(&chain).is_err());
    }

    #[test]
    fn excessive_aliasing_is_refused() {
        let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let p = i - 1;
            doc.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert_eq!(
            parse_documents(&doc).unwrap_err().to_string(),
            "yaml: document contains excessive aliasing"
        );
    }
}
