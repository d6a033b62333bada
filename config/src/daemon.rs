//! `DaemonConfig`: the file `syncd run --config` reads — which repo and environment to keep in
//! sync, how often, the webhook listener and its secrets, leader election and retry timing.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::ConfigError;
use crate::load::read;
use crate::model::{CredentialsSpec, SecretSource};
use crate::policy::parse_duration;
use crate::position::Seg;
use crate::raw::{RawCredentials, RawSecretRef};
use crate::remote::{check_git_url, credentials, secret};
use crate::validate::Ctx;

/// The kind of a daemon configuration file.
pub const DAEMON_KIND: &str = "DaemonConfig";

/// What `syncd run` keeps in sync and how.
#[derive(Clone, Debug, PartialEq)]
pub struct DaemonConfig {
    /// The file it was read from (absolute).
    pub file: PathBuf,
    /// The GitOps repo.
    pub repo: RepoSpec,
    /// The environment of that repo this daemon owns.
    pub environment: String,
    /// How often the repo is fetched when no webhook arrives.
    pub poll_interval: Duration,
    /// Up to this much is added at random to each poll, so replicas and daemons spread out.
    pub poll_jitter: Duration,
    /// How many apps reconcile at once.
    pub concurrency: usize,
    /// Where sources are cached; `None` means the default cache directory.
    pub cache_dir: Option<PathBuf>,
    /// Address of the HTTP listener (webhooks, health, metrics, status).
    pub listen: SocketAddr,
    /// Webhook secrets and limits.
    pub webhooks: WebhookSettings,
    /// Lease-based leader election; `None` when disabled (a single replica).
    pub leader_election: Option<LeaderElection>,
    /// Retry timing after a failed reconcile.
    pub retry: RetrySettings,
    /// How long each Helm hook may run.
    pub hook_timeout: Duration,
    /// A kubeconfig to use instead of the in-cluster service account.
    pub kubeconfig: Option<PathBuf>,
}

/// The GitOps repo the daemon follows.
#[derive(Clone, Debug, PartialEq)]
pub struct RepoSpec {
    /// Git URL, or an absolute path of a local repository.
    pub url: String,
    /// Branch, tag, commit or semver range; `None` means the remote's default branch.
    pub reference: Option<String>,
    /// How to authenticate.
    pub credentials: Option<CredentialsSpec>,
}

/// Webhook endpoints: a provider is enabled only when its secret is configured.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct WebhookSettings {
    /// GitHub `X-Hub-Signature-256` HMAC secret.
    pub github: Option<SecretSource>,
    /// GitLab `X-Gitlab-Token`.
    pub gitlab: Option<SecretSource>,
    /// Gitea `X-Gitea-Signature` / `X-Hub-Signature-256` HMAC secret.
    pub gitea: Option<SecretSource>,
    /// Bitbucket Server `X-Hub-Signature` HMAC secret.
    pub bitbucket: Option<SecretSource>,
    /// Generic endpoint `X-Syncd-Signature-256` HMAC secret.
    pub generic: Option<SecretSource>,
    /// Largest body accepted (413 above).
    pub max_body_bytes: usize,
    /// Pushes arriving within this window are handled as one.
    pub debounce: Duration,
}

/// Leader election through a `coordination.k8s.io/v1` Lease.
#[derive(Clone, Debug, PartialEq)]
pub struct LeaderElection {
    /// Namespace of the Lease.
    pub namespace: String,
    /// Name of the Lease.
    pub lease_name: String,
    /// How long a leader's claim lasts without renewal; another replica takes over after it.
    pub lease_duration: Duration,
    /// This replica's identity; `None` means `$POD_NAME`, then the host name.
    pub identity: Option<String>,
}

/// Exponential backoff after failures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetrySettings {
    /// First delay.
    pub initial: Duration,
    /// Largest delay.
    pub max: Duration,
}

