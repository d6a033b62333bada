//! OCI registries, the way Helm pulls from them: resolve a tag (exact, or a semver constraint
//! over `/v2/<name>/tags/list` with `_` read back as `+`) or take a `sha256:` digest, GET the
//! image manifest, find the Helm chart layer, GET that blob and check it against the layer
//! digest (and the manifest against a pinned digest). Auth: anonymous, basic, or the bearer
//! token flow answering a `WWW-Authenticate` challenge.

use reqwest::{StatusCode, Url};
use serde::Deserialize;

use super::auth::{authorization, parse_challenge, redact, Challenge};
use super::cache::{digest_hex, sha256_digest};
use super::http::{describe, read_limited, status_text};
use super::index::{is_exact_version, newest_first, select_version, SelectError};
use super::repo::auth_failed;
use super::{ChartCache, ChartSourceError, Resolved, DOWNLOAD_LIMIT};
use crate::source::credentials::Credentials;

const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const CHART_LAYER: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
const LEGACY_CHART_LAYER: &str = "application/tar+gzip";

/// A parsed `oci://host[:port]/path/name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciRef {
    /// `http` or `https`.
    pub scheme: &'static str,
    /// `host[:port]`.
    pub host: String,
    /// Repository name (`path/name`).
    pub repository: String,
    /// The chart name (last path segment).
    pub chart: String,
}

impl OciRef {
    /// Parses an `oci://` reference; plain http for loopback hosts or when `insecure_http`.
    pub fn parse(url: &str, insecure_http: bool) -> Result<OciRef, ChartSourceError> {
        let invalid = |reason: &str| ChartSourceError::InvalidRef {
            reference: redact(url),
            reason: reason.to_string(),
        };
        let rest = url
            .trim()
            .strip_prefix("oci://")
            .ok_or_else(|| invalid("an OCI chart reference starts with oci://"))?;
        let (host, repository) = rest
            .split_once('/')
            .ok_or_else(|| invalid("expected oci://host/path/chart"))?;
        if host.contains('@') {
            return Err(invalid(
                "credentials in the URL are not accepted; give them as credentials",
            ));
        }
        let repository = repository.trim_end_matches('/');
        if host.is_empty()
            || repository.is_empty()
            || repository.contains(['@', ':', '?', '#'])
            || repository
                .split('/')
                .any(|s| s.is_empty() || s == "." || s == "..")
        {
            return Err(invalid("expected oci://host/path/chart (no tag or digest in the URL; give it as the version)"));
        }
        let bare = host.rsplit_once(':').map_or(host, |(h, _)| h);
        let loopback = matches!(bare, "localhost" | "127.0.0.1" | "[::1]");
        Ok(OciRef {
            scheme: if loopback || insecure_http {
                "http"
            } else {
                "https"
            },
            host: host.to_string(),
            repository: repository.to_string(),
            chart: repository
                .rsplit('/')
                .next()
                .unwrap_or(repository)
                .to_string(),
        })
    }

    fn url(&self, tail: &str) -> Result<Url, ChartSourceError> {
        let s = format!(
            "{}://{}/v2/{}/{tail}",
            self.scheme, self.host, self.repository
        );
        Url::parse(&s).map_err(|e| ChartSourceError::InvalidRef {
            reference: self.display(),
            reason: e.to_string(),
        })
    }

    fn display(&self) -> String {
        format!("oci://{}/{}", self.host, self.repository)
    }
}

#[derive(Debug, Deserialize)]
struct Manifest {
    #[serde(default)]
    layers: Vec<Descriptor>,
}

#[derive(Debug, Deserialize)]
struct Descriptor {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    #[serde(default)]
    digest: String,
}

/// The chart layer of a manifest: the Helm media type, else the pre-3.8 one.
fn chart_layer(m: &Manifest) -> Option<&Descriptor> {
    m.layers
        .iter()
        .find(|l| l.media_type == CHART_LAYER)
        .or_else(|| m.layers.iter().find(|l| l.media_type == LEGACY_CHART_LAYER))
}

/// How requests are authorised, upgraded as the registry challenges.
enum Mode {
    /// No header (or the configured bearer token).
    Initial,
    /// Basic credentials, after a `Basic` challenge.
    Basic,
    /// A token from the registry's token service.
    Bearer(String),
}

/// One pull's conversation with a registry: remembers how it authorised so each request after
/// the first goes straight through.
struct Session<'a> {
    cache: &'a ChartCache,
    creds: &'a Credentials,
    reference: &'a OciRef,
    mode: Mode,
}

