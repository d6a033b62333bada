//! Sprig's string functions: trimming, case, truncation, padding, quoting, splitting and joining.
//! Go strings are bytes, so the byte-indexed functions (`trunc`, `substr`, `abbrev`, `wrap`)
//! index bytes here too.

use super::args::{arity, int, str_list, string, strval, FResult};
use super::casing::{camel_to_lower, camelcase, go_lower, go_title, go_upper, swapcase, untitle};
use super::{FuncError, FuncMap};
use crate::value::{go_quote, Map, Value};

/// Registers the string family.
pub(super) fn register(fm: &mut FuncMap) {
    fm.insert("hello", |a| {
        arity("hello", a, 0)?;
        Ok(Value::str("Hello!"))
    });
    fm.insert("abbrev", abbrev);
    fm.insert("abbrevboth", abbrevboth);
    fm.insert("trunc", trunc);
    fm.insert("trim", |a| {
        str1("trim", a, |s| go_trim_space(s).to_string())
    });
    fm.insert("upper", |a| str1("upper", a, go_upper));
    fm.insert("lower", |a| str1("lower", a, go_lower));
    fm.insert("title", |a| str1("title", a, go_title));
    fm.insert("untitle", |a| str1("untitle", a, untitle));
    fm.insert("substr", substr);
    fm.insert("repeat", repeat);
    fm.insert("trimall", |a| str2("trimall", a, trim_all));
    fm.insert("trimAll", |a| str2("trimAll", a, trim_all));
    fm.insert("trimSuffix", |a| {
        str2("trimSuffix", a, |suf, s| {
            s.strip_suffix(suf).unwrap_or(s).to_string()
        })
    });
    fm.insert("trimPrefix", |a| {
        str2("trimPrefix", a, |pre, s| {
            s.strip_prefix(pre).unwrap_or(s).to_string()
        })
    });
    fm.insert("nospace", |a| str1("nospace", a, nospace));
    fm.insert("initials", |a| str1("initials", a, initials));
    fm.insert("swapcase", |a| str1("swapcase", a, swapcase));
    fm.insert("shuffle", |a| str1("shuffle", a, shuffle));
    fm.insert("snakecase", |a| {
        str1("snakecase", a, |s| camel_to_lower(s, '_'))
    });
    fm.insert("kebabcase", |a| {
        str1("kebabcase", a, |s| camel_to_lower(s, '-'))
    });
    fm.insert("camelcase", |a| str1("camelcase", a, camelcase));
    fm.insert("wrap", wrap);
    fm.insert("wrapWith", wrap_with);
    fm.insert("contains", |a| {
        bool2("contains", a, |sub, s| s.contains(sub))
    });
    fm.insert("hasPrefix", |a| {
        bool2("hasPrefix", a, |p, s| s.starts_with(p))
    });
    fm.insert("hasSuffix", |a| {
        bool2("hasSuffix", a, |p, s| s.ends_with(p))
    });
    fm.insert("quote", quote);
    fm.insert("squote", squote);
    fm.insert("cat", cat);
    fm.insert("indent", indent);
    fm.insert("nindent", nindent);
    fm.insert("replace", replace);
    fm.insert("plural", plural);
    fm.insert("toString", |a| {
        arity("toString", a, 1)?;
        Ok(Value::from(strval(&a[0])))
    });
    fm.insert("toStrings", |a| {
        arity("toStrings", a, 1)?;
        Ok(str_list(strslice(&a[0])))
    });
    fm.insert("split", split);
    fm.insert("splitList", |a| {
        arity("splitList", a, 2)?;
        let (sep, s) = (string(a, 0)?, string(a, 1)?);
        Ok(str_list(go_split(s, sep, -1)))
    });
    fm.insert("splitn", splitn);
    fm.insert("join", |a| {
        arity("join", a, 2)?;
        let sep = string(a, 0)?;
        Ok(Value::from(strslice(&a[1]).join(sep)))
    });
    fm.insert("sortAlpha", sort_alpha);
    for (name, f) in [
        ("randAlphaNum", rand_alpha_num as super::Func),
        ("randAlpha", rand_alpha),
        ("randAscii", rand_ascii),
        ("randNumeric", rand_numeric),
    ] {
        fm.insert(name, f);
    }
}

