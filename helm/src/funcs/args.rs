//! Argument checking and conversion shared by the library: Go's reflection-call rules for typed
//! parameters (`int`, `string`, maps, slices) and spf13/cast's lenient conversions for
//! `interface{}` parameters.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use super::FuncError;
use crate::value::{Map, Value};

/// Result type of every library function.
pub type FResult = Result<Value, FuncError>;

/// Checks an exact argument count, with Go's message.
pub fn arity(name: &str, args: &[Value], want: usize) -> Result<(), FuncError> {
    if args.len() != want {
        return Err(FuncError::arity(format_args!(
            "wrong number of args for {name}: want {want} got {}",
            args.len()
        )));
    }
    Ok(())
}

/// Checks a minimum argument count of a variadic Go function, with Go's message.
pub fn arity_min(name: &str, args: &[Value], want: usize) -> Result<(), FuncError> {
    if args.len() < want {
        return Err(FuncError::arity(format_args!(
            "wrong number of args for {name}: want at least {want} got {}",
            args.len()
        )));
    }
    Ok(())
}

/// The Go type text/template reports for a value it could not assign (a nil from a map lookup is
/// an `interface {}`).
fn got(v: &Value) -> String {
    match v {
        Value::Nil => "interface {}".into(),
        other => other.type_name(),
    }
}

fn wrong(i: usize, expected: &str, v: &Value) -> FuncError {
    FuncError::bad_arg(
        i,
        format_args!("wrong type for value; expected {expected}; got {}", got(v)),
    )
}

/// A Go `string` parameter.
pub fn string(args: &[Value], i: usize) -> Result<&str, FuncError> {
    match &args[i] {
        Value::Str(s) => Ok(s),
        other => Err(wrong(i, "string", other)),
    }
}

/// A Go `int` parameter: only a Go `int` is assignable (a YAML number is float64, `--set` gives
/// int64, and both are rejected exactly as Go rejects them).
pub fn int(args: &[Value], i: usize) -> Result<i64, FuncError> {
    match &args[i] {
        Value::Int(n) => Ok(*n),
        other => Err(wrong(i, "int", other)),
    }
}

/// A Go `uint32` parameter (integer constants from the template arrive as `int`).
pub fn uint32(args: &[Value], i: usize) -> Result<u32, FuncError> {
    match &args[i] {
        Value::Int(n) if (0..=u32::MAX as i64).contains(n) => Ok(*n as u32),
        other => Err(wrong(i, "uint32", other)),
    }
}

/// A Go `float64` parameter (integer constants are converted by the template, as Go does).
pub fn float(args: &[Value], i: usize) -> Result<f64, FuncError> {
    match &args[i] {
        Value::Float(f) => Ok(*f),
        Value::Int(n) => Ok(*n as f64),
        other => Err(wrong(i, "float64", other)),
    }
}

/// A Go `bool` parameter.
pub fn boolean(args: &[Value], i: usize) -> Result<bool, FuncError> {
    match &args[i] {
        Value::Bool(b) => Ok(*b),
        other => Err(wrong(i, "bool", other)),
    }
}

/// A Go `map[string]interface{}` parameter; nil reads as an empty (nil) map.
pub fn map(args: &[Value], i: usize) -> Result<Rc<RefCell<Map>>, FuncError> {
    match &args[i] {
        Value::Map(m) => Ok(m.clone()),
        // A nil that went through a variable or a parenthesized pipeline is untyped in Go
        // (evalPipeline unwraps interface{}) and becomes a nil map: `hasKey (lookup ...).data
        // "k"` in Bitnami charts renders in Helm. The executor cannot tell us where a nil came
        // from, so accept it (chart layer fix, see helm-chart report).
        Value::Nil => Ok(Rc::new(RefCell::new(Map::new()))),
        other => Err(wrong(i, "map[string]interface {}", other)),
    }
}

/// A Go `[]interface{}` parameter; nil is allowed (a nil slice).
pub fn list_or_nil(args: &[Value], i: usize) -> Result<Rc<Vec<Value>>, FuncError> {
    match &args[i] {
        Value::List(l) => Ok(l.clone()),
        Value::Nil => Ok(Rc::new(Vec::new())),
        other => Err(wrong(i, "[]interface {}", other)),
    }
}