impl Session<'_> {
    async fn get(&mut self, url: &Url, accept: Option<&str>) -> Result<reqwest::Response, String> {
        let mut challenged = false;
        loop {
            let mut req = self.cache.client.get(url.clone());
            if let Some(a) = accept {
                req = req.header(reqwest::header::ACCEPT, a);
            }
            let header = match &self.mode {
                Mode::Initial => match self.creds {
                    Credentials::Token(_) => authorization(self.creds),
                    _ => None,
                },
                Mode::Basic => authorization(self.creds),
                Mode::Bearer(t) => Some(format!("Bearer {t}")),
            };
            if let Some(h) = header {
                req = req.header(reqwest::header::AUTHORIZATION, h);
            }
            let resp = req.send().await.map_err(describe)?;
            if resp.status() != StatusCode::UNAUTHORIZED || challenged {
                return Ok(resp);
            }
            challenged = true;
            let challenge = resp
                .headers()
                .get(reqwest::header::WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_challenge);
            match challenge {
                Some(Challenge::Basic) if matches!(self.creds, Credentials::Basic { .. }) => {
                    self.mode = Mode::Basic;
                }
                Some(Challenge::Bearer {
                    realm,
                    service,
                    scope,
                }) => {
                    let token = self.token(&realm, service, scope).await?;
                    self.mode = Mode::Bearer(token);
                }
                _ => return Ok(resp),
            }
        }
    }

    /// The token flow: GET the realm (with basic credentials when there are some) and take
    /// `token` or `access_token` from the JSON answer.
    async fn token(
        &self,
        realm: &str,
        service: Option<String>,
        scope: Option<String>,
    ) -> Result<String, String> {
        let mut url = Url::parse(realm).map_err(|e| format!("bad token realm {realm:?}: {e}"))?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(s) = &service {
                q.append_pair("service", s);
            }
            let scope =
                scope.unwrap_or_else(|| format!("repository:{}:pull", self.reference.repository));
            q.append_pair("scope", &scope);
        }
        let mut req = self.cache.client.get(url.clone());
        if let Credentials::Basic { .. } = self.creds {
            if let Some(h) = authorization(self.creds) {
                req = req.header(reqwest::header::AUTHORIZATION, h);
            }
        }
        let resp = req.send().await.map_err(describe)?;
        if !resp.status().is_success() {
            return Err(format!(
                "token service {} answered {}",
                redact(url.as_str()).split('?').next().unwrap_or(""),
                status_text(resp.status())
            ));
        }
        #[derive(Deserialize)]
        struct TokenResponse {
            #[serde(default)]
            token: String,
            #[serde(default)]
            access_token: String,
        }
        let body = read_limited(resp, 1024 * 1024).await?;
        let t: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| format!("token service answer is not JSON: {e}"))?;
        let token = if t.token.is_empty() {
            t.access_token
        } else {
            t.token
        };
        if token.is_empty() {
            return Err("token service answer has neither token nor access_token".into());
        }
        Ok(token)
    }

    fn check_auth(&self, url: &Url, status: StatusCode) -> Result<(), ChartSourceError> {
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(auth_failed(url, status, self.creds));
        }
        Ok(())
    }
}

fn auth_error(url: &Url, reason: String) -> ChartSourceError {
    ChartSourceError::Auth {
        url: url.to_string(),
        reason,
    }
}

