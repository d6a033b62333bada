//! Go's predefined template functions that need no executor state: comparisons with Go's
//! basic-kind rules, `index`, `slice`, `len`, and the `html`/`js`/`urlquery` escapers.

use std::fmt::Write;

use super::fmt::sprintf;
use crate::value::Value;

#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Float,
    Str,
}

fn basic_kind(v: &Value) -> Kind {
    match v {
        Value::Bool(_) => Kind::Bool,
        Value::Int(_) | Value::Int64(_) => Kind::Int,
        Value::Float(_) => Kind::Float,
        Value::Str(_) => Kind::Str,
        _ => Kind::Invalid,
    }
}

fn incompatible(a: &Value, b: &Value) -> String {
    format!(
        "incompatible types for comparison: {} and {}",
        a.type_name(),
        b.type_name()
    )
}

/// Go's `eq arg1 arg2...`: true when arg1 equals any of the others.
pub(crate) fn eq(arg1: &Value, rest: &[Value]) -> Result<bool, String> {
    if rest.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(arg1);
    for arg in rest {
        let k2 = basic_kind(arg);
        let truth = if k1 != k2 {
            if !arg1.is_nil() && !arg.is_nil() {
                return Err(incompatible(arg1, arg));
            }
            false
        } else {
            match (arg1, arg) {
                (Value::Bool(a), Value::Bool(b)) => a == b,
                (Value::Float(a), Value::Float(b)) => a == b,
                (Value::Int(a) | Value::Int64(a), Value::Int(b) | Value::Int64(b)) => a == b,
                (Value::Str(a), Value::Str(b)) => a == b,
                _ => non_basic_eq(arg1, arg)?,
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Equality of non-basic values: nil against anything, pointers by identity; maps and slices are
/// not comparable in Go.
fn non_basic_eq(a: &Value, b: &Value) -> Result<bool, String> {
    if a.is_nil() || b.is_nil() {
        return Ok(a.is_nil() == b.is_nil());
    }
    if a.type_name() != b.type_name() {
        return Err(format!(
            "non-comparable types {}: {}, {}: {}",
            sprintf("%s", std::slice::from_ref(a)),
            a.type_name(),
            b.type_name(),
            b
        ));
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => Ok(std::rc::Rc::ptr_eq(x, y)),
        // Go formats the value with %s here, hence the `%!s(float64=1)` noise.
        _ => Err(format!(
            "non-comparable type {}: {}",
            sprintf("%s", std::slice::from_ref(b)),
            b.type_name()
        )),
    }
}

/// Go's `lt`.
pub(crate) fn lt(a: &Value, b: &Value) -> Result<bool, String> {
    let k1 = basic_kind(a);
    if k1 == Kind::Invalid {
        return Err("invalid type for comparison".into());
    }
    let k2 = basic_kind(b);
    if k2 == Kind::Invalid {
        return Err("invalid type for comparison".into());
    }
    if k1 != k2 {
        return Err(incompatible(a, b));
    }
    Ok(match (a, b) {
        (Value::Float(x), Value::Float(y)) => x < y,
        (Value::Int(x) | Value::Int64(x), Value::Int(y) | Value::Int64(y)) => x < y,
        (Value::Str(x), Value::Str(y)) => x < y,
        _ => return Err("invalid type for comparison".into()),
    })
}

pub(crate) fn le(a: &Value, b: &Value) -> Result<bool, String> {
    if lt(a, b)? {
        return Ok(true);
    }
    eq(a, std::slice::from_ref(b))
}

fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x = match index {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Nil => return Err("cannot index slice/array with nil".into()),
        other => {
            return Err(format!(
                "cannot index slice/array with type {}",
                other.type_name()
            ))
        }
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

/// Go's `index item i j ...`.
pub(crate) fn index(item: &Value, indexes: &[Value]) -> Result<Value, String> {
    if item.is_nil() {
        return Err("index of untyped nil".into());
    }
    let mut cur = item.clone();
    for (n, idx) in indexes.iter().enumerate() {
        cur = match &cur {
            Value::Nil if n > 0 => return Err("index of nil pointer".into()),
            // Index == len passes Go's bounds check and then panics inside reflect.
            Value::List(l) => {
                let x = index_arg(idx, l.len())?;
                if x == l.len() {
                    return Err("reflect: slice index out of range".into());
                }
                l[x].clone()
            }
            Value::Bytes(b) => {
                let x = index_arg(idx, b.len())?;
                if x == b.len() {
                    return Err("reflect: slice index out of range".into());
                }
                Value::Int(b[x] as i64)
            }
            Value::Str(s) => {
                let x = index_arg(idx, s.len())?;
                if x == s.len() {
                    return Err("reflect: string index out of range".into());
                }
                Value::Int(s.as_bytes()[x] as i64)
            }
            Value::Map(m) => {
                let key = match idx {
                    Value::Str(k) => k.clone(),
                    Value::Nil => "".into(),
                    other => {
                        return Err(format!(
                            "value has type {}; should be string",
                            other.type_name()
                        ))
                    }
                };
                m.borrow().get(&*key).cloned().unwrap_or(Value::Nil)
            }
            Value::Object(o) => match (o.entries(), idx) {
                (Some(entries), Value::Str(k)) => entries
                    .into_iter()
                    .find(|(ek, _)| ek == &**k)
                    .map(|(_, v)| v)
                    .unwrap_or(Value::Nil),
                _ => return Err(format!("can't index item of type {}", cur.type_name())),
            },
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(cur)
}

/// Go's `slice item i j k`.
pub(crate) fn slice(item: &Value, indexes: &[Value]) -> Result<Value, String> {
    if item.is_nil() {
        return Err("slice of untyped nil".into());
    }
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let len = match item {
        Value::Str(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        Value::List(l) => l.len(),
        Value::Bytes(b) => b.len(),
        other => return Err(format!("can't slice item of type {}", other.type_name())),
    };
    let mut idx = [0, len, len];
    for (i, x) in indexes.iter().enumerate() {
        idx[i] = index_arg(x, len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    Ok(match item {
        Value::Str(s) => {
            Value::from(String::from_utf8_lossy(&s.as_bytes()[idx[0]..idx[1]]).into_owned())
        }
        Value::List(l) => Value::list(l[idx[0]..idx[1]].to_vec()),
        Value::Bytes(b) => Value::Bytes(b[idx[0]..idx[1]].into()),
        _ => Value::Nil,
    })
}

/// Go's `len`.
pub(crate) fn len(item: &Value) -> Result<Value, String> {
    Ok(Value::Int(match item {
        Value::Str(s) => s.len() as i64,
        Value::Bytes(b) => b.len() as i64,
        Value::List(l) => l.len() as i64,
        Value::Map(m) => m.borrow().len() as i64,
        Value::Object(o) => match o.entries() {
            Some(e) => e.len() as i64,
            None => return Err(format!("len of type {}", o.type_name())),
        },
        Value::Nil => return Err("len of nil pointer".into()),
        other => return Err(format!("len of type {}", other.type_name())),
    }))
}

/// The text `html`/`js`/`urlquery` escape: a lone string as is, otherwise `fmt.Sprint`.
pub(crate) fn eval_args(args: &[Value]) -> String {
    if let [Value::Str(s)] = args {
        return s.to_string();
    }
    super::fmt::sprint(args)
}

/// `template.HTMLEscapeString`.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// `template.JSEscapeString`.
pub(crate) fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c if c.is_ascii() || crate::value::go_is_print(c) => out.push(c),
            c => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
        }
    }
    out
}

/// `url.QueryEscape`.
pub(crate) fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_follow_go_kinds() {
        let (i, f, s) = (Value::Int(1), Value::Float(1.0), Value::str("a"));
        assert!(eq(&i, &[Value::Int64(1)]).unwrap());
        assert_eq!(
            eq(&f, std::slice::from_ref(&i)).unwrap_err(),
            "incompatible types for comparison: float64 and int"
        );
        assert!(!eq(&Value::Nil, std::slice::from_ref(&s)).unwrap());
        assert!(eq(&Value::Nil, &[Value::Nil]).unwrap());
        assert!(eq(&s, &[Value::str("b"), Value::str("a")]).unwrap());
        assert_eq!(eq(&s, &[]).unwrap_err(), "missing argument for comparison");
        assert_eq!(
            lt(&i, &f).unwrap_err(),
            "incompatible types for comparison: int and float64"
        );
        assert_eq!(
            lt(&Value::Nil, &i).unwrap_err(),
            "invalid type for comparison"
        );
        assert!(lt(&Value::str("a"), &Value::str("b")).unwrap());
        assert!(le(&i, &Value::Int(1)).unwrap());
        let mut m = crate::value::Map::new();
        m.insert("a".into(), Value::Float(2.0));
        let m = Value::map(m);
        assert_eq!(
            eq(&m, std::slice::from_ref(&m)).unwrap_err(),
            "non-comparable type map[a:%!s(float64=2)]: map[string]interface {}"
        );
    }

    #[test]
    fn index_and_slice() {
        let l = Value::list(vec![Value::Int(1), Value::Int(2)]);
        assert_eq!(index(&l, &[Value::Int(1)]).unwrap().to_string(), "2");
        assert_eq!(
            index(&l, &[Value::Int(5)]).unwrap_err(),
            "index out of range: 5"
        );
        assert_eq!(
            index(&l, &[Value::Int(2)]).unwrap_err(),
            "reflect: slice index out of range"
        );
        assert_eq!(
            index(&Value::Nil, &[Value::Int(0)]).unwrap_err(),
            "index of untyped nil"
        );
        assert_eq!(
            index(&l, &[Value::str("x")]).unwrap_err(),
            "cannot index slice/array with type string"
        );
        assert_eq!(
            slice(&Value::str("hello"), &[Value::Int(1), Value::Int(3)])
                .unwrap()
                .to_string(),
            "el"
        );
        assert_eq!(slice(&l, &[Value::Int(1)]).unwrap().to_string(), "[2]");
        assert_eq!(
            slice(&l, &[Value::Int(2), Value::Int(1)]).unwrap_err(),
            "invalid slice index: 2 > 1"
        );
        assert_eq!(len(&Value::str("héllo")).unwrap().to_string(), "6");
        assert_eq!(len(&Value::Int(3)).unwrap_err(), "len of type int");
    }

    #[test]
    fn escapers() {
        assert_eq!(
            html_escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(
            js_escape("a'b\"c<d>&=\n\\"),
            "a\\'b\\\"c\\u003Cd\\u003E\\u0026\\u003D\\u000A\\\\"
        );
        assert_eq!(query_escape("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
        // Non-ASCII: printable runes stay, the rest become `\uXXXX` (unicode.IsPrint).
        assert_eq!(js_escape("é\u{200b}\u{a0}"), "é\\u200B\\u00A0");
    }
}
