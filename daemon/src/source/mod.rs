//! Sources: where the files syncd renders come from — the GitOps repo itself (a local directory
//! or a cached git checkout), charts in git, Helm repositories and OCI registries, and extra
//! git sources such as training code. Every source resolves to something immutable (a commit or
//! a digest) before it is rendered.

pub mod chart;
pub mod credentials;
pub mod fetch;
pub mod git;
mod local;

pub use local::{open_local, SourceError, SourceTree};

use std::path::PathBuf;

use syncd_config::{ChartSource, ResolvedApp, SourceSpec};

/// Where one app's remote inputs resolved to: what render reads, and what history records.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppSources {
    /// The chart directory to render: the local chart, or the fetched one in the cache.
    pub chart_dir: Option<PathBuf>,
    /// Where a remote chart came from, pinned.
    pub chart: Option<Pinned>,
    /// The app's extra git sources, each pinned to a commit, in name order.
    pub extra: Vec<PinnedExtra>,
}

/// A remote chart resolved to something immutable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pinned {
    /// The URL (never with credentials).
    pub url: String,
    /// The chart version, or the git ref asked for.
    pub version: String,
    /// `sha256:<hex>` of the chart archive, or the git commit.
    pub digest: String,
}

/// An extra git source resolved to a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinnedExtra {
    /// The source's name in the app.
    pub name: String,
    /// The URL (never with credentials).
    pub url: String,
    /// The exact commit.
    pub commit: String,
    /// Values path receiving the commit.
    pub inject_revision: Option<String>,
    /// Values path receiving the URL.
    pub inject_repository: Option<String>,
    /// Set when the fetch failed and the last good commit was used: why.
    pub stale: Option<String>,
}

impl AppSources {
    /// An app with nothing remote: the local chart (if any) as it is.
    pub fn local(app: &ResolvedApp) -> AppSources {
        let chart_dir = match &app.source {
            SourceSpec::Helm {
                chart: ChartSource::Local(dir),
                ..
            } => Some(dir.clone()),
            _ => None,
        };
        AppSources {
            chart_dir,
            ..AppSources::default()
        }
    }

    /// What history records: the chart (as `chart`) and every extra source, pinned.
    pub fn records(&self) -> Vec<crate::history::SourceRecord> {
        let chart = self.chart.iter().map(|c| crate::history::SourceRecord {
            name: "chart".into(),
            url: c.url.clone(),
            pinned: c.digest.clone(),
        });
        let extra = self.extra.iter().map(|e| crate::history::SourceRecord {
            name: e.name.clone(),
            url: e.url.clone(),
            pinned: e.commit.clone(),
        });
        chart.chain(extra).collect()
    }

    /// `--set-string` assignments that put each extra source's commit (and URL) at the values
    /// paths the app names. They are applied after every other value, so a chart always clones
    /// the pinned commit, never a moving branch.
    pub fn injected_values(&self) -> Vec<String> {
        let mut out = Vec::new();
        for src in &self.extra {
            if let Some(path) = &src.inject_revision {
                out.push(format!("{path}={}", escape_set_value(&src.commit)));
            }
            if let Some(path) = &src.inject_repository {
                out.push(format!("{path}={}", escape_set_value(&src.url)));
            }
        }
        out
    }
}

/// Helm's `--set` syntax splits on commas; a backslash keeps one literal.
fn escape_set_value(v: &str) -> String {
    v.replace('\\', "\\\\").replace(',', "\\,")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injection_pins_commit_and_url_after_everything_else() {
        let sources = AppSources {
            extra: vec![PinnedExtra {
                name: "code".into(),
                url: "https://git.example.com/ml/train,v2.git".into(),
                commit: "0123456789abcdef0123456789abcdef01234567".into(),
                inject_revision: Some("source.git.revision".into()),
                inject_repository: Some("source.git.repository".into()),
                stale: None,
            }],
            ..AppSources::default()
        };
        let set = sources.injected_values();
        assert_eq!(
            set,
            [
                "source.git.revision=0123456789abcdef0123456789abcdef01234567",
                "source.git.repository=https://git.example.com/ml/train\\,v2.git",
            ]
        );
        let values = syncd_helm::chart::layer_values(
            &[serde_json::json!({"source": {"git": {"revision": "main"}}})],
            &[],
            &set,
        )
        .unwrap();
        assert_eq!(
            values["source"]["git"]["revision"],
            "0123456789abcdef0123456789abcdef01234567"
        );
        assert_eq!(
            values["source"]["git"]["repository"],
            "https://git.example.com/ml/train,v2.git"
        );
    }
}
