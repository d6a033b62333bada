//! Reading YAML as Helm does: `yaml-rust2` events, then go-yaml v2's decoding rules (YAML 1.1
//! implicit types, merge keys, aliases, last-duplicate-wins) and `sigs.k8s.io/yaml`'s conversion
//! to JSON-shaped data (non-string keys become strings, NaN/Inf are JSON errors).

use std::collections::HashMap;
use std::rc::Rc;

use base64::Engine as _;
use indexmap::IndexMap;
use serde_json::{Number, Value as Json};
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{ScanError, TScalarStyle};

use super::resolve::{format_float32_g, resolve_plain, Resolved};
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

/// A YAML node as go-yaml's parser builds it.
#[derive(Debug)]
enum Node {
    Scalar {
        value: String,
        /// Plain style without a tag (go-yaml's `implicit`).
        plain: bool,
        /// Short tag (`!!int`, `!foo`), `None` when untagged.
        tag: Option<String>,
    },
    Seq(Vec<Rc<Node>>),
    Map(Vec<(Rc<Node>, Rc<Node>)>),
    Alias(Rc<Node>),
}

/// Reads every document (or only the first) into node trees; `None` for an empty document.
fn read_stream(text: &str, first_only: bool) -> Result<Vec<Option<Rc<Node>>>, YamlError> {
    // libyaml skips a byte-order mark at the start of the stream.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut patched: Option<String> = None;
    loop {
        let t = patched.as_deref().unwrap_or(text);
        let mut r = Reader {
            parser: Parser::new_from_str(t),
            text: t,
            anchors: HashMap::new(),
            anchor_names: HashMap::new(),
            patch: None,
        };
        match read_docs(&mut r, first_only) {
            // Where libyaml is more lenient than yaml-rust2 in ways that cannot change the
            // value, patch the text and read again: a tab after `:` is only separation (a space
            // means the same); continuation lines of a quoted scalar may sit left of the block
            // indentation (their leading blanks are dropped anyway).
            Err(e) => {
                let fixed = match r.patch {
                    Some(Patch::TabSeparator(at)) => Some(
                        t.chars()
                            .enumerate()
                            .map(|(i, c)| if i == at { ' ' } else { c })
                            .collect::<String>(),
                    ),
                    Some(Patch::IndentQuoted(at, col)) => indent_quoted(t, at, col),
                    None => None,
                };
                match fixed {
                    Some(s) if s != t => patched = Some(s),
                    // An unclosed quote: libyaml runs into the end of the stream.
                    None if matches!(r.patch, Some(Patch::IndentQuoted(..))) => {
                        let lines = t.matches('\n').count();
                        return Err(YamlError {
                            line: if lines == 0 { 0 } else { lines + 1 },
                            col: 0,
                            message: "found unexpected end of stream".into(),
                            kind: super::ErrorKind::Yaml,
                        });
                    }
                    _ => return Err(e),
                }
            }
            ok => return ok,
        }
    }
}

fn read_docs(r: &mut Reader<'_>, first_only: bool) -> Result<Vec<Option<Rc<Node>>>, YamlError> {
    let mut docs = Vec::new();
    loop {
        let (ev, _) = r.next()?;
        match ev {
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
            Event::StreamEnd => break,
            Event::DocumentStart => {
                let (ev, mark) = r.next()?;
                if matches!(ev, Event::DocumentEnd) {
                    docs.push(None);
                } else {
                    let node = r.node(ev, mark.index())?;
                    docs.push(Some(node));
                }
                r.anchors.clear();
                if first_only {
                    break;
                }
            }
            other => {
                let node = r.node(other, 0)?;
                docs.push(Some(node));
            }
        }
    }
    Ok(docs)
}

struct Reader<'a> {
    parser: Parser<std::str::Chars<'a>>,
    text: &'a str,
    /// Anchor id → finished node; an id present with `None` is still being built.
    anchors: HashMap<usize, Option<Rc<Node>>>,
    anchor_names: HashMap<usize, String>,
    /// A libyaml-compatible fix for the error just hit (see [`read_stream`]).
    patch: Option<Patch>,
}

/// Text fixes that make yaml-rust2 accept what libyaml accepts, with the same meaning.
#[derive(Clone, Copy)]
enum Patch {
    /// Char index of a tab right after `:`.
    TabSeparator(usize),
    /// Char index and column of a quoted scalar whose continuation lines are under-indented.
    IndentQuoted(usize, usize),
}

