//! Sprig's list functions (`list`, `append`, `first`, `uniq`, `slice`, `chunk`, ...). Sprig's
//! `mustX` variants fail exactly where the plain ones panic, so both names share one function.

use std::borrow::Cow;
use std::rc::Rc;

use super::args::{arity, arity_min, int, is_empty, slice_items, to_int64, FResult};
use super::{FuncError, FuncMap};
use crate::value::Value;

/// Registers the list family.
pub(super) fn register(fm: &mut FuncMap) {
    fm.insert("list", |a| Ok(Value::list(a.to_vec())));
    fm.insert("tuple", |a| Ok(Value::list(a.to_vec())));
    fm.insert("append", |a| push("append", a));
    fm.insert("push", |a| push("push", a));
    fm.insert("mustAppend", |a| push("mustAppend", a));
    fm.insert("mustPush", |a| push("mustPush", a));
    fm.insert("prepend", |a| prepend("prepend", a));
    fm.insert("mustPrepend", |a| prepend("mustPrepend", a));
    fm.insert("first", |a| first("first", a));
    fm.insert("mustFirst", |a| first("mustFirst", a));
    fm.insert("last", |a| last("last", a));
    fm.insert("mustLast", |a| last("mustLast", a));
    fm.insert("rest", |a| rest("rest", a));
    fm.insert("mustRest", |a| rest("mustRest", a));
    fm.insert("initial", |a| initial("initial", a));
    fm.insert("mustInitial", |a| initial("mustInitial", a));
    fm.insert("reverse", |a| reverse("reverse", a));
    fm.insert("mustReverse", |a| reverse("mustReverse", a));
    fm.insert("uniq", |a| uniq("uniq", a));
    fm.insert("mustUniq", |a| uniq("mustUniq", a));
    fm.insert("without", |a| without("without", a));
    fm.insert("mustWithout", |a| without("mustWithout", a));
    fm.insert("has", |a| has("has", a));
    fm.insert("mustHas", |a| has("mustHas", a));
    fm.insert("compact", |a| compact("compact", a));
    fm.insert("mustCompact", |a| compact("mustCompact", a));
    fm.insert("slice", |a| slice("slice", a));
    fm.insert("mustSlice", |a| slice("mustSlice", a));
    fm.insert("chunk", |a| chunk("chunk", a));
    fm.insert("mustChunk", |a| chunk("mustChunk", a));
    fm.insert("concat", concat);
}

/// Go's panic text for `reflect.TypeOf(nil).Kind()`.
pub(crate) fn nil_deref() -> FuncError {
    FuncError::new("runtime error: invalid memory address or nil pointer dereference")
}

/// The list's items, or sprig's error "`{what}` on type KIND" (nil panics as in Go).
fn items<'a>(v: &'a Value, what: &str) -> Result<Cow<'a, [Value]>, FuncError> {
    if v.is_nil() {
        return Err(nil_deref());
    }
    slice_items(v).map_err(|kind| FuncError::new(format!("{what} {kind}")))
}

fn push(name: &str, a: &[Value]) -> FResult {
    arity(name, a, 2)?;
    let mut l = items(&a[0], "Cannot push on type")?.into_owned();
    l.push(a[1].clone());
    Ok(Value::list(l))
}

fn prepend(name: &str, a: &[Value]) -> FResult {
    arity(name, a, 2)?;
    let l = items(&a[0], "Cannot prepend on type")?;
    let mut out = Vec::with_capacity(l.len() + 1);
    out.push(a[1].clone());
    out.extend_from_slice(&l);
    Ok(Value::list(out))
}

fn first(name: &str, a: &[Value]) -> FResult {
    arity(name, a, 1)?;
    Ok(items(&a[0], "Cannot find first on type")?
        .first()
        .cloned()
        .unwrap_or(Value::Nil))
}

fn last(name: &str, a: &[Value]) -> FResult {
    arity(name, a, 1)?;
    Ok(items(&a[0], "Cannot find last on type")?
        .last()
        .cloned()
        .unwrap_or(Value::Nil))
}

fn rest(name: &str, a: &[Value]) -> FResult {
    arity(name, a, 1)?;
    let l = items(&a[0], "Cannot find rest on type")?;
    Ok(Value::list(l.iter().skip(1).cloned().collect()))
}

fn initial(name: &str, a: &[Value]) -> FResult {
    arity(name, a, 1)?;
    let l = items(&a[0], "Cannot find initial on type")?;
    Ok(Value::list(l[..l.len().saturating_sub(1)].to_vec()))
}

fn reverse(name: &str, a: &[Value]) -> FResult {
    arity(name, a, 1)?;
    let l = items(&a[0], "Cannot find reverse on type")?;
    Ok(Value::list(l.iter().rev().cloned().collect()))
}

fn in_list(hay: &[Value], needle: &Value) -> bool {
    hay.iter().any(|h| h.deep_equal(needle))
}

fn uniq(name: &str, a: &[Value]) -> FResult {
    arity(name, a, 1)?;
    let mut out: Vec<Value> = Vec::new();
    for item in items(&a[0], "Cannot find uniq on type")?.iter() {
        if !in_list(&out, item) {
            out.push(item.clone());
        }
    }
    Ok(Value::list(out))
}

fn without(name: &str, a: &[Value]) -> FResult {
    arity_min(name, a, 1)?;
    let omit = &a[1..];
    let l = items(&a[0], "Cannot find without on type")?;
    Ok(Value::list(
        l.iter().filter(|x| !in_list(omit, x)).cloned().collect(),
    ))
}