/// Pulls a chart from a registry (see the module docs).
pub(super) async fn fetch(
    cache: &ChartCache,
    url: &str,
    version: &str,
    creds: &Credentials,
) -> Result<Resolved, ChartSourceError> {
    let r = OciRef::parse(url, cache.insecure_http)?;
    if let Credentials::SshKey { .. } = creds {
        return Err(ChartSourceError::Auth {
            url: r.display(),
            reason: "ssh keys cannot authenticate to an OCI registry".into(),
        });
    }
    let version = version.trim();
    let pinned = if version.starts_with("sha256:") {
        Some(
            digest_hex(version).ok_or_else(|| ChartSourceError::InvalidRef {
                reference: format!("{}@{version}", r.display()),
                reason: "a digest is sha256: followed by 64 hex digits".into(),
            })?,
        )
    } else {
        None
    };
    if let Some(hex) = &pinned {
        if let Some(hit) = pinned_from_cache(cache, &r, hex) {
            return Ok(hit);
        }
    }
    let mut session = Session {
        cache,
        creds,
        reference: &r,
        mode: Mode::Initial,
    };
    let (reference, tag) = match &pinned {
        Some(hex) => (format!("sha256:{hex}"), None),
        None if is_exact_version(version) => (version.replace('+', "_"), Some(version.to_string())),
        None => {
            let tags = list_tags(&mut session, &r).await?;
            let mut refs: Vec<&str> = tags.iter().map(String::as_str).collect();
            refs.sort_by(|a, b| newest_first(a, b));
            let picked = select_version(&refs, version).map_err(|e| match e {
                SelectError::BadConstraint(reason) => ChartSourceError::InvalidRef {
                    reference: format!("{} {version:?}", r.display()),
                    reason,
                },
                SelectError::NoChart | SelectError::NoMatch => {
                    ChartSourceError::NoMatchingVersion {
                        chart: r.chart.clone(),
                        source_url: r.display(),
                        constraint: version.to_string(),
                        available: if refs.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " (available: {})",
                                refs.iter().take(10).copied().collect::<Vec<_>>().join(", ")
                            )
                        },
                    }
                }
            })?;
            (picked.replace('+', "_"), Some(picked.to_string()))
        }
    };

    let manifest_url = r.url(&format!("manifests/{reference}"))?;
    let mfail = |reason: String| ChartSourceError::ManifestFetch {
        url: manifest_url.to_string(),
        reason,
    };
    let resp = session
        .get(&manifest_url, Some(MANIFEST_TYPE))
        .await
        .map_err(|e| auth_error(&manifest_url, e))?;
    session.check_auth(&manifest_url, resp.status())?;
    if !resp.status().is_success() {
        return Err(mfail(status_text(resp.status())));
    }
    let body = read_limited(resp, 4 * 1024 * 1024).await.map_err(mfail)?;
    let manifest_digest = sha256_digest(&body);
    let manifest_hex = manifest_digest.trim_start_matches("sha256:").to_string();
    if let Some(want) = &pinned {
        if *want != manifest_hex {
            return Err(ChartSourceError::DigestMismatch {
                chart: r.chart.clone(),
                version: format!("sha256:{want}"),
                url: manifest_url.to_string(),
                expected: format!("sha256:{want}"),
                actual: manifest_digest,
            });
        }
    }
    let manifest: Manifest =
        serde_json::from_slice(&body).map_err(|e| mfail(format!("not an OCI manifest: {e}")))?;
    let layer = chart_layer(&manifest).ok_or_else(|| ChartSourceError::NoChartLayer {
        url: manifest_url.to_string(),
        media_types: manifest
            .layers
            .iter()
            .map(|l| l.media_type.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    let layer_hex = digest_hex(&layer.digest).ok_or_else(|| {
        mfail(format!(
            "chart layer digest {:?} is not a sha256 digest",
            layer.digest
        ))
    })?;
    let label = tag
        .clone()
        .unwrap_or_else(|| format!("sha256:{manifest_hex}"));
    if !cache.store.blob_path(&layer_hex).is_file() {
        let blob_url = r.url(&format!("blobs/sha256:{layer_hex}"))?;
        let fail = |reason: String| ChartSourceError::Download {
            chart: r.chart.clone(),
            version: label.clone(),
            url: blob_url.to_string(),
            reason,
        };
        let resp = session
            .get(&blob_url, None)
            .await
            .map_err(|e| auth_error(&blob_url, e))?;
        session.check_auth(&blob_url, resp.status())?;
        if !resp.status().is_success() {
            return Err(fail(status_text(resp.status())));
        }
        let bytes = read_limited(resp, DOWNLOAD_LIMIT).await.map_err(fail)?;
        let actual = sha256_digest(&bytes);
        if actual != format!("sha256:{layer_hex}") {
            return Err(ChartSourceError::DigestMismatch {
                chart: r.chart.clone(),
                version: label.clone(),
                url: blob_url.to_string(),
                expected: format!("sha256:{layer_hex}"),
                actual,
            });
        }
        cache.store.put_blob(&layer_hex, &bytes)?;
    }
    let dir = cache.store.extract(&layer_hex)?;
    // Remember manifest → layer so a digest pin is served offline next time.
    let record = cache.store.path("oci").join(format!("{manifest_hex}.json"));
    if !record.is_file() {
        cache.store.write_atomic(&record, &body)?;
    }
    let version = match tag {
        Some(t) => t,
        None => chart_version(&dir).unwrap_or_default(),
    };
    Ok(Resolved {
        name: r.chart.clone(),
        version,
        hex: layer_hex,
        source_url: format!("{}@sha256:{manifest_hex}", r.display()),
        dir,
    })
}

fn pinned_from_cache(cache: &ChartCache, r: &OciRef, manifest_hex: &str) -> Option<Resolved> {
    let body = std::fs::read(cache.store.path("oci").join(format!("{manifest_hex}.json"))).ok()?;
    // The record is named by its own digest; a damaged one is ignored and refetched.
    if sha256_digest(&body) != format!("sha256:{manifest_hex}") {
        return None;
    }
    let manifest: Manifest = serde_json::from_slice(&body).ok()?;
    let hex = digest_hex(&chart_layer(&manifest)?.digest)?;
    let dir = cache.store.extracted(&hex)?;
    tracing::debug!(chart = %r.chart, digest = %manifest_hex, "OCI chart served from cache");
    Some(Resolved {
        name: r.chart.clone(),
        version: chart_version(&dir).unwrap_or_default(),
        hex,
        source_url: format!("{}@sha256:{manifest_hex}", r.display()),
        dir,
    })
}

fn chart_version(dir: &std::path::Path) -> Option<String> {
    #[derive(Deserialize)]
    struct Meta {
        #[serde(default)]
        version: String,
    }
    let text = std::fs::read_to_string(dir.join("Chart.yaml")).ok()?;
    serde_yaml::from_str::<Meta>(&text).ok().map(|m| m.version)
}

/// All tags (following `Link: <…>; rel="next"` pages), with `_` mapped back to `+` because OCI
/// tags cannot carry `+` and Helm pushes build metadata with `_`.
async fn list_tags(session: &mut Session<'_>, r: &OciRef) -> Result<Vec<String>, ChartSourceError> {
    let mut url = r.url("tags/list")?;
    let mut tags = Vec::new();
    for _ in 0..100 {
        let fail = |reason: String| ChartSourceError::TagList {
            url: url.to_string(),
            reason,
        };
        let resp = session
            .get(&url, None)
            .await
            .map_err(|e| auth_error(&url, e))?;
        session.check_auth(&url, resp.status())?;
        if !resp.status().is_success() {
            return Err(fail(status_text(resp.status())));
        }
        let next = resp
            .headers()
            .get(reqwest::header::LINK)
            .and_then(|v| v.to_str().ok())
            .and_then(next_link);
        #[derive(Deserialize)]
        struct TagList {
            #[serde(default)]
            tags: Option<Vec<String>>,
        }
        let body = read_limited(resp, 16 * 1024 * 1024).await.map_err(fail)?;
        let list: TagList = serde_json::from_slice(&body).map_err(|e| fail(e.to_string()))?;
        tags.extend(
            list.tags
                .unwrap_or_default()
                .into_iter()
                .map(|t| t.replace('_', "+")),
        );
        match next {
            Some(n) => url = url.join(&n).map_err(|e| fail(e.to_string()))?,
            None => return Ok(tags),
        }
    }
    Ok(tags)
}

/// The target of a `rel="next"` link.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params.contains("rel=\"next\"").then(|| {
            target
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        let r = OciRef::parse("oci://registry-1.docker.io/bitnamicharts/deepspeed", false).unwrap();
        assert_eq!(r.scheme, "https");
        assert_eq!(r.host, "registry-1.docker.io");
        assert_eq!(r.repository, "bitnamicharts/deepspeed");
        assert_eq!(r.chart, "deepspeed");
        assert_eq!(
            r.url("manifests/2.3.4").unwrap().as_str(),
            "https://registry-1.docker.io/v2/bitnamicharts/deepspeed/manifests/2.3.4"
        );
        let local = OciRef::parse("oci://127.0.0.1:5000/charts/demo/", false).unwrap();
        assert_eq!((local.scheme, local.chart.as_str()), ("http", "demo"));
        assert_eq!(
            OciRef::parse("oci://localhost/x", false).unwrap().scheme,
            "http"
        );
        assert_eq!(
            OciRef::parse("oci://reg.lan/x", true).unwrap().scheme,
            "http"
        );
        for bad in [
            "https://x/y",
            "oci://x",
            "oci://x/y:1.0",
            "oci://x/../y",
            "oci://u:p@x/y",
        ] {
            let err = OciRef::parse(bad, false).unwrap_err().to_string();
            assert!(!err.contains("u:p"), "{err}");
        }
    }

    #[test]
    fn chart_layer_prefers_the_helm_media_type() {
        let m: Manifest = serde_json::from_str(
            r#"{"layers":[{"mediaType":"application/tar+gzip","digest":"sha256:old"},
                {"mediaType":"application/vnd.cncf.helm.chart.content.v1.tar+gzip","digest":"sha256:new"}]}"#,
        )
        .unwrap();
        assert_eq!(chart_layer(&m).unwrap().digest, "sha256:new");
        let legacy: Manifest = serde_json::from_str(
            r#"{"layers":[{"mediaType":"application/tar+gzip","digest":"sha256:old"}]}"#,
        )
        .unwrap();
        assert_eq!(chart_layer(&legacy).unwrap().digest, "sha256:old");
        let none: Manifest =
            serde_json::from_str(r#"{"layers":[{"mediaType":"x","digest":"y"}]}"#).unwrap();
        assert!(chart_layer(&none).is_none());
    }

    #[test]
    fn pagination_links() {
        assert_eq!(
            next_link(r#"</v2/x/tags/list?n=2&last=b>; rel="next""#).as_deref(),
            Some("/v2/x/tags/list?n=2&last=b")
        );
        assert_eq!(next_link(r#"</a>; rel="prev""#), None);
    }
}
