//! Just enough of Masterminds/semver v3 for Helm's dependency binding (`IsCompatibleRange`):
//! lenient version parsing and constraint checking (`=`, `!=`, `<`, `>`, `<=`, `>=`, `~`, `^`,
//! `x`/`*` wildcards, hyphen ranges, `,`/space AND, `||` OR).

use std::cmp::Ordering;

/// A parsed semantic version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
}

impl Version {
    /// Masterminds `NewVersion`: optional `v`, missing minor/patch default to 0, optional
    /// `-prerelease` and `+metadata`.
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.strip_prefix('v').unwrap_or(s);
        let (core, meta) = match s.split_once('+') {
            Some((c, m)) => (c, Some(m)),
            None => (s, None),
        };
        if let Some(m) = meta {
            if !valid_ident_list(m) {
                return None;
            }
        }
        let (nums, pre) = match core.split_once('-') {
            Some((n, p)) => (n, p),
            None => (core, ""),
        };
        if core.contains('-') && !valid_ident_list(pre) {
            return None;
        }
        let parts: Vec<&str> = nums.split('.').collect();
        if parts.is_empty() || parts.len() > 3 {
            return None;
        }
        let mut n = [0u64; 3];
        for (i, p) in parts.iter().enumerate() {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            n[i] = p.parse().ok()?;
        }
        Some(Version {
            major: n[0],
            minor: n[1],
            patch: n[2],
            pre: pre.to_string(),
        })
    }

    fn cmp_pre(a: &str, b: &str) -> Ordering {
        match (a.is_empty(), b.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Greater,
            (false, true) => return Ordering::Less,
            _ => {}
        }
        let (xa, xb): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
        for (x, y) in xa.iter().zip(xb.iter()) {
            let o = match (x.parse::<u64>(), y.parse::<u64>()) {
                (Ok(i), Ok(j)) => i.cmp(&j),
                (Ok(_), Err(_)) => Ordering::Less,
                (Err(_), Ok(_)) => Ordering::Greater,
                _ => x.cmp(y),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        xa.len().cmp(&xb.len())
    }

    fn compare(&self, o: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(o.major, o.minor, o.patch))
            .then_with(|| Version::cmp_pre(&self.pre, &o.pre))
    }
}

fn valid_ident_list(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    Tilde,
    Caret,
}

#[derive(Debug, Clone)]
struct Constraint {
    op: Op,
    con: Version,
    minor_dirty: bool,
    patch_dirty: bool,
    dirty: bool,
}