impl Default for RetrySettings {
    fn default() -> RetrySettings {
        RetrySettings {
            initial: Duration::from_secs(5),
            max: Duration::from_secs(300),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a DaemonConfig mapping"
)]
struct RawDaemon {
    api_version: String,
    kind: String,
    repo: RawRepo,
    environment: String,
    poll_interval: Option<String>,
    poll_jitter: Option<String>,
    concurrency: Option<usize>,
    cache_dir: Option<String>,
    listen: Option<String>,
    #[serde(default)]
    webhooks: RawWebhooks,
    leader_election: Option<RawLeader>,
    retry: Option<RawRetry>,
    hook_timeout: Option<String>,
    kubeconfig: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a repo mapping"
)]
struct RawRepo {
    url: String,
    #[serde(rename = "ref")]
    reference: Option<String>,
    credentials: Option<RawCredentials>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a webhooks mapping"
)]
struct RawWebhooks {
    github: Option<RawHook>,
    gitlab: Option<RawHook>,
    gitea: Option<RawHook>,
    bitbucket: Option<RawHook>,
    generic: Option<RawHook>,
    max_body_bytes: Option<usize>,
    debounce: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a mapping with `secret`")]
struct RawHook {
    secret: RawSecretRef,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a leaderElection mapping"
)]
struct RawLeader {
    #[serde(default = "yes")]
    enabled: bool,
    namespace: Option<String>,
    lease_name: Option<String>,
    lease_duration: Option<String>,
    identity: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a retry mapping"
)]
struct RawRetry {
    initial: Option<String>,
    max: Option<String>,
}

impl DaemonConfig {
    /// Reads and validates a daemon configuration file; every error names the file and line.
    pub fn load(path: &Path) -> Result<DaemonConfig, ConfigError> {
        let read_failed = |source| ConfigError::ReadFailed {
            file: path.to_path_buf(),
            source,
        };
        let file = std::path::absolute(path).map_err(read_failed)?;
        let dir = file.parent().unwrap_or(Path::new("/")).to_path_buf();
        let canonical = dir.canonicalize().map_err(read_failed)?;
        let name = PathBuf::from(file.file_name().unwrap_or_default());
        let mut errors = Vec::new();
        let Some((mut ctx, raw)) = read::<RawDaemon>(&dir, &canonical, &name, &mut errors) else {
            return Err(ConfigError::collect(errors).unwrap_or_else(|| unreachable_read(&file)));
        };
        let config = validate(&mut ctx, raw, file);
        match ConfigError::collect(ctx.errors) {
            Some(e) => Err(e),
            None => Ok(config),
        }
    }
}

/// `read` records why it returned nothing; this only guards that invariant.
fn unreachable_read(file: &Path) -> ConfigError {
    ConfigError::ReadFailed {
        file: file.to_path_buf(),
        source: std::io::Error::other("could not be read"),
    }
}

