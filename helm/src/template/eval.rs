//! Expression evaluation: pipelines, commands, field chains on maps and objects, arguments
//! and function calls, with Go's typing and error wording.

use std::rc::Rc;

use super::ast::{Arg, Callee, Command, Const, Pipe};
use super::error::ErrorCause;
use super::exec::{grow, At, Exec, Flow, Frame, R};
use crate::funcs::FuncError;
use crate::value::{go_quote, Value};

/// A string argument: borrowed from a literal in the tree, or a computed value.
pub(super) enum StrArg<'t> {
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

impl Exec<'_> {
    pub(super) fn eval_pipeline<'t>(
        &mut self,
        f: &mut Frame<'t>,
        dot: &Value,
        pipe: &'t Pipe,
    ) -> R<Value> {
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

    pub(super) fn not_a_function(
        &self,
        f: &Frame<'_>,
        args: &[Arg],
        final_: &Option<Value>,
    ) -> R<()> {
        if args.len() > 1 || final_.is_some() {
            return Err(self.err(
                f,
                format!("can't give argument to non-function {}", args[0]),
            ));
        }
        Ok(())
    }

    pub(super) fn eval_command<'t>(
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

    pub(super) fn eval_chain_receiver<'t>(
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
    pub(super) fn eval_field_chain<'t>(
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
    pub(super) fn eval_field<'t>(
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
                    return Err(
                        self.err(f, format!("nil data; no entry for key {}", go_quote(name)))
                    );
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
                        Err(self.err(f, format!("map has no entry for key {}", go_quote(name))))
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

    pub(super) fn eval_call_args<'t>(
        &mut self,
        f: &mut Frame<'t>,
        dot: &Value,
        args: &'t [Arg],
        final_: Option<Value>,
    ) -> R<Vec<Value>> {
        // Argument vectors are recycled: a render makes many thousands of calls.
        let mut argv = self.arg_pool.pop().unwrap_or_default();
        for a in args {
            argv.push(self.eval_arg(f, dot, a)?);
        }
        if let Some(v) = final_ {
            argv.push(v);
        }
        Ok(argv)
    }

    pub(super) fn eval_arg<'t>(
        &mut self,
        f: &mut Frame<'t>,
        dot: &Value,
        arg: &'t Arg,
    ) -> R<Value> {
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
    pub(super) fn string_arg<'t>(
        &mut self,
        f: &mut Frame<'t>,
        dot: &Value,
        arg: &'t Arg,
    ) -> R<StrArg<'t>> {
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

    pub(super) fn string_value<'t>(&self, f: &Frame<'_>, v: Value) -> R<StrArg<'t>> {
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

    pub(super) fn eval_function<'t>(
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
                let mut argv = self.eval_call_args(f, dot, args, final_)?;
                let r = func(&argv);
                argv.clear();
                self.arg_pool.push(argv);
                r.map_err(|e| self.func_error(f, ident, cmd_at, args, name, e))
            }
            Callee::Builtin(b) => self.call_builtin(f, dot, *b, name, cmd_at, args, final_),
        }
    }

    /// Reports a library function's error the way Go would: call-level errors (argument count
    /// and type, see [`FuncError::call_error`]) at the function or argument node, everything
    /// else as `error calling NAME: MSG` at the command.
    pub(super) fn func_error<'t>(
        &self,
        f: &mut Frame<'t>,
        ident: &'t Arg,
        cmd_at: At<'t>,
        args: &'t [Arg],
        name: &str,
        e: FuncError,
    ) -> Flow {
        let Some((index, m)) = e.call_error() else {
            return self.call_err(f, cmd_at, name, ErrorCause::Message(e.into_message()));
        };
        let Some(i) = index else {
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
        self.err(f, text)
    }
}
