//! Self-heal: a kubectl-style merge patch of a field syncd owns is undone through the drift
//! watchers (timed, twice in a row); an app with `selfHeal: report` keeps the edit, shows it in
//! `/api/v1/status` and `syncd_drifted_objects`, and still keeps it after two polls.

use std::time::{Duration, Instant};

use kube::api::{Patch, PatchParams};
use syncd_e2e::configmap;

use crate::harness::{free_port, metric, ms, Lab};

const POLL_SECS: u64 = 6;

/// A merge patch as `kubectl edit`/`kubectl patch` sends it, under kubectl's field manager.
async fn edit(lab: &Lab, name: &str, value: &str) {
    let patch = serde_json::json!({"data": {"key": value}});
    lab.configmaps()
        .patch(
            name,
            &PatchParams {
                field_manager: Some("kubectl-edit".into()),
                ..PatchParams::default()
            },
            &Patch::Merge(&patch),
        )
        .await
        .expect("merge patch");
}

async fn value(lab: &Lab, name: &str) -> String {
    let cm = lab.configmaps().get(name).await.expect("get configmap");
    cm.data
        .and_then(|d| d.get("key").cloned())
        .unwrap_or_default()
}

/// Edits `name` and times until it reads `want` again.
async fn heal_time(lab: &Lab, name: &str, want: &str, within: Duration) -> Option<Duration> {
    edit(lab, name, "edited by hand").await;
    let start = Instant::now();
    while start.elapsed() < within {
        if value(lab, name).await == want {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

pub async fn self_heal_and_report_only() {
    let lab = Lab::new("heal").await;
    lab.app("healed", "");
    lab.app("reported", "{selfHeal: report}");
    for app in ["healed", "reported"] {
        for i in 0..3 {
            let name = format!("{app}-{i}");
            lab.write(
                &format!("apps/{app}/manifests/{name}.yaml"),
                &configmap(&name, "from git"),
            );
        }
    }
    lab.environment(&["healed", "reported"]);
    lab.commit("initial");
    let port = free_port();
    // No poll during the heal part: whatever heals comes from the drift watchers.
    let config = lab.config("d", port, "10m", "");
    let mut daemon = lab.start("d", &config, port, &[]);
    daemon.ready(Duration::from_secs(60)).await;

    // Heal: once, again at once on the same object (inside the drift rate limit of one
    // trigger per app per 5s: deferred, not dropped), then another object.
    let within = Duration::from_secs(20);
    let first = heal_time(&lab, "healed-0", "from git", within).await;
    let second = heal_time(&lab, "healed-0", "from git", within).await;
    let third = heal_time(&lab, "healed-1", "from git", within).await;
    let drift_lines = daemon
        .log_text()
        .lines()
        .filter(|l| l.contains("drift") && l.contains("healed-0"))
        .count();

    // Report only, now with polls: the config file is rewritten with a short poll interval and
    // the daemon reloads it; the edit must outlive two polls.
    lab.config("d", port, &format!("{POLL_SECS}s"), "");
    let start = Instant::now();
    while !daemon.log_text().contains("configuration reloaded") {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "config not reloaded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    edit(&lab, "reported-0", "edited by hand").await;
    let start = Instant::now();
    let mut reported = None;
    while start.elapsed() < Duration::from_secs(20) {
        let status = daemon.status().await;
        let drifted = status["apps"]["reported"]["drifted"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !drifted.is_empty() {
            reported = Some((start.elapsed(), drifted));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let metrics = daemon.metrics().await;
    let gauge = metric(&metrics, "syncd_drifted_objects", &["app=\"reported\""]);
    let polls_before = daemon.log_text().matches("app=reported result=").count();
    tokio::time::sleep(Duration::from_secs(2 * POLL_SECS + 1)).await;
    let polls = daemon.log_text().matches("app=reported result=").count() - polls_before;
    let kept = value(&lab, "reported-0").await;
    let still = daemon.status().await["apps"]["reported"]["drifted"]
        .as_array()
        .map(|a| a.len())
        .unwrap_or(0);

    let show = |d: Option<Duration>| d.map(ms).unwrap_or_else(|| "NOT HEALED".into());
    println!(
        "  self-heal: merge patch healed in {} (same object again at once: {}, another object: {}; drift triggers limited to 1/app/5s); {drift_lines} drift log lines; selfHeal=report: drift reported after {} ({:?}), syncd_drifted_objects={gauge:?}, after {polls} reconciles by {POLL_SECS}s polls the live value is {kept:?}, still drifted: {still}",
        show(first),
        show(second),
        show(third),
        reported
            .as_ref()
            .map(|(d, _)| ms(*d))
            .unwrap_or_else(|| "NEVER".into()),
        reported.as_ref().map(|(_, o)| o.clone()).unwrap_or_default(),
    );
    assert!(
        first.is_some_and(|d| d < Duration::from_secs(2)),
        "first heal {first:?}"
    );
    // Deferred to the end of the 5s interval at most, never left for a poll.
    let deferred = Duration::from_secs(7);
    assert!(
        second.is_some_and(|d| d < deferred),
        "second heal {second:?}"
    );
    assert!(third.is_some_and(|d| d < deferred), "third heal {third:?}");
    assert!(drift_lines >= 2, "the heals came from the drift watcher");
    assert!(reported.is_some(), "report-only drift shows in the status");
    assert!(gauge.is_some_and(|g| g > 0.0), "gauge {gauge:?}");
    assert!(polls >= 2, "two polls reconciled the app: {polls}");
    assert_eq!(kept, "edited by hand", "selfHeal=report leaves the edit");
    assert!(still > 0, "still reported as drifted after the polls");
}
