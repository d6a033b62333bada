//! Pure checks for Kubernetes names: DNS-1123 labels and subdomains, label keys and values.
//!
//! Each returns `Err(reason)` for the caller to place at a file and line.

/// A DNS-1123 label: 1-63 chars of lowercase alphanumerics and `-`, alphanumeric at both ends.
pub(crate) fn dns_label(s: &str) -> Result<(), String> {
    dns_label_max(s, 63)
}

/// A DNS-1123 label no longer than `max` (Helm release names allow 53).
pub(crate) fn dns_label_max(s: &str, max: usize) -> Result<(), String> {
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if s.len() > max {
        return Err(format!("must be at most {max} characters (is {})", s.len()));
    }
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    if !s.chars().all(ok_char) {
        return Err("must consist of lowercase letters, digits and '-'".into());
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Err("must start and end with a letter or digit".into());
    }
    Ok(())
}

/// A DNS-1123 subdomain: dot-separated labels, at most 253 chars.
fn dns_subdomain(s: &str) -> Result<(), String> {
    if s.len() > 253 {
        return Err(format!("must be at most 253 characters (is {})", s.len()));
    }
    s.split('.').try_for_each(dns_label)
}

/// The name part of a qualified name (and a non-empty label value): 1-63 chars of
/// alphanumerics, `-`, `_`, `.`, alphanumeric at both ends.
fn qualified_part(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if s.len() > 63 {
        return Err(format!("must be at most 63 characters (is {})", s.len()));
    }
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if !s.chars().all(ok_char) {
        return Err("must consist of letters, digits, '-', '_' and '.'".into());
    }
    let alnum_ends = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !alnum_ends(s.chars().next()) || !alnum_ends(s.chars().last()) {
        return Err("must start and end with a letter or digit".into());
    }
    Ok(())
}

/// A label or annotation key: `[prefix/]name`, prefix a DNS subdomain, name a qualified part.
pub(crate) fn qualified_name(key: &str) -> Result<(), String> {
    match key.split_once('/') {
        None => qualified_part(key),
        Some((prefix, name)) => {
            if prefix.is_empty() {
                return Err("prefix before '/' must not be empty".into());
            }
            dns_subdomain(prefix).map_err(|e| format!("prefix {prefix:?} {e}"))?;
            qualified_part(name).map_err(|e| format!("name {name:?} {e}"))
        }
    }
}

/// A label value: empty, or a qualified part (at most 63 chars).
pub(crate) fn label_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    qualified_part(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        assert!(dns_label("llm-gateway").is_ok());
        assert!(dns_label("a").is_ok());
        assert!(dns_label(&"a".repeat(63)).is_ok());
        assert!(dns_label(&"a".repeat(64)).is_err());
        for bad in ["", "Web", "web_1", "-web", "web-", "web.app"] {
            assert!(dns_label(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn label_keys() {
        for good in [
            "app",
            "platform.example.com/env",
            "app.kubernetes.io/name",
            "A_b.c-1",
        ] {
            assert!(qualified_name(good).is_ok(), "{good:?}");
        }
        for bad in [
            "",
            "/env",
            "Example.com/env",
            "a/b/c",
            "env-",
            &"k".repeat(64),
        ] {
            assert!(qualified_name(bad).is_err(), "{bad:?}");
        }
        assert!(qualified_name(&format!("{}/x", "a".repeat(64))).is_err());
    }

    #[test]
    fn label_values() {
        for good in ["", "dev", "v1.2_3", &"v".repeat(63)] {
            assert!(label_value(good).is_ok(), "{good:?}");
        }
        for bad in ["has space", "-dev", &"v".repeat(64), "a/b"] {
            assert!(label_value(bad).is_err(), "{bad:?}");
        }
    }
}
