//! Sprig's regular-expression functions over Go RE2 syntax. Patterns are translated so Perl
//! classes (`\d`, `\w`, `\s`, `\b`) stay ASCII-only as in Go, and compiled patterns are cached
//! per thread because charts call the same few patterns many times.

use std::cell::RefCell;
use std::collections::HashMap;

use regex::{NoExpand, Regex};

use super::args::{arity, int, str_list, string, FResult};
use super::{FuncError, FuncMap};
use crate::value::Value;

/// Registers the regex family.
pub(super) fn register(fm: &mut FuncMap) {
    fm.insert("regexMatch", |a| {
        arity("regexMatch", a, 2)?;
        let (re, s) = (string(a, 0)?, string(a, 1)?);
        // sprig ignores the compile error here and reports no match.
        Ok(Value::Bool(
            compile(re).map(|r| r.is_match(s)).unwrap_or(false),
        ))
    });
    fm.insert("mustRegexMatch", |a| {
        arity("mustRegexMatch", a, 2)?;
        let (re, s) = (string(a, 0)?, string(a, 1)?);
        Ok(Value::Bool(
            compile(re).map_err(FuncError::new)?.is_match(s),
        ))
    });
    fm.insert("regexFindAll", |a| find_all("regexFindAll", a, true));
    fm.insert("mustRegexFindAll", |a| {
        find_all("mustRegexFindAll", a, false)
    });
    fm.insert("regexFind", |a| find("regexFind", a, true));
    fm.insert("mustRegexFind", |a| find("mustRegexFind", a, false));
    fm.insert("regexReplaceAll", |a| {
        replace("regexReplaceAll", a, true, false)
    });
    fm.insert("mustRegexReplaceAll", |a| {
        replace("mustRegexReplaceAll", a, false, false)
    });
    fm.insert("regexReplaceAllLiteral", |a| {
        replace("regexReplaceAllLiteral", a, true, true)
    });
    fm.insert("mustRegexReplaceAllLiteral", |a| {
        replace("mustRegexReplaceAllLiteral", a, false, true)
    });
    fm.insert("regexSplit", |a| split("regexSplit", a, true));
    fm.insert("mustRegexSplit", |a| split("mustRegexSplit", a, false));
    fm.insert("regexQuoteMeta", |a| {
        arity("regexQuoteMeta", a, 1)?;
        Ok(Value::from(quote_meta(string(a, 0)?)))
    });
}

thread_local! {
    static CACHE: RefCell<HashMap<String, Result<Regex, String>>> = RefCell::new(HashMap::new());
}

/// Compiles a Go pattern; `Err` is Go-style "error parsing regexp: …" text.
pub fn compile(pat: &str) -> Result<Regex, String> {
    if let Some(hit) = CACHE.with(|c| c.borrow().get(pat).cloned()) {
        return hit;
    }
    let compiled = Regex::new(&translate(pat)).map_err(|e| {
        format!(
            "error parsing regexp: {}: `{pat}`",
            go_error_code(&e.to_string())
        )
    });
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() > 512 {
            c.clear();
        }
        c.insert(pat.to_string(), compiled.clone());
    });
    compiled
}

/// Go's `regexp/syntax` error code for the regex crate's diagnosis of the same mistake.
fn go_error_code(rust: &str) -> String {
    let table = [
        ("unclosed character class", "missing closing ]"),
        ("unclosed group", "missing closing )"),
        ("unopened group", "unexpected )"),
        (
            "repetition operator missing expression",
            "missing argument to repetition operator",
        ),
        ("unrecognized escape sequence", "invalid escape sequence"),
        (
            "invalid character class range",
            "invalid character class range",
        ),
        ("invalid range", "invalid character class range"),
        ("counted repetition", "invalid repeat count"),
        ("decimal", "invalid repeat count"),
        ("unrecognized flag", "invalid or unsupported Perl syntax"),
        ("look-around", "invalid or unsupported Perl syntax"),
        ("backreferences", "invalid escape sequence"),
        (
            "duplicate capture group name",
            "duplicate capture group name",
        ),
        ("invalid capture group", "invalid named capture"),
        ("empty character class", "missing closing ]"),
    ];
    let detail = rust
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error:"))
        .map(str::trim)
        .unwrap_or(rust);
    table
        .iter()
        .find(|(needle, _)| detail.contains(needle))
        .map_or_else(|| detail.to_string(), |(_, go)| go.to_string())
}

