//! Prometheus metrics of the daemon: reconcile durations, sync results, drift, the revision each
//! app runs, git fetch errors and webhook deliveries — registered once, encoded for `/metrics`.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AppLabel {
    app: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    app: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AppliedLabels {
    app: String,
    commit: String,
    revision: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WebhookLabels {
    provider: String,
    outcome: String,
}

/// Every metric the daemon exports.
pub struct Metrics {
    registry: Registry,
    reconcile_seconds: Family<AppLabel, Histogram>,
    sync_results: Family<ResultLabels, Counter>,
    drift: Family<AppLabel, Gauge>,
    applied: Family<AppliedLabels, Gauge>,
    applied_now: Mutex<HashMap<String, AppliedLabels>>,
    git_fetch_errors: Counter,
    webhook_deliveries: Family<WebhookLabels, Counter>,
    trigger_latency: Histogram,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    /// Registers every metric under the `syncd_` prefix.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("syncd");
        let reconcile_seconds = Family::<AppLabel, Histogram>::new_with_constructor(|| {
            Histogram::new([0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0])
        });
        registry.register(
            "reconcile_duration_seconds",
            "Time one app's reconcile took, fetch to health",
            reconcile_seconds.clone(),
        );
        let sync_results = Family::<ResultLabels, Counter>::default();
        registry.register(
            "sync_results",
            "Reconciles by app and outcome",
            sync_results.clone(),
        );
        let drift = Family::<AppLabel, Gauge>::default();
        registry.register(
            "drifted_objects",
            "Objects whose live state differs from what syncd applied",
            drift.clone(),
        );
        let applied = Family::<AppliedLabels, Gauge>::default();
        registry.register(
            "applied_revision_info",
            "The GitOps commit and history revision each app last applied (value 1)",
            applied.clone(),
        );
        let git_fetch_errors = Counter::default();
        registry.register(
            "git_fetch_errors",
            "Failed fetches of the GitOps repo or an app's sources",
            git_fetch_errors.clone(),
        );
        let webhook_deliveries = Family::<WebhookLabels, Counter>::default();
        registry.register(
            "webhook_deliveries",
            "Webhook deliveries by provider and outcome",
            webhook_deliveries.clone(),
        );
        let trigger_latency =
            Histogram::new([0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0]);
        registry.register(
            "trigger_to_applied_seconds",
            "Time from a trigger's arrival to the end of the reconcile it caused",
            trigger_latency.clone(),
        );
        Metrics {
            registry,
            reconcile_seconds,
            sync_results,
            drift,
            applied,
            applied_now: Mutex::new(HashMap::new()),
            git_fetch_errors,
            webhook_deliveries,
            trigger_latency,
        }
    }

    /// Records how long one reconcile of `app` took.
    pub fn observe_reconcile(&self, app: &str, seconds: f64) {
        self.reconcile_seconds
            .get_or_create(&AppLabel { app: app.into() })
            .observe(seconds);
    }

    /// Counts one reconcile outcome (`synced`, `unchanged`, `failed`, `rolled_back`, ...).
    pub fn sync_result(&self, app: &str, outcome: &str) {
        self.sync_results
            .get_or_create(&ResultLabels {
                app: app.into(),
                outcome: outcome.into(),
            })
            .inc();
    }

    /// Sets how many of `app`'s objects drifted.
    pub fn set_drift(&self, app: &str, objects: usize) {
        self.drift
            .get_or_create(&AppLabel { app: app.into() })
            .set(i64::try_from(objects).unwrap_or(i64::MAX));
    }

    /// Records the commit and revision `app` now runs, replacing the previous series.
    pub fn set_applied(&self, app: &str, commit: &str, revision: u64) {
        let labels = AppliedLabels {
            app: app.into(),
            commit: commit.into(),
            revision: revision.to_string(),
        };
        let mut now = self
            .applied_now
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = now.insert(app.into(), labels.clone()) {
            self.applied.remove(&old);
        }
        self.applied.get_or_create(&labels).set(1);
    }

    /// Counts a failed fetch.
    pub fn git_fetch_error(&self) {
        self.git_fetch_errors.inc();
    }

    /// Counts a webhook delivery by provider and outcome (`accepted`, `duplicate`, `ignored`,
    /// `unauthorized`, `too_large`, `bad_request`, `disabled`).
    pub fn webhook_delivery(&self, provider: &str, outcome: &str) {
        self.webhook_deliveries
            .get_or_create(&WebhookLabels {
                provider: provider.into(),
                outcome: outcome.into(),
            })
            .inc();
    }

    /// Records the time from a trigger's arrival to its reconcile's end.
    pub fn observe_trigger_latency(&self, seconds: f64) {
        self.trigger_latency.observe(seconds);
    }

    /// The Prometheus text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Metrics;

    #[test]
    fn applied_revision_keeps_one_series_per_app() {
        let m = Metrics::new();
        m.set_applied("web", "abc", 1);
        m.set_applied("web", "def", 2);
        m.sync_result("web", "synced");
        m.webhook_delivery("github", "accepted");
        m.observe_reconcile("web", 0.3);
        let text = m.encode();
        assert!(
            text.contains(r#"syncd_applied_revision_info{app="web",commit="def",revision="2"} 1"#),
            "{text}"
        );
        assert!(!text.contains(r#"commit="abc""#), "{text}");
        assert!(
            text.contains(r#"syncd_sync_results_total{app="web",outcome="synced"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(
                r#"syncd_webhook_deliveries_total{provider="github",outcome="accepted"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains("syncd_reconcile_duration_seconds_count{app=\"web\"} 1"),
            "{text}"
        );
    }
}
