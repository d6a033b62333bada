//! Function calls the executor implements itself: Go's builtins (`and`, `eq`, `index`, `printf`,
//! ...) and Helm's engine-bound `include`, `tpl` and `lookup`.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use super::ast::{Arg, Builtin, Tree};
use super::builtins;
use super::error::{ErrorCause, TemplateError};
use super::eval::StrArg;
use super::exec::{At, Exec, Frame, MAX_INCLUDE_NESTING, R, ROOT_NAME};
use crate::value::{go_quote, Value};

/// A `tpl` string parsed once per execution.
pub(super) struct TplParse {
    main: Arc<Tree>,
    defines: Option<Rc<HashMap<String, Arc<Tree>>>>,
}

impl Exec<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn call_builtin<'t>(
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
        let mut argv: Vec<Value> = self.arg_pool.pop().unwrap_or_default();
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
        argv.clear();
        self.arg_pool.push(argv);
        result.map_err(|cause| self.call_err(f, cmd_at, name, cause))
    }

    /// Helm's `include`: executes a named template into a string.
    pub(super) fn include(&mut self, name: &str, data: Value) -> Result<Value, ErrorCause> {
        // (The count bookkeeping mirrors Helm's `includedNames`.)
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
        r
    }

    /// Go's `ExecuteTemplate` into a string (shares the output buffer, then splits it off).
    pub fn execute_named(&mut self, name: &str, data: Value) -> Result<Value, ErrorCause> {
        let Some(tree) = self.lookup(name) else {
            return Err(ErrorCause::Message(format!(
                "template: no template {} associated with template {}",
                go_quote(name),
                go_quote(ROOT_NAME)
            )));
        };
        self.exec_captured(&tree, data)
            .map(Value::Str)
            .map_err(ErrorCause::Template)
    }

    /// Runs `tree` in a fresh Go state (as `include` and `tpl` do, so template depth restarts)
    /// and splits its output off the shared buffer.
    fn exec_captured(&mut self, tree: &Tree, data: Value) -> Result<Rc<str>, Box<TemplateError>> {
        let start = self.out.len();
        let depth = std::mem::replace(&mut self.depth, 0);
        let r = self.exec_tree(tree, data);
        self.depth = depth;
        // One copy straight into the shared string, then the buffer is reused.
        let r = r.map(|()| Rc::from(&self.out[start..]));
        self.out.truncate(start);
        r
    }

    /// Helm's `tpl`: parses `text` in a clone of the template set (its `define`s visible only
    /// inside) and executes it with `data`.
    pub(super) fn tpl(&mut self, text: &str, data: Value) -> Result<Value, String> {
        if !text.contains("{{") && !text.contains("<no value>") {
            return Ok(Value::str(text));
        }
        let parsed = match self.tpl_cache.get(text) {
            Some(p) => p.clone(),
            None => {
                let trees = super::parse::parse(ROOT_NAME, text, self.opts.funcs)
                    .map_err(|e| format!("cannot parse template {}: {}", go_quote(text), e))?;
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
        let r = self.exec_captured(&parsed.main, data);
        if parsed.defines.is_some() {
            self.overlays.pop();
        }
        match r {
            Ok(s) if s.contains("<no value>") => Ok(Value::from(s.replace("<no value>", ""))),
            Ok(s) => Ok(Value::Str(s)),
            Err(e) => Err(format!(
                "error during tpl function execution for {}: {}",
                go_quote(text),
                e
            )),
        }
    }
}