fn str1(name: &str, a: &[Value], f: impl Fn(&str) -> String) -> FResult {
    arity(name, a, 1)?;
    Ok(Value::from(f(string(a, 0)?)))
}

fn str2(name: &str, a: &[Value], f: impl Fn(&str, &str) -> String) -> FResult {
    arity(name, a, 2)?;
    Ok(Value::from(f(string(a, 0)?, string(a, 1)?)))
}

fn bool2(name: &str, a: &[Value], f: impl Fn(&str, &str) -> bool) -> FResult {
    arity(name, a, 2)?;
    Ok(Value::Bool(f(string(a, 0)?, string(a, 1)?)))
}

/// Bytes back to text; a cut through a UTF-8 sequence becomes U+FFFD (Go would keep the raw bytes).
fn bytes_text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Go's `unicode.IsSpace`.
pub(crate) fn go_is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\x0b' | '\x0c' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    ) || (c as u32 > 0xff && c.is_whitespace())
}

/// Go's `strings.TrimSpace`.
pub(crate) fn go_trim_space(s: &str) -> &str {
    s.trim_matches(go_is_space)
}

/// goutils `DeleteWhiteSpace`, which walks bytes and treats each as a Latin-1 rune.
fn nospace(s: &str) -> String {
    let b = s.as_bytes();
    if !b.iter().any(|&x| go_is_space(x as char)) {
        return s.to_string();
    }
    b.iter()
        .map(|&x| x as char)
        .filter(|c| !go_is_space(*c))
        .collect()
}

/// goutils `Initials`, also byte-wise.
fn initials(s: &str) -> String {
    let mut gap = true;
    let mut out = String::new();
    for &b in s.as_bytes() {
        let c = b as char;
        if go_is_space(c) {
            gap = true;
        } else if gap {
            out.push(c);
            gap = false;
        }
    }
    out
}

fn trim_all(cutset: &str, s: &str) -> String {
    s.trim_matches(|c| cutset.contains(c)).to_string()
}

fn abbrev(a: &[Value]) -> FResult {
    arity("abbrev", a, 2)?;
    let (w, s) = (int(a, 0)?, string(a, 1)?);
    if w < 4 {
        return Ok(a[1].clone());
    }
    Ok(Value::from(
        abbreviate_full(s.as_bytes(), 0, w).unwrap_or_default(),
    ))
}

fn abbrevboth(a: &[Value]) -> FResult {
    arity("abbrevboth", a, 3)?;
    let (left, right, s) = (int(a, 0)?, int(a, 1)?, string(a, 2)?);
    if right < 4 || left > 0 && right < 7 {
        return Ok(a[2].clone());
    }
    Ok(Value::from(
        abbreviate_full(s.as_bytes(), left, right).unwrap_or_default(),
    ))
}

/// goutils `AbbreviateFull` over bytes; `None` where it returns an error (sprig then yields "").
fn abbreviate_full(s: &[u8], offset: i64, max: i64) -> Option<String> {
    let len = s.len() as i64;
    if s.is_empty() {
        return Some(String::new());
    }
    if max < 4 {
        return None;
    }
    if len <= max {
        return Some(bytes_text(s));
    }
    let mut offset = offset.min(len);
    if len - offset < max - 3 {
        offset = len - (max - 3);
    }
    if offset <= 4 {
        return Some(bytes_text(&s[..(max - 3) as usize]) + "...");
    }
    if max < 7 {
        return None;
    }
    if offset + max - 3 < len {
        let rest = abbreviate_full(&s[offset as usize..], 0, max - 3)?;
        return Some(format!("...{rest}"));
    }
    Some(format!(
        "...{}",
        bytes_text(&s[(len - (max - 3)) as usize..])
    ))
}

fn trunc(a: &[Value]) -> FResult {
    arity("trunc", a, 2)?;
    let (c, s) = (int(a, 0)?, string(a, 1)?);
    let len = s.len() as i64;
    let b = s.as_bytes();
    if c < 0 && len + c > 0 {
        return Ok(Value::from(bytes_text(&b[(len + c) as usize..])));
    }
    if c >= 0 && len > c {
        return Ok(Value::from(bytes_text(&b[..c as usize])));
    }
    Ok(a[1].clone())
}

