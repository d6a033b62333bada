//! The chart-source error type: one variant per step that can fail, each naming the chart, URL
//! or archive entry involved. URLs in messages never carry credentials.

use std::path::PathBuf;

/// Why a chart could not be fetched, verified, extracted or completed with its dependencies.
#[derive(Debug, thiserror::Error)]
pub enum ChartSourceError {
    /// The reference itself is malformed (bad URL, bad digest, unsupported scheme).
    #[error("invalid chart reference {reference}: {reason}")]
    InvalidRef {
        /// The reference as given (credentials stripped).
        reference: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `index.yaml` could not be downloaded.
    #[error("cannot fetch chart repository index {url}: {reason}")]
    IndexFetch {
        /// The index URL.
        url: String,
        /// Transport error or HTTP status.
        reason: String,
    },
    /// `index.yaml` is not a valid Helm repository index.
    #[error("cannot parse chart repository index {url}: {reason}")]
    IndexParse {
        /// The index URL.
        url: String,
        /// The parser's message.
        reason: String,
    },
    /// No published version satisfies the constraint.
    #[error("no version of chart {chart} in {source_url} matches {constraint:?}{available}")]
    NoMatchingVersion {
        /// The chart name.
        chart: String,
        /// Repository or registry URL.
        source_url: String,
        /// The constraint as given (empty: latest stable).
        constraint: String,
        /// `" (available: …)"`, or empty when there were none.
        available: String,
    },
    /// The chart archive could not be downloaded.
    #[error("cannot download chart {chart} {version} from {url}: {reason}")]
    Download {
        /// The chart name.
        chart: String,
        /// The chart version.
        version: String,
        /// The archive URL.
        url: String,
        /// Transport error or HTTP status.
        reason: String,
    },
    /// The archive's sha256 is not the one the index or manifest promised.
    #[error(
        "chart {chart} {version} from {url}: digest mismatch, expected {expected}, got {actual}"
    )]
    DigestMismatch {
        /// The chart name.
        chart: String,
        /// The chart version (or tag/digest).
        version: String,
        /// Where the bytes came from.
        url: String,
        /// The digest that was promised.
        expected: String,
        /// The digest of what arrived.
        actual: String,
    },
    /// The server refused the credentials (or wanted some and none were given).
    #[error("authentication to {url} failed: {reason}")]
    Auth {
        /// The URL that answered 401/403 (or the token realm).
        url: String,
        /// Status and what was tried (never the secret).
        reason: String,
    },
    /// An OCI manifest could not be fetched or parsed.
    #[error("cannot fetch OCI manifest {url}: {reason}")]
    ManifestFetch {
        /// The manifest URL.
        url: String,
        /// Transport error, status or parse error.
        reason: String,
    },
    /// The OCI tag list could not be fetched.
    #[error("cannot list tags {url}: {reason}")]
    TagList {
        /// The tag list URL.
        url: String,
        /// Transport error, status or parse error.
        reason: String,
    },
    /// The OCI manifest has no Helm chart layer.
    #[error("OCI manifest {url} has no Helm chart layer (media types: {media_types})")]
    NoChartLayer {
        /// The manifest URL.
        url: String,
        /// The layer media types that were present.
        media_types: String,
    },
    /// The archive contains something that must not be extracted.
    #[error("refusing to extract {archive}: entry {entry:?}: {reason}")]
    UnsafeArchive {
        /// The archive (cache path or URL).
        archive: String,
        /// The offending entry's path inside the archive.
        entry: String,
        /// Why it was refused.
        reason: String,
    },
    /// The archive is not a readable gzip'd tar, or has no chart in it.
    #[error("invalid chart archive {archive}: {reason}")]
    BadArchive {
        /// The archive.
        archive: String,
        /// What is wrong.
        reason: String,
    },
    /// A dependency cannot be resolved (named repository, missing `file://` chart, …).
    #[error("chart {chart}: dependency {dependency}: {reason}")]
    Dependency {
        /// The parent chart directory.
        chart: PathBuf,
        /// The dependency name.
        dependency: String,
        /// Why.
        reason: String,
    },
    /// Reading or writing the cache failed.
    #[error("chart cache {path}: {source}")]
    Cache {
        /// The cache path involved.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
}

impl ChartSourceError {
    pub(crate) fn cache(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| ChartSourceError::Cache { path, source }
    }
}
