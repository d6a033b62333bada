//! Go `encoding/json` as Helm's and Sprig's JSON functions use it: `Marshal` (sorted keys, HTML
//! escaping optional, Go float formatting), `MarshalIndent`, and an `Unmarshal` that reports Go's
//! error texts ("invalid character 'b' looking for beginning of object key string").

use std::fmt::Write as _;

use crate::value::{Map, Value};

/// Go's `json.Marshal` (with `escape_html`) or an `Encoder` with `SetEscapeHTML(false)`; `Err` is
/// Go's error text (`json: unsupported value: NaN`).
pub fn encode(v: &Value, escape_html: bool) -> Result<String, String> {
    let mut out = String::new();
    write_value(&mut out, v, escape_html)?;
    Ok(out)
}

/// Go's `json.MarshalIndent(v, "", indent)`.
pub fn encode_indent(v: &Value, indent: &str, escape_html: bool) -> Result<String, String> {
    Ok(reindent(&encode(v, escape_html)?, indent))
}

fn write_value(out: &mut String, v: &Value, html: bool) -> Result<(), String> {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&go_json_float(*f)?),
        Value::Str(s) => write_string(out, s, html),
        Value::Bytes(b) => {
            use base64::Engine as _;
            let enc = base64::engine::general_purpose::STANDARD.encode(b);
            write_string(out, &enc, html);
        }
        Value::List(l) => {
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, x, html)?;
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, x)) in m.borrow().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k, html);
                out.push(':');
                write_value(out, x, html)?;
            }
            out.push('}');
        }
        Value::Object(o) => write_value(out, &o.to_data(), html)?,
    }
    Ok(())
}

/// encoding/json's float64 text: shortest round-trip digits, exponent form below 1e-6 and from
/// 1e21 up, with Go's `e-07` → `e-7` clean-up.
pub fn go_json_float(f: f64) -> Result<String, String> {
    if !f.is_finite() {
        return Err(format!(
            "json: unsupported value: {}",
            crate::value::format_float_g(f)
        ));
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e = if let Some(neg) = e.strip_prefix('-') {
            format!("-{neg}")
        } else {
            format!("+{e}")
        };
        return Ok(format!("{m}e{e}"));
    }
    Ok(format!("{f}"))
}

fn write_string(out: &mut String, s: &str, html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            '<' | '>' | '&' if html => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's `json.Indent` over compact output: one item per line, empty `{}`/`[]` kept compact.
fn reindent(src: &str, indent: &str) -> String {
    let mut out = String::with_capacity(src.len() * 2);
    let mut depth = 0usize;
    let mut in_str = false;
    let mut esc = false;
    let mut need_nl = false;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(indent);
        }
    };
    for c in src.chars() {
        if in_str {
            out.push(c);
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        if need_nl && c != ']' && c != '}' {
            need_nl = false;
            depth += 1;
            newline(&mut out, depth);
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                need_nl = true;
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            '}' | ']' => {
                if need_nl {
                    need_nl = false;
                } else {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Go's `json.Unmarshal` into `interface{}`: numbers become float64. `Err` is Go's message.
pub fn decode(src: &str) -> Result<Value, String> {
    let mut p = Parser {
        b: src.as_bytes(),
        i: 0,
    };
    p.ws();
    let v = p.value()?;
    p.ws();
    if p.i < p.b.len() {
        return Err(p.invalid("after top-level value"));
    }
    Ok(v)
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

const EOF: &str = "unexpected end of JSON input";

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn invalid(&self, ctx: &str) -> String {
        let rest = std::str::from_utf8(&self.b[self.i..]).unwrap_or("");
        let c = rest.chars().next().unwrap_or('\u{fffd}');
        let q = match c {
            '\'' => "'\\''".to_string(),
            '"' => "'\"'".to_string(),
            c if (c as u32) < 0x20 => format!("'\\x{:02x}'", c as u32),
            c => format!("'{c}'"),
        };
        format!("invalid character {q} {ctx}")
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.peek() {
            None => Err(EOF.into()),
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => Ok(Value::from(self.string()?)),
            Some(b't') => self.lit("true", Value::Bool(true)),
            Some(b'f') => self.lit("false", Value::Bool(false)),
            Some(b'n') => self.lit("null", Value::Nil),
            Some(c) if c == b'-' || c.is_ascii_digit() => self.number(),
            Some(_) => Err(self.invalid("looking for beginning of value")),
        }
    }

    fn lit(&mut self, word: &str, v: Value) -> Result<Value, String> {
        for (k, want) in word.bytes().enumerate() {
            match self.peek() {
                None => return Err(EOF.into()),
                Some(c) if c == want => self.i += 1,
                Some(_) => {
                    let ctx = format!("in literal {word} (expecting '{}')", want as char);
                    let _ = k;
                    return Err(self.invalid(&ctx));
                }
            }
        }
        Ok(v)
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            None => return Err(EOF.into()),
            Some(b'0') => self.i += 1,
            Some(c) if c.is_ascii_digit() => {
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
            }
            Some(_) => return Err(self.invalid("in numeric literal")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                return Err(if self.peek().is_none() {
                    EOF.into()
                } else {
                    self.invalid("after decimal point in numeric literal")
                });
            }
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                return Err(if self.peek().is_none() {
                    EOF.into()
                } else {
                    self.invalid("in exponent of numeric literal")
                });
            }
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).unwrap_or("0");
        let f: f64 = text.parse().unwrap_or(0.0);
        if f.is_infinite() {
            return Err(format!(
                "json: cannot unmarshal number {text} into Go value of type float64"
            ));
        }
        Ok(Value::Float(f))
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(EOF.into());
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.i += 1;
                    let Some(e) = self.peek() else {
                        return Err(EOF.into());
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\x08'),
                        b'f' => out.push('\x0c'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let cp = self.hex4()?;
                            if (0xd800..0xdc00).contains(&cp)
                                && self.b.get(self.i..self.i + 2) == Some(b"\\u")
                            {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xdc00..0xe000).contains(&lo) {
                                    let c = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                                    out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                                    continue;
                                }
                                self.i = save;
                            }
                            out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.invalid("in string escape code"));
                        }
                    }
                }
                c if c < 0x20 => return Err(self.invalid("in string literal")),
                _ => {
                    let rest = std::str::from_utf8(&self.b[self.i..]).unwrap_or("");
                    let ch = rest.chars().next().unwrap_or('\u{fffd}');
                    out.push(ch);
                    self.i += ch.len_utf8().max(1);
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..4 {
            let Some(c) = self.peek() else {
                return Err(EOF.into());
            };
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| self.invalid("in \\u hexadecimal character escape"))?;
            v = v * 16 + d;
            self.i += 1;
        }
        Ok(v)
    }

    fn array(&mut self) -> Result<Value, String> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Value::list(items));
        }
        loop {
            self.ws();
            items.push(self.value()?);
            self.ws();
            match self.peek() {
                None => return Err(EOF.into()),
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::list(items));
                }
                Some(_) => return Err(self.invalid("after array element")),
            }
        }
    }

    fn object(&mut self) -> Result<Value, String> {
        self.i += 1;
        let mut m = Map::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Value::map(m));
        }
        loop {
            self.ws();
            match self.peek() {
                None => return Err(EOF.into()),
                Some(b'"') => {}
                Some(_) => return Err(self.invalid("looking for beginning of object key string")),
            }
            let k = self.string()?;
            self.ws();
            match self.peek() {
                None => return Err(EOF.into()),
                Some(b':') => self.i += 1,
                Some(_) => return Err(self.invalid("after object key")),
            }
            self.ws();
            let v = self.value()?;
            m.insert(k, v);
            self.ws();
            match self.peek() {
                None => return Err(EOF.into()),
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::map(m));
                }
                Some(_) => return Err(self.invalid("after object key:value pair")),
            }
        }
    }
}

