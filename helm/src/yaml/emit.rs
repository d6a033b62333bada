//! `toYaml` and `toYamlPretty` byte-for-byte: a port of the libyaml emitter rules go-yaml uses
//! (scalar analysis, style selection, indentation, 80-column folding), driven straight from
//! [`Value`] without building events.
//!
//! `toYaml` is `sigs.k8s.io/yaml.Marshal`: the value goes through `encoding/json` first, so
//! numbers print as JSON then re-resolve as YAML (float64 3 → `3`, 1234567.5 → `1.2345675e+06`),
//! keys sort with go-yaml v2's natural order, and sequences sit flush under their key.
//! `toYamlPretty` is go-yaml v3's encoder with indent 2: no JSON step, no folding, sequences
//! indented, YAML 1.2 quoting.

mod keys;
mod scalar;

use base64::Engine as _;

pub use keys::go_yaml_key_cmp;
use keys::sort_entries;
use scalar::{analyze, Style};

use super::resolve::{is_base60_float, resolve_plain, Resolved};
use crate::value::{format_float_g, Value};

/// Helm's `toYaml`: `sigs.k8s.io/yaml.Marshal` with the final newline trimmed; `""` when the
/// value cannot be marshalled (NaN or ±Inf floats, as `encoding/json` refuses them).
pub fn to_yaml(v: &Value) -> String {
    marshal_v2(v)
        .map(|mut s| {
            if s.ends_with('\n') {
                s.pop();
            }
            s
        })
        .unwrap_or_default()
}

/// `sigs.k8s.io/yaml.Marshal` output, with its trailing newline; `Err` where Go returns an error.
pub fn marshal_v2(v: &Value) -> Result<String, String> {
    check_json_text(v, 0)?;
    let mut e = Emitter::new(Flavor::V2);
    e.document(v)?;
    Ok(e.out)
}

