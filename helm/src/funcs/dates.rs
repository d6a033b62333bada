//! Sprig's date functions (`now`, `date`, `dateInZone`, `toDate`, `dateModify`, `ago`,
//! `duration`, `durationRound`, `unixEpoch`, `htmlDate`...) over a Go-like `time.Time` host
//! object: Go reference-layout formatting and parsing ("2006-01-02T15:04:05Z07:00"), Go duration
//! syntax and printing, and zones read from the system's TZif files as Go's `LoadLocation` does.

use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use super::args::{arity, string};
use super::{FuncError, FuncMap};
use crate::value::{Object, Value};

/// Registers the date family.
pub(super) fn register(fm: &mut FuncMap) {
    fm.insert("now", |a| {
        arity("now", a, 0)?;
        Ok(now().into_value())
    });
    fm.insert("date", |a| {
        arity("date", a, 2)?;
        Ok(Value::from(date_in_zone(string(a, 0)?, &a[1], "Local")))
    });
    for n in ["dateInZone", "date_in_zone"] {
        fm.insert(n, |a| {
            arity("dateInZone", a, 3)?;
            let (layout, zone) = (string(a, 0)?, string(a, 2)?);
            Ok(Value::from(date_in_zone(layout, &a[1], zone)))
        });
    }
    fm.insert("htmlDate", |a| {
        arity("htmlDate", a, 1)?;
        Ok(Value::from(date_in_zone("2006-01-02", &a[0], "Local")))
    });
    fm.insert("htmlDateInZone", |a| {
        arity("htmlDateInZone", a, 2)?;
        Ok(Value::from(date_in_zone(
            "2006-01-02",
            &a[0],
            string(a, 1)?,
        )))
    });
    for n in ["dateModify", "date_modify"] {
        fm.insert(n, |a| {
            arity("dateModify", a, 2)?;
            let (d, t) = (string(a, 0)?, time_arg(a, 1)?);
            Ok(match parse_duration(d) {
                Ok(n) => t.add_nanos(n).into_value(),
                Err(_) => a[1].clone(),
            })
        });
    }
    for n in ["mustDateModify", "must_date_modify"] {
        fm.insert(n, |a| {
            arity("mustDateModify", a, 2)?;
            let (d, t) = (string(a, 0)?, time_arg(a, 1)?);
            let n = parse_duration(d).map_err(FuncError::new)?;
            Ok(t.add_nanos(n).into_value())
        });
    }
    fm.insert("toDate", |a| {
        arity("toDate", a, 2)?;
        let (layout, s) = (string(a, 0)?, string(a, 1)?);
        Ok(parse(layout, s, &load_zone("Local"))
            .unwrap_or_else(|_| Time::zero())
            .into_value())
    });
    fm.insert("mustToDate", |a| {
        arity("mustToDate", a, 2)?;
        let (layout, s) = (string(a, 0)?, string(a, 1)?);
        Ok(parse(layout, s, &load_zone("Local"))
            .map_err(FuncError::new)?
            .into_value())
    });
    fm.insert("unixEpoch", |a| {
        arity("unixEpoch", a, 1)?;
        Ok(Value::from(time_arg(a, 0)?.secs.to_string()))
    });
    fm.insert("ago", |a| {
        arity("ago", a, 1)?;
        let t = match &a[0] {
            Value::Int(n) | Value::Int64(n) => Time::from_unix(*n, 0, &Zone::Utc),
            v => as_time(v).unwrap_or_else(now),
        };
        let d = now().nanos_since(&t);
        Ok(Value::from(duration_string(round_duration(
            d,
            1_000_000_000,
        ))))
    });
    fm.insert("duration", |a| {
        arity("duration", a, 1)?;
        let n = match &a[0] {
            Value::Str(s) => s.parse::<i64>().unwrap_or(0),
            Value::Int64(n) => *n,
            _ => 0,
        };
        Ok(Value::from(duration_string(n.wrapping_mul(1_000_000_000))))
    });
    fm.insert("durationRound", |a| {
        arity("durationRound", a, 1)?;
        let d = match &a[0] {
            Value::Str(s) => parse_duration(s).unwrap_or(0),
            Value::Int64(n) => *n,
            v => as_time(v).map_or(0, |t| now().nanos_since(&t)),
        };
        Ok(Value::from(duration_round(d)))
    });
}

/// A Go `time.Time`: an instant plus the zone it is shown in.
#[derive(Debug, Clone)]
pub struct Time {
    secs: i64,
    nsec: u32,
    offset: i32,
    abbr: String,
}

