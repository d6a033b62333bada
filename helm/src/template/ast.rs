//! Parse trees of Go templates. Nodes keep byte positions into their tree's text so execution
//! errors can report Go's `NAME:LINE:COL`, and print themselves as Go's `Node.String()` for the
//! `at <...>` part of error messages.

use std::fmt;
use std::sync::Arc;

use crate::funcs::Func;

/// A parsed template (a file or a `define`), immutable and shareable across threads.
#[derive(Debug)]
pub(crate) struct Tree {
    /// The template's name (file path or `define` name).
    pub name: String,
    /// The name of the file it was parsed from (Go's `ParseName`), used in error locations.
    pub parse_name: Arc<str>,
    /// The whole parsed text; node positions index into it.
    pub text: Arc<str>,
    pub root: Vec<Node>,
}

impl Tree {
    /// Go's `IsEmptyTree`: only whitespace text and comments.
    pub fn is_empty(&self) -> bool {
        self.root.iter().all(|n| match n {
            Node::Text(t) => t.trim_matches(|c: char| c.is_ascii_whitespace()).is_empty(),
            _ => false,
        })
    }

    /// 1-based line and 0-based byte column of `pos`, as Go's `ErrorContext` computes them.
    pub fn location(&self, pos: usize) -> (usize, usize) {
        let before = &self.text[..pos.min(self.text.len())];
        let line = 1 + before.matches('\n').count();
        let col = match before.rfind('\n') {
            Some(i) => pos - i - 1,
            None => pos,
        };
        (line, col)
    }
}

#[derive(Debug)]
pub(crate) enum Node {
    Text(Box<str>),
    Action(Pipe),
    If(Box<Branch>),
    With(Box<Branch>),
    Range(Box<Branch>),
    Template(Box<TemplateCall>),
    Break,
    Continue,
}

/// The shared shape of `if`, `with` and `range`.
#[derive(Debug)]
pub(crate) struct Branch {
    pub pipe: Pipe,
    pub list: Vec<Node>,
    pub else_list: Option<Vec<Node>>,
}

#[derive(Debug)]
pub(crate) struct TemplateCall {
    pub pos: usize,
    pub name: String,
    pub pipe: Option<Pipe>,
}

#[derive(Debug)]
pub(crate) struct Pipe {
    pub pos: usize,
    pub is_assign: bool,
    pub decl: Vec<Box<str>>,
    pub cmds: Vec<Command>,
}

#[derive(Debug)]
pub(crate) struct Command {
    pub pos: usize,
    pub args: Vec<Arg>,
}

/// The functions the executor implements itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Builtin {
    And,
    Or,
    Not,
    Call,
    Html,
    Index,
    Slice,
    Js,
    Len,
    Print,
    Printf,
    Println,
    Urlquery,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Include,
    Tpl,
    Lookup,
}

impl Builtin {
    pub fn from_name(name: &str) -> Option<Builtin> {
        Some(match name {
            "and" => Builtin::And,
            "or" => Builtin::Or,
            "not" => Builtin::Not,
            "call" => Builtin::Call,
            "html" => Builtin::Html,
            "index" => Builtin::Index,
            "slice" => Builtin::Slice,
            "js" => Builtin::Js,
            "len" => Builtin::Len,
            "print" => Builtin::Print,
            "printf" => Builtin::Printf,
            "println" => Builtin::Println,
            "urlquery" => Builtin::Urlquery,
            "eq" => Builtin::Eq,
            "ne" => Builtin::Ne,
            "lt" => Builtin::Lt,
            "le" => Builtin::Le,
            "gt" => Builtin::Gt,
            "ge" => Builtin::Ge,
            _ => return None,
        })
    }

    /// Helm's engine-bound functions, which take precedence over the library.
    pub fn engine(name: &str) -> Option<Builtin> {
        Some(match name {
            "include" => Builtin::Include,
            "tpl" => Builtin::Tpl,
            "lookup" => Builtin::Lookup,
            _ => return None,
        })
    }
}

/// What an identifier calls, resolved at parse time.
#[derive(Clone, Copy)]
pub(crate) enum Callee {
    Builtin(Builtin),
    Func(Func),
}

impl fmt::Debug for Callee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Callee::Builtin(b) => write!(f, "{b:?}"),
            Callee::Func(_) => f.write_str("Func"),
        }
    }
}

/// A numeric literal's value the way Go's `idealConstant` types it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Const {
    Int(i64),
    Float(f64),
    /// Fits no `int` (e.g. a uint64 beyond i64): an execution-time "overflows int" error.
    Overflow,
}

#[derive(Debug)]
pub(crate) enum Arg {
    Field {
        pos: usize,
        idents: Vec<Box<str>>,
    },
    /// `$x.a.b`: `name` is `$x`, `fields` are `a`, `b`.
    Variable {
        pos: usize,
        name: Box<str>,
        fields: Vec<Box<str>>,
    },
    Chain {
        pos: usize,
        node: Box<Arg>,
        fields: Vec<Box<str>>,
    },
    Ident {
        pos: usize,
        name: Box<str>,
        callee: Callee,
    },
    Pipe(Box<Pipe>),
    Dot(usize),
    Nil(usize),
    Bool(usize, bool),
    Number {
        pos: usize,
        text: Box<str>,
        value: Const,
    },
    Str {
        pos: usize,
        quoted: Box<str>,
        value: Box<str>,
    },
}

impl Arg {
    pub fn pos(&self) -> usize {
        match self {
            Arg::Field { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Ident { pos, .. }
            | Arg::Number { pos, .. }
            | Arg::Str { pos, .. }
            | Arg::Dot(pos)
            | Arg::Nil(pos)
            | Arg::Bool(pos, _) => *pos,
            Arg::Pipe(p) => p.pos,
        }
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field { idents, .. } => {
                for i in idents {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Variable { name, fields, .. } => {
                f.write_str(name)?;
                for i in fields {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Chain { node, fields, .. } => {
                if let Arg::Pipe(p) = &**node {
                    write!(f, "({p})")?;
                } else {
                    write!(f, "{node}")?;
                }
                for i in fields {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Ident { name, .. } => f.write_str(name),
            Arg::Pipe(p) => write!(f, "{p}"),
            Arg::Dot(_) => f.write_str("."),
            Arg::Nil(_) => f.write_str("nil"),
            Arg::Bool(_, b) => write!(f, "{b}"),
            Arg::Number { text, .. } => f.write_str(text),
            Arg::Str { quoted, .. } => f.write_str(quoted),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            if let Arg::Pipe(p) = a {
                write!(f, "({p})")?;
            } else {
                write!(f, "{a}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            for (i, d) in self.decl.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                f.write_str(d)?;
            }
            f.write_str(if self.is_assign { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl fmt::Display for TemplateCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.pipe {
            Some(p) => write!(
                f,
                "{{{{template {} {}}}}}",
                crate::value::go_quote(&self.name),
                p
            ),
            None => write!(f, "{{{{template {}}}}}", crate::value::go_quote(&self.name)),
        }
    }
}

// Deeply nested trees (Go allows 10000 nested parentheses) would overflow the stack when
// dropped recursively; each level checks the stack and grows it when needed.
impl Drop for Pipe {
    fn drop(&mut self) {
        let cmds = std::mem::take(&mut self.cmds);
        stacker::maybe_grow(32 * 1024, 1024 * 1024, move || drop(cmds));
    }
}

impl Drop for Branch {
    fn drop(&mut self) {
        let list = std::mem::take(&mut self.list);
        let else_list = self.else_list.take();
        stacker::maybe_grow(32 * 1024, 1024 * 1024, move || drop((list, else_list)));
    }
}