fn validate(ctx: &mut Ctx<'_>, raw: RawDaemon, file: PathBuf) -> DaemonConfig {
    ctx.header(&raw.api_version, &raw.kind, DAEMON_KIND);
    let repo_at = [Seg::from("repo")];
    check_git_url(ctx, &raw.repo.url, &sub(&repo_at, "url"));
    let repo_credentials = raw
        .repo
        .credentials
        .and_then(|c| credentials(ctx, c, &sub(&repo_at, "credentials")));
    if raw.environment.trim().is_empty() {
        ctx.invalid(&[Seg::from("environment")], "environment must not be empty");
    }
    let poll_interval = duration(ctx, raw.poll_interval, "pollInterval", 180);
    if poll_interval < Duration::from_secs(1) {
        ctx.invalid(
            &[Seg::from("pollInterval")],
            "pollInterval must be at least 1s",
        );
    }
    let poll_jitter = match raw.poll_jitter {
        Some(j) => duration(ctx, Some(j), "pollJitter", 0),
        None => poll_interval / 10,
    };
    let concurrency = raw.concurrency.unwrap_or(4);
    if concurrency == 0 {
        ctx.invalid(
            &[Seg::from("concurrency")],
            "concurrency must be at least 1",
        );
    }
    let listen_text = raw.listen.unwrap_or_else(|| "0.0.0.0:8080".into());
    let listen = listen_text.parse().unwrap_or_else(|_| {
        ctx.invalid(
            &[Seg::from("listen")],
            format!("listen {listen_text:?} must be an address like 0.0.0.0:8080"),
        );
        SocketAddr::from(([0, 0, 0, 0], 8080))
    });
    let webhooks = webhooks(ctx, raw.webhooks);
    let leader_election = raw.leader_election.and_then(|l| leader(ctx, l));
    let retry = match raw.retry {
        None => RetrySettings::default(),
        Some(r) => {
            let initial = duration_at(ctx, r.initial, &["retry", "initial"], 5);
            let max = duration_at(ctx, r.max, &["retry", "max"], 300);
            if initial.is_zero() || max < initial {
                ctx.invalid(&[Seg::from("retry")], "retry needs 0 < initial <= max");
            }
            RetrySettings { initial, max }
        }
    };
    DaemonConfig {
        file,
        repo: RepoSpec {
            url: raw.repo.url,
            reference: raw.repo.reference.filter(|r| !r.is_empty()),
            credentials: repo_credentials,
        },
        environment: raw.environment,
        poll_interval,
        poll_jitter,
        concurrency,
        cache_dir: raw.cache_dir.map(PathBuf::from),
        listen,
        webhooks,
        leader_election,
        retry,
        hook_timeout: duration(ctx, raw.hook_timeout, "hookTimeout", 300),
        kubeconfig: raw.kubeconfig.map(PathBuf::from),
    }
}

fn webhooks(ctx: &mut Ctx<'_>, raw: RawWebhooks) -> WebhookSettings {
    let mut hook = |h: Option<RawHook>, name: &str| {
        h.and_then(|h| {
            secret(
                ctx,
                h.secret,
                &[Seg::from("webhooks"), Seg::from(name), Seg::from("secret")],
            )
        })
    };
    let github = hook(raw.github, "github");
    let gitlab = hook(raw.gitlab, "gitlab");
    let gitea = hook(raw.gitea, "gitea");
    let bitbucket = hook(raw.bitbucket, "bitbucket");
    let generic = hook(raw.generic, "generic");
    let max_body_bytes = raw.max_body_bytes.unwrap_or(1 << 20);
    if max_body_bytes < 1024 {
        ctx.invalid(
            &[Seg::from("webhooks"), Seg::from("maxBodyBytes")],
            "maxBodyBytes must be at least 1024",
        );
    }
    let debounce = match raw.debounce {
        Some(d) => duration_at(ctx, Some(d), &["webhooks", "debounce"], 0),
        None => Duration::from_millis(200),
    };
    WebhookSettings {
        github,
        gitlab,
        gitea,
        bitbucket,
        generic,
        max_body_bytes,
        debounce,
    }
}

fn leader(ctx: &mut Ctx<'_>, raw: RawLeader) -> Option<LeaderElection> {
    let lease_duration = duration_at(
        ctx,
        raw.lease_duration,
        &["leaderElection", "leaseDuration"],
        15,
    );
    if lease_duration < Duration::from_secs(3) {
        ctx.invalid(
            &[Seg::from("leaderElection"), Seg::from("leaseDuration")],
            "leaseDuration must be at least 3s",
        );
    }
    raw.enabled.then(|| LeaderElection {
        namespace: raw
            .namespace
            .or_else(|| std::env::var("POD_NAMESPACE").ok())
            .unwrap_or_else(|| "syncd-system".into()),
        lease_name: raw.lease_name.unwrap_or_else(|| "syncd".into()),
        lease_duration,
        identity: raw.identity,
    })
}

fn duration(ctx: &mut Ctx<'_>, raw: Option<String>, field: &str, default_secs: u64) -> Duration {
    duration_at(ctx, raw, &[field], default_secs)
}