fn now() -> Time {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Time::from_unix(d.as_secs() as i64, d.subsec_nanos(), &load_zone("Local"))
}

/// The `time.Time` inside a value, if it holds one.
fn as_time(v: &Value) -> Option<Time> {
    match v {
        Value::Object(o) => o.as_any().downcast_ref::<Time>().cloned(),
        _ => None,
    }
}

/// A Go `time.Time` parameter.
fn time_arg(a: &[Value], i: usize) -> Result<Time, FuncError> {
    as_time(&a[i]).ok_or_else(|| {
        let got = if a[i].is_nil() {
            "interface {}".to_string()
        } else {
            a[i].type_name()
        };
        FuncError::bad_arg(
            i,
            format_args!("wrong type for value; expected time.Time; got {got}"),
        )
    })
}

impl Time {
    fn from_unix(secs: i64, nsec: u32, zone: &Zone) -> Time {
        let (offset, abbr) = zone.lookup(secs);
        Time {
            secs,
            nsec,
            offset,
            abbr,
        }
    }

    /// Go's zero time, 0001-01-01 00:00:00 UTC.
    fn zero() -> Time {
        Time {
            secs: -62_135_596_800,
            nsec: 0,
            offset: 0,
            abbr: "UTC".into(),
        }
    }

    fn into_value(self) -> Value {
        Value::Object(Rc::new(self))
    }

    fn in_zone(&self, zone: &Zone) -> Time {
        Time::from_unix(self.secs, self.nsec, zone)
    }

    fn add_nanos(&self, n: i64) -> Time {
        let total = self.nsec as i64 + n.rem_euclid(1_000_000_000);
        let secs = self.secs + n.div_euclid(1_000_000_000) + total / 1_000_000_000;
        Time {
            secs,
            nsec: (total % 1_000_000_000) as u32,
            offset: self.offset,
            abbr: self.abbr.clone(),
        }
    }

    fn nanos_since(&self, earlier: &Time) -> i64 {
        (self.secs - earlier.secs)
            .saturating_mul(1_000_000_000)
            .saturating_add(self.nsec as i64 - earlier.nsec as i64)
    }

    /// Local calendar fields: (year, month 1-12, day, hour, min, sec, weekday 0=Sunday, yday).
    fn fields(&self) -> (i64, u32, u32, u32, u32, u32, u32, u32) {
        let local = self.secs + self.offset as i64;
        let days = local.div_euclid(86_400);
        let rem = local.rem_euclid(86_400) as u32;
        let (y, m, d) = civil_from_days(days);
        let wd = (days + 4).rem_euclid(7) as u32;
        let yday = (days - days_from_civil(y, 1, 1)) as u32 + 1;
        (y, m, d, rem / 3600, rem / 60 % 60, rem % 60, wd, yday)
    }

    /// Go's `Time.Format`.
    pub fn format(&self, layout: &str) -> String {
        format(self, layout)
    }
}

impl Object for Time {
    fn type_name(&self) -> &str {
        "time.Time"
    }

