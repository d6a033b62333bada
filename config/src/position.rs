//! Where each node of a YAML document sits: a path → line/column index for semantic errors.
//!
//! serde gives positions only for errors it finds itself. Rules checked after deserialising
//! (a bad namespace, a duplicate app entry) look their node up here by its path, e.g.
//! `spec.apps[2].name`. The index is built from the parser's events, so it knows nothing
//! about the text beyond what the YAML parser reports.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, ScanError};

/// One step of a path into a YAML document.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

impl From<&str> for Seg {
    fn from(key: &str) -> Seg {
        Seg::Key(key.to_owned())
    }
}

impl From<&String> for Seg {
    fn from(key: &String) -> Seg {
        Seg::Key(key.clone())
    }
}

impl From<usize> for Seg {
    fn from(index: usize) -> Seg {
        Seg::Index(index)
    }
}

/// Builds a `[Seg; N]` path: `ypath!["spec", "apps", i, "name"]`.
macro_rules! ypath {
    ($($seg:expr),* $(,)?) => { [$($crate::position::Seg::from($seg)),*] };
}
pub(crate) use ypath;

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pos {
    pub line: usize,
    pub col: usize,
}

impl Pos {
    fn from_marker(m: Marker) -> Pos {
        // yaml-rust2 lines are 1-based, columns 0-based.
        Pos {
            line: m.line(),
            col: m.col() + 1,
        }
    }
}

/// The position of every node of one YAML document, by path.
///
/// A mapping entry is placed at its key (`name:`), so an error points at the line a reader
/// scans for; a sequence item at its first token.
#[derive(Debug, Default)]
pub(crate) struct Positions {
    nodes: HashMap<Vec<Seg>, Pos>,
    /// The first mapping key that repeats an earlier one in the same mapping.
    duplicate_key: Option<(String, Pos)>,
}

impl Positions {
    /// Indexes the first document of `src`.
    pub fn parse(src: &str) -> Result<Positions, ScanError> {
        let mut builder = Builder::default();
        Parser::new_from_str(src).load(&mut builder, false)?;
        Ok(Positions {
            nodes: builder.nodes,
            duplicate_key: builder.duplicate_key,
        })
    }

    /// The first key repeated within one mapping, and where the repeat is (serde reports
    /// duplicates without a position).
    pub fn duplicate_key(&self) -> Option<(&str, Pos)> {
        self.duplicate_key.as_ref().map(|(k, p)| (k.as_str(), *p))
    }

    /// The position of the node at `path`, or of its nearest ancestor that exists
    /// (a missing field is reported at the mapping that lacks it).
    pub fn at(&self, path: &[Seg]) -> Pos {
        (0..=path.len())
            .rev()
            .find_map(|n| self.nodes.get(&path[..n]).copied())
            .unwrap_or(Pos { line: 1, col: 1 })
    }
}

/// A container being walked; `path` is `None` inside complex (non-scalar) mapping keys.
enum Frame {
    Map {
        path: Option<Vec<Seg>>,
        key: Option<String>,
        want_key: bool,
    },
    Seq {
        path: Option<Vec<Seg>>,
        next: usize,
    },
}

/// What the node that starts now is, seen from its parent.
enum Role {
    /// A mapping key (scalar keys are remembered for the value that follows).
    Key,
    /// A value at this path (`None`: untracked).
    Value(Option<Vec<Seg>>),
}

#[derive(Default)]
struct Builder {
    nodes: HashMap<Vec<Seg>, Pos>,
    duplicate_key: Option<(String, Pos)>,
    stack: Vec<Frame>,
    done: bool,
}

impl Builder {
    fn role(&mut self) -> Role {
        match self.stack.last_mut() {
            None => Role::Value(Some(Vec::new())),
            Some(Frame::Seq { path, next }) => {
                let p = path.clone().map(|mut p| {
                    p.push(Seg::Index(*next));
                    p
                });
                *next += 1;
                Role::Value(p)
            }
            Some(Frame::Map { want_key, .. }) if *want_key => Role::Key,
            Some(Frame::Map {
                path,
                key,
                want_key,
            }) => {
                *want_key = true;
                let p = match (path.clone(), key.take()) {
                    (Some(mut p), Some(k)) => {
                        p.push(Seg::Key(k));
                        Some(p)
                    }
                    _ => None,
                };
                Role::Value(p)
            }
        }
    }

