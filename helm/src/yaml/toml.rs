//! TOML for `toToml`/`fromToml`: the encoder follows BurntSushi/toml v1 (`encode.go`) — plain
//! key/values before sub-tables, keys sorted, nested tables indented two spaces per level,
//! `[[arrays.of.tables]]`, floats always with a point or exponent; decoding uses the `toml`
//! crate and maps its types to what BurntSushi hands Helm (int64, float64, time as text).

use std::fmt::Write as _;

use crate::value::{format_float_g, Map, Value};

/// Helm's `toToml`: the encoded document, or the encoder's error text (Helm returns
/// `err.Error()` in place of the document).
pub fn to_toml(v: &Value) -> String {
    match encode(v) {
        Ok(s) => s,
        Err(e) => e,
    }
}

/// `toml.NewEncoder(..).Encode(v)`: the document or the error message.
pub fn encode(v: &Value) -> Result<String, String> {
    let mut e = Encoder {
        out: String::new(),
        has_written: false,
        depth: 0,
    };
    e.encode(&[], v)?;
    Ok(e.out)
}

/// Helm's `fromToml`: a map, with the parse error under `"Error"` when the text is not TOML.
pub fn from_toml(s: &str) -> Value {
    let mut m = Map::new();
    match s.parse::<toml::Table>() {
        Ok(t) => {
            for (k, v) in t {
                m.insert(k, from_toml_value(v));
            }
        }
        Err(e) => {
            // BurntSushi's wording differs ("toml: line 1 (last key \"a\"): ..."); keep its
            // shape with the line and this parser's message.
            let line = e
                .span()
                .map(|sp| s[..sp.start.min(s.len())].matches('\n').count() + 1)
                .unwrap_or(1);
            let msg = e.message().trim().to_string();
            m.insert(
                "Error".into(),
                Value::from(format!("toml: line {line}: {msg}")),
            );
        }
    }
    Value::map(m)
}

fn from_toml_value(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::from(s),
        toml::Value::Integer(i) => Value::Int64(i),
        toml::Value::Float(f) => Value::Float(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::from(datetime_text(&d)),
        toml::Value::Array(a) => Value::list(a.into_iter().map(from_toml_value).collect()),
        toml::Value::Table(t) => Value::map(
            t.into_iter()
                .map(|(k, v)| (k, from_toml_value(v)))
                .collect(),
        ),
    }
}

/// A TOML datetime as the `time.Time` BurntSushi returns prints in JSON (RFC 3339, UTC for the
/// local kinds; a bare time sits on Go's zero date).
fn datetime_text(d: &toml::value::Datetime) -> String {
    let date = d
        .date
        .map_or_else(|| "0000-01-01".to_string(), |x| x.to_string());
    let time = d
        .time
        .map_or_else(|| "00:00:00".to_string(), |x| x.to_string());
    let offset = d.offset.map_or_else(|| "Z".to_string(), |x| x.to_string());
    format!("{date}T{time}{offset}")
}

const INDENT: &str = "  ";

/// Deeper nesting is taken for a map that contains itself (TOML tables are never this deep).
const MAX_DEPTH: usize = 200;

struct Encoder {
    out: String,
    has_written: bool,
    /// Guards against maps that contain themselves (Go would recurse until it crashes).
    depth: usize,
}

/// What BurntSushi's `tomlTypeOfGo` makes of a value.
#[derive(PartialEq)]
enum Kind {
    Nil,
    Table,
    ArrayOfTables,
    Other,
}

fn kind_of(v: &Value) -> Result<Kind, String> {
    Ok(match v {
        Value::Nil => Kind::Nil,
        Value::Map(_) => Kind::Table,
        Value::List(items) => {
            if items.is_empty() {
                return Ok(Kind::Other);
            }
            let mut all_tables = true;
            for i in items.iter() {
                match kind_of(i)? {
                    Kind::Nil => return Err("toml: cannot encode array with nil element".into()),
                    Kind::Table => {}
                    _ => all_tables = false,
                }
            }
            if all_tables {
                Kind::ArrayOfTables
            } else {
                Kind::Other
            }
        }
        Value::Object(o) => kind_of(&o.to_data())?,
        _ => Kind::Other,
    })
}

impl Encoder {
    fn write(&mut self, s: &str) {
        self.out.push_str(s);
        self.has_written = true;
    }

    fn newline(&mut self) {
        if self.has_written {
            self.write("\n");
        }
    }

    fn encode(&mut self, key: &[&str], v: &Value) -> Result<(), String> {
        self.depth += 1;
        let r = self.encode_inner(key, v);
        self.depth -= 1;
        r
    }