    fn field(&self, name: &str) -> Option<Value> {
        let (y, m, d, h, mi, s, wd, yd) = self.fields();
        Some(match name {
            "Year" => Value::Int(y),
            "Month" => Value::str(MONTHS[m as usize - 1]),
            "Day" => Value::Int(d as i64),
            "Hour" => Value::Int(h as i64),
            "Minute" => Value::Int(mi as i64),
            "Second" => Value::Int(s as i64),
            "Nanosecond" => Value::Int(self.nsec as i64),
            "YearDay" => Value::Int(yd as i64),
            "Weekday" => Value::str(DAYS[wd as usize]),
            "Unix" => Value::Int64(self.secs),
            "UnixMilli" => Value::Int64(self.secs * 1000 + self.nsec as i64 / 1_000_000),
            "UnixNano" => Value::Int64(self.secs * 1_000_000_000 + self.nsec as i64),
            "UTC" => self.in_zone(&Zone::Utc).into_value(),
            "Local" => self.in_zone(&load_zone("Local")).into_value(),
            "String" => Value::from(self.display()),
            "IsZero" => Value::Bool(self.secs == -62_135_596_800 && self.nsec == 0),
            _ => return None,
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        match (name, args) {
            ("Format", [Value::Str(l)]) => Some(Ok(Value::from(self.format(l)))),
            ("Add", [Value::Int(n) | Value::Int64(n)]) => Some(Ok(self.add_nanos(*n).into_value())),
            ("In" | "Format" | "Add", _) => Some(Err(format!("wrong arguments for {name}"))),
            _ => self.field(name).map(Ok),
        }
    }

    fn display(&self) -> String {
        self.format("2006-01-02 15:04:05.999999999 -0700 MST")
    }

    fn to_data(&self) -> Value {
        Value::from(self.format("2006-01-02T15:04:05.999999999Z07:00"))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// sprig's `dateInZone`: times, `int`/`int64` Unix seconds, anything else means now.
fn date_in_zone(layout: &str, date: &Value, zone: &str) -> String {
    let zone = match load_zone_checked(zone) {
        Some(z) => z,
        None => Zone::Utc,
    };
    let t = match date {
        Value::Int(n) | Value::Int64(n) => Time::from_unix(*n, 0, &zone),
        v => as_time(v).unwrap_or_else(now).in_zone(&zone),
    };
    t.format(layout)
}

// --- calendar ------------------------------------------------------------------------------

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

// --- zones ---------------------------------------------------------------------------------

/// A location: UTC or transitions read from a TZif file.
#[derive(Debug, Clone)]
enum Zone {
    Utc,
    Tz {
        transitions: Vec<(i64, usize)>,
        types: Vec<(i32, bool, String)>,
    },
}

impl Zone {
    fn lookup(&self, t: i64) -> (i32, String) {
        match self {
            Zone::Utc => (0, "UTC".into()),
            Zone::Tz { transitions, types } => {
                let idx = match transitions.partition_point(|(at, _)| *at <= t) {
                    0 => types.iter().position(|ty| !ty.1).unwrap_or(0),
                    n => transitions[n - 1].1,
                };
                let (off, _, abbr) = &types[idx.min(types.len() - 1)];
                (*off, abbr.clone())
            }
        }
    }
}

fn load_zone(name: &str) -> Zone {
    load_zone_checked(name).unwrap_or(Zone::Utc)
}

/// Go's `time.LoadLocation`: "" and "UTC" are UTC, "Local" follows `TZ` or /etc/localtime, other
/// names are files under the zoneinfo directory; `None` when the zone cannot be loaded.
fn load_zone_checked(name: &str) -> Option<Zone> {
    match name {
        "" | "UTC" => return Some(Zone::Utc),
        "Local" => {
            return Some(match std::env::var("TZ") {
                Ok(tz) if tz.is_empty() || tz == "UTC" => Zone::Utc,
                Ok(tz) => load_zone_checked(tz.trim_start_matches(':')).unwrap_or(Zone::Utc),
                Err(_) => std::fs::read("/etc/localtime")
                    .ok()
                    .and_then(|b| parse_tzif(&b))
                    .unwrap_or(Zone::Utc),
            })
        }
        _ => {}
    }
    if name.contains("..") || name.starts_with('/') {
        return None;
    }
    let dir = std::env::var("ZONEINFO").unwrap_or_else(|_| "/usr/share/zoneinfo".into());
    let bytes = std::fs::read(format!("{dir}/{name}")).ok()?;
    parse_tzif(&bytes)
}

/// Reads a TZif file (v1 32-bit data, or the v2+ 64-bit block when present).
fn parse_tzif(b: &[u8]) -> Option<Zone> {
    fn be32(b: &[u8], i: usize) -> Option<u32> {
        Some(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?))
    }
    fn header(b: &[u8]) -> Option<[usize; 6]> {
        if b.get(..4)? != b"TZif" {
            return None;
        }
        let mut h = [0usize; 6];
        for (k, slot) in h.iter_mut().enumerate() {
            *slot = be32(b, 20 + 4 * k)? as usize;
        }
        Some(h)
    }
    let [isutc, isstd, leap, timecnt, typecnt, charcnt] = header(b)?;
    let v1_len = 44 + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isutc;
    let (data, tsize) = if b[4] >= b'2' && b.len() > v1_len + 44 {
        (&b[v1_len..], 8)
    } else {
        (b, 4)
    };
    let [_, _, _, timecnt, typecnt, charcnt] = header(data)?;
    let mut p = 44;
    let mut times = Vec::with_capacity(timecnt);
    for _ in 0..timecnt {
        let t = if tsize == 8 {
            i64::from_be_bytes(data.get(p..p + 8)?.try_into().ok()?)
        } else {
            be32(data, p)? as i32 as i64
        };
        times.push(t);
        p += tsize;
    }
    let idxs = data.get(p..p + timecnt)?.to_vec();
    p += timecnt;
    let mut raw_types = Vec::with_capacity(typecnt);
    for _ in 0..typecnt {
        let off = be32(data, p)? as i32;
        let dst = *data.get(p + 4)? != 0;
        let ai = *data.get(p + 5)? as usize;
        raw_types.push((off, dst, ai));
        p += 6;
    }
    let chars = data.get(p..p + charcnt)?;
    let types = raw_types
        .into_iter()
        .map(|(off, dst, ai)| {
            let end = chars[ai.min(chars.len())..]
                .iter()
                .position(|&c| c == 0)
                .map_or(chars.len(), |e| ai + e);
            let abbr = String::from_utf8_lossy(&chars[ai.min(end)..end]).into_owned();
            (off, dst, abbr)
        })
        .collect::<Vec<_>>();
    if types.is_empty() {
        return None;
    }
    let transitions = times
        .into_iter()
        .zip(idxs)
        .map(|(t, i)| (t, i as usize))
        .collect();
    Some(Zone::Tz { transitions, types })
}

// --- layouts -------------------------------------------------------------------------------

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

fn format(t: &Time, layout: &str) -> String {
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
                    tz(&mut out, false, false, off % 3600 == 0, false);
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
fn parse(layout: &str, value: &str, zone: &Zone) -> Result<Time, String> {
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
    let local = days_from_civil(year, month, day) * 86_400 + (hour * 3600 + min * 60 + sec) as i64;
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

// --- durations -----------------------------------------------------------------------------

/// Go's `time.ParseDuration`, in nanoseconds.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let orig = s;
    let invalid = || format!("time: invalid duration {orig:?}");
    let (neg, mut s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    let mut exact: i128 = 0;
    while !s.is_empty() {
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &s[..int_len];
        s = &s[int_len..];
        let mut frac_part = "";
        if let Some(r) = s.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &r[..n];
            s = &r[n..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = s
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(s.len(), |(i, _)| i);
        let unit = &s[..unit_len];
        s = &s[unit_len..];
        let scale: i128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err(format!("time: missing unit in duration {orig:?}")),
            _ => return Err(format!("time: unknown unit {unit:?} in duration {orig:?}")),
        };
        let ip: i128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| invalid())?
        };
        exact += ip * scale;
        if !frac_part.is_empty() {
            let f: f64 = format!("0.{frac_part}").parse().unwrap_or(0.0);
            total += f * scale as f64;
        }
        if exact > i64::MAX as i128 + 1 {
            return Err(invalid());
        }
    }
    let v = exact + total as i128;
    if v > i64::MAX as i128 + neg as i128 {
        return Err(invalid());
    }
    Ok(if neg { (-v) as i64 } else { v as i64 })
}

/// Go's `Duration.Round(m)`.
fn round_duration(d: i64, m: i64) -> i64 {
    let r = d % m;
    if d < 0 {
        let r = -r;
        if r + r < m {
            d + r
        } else {
            d.saturating_sub(m) + r
        }
    } else if r + r < m {
        d - r
    } else {
        d.saturating_add(m) - r
    }
}

/// Go's `Duration.String`: "1h2m3.5s", "1.5ms", "0s".
pub fn duration_string(d: i64) -> String {
    if d == 0 {
        return "0s".into();
    }
    let neg = d < 0;
    let u = d.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        let (unit, scale) = if u < 1_000 {
            ("ns", 1u64)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        out.push_str(&frac_str(u, scale));
        out.push_str(unit);
    } else {
        let h = u / 3_600_000_000_000;
        let m = u / 60_000_000_000 % 60;
        let s_nanos = u % 60_000_000_000;
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&frac_str(s_nanos, 1_000_000_000));
        out.push('s');
    }
    if neg {
        format!("-{out}")
    } else {
        out
    }
}

fn frac_str(v: u64, scale: u64) -> String {
    let (i, f) = (v / scale, v % scale);
    if f == 0 {
        return i.to_string();
    }
    let digits = format!("{f:0w$}", w = scale.to_string().len() - 1);
    format!("{i}.{}", digits.trim_end_matches('0'))
}

/// sprig's `durationRound`: the largest whole unit (y, mo, d, h, m, s) the duration exceeds.
fn duration_round(d: i64) -> String {
    let u = d.unsigned_abs();
    const S: u64 = 1_000_000_000;
    let units = [
        (S * 3600 * 24 * 365, "y"),
        (S * 3600 * 24 * 30, "mo"),
        (S * 3600 * 24, "d"),
        (S * 3600, "h"),
        (S * 60, "m"),
        (S, "s"),
    ];
    for (size, name) in units {
        if u > size {
            return format!("{}{name}", u / size);
        }
    }
    "0s".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[Value]) -> Result<Value, FuncError> {
        (super::super::library().get(name).expect(name))(args)
    }

    fn text(name: &str, args: &[Value]) -> String {
        call(name, args).unwrap().to_string()
    }

    #[test]
    fn formats_like_go_layouts() {
        let s = Value::str;
        // Checked against Helm 4.2.3 (machine zone UTC).
        assert_eq!(
            text(
                "dateInZone",
                &[
                    s("2006-01-02 15:04:05.000 Z07:00 MST Mon January _2 3PM pm 06 002 __2"),
                    Value::Int(0),
                    s("UTC")
                ]
            ),
            "1970-01-01 00:00:00.000 Z UTC Thu January  1 12AM am 70 001   1"
        );
        if std::path::Path::new("/usr/share/zoneinfo/America/New_York").exists() {
            assert_eq!(
                text(
                    "dateInZone",
                    &[
                        s("2006-01-02T15:04:05Z07:00 MST"),
                        Value::Int(1_700_000_000),
                        s("America/New_York")
                    ]
                ),
                "2023-11-14T17:13:20-05:00 EST"
            );
        }
        assert_eq!(
            text(
                "dateInZone",
                &[
                    s("2006-01-02 15:04 MST"),
                    Value::Int(1_700_000_000),
                    s("Nope/Zone")
                ]
            ),
            "2023-11-14 22:13 UTC"
        );
        assert_eq!(
            text("htmlDateInZone", &[Value::Int(0), s("UTC")]),
            "1970-01-01"
        );
        assert_eq!(text("date", &[s("2006"), Value::Float(1.5)]).len(), 4);
    }

    #[test]
    fn parses_and_modifies_dates() {
        let s = Value::str;
        let d = call("toDate", &[s("2006-01-02"), s("2017-12-31")]).unwrap();
        assert_eq!(d.type_name(), "time.Time");
        assert_eq!(d.to_string(), "2017-12-31 00:00:00 +0000 UTC");
        assert_eq!(text("unixEpoch", &[d.clone()]), "1514678400");
        assert_eq!(
            text("dateModify", &[s("1.5h"), d.clone()]),
            "2017-12-31 01:30:00 +0000 UTC"
        );
        assert_eq!(text("dateModify", &[s("bogus"), d.clone()]), d.to_string());
        assert_eq!(
            text("toDate", &[s("2006-01-02"), s("bad")]),
            "0001-01-01 00:00:00 +0000 UTC"
        );
        assert_eq!(
            text(
                "toDate",
                &[
                    s("2006-01-02 15:04:05.999999999 -0700 MST"),
                    s("2017-12-31 10:00:00.5 +0100 CET")
                ]
            ),
            "2017-12-31 10:00:00.5 +0100 CET"
        );
        assert_eq!(
            call("mustToDate", &[s("2006-01-02"), s("2017-13-01")])
                .unwrap_err()
                .0,
            "parsing time \"2017-13-01\": month out of range"
        );
        assert_eq!(
            call("mustDateModify", &[s("x"), d]).unwrap_err().0,
            "time: invalid duration \"x\""
        );
    }

    #[test]
    fn durations_like_go() {
        let s = Value::str;
        assert_eq!(text("duration", &[Value::Int(95)]), "0s");
        assert_eq!(text("duration", &[s("95")]), "1m35s");
        assert_eq!(text("duration", &[Value::Int64(3700)]), "1h1m40s");
        assert_eq!(text("durationRound", &[s("2h10m5s")]), "2h");
        assert_eq!(text("durationRound", &[Value::Int64(1_500_000_000)]), "1s");
        assert_eq!(duration_string(1_500_000), "1.5ms");
        assert_eq!(duration_string(-90_000_000_000), "-1m30s");
        assert_eq!(duration_string(3_600_000_000_000), "1h0m0s");
        assert_eq!(parse_duration("1h30m").unwrap(), 5_400_000_000_000);
        assert_eq!(parse_duration("-1.5s").unwrap(), -1_500_000_000);
        assert!(parse_duration("5").is_err());
        assert_eq!(text("ago", &[now().into_value()]), "0s");
    }
}