fn is_wild(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

fn parse_one(s: &str) -> Option<Constraint> {
    let ops = [
        (">=", Op::Ge),
        ("=>", Op::Ge),
        ("<=", Op::Le),
        ("=<", Op::Le),
        ("!=", Op::Ne),
        ("~>", Op::Tilde),
        (">", Op::Gt),
        ("<", Op::Lt),
        ("=", Op::Eq),
        ("~", Op::Tilde),
        ("^", Op::Caret),
    ];
    let mut op = Op::Eq;
    let mut rest = s;
    for (p, o) in ops {
        if let Some(r) = s.strip_prefix(p) {
            op = o;
            rest = r.trim_start();
            break;
        }
    }
    let rest = rest.strip_prefix('v').unwrap_or(rest);
    if rest.is_empty() || is_wild(rest) {
        return Some(Constraint {
            op: if op == Op::Eq { Op::Ge } else { op },
            con: Version::parse("0.0.0")?,
            minor_dirty: true,
            patch_dirty: true,
            dirty: true,
        });
    }
    let (core, tail) = match rest.find(['-', '+']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() > 3 {
        return None;
    }
    let minor_dirty = parts.len() < 2 || is_wild(parts[1]);
    let patch_dirty = minor_dirty || parts.len() < 3 || is_wild(parts[2]);
    let fixed: Vec<&str> = parts
        .iter()
        .map(|p| if is_wild(p) { "0" } else { p })
        .collect();
    let mut text = fixed.join(".");
    text.push_str(tail);
    let con = Version::parse(&text)?;
    Some(Constraint {
        op,
        con,
        minor_dirty,
        patch_dirty,
        dirty: minor_dirty || patch_dirty,
    })
}

impl Constraint {
    fn check(&self, v: &Version) -> bool {
        let c = &self.con;
        // Prereleases only match constraints that mention a prerelease.
        if !v.pre.is_empty() && c.pre.is_empty() {
            return false;
        }
        let cmp = v.compare(c);
        match self.op {
            Op::Eq => {
                if self.dirty {
                    self.tilde(v)
                } else {
                    cmp == Ordering::Equal
                }
            }
            Op::Ne => {
                if self.dirty {
                    !self.tilde(v)
                } else {
                    cmp != Ordering::Equal
                }
            }
            Op::Gt => {
                if !self.dirty {
                    return cmp == Ordering::Greater;
                }
                if v.major != c.major {
                    return v.major > c.major;
                }
                if self.minor_dirty {
                    return false;
                }
                v.minor > c.minor
            }
            Op::Lt => {
                if !self.dirty {
                    return cmp == Ordering::Less;
                }
                if v.major != c.major || self.minor_dirty {
                    return v.major < c.major;
                }
                v.minor < c.minor
            }
            Op::Ge => cmp != Ordering::Less,
            Op::Le => {
                if !self.dirty {
                    return cmp != Ordering::Greater;
                }
                if v.major != c.major || self.minor_dirty {
                    return v.major <= c.major;
                }
                v.minor <= c.minor
            }
            Op::Tilde => self.tilde(v),
            Op::Caret => {
                if cmp == Ordering::Less {
                    return false;
                }
                if c.major > 0 || self.minor_dirty {
                    return v.major == c.major;
                }
                if c.minor > 0 || self.patch_dirty {
                    return v.major == 0 && v.minor == c.minor;
                }
                v.major == 0 && v.minor == 0 && v.patch == c.patch
            }
        }
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        if v.major != c.major {
            return false;
        }
        v.minor == c.minor || self.minor_dirty
    }
}

/// Helm's `IsCompatibleRange(constraint, version)`: false when either fails to parse.
pub fn is_compatible_range(constraint: &str, version: &str) -> bool {
    let Some(v) = Version::parse(version) else {
        return false;
    };
    let Some(groups) = parse_constraints(constraint) else {
        return false;
    };
    groups.iter().any(|g| g.iter().all(|c| c.check(&v)))
}

fn parse_constraints(s: &str) -> Option<Vec<Vec<Constraint>>> {
    let mut out = Vec::new();
    for group in s.split("||") {
        let mut cs = Vec::new();
        let tokens: Vec<String> = tokenize(group.trim());
        let mut i = 0;
        while i < tokens.len() {
            // Hyphen range `A - B` means `>= A, <= B`.
            if i + 2 < tokens.len() && tokens[i + 1] == "-" {
                let mut lo = parse_one(&tokens[i])?;
                lo.op = Op::Ge;
                let mut hi = parse_one(&tokens[i + 2])?;
                hi.op = Op::Le;
                cs.push(lo);
                cs.push(hi);
                i += 3;
                continue;
            }
            cs.push(parse_one(&tokens[i])?);
            i += 1;
        }
        if cs.is_empty() {
            cs.push(parse_one("")?);
        }
        out.push(cs);
    }
    Some(out)
}

/// Splits on commas and spaces, gluing an operator to the version that follows it.
fn tokenize(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut pending_op = String::new();
    for raw in s.split([',', ' ']).filter(|t| !t.is_empty()) {
        if raw.chars().all(|c| "<>=!~^".contains(c)) {
            pending_op.push_str(raw);
            continue;
        }
        out.push(format!("{pending_op}{raw}"));
        pending_op.clear();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masterminds_ranges() {
        assert!(is_compatible_range("22.x.x", "22.0.7"));
        assert!(!is_compatible_range("8.x.x", "22.0.7"));
        assert!(is_compatible_range("~1.2.3", "1.2.9"));
        assert!(!is_compatible_range("~1.2.3", "1.3.0"));
        assert!(is_compatible_range("^1.2", "1.9.0"));
        assert!(!is_compatible_range("^0.2.3", "0.3.0"));
        assert!(is_compatible_range(">= 1.0, < 2.0", "1.5.0"));
        assert!(is_compatible_range("1.0 - 2.0", "2.0.0"));
        assert!(is_compatible_range("<1.0 || >=3", "3.1.0"));
        assert!(is_compatible_range("", "1.0.0"));
        assert!(is_compatible_range("*", "1.0.0"));
        assert!(!is_compatible_range("1.x", "1.0.0-rc1"));
        assert!(is_compatible_range("2.0.1", "v2.0.1"));
        assert!(!is_compatible_range("2.0.1", "junk"));
    }
}
