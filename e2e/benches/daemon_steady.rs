//! Benchmark: the daemon at steady state — 50 apps × 100 ConfigMaps (5,000 objects) in one
//! environment, `pollInterval: 30s`. Times the initial full sync (start to `/readyz` and to all
//! 5,000 objects live), then samples the process for 60 s: RSS and peak RSS (`VmRSS`, `VmHWM`
//! from `/proc/<pid>/status`) and CPU (utime + stime from `/proc/<pid>/stat`).
//! Needs `SYNCD_E2E_KUBECONFIG`; skips with one line without it.
//!
//! `cargo build -p syncd --bin syncd && SYNCD_E2E_KUBECONFIG=... cargo bench -p syncd-e2e --bench daemon_steady`
//! (`SYNCD_BIN` picks another binary; `SYNCD_BENCH_SECONDS` shortens the measurement;
//! `SYNCD_BENCH_LOG=<file>` keeps the daemon's log.)

#[path = "../tests/daemon/harness.rs"]
mod harness;

use std::time::{Duration, Instant};

use harness::{free_port, Lab, LABEL_ENV};
use kube::api::ListParams;
use syncd_e2e::configmap;

const APPS: usize = 50;
const PER_APP: usize = 100;

/// (VmRSS, VmHWM) in MB.
fn memory(pid: u32) -> (f64, f64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (kb("VmRSS:") / 1024.0, kb("VmHWM:") / 1024.0)
}

/// utime + stime in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name may hold spaces; fields are counted after its closing parenthesis.
    let rest = text.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ")": state is field 3 of the man page, so utime (14) and stime (15) are 11 and 12.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // USER_HZ is 100 on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

async fn live_count(lab: &Lab) -> usize {
    let lp = ListParams::default().labels(&format!("{LABEL_ENV}={}", lab.env));
    lab.configmaps()
        .list(&lp)
        .await
        .map(|l| l.items.len())
        .unwrap_or(0)
}

async fn bench() {
    let seconds: u64 = std::env::var("SYNCD_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let lab = Lab::new("steady").await;
    let mut apps = Vec::new();
    for a in 0..APPS {
        let app = format!("app{a:02}");
        lab.app(&app, "");
        for i in 0..PER_APP {
            let name = format!("{app}-cm{i:03}");
            lab.write(
                &format!("apps/{app}/manifests/{name}.yaml"),
                &configmap(&name, "steady"),
            );
        }
        apps.push(app);
    }
    let names: Vec<&str> = apps.iter().map(String::as_str).collect();
    lab.environment(&names);
    lab.commit("5000 objects");
    let port = free_port();
    let config = lab.config("d", port, "30s", "concurrency: 4\n");
    let start = Instant::now();
    let mut daemon = lab.start("d", &config, port, &[]);
    let ready = daemon.ready(Duration::from_secs(900)).await;
    let mut live = live_count(&lab).await;
    while live < APPS * PER_APP && start.elapsed() < Duration::from_secs(900) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        live = live_count(&lab).await;
    }
    let synced = start.elapsed();
    let pid = daemon.pid();
    let (rss_ready, peak_ready) = memory(pid);
    let cpu_ready = cpu_seconds(pid);

    let cpu0 = cpu_seconds(pid);
    let t0 = Instant::now();
    let mut rss_samples = Vec::new();
    while t0.elapsed() < Duration::from_secs(seconds) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(daemon.alive(), "daemon exited:\n{}", daemon.log_tail(30));
        rss_samples.push(memory(pid).0);
    }
    let cpu = cpu_seconds(pid) - cpu0;
    let wall = t0.elapsed().as_secs_f64();
    let (rss, peak) = memory(pid);
    let mean_rss = rss_samples.iter().sum::<f64>() / rss_samples.len().max(1) as f64;
    let log = daemon.log_text();
    let reconciles = log.matches("reconcile ended").count();
    if let Some(keep) = std::env::var_os("SYNCD_BENCH_LOG") {
        let _ = std::fs::write(keep, &log);
    }
    println!(
        "daemon steady state, {APPS} apps × {PER_APP} ConfigMaps = {} objects (pollInterval 30s, concurrency 4):",
        APPS * PER_APP
    );
    println!(
        "  initial full sync: /readyz after {:.1}s, {live} objects live after {:.1}s; CPU {cpu_ready:.1}s, RSS {rss_ready:.0} MB, peak {peak_ready:.0} MB",
        ready.as_secs_f64(),
        synced.as_secs_f64()
    );
    println!(
        "  steady {wall:.0}s: RSS {rss:.0} MB (mean {mean_rss:.0} MB), peak {peak:.0} MB, CPU {:.1}% of one core ({cpu:.1}s); {reconciles} reconciles logged since start",
        100.0 * cpu / wall
    );
    assert_eq!(live, APPS * PER_APP, "every object synced");
}

fn main() {
    if syncd_e2e::kubeconfig().is_none() {
        println!(
            "skipped: {} not set (the benchmark needs a cluster)",
            syncd_e2e::KUBECONFIG_VAR
        );
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(bench());
}
