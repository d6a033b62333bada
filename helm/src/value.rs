//! The dynamic value every template, function and chart stage passes around, modelled on the Go
//! types Helm's templates actually see (`interface{}` holding float64, int, string, maps, slices).
//!
//! Maps have reference semantics like Go maps (`set` on a dict is visible through every alias of it),
//! so they sit behind `Rc<RefCell<..>>`; lists and strings are immutable and shared with `Rc`.
//! A `Value` is per render and never crosses threads; parsed templates hold no `Value`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

/// A Go map[string]interface{}: keys iterate sorted, as Go's template `range`, `toYaml` and
/// `toJson` all present them.
pub type Map = BTreeMap<String, Value>;

/// Host objects: Go structs with fields and methods (`.Release`, `.Chart`, `.Capabilities`,
/// `.Files`, semver versions, ...). Implemented by the chart layer and by functions.
pub trait Object: fmt::Debug {
    /// Go type name as `printf "%T"` / `typeOf` prints it, e.g. `*chart.Metadata`.
    fn type_name(&self) -> &str;
    /// A field or zero-argument method reachable with `.Name`; `None` when there is none
    /// (the executor then reports Go's "can't evaluate field" error).
    fn field(&self, name: &str) -> Option<Value>;
    /// A method call with arguments, `.Files.Get "x"`; `None` when no such method exists.
    fn call(&self, _name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        None
    }
    /// `fmt.Sprint` of the object (Go's `String()` method when it has one, else `{field ...}`).
    fn display(&self) -> String;
    /// The value `toYaml`/`toJson` see (the struct's JSON form); `Nil` when not serialisable.
    fn to_data(&self) -> Value {
        Value::Nil
    }
    /// Entries for `range` over the object when it is map-like (e.g. `.Files.Glob` results).
    fn entries(&self) -> Option<Vec<(String, Value)>> {
        None
    }
    /// Go truthiness of the object (`if`, `and`, `not`): a map-like object (e.g. an empty
    /// `.Files.Glob` result, a Go map) is false when empty; structs and pointers are true.
    fn truthy(&self) -> bool {
        true
    }
    /// Allows `Any`-style downcasting for functions that accept only specific host types.
    fn as_any(&self) -> &dyn std::any::Any;
}

/// A template value.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// Go `nil` (an absent value or a YAML `null`).
    #[default]
    Nil,
    /// Go `bool`.
    Bool(bool),
    /// Go `int` (template integer literals, `len`, `atoi`, `int`).
    Int(i64),
    /// Go `int64` (sprig math results, `int64`, `--set` integers).
    Int64(i64),
    /// Go `float64` (every number read from YAML/JSON values, `float64`, float literals).
    Float(f64),
    /// Go `string`.
    Str(Rc<str>),
    /// Go `[]byte` (`.Files.GetBytes`).
    Bytes(Rc<[u8]>),
    /// Go `[]interface{}`.
    List(Rc<Vec<Value>>),
    /// Go `map[string]interface{}`; shared and mutable like a Go map.
    Map(Rc<RefCell<Map>>),
    /// A Go struct or pointer with fields and methods.
    Object(Rc<dyn Object>),
}

impl Value {
    /// A string value.
    pub fn str(s: impl AsRef<str>) -> Value {
        Value::Str(Rc::from(s.as_ref()))
    }