/// Helm's `toYamlPretty`: go-yaml v3 `Encoder` with `SetIndent(2)`, final newline trimmed.
pub fn to_yaml_pretty(v: &Value) -> String {
    let mut e = Emitter::new(Flavor::V3);
    match e.document(v) {
        Ok(()) => {
            let mut s = e.out;
            if s.ends_with('\n') {
                s.pop();
            }
            s
        }
        Err(_) => String::new(),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Flavor {
    /// sigs.k8s.io/yaml: JSON round trip, go-yaml v2 emitter.
    V2,
    /// go-yaml v3 encoder, indent 2.
    V3,
}

/// A scalar ready to emit: its text and the style the encoder asks for.
struct Scalar<'a> {
    text: std::borrow::Cow<'a, str>,
    style: Style,
}

struct Emitter {
    flavor: Flavor,
    out: String,
    column: usize,
    indent: i64,
    indents: Vec<i64>,
    whitespace: bool,
    indention: bool,
    /// Always 0 here: only empty collections are written in flow style, and they hold no
    /// scalars. Kept so the scalar rules read like libyaml's.
    flow_level: u32,
    best_width: usize,
    // Context flags of the node being emitted (libyaml's *_context fields).
    mapping_ctx: bool,
    simple_key_ctx: bool,
    decode_depth: usize,
}

const BEST_INDENT: i64 = 2;

/// Nesting beyond this is treated as a cycle (a map holding itself), which encoding/json refuses
/// and `toYaml` then prints as "". Real values are nowhere near as deep.
const MAX_DEPTH: usize = 1000;

impl Emitter {
    fn new(flavor: Flavor) -> Emitter {
        Emitter {
            flavor,
            out: String::new(),
            column: 0,
            indent: -1,
            indents: Vec::new(),
            whitespace: true,
            indention: true,
            flow_level: 0,
            best_width: if flavor == Flavor::V2 { 80 } else { usize::MAX },
            mapping_ctx: false,
            simple_key_ctx: false,
            decode_depth: 0,
        }
    }

    fn document(&mut self, v: &Value) -> Result<(), String> {
        self.node(v, false, false)?;
        // Document end: an implicit end still writes the pending line break.
        self.write_indent();
        Ok(())
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_str(&mut self, s: &str) {
        self.out.push_str(s);
        self.column += s.chars().count();
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        self.write_str(ind);
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            // go-yaml v3 rounds up to a multiple of the indent outside sequence items; with
            // indent 2 every level is already even, so both flavours simply add 2.
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    /// `yaml_emitter_emit_node` for one value; `mapping`/`simple_key` are the node's contexts.
    fn node(&mut self, v: &Value, mapping: bool, simple_key: bool) -> Result<(), String> {
        self.mapping_ctx = mapping;
        self.simple_key_ctx = simple_key;
        self.decode_depth += 1;
        if self.decode_depth > MAX_DEPTH {
            return Err("excessive nesting".into());
        }
        let r = match v {
            Value::List(items) => self.sequence(items),
            Value::Map(m) => {
                let m = m.borrow();
                let mut entries: Vec<(&str, &Value)> =
                    m.iter().map(|(k, v)| (k.as_str(), v)).collect();
                sort_entries(&mut entries, self.flavor == Flavor::V3);
                self.mapping(&entries)
            }
            Value::Object(o) => {
                let data = o.to_data();
                self.node(&data, mapping, simple_key)
            }
            // go-yaml v3 has no []byte special case: it is a sequence of small ints.
            Value::Bytes(b) if self.flavor == Flavor::V3 => {
                let items: Vec<Value> = b.iter().map(|&x| Value::Int(i64::from(x))).collect();
                self.sequence(&items)
            }
            other => {
                let sc = self.scalar_for(other)?;
                self.scalar(&sc);
                Ok(())
            }
        };
        self.decode_depth -= 1;
        r
    }

    /// The scalar text and requested style the Go encoder produces for a leaf value.
    fn scalar_for<'a>(&self, v: &'a Value) -> Result<Scalar<'a>, String> {
        let plain = |s: String| Scalar {
            text: s.into(),
            style: Style::Plain,
        };
        Ok(match v {
            Value::Nil => plain("null".into()),
            Value::Bool(b) => plain(b.to_string()),
            Value::Int(i) | Value::Int64(i) => plain(i.to_string()),
            Value::Float(f) => plain(match self.flavor {
                Flavor::V2 => json_float_as_yaml(*f)?,
                Flavor::V3 => go_yaml_float(*f),
            }),
            Value::Str(s) => self.string_scalar(s),
            Value::Bytes(b) => match self.flavor {
                // encoding/json writes []byte as base64 text.
                Flavor::V2 => {
                    let s = base64::engine::general_purpose::STANDARD.encode(b);
                    let style = self.string_scalar(&s).style;
                    Scalar {
                        text: s.into(),
                        style,
                    }
                }
                Flavor::V3 => unreachable!("v3 bytes are sequences"),
            },
            Value::List(_) | Value::Map(_) | Value::Object(_) => unreachable!("collections"),
        })
    }

    /// go-yaml's `stringv`: plain unless the text would read back as another type.
    fn string_scalar<'a>(&self, s: &'a str) -> Scalar<'a> {
        if self.flavor == Flavor::V2 && s.contains('\u{85}') {
            let folded = fold_nel(s);
            let style = self.string_scalar(&folded).style;
            return Scalar {
                text: folded.into(),
                style,
            };
        }
        // v3 no longer reads yes/no/on/off as booleans but still quotes them (`isOldBool`), so
        // both flavours quote exactly the strings go-yaml v2 would resolve to another type.
        let can_plain = resolve_plain(s) == Resolved::Str && !is_base60_float(s);
        let style = if s.contains('\n') {
            Style::Literal
        } else if can_plain {
            Style::Plain
        } else {
            Style::Double
        };
        Scalar {
            text: s.into(),
            style,
        }
    }

    fn sequence(&mut self, items: &[Value]) -> Result<(), String> {
        if items.is_empty() {
            self.empty_flow("[", "]");
            return Ok(());
        }
        let indentless = match self.flavor {
            Flavor::V2 => self.mapping_ctx && !self.indention,
            Flavor::V3 => false,
        };
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(item, false, false)?;
        }
        self.pop_indent();
        Ok(())
    }

    fn mapping(&mut self, entries: &[(&str, &Value)]) -> Result<(), String> {
        if entries.is_empty() {
            self.empty_flow("{", "}");
            return Ok(());
        }
        self.increase_indent(false, false);
        for (k, v) in entries {
            self.write_indent();
            let key = self.string_scalar(k);
            let a = analyze(k, self.flavor);
            if !a.multiline && k.len() <= 128 {
                self.mapping_ctx = true;
                self.simple_key_ctx = true;
                self.scalar_analyzed(&key, &a);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.mapping_ctx = true;
                self.simple_key_ctx = false;
                self.scalar_analyzed(&key, &a);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.node(v, true, false)?;
        }
        self.pop_indent();
        Ok(())
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn scalar(&mut self, sc: &Scalar<'_>) {
        let a = analyze(&sc.text, self.flavor);
        self.scalar_analyzed(sc, &a);
    }
}

/// `encoding/json` leaves DEL, the C1 controls and U+FFFE/U+FFFF unescaped, and go-yaml's reader
/// then rejects the JSON text ("control characters are not allowed"): `toYaml` gives "".
fn check_json_text(v: &Value, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("json: unsupported value: encountered a cycle".into());
    }
    let bad = |s: &str| {
        s.chars()
            .any(|c| matches!(c as u32, 0x7f..=0x84 | 0x86..=0x9f | 0xfffe | 0xffff))
    };
    match v {
        Value::Str(s) if bad(s) => Err("yaml: control characters are not allowed".into()),
        Value::List(l) => l.iter().try_for_each(|v| check_json_text(v, depth + 1)),
        Value::Map(m) => m.borrow().iter().try_for_each(|(k, v)| {
            if bad(k) {
                Err("yaml: control characters are not allowed".into())
            } else {
                check_json_text(v, depth + 1)
            }
        }),
        Value::Object(o) => check_json_text(&o.to_data(), depth + 1),
        _ => Ok(()),
    }
}

