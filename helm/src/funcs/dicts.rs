//! Sprig's dictionary functions: `dict`, `get`/`set`/`unset`, `keys`, `pick`/`omit`, `dig`,
//! `deepCopy`, and `merge`/`mergeOverwrite` with dario.cat/mergo's rules. Maps are shared like Go
//! maps, so `set` and the merges mutate the caller's map in place.

use std::cell::RefCell;
use std::rc::Rc;

use super::args::{arity, arity_min, is_empty, map, str_list, string, strval, FResult};
use super::{FuncError, FuncMap};
use crate::value::{Map, Value};

/// Registers the dict family.
pub(super) fn register(fm: &mut FuncMap) {
    fm.insert("dict", dict);
    fm.insert("get", |a| {
        arity("get", a, 2)?;
        let (m, k) = (map(a, 0)?, string(a, 1)?);
        let v = m.borrow().get(k).cloned();
        Ok(v.unwrap_or_else(|| Value::str("")))
    });
    fm.insert("set", |a| {
        arity("set", a, 3)?;
        let (m, k) = (map(a, 0)?, string(a, 1)?);
        m.borrow_mut().insert(k.to_string(), a[2].clone());
        Ok(a[0].clone())
    });
    fm.insert("unset", |a| {
        arity("unset", a, 2)?;
        let (m, k) = (map(a, 0)?, string(a, 1)?);
        m.borrow_mut().remove(k);
        Ok(a[0].clone())
    });
    fm.insert("hasKey", |a| {
        arity("hasKey", a, 2)?;
        let (m, k) = (map(a, 0)?, string(a, 1)?);
        let has = m.borrow().contains_key(k);
        Ok(Value::Bool(has))
    });
    fm.insert("pluck", pluck);
    fm.insert("keys", keys);
    fm.insert("values", |a| {
        arity("values", a, 1)?;
        let m = map(a, 0)?;
        let v = m.borrow().values().cloned().collect();
        Ok(Value::list(v))
    });
    fm.insert("pick", pick);
    fm.insert("omit", omit);
    fm.insert("merge", |a| merge_all("merge", a, false));
    fm.insert("mustMerge", |a| merge_all("mustMerge", a, false));
    fm.insert("mergeOverwrite", |a| merge_all("mergeOverwrite", a, true));
    fm.insert("mustMergeOverwrite", |a| {
        merge_all("mustMergeOverwrite", a, true)
    });
    fm.insert("deepCopy", |a| deep_copy("deepCopy", a));
    fm.insert("mustDeepCopy", |a| deep_copy("mustDeepCopy", a));
    fm.insert("dig", dig);
}

fn deep_copy(name: &str, a: &[Value]) -> FResult {
    arity(name, a, 1)?;
    Ok(a[0].deep_copy())
}

fn dict(a: &[Value]) -> FResult {
    let mut m = Map::new();
    for pair in a.chunks(2) {
        let v = pair.get(1).cloned().unwrap_or_else(|| Value::str(""));
        m.insert(strval(&pair[0]), v);
    }
    Ok(Value::map(m))
}

fn pluck(a: &[Value]) -> FResult {
    arity_min("pluck", a, 1)?;
    let k = string(a, 0)?;
    let mut out = Vec::new();
    for i in 1..a.len() {
        if let Some(v) = map(a, i)?.borrow().get(k) {
            out.push(v.clone());
        }
    }
    Ok(Value::list(out))
}

fn keys(a: &[Value]) -> FResult {
    let mut out = Vec::new();
    for i in 0..a.len() {
        out.extend(map(a, i)?.borrow().keys().cloned());
    }
    Ok(str_list(out))
}

fn key_args(a: &[Value]) -> Result<Vec<&str>, FuncError> {
    (1..a.len()).map(|i| string(a, i)).collect()
}

fn pick(a: &[Value]) -> FResult {
    arity_min("pick", a, 1)?;
    let m = map(a, 0)?;
    let m = m.borrow();
    let out: Map = key_args(a)?
        .into_iter()
        .filter_map(|k| m.get(k).map(|v| (k.to_string(), v.clone())))
        .collect();
    Ok(Value::map(out))
}