/// Items of a value that Go reflection sees as a slice or array (borrowed for lists, so reading
/// one item of a big list copies nothing), `Err(kind)` otherwise.
pub fn slice_items(v: &Value) -> Result<Cow<'_, [Value]>, &'static str> {
    match v {
        Value::List(l) => Ok(Cow::Borrowed(l.as_slice())),
        Value::Bytes(b) => Ok(Cow::Owned(
            b.iter().map(|x| Value::Int(*x as i64)).collect(),
        )),
        other => Err(other.kind_name()),
    }
}

/// sprig's `strval`: strings as they are, `[]byte` as text, everything else as `fmt.Sprint`.
pub fn strval(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        other => other.to_string(),
    }
}

/// spf13/cast's `ToInt64`: numbers truncate, strings parse as Go integer literals (base prefixes,
/// a trailing `.0…` is dropped), bools are 0/1, anything else is 0.
pub fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(n) | Value::Int64(n) => *n,
        Value::Float(f) => go_float_to_int(*f),
        Value::Bool(b) => *b as i64,
        Value::Str(s) => parse_go_int(trim_zero_decimal(s)).unwrap_or(0),
        _ => 0,
    }
}

/// spf13/cast's `ToFloat64`: numbers convert, strings parse as floats, bools are 0/1, else 0.
pub fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(n) | Value::Int64(n) => *n as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => *b as i64 as f64,
        Value::Str(s) => parse_go_float(s).unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Go's float64 → int64 conversion as amd64 performs it (out of range gives MinInt64).
