//! Helm's flow-control functions `fail` and `required`. Their messages are wrapped in Helm's
//! `HELM_ERR_START…HELM_ERR_END` markers (engine.go's `warnWrap`) so the chart layer can cut the
//! message out and report `execution error at (file:line:col): msg`, as Helm does.

use super::args::{arity, string, FResult};
use super::{FuncError, FuncMap};
use crate::value::Value;

/// Start marker of a wrapped user-facing message.
pub const WARN_START: &str = "HELM_ERR_START";
/// End marker of a wrapped user-facing message.
pub const WARN_END: &str = "HELM_ERR_END";

/// Helm's `warnWrap`.
pub fn warn_wrap(msg: &str) -> String {
    format!("{WARN_START}{msg}{WARN_END}")
}

/// The message inside Helm's markers, when a rendered error carries one (Helm's `warnRegex`,
/// which matches greedily from the first start marker to the last end marker).
pub fn unwrap_warning(err: &str) -> Option<&str> {
    let start = err.find(WARN_START)? + WARN_START.len();
    let end = err.rfind(WARN_END)?;
    (end >= start).then(|| &err[start..end])
}

/// Registers `fail` and `required`.
pub(super) fn register(fm: &mut FuncMap) {
    fm.insert("fail", |a| {
        arity("fail", a, 1)?;
        Err(FuncError::new(warn_wrap(string(a, 0)?)))
    });
    fm.insert("required", required);
}

fn required(a: &[Value]) -> FResult {
    arity("required", a, 2)?;
    let msg = string(a, 0)?;
    match &a[1] {
        Value::Nil => Err(FuncError::new(warn_wrap(msg))),
        Value::Str(s) if s.is_empty() => Err(FuncError::new(warn_wrap(msg))),
        v => Ok(v.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_and_fail_wrap_messages() {
        let fm = super::super::library();
        let req = fm.get("required").unwrap();
        let e = req(&[Value::str("need x"), Value::Nil]).unwrap_err();
        assert_eq!(e.message(), "HELM_ERR_STARTneed xHELM_ERR_END");
        assert_eq!(
            unwrap_warning(&format!("template: x: {}", e.message())),
            Some("need x")
        );
        assert!(req(&[Value::str("m"), Value::str("")]).is_err());
        assert_eq!(
            req(&[Value::str("m"), Value::Int(0)]).unwrap().to_string(),
            "0"
        );
        assert_eq!(
            req(&[Value::str("m"), Value::Bool(false)])
                .unwrap()
                .to_string(),
            "false"
        );
        let fail = fm.get("fail").unwrap();
        assert_eq!(
            fail(&[Value::str("boom")]).unwrap_err().message(),
            warn_wrap("boom")
        );
    }
}