/// Go's name for a JSON value's kind in "cannot unmarshal X into Go value of type T".
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Nil => "null",
        Value::Bool(_) => "bool",
        Value::Float(_) | Value::Int(_) | Value::Int64(_) => "number",
        Value::Str(_) => "string",
        Value::List(_) => "array",
        _ => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_encode_like_encoding_json() {
        let cases = [
            (3.0, "3"),
            (1.5, "1.5"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1e-7, "1e-7"),
            (0.000001, "0.000001"),
            (123456789.0, "123456789"),
            (-0.5, "-0.5"),
        ];
        for (f, want) in cases {
            assert_eq!(go_json_float(f).unwrap(), want);
        }
        assert_eq!(
            go_json_float(f64::NAN).unwrap_err(),
            "json: unsupported value: NaN"
        );
    }

    #[test]
    fn strings_escape_like_go() {
        let v = Value::str("<a&b>\"\n\u{1}\u{2028}");
        assert_eq!(
            encode(&v, true).unwrap(),
            r#""\u003ca\u0026b\u003e\"\n\u0001\u2028""#
        );
        assert_eq!(encode(&v, false).unwrap(), r#""<a&b>\"\n\u0001\u2028""#);
    }

    #[test]
    fn indent_matches_marshal_indent() {
        let v = decode(r#"{"a":{"b":[1,2],"c":{},"d":[]},"e":"x,y:{"}"#).unwrap();
        assert_eq!(
            encode_indent(&v, "  ", true).unwrap(),
            "{\n  \"a\": {\n    \"b\": [\n      1,\n      2\n    ],\n    \"c\": {},\n    \"d\": []\n  },\n  \"e\": \"x,y:{\"\n}"
        );
    }

    #[test]
    fn decode_errors_match_go() {
        assert_eq!(
            decode("{bad").unwrap_err(),
            "invalid character 'b' looking for beginning of object key string"
        );
        assert_eq!(decode("[1,2").unwrap_err(), "unexpected end of JSON input");
        assert_eq!(
            decode("[1 2]").unwrap_err(),
            "invalid character '2' after array element"
        );
        assert_eq!(
            decode("{} x").unwrap_err(),
            "invalid character 'x' after top-level value"
        );
        assert_eq!(decode(r#"{"a":1.5e2}"#).unwrap().to_string(), "map[a:150]");
    }
}
