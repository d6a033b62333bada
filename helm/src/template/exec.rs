//! The executor: walks parse trees over [`Value`]s with Go's semantics (dot, variable scopes,
//! pipelines, field chains, missing keys, `break`/`continue`) and reports errors with Go's
//! `NAME:LINE:COL: executing "T" at <NODE>: MSG` text.

use std::collections::HashMap;
use std::fmt::Write;
use std::rc::Rc;
use std::sync::Arc;

use super::ast::{Arg, Branch, Builtin, Callee, Command, Const, Node, Pipe, TemplateCall, Tree};
use super::builtins;
use super::error::{ErrorCause, ErrorKind, TemplateError};
use super::{ExecOptions, Templates};
use crate::value::{go_quote, Value};

/// Go's `maxExecDepth` for `{{template}}` recursion.
const MAX_TEMPLATE_DEPTH: usize = 100_000;
/// Helm's `recursionMaxNums` for nested `include` of one name.
const MAX_INCLUDE_NESTING: usize = 1000;
/// The name of Helm's root template, which `tpl` text is parsed under.
pub(crate) const ROOT_NAME: &str = "gotpl";

/// Non-local exits while walking.
pub(crate) enum Flow {
    Break,
    Continue,
    Err(Box<TemplateError>),
}

type R<T> = Result<T, Flow>;

/// The node Go's `state.at` last recorded, for error locations.
#[derive(Clone, Copy)]
enum At<'t> {
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
struct Frame<'t> {
    tree: &'t Tree,
    vars: Vec<(&'t str, Value, bool)>,
    dot_iface: bool,
    at: At<'t>,
}

/// A string argument: borrowed from a literal in the tree, or a computed value.
enum StrArg<'t> {
    Lit(&'t str),
    Val(Rc<str>),
}

impl std::ops::Deref for StrArg<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            StrArg::Lit(s) => s,
            StrArg::Val(s) => s,
        }
    }
}

/// A `tpl` string parsed once per execution.
struct TplParse {
    main: Arc<Tree>,
    defines: Option<Rc<HashMap<String, Arc<Tree>>>>,
}

pub(crate) struct Exec<'s> {
    set: &'s Templates,
    opts: &'s ExecOptions<'s>,
    pub out: String,
    include_counts: HashMap<String, usize>,
    /// `define`s made visible by enclosing `tpl` calls (Go's cloned template sets).
    overlays: Vec<Rc<HashMap<String, Arc<Tree>>>>,
    tpl_cache: HashMap<String, Rc<TplParse>>,
    depth: usize,
}

fn grow<T>(f: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, f)
}

/// Go's `evalArg`/`validateType` wording for an argument of the wrong type.
fn arg_type_message(node: Option<&Arg>, expected: &str, got: &str) -> String {
    let literal_kind = match expected {
        "int" | "int8" | "int16" | "int32" | "int64" => Some("integer"),
        "uint" | "uint8" | "uint16" | "uint32" | "uint64" => Some("unsigned integer"),
        "float32" | "float64" => Some("float"),
        "string" => Some("string"),
        "bool" => Some("bool"),
        _ => None,
    };
    match node {
        Some(Arg::Nil(_)) => {
            let nilable = expected.starts_with('[')
                || expected.starts_with("map[")
                || expected.starts_with('*')
                || expected.starts_with("interface");
            if nilable {
                format!("wrong type for value; expected {expected}; got {got}")
            } else {
                format!("cannot assign nil to {expected}")
            }
        }
        Some(a @ (Arg::Str { .. } | Arg::Number { .. } | Arg::Bool(..))) => match literal_kind {
            Some(k) => format!("expected {k}; found {a}"),
            None => format!("can't handle {a} for arg of type {expected}"),
        },
        _ => format!("wrong type for value; expected {expected}; got {got}"),
    }
}

