//! go-yaml v2's decoding of node trees into `interface{}` values (implicit types, tags, merge keys,
//! aliases, last duplicate wins) and `sigs.k8s.io/yaml`'s conversion of the result to JSON data.

use base64::Engine as _;
use indexmap::IndexMap;
use serde_json::{Number, Value as Json};

use super::read::{Node, MAX_DEPTH};
use super::resolve::{format_float32_g, resolve_plain, Resolved};
use super::YamlError;
use crate::value::Value;

/// A decoded value with go-yaml v2's Go types, before `sigs.k8s.io/yaml` turns it into JSON.
#[derive(Debug, Clone)]
pub(super) enum GoVal {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<GoVal>),
    /// String-keyed already (sigs.k8s.io/yaml's key conversion applied), in document order.
    Map(IndexMap<String, GoVal>),
}

/// go-yaml v2's decoder state: alias recursion and the excessive-aliasing guard.
#[derive(Default)]
pub(super) struct Decoder {
    depth: usize,
    alias_depth: usize,
    decode_count: usize,
    alias_count: usize,
}

impl Decoder {
    pub(super) fn decode(&mut self, n: &Node) -> Result<GoVal, YamlError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(YamlError::decode(format!(
                "exceeded max depth of {MAX_DEPTH}"
            )));
        }
        let r = self.decode_inner(n);
        self.depth -= 1;
        r
    }

    fn decode_inner(&mut self, n: &Node) -> Result<GoVal, YamlError> {
        self.decode_count += 1;
        if self.alias_depth > 0 {
            self.alias_count += 1;
        }
        if self.alias_count > 100
            && self.decode_count > 1000
            && self.alias_count as f64 / self.decode_count as f64
                > allowed_alias_ratio(self.decode_count)
        {
            return Err(YamlError::decode("document contains excessive aliasing"));
        }
        match n {
            Node::Scalar { value, plain, tag } => scalar(value, *plain, tag.as_deref()),
            Node::Alias(target) => {
                self.alias_depth += 1;
                let r = self.decode(target);
                self.alias_depth -= 1;
                r
            }
            Node::Seq(items) => Ok(GoVal::Seq(
                items
                    .iter()
                    .map(|i| self.decode(i))
                    .collect::<Result<_, _>>()?,
            )),
            Node::Map(_) => {
                let mut out = IndexMap::new();
                self.mapping_into(n, &mut out)?;
                Ok(GoVal::Map(out))
            }
        }
    }

    /// Decodes a mapping into `out` (which merges may already have filled): go-yaml v2 applies
    /// entries in order, so a later key (merged or explicit) overwrites an earlier one.
    fn mapping_into(
        &mut self,
        n: &Node,
        out: &mut IndexMap<String, GoVal>,
    ) -> Result<(), YamlError> {
        let entries = match n {
            Node::Map(e) => e,
            Node::Alias(t) => {
                self.alias_depth += 1;
                let r = self.mapping_into(t, out);
                self.alias_depth -= 1;
                return r;
            }
            _ => return Err(YamlError::decode(WANT_MAP)),
        };
        for (k, v) in entries {
            if is_merge(k) {
                self.merge(v, out)?;
                continue;
            }
            let key = self.decode(k)?;
            let val = self.decode(v)?;
            let key = key_string(&key, &val)?;
            out.insert(key, val);
        }
        Ok(())
    }

    fn merge(&mut self, v: &Node, out: &mut IndexMap<String, GoVal>) -> Result<(), YamlError> {
        match v {
            Node::Map(_) => self.mapping_into(v, out),
            Node::Alias(t) if matches!(**t, Node::Map(_)) => self.mapping_into(v, out),
            Node::Seq(items) => {
                // Earlier maps take precedence, so apply them last.
                for item in items.iter().rev() {
                    let ok = match &**item {
                        Node::Map(_) => true,
                        Node::Alias(t) => matches!(**t, Node::Map(_)),
                        _ => false,
                    };
                    if !ok {
                        return Err(YamlError::decode(WANT_MAP));
                    }
                    self.mapping_into(item, out)?;
                }
                Ok(())
            }
            _ => Err(YamlError::decode(WANT_MAP)),
        }
    }
}