/// Indents every continuation line of the quoted scalar starting at char index `at` by `col`
/// spaces; `None` when the scalar cannot be delimited.
fn indent_quoted(t: &str, at: usize, col: usize) -> Option<String> {
    let chars: Vec<char> = t.chars().collect();
    let quote = *chars.get(at)?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let mut out: String = chars[..=at].iter().collect();
    let mut i = at + 1;
    while i < chars.len() {
        let c = chars[i];
        out.push(c);
        if quote == '"' && c == '\\' {
            if let Some(&n) = chars.get(i + 1) {
                out.push(n);
                if n == '\n' {
                    out.extend(std::iter::repeat_n(' ', col));
                }
            }
            i += 2;
            continue;
        }
        if c == quote {
            if quote == '\'' && chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            out.extend(&chars[i + 1..]);
            return Some(out);
        }
        if c == '\n' {
            out.extend(std::iter::repeat_n(' ', col));
        }
        i += 1;
    }
    None
}

impl Reader<'_> {
    fn next(&mut self) -> Result<(Event, yaml_rust2::scanner::Marker), YamlError> {
        self.parser.next_token().map_err(|e| {
            if e.info() == "':' must be followed by a valid YAML whitespace" {
                let at = e.marker().index().saturating_sub(1);
                if self.text.chars().nth(at) == Some('\t') {
                    self.patch = Some(Patch::TabSeparator(at));
                }
            } else if e.info() == "invalid indentation in quoted scalar" {
                self.patch = Some(Patch::IndentQuoted(e.marker().index(), e.marker().col()));
            }
            scan_error(&e, self.text)
        })
    }

    fn node(&mut self, ev: Event, at: usize) -> Result<Rc<Node>, YamlError> {
        match ev {
            Event::Scalar(value, style, anchor, tag) => {
                if matches!(style, TScalarStyle::DoubleQuoted) && self.text.contains("\\/") {
                    yaml11_escapes(self.text, at)?;
                }
                let tag = short_tag(tag);
                let plain = matches!(style, TScalarStyle::Plain) && tag.is_none();
                let n = Rc::new(Node::Scalar { value, plain, tag });
                self.finish_anchor(anchor, &n, at);
                Ok(n)
            }
            Event::Alias(id) => match self.anchors.get(&id) {
                Some(Some(n)) => Ok(Rc::new(Node::Alias(n.clone()))),
                Some(None) => Err(YamlError::decode(format!(
                    "anchor '{}' value contains itself",
                    self.name_of(id)
                ))),
                None => Err(YamlError::decode("unknown anchor referenced")),
            },
            Event::SequenceStart(anchor, _) => {
                self.start_anchor(anchor, at);
                let mut items = Vec::new();
                loop {
                    let (ev, mark) = self.next()?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(ev, mark.index())?);
                }
                let n = Rc::new(Node::Seq(items));
                self.finish_anchor(anchor, &n, at);
                Ok(n)
            }
            Event::MappingStart(anchor, _) => {
                self.start_anchor(anchor, at);
                let mut entries = Vec::new();
                loop {
                    let (ev, mark) = self.next()?;
                    if matches!(ev, Event::MappingEnd) {
                        break;
                    }
                    let k = self.node(ev, mark.index())?;
                    let (ev, mark) = self.next()?;
                    let v = self.node(ev, mark.index())?;
                    entries.push((k, v));
                }
                let n = Rc::new(Node::Map(entries));
                self.finish_anchor(anchor, &n, at);
                Ok(n)
            }
            other => Err(YamlError::decode(format!("unexpected event {other:?}"))),
        }
    }

    fn start_anchor(&mut self, id: usize, at: usize) {
        if id != 0 {
            self.anchors.insert(id, None);
            self.anchor_names
                .insert(id, anchor_name_near(self.text, at));
        }
    }

    fn finish_anchor(&mut self, id: usize, n: &Rc<Node>, at: usize) {
        if id != 0 {
            self.anchor_names
                .entry(id)
                .or_insert_with(|| anchor_name_near(self.text, at));
            self.anchors.insert(id, Some(n.clone()));
        }
    }

    fn name_of(&self, id: usize) -> String {
        self.anchor_names.get(&id).cloned().unwrap_or_default()
    }
}

/// YAML 1.2 added the `\/` escape; libyaml (YAML 1.1) rejects it. Checks the double-quoted
/// scalar starting at or after char index `at`.
fn yaml11_escapes(text: &str, at: usize) -> Result<(), YamlError> {
    let Some((start, _)) = text.char_indices().nth(at) else {
        return Ok(());
    };
    let Some(open) = text[start..].find('"') else {
        return Ok(());
    };
    let bytes = text.as_bytes();
    let mut i = start + open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if bytes.get(i + 1) == Some(&b'/') => {
                let zero_based = text[..i].matches('\n').count();
                return Err(YamlError {
                    line: if zero_based == 0 { 0 } else { zero_based + 1 },
                    col: 0,
                    message: "found unknown escape character".into(),
                    kind: super::ErrorKind::Yaml,
                });
            }
            b'\\' => i += 2,
            b'"' => return Ok(()),
            _ => i += 1,
        }
    }
    Ok(())
}

