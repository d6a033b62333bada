//! One round of the daemon: fetch the GitOps repo, resolve the environment, read pins and
//! capabilities, and decide which apps a batch of triggers asks to reconcile.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use syncd_config::{DaemonConfig, Repo, ResolvedEnv};

use super::debounce::Batch;
use super::inputs::{input_paths, touched};
use super::shared::RepoState;
use crate::cluster::Cluster;
use crate::history::Pin;
use crate::source::fetch::{credentials, Fetcher};
use crate::source::git::{redact_url, GitRef, GitRemote};

/// A git fetch never blocks a round longer than this (git2 has no network timeout of its own).
const FETCH_TIMEOUT: Duration = Duration::from_secs(120);

/// Why a round could not start.
#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    /// The repo could not be fetched or checked out.
    #[error("fetching {url}: {message}")]
    Fetch {
        /// The URL, redacted.
        url: String,
        /// What failed.
        message: String,
    },
    /// The repo does not load or the environment does not resolve.
    #[error("{0}")]
    Config(#[from] syncd_config::ConfigError),
    /// Loading the repo stopped without an answer (its task panicked or was cancelled).
    #[error("loading the repo: {0}")]
    Load(String),
    /// Reading capabilities or pins failed.
    #[error("{0}")]
    Cluster(String),
}

/// The repo and environment a round works on.
pub struct Snapshot {
    /// The checkout.
    pub repo: Arc<RepoState>,
    /// The environment.
    pub env: Arc<ResolvedEnv>,
    /// `environments/<env>.yaml`, repo-relative.
    pub env_file: String,
}

/// Fetches the GitOps repo at the configured ref and resolves the environment.
pub async fn snapshot(fetcher: &Fetcher, config: &DaemonConfig) -> Result<Snapshot, RoundError> {
    let url = redact_url(&config.repo.url);
    let fetch_err = |message: String| RoundError::Fetch {
        url: url.clone(),
        message,
    };
    let remote = GitRemote {
        url: config.repo.url.clone(),
        credentials: credentials("repo", config.repo.credentials.as_ref())
            .map_err(|e| fetch_err(e.to_string()))?,
    };
    let reference = GitRef::parse(config.repo.reference.as_deref().unwrap_or(""));
    let resolved = tokio::time::timeout(
        FETCH_TIMEOUT,
        fetcher.git().resolve_async(remote.clone(), reference),
    )
    .await
    .map_err(|_| fetch_err(format!("no answer within {}s", FETCH_TIMEOUT.as_secs())))?
    .map_err(|e| fetch_err(e.to_string()))?;
    if let Some(why) = &resolved.stale {
        tracing::warn!(url = %url, commit = %resolved.commit, "fetch failed, using the last good commit: {why}");
    }
    let checkout = fetcher
        .git()
        .checkout_async(remote, resolved.commit.clone())
        .await
        .map_err(|e| fetch_err(e.to_string()))?;
    let root = checkout.dir.clone();
    // Loading reads a few small files; keep it off the async workers anyway.
    let env_name = config.environment.clone();
    let root2 = root.clone();
    let env = tokio::task::spawn_blocking(move || Repo::load(&root2)?.resolve(&env_name))
        .await
        .map_err(|e| RoundError::Load(e.to_string()))??;
    Ok(Snapshot {
        repo: Arc::new(RepoState {
            root,
            commit: Some(resolved.commit),
            lease: Some(checkout),
        }),
        env_file: format!("environments/{}.yaml", config.environment),
        env: Arc::new(env),
    })
}

/// Reads the cluster's capabilities and the environment's pins.
pub async fn cluster_facts(
    cluster: &Cluster,
    env: &ResolvedEnv,
) -> Result<(syncd_helm::chart::Capabilities, HashMap<String, Pin>), RoundError> {
    let caps = crate::engine::capabilities(cluster)
        .await
        .map_err(|e| RoundError::Cluster(e.to_string()))?;
    let pins = crate::engine::read_pins(cluster, &env.state_namespace, &env.name)
        .await
        .map_err(|e| RoundError::Cluster(e.to_string()))?;
    Ok((caps, pins))
}

