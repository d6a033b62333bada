//! Sprig's `semver` and `semverCompare` with Masterminds/semver v3 semantics: coercing version
//! parsing (`v1.2`, `01.2.3`), and constraints with `=`/`!=`/`>`/`<`/`>=`/`<=`/`~`/`^`, `x`
//! wildcards, hyphen ranges, `,`/space conjunctions, `||`, and prereleases matched only by
//! constraints that carry a prerelease themselves.

use std::cmp::Ordering;
use std::rc::Rc;
use std::sync::OnceLock;

use regex::Regex;

use super::args::{arity, string};
use super::{FuncError, FuncMap};
use crate::value::{Object, Value};

/// Registers `semver` and `semverCompare`.
pub(super) fn register(fm: &mut FuncMap) {
    fm.insert("semver", |a| {
        arity("semver", a, 1)?;
        let v = Version::parse(string(a, 0)?).map_err(FuncError::new)?;
        Ok(Value::Object(Rc::new(v)))
    });
    fm.insert("semverCompare", |a| {
        arity("semverCompare", a, 2)?;
        let c = cached_constraints(string(a, 0)?).map_err(FuncError::new)?;
        let v = Version::parse(string(a, 1)?).map_err(FuncError::new)?;
        Ok(Value::Bool(c.check(&v)))
    });
}

thread_local! {
    static CONSTRAINTS: std::cell::RefCell<std::collections::HashMap<String, Rc<Constraints>>> =
        Default::default();
}

/// Charts test the same few constraints against the cluster version in many templates, so
/// parsed constraints are kept per thread.
fn cached_constraints(c: &str) -> Result<Rc<Constraints>, String> {
    if let Some(hit) = CONSTRAINTS.with(|m| m.borrow().get(c).cloned()) {
        return Ok(hit);
    }
    let parsed = Rc::new(Constraints::parse(c)?);
    CONSTRAINTS.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() > 256 {
            m.clear();
        }
        m.insert(c.to_string(), parsed.clone());
    });
    Ok(parsed)
}

/// A parsed semantic version (`*semver.Version`).
#[derive(Debug, Clone)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    metadata: String,
    original: String,
}

const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";

struct Patterns {
    loose: Regex,
    constraint: Regex,
    range: Regex,
    find: Regex,
    valid: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: String| Regex::new(&s).expect("static semver pattern");
        Patterns {
            loose: re(r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$".into()),
            constraint: re(format!(r"^[ \t\n\f\r]*({OPS})[ \t\n\f\r]*({CV})[ \t\n\f\r]*$")),
            range: re(format!(r"[ \t\n\f\r]*({CV})[ \t\n\f\r]+-[ \t\n\f\r]+({CV})[ \t\n\f\r]*")),
            find: re(format!(r"({OPS})[ \t\n\f\r]*({CV})")),
            valid: re(format!(
                r"^([ \t\n\f\r]*({OPS})[ \t\n\f\r]*({CV})[ \t\n\f\r]*)((?:[ \t\n\f\r]+|,[ \t\n\f\r]*)({OPS})[ \t\n\f\r]*({CV})[ \t\n\f\r]*)*$"
            )),
        }
    })
}

fn valid_ident_chars(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl Version {
    /// Masterminds' `NewVersion` with `CoerceNewVersion` (its default).
    pub fn parse(v: &str) -> Result<Version, String> {
        let m = patterns()
            .loose
            .captures(v)
            .ok_or("invalid semantic version")?;
        let num = |i: usize| -> Result<u64, String> {
            match m.get(i) {
                None => Ok(0),
                Some(x) => x.as_str().trim_start_matches('.').parse::<u64>().map_err(|_| {
                    format!(
                        "error parsing version segment: strconv.ParseUint: parsing {:?}: value out of range",
                        x.as_str().trim_start_matches('.')
                    )
                }),
            }
        };
        let pre = m.get(5).map_or("", |x| x.as_str()).to_string();
        let metadata = m.get(8).map_or("", |x| x.as_str()).to_string();
        for part in pre.split('.').filter(|_| !pre.is_empty()) {
            if part.is_empty() {
                return Err("invalid prerelease string".into());
            }
            if part.bytes().all(|b| b.is_ascii_digit()) {
                if part.len() > 1 && part.starts_with('0') {
                    return Err("version segment starts with 0".into());
                }
            } else if !valid_ident_chars(part) {
                return Err("invalid prerelease string".into());
            }
        }
        if !metadata.is_empty()
            && metadata
                .split('.')
                .any(|p| p.is_empty() || !valid_ident_chars(p))
        {
            return Err("invalid metadata string".into());
        }
        Ok(Version {
            major: num(1)?,
            minor: num(2)?,
            patch: num(3)?,
            pre,
            metadata,
            original: v.to_string(),
        })
    }

    /// Precedence as Masterminds compares it (metadata ignored).
    pub fn compare(&self, o: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(o.major, o.minor, o.patch))
            .then_with(|| match (self.pre.is_empty(), o.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &o.pre),
            })
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.metadata.is_empty() {
            write!(f, "+{}", self.metadata)?;
        }
        Ok(())
    }
}

fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let (pa, pb): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    for i in 0..pa.len().max(pb.len()) {
        let d = compare_pre_part(
            pa.get(i).copied().unwrap_or(""),
            pb.get(i).copied().unwrap_or(""),
        );
        if d != Ordering::Equal {
            return d;
        }
    }
    Ordering::Equal
}

fn compare_pre_part(s: &str, o: &str) -> Ordering {
    if s == o {
        return Ordering::Equal;
    }
    if s.is_empty() {
        return Ordering::Less;
    }
    if o.is_empty() {
        return Ordering::Greater;
    }
    match (s.parse::<u64>(), o.parse::<u64>()) {
        (Err(_), Err(_)) => s.cmp(o),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Ok(x), Ok(y)) => {
            if x > y {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
}

impl Object for Version {
    fn type_name(&self) -> &str {
        "*semver.Version"
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "Major" => Value::Int64(self.major as i64),
            "Minor" => Value::Int64(self.minor as i64),
            "Patch" => Value::Int64(self.patch as i64),
            "Prerelease" => Value::str(&self.pre),
            "Metadata" => Value::str(&self.metadata),
            "Original" => Value::str(&self.original),
            "String" => Value::from(self.to_string()),
            _ => return None,
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let other = || -> Result<&Version, String> {
            match args {
                [Value::Object(o)] => o
                    .as_any()
                    .downcast_ref::<Version>()
                    .ok_or_else(|| "wrong type for value; expected *semver.Version".into()),
                _ => Err(format!(
                    "wrong number of args for {name}: want 1 got {}",
                    args.len()
                )),
            }
        };
        let cmp = |f: fn(Ordering) -> bool| other().map(|o| Value::Bool(f(self.compare(o))));
        Some(match name {
            "Compare" => other().map(|o| Value::Int(self.compare(o) as i64)),
            "LessThan" => cmp(|o| o == Ordering::Less),
            "GreaterThan" => cmp(|o| o == Ordering::Greater),
            "Equal" => cmp(|o| o == Ordering::Equal),
            "LessThanEqual" => cmp(|o| o != Ordering::Greater),
            "GreaterThanEqual" => cmp(|o| o != Ordering::Less),
            _ => return self.field(name).map(Ok),
        })
    }

    fn display(&self) -> String {
        self.to_string()
    }

    fn to_data(&self) -> Value {
        Value::from(self.to_string())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[derive(Debug)]
struct Constraint {
    op: String,
    con: Version,
    dirty: bool,
    minor_dirty: bool,
    patch_dirty: bool,
}

/// A parsed constraint set: OR of AND groups.
#[derive(Debug)]
pub struct Constraints {
    groups: Vec<(Vec<Constraint>, bool)>,
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

/// Helm's `IsCompatibleRange(constraint, version)` (dependency binding): false when either
/// fails to parse.
pub fn is_compatible_range(constraint: &str, version: &str) -> bool {
    match (Constraints::parse(constraint), Version::parse(version)) {
        (Ok(c), Ok(v)) => c.check(&v),
        _ => false,
    }
}

impl Constraints {
    /// Masterminds' `NewConstraint`.
    pub fn parse(c: &str) -> Result<Constraints, String> {
        let p = patterns();
        let mut rewritten = c.to_string();
        for m in p.range.captures_iter(c) {
            let t = format!(">= {}, <= {} ", &m[1], &m[11]);
            rewritten = rewritten.replacen(&m[0], &t, 1);
        }
        let mut groups = Vec::new();
        for part in rewritten.split("||") {
            if !p.valid.is_match(part) {
                return Err(format!("improper constraint: {part:?}"));
            }
            let mut found: Vec<&str> = p.find.find_iter(part).map(|m| m.as_str()).collect();
            if found.is_empty() {
                found.push(part);
            }
            let mut cs = Vec::new();
            let mut has_pre = false;
            for s in found {
                let c = parse_one(s)?;
                has_pre |= !c.con.pre.is_empty();
                cs.push(c);
            }
            groups.push((cs, has_pre));
        }
        Ok(Constraints { groups })
    }

    /// Whether any OR group accepts the version.
    pub fn check(&self, v: &Version) -> bool {
        self.groups
            .iter()
            .any(|(cs, pre)| cs.iter().all(|c| c.check(v, *pre)))
    }
}

fn parse_one(s: &str) -> Result<Constraint, String> {
    if s.is_empty() {
        return Ok(Constraint {
            op: String::new(),
            con: Version::parse("0.0.0")?,
            dirty: true,
            minor_dirty: false,
            patch_dirty: false,
        });
    }
    let m = patterns()
        .constraint
        .captures(s)
        .ok_or_else(|| format!("improper constraint: {s:?}"))?;
    let g = |i: usize| m.get(i).map_or("", |x| x.as_str());
    let (mut dirty, mut minor_dirty, mut patch_dirty) = (false, false, false);
    let ver = if is_x(g(3)) || g(3).is_empty() {
        dirty = true;
        format!("0.0.0{}", g(6))
    } else if is_x(g(4).trim_start_matches('.')) || g(4).is_empty() {
        dirty = true;
        minor_dirty = true;
        format!("{}.0.0{}", g(3), g(6))
    } else if is_x(g(5).trim_start_matches('.')) || g(5).is_empty() {
        dirty = true;
        patch_dirty = true;
        format!("{}{}.0{}", g(3), g(4), g(6))
    } else {
        g(2).to_string()
    };
    let con = Version::parse(&ver).map_err(|_| "constraint parser error".to_string())?;
    Ok(Constraint {
        op: g(1).to_string(),
        con,
        dirty,
        minor_dirty,
        patch_dirty,
    })
}

impl Constraint {
    fn check(&self, v: &Version, include_pre: bool) -> bool {
        if !v.pre.is_empty() && !include_pre {
            return false;
        }
        let c = &self.con;
        match self.op.as_str() {
            "" | "=" => {
                if self.dirty {
                    self.tilde(v)
                } else {
                    v.compare(c) == Ordering::Equal
                }
            }
            "!=" => self.not_equal(v),
            ">" => {
                if !self.dirty {
                    return v.compare(c) == Ordering::Greater;
                }
                if v.major != c.major {
                    return v.major > c.major;
                }
                if self.minor_dirty {
                    return false;
                }
                if self.patch_dirty {
                    return v.minor > c.minor;
                }
                v.compare(c) == Ordering::Greater
            }
            "<" => v.compare(c) == Ordering::Less,
            ">=" | "=>" => v.compare(c) != Ordering::Less,
            "<=" | "=<" => {
                if !self.dirty {
                    return v.compare(c) != Ordering::Greater;
                }
                !(v.major > c.major
                    || (v.major == c.major && v.minor > c.minor && !self.minor_dirty))
            }
            "~" | "~>" => self.tilde(v),
            "^" => self.caret(v),
            _ => false,
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

    fn caret(&self, v: &Version) -> bool {
        let c = &self.con;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        // Masterminds returns here either way: `^1.2` never admits 2.x.
        if c.major > 0 || self.minor_dirty {
            return v.major == c.major;
        }
        if c.major == 0 && v.major > 0 {
            return false;
        }
        if c.minor > 0 || self.patch_dirty {
            return v.minor == c.minor;
        }
        if c.minor == 0 && v.minor > 0 {
            return false;
        }
        c.patch == v.patch
    }

    fn not_equal(&self, v: &Version) -> bool {
        let c = &self.con;
        if self.dirty {
            if c.major != v.major {
                return true;
            }
            if c.minor != v.minor && !self.minor_dirty {
                return true;
            } else if self.minor_dirty {
                return false;
            } else if c.patch != v.patch && !self.patch_dirty {
                return true;
            } else if self.patch_dirty {
                if !v.pre.is_empty() || !c.pre.is_empty() {
                    return compare_prerelease(&v.pre, &c.pre) != Ordering::Equal;
                }
                return false;
            }
        }
        v.compare(c) != Ordering::Equal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sc(c: &str, v: &str) -> bool {
        Constraints::parse(c)
            .unwrap()
            .check(&Version::parse(v).unwrap())
    }

    #[test]
    fn constraints_follow_masterminds() {
        let cases = [
            (">=1.19-0", "v1.33.0", true),
            (">=1.19-0", "1.19.0-rc.1", true),
            (">=1.19", "1.20.0-rc.1", false),
            (">=1.19.0-0", "1.18.9", false),
            ("<1.21-0", "1.20.5-gke.100", true),
            ("^1.2.3", "1.9.0", true),
            ("^1.2.3", "2.0.0", false),
            ("^1.2", "2.0.0", false),
            ("^0.2", "0.3.0", false),
            ("^0.2.3", "0.2.9", true),
            ("^0.2.3", "0.3.0", false),
            ("~1.2.3", "1.2.9", true),
            ("~1.2.3", "1.3.0", false),
            ("~1", "1.9.0", true),
            ("1.2.x", "1.2.7", true),
            ("1.2.x", "1.3.0", false),
            ("*", "5.0.0", true),
            (">= 1.2, < 3.0.0", "2.9.9", true),
            (">= 1.2 < 3.0.0", "3.0.0", false),
            ("1.2 - 1.4.5", "1.4.5", true),
            ("1.2 - 1.4.5", "1.4.6", false),
            ("<1.0.0 || >=2.0.0", "2.1.0", true),
            ("<1.0.0 || >=2.0.0", "1.5.0", false),
            ("!=1.2.3", "1.2.4", true),
            (">1.2", "1.2.9", false),
            (">1.2", "1.3.0", true),
            ("<=1.2", "1.2.9", true),
            ("=1.2.3", "v1.2.3+build", true),
            // Checked against Helm 4.2.3.
            (">1.2.3-alpha", "1.2.3-beta", true),
            ("~1.2.3-0", "1.2.5-rc", true),
            ("^1.x", "1.5.0-alpha", false),
            ("!=1.2.x", "1.2.7", false),
            (">= 1.21.0-0", "v1.21.0-eks-1234", true),
            ("1.2.3 - 2.3.4", "2.3.5", false),
        ];
        for (c, v, want) in cases {
            assert_eq!(sc(c, v), want, "{c} {v}");
        }
    }

    #[test]
    fn semver_compare_function_reuses_parsed_constraints() {
        let f = super::super::library().get("semverCompare").unwrap();
        for (v, want) in [("v1.33.0", true), ("1.18.0", false), ("1.19.0-rc.1", true)] {
            let got = f(&[Value::str(">=1.19-0"), Value::str(v)]).unwrap();
            assert_eq!(got.to_string(), want.to_string(), "{v}");
        }
        let e = f(&[Value::str(">1"), Value::str("x1")]).unwrap_err();
        assert_eq!(e.message(), "invalid semantic version");
    }

    #[test]
    fn versions_parse_and_fail() {
        let v = Version::parse("v1.2.3-beta.1+meta").unwrap();
        assert_eq!(v.to_string(), "1.2.3-beta.1+meta");
        assert_eq!(
            v.field("Original").unwrap().to_string(),
            "v1.2.3-beta.1+meta"
        );
        assert_eq!(Version::parse("1.2").unwrap().to_string(), "1.2.0");
        assert_eq!(
            Version::parse("abc").unwrap_err(),
            "invalid semantic version"
        );
        assert_eq!(
            Version::parse("1.2.3-01").unwrap_err(),
            "version segment starts with 0"
        );
        assert_eq!(
            Constraints::parse("abc").unwrap_err(),
            "improper constraint: \"abc\""
        );
        let a = Version::parse("1.0.0-alpha").unwrap();
        let b = Version::parse("1.0.0-alpha.1").unwrap();
        let c = Version::parse("1.0.0-beta").unwrap();
        assert_eq!(a.compare(&b), Ordering::Less);
        assert_eq!(b.compare(&c), Ordering::Less);
    }

    #[test]
    fn compatible_range_as_helm_binds_dependencies() {
        assert!(is_compatible_range("22.x.x", "22.0.7"));
        assert!(!is_compatible_range("8.x.x", "22.0.7"));
        assert!(is_compatible_range("~1.2.3", "1.2.9"));
        assert!(!is_compatible_range("~1.2.3", "1.3.0"));
        assert!(is_compatible_range("^1.2", "1.9.0"));
        assert!(!is_compatible_range("^0.2.3", "0.3.0"));
        assert!(is_compatible_range(">= 1.0, < 2.0", "1.5.0"));
        assert!(is_compatible_range("1.0 - 2.0", "2.0.0"));
        assert!(is_compatible_range("<1.0 || >=3", "3.1.0"));
        // Masterminds rejects an empty constraint ("improper constraint"), so Helm binds nothing.
        assert!(!is_compatible_range("", "1.0.0"));
        assert!(is_compatible_range("*", "1.0.0"));
        assert!(!is_compatible_range("1.x", "1.0.0-rc1"));
        assert!(is_compatible_range("2.0.1", "v2.0.1"));
        assert!(!is_compatible_range("2.0.1", "junk"));
    }
}
