//! Go's `fmt.Sprintf`, `fmt.Sprint` and `fmt.Sprintln` over template values: verbs, flags,
//! width/precision (including `*` and `[n]` argument indexes) and Go's `%!verb(...)` error forms.

use std::fmt::Write;

use crate::value::{format_float_g, go_quote, Value};

#[derive(Default, Clone, Copy)]
struct Flags {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    wid: Option<usize>,
    prec: Option<usize>,
    plus_v: bool,
    sharp_v: bool,
}

/// Go `fmt.Sprintf(format, args...)`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::with_capacity(format.len() + 16);
    let mut arg_num = 0usize;
    let mut reordered = false;
    let mut chars = format.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut f = Flags::default();
        // Flags.
        while let Some(&(_, c)) = chars.peek() {
            match c {
                '#' => f.sharp = true,
                '0' => f.zero = true,
                '+' => f.plus = true,
                '-' => f.minus = true,
                ' ' => f.space = true,
                _ => break,
            }
            chars.next();
        }
        let mut good_arg_num = true;
        // Argument index before width.
        arg_index(
            &mut chars,
            &mut arg_num,
            &mut reordered,
            &mut good_arg_num,
            args.len(),
        );
        // Width.
        if chars.peek().map(|x| x.1) == Some('*') {
            chars.next();
            match star_arg(args.get(arg_num)) {
                Some(w) => {
                    if w < 0 {
                        f.minus = true;
                        f.wid = Some(w.unsigned_abs() as usize);
                    } else {
                        f.wid = Some(w as usize);
                    }
                }
                None => out.push_str("%!(BADWIDTH)"),
            }
            arg_num += 1;
        } else if let Some(n) = parse_num(&mut chars) {
            f.wid = Some(n);
        }
        // Precision.
        if chars.peek().map(|x| x.1) == Some('.') {
            chars.next();
            arg_index(
                &mut chars,
                &mut arg_num,
                &mut reordered,
                &mut good_arg_num,
                args.len(),
            );
            if chars.peek().map(|x| x.1) == Some('*') {
                chars.next();
                match star_arg(args.get(arg_num)) {
                    Some(p) if p >= 0 => f.prec = Some(p as usize),
                    Some(_) => {}
                    None => out.push_str("%!(BADPREC)"),
                }
                arg_num += 1;
            } else {
                f.prec = Some(parse_num(&mut chars).unwrap_or(0));
            }
        }
        if !reordered || good_arg_num {
            arg_index(
                &mut chars,
                &mut arg_num,
                &mut reordered,
                &mut good_arg_num,
                args.len(),
            );
        }
        let Some((_, verb)) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if f.minus {
            f.zero = false;
        }
        match verb {
            '%' => out.push('%'),
            _ if !good_arg_num => {
                let _ = write!(out, "%!{verb}(BADINDEX)");
            }
            _ if arg_num >= args.len() => {
                let _ = write!(out, "%!{verb}(MISSING)");
            }
            _ => {
                if verb == 'v' {
                    f.sharp_v = f.sharp;
                    f.sharp = false;
                    f.plus_v = f.plus;
                    f.plus = false;
                }
                print_arg(&mut out, &args[arg_num], verb, &f);
                arg_num += 1;
            }
        }
    }
    if !reordered && arg_num < args.len() {
        out.push_str("%!(EXTRA ");
        for (i, a) in args[arg_num..].iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if a.is_nil() {
                out.push_str("<nil>");
            } else {
                out.push_str(&a.type_name());
                out.push('=');
                print_arg(&mut out, a, 'v', &Flags::default());
            }
        }
        out.push(')');
    }
    out
}

type Chars<'a> = std::iter::Peekable<std::str::CharIndices<'a>>;

/// Go's `parsenum`: a number past 10^6 is "crazy long" and swallows the rest of the format.
fn parse_num(chars: &mut Chars<'_>) -> Option<usize> {
    let mut n: Option<usize> = None;
    while let Some(&(_, c)) = chars.peek() {
        let Some(d) = c.to_digit(10) else { break };
        if n.unwrap_or(0) > MAX_WIDTH {
            chars.by_ref().for_each(drop);
            return None;
        }
        n = Some(n.unwrap_or(0) * 10 + d as usize);
        chars.next();
    }
    n
}

