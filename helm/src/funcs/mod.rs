//! The function library templates can call: Sprig's functions as Helm exposes them (without
//! `env`/`expandenv`) plus Helm's own data functions. Engine-bound functions (`include`, `tpl`,
//! `template`, `lookup`, `and`/`or`) are the executor's, not this module's.

use std::collections::HashMap;

use crate::value::Value;

/// A function's failure; the executor wraps it as Go does:
/// `template: T:L:C: executing "T" at <name>: error calling name: MESSAGE`.
#[derive(Debug, Clone, PartialEq)]
pub struct FuncError(pub String);

impl FuncError {
    /// An error with Go's message text.
    pub fn new(msg: impl Into<String>) -> FuncError {
        FuncError(msg.into())
    }
}

/// A library function: receives evaluated arguments, returns one value or an error.
pub type Func = fn(&[Value]) -> Result<Value, FuncError>;

/// Name → function, the Go `template.FuncMap` Helm builds.
#[derive(Default, Clone)]
pub struct FuncMap {
    funcs: HashMap<&'static str, Func>,
}

impl FuncMap {
    /// An empty map.
    pub fn new() -> FuncMap {
        FuncMap::default()
    }

    /// Registers (or replaces) a function.
    pub fn insert(&mut self, name: &'static str, f: Func) {
        self.funcs.insert(name, f);
    }

    /// Looks a function up.
    pub fn get(&self, name: &str) -> Option<Func> {
        self.funcs.get(name).copied()
    }

    /// Whether a name is defined (the parser rejects calls to unknown functions, as Go does).
    pub fn contains(&self, name: &str) -> bool {
        self.funcs.contains_key(name)
    }
}
