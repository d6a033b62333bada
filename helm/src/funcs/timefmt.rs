//! Go reference-layout formatting and parsing ("2006-01-02T15:04:05Z07:00") for the date
//! functions: `Time.Format` and `time.ParseInLocation`.

use super::dates::{civil_days, days_in_month, Time, DAYS, MONTHS};
use super::zones::Zone;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    TZ,
    Iso8601TZ,
    Iso8601SecondsTZ,
    Iso8601ShortTZ,
    Iso8601ColonTZ,
    Iso8601ColonSecondsTZ,
    NumTZ,
    NumSecondsTz,
    NumShortTZ,
    NumColonTZ,
    NumColonSecondsTZ,
    /// Fractional seconds: digit count and whether trailing zeros are trimmed (`.999`).
    Frac(usize, bool),
}

/// Go's `nextStdChunk`: the literal prefix, the element, and the rest of the layout.
fn next_chunk(layout: &str) -> (&str, Option<Std>, &str) {
    let b = layout.as_bytes();
    let starts = |i: usize, s: &str| layout[i..].starts_with(s);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let hit: Option<(Std, usize)> = match c {
            b'J' if starts(i, "January") => Some((Std::LongMonth, 7)),
            b'J' if starts(i, "Jan") => Some((Std::Month, 3)),
            b'M' if starts(i, "Monday") => Some((Std::LongWeekDay, 6)),
            b'M' if starts(i, "Mon") => Some((Std::WeekDay, 3)),
            b'M' if starts(i, "MST") => Some((Std::TZ, 3)),
            b'0' if i + 1 < b.len() && (b'1'..=b'6').contains(&b[i + 1]) => Some((
                [
                    Std::ZeroMonth,
                    Std::ZeroDay,
                    Std::ZeroHour12,
                    Std::ZeroMinute,
                    Std::ZeroSecond,
                    Std::Year,
                ][(b[i + 1] - b'1') as usize],
                2,
            )),
            b'0' if starts(i, "002") => Some((Std::ZeroYearDay, 3)),
            b'1' if starts(i, "15") => Some((Std::Hour, 2)),
            b'1' => Some((Std::NumMonth, 1)),
            b'2' if starts(i, "2006") => Some((Std::LongYear, 4)),
            b'2' => Some((Std::Day, 1)),
            b'_' if starts(i, "_2") && !starts(i, "_2006") => Some((Std::UnderDay, 2)),
            b'_' if starts(i, "__2") => Some((Std::UnderYearDay, 3)),
            b'3' => Some((Std::Hour12, 1)),
            b'4' => Some((Std::Minute, 1)),
            b'5' => Some((Std::Second, 1)),
            b'P' if starts(i, "PM") => Some((Std::PM, 2)),
            b'p' if starts(i, "pm") => Some((Std::Pm, 2)),
            b'-' if starts(i, "-070000") => Some((Std::NumSecondsTz, 7)),
            b'-' if starts(i, "-07:00:00") => Some((Std::NumColonSecondsTZ, 9)),
            b'-' if starts(i, "-0700") => Some((Std::NumTZ, 5)),
            b'-' if starts(i, "-07:00") => Some((Std::NumColonTZ, 6)),
            b'-' if starts(i, "-07") => Some((Std::NumShortTZ, 3)),
            b'Z' if starts(i, "Z070000") => Some((Std::Iso8601SecondsTZ, 7)),
            b'Z' if starts(i, "Z07:00:00") => Some((Std::Iso8601ColonSecondsTZ, 9)),
            b'Z' if starts(i, "Z0700") => Some((Std::Iso8601TZ, 5)),
            b'Z' if starts(i, "Z07:00") => Some((Std::Iso8601ColonTZ, 6)),
            b'Z' if starts(i, "Z07") => Some((Std::Iso8601ShortTZ, 3)),
            b'.' | b',' if i + 1 < b.len() && (b[i + 1] == b'0' || b[i + 1] == b'9') => {
                let d = b[i + 1];
                let mut j = i + 1;
                while j < b.len() && b[j] == d {
                    j += 1;
                }
                if j < b.len() && b[j].is_ascii_digit() {
                    None
                } else {
                    Some((Std::Frac(j - i - 1, d == b'9'), j - i))
                }
            }
            _ => None,
        };
        if let Some((std, len)) = hit {
            return (&layout[..i], Some(std), &layout[i + len..]);
        }
        i += 1;
    }
    (layout, None, "")
}

