//! Go `text/template` as Helm uses it: lexer, parser and executor, with Helm's engine-bound
//! functions (`include`, `tpl`, `lookup`) implemented by the executor.
//!
//! Parse once into a [`Templates`] set (immutable, `Send + Sync`), then [`execute`] any template
//! of it many times. Execution writes into one output buffer and shares values by `Rc`.
//!
//! ```
//! use syncd_helm::funcs::FuncMap;
//! use syncd_helm::template::{execute, ExecOptions, NoCluster, Templates};
//! use syncd_helm::Value;
//!
//! let funcs = FuncMap::new();
//! let mut set = Templates::new();
//! set.parse("c/templates/_h.tpl", r#"{{ define "name" }}app-{{ . }}{{ end }}"#, &funcs).unwrap();
//! set.parse("c/templates/x.yaml", r#"name: {{ include "name" .n | printf "%q" }}"#, &funcs).unwrap();
//! let data = Value::from_json(&serde_json::json!({"n": "web"}));
//! let opts = ExecOptions { funcs: &funcs, host: &NoCluster, strict: false };
//! assert_eq!(execute(&set, "c/templates/x.yaml", &data, &opts).unwrap(), r#"name: "app-web""#);
//! ```
//!
//! Library functions report errors as [`FuncError`](crate::funcs::FuncError)s, shown as Go does
//! (`error calling NAME: MSG`); argument count and type mistakes that Go's reflection would catch
//! before the call should be built with [`FuncError::arity`](crate::funcs::FuncError::arity) and
//! [`FuncError::bad_arg`](crate::funcs::FuncError::bad_arg) (or the checks of
//! [`funcs::args`](crate::funcs::args)) so they read exactly like Go's. [`TemplateError`]'s `Display` is Go's `err.Error()`;
//! [`TemplateError::helm_message`] is what Helm v4 prints for it.

mod ast;
mod builtins;
mod call;
mod error;
mod eval;
mod exec;
mod fmt;
mod lexer;
mod literal;
mod parse;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;

pub use error::{ErrorCause, ErrorKind, TemplateError};
pub use fmt::{sprint, sprintf, sprintln};

use crate::funcs::FuncMap;
use crate::value::Value;

/// A parsed template set: every file and `define` by name, like Go's associated templates.
#[derive(Debug, Default, Clone)]
pub struct Templates {
    trees: HashMap<String, Arc<ast::Tree>>,
}

impl Templates {
    /// An empty set.
    pub fn new() -> Templates {
        Templates::default()
    }

    /// Parses `text` as template `name` and adds it and its `define`s to the set (a later
    /// definition of the same name replaces the earlier one, as in Go's AddParseTree, except
    /// that an empty body never replaces a non-empty one).
    #[allow(clippy::result_large_err)] // the agreed contract; errors are rare and cold
    pub fn parse(&mut self, name: &str, text: &str, funcs: &FuncMap) -> Result<(), TemplateError> {
        let trees = parse::parse(name, text, funcs).map_err(|e| *e)?;
        for tree in trees {
            if tree.is_empty() && self.trees.contains_key(&tree.name) {
                continue;
            }
            self.trees.insert(tree.name.clone(), Arc::new(tree));
        }
        Ok(())
    }

    /// Whether a template (file or `define`) of that name exists.
    pub fn contains(&self, name: &str) -> bool {
        self.trees.contains_key(name)
    }
}

/// What the executor needs from its caller beyond data: the cluster for `lookup`.
pub trait Host {
    /// Helm's `lookup apiVersion kind namespace name`; the default is what `helm template`
    /// does without a cluster: an empty map.
    fn lookup(
        &self,
        _api_version: &str,
        _kind: &str,
        _namespace: &str,
        _name: &str,
    ) -> Result<Value, String> {
        Ok(Value::empty_map())
    }
}

/// A [`Host`] with the default (cluster-less) behaviour.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoCluster;

impl Host for NoCluster {}

/// Per-execution settings.
pub struct ExecOptions<'a> {
    /// The function library for `tpl` text (templates of the set resolved their functions
    /// when parsed, like Go's parse-time function check).
    pub funcs: &'a FuncMap,
    /// Provider of `lookup`.
    pub host: &'a dyn Host,
    /// Go's `missingkey=error` (Helm's `--strict` rendering) instead of `missingkey=zero`.
    pub strict: bool,
}

/// Executes template `name` of `set` with `data` as `.` and `$`; returns the output with Go's
/// `<no value>` left in place (Helm's chart layer strips it).
#[allow(clippy::result_large_err)] // the agreed contract; errors are rare and cold
pub fn execute(
    set: &Templates,
    name: &str,
    data: &Value,
    opts: &ExecOptions,
) -> Result<String, TemplateError> {
    let mut ex = exec::Exec::new(set, opts);
    match ex.lookup(name) {
        None => Err(TemplateError {
            template: name.to_string(),
            line: 0,
            col: 0,
            kind: ErrorKind::Exec,
            message: format!(
                "template: no template {} associated with template {}",
                crate::value::go_quote(name),
                crate::value::go_quote(exec::ROOT_NAME)
            ),
            executing: String::new(),
            context: None,
            cause: None,
        }),
        Some(tree) => {
            ex.out.reserve(tree.text.len());
            ex.exec_tree(&tree, data.clone()).map_err(|e| *e)?;
            Ok(std::mem::take(&mut ex.out))
        }
    }
}
