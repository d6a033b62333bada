//! The executor: walks parse trees over [`Value`]s with Go's semantics (dot, variable scopes,
//! pipelines, field chains, missing keys, `break`/`continue`) and reports errors with Go's
//! `NAME:LINE:COL: executing "T" at <NODE>: MSG` text.

use std::collections::HashMap;
use std::fmt::Write;
use std::rc::Rc;
use std::sync::Arc;

use super::ast::{Arg, Branch, Command, Node, Pipe, TemplateCall, Tree};
use super::call::TplParse;
use super::error::{ErrorCause, ErrorKind, TemplateError};
use super::{ExecOptions, Templates};
use crate::value::{go_quote, Value};

/// Go's `maxExecDepth` for `{{template}}` recursion.
const MAX_TEMPLATE_DEPTH: usize = 100_000;
/// Helm's `recursionMaxNums` for nested `include` of one name.
pub(super) const MAX_INCLUDE_NESTING: usize = 1000;
/// The name of Helm's root template, which `tpl` text is parsed under.
pub(crate) const ROOT_NAME: &str = "gotpl";

/// Non-local exits while walking.
pub(crate) enum Flow {
    Break,
    Continue,
    Err(Box<TemplateError>),
}

pub(super) type R<T> = Result<T, Flow>;