pub(super) fn format(t: &Time, layout: &str) -> String {
    let (year, month, day, hour, min, sec, wd, yday) = t.fields();
    let mut out = String::with_capacity(layout.len() + 10);
    let mut rest = layout;
    loop {
        let (lit, std, tail) = next_chunk(rest);
        out.push_str(lit);
        let Some(std) = std else { break };
        rest = tail;
        let off = t.offset;
        let tz = |out: &mut String, colon: bool, secs: bool, short: bool, z: bool| {
            if z && off == 0 {
                out.push('Z');
                return;
            }
            let zone = off / 60;
            let (sign, abs) = if zone < 0 { ('-', -zone) } else { ('+', zone) };
            out.push(sign);
            out.push_str(&format!("{:02}", abs / 60));
            if !short {
                if colon {
                    out.push(':');
                }
                out.push_str(&format!("{:02}", abs % 60));
            }
            if secs {
                if colon {
                    out.push(':');
                }
                out.push_str(&format!("{:02}", off.abs() % 60));
            }
        };
        match std {
            Std::LongMonth => out.push_str(MONTHS[month as usize - 1]),
            Std::Month => out.push_str(&MONTHS[month as usize - 1][..3]),
            Std::NumMonth => out.push_str(&month.to_string()),
            Std::ZeroMonth => out.push_str(&format!("{month:02}")),
            Std::LongWeekDay => out.push_str(DAYS[wd as usize]),
            Std::WeekDay => out.push_str(&DAYS[wd as usize][..3]),
            Std::Day => out.push_str(&day.to_string()),
            Std::UnderDay => out.push_str(&format!("{day:>2}")),
            Std::ZeroDay => out.push_str(&format!("{day:02}")),
            Std::UnderYearDay => out.push_str(&format!("{yday:>3}")),
            Std::ZeroYearDay => out.push_str(&format!("{yday:03}")),
            Std::Hour => out.push_str(&format!("{hour:02}")),
            Std::Hour12 => out.push_str(&(if hour % 12 == 0 { 12 } else { hour % 12 }).to_string()),
            Std::ZeroHour12 => out.push_str(&format!(
                "{:02}",
                if hour % 12 == 0 { 12 } else { hour % 12 }
            )),
            Std::Minute => out.push_str(&min.to_string()),
            Std::ZeroMinute => out.push_str(&format!("{min:02}")),
            Std::Second => out.push_str(&sec.to_string()),
            Std::ZeroSecond => out.push_str(&format!("{sec:02}")),
            Std::LongYear => {
                if year < 0 {
                    out.push_str(&format!("-{:04}", -year));
                } else {
                    out.push_str(&format!("{year:04}"));
                }
            }
            Std::Year => out.push_str(&format!("{:02}", year.rem_euclid(100))),
            Std::PM => out.push_str(if hour >= 12 { "PM" } else { "AM" }),
            Std::Pm => out.push_str(if hour >= 12 { "pm" } else { "am" }),
            Std::TZ => {
                if !t.abbr.is_empty() {
                    out.push_str(&t.abbr);
                } else {
                    // No zone name: Go prints the -0700 form.
                    tz(&mut out, false, false, false, false);
                }
            }
            Std::Iso8601TZ => tz(&mut out, false, false, false, true),
            Std::Iso8601SecondsTZ => tz(&mut out, false, true, false, true),
            Std::Iso8601ShortTZ => tz(&mut out, false, false, true, true),
            Std::Iso8601ColonTZ => tz(&mut out, true, false, false, true),
            Std::Iso8601ColonSecondsTZ => tz(&mut out, true, true, false, true),
            Std::NumTZ => tz(&mut out, false, false, false, false),
            Std::NumSecondsTz => tz(&mut out, false, true, false, false),
            Std::NumShortTZ => tz(&mut out, false, false, true, false),
            Std::NumColonTZ => tz(&mut out, true, false, false, false),
            Std::NumColonSecondsTZ => tz(&mut out, true, true, false, false),
            Std::Frac(n, trim) => {
                let digits = format!("{:09}", t.nsec);
                let mut d = &digits[..n.min(9)];
                if trim {
                    d = d.trim_end_matches('0');
                    if d.is_empty() {
                        continue;
                    }
                }
                let sep = if lit_ends_sep(layout, rest) { ',' } else { '.' };
                out.push(sep);
                out.push_str(d);
            }
        }
    }
    out
}

/// Whether the fractional-second element just consumed used ',' as its separator.
fn lit_ends_sep(layout: &str, rest: &str) -> bool {
    let consumed = &layout[..layout.len() - rest.len()];
    consumed
        .rfind([',', '.'])
        .is_some_and(|i| consumed.as_bytes()[i] == b',')
}

