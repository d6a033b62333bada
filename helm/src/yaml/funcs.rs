//! The YAML/TOML template functions Helm adds in `pkg/engine/funcs.go`, with Helm's error
//! conventions: `toYaml` swallows errors (""), `must*` variants fail the template, `fromYaml`
//! reports under an `Error` key, `fromYamlArray` as the only element, `toToml` as its output.

use super::emit::{marshal_v2, to_yaml, to_yaml_pretty};
use super::parse::{unmarshal_into_list, unmarshal_into_map};
use super::toml::{encode as toml_encode, from_toml, to_toml};
use crate::funcs::{FuncError, FuncMap};
use crate::value::Value;

/// Registers `toYaml`, `mustToYaml`, `toYamlPretty`, `fromYaml`, `fromYamlArray`, `toToml`,
/// `mustToToml` and `fromToml`.
pub fn register(fm: &mut FuncMap) {
    fm.insert("toYaml", |a| Ok(Value::from(to_yaml(one("toYaml", a)?))));
    fm.insert("mustToYaml", must_to_yaml);
    fm.insert("toYamlPretty", |a| {
        Ok(Value::from(to_yaml_pretty(one("toYamlPretty", a)?)))
    });
    fm.insert("fromYaml", from_yaml);
    fm.insert("fromYamlArray", from_yaml_array);
    fm.insert("toToml", |a| {
        let v = toml_arg("toToml", a)?;
        Ok(Value::from(to_toml(v)))
    });
    fm.insert("mustToToml", |a| {
        toml_encode(toml_arg("mustToToml", a)?)
            .map(Value::from)
            .map_err(FuncError::new)
    });
    fm.insert("fromToml", |a| Ok(from_toml(string_arg("fromToml", a)?)));
}

fn must_to_yaml(a: &[Value]) -> Result<Value, FuncError> {
    let v = one("mustToYaml", a)?;
    match marshal_v2(v) {
        Ok(mut s) => {
            if s.ends_with('\n') {
                s.pop();
            }
            Ok(Value::from(s))
        }
        Err(e) if e.starts_with("json:") => {
            Err(FuncError::new(format!("error marshaling into JSON: {e}")))
        }
        Err(e) => Err(FuncError::new(e)),
    }
}

fn from_yaml(a: &[Value]) -> Result<Value, FuncError> {
    let text = string_arg("fromYaml", a)?;
    Ok(match unmarshal_into_map(text, "map[string]interface {}") {
        Ok(m) => Value::map(m),
        Err(e) => {
            let mut m = crate::value::Map::new();
            m.insert("Error".into(), Value::from(e.sigs_message()));
            Value::map(m)
        }
    })
}

fn from_yaml_array(a: &[Value]) -> Result<Value, FuncError> {
    let text = string_arg("fromYamlArray", a)?;
    Ok(match unmarshal_into_list(text) {
        Ok(l) => Value::list(l),
        Err(e) => Value::list(vec![Value::from(e.sigs_message())]),
    })
}

/// BurntSushi's encoder panics on a nil interface (reflection on a zero Value); the template
/// engine turns the panic into this error.
fn toml_arg<'a>(name: &str, a: &'a [Value]) -> Result<&'a Value, FuncError> {
    match one(name, a)? {
        Value::Nil => Err(FuncError::new(
            "reflect: call of reflect.Value.Type on zero Value",
        )),
        v => Ok(v),
    }
}

fn one<'a>(name: &str, a: &'a [Value]) -> Result<&'a Value, FuncError> {
    match a {
        [v] => Ok(v),
        _ => Err(FuncError::new(format!(
            "wrong number of args for {name}: want 1 got {}",
            a.len()
        ))),
    }
}

/// A `string` parameter as Go's template call converts it: only strings are assignable.
fn string_arg<'a>(name: &str, a: &'a [Value]) -> Result<&'a str, FuncError> {
    match one(name, a)? {
        Value::Str(s) => Ok(s),
        Value::Nil => Err(FuncError::new("invalid value; expected string")),
        other => Err(FuncError::new(format!(
            "wrong type for value; expected string; got {}",
            other.type_name()
        ))),
    }
}