fn duration_at(ctx: &mut Ctx<'_>, raw: Option<String>, at: &[&str], default_secs: u64) -> Duration {
    let Some(text) = raw else {
        return Duration::from_secs(default_secs);
    };
    parse_duration(&text).unwrap_or_else(|e| {
        let at: Vec<Seg> = at.iter().map(|s| Seg::from(*s)).collect();
        ctx.invalid(&at, e);
        Duration::from_secs(default_secs)
    })
}

fn sub(at: &[Seg], field: &str) -> Vec<Seg> {
    [at, &[Seg::from(field)]].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<DaemonConfig, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("syncd.yaml");
        std::fs::write(&path, text).unwrap();
        DaemonConfig::load(&path)
    }

    const HEAD: &str = "apiVersion: syncd.io/v1alpha1\nkind: DaemonConfig\n";

    #[test]
    fn minimal_config_takes_defaults() {
        let c = load(&format!(
            "{HEAD}repo:\n  url: https://git.example.com/ml/gitops.git\nenvironment: prod\n"
        ))
        .unwrap();
        assert_eq!(c.environment, "prod");
        assert_eq!(c.poll_interval, Duration::from_secs(180));
        assert_eq!(c.poll_jitter, Duration::from_secs(18));
        assert_eq!(c.concurrency, 4);
        assert_eq!(c.listen, "0.0.0.0:8080".parse().unwrap());
        assert_eq!(c.webhooks.max_body_bytes, 1 << 20);
        assert_eq!(c.webhooks.github, None);
        assert_eq!(c.leader_election, None);
        assert_eq!(c.retry, RetrySettings::default());
    }

    #[test]
    fn full_config_parses() {
        let c = load(&format!(
            "{HEAD}repo:\n  url: https://git.example.com/ml/gitops.git\n  ref: main\n  credentials:\n    username: bot\n    password: {{env: GIT_PASSWORD}}\n\
             environment: dev\npollInterval: 30s\npollJitter: 5s\nconcurrency: 2\nlisten: 127.0.0.1:9090\n\
             webhooks:\n  github: {{secret: {{env: GH_SECRET}}}}\n  gitlab: {{secret: {{file: /etc/syncd/gitlab}}}}\n  debounce: 500ms\n  maxBodyBytes: 4096\n\
             leaderElection:\n  namespace: syncd-system\n  leaseDuration: 10s\n  identity: a\n\
             retry: {{initial: 1s, max: 1m}}\nhookTimeout: 2m\n"
        ))
        .unwrap();
        assert_eq!(c.repo.reference.as_deref(), Some("main"));
        assert_eq!(
            c.webhooks.github,
            Some(SecretSource::Env("GH_SECRET".into()))
        );
        assert_eq!(
            c.webhooks.gitlab,
            Some(SecretSource::File("/etc/syncd/gitlab".into()))
        );
        assert_eq!(c.webhooks.debounce, Duration::from_millis(500));
        let l = c.leader_election.unwrap();
        assert_eq!(
            (l.lease_name.as_str(), l.lease_duration),
            ("syncd", Duration::from_secs(10))
        );
        assert_eq!(c.retry.max, Duration::from_secs(60));
        assert_eq!(c.hook_timeout, Duration::from_secs(120));
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = load(&format!(
            "{HEAD}repo:\n  url: https://x/y.git\nenvironment: dev\npollInterval: 5d\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("syncd.yaml:6:"), "{e}");
        assert!(e.contains("unknown unit"), "{e}");
        let e = load(&format!(
            "{HEAD}repo:\n  url: https://x/y.git\nenvironment: dev\nwebhook: {{}}\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("syncd.yaml:6") && e.contains("unknown field `webhook`"),
            "{e}"
        );
        let e = load(&format!(
            "{HEAD}repo:\n  url: https://u:p@x/y.git\nenvironment: dev\nconcurrency: 0\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("not in the URL") && e.contains("concurrency must be at least 1"),
            "{e}"
        );
    }
}