/// A raw NEL (U+0085) survives `encoding/json` but is a line break to go-yaml when it reads the
/// JSON back, so double-quoted folding applies: blanks around the breaks vanish, one break
/// becomes a space, n breaks become n-1 newlines.
fn fold_nel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    let mut pending_blanks = String::new();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => pending_blanks.push(c),
            '\u{85}' => {
                pending_blanks.clear();
                let mut breaks = 1;
                while let Some(&n) = chars.peek() {
                    match n {
                        ' ' | '\t' => {}
                        '\u{85}' => breaks += 1,
                        _ => break,
                    }
                    chars.next();
                }
                if breaks == 1 {
                    out.push(' ');
                } else {
                    for _ in 1..breaks {
                        out.push('\n');
                    }
                }
            }
            _ => {
                out.push_str(&pending_blanks);
                pending_blanks.clear();
                out.push(c);
            }
        }
    }
    out.push_str(&pending_blanks);
    out
}

/// A float64 as `encoding/json` prints it and go-yaml v2 then reads and re-prints it:
/// integral values within int64/uint64 become integers, others print with `%g`-style
/// shortest digits. NaN and ±Inf are JSON marshalling errors.
fn json_float_as_yaml(f: f64) -> Result<String, String> {
    if !f.is_finite() {
        return Err(format!(
            "json: unsupported value: {}",
            crate::value::format_float_g(f)
        ));
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        // encoding/json prints these without exponent or point: a YAML integer if it fits.
        let digits = format!("{}", f.abs());
        if f < 0.0 || (f == 0.0 && f.is_sign_negative()) {
            let neg = format!("-{digits}");
            if let Ok(i) = neg.parse::<i64>() {
                return Ok(i.to_string());
            }
        } else if let Ok(i) = digits.parse::<i64>() {
            return Ok(i.to_string());
        } else if let Ok(u) = digits.parse::<u64>() {
            return Ok(u.to_string());
        }
    }
    Ok(format_float_g(f))
}

/// go-yaml's `floatv`: `%g` shortest with YAML spellings for the specials.
fn go_yaml_float(f: f64) -> String {
    if f.is_nan() {
        ".nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { ".inf" } else { "-.inf" }.into()
    } else {
        format_float_g(f)
    }
}
