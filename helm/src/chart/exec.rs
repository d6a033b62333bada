//! Binds the chart layer to the template executor like Helm's `engine.render`: one template
//! set for the whole tree (parsed in `sortTemplates` order), every non-partial executed in that
//! order with `.Template` set, `<no value>` removed, and errors cleaned up Helm's way
//! (`execution error at (file:line:col): msg` for `required`/`fail`).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::render::{RenderOptions, Renderable};
use super::RenderError;
use crate::funcs::flow::unwrap_warning;
use crate::funcs::FuncMap;
use crate::template::{execute, ErrorKind, ExecOptions, Host, TemplateError, Templates};
use crate::value::Value;

/// The function library every chart sees (Sprig + Helm data functions + YAML functions).
pub fn funcs() -> &'static FuncMap {
    static FUNCS: OnceLock<FuncMap> = OnceLock::new();
    FUNCS.get_or_init(|| {
        let mut fm = FuncMap::new();
        crate::funcs::register(&mut fm);
        crate::yaml::register(&mut fm);
        fm
    })
}

/// Parses every template (in the given, already sorted, order) into one set.
pub fn parse_all(tpls: &[Renderable]) -> Result<Templates, RenderError> {
    let mut set = Templates::new();
    for t in tpls {
        let text = String::from_utf8_lossy(&t.text);
        set.parse(&t.path, &text, funcs())
            .map_err(|e| parse_error(&t.path, &e))?;
    }
    Ok(set)
}

/// Executes the non-partial templates of `set` in order.
pub fn execute_set(
    set: &Templates,
    tpls: &[Renderable],
    datas: &[Value],
    opts: &RenderOptions,
    host: &dyn Host,
) -> Result<BTreeMap<String, String>, RenderError> {
    let exec_opts = ExecOptions {
        funcs: funcs(),
        host,
        strict: opts.strict,
    };
    let mut out = BTreeMap::new();
    for t in tpls {
        let base = t.path.rsplit('/').next().unwrap_or(&t.path);
        if base.starts_with('_') {
            continue;
        }
        let data = &datas[t.data];
        if let Value::Map(m) = data {
            let mut tm = crate::value::Map::new();
            tm.insert("Name".into(), Value::str(&t.path));
            tm.insert("BasePath".into(), Value::str(&t.base_path));
            m.borrow_mut().insert("Template".into(), Value::map(tm));
        }
        let text = execute(set, &t.path, data, &exec_opts).map_err(|e| exec_error(&e))?;
        let text = if text.contains("<no value>") {
            text.replace("<no value>", "")
        } else {
            text
        };
        out.insert(t.path.clone(), text);
    }
    Ok(out)
}

/// Helm's `cleanupParseError`: `parse error at (FILE:LINE): LAST MESSAGE`.
fn parse_error(file: &str, e: &TemplateError) -> RenderError {
    let text = e.to_string();
    let last = text.rsplit(": ").next().unwrap_or(&text).to_string();
    if e.kind == ErrorKind::Parse && e.line > 0 {
        RenderError::Parse {
            template: e.template.clone(),
            line: e.line,
            message: last,
        }
    } else {
        RenderError::Template {
            template: file.to_string(),
            line: e.line,
            col: e.col,
            message: last,
            full: format!("parse error in ({file}): {text}"),
        }
    }
}

/// Helm's `cleanupExecError`: `required`/`fail` messages (between the warn markers) become
/// `execution error at (FILE:LINE:COL): MSG`; other execution errors keep Go's text.
fn exec_error(e: &TemplateError) -> RenderError {
    let text = e.to_string();
    let tokens: Vec<&str> = text.splitn(3, ": ").collect();
    let warn = tokens
        .get(2)
        .and_then(|rest| unwrap_warning(rest))
        .map(str::to_string);
    let (full, message) = match (e.kind, tokens.len(), warn) {
        (ErrorKind::Exec, 3, Some(w)) => (format!("execution error at ({}): {w}", tokens[1]), w),
        (ErrorKind::Exec, 3, None) => (text.clone(), e.message.clone()),
        _ => (
            format!("execution error in ({}): {text}", e.template),
            e.message.clone(),
        ),
    };
    RenderError::Template {
        template: e.template.clone(),
        line: e.line,
        col: e.col,
        message,
        full,
    }
}
