//! Sprig's arithmetic: int64 math with spf13/cast conversions (`add`, `sub`, `max`, ...), float
//! math done in decimal like shopspring/decimal (`addf`, `divf`, ...), rounding, conversions
//! (`int`, `int64`, `float64`, `atoi`, `toDecimal`) and integer sequences (`until`, `seq`).

use super::args::{
    arity, arity_min, float, int, parse_atoi, string, to_float64, to_int64, FResult,
};
use super::{FuncError, FuncMap};
use crate::value::Value;

/// Registers the math family.
pub(super) fn register(fm: &mut FuncMap) {
    fm.insert("add1", |a| {
        arity("add1", a, 1)?;
        Ok(Value::Int64(to_int64(&a[0]).wrapping_add(1)))
    });
    fm.insert("add", |a| {
        Ok(Value::Int64(
            a.iter().fold(0i64, |acc, x| acc.wrapping_add(to_int64(x))),
        ))
    });
    fm.insert("sub", |a| {
        arity("sub", a, 2)?;
        Ok(Value::Int64(to_int64(&a[0]).wrapping_sub(to_int64(&a[1]))))
    });
    fm.insert("mul", |a| {
        arity_min("mul", a, 1)?;
        Ok(Value::Int64(
            a.iter()
                .skip(1)
                .fold(to_int64(&a[0]), |acc, x| acc.wrapping_mul(to_int64(x))),
        ))
    });
    fm.insert("div", |a| {
        arity("div", a, 2)?;
        let (x, y) = (to_int64(&a[0]), to_int64(&a[1]));
        if y == 0 {
            return Err(divide_by_zero());
        }
        Ok(Value::Int64(x.wrapping_div(y)))
    });
    fm.insert("mod", |a| {
        arity("mod", a, 2)?;
        let (x, y) = (to_int64(&a[0]), to_int64(&a[1]));
        if y == 0 {
            return Err(divide_by_zero());
        }
        Ok(Value::Int64(x.wrapping_rem(y)))
    });
    fm.insert("randInt", |a| {
        arity("randInt", a, 2)?;
        let (lo, hi) = (int(a, 0)?, int(a, 1)?);
        if hi - lo <= 0 {
            return Err(FuncError::new("invalid argument to Intn"));
        }
        Ok(Value::Int(
            lo + super::crypto::rand_below((hi - lo) as u64) as i64,
        ))
    });
    fm.insert("max", |a| int_fold("max", a, i64::max));
    fm.insert("biggest", |a| int_fold("biggest", a, i64::max));
    fm.insert("min", |a| int_fold("min", a, i64::min));
    fm.insert("maxf", |a| float_fold("maxf", a, go_max));
    fm.insert("minf", |a| float_fold("minf", a, go_min));
    fm.insert("add1f", |a| {
        arity("add1f", a, 1)?;
        Ok(Value::Float(dec_op(to_float64(&a[0]), 1.0, Op::Add)))
    });
    fm.insert("addf", |a| {
        Ok(Value::Float(
            a.iter()
                .fold(0.0, |acc, x| dec_op(acc, to_float64(x), Op::Add)),
        ))
    });
    fm.insert("subf", |a| dec_fold("subf", a, Op::Sub));
    fm.insert("mulf", |a| dec_fold("mulf", a, Op::Mul));
    fm.insert("divf", |a| dec_fold("divf", a, Op::Div));
    fm.insert("floor", |a| {
        arity("floor", a, 1)?;
        Ok(Value::Float(to_float64(&a[0]).floor()))
    });
    fm.insert("ceil", |a| {
        arity("ceil", a, 1)?;
        Ok(Value::Float(to_float64(&a[0]).ceil()))
    });
    fm.insert("round", round);
    fm.insert("int64", |a| {
        arity("int64", a, 1)?;
        Ok(Value::Int64(to_int64(&a[0])))
    });
    fm.insert("int", |a| {
        arity("int", a, 1)?;
        Ok(Value::Int(to_int64(&a[0])))
    });
    fm.insert("float64", |a| {
        arity("float64", a, 1)?;
        Ok(Value::Float(to_float64(&a[0])))
    });
    fm.insert("atoi", |a| {
        arity("atoi", a, 1)?;
        Ok(Value::Int(parse_atoi(string(a, 0)?).unwrap_or(0)))
    });
    fm.insert("toDecimal", |a| {
        arity("toDecimal", a, 1)?;
        let s = a[0].to_string();
        let body = s.strip_prefix(['+', '-']).unwrap_or(&s);
        let v = if body.is_empty() || body.contains('_') {
            0
        } else {
            i64::from_str_radix(&s, 8).unwrap_or(0)
        };
        Ok(Value::Int64(v))
    });
    fm.insert("until", |a| {
        arity("until", a, 1)?;
        let n = int(a, 0)?;
        Ok(ints(until_step(0, n, if n < 0 { -1 } else { 1 })))
    });
    fm.insert("untilStep", |a| {
        arity("untilStep", a, 3)?;
        Ok(ints(until_step(int(a, 0)?, int(a, 1)?, int(a, 2)?)))
    });
    fm.insert("seq", seq);
}