/// Go's `s[lo:hi]` on a string, with the runtime's panic text when out of range.
fn go_slice(s: &str, lo: Option<i64>, hi: Option<i64>) -> Result<String, FuncError> {
    let len = s.len() as i64;
    let l = lo.unwrap_or(0);
    let h = hi.unwrap_or(len);
    let show = |x: Option<i64>| x.map(|v| v.to_string()).unwrap_or_default();
    if h < 0 || h > len {
        let what = if lo.is_none() {
            format!("[:{h}] with length {len}")
        } else {
            format!("[{}:{h}]", show(lo))
        };
        return Err(FuncError::new(format!(
            "runtime error: slice bounds out of range {what}"
        )));
    }
    if l < 0 || l > h {
        return Err(FuncError::new(format!(
            "runtime error: slice bounds out of range [{l}:{h}]"
        )));
    }
    Ok(bytes_text(&s.as_bytes()[l as usize..h as usize]))
}

fn substr(a: &[Value]) -> FResult {
    arity("substr", a, 3)?;
    let (start, end, s) = (int(a, 0)?, int(a, 1)?, string(a, 2)?);
    let out = if start < 0 {
        go_slice(s, None, Some(end))?
    } else if end < 0 || end > s.len() as i64 {
        go_slice(s, Some(start), None)?
    } else {
        go_slice(s, Some(start), Some(end))?
    };
    Ok(Value::from(out))
}

/// Go's `strings.Repeat`, which panics on a negative count.
fn go_repeat(s: &str, n: i64) -> Result<String, FuncError> {
    if n < 0 {
        return Err(FuncError::new("strings: negative Repeat count"));
    }
    Ok(s.repeat(n as usize))
}

fn repeat(a: &[Value]) -> FResult {
    arity("repeat", a, 2)?;
    let (n, s) = (int(a, 0)?, string(a, 1)?);
    Ok(Value::from(go_repeat(s, n)?))
}

fn indent_str(n: i64, s: &str) -> Result<String, FuncError> {
    let pad = go_repeat(" ", n)?;
    let mut out = String::with_capacity(s.len() + pad.len() * 4);
    out.push_str(&pad);
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&pad);
        }
        out.push_str(line);
    }
    Ok(out)
}

fn indent(a: &[Value]) -> FResult {
    arity("indent", a, 2)?;
    Ok(Value::from(indent_str(int(a, 0)?, string(a, 1)?)?))
}

fn nindent(a: &[Value]) -> FResult {
    arity("nindent", a, 2)?;
    Ok(Value::from(format!(
        "\n{}",
        indent_str(int(a, 0)?, string(a, 1)?)?
    )))
}

fn replace(a: &[Value]) -> FResult {
    arity("replace", a, 3)?;
    let (old, new, src) = (string(a, 0)?, string(a, 1)?, string(a, 2)?);
    Ok(Value::from(src.replace(old, new)))
}

fn plural(a: &[Value]) -> FResult {
    arity("plural", a, 3)?;
    string(a, 0)?;
    string(a, 1)?;
    Ok(a[if int(a, 2)? == 1 { 0 } else { 1 }].clone())
}

fn quote(a: &[Value]) -> FResult {
    let parts: Vec<String> = a
        .iter()
        .filter(|v| !v.is_nil())
        .map(|v| go_quote(&strval(v)))
        .collect();
    Ok(Value::from(parts.join(" ")))
}

fn squote(a: &[Value]) -> FResult {
    let parts: Vec<String> = a
        .iter()
        .filter(|v| !v.is_nil())
        .map(|v| format!("'{v}'"))
        .collect();
    Ok(Value::from(parts.join(" ")))
}

fn cat(a: &[Value]) -> FResult {
    let parts: Vec<String> = a
        .iter()
        .filter(|v| !v.is_nil())
        .map(|v| v.to_string())
        .collect();
    Ok(Value::from(parts.join(" ")))
}

/// sprig's `strslice`: a list's non-nil items as strings; nil is empty; anything else is one item.
pub(crate) fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l.iter().filter(|x| !x.is_nil()).map(strval).collect(),
        Value::Bytes(b) => b.iter().map(|x| x.to_string()).collect(),
        Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