const WANT_MAP: &str = "map merge requires map or sequence of maps as the value";

fn allowed_alias_ratio(decode_count: usize) -> f64 {
    const LOW: f64 = 400_000.0;
    const HIGH: f64 = 4_000_000.0;
    let c = decode_count as f64;
    if c <= LOW {
        0.99
    } else if c >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((c - LOW) / (HIGH - LOW))
    }
}

fn is_merge(k: &Node) -> bool {
    match k {
        Node::Scalar { value, plain, tag } => {
            value == "<<" && (*plain || tag.as_deref() == Some("!!merge"))
        }
        _ => false,
    }
}

/// go-yaml v2's `decoder.scalar` into `interface{}`.
fn scalar(value: &str, plain: bool, tag: Option<&str>) -> Result<GoVal, YamlError> {
    let resolved = match tag {
        None if !plain => return Ok(GoVal::Str(value.to_string())),
        None => resolve_plain(value),
        Some("!!str") => return Ok(GoVal::Str(value.to_string())),
        Some("!!binary") => {
            let clean: String = value.chars().filter(|c| !c.is_whitespace()).collect();
            let data = base64::engine::general_purpose::STANDARD
                .decode(clean)
                .map_err(|_| YamlError::decode("!!binary value contains invalid base64 data"))?;
            return Ok(GoVal::Str(String::from_utf8_lossy(&data).into_owned()));
        }
        Some(t @ ("!!int" | "!!float" | "!!bool" | "!!null" | "!!timestamp")) => {
            let r = resolve_plain(value);
            let rtag = tag_of(&r);
            match (t, &r) {
                _ if rtag == t => r,
                ("!!float", Resolved::Int(i)) => Resolved::Float(*i as f64),
                _ => {
                    return Err(YamlError::decode(format!(
                        "cannot decode {rtag} `{value}` as a {t}"
                    )))
                }
            }
        }
        // Unknown and local tags leave the text as a string.
        Some(_) => return Ok(GoVal::Str(value.to_string())),
    };
    Ok(match resolved {
        Resolved::Null => GoVal::Nil,
        Resolved::Bool(b) => GoVal::Bool(b),
        Resolved::Int(i) => GoVal::Int(i),
        Resolved::Uint(u) => GoVal::Uint(u),
        Resolved::Float(f) => GoVal::Float(f),
        // Timestamps reach interface{} as their text in go-yaml v2.
        Resolved::Timestamp | Resolved::Str => GoVal::Str(value.to_string()),
    })
}

fn tag_of(r: &Resolved) -> &'static str {
    match r {
        Resolved::Null => "!!null",
        Resolved::Bool(_) => "!!bool",
        Resolved::Int(_) | Resolved::Uint(_) => "!!int",
        Resolved::Float(_) => "!!float",
        Resolved::Timestamp => "!!timestamp",
        Resolved::Str => "!!str",
    }
}

/// sigs.k8s.io/yaml's key conversion: strings stay, ints print in decimal, floats as
/// `FormatFloat(f, 'g', -1, 32)`, bools as `true`/`false`; anything else is an error.
fn key_string(k: &GoVal, v: &GoVal) -> Result<String, YamlError> {
    Ok(match k {
        GoVal::Str(s) => s.clone(),
        GoVal::Int(i) => i.to_string(),
        GoVal::Float(f) => format_float32_g(*f),
        GoVal::Bool(b) => b.to_string(),
        GoVal::Seq(_) | GoVal::Map(_) => {
            return Err(YamlError::decode(format!(
                "invalid map key: {}",
                go_sharp_v(k)
            )))
        }
        GoVal::Nil => {
            return Err(YamlError::bare(format!(
                "unsupported map key of type: %!s(<nil>), key: <nil>, value: {}",
                go_sharp_v(v)
            )))
        }
        GoVal::Uint(u) => {
            return Err(YamlError::bare(format!(
                "unsupported map key of type: uint64, key: 0x{u:x}, value: {}",
                go_sharp_v(v)
            )))
        }
    })
}

