//! Helm HTTP repositories: fetch `index.yaml` (conditional GET against the cached copy), pick
//! the version, download `urls[0]` (relative to the repository), check the index's sha256, and
//! hand the archive to the cache. An entry without a digest is accepted and recorded under the
//! digest computed here (Helm accepts such entries too); a pinned version of such an entry is
//! re-downloaded each time because nothing says the cached bytes are still the published ones.

use reqwest::{StatusCode, Url};
use sha2::{Digest, Sha256};

use super::auth::{authorization, redact, same_origin};
use super::cache::{digest_hex, sha256_digest};
use super::http::{describe, read_limited, status_text};
use super::index::{is_exact_version, IndexEntry, IndexFile, SelectError};
use super::{ChartCache, ChartSourceError, Resolved, DOWNLOAD_LIMIT};
use crate::source::credentials::Credentials;

/// The repository URL as a base for joins: credentials stripped, one trailing slash.
pub fn base_url(repo: &str) -> Result<Url, ChartSourceError> {
    let invalid = |reason: String| ChartSourceError::InvalidRef {
        reference: redact(repo),
        reason,
    };
    let mut u = Url::parse(repo.trim()).map_err(|e| invalid(e.to_string()))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(invalid(
            "a chart repository URL must be http:// or https://".into(),
        ));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(invalid(
            "credentials in the URL are not accepted; give them as credentials".into(),
        ));
    }
    if !u.path().ends_with('/') {
        let p = format!("{}/", u.path());
        u.set_path(&p);
    }
    Ok(u)
}

/// Resolves an index entry's URL (absolute, or relative to the repository) the way Helm's
/// `ResolveReferenceURL` does.
pub fn resolve_chart_url(base: &Url, entry_url: &str) -> Result<Url, String> {
    base.join(entry_url).map_err(|e| e.to_string())
}

fn index_key(base: &Url) -> String {
    hex::encode(Sha256::digest(base.as_str().as_bytes()))
}

fn auth_header(creds: &Credentials, url: &Url) -> Result<Option<String>, ChartSourceError> {
    if let Credentials::SshKey { .. } = creds {
        return Err(ChartSourceError::Auth {
            url: url.to_string(),
            reason: "ssh keys cannot authenticate to an HTTP chart repository".into(),
        });
    }
    Ok(authorization(creds))
}

/// Fetches a chart from a repository (see the module docs for what is cached).
pub(super) async fn fetch(
    cache: &ChartCache,
    repo: &str,
    name: &str,
    version: &str,
    creds: &Credentials,
) -> Result<Resolved, ChartSourceError> {
    let base = base_url(repo)?;
    let key = index_key(&base);
    let index_path = cache.store.path("index").join(format!("{key}.yaml"));
    let etag_path = cache.store.path("index").join(format!("{key}.etag"));

    if is_exact_version(version) {
        if let Some(hit) = pinned_from_cache(cache, &base, &index_path, name, version) {
            return Ok(hit);
        }
    }

    let index_url = base
        .join("index.yaml")
        .map_err(|e| ChartSourceError::IndexFetch {
            url: base.to_string(),
            reason: e.to_string(),
        })?;
    let index = fetch_index(cache, &index_url, &index_path, &etag_path, creds).await?;
    let entry = index.select(name, version).map_err(|e| match e {
        SelectError::NoChart => ChartSourceError::NoMatchingVersion {
            chart: name.to_string(),
            source_url: base.to_string(),
            constraint: version.to_string(),
            available: String::new(),
        },
        SelectError::BadConstraint(reason) => ChartSourceError::InvalidRef {
            reference: format!("{base} {name} {version:?}"),
            reason,
        },
        SelectError::NoMatch => ChartSourceError::NoMatchingVersion {
            chart: name.to_string(),
            source_url: base.to_string(),
            constraint: version.to_string(),
            available: available(&index.entries[name]),
        },
    })?;
    download(cache, &base, name, entry, creds).await
}