    fn encode_inner(&mut self, key: &[&str], v: &Value) -> Result<(), String> {
        if self.depth > MAX_DEPTH {
            return Err("toml: value nested too deeply".into());
        }
        match v {
            Value::Nil => Ok(()),
            Value::Map(m) => {
                let m = m.borrow();
                self.table(key, &m)
            }
            Value::Object(o) => self.encode(key, &o.to_data()),
            Value::List(items) if kind_of(v)? == Kind::ArrayOfTables => {
                if key.is_empty() {
                    return Err("toml: top-level values must be Go maps or structs".into());
                }
                for item in items.iter() {
                    self.newline();
                    let header = format!("{}[[{}]]", indent(key), key_string(key));
                    self.write(&header);
                    self.newline();
                    match item {
                        Value::Map(m) => self.map_body(key, &m.borrow(), false)?,
                        Value::Object(o) => {
                            if let Value::Map(m) = o.to_data() {
                                self.map_body(key, &m.borrow(), false)?;
                            }
                        }
                        _ => {}
                    }
                }
                Ok(())
            }
            _ => self.key_value(key, v, false),
        }
    }

    fn table(&mut self, key: &[&str], m: &Map) -> Result<(), String> {
        if key.len() == 1 {
            self.newline();
        }
        if !key.is_empty() {
            let header = format!("{}[{}]", indent(key), key_string(key));
            self.write(&header);
            self.newline();
        }
        self.map_body(key, m, false)
    }

    /// `eMap`: direct values first, then sub-tables, each group in byte order of keys.
    fn map_body(&mut self, key: &[&str], m: &Map, inline: bool) -> Result<(), String> {
        let mut direct = Vec::new();
        let mut sub = Vec::new();
        for (k, v) in m {
            match kind_of(v)? {
                Kind::Table | Kind::ArrayOfTables => sub.push((k.as_str(), v)),
                _ => direct.push((k.as_str(), v)),
            }
        }
        if inline {
            self.write("{");
        }
        let has_sub = !sub.is_empty();
        self.map_keys(key, &direct, inline, has_sub)?;
        self.map_keys(key, &sub, inline, false)?;
        if inline {
            self.write("}");
        }
        Ok(())
    }

    fn map_keys(
        &mut self,
        key: &[&str],
        entries: &[(&str, &Value)],
        inline: bool,
        trailing_comma: bool,
    ) -> Result<(), String> {
        for (i, (k, v)) in entries.iter().enumerate() {
            if v.is_nil() {
                continue;
            }
            if inline {
                self.key_value(&[k], v, true)?;
                if trailing_comma || i != entries.len() - 1 {
                    self.write(", ");
                }
            } else {
                let mut path = key.to_vec();
                path.push(k);
                self.encode(&path, v)?;
            }
        }
        Ok(())
    }

    fn key_value(&mut self, key: &[&str], v: &Value, inline: bool) -> Result<(), String> {
        if key.is_empty() {
            return self.element(v);
        }
        let prefix = format!("{}{} = ", indent(key), quote_key(key[key.len() - 1]));
        self.write(&prefix);
        self.element(v)?;
        if !inline {
            self.newline();
        }
        Ok(())
    }

    fn element(&mut self, v: &Value) -> Result<(), String> {
        self.depth += 1;
        let r = self.element_inner(v);
        self.depth -= 1;
        r
    }

    fn element_inner(&mut self, v: &Value) -> Result<(), String> {
        if self.depth > MAX_DEPTH {
            return Err("toml: value nested too deeply".into());
        }
        match v {
            Value::Str(s) => {
                let q = quote(s);
                self.write(&q);
            }
            Value::Bool(b) => self.write(if *b { "true" } else { "false" }),
            Value::Int(i) | Value::Int64(i) => self.write(&i.to_string()),
            Value::Float(f) => {
                let s = if f.is_nan() {
                    if f.is_sign_negative() { "-nan" } else { "nan" }.to_string()
                } else if f.is_infinite() {
                    if *f < 0.0 { "-inf" } else { "inf" }.to_string()
                } else {
                    let s = format_float_g(*f);
                    if s.contains(['e', '.']) {
                        s
                    } else {
                        s + ".0"
                    }
                };
                self.write(&s);
            }
            Value::Bytes(b) => {
                let items: Vec<String> = b.iter().map(u8::to_string).collect();
                let s = format!("[{}]", items.join(", "));
                self.write(&s);
            }
            Value::List(items) => {
                // Validates nil elements the way tomlTypeOfGo does.
                kind_of(v)?;
                self.write("[");
                for (i, item) in items.iter().enumerate() {
                    self.element(item)?;
                    if i != items.len() - 1 {
                        self.write(", ");
                    }
                }
                self.write("]");
            }
            Value::Map(m) => {
                let m = m.borrow();
                self.map_body(&[], &m, true)?;
            }
            Value::Object(o) => self.element(&o.to_data())?,
            Value::Nil => return Err("toml: cannot encode a nil value".into()),
        }
        Ok(())
    }
}

fn indent(key: &[&str]) -> String {
    INDENT.repeat(key.len().saturating_sub(1))
}

fn is_bare(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn quote_key(k: &str) -> String {
    if is_bare(k) {
        k.to_string()
    } else {
        quote(k)
    }
}

fn key_string(key: &[&str]) -> String {
    key.iter()
        .map(|k| quote_key(k))
        .collect::<Vec<_>>()
        .join(".")
}

/// BurntSushi's `dblQuotedReplacer`: short escapes for the usual controls, `\u00XX` for the rest.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x08' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\x0c' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