/// Go's `strings.SplitN` (`n < 0`: all; `n == 0`: none; empty separator splits into runes).
pub(crate) fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let chars: Vec<char> = s.chars().collect();
        let limit = if n < 0 || n as usize > chars.len() {
            chars.len()
        } else {
            n as usize
        };
        let mut out: Vec<String> = chars[..limit.saturating_sub(1)]
            .iter()
            .map(|c| c.to_string())
            .collect();
        if limit > 0 {
            out.push(chars[limit - 1..].iter().collect());
        }
        return out;
    }
    if n < 0 {
        s.split(sep).map(str::to_string).collect()
    } else {
        s.splitn(n as usize, sep).map(str::to_string).collect()
    }
}

fn parts_map(parts: Vec<String>) -> Value {
    let m: Map = parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| (format!("_{i}"), Value::from(p)))
        .collect();
    Value::map(m)
}

fn split(a: &[Value]) -> FResult {
    arity("split", a, 2)?;
    let (sep, s) = (string(a, 0)?, string(a, 1)?);
    Ok(parts_map(go_split(s, sep, -1)))
}

fn splitn(a: &[Value]) -> FResult {
    arity("splitn", a, 3)?;
    let (sep, n, s) = (string(a, 0)?, int(a, 1)?, string(a, 2)?);
    Ok(parts_map(go_split(s, sep, n)))
}

fn sort_alpha(a: &[Value]) -> FResult {
    arity("sortAlpha", a, 1)?;
    match &a[0] {
        Value::List(_) | Value::Bytes(_) => {
            let mut v = strslice(&a[0]);
            v.sort();
            Ok(str_list(v))
        }
        other => Ok(str_list([strval(other)])),
    }
}

/// goutils `WrapCustom` over bytes: breaks at the last space within `width`, long words are
/// split only when `long_words` is set.
fn wrap_custom(s: &str, width: i64, nl: &str, long_words: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let nl = if nl.is_empty() { "\n" } else { nl };
    let width = width.max(1) as usize;
    let b = s.as_bytes();
    let len = b.len();
    let mut off = 0usize;
    let mut out: Vec<u8> = Vec::with_capacity(len + 8);
    while len - off > width {
        if b[off] == b' ' {
            off += 1;
            continue;
        }
        let end = (width + off + 1).min(len);
        let space = b[off..end].iter().rposition(|&c| c == b' ');
        if let Some(sp) = space {
            let at = sp + off;
            out.extend_from_slice(&b[off..at]);
            out.extend_from_slice(nl.as_bytes());
            off = at + 1;
        } else if long_words {
            let end = width + off;
            out.extend_from_slice(&b[off..end]);
            out.extend_from_slice(nl.as_bytes());
            off += width;
        } else {
            let end = width + off;
            match b[end..].iter().position(|&c| c == b' ') {
                None => {
                    out.extend_from_slice(&b[off..]);
                    off = len;
                }
                Some(i) => {
                    let at = i + end;
                    out.extend_from_slice(&b[off..at]);
                    out.extend_from_slice(nl.as_bytes());
                    off = at + 1;
                }
            }
        }
    }
    out.extend_from_slice(&b[off..]);
    bytes_text(&out)
}

fn wrap(a: &[Value]) -> FResult {
    arity("wrap", a, 2)?;
    Ok(Value::from(wrap_custom(
        string(a, 1)?,
        int(a, 0)?,
        "",
        false,
    )))
}

fn wrap_with(a: &[Value]) -> FResult {
    arity("wrapWith", a, 3)?;
    Ok(Value::from(wrap_custom(
        string(a, 2)?,
        int(a, 0)?,
        string(a, 1)?,
        true,
    )))
}

// --- random strings -----------------------------------------------------------------------

fn shuffle(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    for i in (1..chars.len()).rev() {
        let j = super::crypto::rand_below(i as u64 + 1) as usize;
        chars.swap(i, j);
    }
    chars.into_iter().collect()
}

const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn rand_from(name: &str, a: &[Value], set: &[u8]) -> FResult {
    arity(name, a, 1)?;
    let n = int(a, 0)?;
    // goutils returns an error for a negative count, which sprig turns into "".
    let out: String = (0..n.max(0))
        .map(|_| set[super::crypto::rand_below(set.len() as u64) as usize] as char)
        .collect();
    Ok(Value::from(out))
}

fn rand_alpha_num(a: &[Value]) -> FResult {
    rand_from("randAlphaNum", a, ALNUM)
}

fn rand_alpha(a: &[Value]) -> FResult {
    rand_from("randAlpha", a, &ALNUM[10..])
}