    /// A list value.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(items))
    }

    /// A new map value (a fresh Go map, not aliased).
    pub fn map(m: Map) -> Value {
        Value::Map(Rc::new(RefCell::new(m)))
    }

    /// An empty new map.
    pub fn empty_map() -> Value {
        Value::map(Map::new())
    }

    /// Go type name as `%T` prints it.
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Int64(_) => "int64".into(),
            Value::Float(_) => "float64".into(),
            Value::Str(_) => "string".into(),
            Value::Bytes(_) => "[]uint8".into(),
            Value::List(_) => "[]interface {}".into(),
            Value::Map(_) => "map[string]interface {}".into(),
            Value::Object(o) => o.type_name().into(),
        }
    }

    /// Go `reflect.Kind` name as sprig's `kindOf`/`kindIs` see it.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::Bytes(_) | Value::List(_) => "slice",
            Value::Map(_) => "map",
            Value::Object(_) => "ptr",
        }
    }

    /// Go template truthiness (`if`, `with`, `and`, `or`, `not`): the zero value and empty
    /// collections are false.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::Int64(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.borrow().is_empty(),
            Value::Object(o) => o.truthy(),
        }
    }

    /// Whether this is Go's nil.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The string inside, when this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A deep copy: new maps all the way down (sprig `deepCopy`, value coalescing).
    pub fn deep_copy(&self) -> Value {
        match self {
            Value::List(l) => Value::list(l.iter().map(Value::deep_copy).collect()),
            Value::Map(m) => Value::map(
                m.borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.deep_copy()))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Structural equality as `reflect.DeepEqual` sees it (used by sprig `has`, `uniq`, `without`).
    pub fn deep_equal(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) | (Value::Int64(a), Value::Int64(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Bytes(a), Value::Bytes(b)) => a == b,
            (Value::List(a), Value::List(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.deep_equal(y))
            }
            (Value::Map(a), Value::Map(b)) => {
                if Rc::ptr_eq(a, b) {
                    return true;
                }
                let (a, b) = (a.borrow(), b.borrow());
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|((ka, va), (kb, vb))| ka == kb && va.deep_equal(vb))
            }
            (Value::Object(a), Value::Object(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// Converts plain data (as parsed from YAML/JSON) into a template value with Helm's number
    /// semantics: every JSON number becomes float64, exactly as `sigs.k8s.io/yaml` hands values to
    /// charts.
    pub fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(s) => Value::str(s),
            serde_json::Value::Array(a) => Value::list(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Converts to plain JSON data (objects via [`Object::to_data`]); integral floats stay floats.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Nil => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) | Value::Int64(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Str(s) => serde_json::Value::String(s.to_string()),
            // encoding/json marshals []byte as base64; callers that care handle Bytes first.
            Value::Bytes(b) => serde_json::Value::String(String::from_utf8_lossy(b).into_owned()),
            Value::List(l) => serde_json::Value::Array(l.iter().map(Value::to_json).collect()),
            Value::Map(m) => serde_json::Value::Object(
                m.borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
            Value::Object(o) => o.to_data().to_json(),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::str(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(Rc::from(s))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

/// `fmt.Sprint(v)` / `%v`: how Go prints a value inside a template action.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("<nil>"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) | Value::Int64(i) => write!(f, "{i}"),
            Value::Float(x) => f.write_str(&format_float_g(*x)),
            Value::Str(s) => f.write_str(s),
            Value::Bytes(b) => {
                f.write_str("[")?;
                for (i, byte) in b.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{byte}")?;
                }
                f.write_str("]")
            }
            Value::List(l) => {
                f.write_str("[")?;
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Value::Map(m) => {
                f.write_str("map[")?;
                for (i, (k, v)) in m.borrow().iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{k}:{v}")?;
                }
                f.write_str("]")
            }
            Value::Object(o) => f.write_str(&o.display()),
        }
    }
}

/// Go's `strconv.FormatFloat(x, 'g', -1, 64)` as `%v` uses it: shortest digits that round-trip,
/// exponent form when the decimal exponent is < -4 or >= 6 (so 1000000.0 prints `1e+06`, the
/// classic Helm surprise with large numbers in values).
pub fn format_float_g(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "-1.234567e6".
    let (neg, digits, exp) = split_exp_form(&format!("{x:e}"));
    layout_g(neg, &digits, exp, 6)
}

/// Splits Rust's `{:e}` text (`-1.234567e6`) into (negative, significant digits, decimal
/// exponent): the input [`layout_g`] takes.
pub(crate) fn split_exp_form(sci: &str) -> (bool, String, i32) {
    let (mant, exp) = sci.split_once('e').expect("exponent form");
    let exp: i32 = exp.parse().expect("exponent");
    let digits = mant.chars().filter(char::is_ascii_digit).collect();
    (mant.starts_with('-'), digits, exp)
}

/// Lays significant `digits` (first digit before the point, decimal exponent `exp`) out the
/// way Go's `%g` does: exponent form (`1.5e+07`, two-digit exponent) when `exp < -4` or
/// `exp >= eprec`, plain decimal otherwise. Shared by `%v`, `%.Ng` and YAML float keys.
pub fn layout_g(neg: bool, digits: &str, exp: i32, eprec: i32) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if exp < -4 || exp >= eprec {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

/// Go's `strconv.Quote`: a double-quoted Go string literal (`%q`, sprig `quote`). Printable runes
/// stay as they are; control and format characters become `\n`, `\x01`, `\u200b`-style escapes.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if !go_is_print(c) => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Approximates Go's `unicode.IsPrint` for the ranges that occur in practice: C1 controls, the
/// Unicode space separators other than ASCII space, and the common format characters are not
/// printable.
pub(crate) fn go_is_print(c: char) -> bool {
    let u = c as u32;
    !(c.is_control()
        || (c.is_whitespace() && c != ' ')
        || matches!(u, 0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e | 0x200b..=0x200f
            | 0x202a..=0x202e | 0x2060..=0x2064 | 0x2066..=0x206f | 0xfeff | 0xfff9..=0xfffb
            | 0xe000..=0xf8ff | 0xfffe | 0xffff)
        || (0xd800..=0xdfff).contains(&u))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_go_percent_v() {
        let cases = [
            (3.0, "3"),
            (8080.0, "8080"),
            (123456.0, "123456"),
            (1000000.0, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (0.5, "0.5"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5, "-2.5"),
            (1.5e300, "1.5e+300"),
            (100.25, "100.25"),
        ];
        for (x, want) in cases {
            assert_eq!(format_float_g(x), want, "{x}");
        }
    }

    #[test]
    fn display_matches_go_sprint() {
        let mut m = Map::new();
        m.insert("b".into(), Value::Float(2.0));
        m.insert(
            "a".into(),
            Value::list(vec![Value::str("x"), Value::Int(1)]),
        );
        assert_eq!(Value::map(m).to_string(), "map[a:[x 1] b:2]");
        assert_eq!(Value::Nil.to_string(), "<nil>");
    }

    #[test]
    fn quote_matches_strconv_quote() {
        assert_eq!(go_quote("a\"b\\c\n\t"), r#""a\"b\\c\n\t""#);
        assert_eq!(go_quote("\x01é\u{200b}"), r#""\x01é\u200b""#);
    }

    #[test]
    fn maps_alias_like_go_maps() {
        let a = Value::empty_map();
        let b = a.clone();
        if let Value::Map(m) = &b {
            m.borrow_mut().insert("k".into(), Value::Bool(true));
        }
        assert!(a.truthy());
        assert!(!a.deep_copy().deep_equal(&Value::empty_map()));
    }
}
