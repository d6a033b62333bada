//! Go's `path` functions as Sprig exposes them (`base`, `dir`, `clean`, `ext`, `isAbs`) and
//! their `filepath` twins (`osBase`, ...), identical on Linux.

use super::args::{arity, string, FResult};
use super::FuncMap;
use crate::value::Value;

/// Registers the path family.
pub(super) fn register(fm: &mut FuncMap) {
    fm.insert("base", |a| one("base", a, |s| Value::from(base(s))));
    fm.insert("osBase", |a| one("osBase", a, |s| Value::from(base(s))));
    fm.insert("dir", |a| one("dir", a, |s| Value::from(dir(s))));
    fm.insert("osDir", |a| one("osDir", a, |s| Value::from(dir(s))));
    fm.insert("clean", |a| one("clean", a, |s| Value::from(clean(s))));
    fm.insert("osClean", |a| one("osClean", a, |s| Value::from(clean(s))));
    fm.insert("ext", |a| one("ext", a, |s| Value::str(ext(s))));
    fm.insert("osExt", |a| one("osExt", a, |s| Value::str(ext(s))));
    fm.insert("isAbs", |a| {
        one("isAbs", a, |s| Value::Bool(s.starts_with('/')))
    });
    fm.insert("osIsAbs", |a| {
        one("osIsAbs", a, |s| Value::Bool(s.starts_with('/')))
    });
}

fn one(name: &str, a: &[Value], f: impl Fn(&str) -> Value) -> FResult {
    arity(name, a, 1)?;
    Ok(f(string(a, 0)?))
}

/// Go's `path.Clean`: lexical normalisation of `.`, `..` and repeated slashes.
pub fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

/// Go's `path.Base`.
pub fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

/// Go's `path.Dir`.
pub fn dir(p: &str) -> String {
    let cut = p.rfind('/').map_or(0, |i| i + 1);
    clean(&p[..cut])
}

/// Go's `path.Ext`.
pub fn ext(p: &str) -> &str {
    for (i, c) in p.char_indices().rev() {
        if c == '/' {
            break;
        }
        if c == '.' {
            return &p[i..];
        }
    }
    ""
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_go() {
        assert_eq!(base("a/b.txt"), "b.txt");
        assert_eq!(base(""), ".");
        assert_eq!(base("/"), "/");
        assert_eq!(dir("a/b/"), "a/b");
        assert_eq!(dir(""), ".");
        assert_eq!(dir("/x"), "/");
        assert_eq!(clean("a//b/../c/."), "a/c");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(clean("../../a/.."), "../..");
        assert_eq!(ext("x.tar.gz"), ".gz");
        assert_eq!(ext("a.b/c"), "");
    }
}