/// Go's `tooLarge` bound for widths and precisions.
const MAX_WIDTH: usize = 1_000_000;

/// Go's `intFromArg`: an int argument for `*`, within Go's bound.
fn star_arg(v: Option<&Value>) -> Option<i64> {
    v.and_then(int_arg)
        .filter(|n| n.unsigned_abs() <= MAX_WIDTH as u64)
}

/// `[n]` explicit argument indexes.
fn arg_index(
    chars: &mut Chars<'_>,
    arg_num: &mut usize,
    reordered: &mut bool,
    good: &mut bool,
    nargs: usize,
) {
    if chars.peek().map(|x| x.1) != Some('[') {
        return;
    }
    *reordered = true;
    let save = chars.clone();
    chars.next();
    let n = parse_num(chars);
    if chars.peek().map(|x| x.1) == Some(']') {
        chars.next();
        match n {
            Some(n) if n >= 1 && n <= nargs => *arg_num = n - 1,
            _ => *good = false,
        }
    } else {
        *chars = save;
        // Skip to the closing bracket like Go; a missing one is a bad index.
        chars.next();
        for (_, c) in chars.by_ref() {
            if c == ']' {
                break;
            }
        }
        *good = false;
    }
}

fn int_arg(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) | Value::Int64(i) => Some(*i),
        _ => None,
    }
}

/// `fmt.Sprint(args...)`: spaces between operands when neither side is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    let mut prev_string = false;
    for (i, a) in args.iter().enumerate() {
        let is_string = matches!(a, Value::Str(_));
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        print_arg(&mut out, a, 'v', &Flags::default());
        prev_string = is_string;
    }
    out
}

/// `fmt.Sprintln(args...)`: always spaces, trailing newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        print_arg(&mut out, a, 'v', &Flags::default());
    }
    out.push('\n');
    out
}

fn pad(out: &mut String, s: &str, f: &Flags) {
    let Some(w) = f.wid else {
        out.push_str(s);
        return;
    };
    let n = s.chars().count();
    if n >= w {
        out.push_str(s);
        return;
    }
    let fill = if f.zero { '0' } else { ' ' };
    if f.minus {
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', w - n));
    } else {
        out.extend(std::iter::repeat_n(fill, w - n));
        out.push_str(s);
    }
}

fn bad_verb(out: &mut String, v: &Value, verb: char) {
    let _ = write!(out, "%!{verb}(");
    if v.is_nil() {
        out.push_str("<nil>");
    } else {
        out.push_str(&v.type_name());
        out.push('=');
        print_arg(out, v, 'v', &Flags::default());
    }
    out.push(')');
}

fn print_arg(out: &mut String, v: &Value, verb: char, f: &Flags) {
    if verb == 'T' {
        pad(out, &v.type_name(), f);
        return;
    }
    match v {
        Value::Nil => match verb {
            'v' => pad(out, "<nil>", f),
            _ => bad_verb(out, v, verb),
        },
        Value::Bool(b) => match verb {
            't' | 'v' => pad(out, if *b { "true" } else { "false" }, f),
            _ => bad_verb(out, v, verb),
        },
        Value::Int(i) | Value::Int64(i) => fmt_int(out, *i, verb, f, v),
        Value::Float(x) => fmt_float(out, *x, verb, f, v),
        Value::Str(s) => fmt_str(out, s, verb, f, v),
        Value::Bytes(b) => match verb {
            's' => pad(out, &String::from_utf8_lossy(b), f),
            'q' => pad(out, &go_quote(&String::from_utf8_lossy(b)), f),
            'x' | 'X' => fmt_hex_bytes(out, b, verb == 'X', f),
            _ => {
                out.push('[');
                for (i, x) in b.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    fmt_int(out, *x as i64, verb, f, &Value::Int(*x as i64));
                }
                out.push(']');
            }
        },
        Value::List(l) => {
            if f.sharp_v {
                out.push_str("[]interface {}{");
                for (i, x) in l.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    print_arg(out, x, verb, f);
                }
                out.push('}');
                return;
            }
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                print_arg(out, x, verb, f);
            }
            out.push(']');
        }
        Value::Map(m) => {
            let m = m.borrow();
            if f.sharp_v {
                out.push_str("map[string]interface {}{");
                for (i, (k, x)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&go_quote(k));
                    out.push(':');
                    print_arg(out, x, verb, f);
                }
                out.push('}');
                return;
            }
            out.push_str("map[");
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                fmt_str(out, k, verb, f, &Value::str(k));
                out.push(':');
                print_arg(out, x, verb, f);
            }
            out.push(']');
        }
        Value::Object(o) => match verb {
            'v' | 's' => pad(out, &o.display(), f),
            'q' => pad(out, &go_quote(&o.display()), f),
            _ => bad_verb(out, v, verb),
        },
    }
}

