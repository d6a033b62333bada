//! Adapter from the daemon's reconcile to the health stage: resolves how to address each applied
//! object, waits for them, and summarises what it found.

use std::time::Duration;

use tokio::sync::watch;

use super::shared::{HealthOutcome, Watch};
use crate::cluster::Cluster;
use crate::health::{wait_healthy, Health, WaitOptions, Watched};

/// How often a waiting app's objects are read again.
const POLL: Duration = Duration::from_secs(2);

/// Waits up to `timeout` (zero: look once) for `watched` to become healthy. A shutdown ends the
/// wait early, reported as not healthy yet (the next daemon finishes the job).
pub async fn wait(
    cluster: &Cluster,
    watched: &[Watch],
    timeout: Duration,
    mut shutdown: watch::Receiver<bool>,
) -> HealthOutcome {
    let mut targets = Vec::with_capacity(watched.len());
    for w in watched {
        let info = match &w.resource {
            Some(ri) => Some(ri.clone()),
            // Kinds from a CRD applied in the same sync are resolved now.
            None => cluster
                .resource(&w.api_version, &w.id.kind)
                .await
                .ok()
                .flatten(),
        };
        match info {
            Some(info) => targets.push(Watched::new(w.id.clone(), info)),
            None => {
                return HealthOutcome {
                    healthy: false,
                    health: Health::Missing,
                    summary: format!("{}: kind {} is not served", w.id, w.api_version),
                }
            }
        }
    }
    let opts = WaitOptions {
        timeout,
        poll: POLL,
        ..WaitOptions::default()
    };
    let report = tokio::select! {
        r = wait_healthy(cluster, &targets, opts) => r,
        _ = shutdown.changed() => {
            return HealthOutcome {
                healthy: false,
                health: Health::Unknown,
                summary: "shutting down before the app became healthy".into(),
            }
        }
    };
    HealthOutcome {
        healthy: report.is_healthy(),
        health: report.health,
        summary: report.summary(),
    }
}