fn divide_by_zero() -> FuncError {
    FuncError::new("runtime error: integer divide by zero")
}

fn int_fold(name: &str, a: &[Value], f: fn(i64, i64) -> i64) -> FResult {
    arity_min(name, a, 1)?;
    Ok(Value::Int64(
        a.iter()
            .skip(1)
            .fold(to_int64(&a[0]), |acc, x| f(acc, to_int64(x))),
    ))
}

fn float_fold(name: &str, a: &[Value], f: fn(f64, f64) -> f64) -> FResult {
    arity_min(name, a, 1)?;
    Ok(Value::Float(
        a.iter()
            .skip(1)
            .fold(to_float64(&a[0]), |acc, x| f(acc, to_float64(x))),
    ))
}

/// Go's `math.Max`: NaN wins, +0 beats -0.
fn go_max(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x == 0.0 && y == 0.0 {
        if x.is_sign_negative() {
            y
        } else {
            x
        }
    } else {
        x.max(y)
    }
}

/// Go's `math.Min`: NaN wins, -0 beats +0.
fn go_min(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x == 0.0 && y == 0.0 {
        if x.is_sign_negative() {
            x
        } else {
            y
        }
    } else {
        x.min(y)
    }
}

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

fn dec_fold(name: &str, a: &[Value], op: Op) -> FResult {
    arity_min(name, a, 1)?;
    let mut acc = to_float64(&a[0]);
    for x in &a[1..] {
        let y = to_float64(x);
        if matches!(op, Op::Div) && y == 0.0 {
            return Err(FuncError::new("decimal division by 0"));
        }
        acc = dec_op(acc, y, op);
    }
    Ok(Value::Float(acc))
}

/// A float as shopspring/decimal's `NewFromFloat` sees it: the shortest decimal that round-trips,
/// as (mantissa, scale) with value = mantissa × 10^-scale.
fn to_dec(x: f64) -> Option<(i128, u32)> {
    if !x.is_finite() {
        return None;
    }
    let s = format!("{x:e}");
    let (mant, exp) = s.split_once('e')?;
    let exp: i32 = exp.parse().ok()?;
    let neg = mant.starts_with('-');
    let mant = mant.trim_start_matches('-');
    let (ip, fp) = mant.split_once('.').unwrap_or((mant, ""));
    let digits = format!("{ip}{fp}");
    let scale = fp.len() as i32 - exp;
    let mut m: i128 = digits.parse().ok()?;
    let scale = if scale < 0 {
        m = m.checked_mul(10i128.checked_pow((-scale) as u32)?)?;
        0
    } else {
        scale as u32
    };
    if scale > 30 {
        return None;
    }
    Some((if neg { -m } else { m }, scale))
}

fn align(a: (i128, u32), b: (i128, u32)) -> Option<(i128, i128, u32)> {
    let s = a.1.max(b.1);
    let x = a.0.checked_mul(10i128.checked_pow(s - a.1)?)?;
    let y = b.0.checked_mul(10i128.checked_pow(s - b.1)?)?;
    Some((x, y, s))
}

fn dec_to_f64(m: i128, scale: u32) -> f64 {
    format!("{m}e-{scale}").parse().unwrap_or(f64::NAN)
}

