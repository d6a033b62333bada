//! Fetching an app's remote inputs into the caches and pinning them: its chart (in the repo, in
//! another git repo, in a Helm repository or an OCI registry, with missing dependencies filled
//! in) and its extra git sources, each resolved to a commit or a digest before anything renders.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use syncd_config::{ChartSource, CredentialsSpec, ResolvedApp, SecretSource, SourceSpec};

use super::chart::{ChartCache, ChartRef, ChartSourceError};
use super::credentials::{read_secret, CredentialError, Credentials};
use super::git::{
    redact_url, resolve_inside, Checkout, GitCache, GitError, GitRef, GitRemote, Resolved,
};
use super::{AppSources, Pinned, PinnedExtra};

/// Default bound of the git checkout cache (mirrors and checkouts), in bytes.
pub const DEFAULT_CACHE_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// `$XDG_CACHE_HOME/syncd` (or the platform's cache dir), else `$HOME/.cache/syncd`, else a
/// directory under the system temp dir. Git mirrors go in `git/`, charts in `charts/`.
pub fn default_cache_dir() -> PathBuf {
    dirs::cache_dir()
        .or_else(|| dirs::home_dir().map(|h| h.join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("syncd")
}

/// Why an app's sources could not be fetched. Names the app and the URL, never a secret.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// A credential named in the config could not be read.
    #[error("app {app}: {source}")]
    Credentials {
        /// The app.
        app: String,
        /// Why.
        source: CredentialError,
    },
    /// A git source (chart repo or extra source) failed.
    #[error("app {app}: {what}: {source}")]
    Git {
        /// The app.
        app: String,
        /// Which source (`chart`, `source code`).
        what: String,
        /// Why.
        source: GitError,
    },
    /// A Helm repository or OCI chart, or a chart dependency, failed.
    #[error("app {app}: chart: {source}")]
    Chart {
        /// The app.
        app: String,
        /// Why.
        source: Box<ChartSourceError>,
    },
    /// A cache directory could not be opened.
    #[error("cache {path}: {message}")]
    Cache {
        /// The directory.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

/// An app's sources, pinned, with the checkouts they live in held against eviction.
#[derive(Debug)]
pub struct Fetched {
    /// What render reads and history records.
    pub sources: AppSources,
    /// Warnings to show (a fetch failed and the last good commit was used).
    pub warnings: Vec<String>,
    /// Held so the checkouts are not evicted while rendering.
    pub leases: Vec<Checkout>,
}

/// The caches every fetch goes through: one git cache, one chart cache, under one directory.
#[derive(Clone, Debug)]
pub struct Fetcher {
    git: GitCache,
    charts: ChartCache,
}

impl Fetcher {
    /// Opens (creating) the caches under `dir` (`git/` and `charts/`), the git cache bounded to
    /// `max_bytes`.
    pub fn open(dir: &Path, max_bytes: u64) -> Result<Fetcher, FetchError> {
        let cache = |message: String| FetchError::Cache {
            path: dir.to_path_buf(),
            message,
        };
        let git = GitCache::open(&dir.join("git"), max_bytes).map_err(|e| cache(e.to_string()))?;
        let charts = ChartCache::open(dir).map_err(|e| cache(e.to_string()))?;
        Ok(Fetcher { git, charts })
    }

    /// The git cache (for the GitOps repo itself when it is given as a URL).
    pub fn git(&self) -> &GitCache {
        &self.git
    }

    /// Pins everything `app` reads from outside the GitOps repo.
    pub async fn fetch_app(&self, app: &ResolvedApp) -> Result<Fetched, FetchError> {
        let mut out = Fetched {
            sources: AppSources::local(app),
            warnings: Vec::new(),
            leases: Vec::new(),
        };
        let mut seen = HashMap::new();
        if let SourceSpec::Helm { chart, .. } = &app.source {
            self.fetch_chart(app, chart, &mut seen, &mut out).await?;
        }
        for src in &app.sources {
            let remote = GitRemote {
                url: src.url.clone(),
                credentials: credentials(&app.name, src.credentials.as_ref())?,
            };
            let what = format!("source {}", src.name);
            let resolved = self
                .resolve_git(app, &what, &remote, &src.reference, &mut seen, &mut out)
                .await?;
            out.sources.extra.push(PinnedExtra {
                name: src.name.clone(),
                // As configured, so pods clone what the app names; the config refuses URLs
                // with a password in them.
                url: src.url.clone(),
                commit: resolved.commit,
                inject_revision: src.inject_revision.clone(),
                inject_repository: src.inject_repository.clone(),
                stale: resolved.stale,
            });
        }
        Ok(out)
    }

    /// Fetches `remote` and resolves `reference`, unless this app already resolved the same
    /// URL at the same ref: a chart and a source kept in one repository then cost one fetch and
    /// are pinned to one commit. A stale result is warned about for each use.
    async fn resolve_git(
        &self,
        app: &ResolvedApp,
        what: &str,
        remote: &GitRemote,
        reference: &str,
        seen: &mut Seen,
        out: &mut Fetched,
    ) -> Result<Resolved, FetchError> {
        let reference = GitRef::parse(reference);
        let key = (remote.url.clone(), reference.clone());
        let resolved = match seen.get(&key) {
            Some(resolved) => resolved.clone(),
            None => {
                let resolved = self
                    .git
                    .resolve_async(remote.clone(), reference)
                    .await
                    .map_err(|e| git_err(app, what, e))?;
                seen.insert(key, resolved.clone());
                resolved
            }
        };
        if let Some(why) = &resolved.stale {
            out.warnings
                .push(stale_warning(app, what, &resolved.commit, why));
        }
        Ok(resolved)
    }

    async fn fetch_chart(
        &self,
        app: &ResolvedApp,
        chart: &ChartSource,
        seen: &mut Seen,
        out: &mut Fetched,
    ) -> Result<(), FetchError> {
        let chart_err = |source| FetchError::Chart {
            app: app.name.clone(),
            source: Box::new(source),
        };
        match chart {
            ChartSource::Local(dir) => {
                let dir = self
                    .charts
                    .ensure_dependencies(dir, &|_| Credentials::None)
                    .await
                    .map_err(chart_err)?;
                out.sources.chart_dir = Some(dir);
            }
            ChartSource::Git {
                url,
                reference,
                path,
                credentials: spec,
            } => {
                let remote = GitRemote {
                    url: url.clone(),
                    credentials: credentials(&app.name, spec.as_ref())?,
                };
                let resolved = self
                    .resolve_git(app, "chart", &remote, reference, seen, out)
                    .await?;
                let checkout = self
                    .git
                    .checkout_async(remote, resolved.commit.clone())
                    .await
                    .map_err(|e| git_err(app, "chart", e))?;
                let dir = resolve_inside(&checkout.dir, Path::new(path))
                    .map_err(|e| git_err(app, "chart", e))?;
                let dir = self
                    .charts
                    .ensure_dependencies(&dir, &|_| Credentials::None)
                    .await
                    .map_err(chart_err)?;
                out.sources.chart_dir = Some(dir);
                out.sources.chart = Some(Pinned {
                    url: redact_url(url),
                    version: reference.clone(),
                    digest: resolved.commit,
                });
                out.leases.push(checkout);
            }
            ChartSource::Repo {
                url,
                name,
                version,
                credentials: spec,
            } => {
                let chart_ref = ChartRef::Repo {
                    url: url.clone(),
                    name: name.clone(),
                    version: version.clone(),
                };
                self.fetch_published(app, &chart_ref, spec.as_ref(), redact_url(url), out)
                    .await?;
            }
            ChartSource::Oci {
                url,
                version,
                credentials: spec,
            } => {
                let chart_ref = ChartRef::Oci {
                    url: url.clone(),
                    version: version.clone(),
                };
                self.fetch_published(app, &chart_ref, spec.as_ref(), url.clone(), out)
                    .await?;
            }
        }
        Ok(())
    }
}

impl Fetcher {
    /// A chart from a Helm repository or an OCI registry, pinned by its archive's digest.
    async fn fetch_published(
        &self,
        app: &ResolvedApp,
        chart_ref: &ChartRef,
        spec: Option<&CredentialsSpec>,
        shown_url: String,
        out: &mut Fetched,
    ) -> Result<(), FetchError> {
        let creds = credentials(&app.name, spec)?;
        let fetched = self
            .charts
            .fetch(chart_ref, &creds)
            .await
            .map_err(|source| FetchError::Chart {
                app: app.name.clone(),
                source: Box::new(source),
            })?;
        out.sources.chart_dir = Some(fetched.dir);
        out.sources.chart = Some(Pinned {
            url: shown_url,
            version: fetched.version,
            digest: fetched.digest,
        });
        Ok(())
    }
}

/// What one `fetch_app` call has resolved so far, by (URL as configured, ref).
type Seen = HashMap<(String, GitRef), Resolved>;

fn git_err(app: &ResolvedApp, what: &str, source: GitError) -> FetchError {
    FetchError::Git {
        app: app.name.clone(),
        what: what.to_string(),
        source,
    }
}

fn stale_warning(app: &ResolvedApp, what: &str, commit: &str, why: &str) -> String {
    format!(
        "{}/{}: {what}: fetch failed, rendering the last good commit {}: {why}",
        app.env,
        app.name,
        &commit[..commit.len().min(12)]
    )
}

/// Reads the secrets a credentials spec names, now (a rotated file is picked up next time).
pub fn credentials(app: &str, spec: Option<&CredentialsSpec>) -> Result<Credentials, FetchError> {
    let err = |source| FetchError::Credentials {
        app: app.to_string(),
        source,
    };
    let read = |s: &SecretSource| read_secret(s).map_err(err);
    let Some(spec) = spec else {
        return Ok(Credentials::None);
    };
    if let Some(key) = &spec.ssh_key {
        return Ok(Credentials::SshKey {
            username: spec.username.clone().unwrap_or_else(|| "git".into()),
            private_key: key.clone(),
            passphrase: spec.ssh_passphrase.as_ref().map(read).transpose()?,
            // Validation requires it with a key; an empty path matches no host.
            known_hosts: spec.known_hosts.clone().unwrap_or_default(),
        });
    }
    if let Some(token) = &spec.token {
        return Ok(Credentials::Token(read(token)?));
    }
    if let (Some(username), Some(password)) = (&spec.username, &spec.password) {
        return Ok(Credentials::Basic {
            username: username.clone(),
            password: read(password)?,
        });
    }
    Ok(Credentials::None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = std::process::Command::new("git")
            .args(["-c", "init.defaultBranch=main"])
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    #[tokio::test]
    async fn a_chart_and_a_source_in_one_repository_pin_one_commit() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("mono");
        std::fs::create_dir_all(repo.join("charts/x")).unwrap();
        std::fs::write(
            repo.join("charts/x/Chart.yaml"),
            "apiVersion: v2\nname: x\nversion: 0.1.0\n",
        )
        .unwrap();
        git(&repo, &["init", "-q"]);
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-qm", "init"]);
        let head = git(&repo, &["rev-parse", "HEAD"]);
        let url = repo.to_string_lossy().into_owned();
        let app = ResolvedApp {
            name: "trainer".into(),
            env: "dev".into(),
            dir: tmp.path().to_path_buf(),
            source: SourceSpec::Helm {
                chart: ChartSource::Git {
                    url: url.clone(),
                    reference: "main".into(),
                    path: "charts/x".into(),
                    credentials: None,
                },
                release_name: "trainer".into(),
                values_files: Vec::new(),
                values: Vec::new(),
                set: Vec::new(),
            },
            sources: vec![syncd_config::ExtraSource {
                name: "code".into(),
                url,
                reference: "main".into(),
                credentials: None,
                inject_revision: None,
                inject_repository: None,
            }],
            namespace: None,
            labels: Default::default(),
            annotations: Default::default(),
            policy: Default::default(),
        };
        let fetcher = Fetcher::open(&tmp.path().join("cache"), 0).unwrap();
        let fetched = fetcher.fetch_app(&app).await.unwrap();
        assert_eq!(fetched.sources.chart.as_ref().unwrap().digest, head);
        assert_eq!(fetched.sources.extra[0].commit, head);
        assert!(fetched.warnings.is_empty(), "{:?}", fetched.warnings);
    }

    #[test]
    fn credentials_are_read_from_their_places() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "s3cret\n").unwrap();
        let spec = CredentialsSpec {
            username: Some("robot".into()),
            password: Some(SecretSource::File(file)),
            ..CredentialsSpec::default()
        };
        let creds = credentials("gw", Some(&spec)).unwrap();
        let Credentials::Basic { username, password } = &creds else {
            panic!("basic: {creds:?}");
        };
        assert_eq!((username.as_str(), password.expose()), ("robot", "s3cret"));

        let spec = CredentialsSpec {
            token: Some(SecretSource::Env("SYNCD_TEST_NO_SUCH_TOKEN".into())),
            ..CredentialsSpec::default()
        };
        let err = credentials("gw", Some(&spec)).unwrap_err().to_string();
        assert_eq!(
            err,
            "app gw: credential environment variable SYNCD_TEST_NO_SUCH_TOKEN is not set"
        );
        assert_eq!(credentials("gw", None).unwrap(), Credentials::None);
    }
}
