//! `toYaml` and `toYamlPretty` byte-for-byte: a port of the libyaml emitter rules go-yaml uses
//! (scalar analysis, style selection, indentation, 80-column folding), driven straight from
//! [`Value`] without building events.
//!
//! `toYaml` is `sigs.k8s.io/yaml.Marshal`: the value goes through `encoding/json` first, so
//! numbers print as JSON then re-resolve as YAML (float64 3 → `3`, 1234567.5 → `1.2345675e+06`),
//! keys sort with go-yaml v2's natural order, and sequences sit flush under their key.
//! `toYamlPretty` is go-yaml v3's encoder with indent 2: no JSON step, no folding, sequences
//! indented, YAML 1.2 quoting.

use std::cmp::Ordering;

use base64::Engine as _;

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
    check_json_text(v)?;
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

#[derive(Clone, Copy, PartialEq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// What `yaml_emitter_analyze_scalar` learns about a scalar.
struct Analysis {
    multiline: bool,
    flow_plain: bool,
    block_plain: bool,
    single: bool,
    block: bool,
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
    flow_level: u32,
    best_width: usize,
    // Context flags of the node being emitted (libyaml's *_context fields).
    mapping_ctx: bool,
    simple_key_ctx: bool,
    /// v3 only: whether the enclosing state is a block sequence item (its indentation rule).
    in_seq_item: bool,
    decode_depth: usize,
}