fn quote(s: &str) -> String {
    go_quote(s)
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

    fn exec_tree_inner(&mut self, tree: &Tree, dot: Value) -> Result<(), Box<TemplateError>> {
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

    fn err(&self, f: &Frame<'_>, msg: impl Into<String>) -> Flow {
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
    fn call_err<'t>(&self, f: &mut Frame<'t>, at: At<'t>, name: &str, cause: ErrorCause) -> Flow {
        f.at = at;
        let mut flow = self.err(f, format!("error calling {name}: {cause}"));
        if let Flow::Err(e) = &mut flow {
            e.cause = Some(cause);
        }
        flow
    }

    fn walk_list<'t>(&mut self, f: &mut Frame<'t>, dot: &Value, nodes: &'t [Node]) -> R<()> {
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

    fn print_value(&mut self, v: &Value) {
        match v {
            Value::Nil => self.out.push_str("<no value>"),
            Value::Str(s) => self.out.push_str(s),
            other => {
                let _ = write!(self.out, "{other}");
            }
        }
    }

    fn walk_if_with<'t>(
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

    fn walk_range<'t>(&mut self, f: &mut Frame<'t>, dot: &Value, b: &'t Branch) -> R<()> {
        let mark = f.vars.len();
        let val = self.eval_pipeline(f, dot, &b.pipe)?;
        let inner = f.vars.len();
        let r = match self.range_items(f, dot, b, &val, inner) {
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
    fn range_items<'t>(
        &mut self,
        f: &mut Frame<'t>,
        _dot: &Value,
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
    fn one_iteration<'t>(
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

    fn walk_template<'t>(&mut self, f: &mut Frame<'t>, dot: &Value, t: &'t TemplateCall) -> R<()> {
        f.at = At::Tmpl(t);
        let Some(tree) = self.lookup(&t.name) else {
            return Err(self.err(f, format!("template {} not defined", quote(&t.name))));
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

    fn set_var(&self, f: &mut Frame<'_>, name: &str, v: Value, iface: bool) -> R<()> {
        for (n, slot, i) in f.vars.iter_mut().rev() {
            if *n == name {
                *slot = v;
                *i = iface;
                return Ok(());
            }
        }
        Err(self.err(f, format!("undefined variable: {name}")))
    }

    fn var_value(&self, f: &Frame<'_>, name: &str) -> R<(Value, bool)> {
        for (n, v, iface) in f.vars.iter().rev() {
            if *n == name {
                return Ok((v.clone(), *iface));
            }
        }
        Err(self.err(f, format!("undefined variable: {name}")))
    }

    fn eval_pipeline<'t>(&mut self, f: &mut Frame<'t>, dot: &Value, pipe: &'t Pipe) -> R<Value> {
        f.at = At::Pipe(pipe);
        let mut val: Option<Value> = None;
        for cmd in &pipe.cmds {
            val = Some(self.eval_command(f, dot, cmd, val)?);
        }
        let v = val.unwrap_or(Value::Nil);
        for d in &pipe.decl {
            if pipe.is_assign {
                self.set_var(f, d, v.clone(), false)?;
            } else {
                f.vars.push((d, v.clone(), false));
            }
        }
        Ok(v)
    }

    fn not_a_function(&self, f: &Frame<'_>, args: &[Arg], final_: &Option<Value>) -> R<()> {
        if args.len() > 1 || final_.is_some() {
            return Err(self.err(
                f,
                format!("can't give argument to non-function {}", args[0]),
            ));
        }
        Ok(())
    }

    fn eval_command<'t>(
        &mut self,
        f: &mut Frame<'t>,
        dot: &Value,
        cmd: &'t Command,
        final_: Option<Value>,
    ) -> R<Value> {
        let first = &cmd.args[0];
        let rest = &cmd.args[1..];
        match first {
            Arg::Field { idents, .. } => {
                f.at = At::Arg(first);
                let iface = f.dot_iface;
                self.eval_field_chain(f, dot, dot.clone(), iface, first, idents, rest, final_)
            }
            Arg::Chain { node, fields, .. } => {
                f.at = At::Arg(first);
                let recv = self.eval_chain_receiver(f, dot, first, node)?;
                self.eval_field_chain(f, dot, recv, false, first, fields, rest, final_)
            }
            Arg::Ident { .. } => self.eval_function(f, dot, first, At::Cmd(cmd), rest, final_),
            Arg::Pipe(p) => {
                self.not_a_function(f, &cmd.args, &final_)?;
                grow(|| self.eval_pipeline(f, dot, p))
            }
            Arg::Variable { name, fields, .. } => {
                f.at = At::Arg(first);
                let (v, iface) = self.var_value(f, name)?;
                if fields.is_empty() {
                    self.not_a_function(f, &cmd.args, &final_)?;
                    return Ok(v);
                }
                self.eval_field_chain(f, dot, v, iface, first, fields, rest, final_)
            }
            _ => {
                f.at = At::Arg(first);
                self.not_a_function(f, &cmd.args, &final_)?;
                match first {
                    Arg::Nil(_) => Err(self.err(f, "nil is not a command")),
                    _ => self.eval_arg(f, dot, first),
                }
            }
        }
    }

    fn eval_chain_receiver<'t>(
        &mut self,
        f: &mut Frame<'t>,
        dot: &Value,
        chain: &'t Arg,
        node: &'t Arg,
    ) -> R<Value> {
        if let Arg::Nil(_) = node {
            return Err(self.err(f, format!("indirection through explicit nil in {chain}")));
        }
        self.eval_arg(f, dot, node)
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_field_chain<'t>(
        &mut self,
        f: &mut Frame<'t>,
        dot: &Value,
        receiver: Value,
        receiver_iface: bool,
        node: &'t Arg,
        idents: &'t [Box<str>],
        args: &'t [Arg],
        mut final_: Option<Value>,
    ) -> R<Value> {
        let n = idents.len();
        let mut recv = receiver;
        let mut from_iface = receiver_iface;
        for (i, id) in idents.iter().enumerate() {
            let (a, fin): (&'t [Arg], Option<Value>) = if i + 1 == n {
                (args, final_.take())
            } else {
                (&[], None)
            };
            let (v, iface) = self.eval_field(f, dot, id, node, a, fin, &recv, from_iface)?;
            recv = v;
            from_iface = iface;
        }
        Ok(recv)
    }

    /// One step of a field chain; the flag says whether the result came out of a map (Go's
    /// `interface {}`), which decides between silent nil and "nil pointer evaluating".
    #[allow(clippy::too_many_arguments)]
    fn eval_field<'t>(
        &mut self,
        f: &mut Frame<'t>,
        dot: &Value,
        name: &str,
        node: &'t Arg,
        args: &'t [Arg],
        final_: Option<Value>,
        recv: &Value,
        from_iface: bool,
    ) -> R<(Value, bool)> {
        let has_args = !args.is_empty() || final_.is_some();
        let typ = |v: &Value| {
            if from_iface {
                "interface {}".to_string()
            } else {
                v.type_name()
            }
        };
        match recv {
            Value::Nil => {
                if from_iface {
                    return Err(
                        self.err(f, format!("nil pointer evaluating interface {{}}.{name}"))
                    );
                }
                if self.opts.strict {
                    return Err(self.err(f, format!("nil data; no entry for key {}", quote(name))));
                }
                Ok((Value::Nil, false))
            }
            Value::Map(m) => {
                if has_args {
                    return Err(self.err(f, format!("{name} is not a method but has arguments")));
                }
                let got = m.borrow().get(name).cloned();
                match got {
                    Some(v) => Ok((v, true)),
                    None if self.opts.strict => {
                        Err(self.err(f, format!("map has no entry for key {}", quote(name))))
                    }
                    None => Ok((Value::Nil, true)),
                }
            }
            Value::Object(o) => {
                let o = o.clone();
                if !has_args {
                    if let Some(v) = o.field(name) {
                        return Ok((v, false));
                    }
                }
                let argv = if has_args {
                    self.eval_call_args(f, dot, args, final_)?
                } else {
                    Vec::new()
                };
                match o.call(name, &argv) {
                    Some(Ok(v)) => Ok((v, false)),
                    Some(Err(e)) => {
                        f.at = At::Arg(node);
                        Err(self.err(f, format!("error calling {name}: {e}")))
                    }
                    None => {
                        f.at = At::Arg(node);
                        if has_args && o.field(name).is_some() {
                            return Err(self.err(
                                f,
                                format!("{name} has arguments but cannot be invoked as function"),
                            ));
                        }
                        Err(self.err(
                            f,
                            format!("can't evaluate field {name} in type {}", typ(recv)),
                        ))
                    }
                }
            }
            other => Err(self.err(
                f,
                format!("can't evaluate field {name} in type {}", typ(other)),
            )),
        }
    }

    fn eval_call_args<'t>(
        &mut self,
        f: &mut Frame<'t>,
        dot: &Value,
        args: &'t [Arg],
        final_: Option<Value>,
    ) -> R<Vec<Value>> {
        let mut argv = Vec::with_capacity(args.len() + 1);
        for a in args {
            argv.push(self.eval_arg(f, dot, a)?);
        }
        if let Some(v) = final_ {
            argv.push(v);
        }
        Ok(argv)
    }

    fn eval_arg<'t>(&mut self, f: &mut Frame<'t>, dot: &Value, arg: &'t Arg) -> R<Value> {
        f.at = At::Arg(arg);
        match arg {
            Arg::Dot(_) => Ok(dot.clone()),
            Arg::Nil(_) => Ok(Value::Nil),
            Arg::Field { idents, .. } => {
                let iface = f.dot_iface;
                self.eval_field_chain(f, dot, dot.clone(), iface, arg, idents, &[], None)
            }
            Arg::Variable { name, fields, .. } => {
                let (v, iface) = self.var_value(f, name)?;
                if fields.is_empty() {
                    return Ok(v);
                }
                self.eval_field_chain(f, dot, v, iface, arg, fields, &[], None)
            }
            Arg::Pipe(p) => grow(|| self.eval_pipeline(f, dot, p)),
            Arg::Ident { .. } => self.eval_function(f, dot, arg, At::Arg(arg), &[], None),
            Arg::Chain { node, fields, .. } => {
                let recv = self.eval_chain_receiver(f, dot, arg, node)?;
                self.eval_field_chain(f, dot, recv, false, arg, fields, &[], None)
            }
            Arg::Bool(_, b) => Ok(Value::Bool(*b)),
            Arg::Number { text, value, .. } => match value {
                Const::Int(i) => Ok(Value::Int(*i)),
                Const::Float(x) => Ok(Value::Float(*x)),
                Const::Overflow => Err(self.err(f, format!("{text} overflows int"))),
            },
            Arg::Str { value, .. } => Ok(Value::str(value)),
        }
    }

    /// An argument bound to a Go `string` parameter, with `evalArg`/`validateType`'s errors.
    fn string_arg<'t>(&mut self, f: &mut Frame<'t>, dot: &Value, arg: &'t Arg) -> R<StrArg<'t>> {
        match arg {
            Arg::Str { value, .. } => Ok(StrArg::Lit(value)),
            Arg::Number { .. } | Arg::Bool(..) => {
                f.at = At::Arg(arg);
                Err(self.err(f, format!("expected string; found {arg}")))
            }
            Arg::Nil(_) => {
                f.at = At::Arg(arg);
                Err(self.err(f, "cannot assign nil to string"))
            }
            _ => {
                let v = self.eval_arg(f, dot, arg)?;
                self.string_value(f, v)
            }
        }
    }

    fn string_value<'t>(&self, f: &Frame<'_>, v: Value) -> R<StrArg<'t>> {
        match v {
            Value::Str(s) => Ok(StrArg::Val(s)),
            // Nils here come out of maps, i.e. typed `interface {}` in Go.
            Value::Nil => {
                Err(self.err(f, "wrong type for value; expected string; got interface {}"))
            }
            other => Err(self.err(
                f,
                format!(
                    "wrong type for value; expected string; got {}",
                    other.type_name()
                ),
            )),
        }
    }

    fn eval_function<'t>(
        &mut self,
        f: &mut Frame<'t>,
        dot: &Value,
        ident: &'t Arg,
        cmd_at: At<'t>,
        args: &'t [Arg],
        final_: Option<Value>,
    ) -> R<Value> {
        f.at = At::Arg(ident);
        let Arg::Ident { name, callee, .. } = ident else {
            return Err(self.err(f, "internal error: not a function"));
        };
        match callee {
            Callee::Func(func) => {
                let argv = self.eval_call_args(f, dot, args, final_)?;
                func(&argv).map_err(|e| self.func_error(f, ident, cmd_at, args, name, e.0))
            }
            Callee::Builtin(b) => self.call_builtin(f, dot, *b, name, cmd_at, args, final_),
        }
    }

    /// Reports a library function's error the way Go would: call-level errors (argument count
    /// and type, see [`super::arg_count_error`]) at the function or argument node, everything
    /// else as `error calling NAME: MSG` at the command.
    fn func_error<'t>(
        &self,
        f: &mut Frame<'t>,
        ident: &'t Arg,
        cmd_at: At<'t>,
        args: &'t [Arg],
        name: &str,
        msg: String,
    ) -> Flow {
        // `MARK index-or-"-" MARK message` (the library's `FuncError::arity`/`bad_arg`).
        if let Some((idx, m)) = msg
            .strip_prefix(super::CALL_ERROR_MARK)
            .and_then(|rest| rest.split_once(super::CALL_ERROR_MARK))
        {
            let Ok(i) = idx.parse::<usize>() else {
                f.at = At::Arg(ident);
                return self.err(f, m);
            };
            let node = args.get(i);
            if let Some(a) = node {
                f.at = At::Arg(a);
            }
            // A literal argument gets evalArg's wording ("expected integer; found \"2\"").
            let text = m
                .strip_prefix("wrong type for value; expected ")
                .and_then(|r| r.split_once("; got "))
                .map(|(expected, got)| arg_type_message(node, expected, got))
                .unwrap_or_else(|| m.to_string());
            return self.err(f, text);
        }
        self.call_err(f, cmd_at, name, ErrorCause::Message(msg))
    }

    #[allow(clippy::too_many_arguments)]
    fn call_builtin<'t>(
        &mut self,
        f: &mut Frame<'t>,
        dot: &Value,
        b: Builtin,
        name: &str,
        cmd_at: At<'t>,
        args: &'t [Arg],
        final_: Option<Value>,
    ) -> R<Value> {
        let n = args.len() + usize::from(final_.is_some());
        // Go checks the argument count against the function's signature first.
        let (fixed, variadic) = match b {
            Builtin::And | Builtin::Or => (1, true),
            Builtin::Not | Builtin::Len => (1, false),
            Builtin::Index | Builtin::Slice | Builtin::Call | Builtin::Printf | Builtin::Eq => {
                (1, true)
            }
            Builtin::Html | Builtin::Js | Builtin::Urlquery | Builtin::Print | Builtin::Println => {
                (0, true)
            }
            Builtin::Ne | Builtin::Lt | Builtin::Le | Builtin::Gt | Builtin::Ge => (2, false),
            Builtin::Include | Builtin::Tpl => (2, false),
            Builtin::Lookup => (4, false),
        };
        if variadic && n < fixed {
            return Err(self.err(
                f,
                format!(
                    "wrong number of args for {name}: want at least {fixed} got {}",
                    args.len()
                ),
            ));
        }
        if !variadic && n != fixed {
            return Err(self.err(
                f,
                format!("wrong number of args for {name}: want {fixed} got {n}"),
            ));
        }
        if matches!(b, Builtin::And | Builtin::Or) {
            let is_or = b == Builtin::Or;
            let mut v = Value::Nil;
            for a in args {
                v = self.eval_arg(f, dot, a)?;
                if v.truthy() == is_or {
                    return Ok(v);
                }
            }
            if let Some(fin) = final_ {
                v = fin;
            }
            return Ok(v);
        }
        // Parameters Go declares as `string`.
        let string_params = match b {
            Builtin::Printf => 1,
            Builtin::Include | Builtin::Tpl => 1,
            Builtin::Lookup => 4,
            _ => 0,
        };
        let mut strs: Vec<StrArg<'t>> = Vec::new();
        let mut argv: Vec<Value> = Vec::with_capacity(n);
        let mut fin = final_;
        for i in 0..n {
            if i < args.len() {
                if i < string_params {
                    strs.push(self.string_arg(f, dot, &args[i])?);
                } else {
                    argv.push(self.eval_arg(f, dot, &args[i])?);
                }
            } else if let Some(v) = fin.take() {
                if i < string_params {
                    strs.push(self.string_value(f, v)?);
                } else {
                    argv.push(v);
                }
            }
        }
        let msg = |r: Result<Value, String>| r.map_err(ErrorCause::Message);
        let result: Result<Value, ErrorCause> = match b {
            Builtin::Not => Ok(Value::Bool(!argv[0].truthy())),
            Builtin::Len => msg(builtins::len(&argv[0])),
            Builtin::Index => msg(builtins::index(&argv[0], &argv[1..])),
            Builtin::Slice => msg(builtins::slice(&argv[0], &argv[1..])),
            Builtin::Call => Err(ErrorCause::Message(match &argv[0] {
                Value::Nil => "call of nil".to_string(),
                v => format!(
                    "non-function {} of type {}",
                    args.first().map(|a| a.to_string()).unwrap_or_default(),
                    v.type_name()
                ),
            })),
            Builtin::Print => Ok(Value::from(super::fmt::sprint(&argv))),
            Builtin::Println => Ok(Value::from(super::fmt::sprintln(&argv))),
            Builtin::Printf => Ok(Value::from(super::fmt::sprintf(&strs[0], &argv))),
            Builtin::Html => Ok(Value::from(builtins::html_escape(&builtins::eval_args(
                &argv,
            )))),
            Builtin::Js => Ok(Value::from(builtins::js_escape(&builtins::eval_args(
                &argv,
            )))),
            Builtin::Urlquery => Ok(Value::from(builtins::query_escape(&builtins::eval_args(
                &argv,
            )))),
            Builtin::Eq => msg(builtins::eq(&argv[0], &argv[1..]).map(Value::Bool)),
            Builtin::Ne => msg(builtins::eq(&argv[0], &argv[1..]).map(|t| Value::Bool(!t))),
            Builtin::Lt => msg(builtins::lt(&argv[0], &argv[1]).map(Value::Bool)),
            Builtin::Le => msg(builtins::le(&argv[0], &argv[1]).map(Value::Bool)),
            Builtin::Gt => msg(builtins::le(&argv[0], &argv[1]).map(|t| Value::Bool(!t))),
            Builtin::Ge => msg(builtins::lt(&argv[0], &argv[1]).map(|t| Value::Bool(!t))),
            Builtin::Include => {
                let data = argv.pop().unwrap_or(Value::Nil);
                self.include(&strs[0], data)
            }
            Builtin::Tpl => {
                let data = argv.pop().unwrap_or(Value::Nil);
                self.tpl(&strs[0], data).map_err(ErrorCause::Message)
            }
            Builtin::Lookup => msg(self
                .opts
                .host
                .lookup(&strs[0], &strs[1], &strs[2], &strs[3])),
            Builtin::And | Builtin::Or => unreachable!("handled above"),
        };
        result.map_err(|cause| self.call_err(f, cmd_at, name, cause))
    }

    /// Helm's `include`: executes a named template into a string.
    fn include(&mut self, name: &str, data: Value) -> Result<Value, ErrorCause> {
        match self.include_counts.get_mut(name) {
            Some(v) => {
                if *v > MAX_INCLUDE_NESTING {
                    return Err(ErrorCause::Message(format!(
                        "rendering template has a nested reference name: {name}: unable to execute template"
                    )));
                }
                *v += 1;
            }
            None => {
                self.include_counts.insert(name.to_string(), 1);
            }
        }
        let r = self.execute_named(name, data);
        if let Some(v) = self.include_counts.get_mut(name) {
            *v -= 1;
        }
        r.map(Value::from)
    }

    /// Go's `ExecuteTemplate` into a string (shares the output buffer, then splits it off).
    pub fn execute_named(&mut self, name: &str, data: Value) -> Result<String, ErrorCause> {
        let Some(tree) = self.lookup(name) else {
            return Err(ErrorCause::Message(format!(
                "template: no template {} associated with template {}",
                quote(name),
                quote(ROOT_NAME)
            )));
        };
        let start = self.out.len();
        // `include` starts a fresh Go state, so template depth restarts too.
        let depth = std::mem::replace(&mut self.depth, 0);
        let r = self.exec_tree(&tree, data);
        self.depth = depth;
        match r {
            Ok(()) => Ok(self.out.split_off(start)),
            Err(e) => {
                self.out.truncate(start);
                Err(ErrorCause::Template(e))
            }
        }
    }

    /// Helm's `tpl`: parses `text` in a clone of the template set (its `define`s visible only
    /// inside) and executes it with `data`.
    fn tpl(&mut self, text: &str, data: Value) -> Result<Value, String> {
        if !text.contains("{{") && !text.contains("<no value>") {
            return Ok(Value::str(text));
        }
        let parsed = match self.tpl_cache.get(text) {
            Some(p) => p.clone(),
            None => {
                let trees = super::parse::parse(ROOT_NAME, text, self.opts.funcs)
                    .map_err(|e| format!("cannot parse template {}: {}", quote(text), e))?;
                let mut main = None;
                let mut defines = HashMap::new();
                for t in trees {
                    if t.name == ROOT_NAME && main.is_none() {
                        main = Some(Arc::new(t));
                    } else {
                        // Go's associate: an empty definition does not replace an existing one.
                        if t.is_empty() && self.lookup(&t.name).is_some() {
                            continue;
                        }
                        defines.insert(t.name.clone(), Arc::new(t));
                    }
                }
                let p = Rc::new(TplParse {
                    main: main.unwrap_or_else(|| {
                        Arc::new(Tree {
                            name: ROOT_NAME.into(),
                            parse_name: Arc::from(ROOT_NAME),
                            text: Arc::from(""),
                            root: Vec::new(),
                        })
                    }),
                    defines: if defines.is_empty() {
                        None
                    } else {
                        Some(Rc::new(defines))
                    },
                });
                self.tpl_cache.insert(text.to_string(), p.clone());
                p
            }
        };
        if let Some(d) = &parsed.defines {
            self.overlays.push(d.clone());
        }
        let start = self.out.len();
        let depth = std::mem::replace(&mut self.depth, 0);
        let r = self.exec_tree(&parsed.main, data);
        self.depth = depth;
        if parsed.defines.is_some() {
            self.overlays.pop();
        }
        match r {
            Ok(()) => {
                let s = self.out.split_off(start);
                if s.contains("<no value>") {
                    Ok(Value::from(s.replace("<no value>", "")))
                } else {
                    Ok(Value::from(s))
                }
            }
            Err(e) => {
                self.out.truncate(start);
                Err(format!(
                    "error during tpl function execution for {}: {}",
                    quote(text),
                    e
                ))
            }
        }
    }
}
