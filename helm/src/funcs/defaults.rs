//! Sprig's defaulting and emptiness functions (`default`, `empty`, `coalesce`, `all`, `any`,
//! `ternary`) and the JSON functions, with Helm's overrides of `toJson`, `mustToJson`,
//! `fromJson` and `fromJsonArray` (errors are swallowed into "" or an `Error` entry).

use super::args::{arity, arity_min, boolean, is_empty, string, FResult};
use super::json::{decode, encode, encode_indent, json_kind};
use super::{FuncError, FuncMap};
use crate::value::{Map, Value};

/// Registers the defaults and JSON family.
pub(super) fn register(fm: &mut FuncMap) {
    fm.insert("default", |a| {
        arity_min("default", a, 1)?;
        match a.get(1) {
            Some(g) if !is_empty(g) => Ok(g.clone()),
            _ => Ok(a[0].clone()),
        }
    });
    fm.insert("empty", |a| {
        arity("empty", a, 1)?;
        Ok(Value::Bool(is_empty(&a[0])))
    });
    fm.insert("coalesce", |a| {
        Ok(a.iter()
            .find(|v| !is_empty(v))
            .cloned()
            .unwrap_or(Value::Nil))
    });
    fm.insert("all", |a| Ok(Value::Bool(a.iter().all(|v| !is_empty(v)))));
    fm.insert("any", |a| Ok(Value::Bool(a.iter().any(|v| !is_empty(v)))));
    fm.insert("ternary", |a| {
        arity("ternary", a, 3)?;
        Ok(a[if boolean(a, 2)? { 0 } else { 1 }].clone())
    });
    fm.insert("toJson", |a| {
        arity("toJson", a, 1)?;
        Ok(Value::from(encode(&a[0], true).unwrap_or_default()))
    });
    fm.insert("mustToJson", |a| {
        arity("mustToJson", a, 1)?;
        Ok(Value::from(encode(&a[0], true).map_err(FuncError::new)?))
    });
    fm.insert("toPrettyJson", |a| {
        arity("toPrettyJson", a, 1)?;
        Ok(Value::from(
            encode_indent(&a[0], "  ", true).unwrap_or_default(),
        ))
    });
    fm.insert("mustToPrettyJson", |a| {
        arity("mustToPrettyJson", a, 1)?;
        Ok(Value::from(
            encode_indent(&a[0], "  ", true).map_err(FuncError::new)?,
        ))
    });
    fm.insert("toRawJson", |a| raw_json("toRawJson", a));
    fm.insert("mustToRawJson", |a| raw_json("mustToRawJson", a));
    fm.insert("fromJson", from_json);
    fm.insert("fromJsonArray", from_json_array);
    fm.insert("mustFromJson", |a| {
        arity("mustFromJson", a, 1)?;
        decode(string(a, 0)?).map_err(FuncError::new)
    });
}

/// sprig's `toRawJson` (which panics on failure, so it fails like its `must` twin).
fn raw_json(name: &str, a: &[Value]) -> FResult {
    arity(name, a, 1)?;
    Ok(Value::from(encode(&a[0], false).map_err(FuncError::new)?))
}

/// Helm's `fromJson`: a map, with the decoding error under "Error" on failure.
fn from_json(a: &[Value]) -> FResult {
    arity("fromJson", a, 1)?;
    let err = match decode(string(a, 0)?) {
        Ok(v @ Value::Map(_)) => return Ok(v),
        Ok(Value::Nil) => return Ok(Value::empty_map()),
        Ok(other) => format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_kind(&other)
        ),
        Err(e) => e,
    };
    let mut m = Map::new();
    m.insert("Error".into(), Value::from(err));
    Ok(Value::map(m))
}

/// Helm's `fromJsonArray`: a list, or a one-item list holding the error text.
fn from_json_array(a: &[Value]) -> FResult {
    arity("fromJsonArray", a, 1)?;
    let err = match decode(string(a, 0)?) {
        Ok(v @ Value::List(_)) => return Ok(v),
        Ok(Value::Nil) => return Ok(Value::list(Vec::new())),
        Ok(other) => format!(
            "json: cannot unmarshal {} into Go value of type []interface {{}}",
            json_kind(&other)
        ),
        Err(e) => e,
    };
    Ok(Value::list(vec![Value::from(err)]))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{call, text};
    use super::*;

    #[test]
    fn defaults_and_emptiness() {
        let s = Value::str;
        assert_eq!(text("default", &[s("foo"), s("")]), "foo");
        assert_eq!(text("default", &[s("foo")]), "foo");
        assert_eq!(text("default", &[s("foo"), Value::Int(0)]), "foo");
        assert_eq!(text("default", &[s("foo"), Value::Bool(true)]), "true");
        assert_eq!(text("default", &[s("foo"), Value::empty_map()]), "foo");
        assert_eq!(text("empty", &[Value::Float(0.0)]), "true");
        assert_eq!(text("empty", &[Value::list(vec![Value::Nil])]), "false");
        assert_eq!(text("coalesce", &[Value::Nil, s(""), s("x")]), "x");
        assert_eq!(text("coalesce", &[Value::Nil]), "<nil>");
        assert_eq!(text("all", &[s("a"), Value::Int(0)]), "false");
        assert_eq!(text("any", &[s(""), Value::Int(1)]), "true");
        assert_eq!(text("ternary", &[s("y"), s("n"), Value::Bool(true)]), "y");
    }

    #[test]
    fn helm_json_overrides() {
        let m = Value::map([("a".to_string(), Value::str("<&>"))].into_iter().collect());
        assert_eq!(
            text("toJson", std::slice::from_ref(&m)),
            r#"{"a":"\u003c\u0026\u003e"}"#
        );
        assert_eq!(
            text("toRawJson", std::slice::from_ref(&m)),
            r#"{"a":"<&>"}"#
        );
        assert_eq!(
            text("toPrettyJson", &[m]),
            "{\n  \"a\": \"\\u003c\\u0026\\u003e\"\n}"
        );
        assert_eq!(text("toJson", &[Value::Float(f64::NAN)]), "");
        assert_eq!(
            call("mustToJson", &[Value::Float(f64::NAN)])
                .unwrap_err()
                .message(),
            "json: unsupported value: NaN"
        );
        assert_eq!(
            text("fromJson", &[Value::str("{bad")]),
            "map[Error:invalid character 'b' looking for beginning of object key string]"
        );
        assert_eq!(
            text("fromJson", &[Value::str("[1]")]),
            "map[Error:json: cannot unmarshal array into Go value of type map[string]interface {}]"
        );
        assert_eq!(
            text("fromJsonArray", &[Value::str("[1,2")]),
            "[unexpected end of JSON input]"
        );
        assert_eq!(text("fromJsonArray", &[Value::str("[1,\"a\"]")]), "[1 a]");
        assert_eq!(text("mustFromJson", &[Value::str("\"x\"")]), "x");
    }
}
