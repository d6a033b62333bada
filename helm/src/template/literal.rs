//! Go literal syntax inside actions: `strconv.Unquote` for strings and characters, and
//! `parse.newNumber` plus `idealConstant` typing for numbers (hex/octal/binary, underscores,
//! hex floats).

use super::ast::Const;
use super::lexer::{Item, ItemType};
use crate::funcs::args::{parse_go_int, parse_go_uint};

/// Go's `strconv.Unquote` for the three literal forms the lexer produces.
pub(super) fn unquote(s: &str) -> Result<String, String> {
    let bad = || "invalid syntax".to_string();
    if s.len() < 2 {
        return Err(bad());
    }
    let q = s.as_bytes()[0];
    if s.as_bytes()[s.len() - 1] != q {
        return Err(bad());
    }
    let body = &s[1..s.len() - 1];
    match q {
        b'`' => Ok(body.replace('\r', "")),
        b'"' | b'\'' => {
            let mut out = String::with_capacity(body.len());
            let mut chars = body.chars().peekable();
            while let Some(c) = chars.next() {
                if c != '\\' {
                    if c == q as char && q == b'"' {
                        return Err(bad());
                    }
                    out.push(c);
                    continue;
                }
                let e = chars.next().ok_or_else(bad)?;
                let mut hex = |n: usize| -> Result<u32, String> {
                    let mut v = 0u32;
                    for _ in 0..n {
                        let d = chars.next().and_then(|c| c.to_digit(16)).ok_or_else(bad)?;
                        v = v * 16 + d;
                    }
                    Ok(v)
                };
                match e {
                    'a' => out.push('\x07'),
                    'b' => out.push('\x08'),
                    'f' => out.push('\x0c'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'v' => out.push('\x0b'),
                    '\\' => out.push('\\'),
                    '"' if q == b'"' => out.push('"'),
                    '\'' if q == b'\'' => out.push('\''),
                    'x' => {
                        let v = hex(2)?;
                        // A \x byte in a string is raw; above 0x7f it cannot be valid UTF-8 on
                        // its own, so keep the replacement character as Go would print it.
                        out.push(char::from_u32(v).filter(|_| v < 0x80).unwrap_or('\u{fffd}'));
                    }
                    'u' => out.push(char::from_u32(hex(4)?).ok_or_else(bad)?),
                    'U' => out.push(char::from_u32(hex(8)?).ok_or_else(bad)?),
                    '0'..='7' => {
                        let mut v = e.to_digit(8).unwrap_or(0);
                        for _ in 0..2 {
                            let d = chars.next().and_then(|c| c.to_digit(8)).ok_or_else(bad)?;
                            v = v * 8 + d;
                        }
                        if v > 255 {
                            return Err(bad());
                        }
                        out.push(char::from_u32(v).filter(|_| v < 0x80).unwrap_or('\u{fffd}'));
                    }
                    _ => return Err(bad()),
                }
            }
            if q == b'\'' && out.chars().count() != 1 {
                return Err(bad());
            }
            Ok(out)
        }
        _ => Err(bad()),
    }
}

/// Go's `parse.newNumber` followed by `idealConstant`'s typing.
pub(super) fn number(tok: &Item<'_>) -> Result<Const, String> {
    let text: &str = &tok.val;
    match tok.typ {
        ItemType::CharConstant => {
            let s = unquote(text).map_err(|_| format!("malformed character constant: {text}"))?;
            return Ok(Const::Int(s.chars().next().map(|c| c as i64).unwrap_or(0)));
        }
        ItemType::Complex => {
            return Err(format!(
                "illegal number syntax: {}",
                crate::value::go_quote(text)
            ))
        }
        _ => {}
    }
    let is_hex_int = text.len() > 2
        && text.starts_with('0')
        && matches!(text.as_bytes()[1], b'x' | b'X')
        && !text.contains(['p', 'P']);
    let floaty = !is_hex_int && text.contains(['.', 'e', 'E', 'p', 'P']);
    if let Some(i) = parse_go_int(text) {
        return Ok(if floaty {
            Const::Float(i as f64)
        } else {
            Const::Int(i)
        });
    }
    // Valid only as a uint64 (Go's `IsUint`): an int argument reports that it overflows.
    if parse_go_uint(text).is_some() {
        return Ok(Const::Overflow);
    }
    let cleaned = strip_underscores(text)
        .ok_or_else(|| format!("illegal number syntax: {}", crate::value::go_quote(text)))?;
    let parsed = if cleaned.trim_start_matches(['+', '-']).starts_with("0x")
        || cleaned.trim_start_matches(['+', '-']).starts_with("0X")
    {
        parse_hex_float(&cleaned).ok_or(())
    } else {
        cleaned.parse::<f64>().map_err(|_| ())
    };
    match parsed {
        Ok(f) if f.is_finite() => {
            if !text.contains(['.', 'e', 'E', 'p', 'P']) {
                return Err(format!(
                    "integer overflow: {}",
                    crate::value::go_quote(text)
                ));
            }
            Ok(Const::Float(f))
        }
        _ => Err(format!(
            "illegal number syntax: {}",
            crate::value::go_quote(text)
        )),
    }
}

/// Go's hexadecimal floating-point literal: `0x1.8p3` = 1.5 × 2³.
fn parse_hex_float(s: &str) -> Option<f64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let body = &body[2..];
    let (mant, exp) = body.split_once(['p', 'P'])?;
    let exp: i32 = exp.parse().ok()?;
    let (int_part, frac_part) = mant.split_once('.').unwrap_or((mant, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int_part.chars() {
        v = v * 16.0 + c.to_digit(16)? as f64;
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        v += c.to_digit(16)? as f64 * scale;
        scale /= 16.0;
    }
    let v = v * 2f64.powi(exp);
    Some(if neg { -v } else { v })
}

fn strip_underscores(s: &str) -> Option<String> {
    if s.contains("__") || s.ends_with('_') {
        return None;
    }
    Some(s.replace('_', ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_type_like_go() {
        let item = |s: &str| Item {
            typ: if s.starts_with('\'') {
                ItemType::CharConstant
            } else {
                ItemType::Number
            },
            pos: 0,
            line: 1,
            val: s.to_string().into(),
        };
        let int = |s: &str| match number(&item(s)) {
            Ok(Const::Int(i)) => Some(i),
            _ => None,
        };
        let float = |s: &str| match number(&item(s)) {
            Ok(Const::Float(f)) => Some(f),
            _ => None,
        };
        assert_eq!(int("0x1F"), Some(31));
        assert_eq!(int("0o17"), Some(15));
        assert_eq!(int("017"), Some(15));
        assert_eq!(int("0b101"), Some(5));
        assert_eq!(int("1_000"), Some(1000));
        assert_eq!(int("-42"), Some(-42));
        assert_eq!(int("'a'"), Some(97));
        assert_eq!(int("'\\n'"), Some(10));
        assert_eq!(float("1.5"), Some(1.5));
        assert_eq!(float("1e3"), Some(1000.0));
        assert_eq!(float("1.0"), Some(1.0));
        assert_eq!(float(".5"), Some(0.5));
        assert_eq!(float("0x1p4"), Some(16.0));
        assert_eq!(float("0x1.8p1"), Some(3.0));
        assert!(matches!(
            number(&item("18446744073709551615")),
            Ok(Const::Overflow)
        ));
    }

    /// Go's `parse.newNumber` takes a signed text as uint64 nowhere (`strconv.ParseUint` has no
    /// sign), so `+9223372036854775808` is a parse error, not an int that overflows at run time.
    #[test]
    fn plus_signed_huge_integer_is_a_parse_error_like_go() {
        let item = Item {
            typ: ItemType::Number,
            pos: 0,
            line: 1,
            val: "+9223372036854775808".to_string().into(),
        };
        assert_eq!(
            number(&item).err().as_deref(),
            Some("integer overflow: \"+9223372036854775808\"")
        );
    }

    #[test]
    fn unquote_like_strconv() {
        assert_eq!(unquote(r#""a\tb\"\u00e9\x41\101""#).unwrap(), "a\tb\"éAA");
        assert_eq!(unquote("`a\\n`").unwrap(), "a\\n");
        assert!(unquote(r#""\q""#).is_err());
    }
}