/// `regexp.MustCompile`'s panic text.
fn must(pat: &str) -> Result<Regex, FuncError> {
    compile(pat).map_err(|e| FuncError::new(format!("regexp: Compile(`{pat}`): {e}")))
}

fn get(pat: &str, lenient: bool) -> Result<Regex, FuncError> {
    if lenient {
        must(pat)
    } else {
        compile(pat).map_err(FuncError::new)
    }
}

/// Rewrites Go's ASCII-only Perl classes for the Unicode-by-default `regex` crate.
fn translate(pat: &str) -> String {
    let mut out = String::with_capacity(pat.len() + 16);
    let mut chars = pat.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(n) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let repl = match (in_class, n) {
                    (false, 'd' | 'D' | 'w' | 'W' | 's' | 'S' | 'b' | 'B') => {
                        format!("(?-u:\\{n})")
                    }
                    (true, 'd') => "[:digit:]".into(),
                    (true, 'D') => "[:^digit:]".into(),
                    (true, 'w') => "[:word:]".into(),
                    (true, 'W') => "[:^word:]".into(),
                    (true, 's') => "\\t\\n\\x0C\\r ".into(),
                    (true, 'S') => "[:^space:]".into(),
                    _ => format!("\\{n}"),
                };
                out.push_str(&repl);
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    out.push(chars.next().unwrap_or('^'));
                }
                if chars.peek() == Some(&']') {
                    chars.next();
                    out.push_str("\\]");
                }
            }
            '[' if in_class && chars.peek() == Some(&':') => {
                // A POSIX class like [:alpha:] inside a bracket expression.
                out.push('[');
                for d in chars.by_ref() {
                    out.push(d);
                    if d == ']' {
                        break;
                    }
                }
            }
            '[' => out.push_str("\\["),
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            c if in_class && matches!(c, '&' | '~' | '-') => {
                // The regex crate reserves `&&`, `--`, `~~` for set operations.
                if c != '-' && chars.peek() == Some(&c) {
                    out.push('\\');
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Go's `regexp.QuoteMeta`.
pub fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Go's `FindAllStringIndex(s, n)`: `n < 0` all; empty matches right after a match are skipped.
fn find_all_idx(re: &Regex, s: &str, n: i64) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    let mut prev_end: Option<usize> = None;
    for m in re.find_iter(s) {
        if m.start() == m.end() && prev_end == Some(m.start()) {
            continue;
        }
        out.push((m.start(), m.end()));
        prev_end = Some(m.end());
        if n > 0 && out.len() as i64 >= n {
            break;
        }
    }
    out
}

fn find_all(name: &str, a: &[Value], lenient: bool) -> FResult {
    arity(name, a, 3)?;
    let (pat, s, n) = (string(a, 0)?, string(a, 1)?, int(a, 2)?);
    let re = get(pat, lenient)?;
    Ok(str_list(
        find_all_idx(&re, s, n).into_iter().map(|(b, e)| &s[b..e]),
    ))
}

fn find(name: &str, a: &[Value], lenient: bool) -> FResult {
    arity(name, a, 2)?;
    let (pat, s) = (string(a, 0)?, string(a, 1)?);
    let re = get(pat, lenient)?;
    Ok(Value::str(re.find(s).map_or("", |m| m.as_str())))
}

fn replace(name: &str, a: &[Value], lenient: bool, literal: bool) -> FResult {
    arity(name, a, 3)?;
    let (pat, s, repl) = (string(a, 0)?, string(a, 1)?, string(a, 2)?);
    let re = get(pat, lenient)?;
    let out = if literal {
        re.replace_all(s, NoExpand(repl))
    } else {
        re.replace_all(s, repl)
    };
    Ok(Value::from(out.into_owned()))
}

fn split(name: &str, a: &[Value], lenient: bool) -> FResult {
    arity(name, a, 3)?;
    let (pat, s, n) = (string(a, 0)?, string(a, 1)?, int(a, 2)?);
    let re = get(pat, lenient)?;
    if n == 0 {
        return Ok(Value::list(Vec::new()));
    }
    if !pat.is_empty() && s.is_empty() {
        return Ok(str_list([""]));
    }
    let mut parts: Vec<&str> = Vec::new();
    let (mut beg, mut end) = (0usize, 0usize);
    for (ms, me) in find_all_idx(&re, s, n) {
        if n > 0 && parts.len() as i64 == n - 1 {
            break;
        }
        end = ms;
        if me != 0 {
            parts.push(&s[beg..end]);
        }
        beg = me;
    }
    if end != s.len() {
        parts.push(&s[beg..]);
    }
    Ok(str_list(parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[&str], n: Option<i64>) -> Result<Value, FuncError> {
        let mut v: Vec<Value> = args.iter().map(Value::str).collect();
        if let Some(n) = n {
            v.push(Value::Int(n));
        }
        (super::super::library().get(name).unwrap())(&v)
    }

    fn text(name: &str, args: &[&str], n: Option<i64>) -> String {
        call(name, args, n).unwrap().to_string()
    }

    #[test]
    fn sprig_regex_examples() {
        assert_eq!(text("regexMatch", &["^[a-z]+\\d$", "abc1"], None), "true");
        assert_eq!(text("regexMatch", &["\\d", "٣"], None), "false");
        assert_eq!(
            text("regexFindAll", &["[2,4,6,8]", "123456789"], Some(-1)),
            "[2 4 6 8]"
        );
        assert_eq!(
            text("regexFindAll", &["[2,4,6,8]", "123456789"], Some(2)),
            "[2 4]"
        );
        assert_eq!(
            text("regexFind", &["[a-zA-Z][1-9]", "abcd1234"], None),
            "d1"
        );
        assert_eq!(
            text("regexReplaceAll", &["a(x*)b", "-ab-axxb-", "${1}W"], None),
            "-W-xxW-"
        );
        assert_eq!(
            text("regexReplaceAll", &["a(x*)b", "-ab-axxb-", "$1W"], None),
            "---"
        );
        assert_eq!(
            text(
                "regexReplaceAllLiteral",
                &["a(x*)b", "-ab-axxb-", "${1}"],
                None
            ),
            "-${1}-${1}-"
        );
        assert_eq!(
            text("regexSplit", &["z+", "pizza", "-1"][..2], Some(-1)),
            "[pi a]"
        );
        assert_eq!(text("regexSplit", &["z+", "pizza"], Some(1)), "[pizza]");
        assert_eq!(text("regexSplit", &["", "abc"], Some(-1)), "[a b c]");
        assert_eq!(
            text("regexQuoteMeta", &["1.5-2.0?"], None),
            "1\\.5-2\\.0\\?"
        );
    }

    #[test]
    fn bad_patterns() {
        assert_eq!(text("regexMatch", &["(", "x"], None), "false");
        assert!(call("mustRegexMatch", &["(", "x"], None)
            .unwrap_err()
            .message()
            .starts_with("error parsing regexp: "));
        assert!(call("regexFind", &["(", "x"], None)
            .unwrap_err()
            .message()
            .starts_with("regexp: Compile(`(`): error parsing regexp: "));
        // Texts checked against Helm 4.2.3.
        assert_eq!(
            call("mustRegexFind", &["a(", "x"], None)
                .unwrap_err()
                .message(),
            "error parsing regexp: missing closing ): `a(`"
        );
        assert_eq!(
            call("regexFind", &["[", "x"], None).unwrap_err().message(),
            "regexp: Compile(`[`): error parsing regexp: missing closing ]: `[`"
        );
    }
}