const BEST_INDENT: i64 = 2;

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
            in_seq_item: false,
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
            if self.flavor == Flavor::V3 && !self.in_seq_item {
                self.indent = BEST_INDENT * ((self.indent + BEST_INDENT) / BEST_INDENT);
            } else {
                self.indent += BEST_INDENT;
            }
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
        if self.decode_depth > 10_000 {
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
        let outer_seq = self.in_seq_item;
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.in_seq_item = true;
            self.node(item, false, false)?;
        }
        self.in_seq_item = outer_seq;
        self.pop_indent();
        Ok(())
    }

    fn mapping(&mut self, entries: &[(&str, &Value)]) -> Result<(), String> {
        if entries.is_empty() {
            self.empty_flow("{", "}");
            return Ok(());
        }
        self.increase_indent(false, false);
        let outer_seq = self.in_seq_item;
        for (k, v) in entries {
            self.in_seq_item = false;
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
        self.in_seq_item = outer_seq;
        self.pop_indent();
        Ok(())
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.flow_level += 1;
        self.flow_level -= 1;
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn scalar(&mut self, sc: &Scalar<'_>) {
        let a = analyze(&sc.text, self.flavor);
        self.scalar_analyzed(sc, &a);
    }

    /// `yaml_emitter_emit_scalar`: pick the final style, then write it one indent level in.
    fn scalar_analyzed(&mut self, sc: &Scalar<'_>, a: &Analysis) {
        let value: &str = &sc.text;
        let mut style = sc.style;
        if self.simple_key_ctx && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain {
            if (self.flow_level > 0 && !a.flow_plain) || (self.flow_level == 0 && !a.block_plain) {
                style = Style::Single;
            }
            if value.is_empty() && (self.flow_level > 0 || self.simple_key_ctx) {
                style = Style::Single;
            }
        }
        if style == Style::Single && !a.single {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block || self.flow_level > 0 || self.simple_key_ctx) {
            style = Style::Double;
        }
        self.increase_indent(true, false);
        let allow_breaks = !self.simple_key_ctx;
        match style {
            Style::Plain => self.write_plain(value, allow_breaks),
            Style::Single => self.write_single(value, allow_breaks),
            Style::Double => self.write_double(value, allow_breaks),
            Style::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, value: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        // Fast path: a plain scalar has no breaks, and it cannot fold when even its last
        // character stays within the width.
        if value.is_ascii() && self.column + value.len() <= self.best_width {
            self.out.push_str(value);
            self.column += value.len();
            self.whitespace = false;
            self.indention = false;
            return;
        }
        let mut spaces = false;
        let mut breaks = false;
        let mut it = value.chars().peekable();
        while let Some(c) = it.next() {
            if c == ' ' {
                let next_space = it.peek() == Some(&' ');
                if allow_breaks && !spaces && self.column > self.best_width && !next_space {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_single(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && i > 0
                    && i < n - 1
                    && !next_space
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let starts_with_bom = value.starts_with('\u{feff}');
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || starts_with_bom || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let esc = match c {
                    '\0' => Some('0'),
                    '\x07' => Some('a'),
                    '\x08' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\x0b' => Some('v'),
                    '\x0c' => Some('f'),
                    '\r' => Some('r'),
                    '\x1b' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                match esc {
                    Some(e) => self.put(e),
                    None => {
                        let v = c as u32;
                        let s = if v <= 0xff {
                            format!("x{v:02X}")
                        } else if v <= 0xffff {
                            format!("u{v:04X}")
                        } else {
                            format!("U{v:08X}")
                        };
                        self.write_str(&s);
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > self.best_width && i > 0 && i < n - 1 {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints: an indentation indicator when the text starts with a space or
        // break, then the chomping indicator from how the text ends.
        let mut chars = value.chars();
        if let Some(first) = value.chars().next() {
            if first == ' ' || is_break(first) {
                self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
            }
        }
        let last = chars.next_back();
        let before_last = chars.next_back();
        let chomp = match last {
            None => Some("-"),
            Some(l) if !is_break(l) => Some("-"),
            Some(_) => match before_last {
                None => Some("+"),
                Some(b) if is_break(b) => Some("+"),
                Some(_) => None,
            },
        };
        if let Some(ch) = chomp {
            self.write_indicator(ch, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in value.chars() {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// libyaml's `is_printable` (byte-based in Go; the same set of code points): note that
/// everything outside the Basic Multilingual Plane counts as unprintable and gets escaped.
fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0a
        || (0x20..=0x7e).contains(&u)
        || (0xa0..=0xd7ff).contains(&u)
        || ((0xe000..=0xfffd).contains(&u) && u != 0xfeff)
}

/// `yaml_emitter_analyze_scalar`.
fn analyze(value: &str, flavor: Flavor) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain: false,
            block_plain: true,
            single: true,
            block: false,
        };
    }
    let mut block_ind = false;
    let mut flow_ind = false;
    let mut line_breaks = false;
    let mut special = false;
    let mut tabs = false;
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut prev_space, mut prev_break) = (false, false);

    if value.starts_with("---") || value.starts_with("...") {
        block_ind = true;
        flow_ind = true;
    }
    let mut preceded_by_ws = true;
    let mut it = value.chars().peekable();
    let mut i = 0usize;
    while let Some(c) = it.next() {
        let next = it.peek().copied();
        let last = next.is_none();
        let followed_by_ws = matches!(next, None | Some(' ' | '\t'));
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => {
                    flow_ind = true;
                    block_ind = true;
                }
                '?' | ':' => {
                    flow_ind = true;
                    if followed_by_ws {
                        block_ind = true;
                    }
                }
                '-' if followed_by_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        } else {
            match c {
                ',' | '?' | '[' | ']' | '{' | '}' => flow_ind = true,
                ':' => {
                    flow_ind = true;
                    if followed_by_ws {
                        block_ind = true;
                    }
                }
                '#' if preceded_by_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        }
        if flavor == Flavor::V3 && c == '\t' {
            tabs = true;
        } else if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if last {
                trailing_space = true;
            }
            if prev_break {
                break_space = true;
            }
            prev_space = true;
            prev_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if last {
                trailing_break = true;
            }
            if prev_space {
                space_break = true;
            }
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        // libyaml's is_blankz: space, tab, break or NUL.
        preceded_by_ws = matches!(c, ' ' | '\t' | '\0') || is_break(c);
        i += 1;
    }
    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain: true,
        block_plain: true,
        single: true,
        block: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if trailing_space {
        a.block = false;
    }
    if break_space {
        a.flow_plain = false;
        a.block_plain = false;
        a.single = false;
    }
    if space_break || tabs || special {
        a.flow_plain = false;
        a.block_plain = false;
        a.single = false;
    }
    if space_break || special {
        a.block = false;
    }
    if line_breaks {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if flow_ind {
        a.flow_plain = false;
    }
    if block_ind {
        a.block_plain = false;
    }
    a
}

/// Orders map entries as go-yaml's `keyList` does. The map arrives byte-sorted, which already
/// matches in the common case, so check before sorting.
fn sort_entries(entries: &mut [(&str, &Value)], v3: bool) {
    let cmp = |a: &str, b: &str| key_cmp(a, b, v3);
    if entries
        .windows(2)
        .all(|w| cmp(w[0].0, w[1].0) != Ordering::Greater)
    {
        return;
    }
    entries.sort_by(|a, b| cmp(a.0, b.0));
}

/// `encoding/json` leaves DEL, the C1 controls and U+FFFE/U+FFFF unescaped, and go-yaml's reader
/// then rejects the JSON text ("control characters are not allowed"): `toYaml` gives "".
fn check_json_text(v: &Value) -> Result<(), String> {
    let bad = |s: &str| {
        s.chars()
            .any(|c| matches!(c as u32, 0x7f..=0x84 | 0x86..=0x9f | 0xfffe | 0xffff))
    };
    match v {
        Value::Str(s) if bad(s) => Err("yaml: control characters are not allowed".into()),
        Value::List(l) => l.iter().try_for_each(check_json_text),
        Value::Map(m) => m.borrow().iter().try_for_each(|(k, v)| {
            if bad(k) {
                Err("yaml: control characters are not allowed".into())
            } else {
                check_json_text(v)
            }
        }),
        Value::Object(o) => check_json_text(&o.to_data()),
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

/// go-yaml's `keyList.Less` for two string keys: letters sort after non-letters, runs of digits
/// compare as numbers (`a2` < `a10`).
pub fn go_yaml_key_cmp(a: &str, b: &str) -> Ordering {
    key_cmp(a, b, false)
}

fn key_cmp(a: &str, b: &str, v3: bool) -> Ordering {
    if key_less(a, b, v3) {
        Ordering::Less
    } else if key_less(b, a, v3) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// `keyList.Less`; go-yaml v3 differs in one case: right after a digit, a letter sorts before
/// a non-letter.
fn key_less(a: &str, b: &str, v3: bool) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut i = 0;
    let mut after_digit = false;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            after_digit = ar[i].is_numeric();
            i += 1;
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return if v3 && after_digit { al } else { bl };
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .wrapping_mul(10)
                .wrapping_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(i64::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}