fn omit(a: &[Value]) -> FResult {
    arity_min("omit", a, 1)?;
    let m = map(a, 0)?;
    let drop = key_args(a)?;
    let out: Map = m
        .borrow()
        .iter()
        .filter(|(k, _)| !drop.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(Value::map(out))
}

fn merge_all(name: &str, a: &[Value], overwrite: bool) -> FResult {
    arity_min(name, a, 1)?;
    let dst = map(a, 0)?;
    for i in 1..a.len() {
        let src = map(a, i)?;
        if Rc::ptr_eq(&dst, &src) {
            continue;
        }
        // Snapshot the source so a source aliasing a nested destination map cannot deadlock
        // the RefCell; values stay shared, as Go's map values do.
        let src = src.borrow().clone();
        merge_into(&dst, &src, overwrite);
    }
    Ok(a[0].clone())
}

/// mergo's `deepMerge` for `map[string]interface{}`: nested maps merge recursively (in place),
/// slices and scalars fill only empty/missing keys unless `overwrite`, and with `overwrite` a nil
/// source value replaces the destination.
fn merge_into(dst: &Rc<RefCell<Map>>, src: &Map, overwrite: bool) {
    for (key, s) in src {
        let d = dst.borrow().get(key).cloned();
        if s.is_nil() {
            if overwrite {
                dst.borrow_mut().insert(key.clone(), Value::Nil);
            }
            continue;
        }
        match s {
            Value::Map(sm) => {
                if let Some(Value::Map(dm)) = &d {
                    if !Rc::ptr_eq(dm, sm) {
                        let snapshot = sm.borrow().clone();
                        merge_into(dm, &snapshot, overwrite);
                    }
                }
            }
            Value::List(_) | Value::Bytes(_) => {
                // mergo writes the slice it settled on before the generic rule below runs.
                let keep_dst =
                    !overwrite && !dst.borrow().is_empty() && matches!(&d, Some(x) if !x.is_nil());
                let v = if keep_dst {
                    d.clone().unwrap_or_default()
                } else if overwrite || dst.borrow().is_empty() {
                    s.clone()
                } else {
                    Value::list(Vec::new())
                };
                dst.borrow_mut().insert(key.clone(), v);
            }
            _ => {}
        }
        if let Some(dv) = &d {
            if !is_empty(dv) {
                let src_is_slice = matches!(s, Value::List(_) | Value::Bytes(_));
                let both_maps = matches!(s, Value::Map(_)) && matches!(dv, Value::Map(_));
                if src_is_slice || both_maps {
                    continue;
                }
            }
        }
        let dst_empty = d.as_ref().is_none_or(is_empty);
        if overwrite || dst_empty {
            dst.borrow_mut().insert(key.clone(), s.clone());
        }
    }
}

/// Go's panic text for a failed `x.(map[string]interface{})` / `x.(string)` assertion.
fn assertion(v: &Value, want: &str) -> FuncError {
    let got = if v.is_nil() {
        "nil".to_string()
    } else {
        v.type_name()
    };
    FuncError::new(format!(
        "interface conversion: interface {{}} is {got}, not {want}"
    ))
}

fn dig(a: &[Value]) -> FResult {
    if a.len() < 3 {
        return Err(FuncError::new("dig needs at least three arguments"));
    }
    let Value::Map(mut cur) = a[a.len() - 1].clone() else {
        return Err(assertion(&a[a.len() - 1], "map[string]interface {}"));
    };
    let default = &a[a.len() - 2];
    let keys = &a[..a.len() - 2];
    for k in keys {
        if !matches!(k, Value::Str(_)) {
            return Err(assertion(k, "string"));
        }
    }
    for (i, k) in keys.iter().enumerate() {
        let step = cur.borrow().get(k.as_str().unwrap_or_default()).cloned();
        let Some(step) = step else {
            return Ok(default.clone());
        };
        if i + 1 == keys.len() {
            return Ok(step);
        }
        match step {
            Value::Map(m) => cur = m,
            other => return Err(assertion(&other, "map[string]interface {}")),
        }
    }
    Ok(default.clone())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::call;
    use super::*;

    fn json(v: &Value) -> String {
        super::super::json::encode(v, true).unwrap()
    }

    fn d(pairs: Vec<(&str, Value)>) -> Value {
        Value::map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    #[test]
    fn dict_get_set_alias_like_go_maps() {
        let m = call("dict", &[Value::str("a"), Value::Int(1), Value::str("b")]).unwrap();
        assert_eq!(m.to_string(), "map[a:1 b:]");
        call("set", &[m.clone(), Value::str("c"), Value::Bool(true)]).unwrap();
        assert_eq!(m.to_string(), "map[a:1 b: c:true]");
        assert_eq!(
            call("get", &[m.clone(), Value::str("zz")])
                .unwrap()
                .to_string(),
            ""
        );
        call("unset", &[m.clone(), Value::str("a")]).unwrap();
        assert!(!call("hasKey", &[m.clone(), Value::str("a")])
            .unwrap()
            .truthy());
        // An untyped nil is a nil map in Go (see args::map).
        assert_eq!(
            call("get", &[Value::Nil, Value::str("x")])
                .unwrap()
                .to_string(),
            ""
        );
        let e = call("get", &[Value::Int(1), Value::str("x")]).unwrap_err();
        assert_eq!(
            e.message(),
            "wrong type for value; expected map[string]interface {}; got int"
        );
    }

    #[test]
    fn merges_follow_mergo() {
        // Each case checked against Helm 4.2.3.
        let merged = call(
            "mergeOverwrite",
            &[
                d(vec![(
                    "a",
                    d(vec![("b", Value::Int(1)), ("c", Value::Int(2))]),
                )]),
                d(vec![(
                    "a",
                    d(vec![("b", Value::Nil), ("d", Value::Int(3))]),
                )]),
            ],
        )
        .unwrap();
        assert_eq!(json(&merged), r#"{"a":{"b":null,"c":2,"d":3}}"#);
        let merged = call(
            "merge",
            &[
                d(vec![(
                    "a",
                    d(vec![("b", Value::Int(1)), ("c", Value::str(""))]),
                )]),
                d(vec![
                    ("a", d(vec![("b", Value::Int(5)), ("c", Value::str("x"))])),
                    ("e", Value::Int(0)),
                ]),
            ],
        )
        .unwrap();
        assert_eq!(json(&merged), r#"{"a":{"b":1,"c":"x"},"e":0}"#);
        let l = |v: Vec<i64>| Value::list(v.into_iter().map(Value::Int).collect());
        let merged = call(
            "merge",
            &[
                d(vec![
                    ("a", l(vec![1])),
                    ("b", Value::Int(0)),
                    ("c", d(vec![])),
                    ("d", Value::str("")),
                ]),
                d(vec![
                    ("a", l(vec![2, 3])),
                    ("b", Value::Int(5)),
                    ("c", d(vec![("x", Value::Int(1))])),
                    ("d", Value::str("y")),
                ]),
            ],
        )
        .unwrap();
        assert_eq!(json(&merged), r#"{"a":[1],"b":5,"c":{"x":1},"d":"y"}"#);
        let merged = call(
            "mergeOverwrite",
            &[
                d(vec![
                    ("a", l(vec![1])),
                    ("b", Value::Int(1)),
                    ("c", d(vec![("x", Value::Int(1))])),
                    ("d", Value::str("y")),
                ]),
                d(vec![
                    ("a", l(vec![])),
                    ("b", Value::Int(0)),
                    ("c", d(vec![])),
                    ("d", Value::str("")),
                ]),
            ],
        )
        .unwrap();
        assert_eq!(json(&merged), r#"{"a":[],"b":0,"c":{"x":1},"d":""}"#);
        let merged = call(
            "merge",
            &[
                d(vec![("a", Value::str("s"))]),
                d(vec![("a", d(vec![("x", Value::Int(1))]))]),
            ],
        )
        .unwrap();
        assert_eq!(json(&merged), r#"{"a":"s"}"#);
    }

    #[test]
    fn dig_pick_omit() {
        let m = d(vec![("a", d(vec![("b", Value::Int(1))]))]);
        let dig = |ks: &[&str]| {
            let mut args: Vec<Value> = ks.iter().map(Value::str).collect();
            args.push(Value::str("d"));
            args.push(m.clone());
            call("dig", &args)
        };
        assert_eq!(dig(&["a", "b"]).unwrap().to_string(), "1");
        assert_eq!(dig(&["a", "x"]).unwrap().to_string(), "d");
        assert_eq!(
            dig(&["a", "b", "c"]).unwrap_err().message(),
            "interface conversion: interface {} is int, not map[string]interface {}"
        );
        let big = d(vec![
            ("a", Value::Int(1)),
            ("b", Value::Int(2)),
            ("c", Value::Int(3)),
        ]);
        let picked = call("pick", &[big.clone(), Value::str("a"), Value::str("c")]).unwrap();
        assert_eq!(picked.to_string(), "map[a:1 c:3]");
        let omitted = call("omit", &[big.clone(), Value::str("a")]).unwrap();
        assert_eq!(omitted.to_string(), "map[b:2 c:3]");
        assert_eq!(
            call("keys", std::slice::from_ref(&big))
                .unwrap()
                .to_string(),
            "[a b c]"
        );
        let plucked = call(
            "pluck",
            &[Value::str("a"), big, d(vec![("a", Value::Int(9))])],
        )
        .unwrap();
        assert_eq!(plucked.to_string(), "[1 9]");
    }
}
