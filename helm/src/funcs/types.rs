//! Sprig's reflection functions: `typeOf`, `typeIs`, `typeIsLike`, `kindOf`, `kindIs`,
//! `deepEqual`, named with Go's type and kind names.

use super::args::{arity, string};
use super::FuncMap;
use crate::value::Value;

/// Registers the reflection family.
pub(super) fn register(fm: &mut FuncMap) {
    fm.insert("typeOf", |a| {
        arity("typeOf", a, 1)?;
        Ok(Value::from(a[0].type_name()))
    });
    fm.insert("typeIs", |a| {
        arity("typeIs", a, 2)?;
        Ok(Value::Bool(string(a, 0)? == a[1].type_name()))
    });
    fm.insert("typeIsLike", |a| {
        arity("typeIsLike", a, 2)?;
        let (want, got) = (string(a, 0)?, a[1].type_name());
        Ok(Value::Bool(
            got == want || got.strip_prefix('*') == Some(want),
        ))
    });
    fm.insert("kindOf", |a| {
        arity("kindOf", a, 1)?;
        Ok(Value::str(kind_of(&a[0])))
    });
    fm.insert("kindIs", |a| {
        arity("kindIs", a, 2)?;
        Ok(Value::Bool(string(a, 0)? == kind_of(&a[1])))
    });
    fm.insert("deepEqual", |a| {
        arity("deepEqual", a, 2)?;
        Ok(Value::Bool(a[0].deep_equal(&a[1])))
    });
}

/// `reflect.Kind` name; host objects are pointers unless their Go type is a plain struct such as
/// `time.Time`.
pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Object(o) if !o.type_name().starts_with('*') => "struct",
        other => other.kind_name(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::text;
    use super::*;

    #[test]
    fn reflection_names_match_go() {
        assert_eq!(text("typeOf", &[Value::Int64(1)]), "int64");
        assert_eq!(text("typeOf", &[Value::list(vec![])]), "[]interface {}");
        assert_eq!(text("typeOf", &[Value::Nil]), "<nil>");
        assert_eq!(text("kindOf", &[Value::empty_map()]), "map");
        assert_eq!(text("kindOf", &[Value::Nil]), "invalid");
        assert_eq!(
            text("kindIs", &[Value::str("slice"), Value::list(vec![])]),
            "true"
        );
        assert_eq!(
            text("typeIs", &[Value::str("float64"), Value::Float(1.0)]),
            "true"
        );
        assert_eq!(
            text("deepEqual", &[Value::Int(1), Value::Float(1.0)]),
            "false"
        );
    }
}