/// Approximates Go's `%#v` of decoded YAML values, for error messages.
fn go_sharp_v(v: &GoVal) -> String {
    match v {
        GoVal::Nil => "<nil>".into(),
        GoVal::Bool(b) => b.to_string(),
        GoVal::Int(i) => i.to_string(),
        GoVal::Uint(u) => format!("0x{u:x}"),
        GoVal::Float(f) => crate::value::format_float_g(*f),
        GoVal::Str(s) => crate::value::go_quote(s),
        GoVal::Seq(items) => format!(
            "[]interface {{}}{{{}}}",
            items.iter().map(go_sharp_v).collect::<Vec<_>>().join(", ")
        ),
        GoVal::Map(m) => {
            let mut entries: Vec<(&String, &GoVal)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let body: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{}:{}", crate::value::go_quote(k), go_sharp_v(v)))
                .collect();
            format!("map[interface {{}}]interface {{}}{{{}}}", body.join(", "))
        }
    }
}

/// `json.Marshal` of the converted value, read back with numbers kept exact: integral floats
/// print without a point and so come back as integers; NaN and ±Inf are marshal errors.
pub(super) fn to_json(v: GoVal) -> Result<Json, YamlError> {
    Ok(match v {
        GoVal::Nil => Json::Null,
        GoVal::Bool(b) => Json::Bool(b),
        GoVal::Int(i) => Json::from(i),
        GoVal::Uint(u) => Json::from(u),
        GoVal::Float(f) => {
            if !f.is_finite() {
                return Err(unsupported_float(f));
            }
            if f.fract() == 0.0 && f.abs() < 1e21 && !(f == 0.0 && f.is_sign_negative()) {
                if f >= i64::MIN as f64 && f < i64::MAX as f64 {
                    return Ok(Json::from(f as i64));
                }
                if f >= 0.0 && f < u64::MAX as f64 {
                    return Ok(Json::from(f as u64));
                }
            }
            Number::from_f64(f).map_or(Json::Null, Json::Number)
        }
        GoVal::Str(s) => Json::String(s),
        GoVal::Seq(items) => Json::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?),
        GoVal::Map(m) => Json::Object(
            m.into_iter()
                .map(|(k, v)| Ok((k, to_json(v)?)))
                .collect::<Result<_, YamlError>>()?,
        ),
    })
}

fn unsupported_float(f: f64) -> YamlError {
    YamlError::bare(format!(
        "json: unsupported value: {}",
        crate::value::format_float_g(f)
    ))
}

/// The JSON marshal step fails on NaN/±Inf anywhere in the document, before the target type is
/// looked at.
pub(super) fn check_json(v: &GoVal) -> Result<(), YamlError> {
    match v {
        GoVal::Float(f) if !f.is_finite() => Err(unsupported_float(*f)),
        GoVal::Seq(items) => items.iter().try_for_each(check_json),
        GoVal::Map(m) => m.values().try_for_each(check_json),
        _ => Ok(()),
    }
}

/// The value `json.Unmarshal` into `interface{}` produces from the marshalled JSON: every number
/// a float64.
pub(super) fn to_value(v: GoVal) -> Result<Value, YamlError> {
    Ok(match v {
        GoVal::Nil => Value::Nil,
        GoVal::Bool(b) => Value::Bool(b),
        GoVal::Int(i) => Value::Float(i as f64),
        GoVal::Uint(u) => Value::Float(u as f64),
        GoVal::Float(f) if !f.is_finite() => return Err(unsupported_float(f)),
        GoVal::Float(f) => Value::Float(f),
        GoVal::Str(s) => Value::from(s),
        GoVal::Seq(items) => {
            Value::list(items.into_iter().map(to_value).collect::<Result<_, _>>()?)
        }
        GoVal::Map(m) => Value::map(
            m.into_iter()
                .map(|(k, v)| Ok((k, to_value(v)?)))
                .collect::<Result<_, YamlError>>()?,
        ),
    })
}
