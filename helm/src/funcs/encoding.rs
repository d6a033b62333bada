//! Sprig's `b64enc`/`b64dec`/`b32enc`/`b32dec` with Go's standard (padded) alphabets. Decoding
//! failures return Go's error text as the result, as Sprig does.

use base64::Engine as _;

use super::args::{arity, string};
use super::FuncMap;
use crate::value::Value;

/// Registers the encoding family.
pub(super) fn register(fm: &mut FuncMap) {
    fm.insert("b64enc", |a| {
        arity("b64enc", a, 1)?;
        let s = string(a, 0)?;
        Ok(Value::from(
            base64::engine::general_purpose::STANDARD.encode(s.as_bytes()),
        ))
    });
    fm.insert("b64dec", |a| {
        arity("b64dec", a, 1)?;
        Ok(Value::from(text_or_error(decode(
            string(a, 0)?,
            B64,
            4,
            "base64",
        ))))
    });
    fm.insert("b32enc", |a| {
        arity("b32enc", a, 1)?;
        Ok(Value::from(b32_encode(string(a, 0)?.as_bytes())))
    });
    fm.insert("b32dec", |a| {
        arity("b32dec", a, 1)?;
        Ok(Value::from(text_or_error(decode(
            string(a, 0)?,
            B32,
            8,
            "base32",
        ))))
    });
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn text_or_error(r: Result<Vec<u8>, String>) -> String {
    match r {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => e,
    }
}

fn b32_encode(src: &[u8]) -> String {
    let mut out = String::with_capacity(src.len().div_ceil(5) * 8);
    for chunk in src.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let bits = buf.iter().fold(0u64, |acc, b| (acc << 8) | *b as u64);
        let chars = match chunk.len() {
            1 => 2,
            2 => 4,
            3 => 5,
            4 => 7,
            _ => 8,
        };
        for i in 0..8 {
            if i < chars {
                out.push(B32[((bits >> (35 - 5 * i)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Go's padded `DecodeString` for base64 (`q` = 4) or base32 (`q` = 8): newlines are skipped,
/// errors name the input byte where Go's decoder stops ("illegal base64 data at input byte 4").
fn decode(src: &str, alphabet: &[u8], q: usize, name: &str) -> Result<Vec<u8>, String> {
    let bits = if q == 4 { 6 } else { 5 };
    let s = src.as_bytes();
    let err = |at: usize| format!("illegal {name} data at input byte {at}");
    let val = |c: u8| alphabet.iter().position(|&x| x == c);
    let mut out = Vec::with_capacity(s.len() * bits / 8);
    let mut si = 0usize;
    while si < s.len() {
        let mut quantum = Vec::with_capacity(q);
        let mut j = 0usize;
        let mut done = false;
        while j < q {
            if si == s.len() {
                if j == 0 {
                    done = true;
                    break;
                }
                return Err(err(si - j));
            }
            let c = s[si];
            si += 1;
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if let Some(v) = val(c) {
                quantum.push(v as u64);
                j += 1;
                continue;
            }
            if c != b'=' {
                return Err(err(si - 1));
            }
            // Padding: the rest of the quantum must be '=' and nothing may follow.
            let valid_counts: &[usize] = if q == 4 { &[2, 3] } else { &[2, 4, 5, 7] };
            if !valid_counts.contains(&j) {
                return Err(err(si - 1));
            }
            let mut pads = q - j - 1;
            while pads > 0 {
                while si < s.len() && (s[si] == b'\n' || s[si] == b'\r') {
                    si += 1;
                }
                if si == s.len() {
                    return Err(err(s.len()));
                }
                if s[si] != b'=' {
                    return Err(err(si - 1));
                }
                si += 1;
                pads -= 1;
            }
            while si < s.len() && (s[si] == b'\n' || s[si] == b'\r') {
                si += 1;
            }
            if si < s.len() {
                return Err(err(si));
            }
            done = true;
            break;
        }
        let n = quantum.len();
        let acc = quantum.iter().fold(0u64, |acc, v| (acc << bits) | v);
        let total_bits = n * bits;
        let bytes = total_bits / 8;
        let acc = acc >> (total_bits - bytes * 8);
        for k in (0..bytes).rev() {
            out.push(((acc >> (8 * k)) & 0xff) as u8);
        }
        if done {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &str, s: &str) -> String {
        (super::super::library().get(name).unwrap())(&[Value::str(s)])
            .unwrap()
            .to_string()
    }

    #[test]
    fn encodings_round_trip_and_fail_like_go() {
        assert_eq!(text("b64enc", "hello"), "aGVsbG8=");
        assert_eq!(text("b64dec", "aGVsbG8="), "hello");
        assert_eq!(text("b64dec", "YW\nJj"), "abc");
        assert_eq!(text("b64dec", "YWJ"), "illegal base64 data at input byte 0");
        assert_eq!(
            text("b64dec", "YW*j"),
            "illegal base64 data at input byte 2"
        );
        assert_eq!(
            text("b64dec", "YWJjZA"),
            "illegal base64 data at input byte 4"
        );
        assert_eq!(
            text("b64dec", "YWJjZA="),
            "illegal base64 data at input byte 7"
        );
        assert_eq!(text("b32enc", "abcd"), "MFRGGZA=");
        assert_eq!(text("b32dec", "MFRGGZA="), "abcd");
        assert_eq!(text("b32dec", "MFRGG==="), "abc");
        assert_eq!(
            text("b32dec", "MFRGG"),
            "illegal base32 data at input byte 0"
        );
        assert_eq!(
            text("b32dec", "MF!GG==="),
            "illegal base32 data at input byte 2"
        );
    }
}
