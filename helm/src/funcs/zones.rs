//! Go's `time.LoadLocation` for the date functions: UTC, `Local` (from `TZ` or /etc/localtime)
//! and named zones read from the system's TZif files.

/// A location: UTC or transitions read from a TZif file.
#[derive(Debug, Clone)]
pub(super) enum Zone {
    Utc,
    Tz {
        transitions: Vec<(i64, usize)>,
        types: Vec<(i32, bool, String)>,
    },
}

impl Zone {
    pub(super) fn lookup(&self, t: i64) -> (i32, String) {
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

pub(super) fn load_zone(name: &str) -> Zone {
    load_zone_checked(name).unwrap_or(Zone::Utc)
}

/// Go's `time.LoadLocation`: "" and "UTC" are UTC, "Local" follows `TZ` or /etc/localtime, other
/// names are files under the zoneinfo directory; `None` when the zone cannot be loaded.
pub(super) fn load_zone_checked(name: &str) -> Option<Zone> {
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
