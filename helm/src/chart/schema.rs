//! `values.schema.json` validation like Helm's `ValidateAgainstSchema`: the root chart's schema
//! against all final values, each enabled subchart's schema against its section, errors listed
//! per chart as `CHART:\n- at '/path': message`.

use std::sync::Arc;

use serde_json::Value as Json;

use super::coalesce::Map;
use super::deps::Proc;

/// Validates the coalesced values of the tree; `Err` holds Helm's per-chart error listing
/// (without the "values don't meet ..." prefix, which [`super::RenderError::Schema`] adds).
pub fn validate(tree: &Proc, values: &Json) -> Result<(), String> {
    let mut out = String::new();
    walk(tree, values, &mut out);
    if out.is_empty() {
        Ok(())
    } else {
        Err(out)
    }
}

fn walk(c: &Proc, values: &Json, out: &mut String) {
    if let Some(raw) = &c.src.schema {
        let compiled = c.src.validator.get_or_init(|| compile(raw).map(Arc::new));
        let res = match compiled {
            Ok(v) => check(v, values),
            Err(e) => Err(e.clone()),
        };
        if let Err(e) = res {
            out.push_str(&format!("{}:\n{e}", c.name()));
        }
    }
    for sub in &c.children {
        match values.get(sub.name()) {
            None | Some(Json::Null) => {}
            Some(m @ Json::Object(_)) => walk(sub, m, out),
            Some(other) => out.push_str(&format!(
                "{}:\ninvalid type for values: expected object (map), got {}\n",
                sub.name(),
                crate::chart::objects::to_value(other).type_name()
            )),
        }
    }
}

/// One schema against one values table; the error text ends with a newline like Helm's.
pub fn validate_one(raw: &[u8], values: &Map) -> Result<(), String> {
    let v = compile(raw)?;
    check(&v, &Json::Object(values.clone()))
}

/// Compiles a `values.schema.json` the way Helm's validator accepts it.
pub fn compile(raw: &[u8]) -> Result<jsonschema::Validator, String> {
    let mut schema: Json = serde_json::from_slice(raw)
        .map_err(|e| format!("unable to validate schema: invalid JSON: {e}\n"))?;
    // Helm's validator falls back to its default draft for `$schema` URIs it does not know
    // (Bitnami charts say `http://json-schema.org/schema`); so do we.
    if let Some(obj) = schema.as_object_mut() {
        let uri = obj.get("$schema").and_then(Json::as_str).unwrap_or("");
        let canonical = [
            ("draft-04", "http://json-schema.org/draft-04/schema#"),
            ("draft-06", "http://json-schema.org/draft-06/schema#"),
            ("draft-07", "http://json-schema.org/draft-07/schema#"),
            ("2019-09", "https://json-schema.org/draft/2019-09/schema"),
            ("2020-12", "https://json-schema.org/draft/2020-12/schema"),
        ]
        .iter()
        .find(|(k, _)| uri.contains(k))
        .map(|(_, v)| *v);
        match canonical {
            Some(c) => {
                obj.insert("$schema".into(), Json::String(c.into()));
            }
            None => {
                obj.remove("$schema");
            }
        }
    }
    jsonschema::options()
        .build(&schema)
        .map_err(|e| format!("unable to validate schema: {e}\n"))
}

fn check(validator: &jsonschema::Validator, instance: &Json) -> Result<(), String> {
    let mut lines: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("- at '{}': {}", e.instance_path, message(&e)))
        .collect();
    if lines.is_empty() {
        return Ok(());
    }
    lines.dedup();
    Err(lines.join("\n") + "\n")
}

/// Error wording close to santhosh-tekuri/jsonschema (what Helm v4 uses) for the common kinds.
fn message(e: &jsonschema::ValidationError<'_>) -> String {
    use jsonschema::error::{TypeKind, ValidationErrorKind as K};
    match &e.kind {
        K::Type { kind } => {
            let want = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(ts) => ts
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            format!("got {}, want {want}", json_type(&e.instance))
        }
        K::Required { property } => {
            format!("missing property '{}'", property.as_str().unwrap_or(""))
        }
        K::AdditionalProperties { unexpected } => format!(
            "additional properties {} not allowed",
            unexpected
                .iter()
                .map(|p| format!("'{p}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        K::Enum { options } => format!(
            "value must be one of {}",
            options
                .as_array()
                .map(|a| a.iter().map(quote).collect::<Vec<_>>().join(", "))
                .unwrap_or_default()
        ),
        K::Constant { expected_value } => format!("value must be {}", quote(expected_value)),
        K::Minimum { limit } => format!("minimum: got {}, want {}", num(&e.instance), num(limit)),
        K::Maximum { limit } => format!("maximum: got {}, want {}", num(&e.instance), num(limit)),
        K::ExclusiveMinimum { limit } => {
            format!(
                "exclusiveMinimum: got {}, want {}",
                num(&e.instance),
                num(limit)
            )
        }
        K::ExclusiveMaximum { limit } => {
            format!(
                "exclusiveMaximum: got {}, want {}",
                num(&e.instance),
                num(limit)
            )
        }
        K::MinLength { limit } => format!(
            "minLength: got {}, want {limit}",
            e.instance.as_str().map_or(0, |s| s.chars().count())
        ),
        K::MaxLength { limit } => format!(
            "maxLength: got {}, want {limit}",
            e.instance.as_str().map_or(0, |s| s.chars().count())
        ),
        K::MinItems { limit } => format!(
            "minItems: got {}, want {limit}",
            e.instance.as_array().map_or(0, Vec::len)
        ),
        K::MaxItems { limit } => format!(
            "maxItems: got {}, want {limit}",
            e.instance.as_array().map_or(0, Vec::len)
        ),
        K::Pattern { pattern } => format!(
            "{} does not match pattern {}",
            quote(&e.instance),
            quote(&Json::String(pattern.clone()))
        ),
        _ => e.to_string(),
    }
}

/// Numbers as Go prints them (`0`, not `0.0`).
fn num(v: &Json) -> String {
    match v.as_f64() {
        Some(f) => crate::value::format_float_g(f),
        None => v.to_string(),
    }
}

/// santhosh-tekuri's quoting of values in messages: strings in single quotes.
fn quote(v: &Json) -> String {
    match v {
        Json::String(s) => format!("'{s}'"),
        Json::Number(_) => num(v),
        other => other.to_string(),
    }
}

/// Helm's values hold float64 numbers, which its validator reports as `number`.
fn json_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(v: Json) -> Map {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn type_and_required_errors_read_like_helm() {
        let schema = br#"{"type":"object","required":["name"],"properties":{"replicas":{"type":"integer"}}}"#;
        let err = validate_one(schema, &m(json!({"replicas": "x"}))).unwrap_err();
        assert!(err.contains("- at '': missing property 'name'"), "{err}");
        assert!(
            err.contains("- at '/replicas': got string, want integer"),
            "{err}"
        );
        assert!(validate_one(schema, &m(json!({"name": "a", "replicas": 3.0}))).is_ok());
        // Messages checked against Helm v4.2.3.
        let s2 = br#"{"properties": {"n": {"minimum": 1}, "e": {"enum": ["a", "b"]}}}"#;
        let err = validate_one(s2, &m(json!({"n": 0.0, "e": "z"}))).unwrap_err();
        assert!(
            err.contains("- at '/e': value must be one of 'a', 'b'\n"),
            "{err}"
        );
        assert!(err.contains("- at '/n': minimum: got 0, want 1\n"), "{err}");
    }

    #[test]
    fn broken_schema_is_an_error() {
        assert!(validate_one(b"{not json", &Map::new()).is_err());
    }
}