pub fn go_float_to_int(f: f64) -> i64 {
    // 2^63: the first float64 outside int64.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// cast's `trimZeroDecimal`: "8.00" → "8", "8.50" stays.
fn trim_zero_decimal(s: &str) -> &str {
    let Some(dot) = s.find('.') else {
        return s;
    };
    let frac = &s[dot + 1..];
    if !frac.is_empty() && frac.bytes().all(|b| b == b'0') {
        &s[..dot]
    } else {
        s
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`: optional sign, then [`parse_go_uint`]'s syntax.
pub fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let mag = parse_go_uint(body)?;
    if neg {
        (mag <= 1 << 63).then(|| (mag as i64).wrapping_neg())
    } else {
        i64::try_from(mag).ok()
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)`: no sign; `0x`/`0o`/`0b`/leading-`0` octal prefixes; `_`
/// digit separators wherever a Go integer literal allows them (`1_000`, `0x_1f`).
pub fn parse_go_uint(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let (radix, digits) = match b {
        [] => return None,
        [b'0', p, _, ..] if matches!(p.to_ascii_lowercase(), b'b' | b'o' | b'x') => {
            let radix = match p.to_ascii_lowercase() {
                b'b' => 2,
                b'o' => 8,
                _ => 16,
            };
            (radix, &b[2..])
        }
        [b'0', rest @ ..] => (8, rest),
        _ => (10, b),
    };
    let mut n: u64 = 0;
    let mut underscores = false;
    for &c in digits {
        if c == b'_' {
            underscores = true;
            continue;
        }
        let d = (c as char).to_digit(radix)?;
        n = n.checked_mul(u64::from(radix))?.checked_add(u64::from(d))?;
    }
    if underscores && !underscore_ok(s) {
        return None;
    }
    Some(n)
}

/// Go's `strconv.underscoreOK`: underscores only between digits, or between a base prefix and a
/// digit.
fn underscore_ok(s: &str) -> bool {
    let b = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    // What came last: '^' the start, '0' a digit or base prefix, '_' an underscore, '!' other.
    let mut saw = b'^';
    let mut hex = false;
    let mut rest = b;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
        rest = &b[2..];
    }
    for &c in rest {
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else if saw == b'_' {
            return false;
        } else {
            saw = b'!';
        }
    }
    saw != b'_'
}

/// Go's `strconv.ParseFloat(s, 64)` for the decimal forms that appear in practice (plus `inf`,
/// `nan`, hex floats are not supported).
pub fn parse_go_float(s: &str) -> Option<f64> {
    let t = s.to_ascii_lowercase();
    let t = t.trim_start_matches('+');
    match t.trim_start_matches('-') {
        "inf" | "infinity" => {
            return Some(if t.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            })
        }
        "nan" => return Some(f64::NAN),
        _ => {}
    }
    if s.contains('_')
        || s.bytes()
            .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E')
    {
        return None;
    }
    s.parse::<f64>().ok()
}

/// Go's `strconv.Atoi`.
pub fn parse_atoi(s: &str) -> Option<i64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

/// sprig's `empty`: Go zero values and empty collections.
pub fn is_empty(v: &Value) -> bool {
    !v.truthy()
}

/// A list of strings as a template value (`[]string`).
pub fn str_list<I: IntoIterator<Item = S>, S: AsRef<str>>(items: I) -> Value {
    Value::list(items.into_iter().map(Value::str).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cast_to_int64_matches_spf13_cast() {
        let cases = [
            (Value::str("0x10"), 16),
            (Value::str("010"), 8),
            (Value::str("8.00"), 8),
            (Value::str("8.5"), 0),
            (Value::str("-12"), -12),
            (Value::str("abc"), 0),
            (Value::Float(3.9), 3),
            (Value::Float(-3.9), -3),
            (Value::Bool(true), 1),
            (Value::Nil, 0),
            (Value::Int64(7), 7),
        ];
        for (v, want) in cases {
            assert_eq!(to_int64(&v), want, "{v:?}");
        }
    }

    /// `int64 "1_000"` is 1000 in Helm (cast.ToInt64 → `strconv.ParseInt(s, 0, 64)`, which takes
    /// Go's digit separators); it used to read as 0 because separators were only accepted after
    /// a base prefix.
    #[test]
    fn int64_reads_go_digit_separators() {
        assert_eq!(to_int64(&Value::str("1_000")), 1000);
        assert_eq!(to_int64(&Value::str("-1_000.00")), -1000);
        // Checked against Go 1.22's strconv.ParseInt / ParseUint (base 0).
        let cases: [(&str, Option<i64>, Option<u64>); 20] = [
            ("1_000", Some(1000), Some(1000)),
            ("0_7", Some(7), Some(7)),
            ("0x_1", Some(1), Some(1)),
            ("_1", None, None),
            ("1__0", None, None),
            ("0x", None, None),
            ("0b1", Some(1), Some(1)),
            ("-0x10", Some(-16), None),
            ("+5", Some(5), None),
            ("010", Some(8), Some(8)),
            ("0o17", Some(15), Some(15)),
            ("1_", None, None),
            ("08", None, None),
            ("9223372036854775808", None, Some(9223372036854775808)),
            ("-9223372036854775808", Some(i64::MIN), None),
            ("0X1F", Some(31), Some(31)),
            ("0B_1", Some(1), Some(1)),
            ("0_", None, None),
            ("00", Some(0), Some(0)),
            ("-0_0", Some(0), None),
        ];
        for (s, int, uint) in cases {
            assert_eq!(parse_go_int(s), int, "ParseInt {s:?}");
            assert_eq!(parse_go_uint(s), uint, "ParseUint {s:?}");
        }
    }

    #[test]
    fn typed_params_reject_like_reflection() {
        let args = [Value::Float(1.5), Value::Nil, Value::Int64(2)];
        assert_eq!(
            int(&args, 0).unwrap_err().call_error(),
            Some((Some(0), "wrong type for value; expected int; got float64"))
        );
        assert_eq!(
            string(&args, 1).unwrap_err().message(),
            "wrong type for value; expected string; got interface {}"
        );
        assert_eq!(
            int(&args, 2).unwrap_err().message(),
            "wrong type for value; expected int; got int64"
        );
        assert_eq!(
            arity("trunc", &args[..1], 2).unwrap_err().call_error(),
            Some((None, "wrong number of args for trunc: want 2 got 1"))
        );
    }
}