fn has(name: &str, a: &[Value]) -> FResult {
    arity(name, a, 2)?;
    if a[1].is_nil() {
        return Ok(Value::Bool(false));
    }
    let l = items(&a[1], "Cannot find has on type")?;
    Ok(Value::Bool(in_list(&l, &a[0])))
}

fn compact(name: &str, a: &[Value]) -> FResult {
    arity(name, a, 1)?;
    let l = items(&a[0], "Cannot compact on type")?;
    Ok(Value::list(
        l.iter().filter(|x| !is_empty(x)).cloned().collect(),
    ))
}

fn slice(name: &str, a: &[Value]) -> FResult {
    arity_min(name, a, 1)?;
    if a[0].is_nil() {
        return Err(nil_deref());
    }
    let l = slice_items(&a[0])
        .map_err(|k| FuncError::new(format!("list should be type of slice or array but {k}")))?;
    if l.is_empty() {
        return Ok(Value::Nil);
    }
    let start = a.get(1).map(to_int64).unwrap_or(0);
    let end = if a.len() < 3 {
        l.len() as i64
    } else {
        to_int64(&a[2])
    };
    if start < 0 || end < start || end > l.len() as i64 {
        return Err(FuncError::new(
            "reflect.Value.Slice: slice index out of bounds",
        ));
    }
    Ok(Value::list(l[start as usize..end as usize].to_vec()))
}

fn chunk(name: &str, a: &[Value]) -> FResult {
    arity(name, a, 2)?;
    let size = int(a, 0)?;
    let l = items(&a[1], "Cannot chunk type")?;
    if size <= 0 {
        return Err(FuncError::new("runtime error: makeslice: len out of range"));
    }
    Ok(Value::list(
        l.chunks(size as usize)
            .map(|c| Value::list(c.to_vec()))
            .collect(),
    ))
}

fn concat(a: &[Value]) -> FResult {
    let mut out = Vec::new();
    for l in a {
        if l.is_nil() {
            return Err(nil_deref());
        }
        match slice_items(l) {
            Ok(items) => out.extend_from_slice(&items),
            Err(kind) => return Err(FuncError::new(format!("Cannot concat type {kind} as list"))),
        }
    }
    Ok(Value::List(Rc::new(out)))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{call, text};
    use super::*;

    fn l(items: &[i64]) -> Value {
        Value::list(items.iter().map(|x| Value::Int(*x)).collect())
    }

    #[test]
    fn documented_list_behaviour() {
        let s = Value::str;
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
            ("list", vec![Value::Int(1), s("a")], "[1 a]"),
            ("first", vec![l(&[1, 2, 3])], "1"),
            ("first", vec![l(&[])], "<nil>"),
            ("last", vec![l(&[1, 2, 3])], "3"),
            ("rest", vec![l(&[1, 2, 3])], "[2 3]"),
            ("initial", vec![l(&[1, 2, 3])], "[1 2]"),
            ("append", vec![l(&[1, 2]), Value::Int(3)], "[1 2 3]"),
            ("prepend", vec![l(&[1, 2]), Value::Int(0)], "[0 1 2]"),
            ("concat", vec![l(&[1]), l(&[2, 3])], "[1 2 3]"),
            ("reverse", vec![l(&[1, 2, 3])], "[3 2 1]"),
            ("uniq", vec![l(&[1, 1, 2, 1])], "[1 2]"),
            (
                "uniq",
                vec![Value::list(vec![Value::Int(1), s("1"), Value::Float(1.0)])],
                "[1 1 1]",
            ),
            (
                "without",
                vec![l(&[1, 2, 3, 4]), Value::Int(1), Value::Int(3)],
                "[2 4]",
            ),
            ("has", vec![Value::Int(4), l(&[1, 2, 3, 4])], "true"),
            ("has", vec![Value::Float(4.0), l(&[4])], "false"),
            ("has", vec![Value::Int(4), Value::Nil], "false"),
            (
                "compact",
                vec![Value::list(vec![
                    Value::Int(1),
                    s(""),
                    Value::Nil,
                    Value::Bool(false),
                    s("x"),
                ])],
                "[1 x]",
            ),
            (
                "slice",
                vec![l(&[1, 2, 3, 4, 5]), Value::Int(1), Value::Int(3)],
                "[2 3]",
            ),
            ("slice", vec![l(&[1, 2, 3, 4, 5]), Value::Int(3)], "[4 5]"),
            ("slice", vec![l(&[])], "<nil>"),
            (
                "chunk",
                vec![Value::Int(3), l(&[1, 2, 3, 4, 5, 6, 7, 8])],
                "[[1 2 3] [4 5 6] [7 8]]",
            ),
        ];
        for (name, args, want) in cases {
            assert_eq!(text(name, &args), want, "{name} {args:?}");
        }
    }

    #[test]
    fn non_lists_fail_like_sprig() {
        assert_eq!(
            call("first", &[Value::str("abc")]).unwrap_err().message(),
            "Cannot find first on type string"
        );
        assert_eq!(
            call("first", &[Value::Nil]).unwrap_err().message(),
            "runtime error: invalid memory address or nil pointer dereference"
        );
        assert_eq!(
            call("concat", &[Value::Int(1)]).unwrap_err().message(),
            "Cannot concat type int as list"
        );
    }
}
