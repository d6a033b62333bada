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