/// What the batch asks of one app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Selected {
    /// Plan even if the inputs did not change.
    pub force_plan: bool,
    /// Only drift asked for it.
    pub drift_only: bool,
}

/// Which apps of `env` the batch touches, and how.
pub fn select(
    batch: &Batch,
    snapshot: &Snapshot,
    drifted: &BTreeSet<String>,
) -> Vec<(String, Selected)> {
    let mut out = Vec::new();
    for app in &snapshot.env.apps {
        let named = batch.apps.contains(&app.name);
        let paths_hit = !batch.changed_paths.is_empty()
            && touched(
                &input_paths(app, &snapshot.repo.root, &snapshot.env_file),
                &batch.changed_paths,
            );
        if !(batch.all_apps || named || paths_hit) {
            continue;
        }
        let drift = drifted.contains(&app.name);
        out.push((
            app.name.clone(),
            Selected {
                force_plan: batch.resync || named,
                drift_only: drift && !batch.resync && !batch.all_apps && !paths_hit,
            },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::trigger::{Trigger, TriggerReason};

    fn snapshot(dir: &std::path::Path) -> Snapshot {
        let mk = |name: &str| {
            let d = dir.join("apps").join(name);
            std::fs::create_dir_all(d.join("manifests")).unwrap();
            syncd_config::ResolvedApp {
                name: name.into(),
                env: "dev".into(),
                dir: d.clone(),
                source: syncd_config::SourceSpec::Manifests {
                    path: d.join("manifests"),
                    recurse: false,
                },
                sources: Vec::new(),
                namespace: None,
                labels: Default::default(),
                annotations: Default::default(),
                policy: Default::default(),
            }
        };
        Snapshot {
            repo: Arc::new(RepoState {
                root: dir.to_path_buf(),
                commit: None,
                lease: None,
            }),
            env: Arc::new(ResolvedEnv {
                name: "dev".into(),
                kube_context: None,
                state_namespace: "syncd-system".into(),
                apps: vec![mk("web"), mk("db")],
            }),
            env_file: "environments/dev.yaml".into(),
        }
    }

    fn batch(triggers: Vec<Trigger>) -> Batch {
        let mut d = super::super::debounce::Debouncer::new(Duration::ZERO, Duration::ZERO);
        let now = tokio::time::Instant::now();
        for t in triggers {
            d.push(t, now);
        }
        d.take().unwrap()
    }

    fn push(paths: &[&str]) -> Trigger {
        let mut t = Trigger::new(TriggerReason::Webhook {
            provider: "gitlab".into(),
            delivery: None,
        });
        t.changed_paths = Some(paths.iter().map(|p| p.to_string()).collect());
        t
    }

    #[test]
    fn a_push_selects_the_apps_whose_files_changed() {
        let dir = tempfile::tempdir().unwrap();
        let s = snapshot(dir.path());
        let none = BTreeSet::new();
        let sel = select(&batch(vec![push(&["apps/db/manifests/x.yaml"])]), &s, &none);
        assert_eq!(sel.len(), 1);
        assert_eq!(sel[0].0, "db");
        assert!(!sel[0].1.force_plan);
        let sel = select(&batch(vec![push(&["environments/dev.yaml"])]), &s, &none);
        assert_eq!(sel.len(), 2, "the environment file touches every app");
        assert!(select(&batch(vec![push(&["README.md"])]), &s, &none).is_empty());
    }

    #[test]
    fn drift_and_poll() {
        let dir = tempfile::tempdir().unwrap();
        let s = snapshot(dir.path());
        let drifted: BTreeSet<String> = ["web".to_string()].into();
        let drift = Trigger::new(TriggerReason::Drift {
            app: "web".into(),
            object: "ConfigMap/x".into(),
        });
        let sel = select(&batch(vec![drift.clone()]), &s, &drifted);
        assert_eq!(
            sel,
            vec![(
                "web".to_string(),
                Selected {
                    force_plan: true,
                    drift_only: true
                }
            )]
        );
        let sel = select(
            &batch(vec![drift, Trigger::new(TriggerReason::Poll)]),
            &s,
            &drifted,
        );
        assert_eq!(sel.len(), 2);
        assert!(sel.iter().all(|(_, s)| s.force_plan && !s.drift_only));
    }
}