    fn record(&mut self, path: &Option<Vec<Seg>>, pos: Pos) {
        if let Some(p) = path {
            self.nodes.entry(p.clone()).or_insert(pos);
        }
    }

    /// Marks that the key of the innermost mapping has been read.
    fn key_read(&mut self, key: Option<String>, pos: Pos) {
        let path = match self.stack.last_mut() {
            Some(Frame::Map {
                path,
                key: slot,
                want_key,
            }) => {
                *want_key = false;
                *slot = key.clone();
                // The parser marks a block mapping's start at its first `:`; a mapping that is
                // a sequence item (or the document) reads better placed at its first key.
                if let Some(p) = path.as_ref() {
                    if let Some(start) = self.nodes.get_mut(p) {
                        if (pos.line, pos.col) < (start.line, start.col) {
                            *start = pos;
                        }
                    }
                }
                match (path.clone(), key) {
                    (Some(mut p), Some(k)) => {
                        p.push(Seg::Key(k));
                        Some(p)
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(p) = &path {
            if self.nodes.contains_key(p) && self.duplicate_key.is_none() {
                if let Some(Seg::Key(k)) = p.last() {
                    self.duplicate_key = Some((k.clone(), pos));
                }
            }
        }
        self.record(&path, pos);
    }

    fn open(&mut self, seq: bool, pos: Pos) {
        let path = match self.role() {
            Role::Key => {
                // A complex key: its value is untracked, and so is everything inside it.
                self.key_read(None, pos);
                None
            }
            Role::Value(p) => {
                self.record(&p, pos);
                p
            }
        };
        self.stack.push(if seq {
            Frame::Seq { path, next: 0 }
        } else {
            Frame::Map {
                path,
                key: None,
                want_key: true,
            }
        });
    }

    fn leaf(&mut self, scalar: Option<String>, pos: Pos) {
        match self.role() {
            Role::Key => self.key_read(scalar, pos),
            Role::Value(p) => self.record(&p, pos),
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.done {
            return;
        }
        let pos = Pos::from_marker(mark);
        match ev {
            Event::Scalar(value, ..) => self.leaf(Some(value), pos),
            Event::Alias(_) => self.leaf(None, pos),
            Event::MappingStart(..) => self.open(false, pos),
            Event::SequenceStart(..) => self.open(true, pos),
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::DocumentEnd => self.done = true,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
a: 1
b:
  c: [x, y]
  d:
    - name: one
    - name: two
      e: {f: g}
";

    fn at(p: &Positions, path: &[Seg]) -> (usize, usize) {
        let pos = p.at(path);
        (pos.line, pos.col)
    }

    #[test]
    fn keys_are_placed_at_their_key() {
        let p = Positions::parse(DOC).unwrap();
        assert_eq!(at(&p, &ypath!["a"]), (1, 1));
        assert_eq!(at(&p, &ypath!["b"]), (2, 1));
        assert_eq!(at(&p, &ypath!["b", "c"]), (3, 3));
        assert_eq!(at(&p, &ypath!["b", "c", 1]), (3, 10));
        assert_eq!(at(&p, &ypath!["b", "d", 1, "name"]), (6, 7));
        assert_eq!(at(&p, &ypath!["b", "d", 1, "e", "f"]), (7, 11));
    }

    #[test]
    fn missing_nodes_fall_back_to_the_nearest_ancestor() {
        let p = Positions::parse(DOC).unwrap();
        assert_eq!(at(&p, &ypath!["b", "d", 0, "missing"]), (5, 7));
        assert_eq!(at(&p, &ypath!["nope"]), p.at(&[]).into_tuple());
    }

    #[test]
    fn duplicate_keys_are_found() {
        let p = Positions::parse("a: 1\nb:\n  c: 1\n  c: 2\n").unwrap();
        let (key, pos) = p.duplicate_key().unwrap();
        assert_eq!((key, pos.line, pos.col), ("c", 4, 3));
        assert!(Positions::parse(DOC).unwrap().duplicate_key().is_none());
    }

    impl Pos {
        fn into_tuple(self) -> (usize, usize) {
            (self.line, self.col)
        }
    }
}
