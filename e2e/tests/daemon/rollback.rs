//! A failing rollout rolled back: a Deployment under `autoRollback: true, healthTimeout: 10s`.
//! The cluster has no kubelet, so the test plays one: Pods whose image tag it accepts are marked
//! Running and Ready (the ReplicaSet and Deployment controllers then report the rollout
//! available, as with a real node); Pods of the bad tag never become ready. A good revision is
//! healthy; the bad tag is rolled back to it after the health timeout, pinned, not re-applied by
//! the following polls; `syncd resume` lifts the pin (and the bad commit is tried, and rolled
//! back, again); a new good commit is applied.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, Patch, PatchParams};
use serde_json::json;
use syncd_e2e::configmap;

use crate::harness::{free_port, ms, Lab};

const POLL_SECS: u64 = 5;

/// Marks Pods Ready when every container's image tag starts with `good`. Stops when dropped.
struct FakeKubelet(tokio::task::JoinHandle<()>);

impl FakeKubelet {
    fn start(client: kube::Client, ns: &str) -> FakeKubelet {
        let pods: Api<Pod> = Api::namespaced(client, ns);
        FakeKubelet(tokio::spawn(async move {
            loop {
                if let Ok(list) = pods.list(&ListParams::default()).await {
                    for pod in list.items {
                        if ready(&pod) || !good(&pod) {
                            continue;
                        }
                        let now = "2026-01-01T00:00:00Z";
                        let status = json!({"status": {"phase": "Running", "conditions": [
                            {"type": "Ready", "status": "True", "lastTransitionTime": now},
                            {"type": "ContainersReady", "status": "True", "lastTransitionTime": now}]}});
                        let name = pod.metadata.name.clone().unwrap_or_default();
                        // A race with the ReplicaSet controller is retried on the next round.
                        let _ = pods
                            .patch_status(&name, &PatchParams::default(), &Patch::Merge(&status))
                            .await;
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }))
    }
}

impl Drop for FakeKubelet {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

fn good(pod: &Pod) -> bool {
    pod.spec.as_ref().is_some_and(|s| {
        s.containers.iter().all(|c| {
            c.image
                .as_deref()
                .and_then(|i| i.rsplit_once(':'))
                .is_some_and(|(_, tag)| tag.starts_with("good"))
        })
    })
}

fn deployment(tag: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n      - name: web\n        image: registry.invalid/web:{tag}\n"
    )
}

async fn image(lab: &Lab) -> String {
    let d: Api<Deployment> = Api::namespaced(lab.client.clone(), &lab.ns);
    let dep = d.get("web").await.expect("deployment");
    dep.spec
        .and_then(|s| s.template.spec)
        .and_then(|s| s.containers.first().and_then(|c| c.image.clone()))
        .unwrap_or_default()
}

/// Waits until the app's status matches `pred`; returns the time and the app's status.
async fn until(
    daemon: &mut crate::harness::Daemon,
    within: Duration,
    what: &str,
    pred: impl Fn(&serde_json::Value) -> bool,
) -> (Duration, serde_json::Value) {
    let start = Instant::now();
    loop {
        let app = daemon.status().await["apps"]["roll"].clone();
        if pred(&app) {
            return (start.elapsed(), app);
        }
        assert!(
            start.elapsed() < within,
            "{what} not within {within:?}; app status {app}\n{}",
            daemon.log_tail(30)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn history_summary(revisions: &[syncd::history::Revision]) -> String {
    revisions
        .iter()
        .map(|r| {
            let commit = r.commit.as_deref().map(|c| &c[..7]).unwrap_or("-");
            match r.rollback_of {
                Some(n) => format!("{}:{commit}→rollback-of-{n}", r.number),
                None => format!("{}:{commit}", r.number),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub async fn failing_rollout_is_rolled_back_and_pinned() {
    let lab = Lab::new("rollback").await;
    let _kubelet = FakeKubelet::start(lab.client.clone(), &lab.ns);
    lab.app("roll", "{autoRollback: true, healthTimeout: 10s}");
    lab.write("apps/roll/manifests/web.yaml", &deployment("good-1"));
    lab.write("apps/roll/manifests/cfg.yaml", &configmap("cfg", "one"));
    lab.environment(&["roll"]);
    lab.commit("good-1");
    let port = free_port();
    let config = lab.config("d", port, &format!("{POLL_SECS}s"), "");
    let mut daemon = lab.start("d", &config, port, &[]);
    daemon.ready(Duration::from_secs(60)).await;
    let (_, first) = until(
        &mut daemon,
        Duration::from_secs(30),
        "revision 1 healthy",
        |a| a["lastResult"] == "synced" && a["health"] == "healthy",
    )
    .await;
    assert_eq!(first["revision"], 1, "{first}");

    // The bad tag: applied, never healthy, rolled back after the 10s health timeout.
    lab.write("apps/roll/manifests/web.yaml", &deployment("bad"));
    lab.write("apps/roll/manifests/cfg.yaml", &configmap("cfg", "two"));
    let bad = lab.commit("bad");
    lab.push(port, &bad, &["apps/roll/manifests/web.yaml".into()])
        .await;
    // The reconcile ends `rolled_back`; the next trigger of the pinned app (a drift event of
    // the rollback itself, a poll) reports it `pinned` at once, so either says it happened.
    let (rolled_after, app) = until(&mut daemon, Duration::from_secs(60), "rollback", |a| {
        a["lastResult"] == "rolled_back"
            || (a["lastResult"] == "pinned" && a["pinnedFrom"] == bad.as_str())
    })
    .await;
    let image_after = image(&lab).await;
    let cfg_after = lab.configmaps().get("cfg").await.expect("cfg").data;
    let revisions = lab.revisions("roll").await;
    let (code, history) = lab.cli(&[
        "history",
        "-e",
        &lab.env,
        "-a",
        "roll",
        "--state-namespace",
        &lab.state_ns,
    ]);
    let (_, status_cli) = lab.cli(&["status", "--url", &format!("http://127.0.0.1:{port}")]);
    assert_eq!(image_after, "registry.invalid/web:good-1", "rolled back");
    assert_eq!(
        cfg_after.and_then(|d| d.get("key").cloned()).as_deref(),
        Some("one"),
        "the whole revision 1 is restored"
    );
    assert_eq!(app["pinnedFrom"], bad.as_str(), "{app}");
    assert_eq!(code, 0, "{history}");
    assert!(history.contains("rollback to 1"), "{history}");
    assert!(status_cli.contains("pinned"), "{status_cli}");
    let numbers: Vec<u64> = revisions.iter().map(|r| r.number).collect();
    assert_eq!(numbers, [1, 2, 3], "{}", history_summary(&revisions));
    assert_eq!(revisions[2].rollback_of, Some(1));

    // Pinned: two polls later the bad commit is still not applied again.
    let watch_start = Instant::now();
    let mut bad_seen = 0;
    while watch_start.elapsed() < Duration::from_secs(2 * POLL_SECS + 2) {
        if image(&lab).await.ends_with(":bad") {
            bad_seen += 1;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let after_polls = lab.revisions("roll").await.len();
    assert_eq!(bad_seen, 0, "the pinned app was not re-applied");
    assert_eq!(after_polls, 3, "no revision while pinned");

    // `syncd resume`: the pin goes, the daemon tries the bad commit again.
    let (code, out) = lab.cli(&[
        "resume",
        "-e",
        &lab.env,
        "-a",
        "roll",
        "--state-namespace",
        &lab.state_ns,
    ]);
    assert_eq!(code, 0, "{out}");
    let resumed = Instant::now();
    let mut saw_bad_again = None;
    let mut repinned = None;
    while resumed.elapsed() < Duration::from_secs(POLL_SECS + 40) {
        if saw_bad_again.is_none() && image(&lab).await.ends_with(":bad") {
            saw_bad_again = Some(resumed.elapsed());
        }
        let app = daemon.status().await["apps"]["roll"].clone();
        if saw_bad_again.is_some() && app["pinnedFrom"] == bad.as_str() {
            repinned = Some(resumed.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let after_resume = lab.revisions("roll").await;
    let image_resumed = image(&lab).await;

    // A new good commit lifts the pin and is applied.
    lab.write("apps/roll/manifests/web.yaml", &deployment("good-2"));
    let fixed = lab.commit("good-2");
    lab.push(port, &fixed, &["apps/roll/manifests/web.yaml".into()])
        .await;
    let (fixed_after, app) = until(&mut daemon, Duration::from_secs(40), "good-2", |a| {
        a["commit"] == fixed.as_str() && a["health"] == "healthy" && a["pinnedFrom"].is_null()
    })
    .await;
    assert_eq!(image(&lab).await, "registry.invalid/web:good-2");
    let final_revisions = lab.revisions("roll").await;

    println!(
        "  rollback: bad tag rolled back {} after the push (healthTimeout 10s); pinned from {}; {}s of polls: bad applied 0 times; after `syncd resume`: bad re-applied after {}, rolled back and re-pinned after {}, image {image_resumed}; new good commit healthy after {}; history {}",
        ms(rolled_after),
        &bad[..7],
        2 * POLL_SECS + 2,
        saw_bad_again.map(ms).unwrap_or_else(|| "never".into()),
        repinned.map(ms).unwrap_or_else(|| "never".into()),
        ms(fixed_after),
        history_summary(&final_revisions),
    );
    assert!(app["pinnedFrom"].is_null(), "{app}");
    assert!(
        saw_bad_again.is_some(),
        "resume re-applies the pinned commit"
    );
    assert!(repinned.is_some(), "and rolls it back and pins it again");
    assert_eq!(image_resumed, "registry.invalid/web:good-1");
    let numbers: Vec<u64> = final_revisions.iter().map(|r| r.number).collect();
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "{}",
        history_summary(&final_revisions)
    );
    assert_eq!(after_resume.len(), 5, "{}", history_summary(&after_resume));
}
