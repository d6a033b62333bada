//! Turning YAML text into node trees: `yaml-rust2` events plus the places where libyaml (go-yaml
//! v2's scanner) is more lenient, and go-yaml's error wording and line numbering.

use std::collections::HashMap;
use std::rc::Rc;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{ScanError, TScalarStyle};

use super::YamlError;

/// A YAML node as go-yaml's parser builds it.
#[derive(Debug)]
pub(super) enum Node {
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
pub(super) fn read_stream(
    text: &str,
    first_only: bool,
) -> Result<Vec<Option<Rc<Node>>>, YamlError> {
    // libyaml skips a byte-order mark at the start of the stream.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut patched: Option<String> = None;
    loop {
        let t = patched.as_deref().unwrap_or(text);
        let mut r = Reader {
            parser: Parser::new_from_str(t),
            text: t,
            anchors: HashMap::new(),
            anchor_at: HashMap::new(),
            patch: None,
            depth: 0,
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
                            line: lines + 1,
                            col: 0,
                            go_line: if lines == 0 { 0 } else { lines + 1 },
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
    /// Anchor id → char index of its node, to recover the name for error messages.
    anchor_at: HashMap<usize, usize>,
    /// A libyaml-compatible fix for the error just hit (see [`read_stream`]).
    patch: Option<Patch>,
    depth: usize,
}

/// Nesting limit for collections (go-yaml allows 10000; recursion here must fit a thread's
/// stack, and real documents stay far below this).
pub(super) const MAX_DEPTH: usize = 400;

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
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(YamlError::decode(format!(
                "exceeded max depth of {MAX_DEPTH}"
            )));
        }
        let r = self.node_inner(ev, at);
        self.depth -= 1;
        r
    }

    fn node_inner(&mut self, ev: Event, at: usize) -> Result<Rc<Node>, YamlError> {
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
            self.anchor_at.insert(id, at);
        }
    }

    fn finish_anchor(&mut self, id: usize, n: &Rc<Node>, at: usize) {
        if id != 0 {
            self.anchor_at.entry(id).or_insert(at);
            self.anchors.insert(id, Some(n.clone()));
        }
    }

    fn name_of(&self, id: usize) -> String {
        self.anchor_at
            .get(&id)
            .map(|&at| anchor_name_near(self.text, at))
            .unwrap_or_default()
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
                    line: zero_based + 1,
                    col: 0,
                    go_line: if zero_based == 0 { 0 } else { zero_based + 1 },
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
    } else if msg == "illegal placement of ':' indicator" {
        // An unclosed flow collection ran into a block mapping key: libyaml's parser reports
        // the missing separator of the innermost open collection.
        let mut open = Vec::new();
        for c in text.chars().take(e.marker().index()) {
            match c {
                '[' | '{' => open.push(c),
                ']' | '}' => {
                    open.pop();
                }
                _ => {}
            }
        }
        msg = match open.last() {
            Some('{') => "did not find expected ',' or '}'".into(),
            _ => "did not find expected ',' or ']'".into(),
        };
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
        line: e.marker().line(),
        col: e.marker().col() + 1,
        go_line: line,
        message: msg,
        kind: super::ErrorKind::Yaml,
    }
}