fn available(entries: &[IndexEntry]) -> String {
    let shown: Vec<&str> = entries
        .iter()
        .take(10)
        .map(|e| e.version.as_str())
        .collect();
    let more = if entries.len() > 10 { ", …" } else { "" };
    format!(" (available: {}{more})", shown.join(", "))
}

/// An exact version whose cached index entry has a digest that is already extracted.
fn pinned_from_cache(
    cache: &ChartCache,
    base: &Url,
    index_path: &std::path::Path,
    name: &str,
    version: &str,
) -> Option<Resolved> {
    let text = std::fs::read_to_string(index_path).ok()?;
    let index = IndexFile::parse(&text).ok()?;
    let entry = index.select(name, version).ok()?;
    let hex = digest_hex(&entry.digest)?;
    let dir = cache.store.extracted(&hex)?;
    let url = resolve_chart_url(base, entry.urls.first()?).ok()?;
    tracing::debug!(chart = name, version, digest = %hex, "chart served from cache");
    Some(Resolved {
        name: name.to_string(),
        version: entry.version.clone(),
        hex,
        source_url: url.to_string(),
        dir,
    })
}

async fn fetch_index(
    cache: &ChartCache,
    url: &Url,
    index_path: &std::path::Path,
    etag_path: &std::path::Path,
    creds: &Credentials,
) -> Result<IndexFile, ChartSourceError> {
    let fail = |reason: String| ChartSourceError::IndexFetch {
        url: url.to_string(),
        reason,
    };
    let cached = std::fs::read_to_string(index_path).ok();
    let mut req = cache.client.get(url.clone());
    if let Some(h) = auth_header(creds, url)? {
        req = req.header(reqwest::header::AUTHORIZATION, h);
    }
    if cached.is_some() {
        if let Ok(etag) = std::fs::read_to_string(etag_path) {
            req = req.header(reqwest::header::IF_NONE_MATCH, etag.trim());
        }
    }
    let resp = req.send().await.map_err(|e| fail(describe(e)))?;
    let status = resp.status();
    let parse = |text: &str| {
        IndexFile::parse(text).map_err(|reason| ChartSourceError::IndexParse {
            url: url.to_string(),
            reason,
        })
    };
    if status == StatusCode::NOT_MODIFIED {
        return parse(
            &cached.ok_or_else(|| fail("304 Not Modified without a cached index".into()))?,
        );
    }
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return Err(auth_failed(url, status, creds));
    }
    if !status.is_success() {
        return Err(fail(status_text(status)));
    }
    let etag = resp
        .headers()
        .get(reqwest::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = read_limited(resp, DOWNLOAD_LIMIT).await.map_err(fail)?;
    let text = String::from_utf8(body).map_err(|_| ChartSourceError::IndexParse {
        url: url.to_string(),
        reason: "not UTF-8".into(),
    })?;
    // Only a parseable index replaces the cached one.
    let index = parse(&text)?;
    cache.store.write_atomic(index_path, text.as_bytes())?;
    match etag {
        Some(e) => cache.store.write_atomic(etag_path, e.as_bytes())?,
        None => {
            let _ = std::fs::remove_file(etag_path);
        }
    }
    Ok(index)
}

pub(super) fn auth_failed(url: &Url, status: StatusCode, creds: &Credentials) -> ChartSourceError {
    let tried = match creds {
        Credentials::None => "no credentials were given",
        Credentials::Basic { .. } => "basic credentials were refused",
        Credentials::Token(_) => "the bearer token was refused",
        Credentials::SshKey { .. } => "ssh keys do not apply",
    };
    ChartSourceError::Auth {
        url: url.to_string(),
        reason: format!("{}; {tried}", status_text(status)),
    }
}