/// The anchor name written before the node at char index `at` (`&name`), for error messages.
fn anchor_name_near(text: &str, at: usize) -> String {
    let prefix: String = text.chars().take(at + 1).collect();
    match prefix.rfind('&') {
        Some(i) => prefix[i + 1..]
            .chars()
            .take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c))
            .collect(),
        None => String::new(),
    }
}

fn short_tag(tag: Option<Tag>) -> Option<String> {
    let t = tag?;
    Some(match t.handle.as_str() {
        "!!" | "tag:yaml.org,2002:" => format!("!!{}", t.suffix),
        h => format!("{h}{}", t.suffix),
    })
}

/// Messages go-yaml's (libyaml's) parser, rather than its scanner, produces: they report the
/// 0-based line of the offending token, scanner errors the 1-based one.
const PARSER_PROBLEMS: &[&str] = &[
    "did not find expected key",
    "did not find expected '-' indicator",
    "did not find expected node content",
    "did not find expected ',' or ']'",
    "did not find expected ',' or '}'",
    "did not find expected <document start>",
];

/// Converts a `yaml-rust2` error into go-yaml's wording and line convention.
fn scan_error(e: &ScanError, text: &str) -> YamlError {
    let info = e.info();
    let mut msg = match info.find(", ") {
        Some(i) if info.starts_with("while ") => info[i + 2..].to_string(),
        _ => info.to_string(),
    };
    // libyaml notices these one line later than yaml-rust2 does (when the next line starts).
    let mut line_shift = 0;
    if msg.starts_with("unexpected character")
        || msg.starts_with("tab")
        || msg.starts_with("tabs disallowed")
    {
        msg = "found character that cannot start any token".into();
    } else if msg == "found a tab" {
        msg = "found a tab character that violates indentation".into();
        line_shift = 1;
    } else if msg == "simple key expect ':'" || msg == "simple key expected" {
        msg = "could not find expected ':'".into();
    } else if msg == "invalid trailing content after double-quoted scalar" {
        // After a key libyaml misses the ':' (noticed on the next line); after a value the
        // parser finds no next key.
        let line_start: String = text
            .chars()
            .take(e.marker().index())
            .collect::<String>()
            .rsplit('\n')
            .next()
            .unwrap_or("")
            .to_string();
        if line_start.contains(": ") {
            msg = "did not find expected key".into();
        } else {
            msg = "could not find expected ':'".into();
            line_shift = 1;
        }
    } else if msg == "a block scalar content cannot start with a tab" {
        msg = "found a tab character where an indentation space is expected".into();
        line_shift = 1;
    } else if msg == "\"-\" is only valid inside a block" {
        msg = "did not find expected node content".into();
    } else if msg == "expected ',' or ']'" {
        msg = "did not find expected ',' or ']'".into();
    } else if msg == "found unknown anchor" {
        let name: String = text
            .chars()
            .skip(e.marker().index() + 1)
            .take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c))
            .collect();
        return YamlError::decode(format!("unknown anchor '{name}' referenced"));
    }
    let zero_based = (e.marker().line() + line_shift).saturating_sub(1);
    let line = if PARSER_PROBLEMS.contains(&msg.as_str()) {
        zero_based
    } else if zero_based != 0 {
        zero_based + 1
    } else {
        0
    };
    YamlError {
        line,
        col: e.marker().col() + 1,
        message: msg,
        kind: super::ErrorKind::Yaml,
    }
}

/// A decoded value with go-yaml v2's Go types, before `sigs.k8s.io/yaml` turns it into JSON.
#[derive(Debug, Clone)]
enum GoVal {
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
struct Decoder {
    alias_depth: usize,
    decode_count: usize,
    alias_count: usize,
}

impl Decoder {
    fn decode(&mut self, n: &Node) -> Result<GoVal, YamlError> {
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
fn to_json(v: GoVal) -> Result<Json, YamlError> {
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
fn check_json(v: &GoVal) -> Result<(), YamlError> {
    match v {
        GoVal::Float(f) if !f.is_finite() => Err(unsupported_float(*f)),
        GoVal::Seq(items) => items.iter().try_for_each(check_json),
        GoVal::Map(m) => m.values().try_for_each(check_json),
        _ => Ok(()),
    }
}

/// The value `json.Unmarshal` into `interface{}` produces from the marshalled JSON: every number
/// a float64.
fn to_value(v: GoVal) -> Result<Value, YamlError> {
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
        assert_eq!(parse_values("a: b\n  c: d").unwrap_err().line, 2);
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