fn rand_numeric(a: &[Value]) -> FResult {
    rand_from("randNumeric", a, &ALNUM[..10])
}

fn rand_ascii(a: &[Value]) -> FResult {
    let printable: Vec<u8> = (32u8..127).collect();
    rand_from("randAscii", a, &printable)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{call, text};
    use super::*;

    fn s(x: &str) -> Value {
        Value::str(x)
    }

    fn i(x: i64) -> Value {
        Value::Int(x)
    }

    #[test]
    fn documented_string_behaviour() {
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
            ("trim", vec![s("  hi \n")], "hi"),
            ("trimAll", vec![s("$"), s("$5.00$")], "5.00"),
            ("trimSuffix", vec![s("-"), s("hello-")], "hello"),
            ("trimPrefix", vec![s("-"), s("-hello")], "hello"),
            ("upper", vec![s("hello")], "HELLO"),
            ("lower", vec![s("HELLO")], "hello"),
            (
                "title",
                vec![s("hello wORLD foo-bar")],
                "Hello WORLD Foo-Bar",
            ),
            ("untitle", vec![s("Hello World")], "hello world"),
            ("repeat", vec![i(3), s("ab")], "ababab"),
            ("substr", vec![i(0), i(5), s("hello world")], "hello"),
            ("substr", vec![i(1), i(10), s("abc")], "bc"),
            ("nospace", vec![s("hello w o r l d")], "helloworld"),
            ("trunc", vec![i(5), s("hello world")], "hello"),
            ("trunc", vec![i(-5), s("hello world")], "world"),
            ("trunc", vec![i(-2), s("abcdef")], "ef"),
            ("trunc", vec![i(63), s("short")], "short"),
            ("abbrev", vec![i(5), s("hello world")], "he..."),
            (
                "abbrevboth",
                vec![i(5), i(10), s("1234 5678 9123")],
                "...5678...",
            ),
            ("initials", vec![s("First Try")], "FT"),
            (
                "wrap",
                vec![i(5), s("hello world foo")],
                "hello\nworld\nfoo",
            ),
            (
                "wrapWith",
                vec![i(5), s("\t"), s("Hello World")],
                "Hello\tWorld",
            ),
            ("wrapWith", vec![i(3), s("|"), s("abcdefg")], "abc|def|g"),
            ("swapcase", vec![s("This Is A.Test")], "tHIS iS a.tEST"),
            ("snakecase", vec![s("FirstName")], "first_name"),
            ("snakecase", vec![s("HTTPServer")], "http_server"),
            ("kebabcase", vec![s("FirstName")], "first-name"),
            ("camelcase", vec![s("http_server")], "HttpServer"),
            ("camelcase", vec![s("_complex__case_")], "_Complex_Case_"),
            ("quote", vec![Value::Nil, i(1), s("a\"b")], r#""1" "a\"b""#),
            ("squote", vec![s("a"), Value::Float(1.5)], "'a' '1.5'"),
            (
                "cat",
                vec![s("hello"), Value::Nil, s("beautiful"), i(3)],
                "hello beautiful 3",
            ),
            ("indent", vec![i(2), s("a\nb")], "  a\n  b"),
            ("nindent", vec![i(2), s("a")], "\n  a"),
            (
                "replace",
                vec![s(" "), s("-"), s("I Am Henry")],
                "I-Am-Henry",
            ),
            ("plural", vec![s("one"), s("many"), i(1)], "one"),
            ("plural", vec![s("one"), s("many"), i(2)], "many"),
            ("contains", vec![s("cat"), s("catch")], "true"),
            ("hasPrefix", vec![s("cat"), s("catch")], "true"),
            ("hasSuffix", vec![s("cat"), s("catch")], "false"),
            ("toString", vec![Value::Float(3.0)], "3"),
            (
                "join",
                vec![s(","), Value::list(vec![i(1), Value::Nil, s("b")])],
                "1,b",
            ),
            ("splitList", vec![s("$"), s("foo$bar$baz")], "[foo bar baz]"),
            ("split", vec![s("$"), s("foo$bar")], "map[_0:foo _1:bar]"),
            (
                "splitn",
                vec![s("$"), i(2), s("foo$bar$baz")],
                "map[_0:foo _1:bar$baz]",
            ),
            (
                "sortAlpha",
                vec![Value::list(vec![s("b"), s("a"), i(3)])],
                "[3 a b]",
            ),
            ("toStrings", vec![Value::list(vec![i(1), s("b")])], "[1 b]"),
        ];
        for (name, args, want) in cases {
            assert_eq!(text(name, &args), want, "{name} {args:?}");
        }
    }

    #[test]
    fn case_conversions_checked_against_helm() {
        let cases: Vec<(&str, &str, &str)> = vec![
            ("snakecase", "HTTPServer", "http_server"),
            ("snakecase", "foo-bar baz", "foo_bar_baz"),
            ("snakecase", "ab1Cd", "ab1_cd"),
            ("snakecase", "a1b2", "a_1b2"),
            ("snakecase", "Hello, World!", "hello,_world!"),
            (
                "snakecase",
                "getHTTPResponse2Code",
                "get_http_response2_code",
            ),
            ("kebabcase", "myAPIKey", "my-api-key"),
            ("camelcase", "foo-bar baz", "FooBarBaz"),
            ("camelcase", "fooBar_baz", "FooBarBaz"),
            ("camelcase", "hello world", "HelloWorld"),
            ("initials", "hello World foo", "hWf"),
            (
                "kebabcase",
                "already-kebab_case Here",
                "already-kebab-case-here",
            ),
            ("camelcase", "", ""),
            ("snakecase", "", ""),
            (
                "title",
                "ǆx über-straße o'neil a_b 3d",
                "ǅx Über-Straße O'Neil A_b 3d",
            ),
        ];
        for (name, input, want) in cases {
            assert_eq!(text(name, &[s(input)]), want, "{name} {input}");
        }
        assert_eq!(
            text(
                "wrap",
                &[i(10), s("Lorem ipsum dolor sit amet consectetur")]
            ),
            "Lorem\nipsum\ndolor sit\namet\nconsectetur"
        );
        assert_eq!(text("wrap", &[i(3), s("abcdefgh ij")]), "abcdefgh\nij");
        assert_eq!(text("substr", &[i(2), i(-1), s("hello")]), "llo");
        assert_eq!(text("nindent", &[i(0), s("a")]), "\na");
        assert_eq!(text("abbrev", &[i(3), s("hello")]), "hello");
        assert_eq!(text("abbrevboth", &[i(0), i(4), s("hello world")]), "h...");
        assert_eq!(
            text("abbrevboth", &[i(10), i(7), s("abcdefghijklmnopqrst")]),
            "...k..."
        );
        assert_eq!(
            text(
                "sortAlpha",
                &[Value::list(vec![s("b"), s("B"), s("a"), i(10), i(9)])]
            ),
            "[10 9 B a b]"
        );
        assert_eq!(text("quote", &[s("")]), "\"\"");
        assert_eq!(text("squote", &[]), "");
    }

    #[test]
    fn go_runtime_errors_surface() {
        assert_eq!(
            call("substr", &[i(-1), i(5), s("abc")])
                .unwrap_err()
                .message(),
            "runtime error: slice bounds out of range [:5] with length 3"
        );
        assert_eq!(
            call("repeat", &[i(-1), s("x")]).unwrap_err().message(),
            "strings: negative Repeat count"
        );
        let e = call("trunc", &[Value::Float(2.0), s("abc")]).unwrap_err();
        assert_eq!(
            e.message(),
            "wrong type for value; expected int; got float64"
        );
        let e = call("upper", &[]).unwrap_err();
        assert_eq!(e.message(), "wrong number of args for upper: want 1 got 0");
    }

    #[test]
    fn random_strings_have_requested_shape() {
        let v = text("randAlphaNum", &[i(32)]);
        assert_eq!(v.len(), 32);
        assert!(v.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(text("randNumeric", &[i(8)])
            .bytes()
            .all(|b| b.is_ascii_digit()));
        assert!(text("randAlpha", &[i(8)])
            .bytes()
            .all(|b| b.is_ascii_alphabetic()));
        assert_ne!(text("randAlphaNum", &[i(32)]), v);
        let sh = text("shuffle", &[s("abcdef")]);
        let mut c: Vec<char> = sh.chars().collect();
        c.sort();
        assert_eq!(c.into_iter().collect::<String>(), "abcdef");
    }
}