/// The node Go's `state.at` last recorded, for error locations.
#[derive(Clone, Copy)]
pub(super) enum At<'t> {
    None,
    Arg(&'t Arg),
    Cmd(&'t Command),
    Pipe(&'t Pipe),
    Tmpl(&'t TemplateCall),
}

/// Per-invocation state: Go starts a fresh variable stack for every template invocation.
///
/// The `bool`s record whether a value is typed `interface {}` in Go (range elements), which
/// changes field errors: "nil pointer evaluating interface {}.x" instead of a silent nil, and
/// "in type interface {}" instead of the concrete type.
pub(super) struct Frame<'t> {
    pub(super) tree: &'t Tree,
    pub(super) vars: Vec<(&'t str, Value, bool)>,
    pub(super) dot_iface: bool,
    pub(super) at: At<'t>,
}

pub(crate) struct Exec<'s> {
    pub(super) set: &'s Templates,
    pub(super) opts: &'s ExecOptions<'s>,
    pub out: String,
    pub(super) include_counts: HashMap<String, usize>,
    /// `define`s made visible by enclosing `tpl` calls (Go's cloned template sets).
    pub(super) overlays: Vec<Rc<HashMap<String, Arc<Tree>>>>,
    pub(super) tpl_cache: HashMap<String, Rc<TplParse>>,
    pub(super) depth: usize,
    pub(super) arg_pool: Vec<Vec<Value>>,
}

pub(super) fn grow<T>(f: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, f)
}

impl<'s> Exec<'s> {
    pub fn new(set: &'s Templates, opts: &'s ExecOptions<'s>) -> Exec<'s> {
        Exec {
            set,
            opts,
            out: String::new(),
            include_counts: HashMap::new(),
            overlays: Vec::new(),
            tpl_cache: HashMap::new(),
            depth: 0,
            arg_pool: Vec::new(),
        }
    }

    pub fn lookup(&self, name: &str) -> Option<Arc<Tree>> {
        for o in self.overlays.iter().rev() {
            if let Some(t) = o.get(name) {
                return Some(t.clone());
            }
        }
        self.set.trees.get(name).cloned()
    }

    /// Runs `tree` with `dot` as both `.` and `$`, appending to the output buffer.
    pub fn exec_tree(&mut self, tree: &Tree, dot: Value) -> Result<(), Box<TemplateError>> {
        // Recursive templates nest as deep as Helm allows (1000 includes of one name, Go's
        // 100000 template calls); grow the stack on demand instead of overflowing it.
        stacker::maybe_grow(128 * 1024, 4 * 1024 * 1024, || {
            self.exec_tree_inner(tree, dot)
        })
    }

    pub(super) fn exec_tree_inner(
        &mut self,
        tree: &Tree,
        dot: Value,
    ) -> Result<(), Box<TemplateError>> {
        let mut f = Frame {
            tree,
            vars: vec![("$", dot.clone(), false)],
            dot_iface: false,
            at: At::None,
        };
        match self.walk_list(&mut f, &dot, &tree.root) {
            Err(Flow::Err(e)) => Err(e),
            _ => Ok(()),
        }
    }

    pub(super) fn err(&self, f: &Frame<'_>, msg: impl Into<String>) -> Flow {
        let (pos, context) = match f.at {
            At::None => {
                return Flow::Err(Box::new(TemplateError {
                    template: f.tree.name.clone(),
                    line: 0,
                    col: 0,
                    kind: ErrorKind::Exec,
                    message: msg.into(),
                    executing: f.tree.name.clone(),
                    context: None,
                    cause: None,
                }))
            }
            At::Arg(a) => (a.pos(), a.to_string()),
            At::Cmd(c) => (c.pos, c.to_string()),
            At::Pipe(p) => (p.pos, p.to_string()),
            At::Tmpl(t) => (t.pos, t.to_string()),
        };
        let (line, col) = f.tree.location(pos);
        Flow::Err(Box::new(TemplateError {
            template: f.tree.parse_name.to_string(),
            line,
            col,
            kind: ErrorKind::Exec,
            message: msg.into(),
            executing: f.tree.name.clone(),
            context: Some(context),
            cause: None,
        }))
    }

    /// Go's `error calling NAME: %w`, at the command.
    pub(super) fn call_err<'t>(
        &self,
        f: &mut Frame<'t>,
        at: At<'t>,
        name: &str,
        cause: ErrorCause,
    ) -> Flow {
        f.at = at;
        let mut flow = self.err(f, format!("error calling {name}: {cause}"));
        if let Flow::Err(e) = &mut flow {
            e.cause = Some(cause);
        }
        flow
    }

    pub(super) fn walk_list<'t>(
        &mut self,
        f: &mut Frame<'t>,
        dot: &Value,
        nodes: &'t [Node],
    ) -> R<()> {
        for node in nodes {
            match node {
                Node::Text(t) => self.out.push_str(t),
                Node::Action(pipe) => {
                    let v = self.eval_pipeline(f, dot, pipe)?;
                    if pipe.decl.is_empty() {
                        self.print_value(&v);
                    }
                }
                // Nested control structures recurse; grow the stack rather than overflow.
                Node::If(b) => grow(|| self.walk_if_with(f, dot, b, false))?,
                Node::With(b) => grow(|| self.walk_if_with(f, dot, b, true))?,
                Node::Range(b) => grow(|| self.walk_range(f, dot, b))?,
                Node::Template(t) => self.walk_template(f, dot, t)?,
                Node::Break => return Err(Flow::Break),
                Node::Continue => return Err(Flow::Continue),
            }
        }
        Ok(())
    }

    pub(super) fn print_value(&mut self, v: &Value) {
        match v {
            Value::Nil => self.out.push_str("<no value>"),
            Value::Str(s) => self.out.push_str(s),
            other => {
                let _ = write!(self.out, "{other}");
            }
        }
    }

    pub(super) fn walk_if_with<'t>(
        &mut self,
        f: &mut Frame<'t>,
        dot: &Value,
        b: &'t Branch,
        with: bool,
    ) -> R<()> {
        let mark = f.vars.len();
        let val = self.eval_pipeline(f, dot, &b.pipe)?;
        let r = if val.truthy() {
            if with {
                let saved = std::mem::replace(&mut f.dot_iface, false);
                let r = self.walk_list(f, &val, &b.list);
                f.dot_iface = saved;
                r
            } else {
                self.walk_list(f, dot, &b.list)
            }
        } else if let Some(e) = &b.else_list {
            self.walk_list(f, dot, e)
        } else {
            Ok(())
        };
        f.vars.truncate(mark);
        r
    }

    pub(super) fn walk_range<'t>(
        &mut self,
        f: &mut Frame<'t>,
        dot: &Value,
        b: &'t Branch,
    ) -> R<()> {
        let mark = f.vars.len();
        let val = self.eval_pipeline(f, dot, &b.pipe)?;
        let inner = f.vars.len();
        let r = match self.range_items(f, b, &val, inner) {
            Ok(true) => Ok(()),
            // The range's own variables stay visible in the else branch, as in Go.
            Ok(false) => match &b.else_list {
                Some(e) => self.walk_list(f, dot, e),
                None => Ok(()),
            },
            Err(e) => Err(e),
        };
        f.vars.truncate(mark);
        r
    }

    /// Iterates; returns whether there was anything to iterate over.
    pub(super) fn range_items<'t>(
        &mut self,
        f: &mut Frame<'t>,
        b: &'t Branch,
        val: &Value,
        inner: usize,
    ) -> R<bool> {
        match val {
            Value::List(l) => {
                if l.is_empty() {
                    return Ok(false);
                }
                let l = l.clone();
                for (i, elem) in l.iter().enumerate() {
                    if self.one_iteration(f, b, Value::Int(i as i64), elem, inner)? {
                        break;
                    }
                }
                Ok(true)
            }
            Value::Map(m) => {
                // Snapshot first: the body may modify the map (sprig `set`), as Go's sorted
                // key list is also taken up front. Keys become values only when bound.
                if b.pipe.decl.len() > 1 {
                    let entries: Vec<(Value, Value)> = m
                        .borrow()
                        .iter()
                        .map(|(k, v)| (Value::str(k), v.clone()))
                        .collect();
                    if entries.is_empty() {
                        return Ok(false);
                    }
                    for (k, v) in entries {
                        if self.one_iteration(f, b, k, &v, inner)? {
                            break;
                        }
                    }
                } else {
                    let values: Vec<Value> = m.borrow().values().cloned().collect();
                    if values.is_empty() {
                        return Ok(false);
                    }
                    for v in &values {
                        if self.one_iteration(f, b, Value::Nil, v, inner)? {
                            break;
                        }
                    }
                }
                Ok(true)
            }
            Value::Bytes(bytes) => {
                if bytes.is_empty() {
                    return Ok(false);
                }
                let bytes = bytes.clone();
                for (i, x) in bytes.iter().enumerate() {
                    if self.one_iteration(
                        f,
                        b,
                        Value::Int(i as i64),
                        &Value::Int(*x as i64),
                        inner,
                    )? {
                        break;
                    }
                }
                Ok(true)
            }
            Value::Int(n) | Value::Int64(n) => {
                if b.pipe.decl.len() > 1 {
                    return Err(self.err(
                        f,
                        format!("can't use {val} to iterate over more than one variable"),
                    ));
                }
                let int64 = matches!(val, Value::Int64(_));
                for i in 0..(*n).max(0) {
                    let e = if int64 {
                        Value::Int64(i)
                    } else {
                        Value::Int(i)
                    };
                    if self.one_iteration(f, b, Value::Nil, &e, inner)? {
                        break;
                    }
                }
                Ok(*n > 0)
            }
            Value::Nil => Ok(false),
            Value::Object(o) => match o.entries() {
                Some(entries) => {
                    if entries.is_empty() {
                        return Ok(false);
                    }
                    for (k, v) in &entries {
                        if self.one_iteration(f, b, Value::str(k), v, inner)? {
                            break;
                        }
                    }
                    Ok(true)
                }
                None => Err(self.err(f, format!("range can't iterate over {val}"))),
            },
            _ => Err(self.err(f, format!("range can't iterate over {val}"))),
        }
    }

    /// One loop body; returns true on `break`.
    pub(super) fn one_iteration<'t>(
        &mut self,
        f: &mut Frame<'t>,
        b: &'t Branch,
        index: Value,
        elem: &Value,
        inner: usize,
    ) -> R<bool> {
        let decl = &b.pipe.decl;
        if !decl.is_empty() {
            if b.pipe.is_assign {
                if decl.len() > 1 {
                    self.set_var(f, &decl[0], index.clone(), false)?;
                } else {
                    self.set_var(f, &decl[0], elem.clone(), true)?;
                }
            } else {
                f.vars[inner - 1].1 = elem.clone();
                f.vars[inner - 1].2 = true;
            }
        }
        if decl.len() > 1 {
            if b.pipe.is_assign {
                self.set_var(f, &decl[1], elem.clone(), true)?;
            } else {
                f.vars[inner - 2].1 = index;
                f.vars[inner - 2].2 = false;
            }
        }
        let saved = std::mem::replace(&mut f.dot_iface, true);
        let r = self.walk_list(f, elem, &b.list);
        f.dot_iface = saved;
        f.vars.truncate(inner);
        match r {
            Ok(()) | Err(Flow::Continue) => Ok(false),
            Err(Flow::Break) => Ok(true),
            Err(e) => Err(e),
        }
    }

    pub(super) fn walk_template<'t>(
        &mut self,
        f: &mut Frame<'t>,
        dot: &Value,
        t: &'t TemplateCall,
    ) -> R<()> {
        f.at = At::Tmpl(t);
        let Some(tree) = self.lookup(&t.name) else {
            return Err(self.err(f, format!("template {} not defined", go_quote(&t.name))));
        };
        if self.depth >= MAX_TEMPLATE_DEPTH {
            return Err(self.err(
                f,
                format!("exceeded maximum template depth ({MAX_TEMPLATE_DEPTH})"),
            ));
        }
        let new_dot = match &t.pipe {
            Some(p) => self.eval_pipeline(f, dot, p)?,
            None => Value::Nil,
        };
        self.depth += 1;
        let r = self.exec_tree(&tree, new_dot);
        self.depth -= 1;
        r.map_err(Flow::Err)
    }

    pub(super) fn set_var(&self, f: &mut Frame<'_>, name: &str, v: Value, iface: bool) -> R<()> {
        for (n, slot, i) in f.vars.iter_mut().rev() {
            if *n == name {
                *slot = v;
                *i = iface;
                return Ok(());
            }
        }
        Err(self.err(f, format!("undefined variable: {name}")))
    }

    pub(super) fn var_value(&self, f: &Frame<'_>, name: &str) -> R<(Value, bool)> {
        for (n, v, iface) in f.vars.iter().rev() {
            if *n == name {
                return Ok((v.clone(), *iface));
            }
        }
        Err(self.err(f, format!("undefined variable: {name}")))
    }
}
