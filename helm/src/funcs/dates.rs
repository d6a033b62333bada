//! Sprig's date functions (`now`, `date`, `dateInZone`, `toDate`, `dateModify`, `ago`,
//! `duration`, `durationRound`, `unixEpoch`, `htmlDate`...) over a Go-like `time.Time` host
//! object: Go reference-layout formatting and parsing ("2006-01-02T15:04:05Z07:00"), Go duration
//! syntax and printing. Layouts live in `timefmt`, zones in `zones`.

use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use super::args::{arity, string, FResult};
use super::timefmt::{format, parse};
use super::zones::{load_zone, load_zone_checked, Zone};
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
    fm.insert("dateInZone", |a| date_in_zone_fn("dateInZone", a));
    fm.insert("date_in_zone", |a| date_in_zone_fn("date_in_zone", a));
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
    fm.insert("dateModify", |a| date_modify("dateModify", a, false));
    fm.insert("date_modify", |a| date_modify("date_modify", a, false));
    fm.insert("mustDateModify", |a| date_modify("mustDateModify", a, true));
    fm.insert("must_date_modify", |a| {
        date_modify("must_date_modify", a, true)
    });
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

fn date_in_zone_fn(name: &str, a: &[Value]) -> FResult {
    arity(name, a, 3)?;
    let (layout, zone) = (string(a, 0)?, string(a, 2)?);
    Ok(Value::from(date_in_zone(layout, &a[1], zone)))
}

/// sprig's `dateModify` (an unparsable duration leaves the date as it is) and its `must` twin.
fn date_modify(name: &str, a: &[Value], must: bool) -> FResult {
    arity(name, a, 2)?;
    let (d, t) = (string(a, 0)?, time_arg(a, 1)?);
    match parse_duration(d) {
        Ok(n) => Ok(t.add_nanos(n).into_value()),
        Err(e) if must => Err(FuncError::new(e)),
        Err(_) => Ok(a[1].clone()),
    }
}

/// A Go `time.Time`: an instant plus the zone it is shown in.
#[derive(Debug, Clone)]
pub struct Time {
    pub(super) secs: i64,
    pub(super) nsec: u32,
    pub(super) offset: i32,
    pub(super) abbr: String,
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
    pub(super) fn fields(&self) -> (i64, u32, u32, u32, u32, u32, u32, u32) {
        let local = self.secs + self.offset as i64;
        let days = local.div_euclid(86_400);
        let rem = local.rem_euclid(86_400) as u32;
        let (y, m, d) = civil_from_days(days);
        let wd = (days + 4).rem_euclid(7) as u32;
        let yday = (days - civil_days(y, 1, 1)) as u32 + 1;
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
pub(super) fn civil_days(y: i64, m: u32, d: u32) -> i64 {
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

pub(super) fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

pub(super) const MONTHS: [&str; 12] = [
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
pub(super) const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

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
        exact = ip
            .checked_mul(scale)
            .and_then(|x| x.checked_add(exact))
            .ok_or_else(invalid)?;
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
    use super::super::testutil::{call, text};
    use super::*;

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
        assert_eq!(text("unixEpoch", std::slice::from_ref(&d)), "1514678400");
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
                .message(),
            "parsing time \"2017-13-01\": month out of range"
        );
        assert_eq!(
            call("mustDateModify", &[s("x"), d]).unwrap_err().message(),
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
        assert!(parse_duration("99999999999999999999999999999999999h").is_err());
        assert_eq!(text("ago", &[now().into_value()]), "0s");
    }
}
