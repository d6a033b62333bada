//! Helm repository `index.yaml`: parsing, Helm's version ordering, and picking the version a
//! semver constraint selects the way `helm pull --version` does (Masterminds/semver v3 rules via
//! the renderer's own implementation, so `semverCompare` and chart pulls agree).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::Deserialize;
use syncd_helm::funcs::semver::{Constraints, Version};

/// A parsed repository index (only the fields a pull needs).
#[derive(Debug, Clone, Deserialize)]
pub struct IndexFile {
    /// `apiVersion` (Helm refuses an index without one).
    #[serde(rename = "apiVersion", default)]
    pub api_version: String,
    /// Chart name → published versions, newest first after [`IndexFile::parse`].
    #[serde(default, deserialize_with = "null_as_empty")]
    pub entries: BTreeMap<String, Vec<IndexEntry>>,
}

/// One published chart version.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct IndexEntry {
    /// Chart name.
    #[serde(default)]
    pub name: String,
    /// Chart version as published (may carry a `v` prefix).
    #[serde(default)]
    pub version: String,
    /// Download URLs, absolute or relative to the repository URL; Helm uses the first.
    #[serde(default)]
    pub urls: Vec<String>,
    /// `sha256` hex of the archive, when the index publishes one.
    #[serde(default)]
    pub digest: String,
}

fn null_as_empty<'de, D>(d: D) -> Result<BTreeMap<String, Vec<IndexEntry>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let m: Option<BTreeMap<String, Option<Vec<IndexEntry>>>> = Option::deserialize(d)?;
    Ok(m.unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or_default()))
        .collect())
}

impl IndexFile {
    /// Parses `index.yaml` and sorts every chart's versions newest first (Helm's `SortEntries`).
    pub fn parse(text: &str) -> Result<IndexFile, String> {
        let mut index: IndexFile = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
        if index.api_version.is_empty() {
            return Err("no API version".into());
        }
        for versions in index.entries.values_mut() {
            versions.sort_by(|a, b| newest_first(&a.version, &b.version));
        }
        Ok(index)
    }

    /// The entry a constraint selects: an exact string match first, then the newest version the
    /// constraint accepts. An empty constraint means `*` (latest stable).
    pub fn select(&self, name: &str, constraint: &str) -> Result<&IndexEntry, SelectError> {
        let versions = self
            .entries
            .get(name)
            .filter(|v| !v.is_empty())
            .ok_or(SelectError::NoChart)?;
        let tags: Vec<&str> = versions.iter().map(|v| v.version.as_str()).collect();
        let picked = select_version(&tags, constraint)?;
        versions
            .iter()
            .find(|v| v.version == picked)
            .ok_or(SelectError::NoMatch)
    }
}

/// Why no version was selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectError {
    /// The repository has no chart of that name.
    NoChart,
    /// The constraint does not parse.
    BadConstraint(String),
    /// No version satisfies it.
    NoMatch,
}

/// Orders two version strings newest first: valid semver by precedence, unparseable ones last.
pub fn newest_first(a: &str, b: &str) -> Ordering {
    match (Version::parse(a), Version::parse(b)) {
        (Ok(x), Ok(y)) => y.compare(&x),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

/// Picks from `versions` (newest first) the one `constraint` selects, Helm's way: an exact
/// string match wins, otherwise the first (newest) version the constraint accepts; versions
/// that are not semver are skipped. Prereleases only match constraints that name one.
pub fn select_version<'a>(versions: &[&'a str], constraint: &str) -> Result<&'a str, SelectError> {
    let constraint = constraint.trim();
    if !constraint.is_empty() {
        if let Some(exact) = versions.iter().find(|v| **v == constraint) {
            return Ok(exact);
        }
    }
    let c = Constraints::parse(if constraint.is_empty() {
        "*"
    } else {
        constraint
    })
    .map_err(SelectError::BadConstraint)?;
    versions
        .iter()
        .find(|v| Version::parse(v).is_ok_and(|v| c.check(&v)))
        .copied()
        .ok_or(SelectError::NoMatch)
}

