//! Starting and stopping the daemon: reads the configuration, connects, opens the caches, binds
//! the HTTP listener, joins the leader election, runs the controller until SIGTERM/SIGINT, then
//! stops in order — no new work, running applies finished or abandoned, lease released, listener
//! closed.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use syncd_config::DaemonConfig;
use tokio::sync::{mpsc, watch};

use super::controller::Controller;
use super::http::{router, serve, HttpState};
use super::leader::{resolve_identity, Elector};
use super::metrics::Metrics;
use super::shared::{Settings, Shared};
use super::status::StatusBoard;
use super::webhook::WebhookState;
use crate::cluster::{Cluster, ConnectOptions};
use crate::source::fetch::{default_cache_dir, Fetcher, DEFAULT_CACHE_BYTES};

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The configuration file is invalid.
    #[error(transparent)]
    Config(#[from] syncd_config::ConfigError),
    /// The cluster is unreachable or the kubeconfig is wrong.
    #[error("connecting to the cluster: {0}")]
    Cluster(#[from] crate::cluster::ClusterError),
    /// The cache directory cannot be used.
    #[error(transparent)]
    Cache(#[from] crate::source::fetch::FetchError),
    /// The HTTP listener cannot bind.
    #[error("listening on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A webhook secret cannot be read.
    #[error(transparent)]
    Webhook(#[from] super::webhook::WebhookError),
    /// The configuration file cannot be watched.
    #[error(transparent)]
    Reload(#[from] super::reload::ReloadError),
}

/// Label the leader sets on its own Pod, so a Service can send webhooks to the replica that acts.
pub const LABEL_LEADER: &str = "syncd.io/leader";

/// Runs `syncd run --config path` until a termination signal.
pub async fn run(path: &Path) -> Result<(), DaemonError> {
    let config = DaemonConfig::load(path)?;
    let cluster = Arc::new(
        Cluster::connect(&ConnectOptions {
            kubeconfig: config.kubeconfig.clone(),
            context: None,
        })
        .await?,
    );
    let cache_dir = config.cache_dir.clone().unwrap_or_else(default_cache_dir);
    let fetcher = Fetcher::open(&cache_dir, DEFAULT_CACHE_BYTES)?;
    let status = StatusBoard::new(&config.environment);
    let metrics = Arc::new(Metrics::new());
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(signals(stop_tx.clone()));

    let (trigger_tx, trigger_rx) = mpsc::channel(256);
    let webhooks = WebhookState::new(&config.webhooks, trigger_tx.clone(), metrics.clone())?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| DaemonError::Listen {
            addr: config.listen.to_string(),
            source,
        })?;
    let (http_stop_tx, http_stop_rx) = watch::channel(false);
    let http = tokio::spawn(serve(
        listener,
        router(HttpState {
            status: status.clone(),
            metrics: metrics.clone(),
            webhooks: webhooks.clone(),
        }),
        until(http_stop_rx),
    ));

    // The lease is released only after the controller stopped writing.
    let (lease_stop_tx, lease_stop_rx) = watch::channel(false);
    let identity = config
        .leader_election
        .as_ref()
        .map(resolve_identity)
        .unwrap_or_else(super::leader::default_identity);
    let (leading, elector) = match &config.leader_election {
        Some(settings) => {
            tracing::info!(%identity, lease = %settings.lease_name, "joining the leader election");
            let elector = Elector::new(cluster.client().clone(), settings, identity.clone());
            let leading = elector.subscribe();
            (
                leading,
                Some(tokio::spawn(elector.run(until(lease_stop_rx)))),
            )
        }
        None => (watch::channel(true).1, None),
    };
    tokio::spawn(label_own_pod(cluster.clone(), leading.clone()));

    let configs = super::reload::watch_config(config.clone(), stop_rx.clone())?;
    tokio::spawn(reload_webhooks(webhooks, configs.clone()));
    let shared = Arc::new(Shared::new(
        cluster.clone(),
        fetcher,
        status,
        metrics,
        stop_rx,
        super::events::EventRecorder::new(cluster.client().clone(), identity.clone()),
        Settings::of(&config),
    ));
    // Event series counts are written in batches; keep them current.
    let flusher = {
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(30));
            loop {
                tick.tick().await;
                shared.events.flush().await;
            }
        })
    };
    tracing::info!(
        environment = %config.environment,
        repo = %crate::source::git::redact_url(&config.repo.url),
        listen = %config.listen,
        "syncd daemon started"
    );
    Controller::new(
        shared.clone(),
        config,
        (trigger_tx, trigger_rx),
        leading,
        configs,
    )
    .run()
    .await;
    flusher.abort();
    shared.events.flush().await;
    let _ = lease_stop_tx.send(true);
    if let Some(e) = elector {
        let _ = tokio::time::timeout(Duration::from_secs(5), e).await;
    }
    let _ = http_stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(5), http).await;
    tracing::info!("syncd daemon stopped");
    Ok(())
}

/// Completes when the flag becomes true (or its sender is gone).
async fn until(mut flag: watch::Receiver<bool>) {
    while !*flag.borrow() {
        if flag.changed().await.is_err() {
            return;
        }
    }
}

/// SIGTERM (Kubernetes) or SIGINT (a terminal) starts the shutdown.
async fn signals(stop: watch::Sender<bool>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM"),
                    _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT"),
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; SIGINT only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    let _ = stop.send(true);
}

/// Webhook secrets follow the configuration file.
async fn reload_webhooks(webhooks: WebhookState, mut configs: watch::Receiver<DaemonConfig>) {
    while configs.changed().await.is_ok() {
        let settings = configs.borrow().webhooks.clone();
        if let Err(e) = webhooks.reload(&settings) {
            tracing::error!("webhook secrets not reloaded, the previous ones still serve: {e}");
        }
    }
}

/// In a Pod (`POD_NAME`/`POD_NAMESPACE` set), the leader labels itself `syncd.io/leader=true`
/// and removes the label when it steps down.
async fn label_own_pod(cluster: Arc<Cluster>, mut leading: watch::Receiver<bool>) {
    let (Ok(name), Ok(namespace)) = (std::env::var("POD_NAME"), std::env::var("POD_NAMESPACE"))
    else {
        return;
    };
    let pods = crate::cluster::ResourceInfo::core("Pod", "pods", true);
    loop {
        let lead = *leading.borrow_and_update();
        let value = if lead {
            serde_json::json!("true")
        } else {
            serde_json::Value::Null
        };
        let patch = serde_json::json!({"metadata": {"labels": {LABEL_LEADER: value}}});
        if let Err(e) = cluster
            .merge_patch(&pods, Some(&namespace), &name, &patch)
            .await
        {
            tracing::warn!(pod = %name, error = %e, "cannot label this pod with its leadership");
        }
        if leading.changed().await.is_err() {
            return;
        }
    }
}
