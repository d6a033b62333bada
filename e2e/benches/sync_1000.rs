//! Benchmark: an app of 1,000 ConfigMaps — first sync, no-op sync, one object changed — with
//! syncd and, on the same objects, `kubectl apply --server-side` and `kubectl diff`. Prints wall
//! time and API requests by kind side by side. Needs `SYNCD_E2E_KUBECONFIG` and `kubectl`.
//!
//! `SYNCD_E2E_KUBECONFIG=... cargo bench -p syncd-e2e --bench sync_1000`

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Instant;

use syncd::cluster::{RequestKind, Stats};
use syncd_e2e::{configmap, Lab, KUBECONFIG_VAR};

const N: usize = 1000;

fn snapshot(s: &Stats) -> [u64; 6] {
    [
        RequestKind::Discovery,
        RequestKind::List,
        RequestKind::Get,
        RequestKind::DryRun,
        RequestKind::Apply,
        RequestKind::Delete,
    ]
    .map(|k| s.get(k))
}

fn delta(before: [u64; 6], after: [u64; 6]) -> String {
    let names = ["discovery", "list", "get", "dry-run", "apply", "delete"];
    names
        .iter()
        .zip(before.iter().zip(after.iter()))
        .filter(|(_, (b, a))| a > b)
        .map(|(n, (b, a))| format!("{n}={}", a - b))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs kubectl with -v=6 and counts the requests it logs, by method.
fn kubectl(kubeconfig: &str, args: &[&str]) -> (f64, String) {
    let start = Instant::now();
    let out = Command::new("kubectl")
        .args(args)
        .arg("-v=6")
        .env("KUBECONFIG", kubeconfig)
        .output()
        .expect("kubectl runs");
    let secs = start.elapsed().as_secs_f64();
    let log = String::from_utf8_lossy(&out.stderr);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for line in log.lines() {
        for method in ["GET", "PATCH", "POST", "PUT", "DELETE"] {
            if line.contains(&format!("\"{method} https"))
                || line.contains(&format!("{method} https"))
            {
                let what = if method == "PATCH" && line.contains("dryRun=All") {
                    "PATCH(dry-run)".to_string()
                } else {
                    method.to_string()
                };
                *counts.entry(what).or_default() += 1;
                break;
            }
        }
    }
    let summary = counts
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ");
    (secs, summary)
}

fn main() {
    let Some(kubeconfig) = std::env::var_os(KUBECONFIG_VAR) else {
        println!("skipped: {KUBECONFIG_VAR} is not set (the benchmark needs a cluster)");
        return;
    };
    let kubeconfig = kubeconfig.to_string_lossy().into_owned();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let lab = Lab::new("bench").await;
        for i in 0..N {
            lab.write(
                &format!("apps/app/manifests/cm{i:04}.yaml"),
                &configmap(&format!("cm{i:04}"), "v1"),
            );
        }
        let mut rows = Vec::new();
        for (label, change) in [
            ("first sync", None),
            ("no-op sync", None),
            ("one changed", Some(17)),
        ] {
            if let Some(i) = change {
                lab.write(
                    &format!("apps/app/manifests/cm{i:04}.yaml"),
                    &configmap(&format!("cm{i:04}"), "v2"),
                );
            }
            let before = snapshot(lab.cluster.stats());
            let start = Instant::now();
            let report = lab.sync().await.expect("sync");
            let secs = start.elapsed().as_secs_f64();
            assert!(report.succeeded());
            rows.push((
                format!("syncd {label}"),
                secs,
                delta(before, snapshot(lab.cluster.stats())),
            ));
        }
        let before = snapshot(lab.cluster.stats());
        let start = Instant::now();
        let plan = lab.plan(Default::default()).await.expect("plan");
        assert!(!plan.has_changes());
        rows.push((
            "syncd diff (in sync)".into(),
            start.elapsed().as_secs_f64(),
            delta(before, snapshot(lab.cluster.stats())),
        ));

        // kubectl on the same objects, in its own namespace.
        let dir = tempfile::tempdir().expect("tempdir");
        let ns = format!("{}-kubectl", lab.ns);
        let _ = Command::new("kubectl")
            .args(["create", "ns", &ns])
            .env("KUBECONFIG", &kubeconfig)
            .output();
        for i in 0..N {
            std::fs::write(
                dir.path().join(format!("cm{i:04}.yaml")),
                configmap(&format!("cm{i:04}"), "v1"),
            )
            .unwrap();
        }
        let path = dir.path().to_string_lossy().into_owned();
        let apply = [
            "apply",
            "--server-side",
            "-n",
            ns.as_str(),
            "-f",
            path.as_str(),
        ];
        let (t, r) = kubectl(&kubeconfig, &apply);
        rows.push(("kubectl apply --server-side (first)".into(), t, r));
        let (t, r) = kubectl(&kubeconfig, &apply);
        rows.push(("kubectl apply --server-side (no-op)".into(), t, r));
        let (t, r) = kubectl(
            &kubeconfig,
            &["diff", "-n", ns.as_str(), "-f", path.as_str()],
        );
        rows.push(("kubectl diff (in sync)".into(), t, r));
        std::fs::write(dir.path().join("cm0017.yaml"), configmap("cm0017", "v2")).unwrap();
        let (t, r) = kubectl(&kubeconfig, &apply);
        rows.push(("kubectl apply --server-side (one changed)".into(), t, r));

        println!("{N} ConfigMaps in one app\n");
        println!("{:<42} {:>8}  requests", "run", "seconds");
        for (label, secs, req) in rows {
            println!("{label:<42} {secs:>8.2}  {req}");
        }
        let _ = Command::new("kubectl")
            .args(["delete", "ns", &ns, "--wait=false"])
            .env("KUBECONFIG", &kubeconfig)
            .output();
        lab.cleanup().await;
    });
}
