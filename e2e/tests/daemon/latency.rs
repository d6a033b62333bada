//! Push latency: an app of 20 objects, polling every 10 minutes so only webhooks trigger; 20
//! times a commit and a signed generic webhook, timed until the live object shows the change
//! (read every 20 ms).

use std::time::{Duration, Instant};
use syncd_e2e::configmap;

use crate::harness::{free_port, metric, ms, percentile, service, Lab};

const PUSHES: usize = 20;
const CONFIGMAPS: usize = 18;

pub async fn push_latency() {
    let lab = Lab::new("latency").await;
    lab.app("web", "");
    for i in 0..CONFIGMAPS {
        let name = format!("cm{i:02}");
        lab.write(
            &format!("apps/web/manifests/{name}.yaml"),
            &configmap(&name, "v0"),
        );
    }
    for s in ["svc-a", "svc-b"] {
        lab.write(&format!("apps/web/manifests/{s}.yaml"), &service(s));
    }
    lab.environment(&["web"]);
    lab.commit("initial");
    let port = free_port();
    let config = lab.config("d", port, "10m", "");
    let mut daemon = lab.start("d", &config, port, &[]);
    let first = daemon.ready(Duration::from_secs(60)).await;
    assert_eq!(
        lab.owned("web").await.len(),
        20,
        "first sync made 20 objects"
    );

    let cms = lab.configmaps();
    let mut latencies = Vec::new();
    for i in 0..PUSHES {
        let name = format!("cm{:02}", i % CONFIGMAPS);
        let value = format!("v{}", i + 1);
        let rel = format!("apps/web/manifests/{name}.yaml");
        lab.write(&rel, &configmap(&name, &value));
        let commit = lab.commit(&format!("{name}={value}"));
        let start = Instant::now();
        lab.push(port, &commit, &[rel]).await;
        loop {
            let live = cms.get(&name).await.expect("get configmap");
            if live.data.as_ref().and_then(|d| d.get("key")) == Some(&value) {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "push {i}: {name} not {value} after 30s:\n{}",
                daemon.log_tail(30)
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        latencies.push(start.elapsed());
        // Pushes a second apart, as people and CI push, not a burst the debouncer would merge.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    latencies.sort();
    let (p50, p90, max) = (
        percentile(&latencies, 50.0),
        percentile(&latencies, 90.0),
        percentile(&latencies, 100.0),
    );
    let metrics = daemon.metrics().await;
    let observed = metric(&metrics, "syncd_trigger_to_applied_seconds_count", &[]).unwrap_or(0.0);
    println!(
        "  push latency (webhook POST → live object, app of 20 objects, debounce 200ms): n={PUSHES} p50={} p90={} max={} min={} — target p50 ≤ 1s {}; first sync {} ; trigger_to_applied observations {observed}",
        ms(p50),
        ms(p90),
        ms(max),
        ms(latencies[0]),
        if p50 <= Duration::from_secs(1) { "met" } else { "MISSED" },
        ms(first),
    );
    assert!(
        observed >= PUSHES as f64,
        "every push reached a reconcile: {observed}"
    );
    // The target is 1s; 3s is the bound past which a shared, loaded machine is no excuse.
    assert!(p50 <= Duration::from_secs(3), "p50 {p50:?}");
}