fn fmt_str(out: &mut String, s: &str, verb: char, f: &Flags, v: &Value) {
    match verb {
        'v' if f.sharp_v => pad(out, &go_quote(s), f),
        'v' | 's' => match f.prec {
            Some(p) => {
                let t: String = s.chars().take(p).collect();
                pad(out, &t, f)
            }
            None => pad(out, s, f),
        },
        'q' => {
            let s = match f.prec {
                Some(p) => s.chars().take(p).collect::<String>(),
                None => s.to_string(),
            };
            if f.sharp && !s.contains('`') && !s.chars().any(|c| c.is_control() && c != '\t') {
                pad(out, &format!("`{s}`"), f)
            } else if f.plus {
                pad(out, &ascii_quote(&s), f)
            } else {
                pad(out, &go_quote(&s), f)
            }
        }
        'x' | 'X' => {
            let b = match f.prec {
                Some(p) => &s.as_bytes()[..p.min(s.len())],
                None => s.as_bytes(),
            };
            fmt_hex_bytes(out, b, verb == 'X', f)
        }
        _ => bad_verb(out, v, verb),
    }
}

/// `strconv.QuoteToASCII` (the `%+q` form).
fn ascii_quote(s: &str) -> String {
    let q = go_quote(s);
    let mut out = String::with_capacity(q.len());
    for c in q.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if (c as u32) < 0x10000 {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
    out
}

fn fmt_hex_bytes(out: &mut String, b: &[u8], upper: bool, f: &Flags) {
    let mut s = String::with_capacity(b.len() * 2);
    for (i, byte) in b.iter().enumerate() {
        if f.space && i > 0 {
            s.push(' ');
        }
        if f.sharp && (f.space || i == 0) {
            s.push_str(if upper { "0X" } else { "0x" });
        }
        if upper {
            let _ = write!(s, "{byte:02X}");
        } else {
            let _ = write!(s, "{byte:02x}");
        }
    }
    pad(out, &s, f)
}

fn fmt_int(out: &mut String, i: i64, verb: char, f: &Flags, v: &Value) {
    let (base, upper) = match verb {
        'd' | 'v' => (10, false),
        'b' => (2, false),
        'o' | 'O' => (8, false),
        'x' => (16, false),
        'X' => (16, true),
        'c' => {
            let c = char::from_u32(i as u32).filter(|_| (0..=0x10ffff).contains(&i));
            pad(out, &c.unwrap_or('\u{fffd}').to_string(), f);
            return;
        }
        'q' => {
            let c = char::from_u32(i as u32)
                .filter(|_| (0..=0x10ffff).contains(&i))
                .unwrap_or('\u{fffd}');
            let q = go_quote(&c.to_string());
            let inner = &q[1..q.len() - 1];
            let inner = if c == '"' {
                "\"".to_string()
            } else if c == '\'' {
                "\\'".to_string()
            } else {
                inner.to_string()
            };
            pad(out, &format!("'{inner}'"), f);
            return;
        }
        'U' => {
            let mut s = format!("U+{:04X}", i);
            if f.sharp {
                if let Some(c) = char::from_u32(i as u32) {
                    if !c.is_control() {
                        s.push_str(&format!(" '{c}'"));
                    }
                }
            }
            pad(out, &s, f);
            return;
        }
        _ => {
            bad_verb(out, v, verb);
            return;
        }
    };
    let negative = i < 0;
    let u = i.unsigned_abs();
    let mut digits = match base {
        2 => format!("{u:b}"),
        8 => format!("{u:o}"),
        16 if upper => format!("{u:X}"),
        16 => format!("{u:x}"),
        _ => u.to_string(),
    };
    let mut prec = 0usize;
    let mut zero_pad = false;
    if let Some(p) = f.prec {
        if p == 0 && u == 0 {
            pad(out, "", &Flags { zero: false, ..*f });
            return;
        }
        prec = p;
    } else if f.zero && !f.minus && f.wid.is_some() {
        zero_pad = true;
        prec = f.wid.unwrap_or(0);
        if negative || f.plus || f.space {
            prec = prec.saturating_sub(1);
        }
    }
    if digits.len() < prec {
        digits = "0".repeat(prec - digits.len()) + &digits;
    }
    let _ = zero_pad;
    let mut prefix = String::new();
    if f.sharp {
        match base {
            2 => prefix.push_str("0b"),
            8 if !digits.starts_with('0') => prefix.push('0'),
            16 => prefix.push_str(if upper { "0X" } else { "0x" }),
            _ => {}
        }
    }
    if verb == 'O' {
        prefix = "0o".into();
    }
    let sign = if negative {
        "-"
    } else if f.plus {
        "+"
    } else if f.space {
        " "
    } else {
        ""
    };
    let s = format!("{sign}{prefix}{digits}");
    pad(out, &s, &Flags { zero: false, ..*f });
}

fn fmt_float(out: &mut String, x: f64, verb: char, f: &Flags, v: &Value) {
    let (kind, default_prec) = match verb {
        'v' | 'g' => ('g', None),
        'G' => ('G', None),
        'e' | 'E' | 'f' | 'F' => (verb, Some(6)),
        'x' | 'X' | 'b' => (verb, None),
        _ => {
            bad_verb(out, v, verb);
            return;
        }
    };
    let prec = f.prec.or(default_prec);
    let mut num = if x.is_nan() {
        "NaN".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else {
        match kind {
            'e' | 'E' => exp_form(x, prec.unwrap_or(6), kind == 'E'),
            'f' | 'F' => format!("{:.*}", prec.unwrap_or(6), x),
            'x' | 'X' => {
                let h = hex_float(x, prec);
                if kind == 'X' {
                    h.to_uppercase()
                } else {
                    h
                }
            }
            'b' => {
                let bits = x.to_bits();
                let exp = ((bits >> 52) & 0x7ff) as i64;
                let mut mant = bits & ((1u64 << 52) - 1);
                let e = if exp == 0 {
                    -1074
                } else {
                    mant |= 1u64 << 52;
                    exp - 1075
                };
                let sign = if x.is_sign_negative() { "-" } else { "" };
                format!("{sign}{mant}p{}{e}", if e >= 0 { "+" } else { "" })
            }
            _ => {
                let s = match prec {
                    None => format_float_g(x),
                    Some(p) => g_prec(x, p.max(1), f.sharp),
                };
                if kind == 'G' {
                    s.to_uppercase()
                } else {
                    s
                }
            }
        }
    };
    if f.sharp
        && !num.contains('.')
        && !x.is_nan()
        && !x.is_infinite()
        && kind != 'g'
        && kind != 'G'
    {
        // `%#e`/`%#f` force a decimal point.
        if let Some(epos) = num.find(['e', 'E']) {
            num.insert(epos, '.');
        } else {
            num.push('.');
        }
    }
    let (sign, body) = if let Some(rest) = num.strip_prefix('-') {
        ("-", rest.to_string())
    } else if let Some(rest) = num.strip_prefix('+') {
        // Infinity carries its own sign.
        (
            if f.plus {
                "+"
            } else if f.space {
                " "
            } else if x.is_infinite() {
                "+"
            } else {
                ""
            },
            rest.to_string(),
        )
    } else if f.plus {
        ("+", num.clone())
    } else if f.space {
        (" ", num.clone())
    } else {
        ("", num.clone())
    };
    if body == "Inf" || body == "NaN" {
        let s = format!("{sign}{body}");
        pad(out, &s, &Flags { zero: false, ..*f });
        return;
    }
    if f.zero && !f.minus {
        if let Some(w) = f.wid {
            let len = sign.len() + body.chars().count();
            if w > len {
                out.push_str(sign);
                out.extend(std::iter::repeat_n('0', w - len));
                out.push_str(&body);
                return;
            }
        }
    }
    pad(out, &format!("{sign}{body}"), &Flags { zero: false, ..*f });
}

/// `%x` of a float: `-0x1.cp+01`, shortest hex digits or `prec` of them (rounded half to even).
fn hex_float(x: f64, prec: Option<usize>) -> String {
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        let digits = match prec {
            Some(p) if p > 0 => format!(".{}", "0".repeat(p)),
            _ => String::new(),
        };
        return format!("{sign}0x0{digits}p+00");
    }
    let bits = x.to_bits();
    let mut exp = ((bits >> 52) & 0x7ff) as i64;
    let mut mant = bits & ((1u64 << 52) - 1);
    if exp == 0 {
        // Subnormal: normalise so the leading bit sits at bit 52.
        exp = -1022;
        while mant & (1u64 << 52) == 0 {
            mant <<= 1;
            exp -= 1;
        }
        mant &= (1u64 << 52) - 1;
    } else {
        exp -= 1023;
    }
    // 52 fraction bits = 13 hex digits.
    let mut lead = 1u64;
    let mut frac = mant;
    let mut ndig = 13usize;
    if let Some(p) = prec {
        if p < 13 {
            let shift = (13 - p) * 4;
            let rem = frac & ((1u64 << shift) - 1);
            let half = 1u64 << (shift - 1);
            frac >>= shift;
            if rem > half || (rem == half && frac & 1 == 1) {
                frac += 1;
                if frac >> (p * 4) != 0 {
                    frac &= (1u64 << (p * 4)) - 1;
                    lead += 1;
                }
            }
            if lead == 2 {
                lead = 1;
                exp += 1;
            }
            ndig = p;
        }
    }
    let mut digits = if ndig == 0 {
        String::new()
    } else {
        format!("{frac:0width$x}", width = ndig)
    };
    match prec {
        None => {
            while digits.ends_with('0') {
                digits.pop();
            }
        }
        Some(p) if p > 13 => digits.push_str(&"0".repeat(p - 13)),
        _ => {}
    }
    let point = if digits.is_empty() { "" } else { "." };
    let esign = if exp < 0 { '-' } else { '+' };
    format!("{sign}0x{lead}{point}{digits}p{esign}{:02}", exp.abs())
}

/// `%e` with `prec` digits after the point and Go's two-digit exponent.
fn exp_form(x: f64, prec: usize, upper: bool) -> String {
    let s = format!("{:.*e}", prec, x);
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let sign = if e < 0 { '-' } else { '+' };
    format!("{m}{}{sign}{:02}", if upper { 'E' } else { 'e' }, e.abs())
}

/// `%.Ng`: N significant digits, exponent form when the exponent is < -4 or >= the precision.
fn g_prec(x: f64, p: usize, sharp: bool) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let (neg, mut digits, exp) = crate::value::split_exp_form(&format!("{:.*e}", p - 1, x));
    if !sharp {
        while digits.len() > 1 && digits.ends_with('0') {
            digits.pop();
        }
    }
    let nd = digits.len() as i32;
    let dp = exp + 1;
    let mut eprec = p as i32;
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    crate::value::layout_g(neg, &digits, exp, eprec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::str(v)
    }

    #[test]
    fn verbs_match_go() {
        let i = Value::Int;
        let fl = Value::Float;
        let list = Value::list(vec![i(1), s("a")]);
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
            ("%s", vec![s("x")], "x"),
            ("%d", vec![i(42)], "42"),
            (
                "%5d|%-5d|%05d",
                vec![i(42), i(42), i(-42)],
                "   42|42   |-0042",
            ),
            ("%+d % d", vec![i(5), i(5)], "+5  5"),
            (
                "%x %X %o %b %#x %#o",
                vec![i(255), i(255), i(8), i(5), i(255), i(8)],
                "ff FF 10 101 0xff 010",
            ),
            (
                "%c %q %U %#U",
                vec![i(65), i(65), i(0x1F600), i(65)],
                "A 'A' U+1F600 U+0041 'A'",
            ),
            ("%.3d", vec![i(7)], "007"),
            ("%v %v", vec![fl(1.5), fl(1e6)], "1.5 1e+06"),
            (
                "%f %.2f %e %g",
                vec![fl(5.67891), fl(5.67891), fl(1234.5678), fl(0.00001234)],
                "5.678910 5.68 1.234568e+03 1.234e-05",
            ),
            (
                "%8.3f|%-8.3f|%08.3f",
                vec![fl(5.67891), fl(5.67891), fl(-5.67891)],
                "   5.679|5.679   |-005.679",
            ),
            (
                "%.3g %.10g %g",
                vec![fl(1234.5678), fl(1234.5678), fl(100000.0)],
                "1.23e+03 1234.5678 100000",
            ),
            (
                "%t %v",
                vec![Value::Bool(true), Value::Bool(false)],
                "true false",
            ),
            ("%q", vec![s("a\"b\n")], "\"a\\\"b\\n\""),
            (
                "%x %X % x",
                vec![s("hi"), s("hi"), s("hi")],
                "6869 6869 68 69",
            ),
            (
                "%10s|%-10s|%.2s",
                vec![s("abc"), s("abc"), s("abc")],
                "       abc|abc       |ab",
            ),
            (
                "%v %d %s",
                vec![
                    list.clone(),
                    Value::list(vec![i(1), i(2)]),
                    Value::list(vec![s("a")]),
                ],
                "[1 a] [1 2] [a]",
            ),
            (
                "%T %T %T %T %T",
                vec![i(1), fl(1.0), s(""), list.clone(), Value::Nil],
                "int float64 string []interface {} <nil>",
            ),
            ("%d", vec![s("x")], "%!d(string=x)"),
            ("%s", vec![i(3)], "%!s(int=3)"),
            ("%d", vec![fl(1.5)], "%!d(float64=1.5)"),
            ("%s", vec![Value::Nil], "%!s(<nil>)"),
            ("%v", vec![Value::Nil], "<nil>"),
            ("%d %s", vec![i(1)], "1 %!s(MISSING)"),
            ("%d", vec![i(1), s("x"), i(2)], "1%!(EXTRA string=x, int=2)"),
            ("100%%", vec![], "100%"),
            ("%", vec![], "%!(NOVERB)"),
            ("%*d|%-*d", vec![i(4), i(7), i(4), i(7)], "   7|7   "),
            ("%[2]s %[1]s", vec![s("a"), s("b")], "b a"),
            ("%!", vec![], "%!!(MISSING)"),
            ("%99999999999d|", vec![i(1)], "%!(NOVERB)%!(EXTRA int=1)"),
            ("%*d", vec![i(10_000_000), i(1)], "%!(BADWIDTH)1"),
            ("%z", vec![i(1)], "%!z(int=1)"),
            ("%+q", vec![s("é")], "\"\\u00e9\""),
            ("%v", vec![Value::Int64(-3)], "-3"),
            ("%06.2f", vec![fl(5.67891)], "005.68"),
            ("%+.1e", vec![fl(12345.0)], "+1.2e+04"),
            (
                "%x|%X|%.1x|%x|%b",
                vec![fl(3.5), fl(3.5), fl(1.96875), fl(-0.0), fl(1.0)],
                "0x1.cp+01|0X1.CP+01|0x1.0p+01|-0x0p+00|4503599627370496p-52",
            ),
            (
                "%x|%.3x|%20x|%-12x|%+x",
                vec![fl(0.1), fl(0.1), fl(1e300), fl(5e-324), fl(2.0)],
                "0x1.999999999999ap-04|0x1.99ap-04|0x1.7e43c8800759cp+996|0x1p-1074   |+0x1p+01",
            ),
        ];
        for (f, args, want) in cases {
            assert_eq!(sprintf(f, &args), want, "{f}");
        }
    }

    #[test]
    fn sprint_spacing() {
        assert_eq!(sprint(&[s("a"), s("b")]), "ab");
        assert_eq!(sprint(&[Value::Int(1), Value::Int(2)]), "1 2");
        assert_eq!(sprint(&[s("a"), Value::Int(2), s("b")]), "a2b");
        assert_eq!(sprint(&[Value::Nil]), "<nil>");
        assert_eq!(sprintln(&[s("a"), s("b")]), "a b\n");
    }
}