/// Exact decimal arithmetic on the shortest representations (so `addf 1.1 2.2` is 3.3), falling
/// back to float math where the decimal would not fit; division rounds to 16 places as
/// decimal's `DivisionPrecision` does.
fn dec_op(x: f64, y: f64, op: Op) -> f64 {
    let exact = || -> Option<f64> {
        let (a, b) = (to_dec(x)?, to_dec(y)?);
        match op {
            Op::Add => {
                let (p, q, s) = align(a, b)?;
                Some(dec_to_f64(p.checked_add(q)?, s))
            }
            Op::Sub => {
                let (p, q, s) = align(a, b)?;
                Some(dec_to_f64(p.checked_sub(q)?, s))
            }
            Op::Mul => Some(dec_to_f64(a.0.checked_mul(b.0)?, a.1 + b.1)),
            Op::Div => {
                let (p, q, _) = align(a, b)?;
                if q == 0 {
                    return None;
                }
                // p/q rounded half away from zero to 16 decimal places.
                let num = p.checked_mul(10i128.pow(17))?;
                let r = num / q;
                let r = if r % 10 >= 5 {
                    r / 10 + 1
                } else if r % 10 <= -5 {
                    r / 10 - 1
                } else {
                    r / 10
                };
                Some(dec_to_f64(r, 16))
            }
        }
    };
    exact().unwrap_or(match op {
        Op::Add => x + y,
        Op::Sub => x - y,
        Op::Mul => x * y,
        Op::Div => x / y,
    })
}

fn round(a: &[Value]) -> FResult {
    arity_min("round", a, 2)?;
    if a.len() > 3 {
        return Err(FuncError::arity(format_args!(
            "wrong number of args for round: want 3 got {}",
            a.len()
        )));
    }
    let val = to_float64(&a[0]);
    let places = int(a, 1)? as f64;
    let round_on = if a.len() == 3 { float(a, 2)? } else { 0.5 };
    let pow = 10f64.powf(places);
    let digit = pow * val;
    let frac = digit - digit.trunc();
    let r = if frac >= round_on {
        digit.ceil()
    } else {
        digit.floor()
    };
    Ok(Value::Float(r / pow))
}

/// sprig's `untilStep`: counts from start towards stop; a step pointing away yields nothing.
fn until_step(start: i64, stop: i64, step: i64) -> Vec<i64> {
    let mut v = Vec::new();
    if stop < start {
        if step >= 0 {
            return v;
        }
        let mut i = start;
        while i > stop {
            v.push(i);
            match i.checked_add(step) {
                Some(n) => i = n,
                None => break,
            }
        }
        return v;
    }
    if step <= 0 {
        return v;
    }
    let mut i = start;
    while i < stop {
        v.push(i);
        match i.checked_add(step) {
            Some(n) => i = n,
            None => break,
        }
    }
    v
}

fn ints(v: Vec<i64>) -> Value {
    Value::list(v.into_iter().map(Value::Int).collect())
}