/// Whether a version string names exactly one version (`1.2.3`, `v1.2.3-rc.1+build`), so a cached
/// result can be reused without asking the server.
pub fn is_exact_version(v: &str) -> bool {
    let core = v.strip_prefix('v').unwrap_or(v);
    let core = core.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && Version::parse(v).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = r#"
apiVersion: v1
entries:
  deltallm:
    - name: deltallm
      version: 0.1.0
      urls: [deltallm-0.1.0.tgz]
      digest: aa
    - name: deltallm
      version: 0.3.0-rc.1
      urls: [deltallm-0.3.0-rc.1.tgz]
    - name: deltallm
      version: v0.2.5
      urls: [https://cdn.example/deltallm-0.2.5.tgz]
    - name: deltallm
      version: 0.2.0
      urls: [deltallm-0.2.0.tgz]
    - name: deltallm
      version: 1.0.0
      urls: [deltallm-1.0.0.tgz]
  empty: ~
generated: "2024-01-01T00:00:00Z"
"#;

    fn pick(c: &str) -> Result<String, SelectError> {
        let idx = IndexFile::parse(INDEX).unwrap();
        idx.select("deltallm", c).map(|e| e.version.clone())
    }

    #[test]
    fn index_is_sorted_newest_first() {
        let idx = IndexFile::parse(INDEX).unwrap();
        let order: Vec<&str> = idx.entries["deltallm"]
            .iter()
            .map(|e| e.version.as_str())
            .collect();
        assert_eq!(order, ["1.0.0", "0.3.0-rc.1", "v0.2.5", "0.2.0", "0.1.0"]);
        assert!(idx.entries["empty"].is_empty());
        assert_eq!(idx.entries["deltallm"][4].digest, "aa");
    }

    #[test]
    fn constraints_select_like_helm() {
        assert_eq!(pick("").unwrap(), "1.0.0");
        assert_eq!(pick(">=0.1 <1").unwrap(), "v0.2.5");
        assert_eq!(pick("^0.2").unwrap(), "v0.2.5");
        assert_eq!(pick("~0.2.0").unwrap(), "v0.2.5");
        assert_eq!(pick("0.1.x").unwrap(), "0.1.0");
        assert_eq!(pick("0.1.0").unwrap(), "0.1.0");
        assert_eq!(pick("<0.2 || >=1").unwrap(), "1.0.0");
        assert_eq!(pick("0.2.5").unwrap(), "v0.2.5");
        assert_eq!(pick("v0.2.5").unwrap(), "v0.2.5");
        assert_eq!(pick(">=2"), Err(SelectError::NoMatch));
        assert!(matches!(pick(">>1"), Err(SelectError::BadConstraint(_))));
        let idx = IndexFile::parse(INDEX).unwrap();
        assert_eq!(idx.select("nope", ""), Err(SelectError::NoChart));
        assert_eq!(idx.select("empty", ""), Err(SelectError::NoChart));
    }

    #[test]
    fn prereleases_only_for_constraints_that_name_one() {
        assert_eq!(pick(">=0.2.6 <1").unwrap_err(), SelectError::NoMatch);
        assert_eq!(pick(">=0.3.0-0 <1").unwrap(), "0.3.0-rc.1");
        assert_eq!(pick("0.3.0-rc.1").unwrap(), "0.3.0-rc.1");
    }

    #[test]
    fn index_without_api_version_is_refused() {
        assert!(IndexFile::parse("entries: {}\n")
            .unwrap_err()
            .contains("API version"));
        assert!(IndexFile::parse("apiVersion: [").is_err());
    }

    #[test]
    fn exact_versions() {
        for v in ["1.2.3", "v1.2.3", "1.2.3-rc.1", "1.2.3+build.5"] {
            assert!(is_exact_version(v), "{v}");
        }
        for v in [
            "1.2",
            "1.x",
            ">=1.2.3",
            "^1.2.3",
            "",
            "1.2.3 || 1.2.4",
            "01.2.3a",
        ] {
            assert!(!is_exact_version(v), "{v}");
        }
    }
}