/// Go's `time.ParseInLocation` for the layout elements charts use.
pub(super) fn parse(layout: &str, value: &str, zone: &Zone) -> Result<Time, String> {
    let fail = |elem: &str, v: &str| {
        format!("parsing time {value:?} as {layout:?}: cannot parse {v:?} as {elem:?}")
    };
    let range = |what: &str| format!("parsing time {value:?}: {what} out of range");
    let (mut year, mut month, mut day, mut hour, mut min, mut sec, mut nsec) =
        (1i64, 1u32, 1u32, 0u32, 0u32, 0u32, 0u32);
    let mut pm: Option<bool> = None;
    let mut offset: Option<i32> = None;
    let mut abbr: Option<String> = None;
    let (mut rest, mut v) = (layout, value);
    loop {
        let (lit, std, tail) = next_chunk(rest);
        let elem = &rest[lit.len()..rest.len() - tail.len()];
        v = v.strip_prefix(lit).ok_or_else(|| fail(lit, v))?;
        let Some(std) = std else {
            if !v.is_empty() {
                return Err(format!("parsing time {value:?}: extra text: {v:?}"));
            }
            break;
        };
        rest = tail;
        let num = |v: &str, min_w: usize, max_w: usize| -> Option<(u32, usize)> {
            let n = v.bytes().take(max_w).take_while(u8::is_ascii_digit).count();
            if n < min_w {
                return None;
            }
            Some((v[..n].parse().ok()?, n))
        };
        let take = |v: &mut &str, min_w: usize, max_w: usize| -> Result<u32, String> {
            let (x, n) = num(v, min_w, max_w).ok_or_else(|| fail(elem, v))?;
            *v = &v[n..];
            Ok(x)
        };
        match std {
            Std::LongYear => {
                year = take(&mut v, 4, 4)? as i64;
            }
            Std::Year => {
                let y = take(&mut v, 2, 2)? as i64;
                year = if y >= 69 { 1900 + y } else { 2000 + y };
            }
            Std::LongMonth | Std::Month => {
                let long = std == Std::LongMonth;
                let idx = MONTHS.iter().position(|m| {
                    let name = if long { *m } else { &m[..3] };
                    v.len() >= name.len() && v[..name.len()].eq_ignore_ascii_case(name)
                });
                let i = idx.ok_or_else(|| fail(elem, v))?;
                v = &v[if long { MONTHS[i].len() } else { 3 }..];
                month = i as u32 + 1;
            }
            Std::LongWeekDay | Std::WeekDay => {
                let long = std == Std::LongWeekDay;
                let len = DAYS
                    .iter()
                    .map(|d| if long { *d } else { &d[..3] })
                    .find(|name| {
                        v.len() >= name.len() && v[..name.len()].eq_ignore_ascii_case(name)
                    })
                    .map(str::len)
                    .ok_or_else(|| fail(elem, v))?;
                v = &v[len..];
            }
            Std::NumMonth | Std::ZeroMonth => {
                let w = if std == Std::ZeroMonth { 2 } else { 1 };
                month = take(&mut v, w, 2)?;
                if !(1..=12).contains(&month) {
                    return Err(range("month"));
                }
            }
            Std::Day | Std::UnderDay | Std::ZeroDay => {
                if std == Std::UnderDay {
                    v = v.strip_prefix(' ').unwrap_or(v);
                }
                let w = if std == Std::ZeroDay { 2 } else { 1 };
                day = take(&mut v, w, 2)?;
            }
            Std::UnderYearDay | Std::ZeroYearDay => {
                v = v.trim_start();
                take(&mut v, 1, 3)?;
            }
            Std::Hour => {
                hour = take(&mut v, 2, 2)?;
                if hour > 23 {
                    return Err(range("hour"));
                }
            }
            Std::Hour12 | Std::ZeroHour12 => {
                let w = if std == Std::ZeroHour12 { 2 } else { 1 };
                hour = take(&mut v, w, 2)?;
                if hour > 12 {
                    return Err(range("hour"));
                }
            }
            Std::Minute | Std::ZeroMinute => {
                let w = if std == Std::ZeroMinute { 2 } else { 1 };
                min = take(&mut v, w, 2)?;
                if min > 59 {
                    return Err(range("minute"));
                }
            }
            Std::Second | Std::ZeroSecond => {
                let w = if std == Std::ZeroSecond { 2 } else { 1 };
                sec = take(&mut v, w, 2)?;
                if sec > 59 {
                    return Err(range("second"));
                }
                // Go accepts a fractional second here even when the layout has none.
                let next_is_frac = matches!(next_chunk(rest).1, Some(Std::Frac(..)))
                    && next_chunk(rest).0.is_empty();
                if !next_is_frac
                    && v.len() > 1
                    && (v.starts_with('.') || v.starts_with(','))
                    && v.as_bytes()[1].is_ascii_digit()
                {
                    let n = v[1..].bytes().take_while(u8::is_ascii_digit).count();
                    nsec = frac_nanos(&v[1..1 + n]);
                    v = &v[1 + n..];
                }
            }
            Std::Frac(n, trim) => {
                if !(v.starts_with('.') || v.starts_with(',')) {
                    if trim {
                        continue;
                    }
                    return Err(fail(elem, v));
                }
                let digits = v[1..].bytes().take_while(u8::is_ascii_digit).count();
                if !trim && digits < n {
                    return Err(fail(elem, v));
                }
                let used = if trim { digits } else { n };
                nsec = frac_nanos(&v[1..1 + used]);
                v = &v[1 + used..];
            }
            Std::PM | Std::Pm => {
                let p = v.get(..2).ok_or_else(|| fail(elem, v))?;
                pm = Some(match p.to_ascii_uppercase().as_str() {
                    "PM" => true,
                    "AM" => false,
                    _ => return Err(fail(elem, v)),
                });
                v = &v[2..];
            }
            Std::TZ => {
                if let Some(r) = v.strip_prefix("UTC") {
                    v = r;
                    offset.get_or_insert(0);
                    abbr = Some("UTC".into());
                } else {
                    let n = v.bytes().take_while(u8::is_ascii_uppercase).count();
                    if n < 3 {
                        return Err(fail(elem, v));
                    }
                    abbr = Some(v[..n].to_string());
                    v = &v[n..];
                }
            }
            _ => {
                // Numeric zones: Z (ISO forms), ±hh, ±hhmm, ±hh:mm, ±hhmmss, ±hh:mm:ss.
                let iso = matches!(
                    std,
                    Std::Iso8601TZ
                        | Std::Iso8601SecondsTZ
                        | Std::Iso8601ShortTZ
                        | Std::Iso8601ColonTZ
                        | Std::Iso8601ColonSecondsTZ
                );
                if iso && v.starts_with('Z') {
                    v = &v[1..];
                    offset = Some(0);
                    abbr = Some("UTC".into());
                    continue;
                }
                let sign = match v.as_bytes().first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return Err(fail(elem, v)),
                };
                let body = &v[1..];
                let colon = matches!(
                    std,
                    Std::Iso8601ColonTZ
                        | Std::Iso8601ColonSecondsTZ
                        | Std::NumColonTZ
                        | Std::NumColonSecondsTZ
                );
                let short = matches!(std, Std::Iso8601ShortTZ | Std::NumShortTZ);
                let secs = matches!(
                    std,
                    Std::Iso8601SecondsTZ
                        | Std::Iso8601ColonSecondsTZ
                        | Std::NumSecondsTz
                        | Std::NumColonSecondsTZ
                );
                let mut parts = Vec::new();
                let mut b = body;
                let count = if short {
                    1
                } else if secs {
                    3
                } else {
                    2
                };
                for k in 0..count {
                    if k > 0 && colon {
                        b = b.strip_prefix(':').ok_or_else(|| fail(elem, v))?;
                    }
                    let (x, n) = num(b, 2, 2).ok_or_else(|| fail(elem, v))?;
                    parts.push(x as i32);
                    b = &b[n..];
                }
                let off =
                    parts[0] * 3600 + parts.get(1).unwrap_or(&0) * 60 + parts.get(2).unwrap_or(&0);
                offset = Some(sign * off);
                v = b;
            }
        }
    }
    if let Some(p) = pm {
        if p && hour < 12 {
            hour += 12;
        } else if !p && hour == 12 {
            hour = 0;
        }
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(range("day"));
    }
    let local = civil_days(year, month, day) * 86_400 + (hour * 3600 + min * 60 + sec) as i64;
    match (offset, abbr) {
        (Some(off), abbr) => {
            let secs = local - off as i64;
            let (zoff, zabbr) = zone.lookup(secs);
            // Go reuses the location's zone when its offset matches, else invents one.
            let abbr = if zoff == off {
                zabbr
            } else {
                abbr.unwrap_or_default()
            };
            Ok(Time {
                secs,
                nsec,
                offset: off,
                abbr,
            })
        }
        (None, Some(abbr)) => {
            let (zoff, zabbr) = zone.lookup(local);
            let (off, abbr) = if zabbr == abbr {
                (zoff, zabbr)
            } else {
                (0, abbr)
            };
            Ok(Time {
                secs: local - off as i64,
                nsec,
                offset: off,
                abbr,
            })
        }
        (None, None) => {
            let (off, _) = zone.lookup(local);
            let secs = local - off as i64;
            let (off, abbr) = zone.lookup(secs);
            Ok(Time {
                secs,
                nsec,
                offset: off,
                abbr,
            })
        }
    }
}

fn frac_nanos(digits: &str) -> u32 {
    let mut d: String = digits.chars().take(9).collect();
    while d.len() < 9 {
        d.push('0');
    }
    d.parse().unwrap_or(0)
}