fn seq(a: &[Value]) -> FResult {
    let p: Vec<i64> = (0..a.len()).map(|i| int(a, i)).collect::<Result<_, _>>()?;
    let v = match p.len() {
        1 => {
            let (start, end) = (1, p[0]);
            let inc = if end < start { -1 } else { 1 };
            until_step(start, end + inc, inc)
        }
        2 => {
            let (start, end) = (p[0], p[1]);
            let step = if end < start { -1 } else { 1 };
            until_step(start, end + step, step)
        }
        3 => {
            let (start, step, end) = (p[0], p[1], p[2]);
            let mut inc = 1;
            if end < start {
                inc = -1;
                if step > 0 {
                    return Ok(Value::str(""));
                }
            }
            until_step(start, end + inc, step)
        }
        _ => Vec::new(),
    };
    let parts: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    Ok(Value::from(parts.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{call, text};
    use super::*;

    #[test]
    fn int_math_returns_int64() {
        let r = call("add", &[Value::Int(2), Value::Int(3)]).unwrap();
        assert_eq!(r.type_name(), "int64");
        assert_eq!(r.to_string(), "5");
        let f = Value::Float;
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
            ("add", vec![f(1.5), Value::str("2"), Value::Int64(3)], "6"),
            ("add1", vec![f(1.9)], "2"),
            ("sub", vec![Value::Int(3), Value::Int(5)], "-2"),
            ("mul", vec![Value::Int(3), f(2.0), Value::Int(4)], "24"),
            ("div", vec![Value::Int(7), Value::Int(2)], "3"),
            ("div", vec![Value::Int(-7), Value::Int(2)], "-3"),
            ("mod", vec![Value::Int(-7), Value::Int(3)], "-1"),
            ("max", vec![Value::Int(1), f(7.0), Value::str("3")], "7"),
            ("min", vec![Value::Int(1), f(-7.0)], "-7"),
            ("maxf", vec![f(1.5), f(2.5)], "2.5"),
            ("addf", vec![f(1.1), f(2.2)], "3.3"),
            ("subf", vec![f(1.0), f(0.9)], "0.1"),
            ("mulf", vec![f(1.1), f(3.0)], "3.3"),
            (
                "divf",
                vec![Value::Int(10), Value::Int(3)],
                "3.3333333333333335",
            ),
            ("floor", vec![f(1.9)], "1"),
            // Checked against Helm 4.2.3.
            (
                "divf",
                vec![Value::Int(1), Value::Int(3)],
                "0.3333333333333333",
            ),
            ("mulf", vec![f(0.1), Value::Int(3)], "0.3"),
            ("addf", vec![f(0.1), f(0.2)], "0.3"),
            ("subf", vec![f(0.3), f(0.1)], "0.2"),
            ("add1f", vec![f(0.1)], "1.1"),
            ("round", vec![f(-2.5), Value::Int(0)], "-3"),
            ("floor", vec![Value::str("x")], "0"),
            ("seq", vec![Value::Int(5), Value::Int(1)], "5 4 3 2 1"),
            (
                "seq",
                vec![Value::Int(1), Value::Int(2), Value::Int(10)],
                "1 3 5 7 9",
            ),
            ("ceil", vec![Value::str("1.1")], "2"),
            ("round", vec![f(123.5555), Value::Int(3)], "123.556"),
            ("round", vec![f(123.5), Value::Int(0), f(0.6)], "123"),
            ("int", vec![Value::str("0x1F")], "31"),
            ("int64", vec![f(3.9)], "3"),
            ("float64", vec![Value::str("1.5")], "1.5"),
            ("atoi", vec![Value::str("42")], "42"),
            ("atoi", vec![Value::str("4x")], "0"),
            ("toDecimal", vec![Value::str("0777")], "511"),
            ("until", vec![Value::Int(3)], "[0 1 2]"),
            ("until", vec![Value::Int(-3)], "[0 -1 -2]"),
            (
                "untilStep",
                vec![Value::Int(0), Value::Int(10), Value::Int(4)],
                "[0 4 8]",
            ),
            ("seq", vec![Value::Int(3)], "1 2 3"),
            ("seq", vec![Value::Int(2), Value::Int(-2)], "2 1 0 -1 -2"),
            (
                "seq",
                vec![Value::Int(0), Value::Int(2), Value::Int(6)],
                "0 2 4 6",
            ),
            ("seq", vec![Value::Int(6), Value::Int(2), Value::Int(0)], ""),
        ];
        for (name, args, want) in cases {
            assert_eq!(text(name, &args), want, "{name} {args:?}");
        }
    }

    #[test]
    fn sequences_near_int_limits_do_not_overflow() {
        let r = call(
            "untilStep",
            &[
                Value::Int(i64::MAX - 7),
                Value::Int(i64::MAX),
                Value::Int(5),
            ],
        )
        .unwrap();
        assert_eq!(
            r.to_string(),
            format!("[{} {}]", i64::MAX - 7, i64::MAX - 2)
        );
    }

    #[test]
    fn errors_like_go() {
        assert_eq!(
            call("div", &[Value::Int(1), Value::Int(0)])
                .unwrap_err()
                .message(),
            "runtime error: integer divide by zero"
        );
        assert_eq!(
            call("until", &[Value::Float(3.0)]).unwrap_err().message(),
            "wrong type for value; expected int; got float64"
        );
    }
}