async fn download(
    cache: &ChartCache,
    base: &Url,
    name: &str,
    entry: &IndexEntry,
    creds: &Credentials,
) -> Result<Resolved, ChartSourceError> {
    let first = entry
        .urls
        .first()
        .ok_or_else(|| ChartSourceError::Download {
            chart: name.to_string(),
            version: entry.version.clone(),
            url: base.to_string(),
            reason: "the index entry has no urls".into(),
        })?;
    let url = resolve_chart_url(base, first).map_err(|reason| ChartSourceError::Download {
        chart: name.to_string(),
        version: entry.version.clone(),
        url: redact(first),
        reason,
    })?;
    let fail = |reason: String| ChartSourceError::Download {
        chart: name.to_string(),
        version: entry.version.clone(),
        url: redact(url.as_str()),
        reason,
    };
    let expected = if entry.digest.is_empty() {
        None
    } else {
        Some(
            digest_hex(&entry.digest).ok_or_else(|| ChartSourceError::DigestMismatch {
                chart: name.to_string(),
                version: entry.version.clone(),
                url: redact(url.as_str()),
                expected: entry.digest.clone(),
                actual: "(not downloaded: the index digest is not a sha256)".into(),
            })?,
        )
    };
    let resolved = |hex: String, dir| Resolved {
        name: name.to_string(),
        version: entry.version.clone(),
        hex,
        source_url: redact(url.as_str()),
        dir,
    };
    if let Some(hex) = &expected {
        if cache.store.blob_path(hex).is_file() {
            let dir = cache.store.extract(hex)?;
            return Ok(resolved(hex.clone(), dir));
        }
    }
    let mut req = cache.client.get(url.clone());
    // Helm sends repository credentials only to the repository's own host unless told
    // otherwise (`--pass-credentials`); a CDN URL in the index gets none.
    if same_origin(base, &url) {
        if let Some(h) = auth_header(creds, &url)? {
            req = req.header(reqwest::header::AUTHORIZATION, h);
        }
    }
    let resp = req.send().await.map_err(|e| fail(describe(e)))?;
    let status = resp.status();
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return Err(auth_failed(&url, status, creds));
    }
    if !status.is_success() {
        return Err(fail(status_text(status)));
    }
    let bytes = read_limited(resp, DOWNLOAD_LIMIT).await.map_err(fail)?;
    let actual = sha256_digest(&bytes);
    let hex = actual.trim_start_matches("sha256:").to_string();
    match &expected {
        Some(want) if *want != hex => {
            return Err(ChartSourceError::DigestMismatch {
                chart: name.to_string(),
                version: entry.version.clone(),
                url: redact(url.as_str()),
                expected: format!("sha256:{want}"),
                actual,
            })
        }
        Some(_) => {}
        None => tracing::warn!(
            chart = name,
            version = %entry.version,
            digest = %actual,
            "index entry has no digest; accepting the archive under its computed digest"
        ),
    }
    cache.store.put_blob(&hex, &bytes)?;
    let dir = cache.store.extract(&hex)?;
    Ok(resolved(hex, dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_urls_resolve_against_the_repository() {
        let base = base_url("https://deltawi.github.io/deltallm").unwrap();
        assert_eq!(base.as_str(), "https://deltawi.github.io/deltallm/");
        let r = |u: &str| resolve_chart_url(&base, u).unwrap().to_string();
        assert_eq!(
            r("deltallm-0.1.0.tgz"),
            "https://deltawi.github.io/deltallm/deltallm-0.1.0.tgz"
        );
        assert_eq!(
            r("charts/x-1.tgz"),
            "https://deltawi.github.io/deltallm/charts/x-1.tgz"
        );
        assert_eq!(r("/x-1.tgz"), "https://deltawi.github.io/x-1.tgz");
        assert_eq!(
            r("https://cdn.example/x-1.tgz"),
            "https://cdn.example/x-1.tgz"
        );
        let slash = base_url("http://127.0.0.1:8080/a/b/").unwrap();
        assert_eq!(
            resolve_chart_url(&slash, "c.tgz").unwrap().as_str(),
            "http://127.0.0.1:8080/a/b/c.tgz"
        );
    }

    #[test]
    fn repository_urls_are_checked() {
        assert!(base_url("oci://x/y").is_err());
        let err = base_url("https://u:hunter2@x.io/").unwrap_err().to_string();
        assert!(!err.contains("hunter2"), "{err}");
        assert!(base_url("not a url").is_err());
    }
}
