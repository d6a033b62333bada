//! Published charts: Helm HTTP repositories ([`repo`]) and OCI registries ([`oci`]), resolved to
//! a verified archive in a digest-addressed cache ([`cache`]) and extracted to a chart directory
//! whose remote dependencies are filled in ([`deps`]). Everything a render sees is keyed by the
//! sha256 of what was downloaded.
//!
//! Freshness: a reference pinned to one artifact (an exact version already in the cached index
//! with a digest, or an OCI `sha256:` digest already fetched) is served from the cache without
//! network. Anything else asks the server every call: the index with a conditional GET
//! (`If-None-Match` on the cached ETag), an OCI tag's manifest always; archives are downloaded
//! only when their digest is not cached yet.

mod auth;
pub mod cache;
mod deps;
mod error;
mod http;
pub mod index;
mod oci;
mod repo;

use std::path::{Path, PathBuf};

pub use auth::{parse_challenge, Challenge};
pub use error::ChartSourceError;

use crate::source::credentials::Credentials;

/// Where a chart is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChartRef {
    /// A Helm HTTP repository (`index.yaml` at `url`).
    Repo {
        /// Repository URL, e.g. `https://deltawi.github.io/deltallm`.
        url: String,
        /// Chart name in the index.
        name: String,
        /// Semver constraint or exact version; empty = latest stable.
        version: String,
    },
    /// An OCI registry.
    Oci {
        /// `oci://host[:port]/path/name`.
        url: String,
        /// A tag, a semver constraint over the tags, or a `sha256:` manifest digest; empty =
        /// latest stable tag.
        version: String,
    },
}

/// A chart in the cache, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedChart {
    /// The chart directory (with remote dependencies present under `charts/`).
    pub dir: PathBuf,
    /// Chart name.
    pub name: String,
    /// The version (index entry version or OCI tag; the tag as `+` form).
    pub version: String,
    /// `sha256:<hex>` of the chart archive.
    pub digest: String,
    /// Where it came from, without credentials (archive URL or `oci://…@sha256:…`).
    pub source_url: String,
}

/// What one source resolved to before dependencies: the extracted archive.
pub(crate) struct Resolved {
    name: String,
    version: String,
    hex: String,
    source_url: String,
    dir: PathBuf,
}

/// The chart cache and the HTTP client that fills it.
#[derive(Debug, Clone)]
pub struct ChartCache {
    store: cache::Store,
    client: reqwest::Client,
    insecure_http: bool,
    extra_roots: Vec<reqwest::Certificate>,
}

/// Cap on an index, manifest or archive download.
const DOWNLOAD_LIMIT: u64 = 100 * 1024 * 1024;

impl ChartCache {
    /// Opens (creating if needed) the cache below `<dir>/charts`.
    pub fn open(dir: &Path) -> Result<Self, ChartSourceError> {
        let store = cache::Store::open(dir.join("charts"))?;
        let client = build_client(&[]).map_err(|reason| ChartSourceError::Cache {
            path: dir.to_path_buf(),
            source: std::io::Error::other(reason),
        })?;
        Ok(ChartCache {
            store,
            client,
            insecure_http: false,
            extra_roots: Vec::new(),
        })
    }

    /// Also trusts the CA certificates in `pem` (a private repository's or registry's CA), on
    /// top of the bundled webpki roots.
    pub fn with_root_certificates_pem(mut self, pem: &[u8]) -> Result<Self, ChartSourceError> {
        let invalid = |reason: String| ChartSourceError::InvalidRef {
            reference: "root certificates".into(),
            reason,
        };
        let certs =
            reqwest::Certificate::from_pem_bundle(pem).map_err(|e| invalid(http::describe(e)))?;
        if certs.is_empty() {
            return Err(invalid("no PEM certificate found".into()));
        }
        self.extra_roots.extend(certs);
        self.client = build_client(&self.extra_roots).map_err(invalid)?;
        Ok(self)
    }

    /// Talk plain http to every OCI registry (localhost and 127.0.0.1 always use http).
    pub fn with_insecure_http(mut self, yes: bool) -> Self {
        self.insecure_http = yes;
        self
    }

    /// Resolves, downloads (unless cached), verifies and extracts a chart, then fills in its
    /// remote dependencies. `creds` are sent only to the chart's own host; dependencies on
    /// other hosts are fetched anonymously (use [`ChartCache::ensure_dependencies`] to give
    /// them credentials).
    pub async fn fetch(
        &self,
        chart: &ChartRef,
        creds: &Credentials,
    ) -> Result<FetchedChart, ChartSourceError> {
        let resolved = self.fetch_archive(chart, creds).await?;
        let origin = match chart {
            ChartRef::Repo { url, .. } | ChartRef::Oci { url, .. } => host_of(url),
        };
        let creds_for = |url: &str| {
            if origin.is_some() && host_of(url) == origin {
                creds.clone()
            } else {
                Credentials::None
            }
        };
        let dir = self.ensure_dependencies(&resolved.dir, &creds_for).await?;
        Ok(FetchedChart {
            dir,
            name: resolved.name,
            version: resolved.version,
            digest: format!("sha256:{}", resolved.hex),
            source_url: resolved.source_url,
        })
    }

    /// The archive step of [`ChartCache::fetch`], without dependencies.
    async fn fetch_archive(
        &self,
        chart: &ChartRef,
        creds: &Credentials,
    ) -> Result<Resolved, ChartSourceError> {
        match chart {
            ChartRef::Repo { url, name, version } => {
                repo::fetch(self, url, name, version, creds).await
            }
            ChartRef::Oci { url, version } => oci::fetch(self, url, version, creds).await,
        }
    }

    /// Makes sure every dependency of the chart at `chart_dir` with a remote repository
    /// (`https://`, `oci://`) or a `file://` path is present under `charts/`. Returns
    /// `chart_dir` itself when nothing is missing; otherwise a derived copy in the cache,
    /// `derived/<key>/<name>/`, where the key hashes the chart's content and the digests of
    /// the dependencies added — the original (possibly an immutable cache entry) is never
    /// modified. A `Chart.lock` (`requirements.lock`) entry for the same name and repository
    /// that still satisfies the constraint pins the version, as `helm dependency build` does.
    /// Dependencies' own dependencies are not resolved (published archives carry theirs).
    /// `creds_for` maps a repository URL to the credentials to use for it.
    pub async fn ensure_dependencies(
        &self,
        chart_dir: &Path,
        creds_for: &(dyn Fn(&str) -> Credentials + Sync),
    ) -> Result<PathBuf, ChartSourceError> {
        deps::ensure(self, chart_dir, creds_for).await
    }
}

/// The HTTP client: rustls with the ring provider (the one kube already links) and webpki
/// roots, plus any extra CAs. Redirects are followed; reqwest drops `Authorization` when a
/// redirect leaves the host, so registry blob redirects to storage get no credentials.
fn build_client(extra_roots: &[reqwest::Certificate]) -> Result<reqwest::Client, String> {
    let mut b = reqwest::Client::builder()
        .user_agent(concat!("syncd/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(std::time::Duration::from_secs(30))
        .timeout(std::time::Duration::from_secs(300));
    for c in extra_roots {
        b = b.add_root_certificate(c.clone());
    }
    b.build().map_err(http::describe)
}

/// `scheme://host:port` of a URL (oci:// counts as its own scheme), for credential scoping.
fn host_of(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    Some(format!(
        "{}://{}:{}",
        u.scheme(),
        u.host_str()?,
        u.port_or_known_default().unwrap_or(0)
    ))
}
