//! Template errors carrying Go's exact `err.Error()` text plus the location parts the chart
//! layer needs to rewrite them the way Helm does.

use std::fmt;

/// Whether the error happened while parsing or while executing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A lexer or parser error (`template: NAME:LINE: MSG`).
    Parse,
    /// An execution error (`template: NAME:LINE:COL: executing "T" at <CTX>: MSG`).
    Exec,
}

/// A parse or execution error, displayed exactly as Go's `text/template` prints it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct TemplateError {
    /// The parse name (file) the location refers to; for execution errors outside any node,
    /// the executing template's name.
    pub template: String,
    /// 1-based line of the error.
    pub line: usize,
    /// 0-based byte column in the line (Go's convention); 0 for parse errors.
    pub col: usize,
    /// Parse or execution.
    pub kind: ErrorKind,
    /// The message after the location prefix (for wrapped errors it contains the inner error's
    /// full text, as Go's `%w` does).
    pub message: String,
    /// The name of the template that was executing (`executing "NAME"`); empty for parse errors.
    pub executing: String,
    /// The node text Go prints between `<` and `>`; `None` when the error has no node.
    pub context: Option<String>,
    /// The error a failing function returned (Go's `%w` in `error calling NAME: %w`); Helm's
    /// error formatting walks this chain.
    pub cause: Option<ErrorCause>,
}

/// What a failing function call wrapped.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorCause {
    /// A template execution error (from `include`, which runs Go's `ExecuteTemplate`).
    Template(Box<TemplateError>),
    /// Any other error, by its text.
    Message(String),
}

impl fmt::Display for ErrorCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorCause::Template(e) => write!(f, "{e}"),
            ErrorCause::Message(m) => f.write_str(m),
        }
    }
}

impl TemplateError {
    pub(crate) fn parse(template: &str, line: usize, message: impl Into<String>) -> TemplateError {
        TemplateError {
            template: template.to_string(),
            line,
            col: 0,
            kind: ErrorKind::Parse,
            message: message.into(),
            executing: String::new(),
            context: None,
            cause: None,
        }
    }

    /// Whether Go would return this as a `template.ExecError` (every execution error except a
    /// missing top-level template).
    fn is_exec_error(&self) -> bool {
        self.kind == ErrorKind::Exec && !(self.context.is_none() && self.executing.is_empty())
    }

    /// The texts of Go's `errors.Unwrap` chain, outermost first (the first two are the same
    /// text in Go too: `ExecError` and the error it wraps).
    pub fn chain(&self) -> Vec<String> {
        let mut out = vec![self.to_string()];
        let mut cur = self.cause.as_ref();
        while let Some(c) = cur {
            match c {
                ErrorCause::Template(e) => {
                    out.push(e.to_string());
                    cur = e.cause.as_ref();
                }
                ErrorCause::Message(m) => {
                    out.push(m.clone());
                    cur = None;
                }
            }
        }
        out
    }

    /// The message Helm v4 reports for this error when rendering file `filename`: parse errors
    /// as `parse error at (FILE:LINE): MSG`, `fail`/`required` messages as `execution error at
    /// (FILE:LINE:COL): MSG`, other execution errors in Helm's multi-line traceback form (or
    /// unchanged when Helm cannot take the chain apart), as Helm's engine does.
    pub fn helm_message(&self, filename: &str) -> String {
        let text = self.to_string();
        if self.kind == ErrorKind::Parse {
            let tokens: Vec<&str> = text.split(": ").collect();
            if tokens.len() == 1 {
                return format!("parse error in ({filename}): {text}");
            }
            return format!(
                "parse error at ({}): {}",
                tokens[1],
                tokens[tokens.len() - 1]
            );
        }
        if !self.is_exec_error() {
            return text;
        }
        let tokens: Vec<&str> = text.splitn(3, ": ").collect();
        if tokens.len() != 3 {
            return format!("execution error in ({filename}): {text}");
        }
        if let Some(msg) = helm_warning(tokens[2]) {
            return format!("execution error at ({}): {}", tokens[1], msg);
        }
        let mut locations: Vec<Traceable> = Vec::new();
        // Go's loop sees the ExecError and the error it wraps (same text) before the cause.
        let mut chain = self.chain();
        chain.insert(1, text.clone());
        for link in &chain {
            match Traceable::parse(link) {
                Some(t) => {
                    if locations.last() != Some(&t) {
                        locations.push(t);
                    }
                }
                None => return text,
            }
        }
        let mut out = String::new();
        for l in &locations {
            l.write(&mut out);
        }
        out.trim().to_string()
    }
}

/// The text between Helm's `HELM_ERR_START` and the last `HELM_ERR_END` (how Helm marks the
/// messages of `fail` and `required`).
fn helm_warning(s: &str) -> Option<&str> {
    const START: &str = "HELM_ERR_START";
    const END: &str = "HELM_ERR_END";
    let i = s.find(START)?;
    let rest = &s[i + START.len()..];
    let j = rest.rfind(END)?;
    Some(&rest[..j])
}

/// One link of Helm's error traceback.
#[derive(PartialEq)]
struct Traceable {
    location: String,
    message: String,
    executed: String,
}

impl Traceable {
    /// Helm's `parseTemplateExecErrorString`.
    fn parse(s: &str) -> Option<Traceable> {
        let remainder = s.strip_prefix("template: ")?;
        if remainder.starts_with("no template ") {
            return Some(Traceable {
                location: String::new(),
                message: s.to_string(),
                executed: String::new(),
            });
        }
        let cut_chained = |m: &str| match m.find(" template:") {
            Some(i) => m[..i].to_string(),
            None => m.to_string(),
        };
        if let Some((name, after)) = remainder.split_once(": executing ") {
            let after = after.strip_prefix('"')?;
            let end = after.find('"')?;
            let func = &after[..end];
            let after_at = after[end + 1..].strip_prefix(" at <")?;
            let (loc, msg) = after_at.split_once(">: ")?;
            return Some(Traceable {
                location: name.to_string(),
                message: cut_chained(msg),
                executed: format!("executing \"{func}\" at <{loc}>:"),
            });
        }
        let sep = remainder.rfind(": ")?;
        Some(Traceable {
            location: remainder[..sep].to_string(),
            message: cut_chained(&remainder[sep + 2..]),
            executed: String::new(),
        })
    }

    fn write(&self, out: &mut String) {
        if !self.location.is_empty() {
            out.push_str(&self.location);
            out.push_str("\n  ");
        }
        if !self.executed.is_empty() {
            out.push_str(&self.executed);
            out.push_str("\n    ");
        }
        if !self.message.is_empty() {
            out.push_str(&self.message);
            out.push('\n');
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.kind, &self.context) {
            (ErrorKind::Parse, _) => {
                write!(
                    f,
                    "template: {}:{}: {}",
                    self.template, self.line, self.message
                )
            }
            (ErrorKind::Exec, Some(ctx)) => write!(
                f,
                "template: {}:{}:{}: executing {} at <{}>: {}",
                self.template,
                self.line,
                self.col,
                crate::value::go_quote(&self.executing),
                ctx,
                self.message
            ),
            // Errors outside any node, e.g. `template: no template "x" associated with ...`,
            // carry their complete text.
            (ErrorKind::Exec, None) if self.executing.is_empty() => f.write_str(&self.message),
            (ErrorKind::Exec, None) => {
                write!(f, "template: {}: {}", self.executing, self.message)
            }
        }
    }
}
