//! Leader failover: two daemons with the same config (their own listen port, cache and
//! `POD_NAME`) and a 6s Lease; exactly one leads; the leader is killed with SIGKILL right after
//! a push changing all 50 objects of an app starts landing; the other takes over and finishes.
//! Afterwards every object's fields are managed by `syncd` alone, and the history numbers
//! increase without duplicates. Both daemons' statuses are sampled every 100 ms throughout:
//! two leaders at one sample fail the scenario.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::coordination::v1::Lease;
use kube::api::{Api, ListParams};
use syncd_e2e::configmap;

use crate::harness::{free_port, http, ms, Lab, LABEL_APP, LABEL_ENV};

const OBJECTS: usize = 50;

async fn leads(port: u16) -> Option<bool> {
    let (code, body) = http(port, "GET", "/api/v1/status", &[], b"").await.ok()?;
    if code != 200 {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(&body).ok()?;
    v["leader"].as_bool()
}

/// How many of the app's ConfigMaps hold `value`.
async fn at_value(lab: &Lab, value: &str) -> usize {
    let lp = ListParams::default().labels(&format!("{LABEL_ENV}={},{LABEL_APP}=big", lab.env));
    lab.configmaps()
        .list(&lp)
        .await
        .expect("list")
        .items
        .iter()
        .filter(|c| {
            c.data
                .as_ref()
                .and_then(|d| d.get("key"))
                .map(String::as_str)
                == Some(value)
        })
        .count()
}

pub async fn leader_killed_mid_sync_is_replaced() {
    let lab = Lab::new("leader").await;
    lab.app("big", "");
    let write_all = |value: &str| {
        for i in 0..OBJECTS {
            let name = format!("obj{i:02}");
            lab.write(
                &format!("apps/big/manifests/{name}.yaml"),
                &configmap(&name, value),
            );
        }
    };
    write_all("v0");
    lab.environment(&["big"]);
    lab.commit("v0");
    let election = format!(
        "leaderElection:\n  namespace: {}\n  leaseDuration: 6s\n",
        lab.state_ns
    );
    let ports = [free_port(), free_port()];
    let configs = [
        lab.config("a", ports[0], "10m", &election),
        lab.config("b", ports[1], "10m", &election),
    ];
    let mut daemons = [
        lab.start("a", &configs[0], ports[0], &[("POD_NAME", "dm-a")]),
        lab.start("b", &configs[1], ports[1], &[("POD_NAME", "dm-b")]),
    ];
    for d in daemons.iter_mut() {
        d.wait_ok("/healthz", Duration::from_secs(30)).await;
    }

    // Sample both leader flags until the end.
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn({
        let stop = stop.clone();
        async move {
            let (mut samples, mut both) = (0u32, 0u32);
            while !stop.load(Ordering::Relaxed) {
                let (a, b) = tokio::join!(leads(ports[0]), leads(ports[1]));
                samples += 1;
                if a == Some(true) && b == Some(true) {
                    both += 1;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            (samples, both)
        }
    });

    let start = Instant::now();
    let leader = loop {
        let flags = (leads(ports[0]).await, leads(ports[1]).await);
        match flags {
            (Some(true), Some(false)) => break 0,
            (Some(false), Some(true)) => break 1,
            _ => {}
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no single leader: {flags:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let elected = start.elapsed();
    let other = 1 - leader;
    daemons[leader].ready(Duration::from_secs(60)).await;
    let start = Instant::now();
    while at_value(&lab, "v0").await < OBJECTS {
        assert!(start.elapsed() < Duration::from_secs(60), "first sync");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Push a change of all 50 objects; kill the leader as soon as the first one landed.
    write_all("v1");
    let commit = lab.commit("v1");
    lab.push(ports[leader], &commit, &["apps/big/manifests".into()])
        .await;
    let pushed = Instant::now();
    let mut landed = 0;
    while landed == 0 {
        landed = at_value(&lab, "v1").await;
        assert!(
            pushed.elapsed() < Duration::from_secs(20),
            "the push never started landing"
        );
    }
    daemons[leader].kill9();
    let killed = Instant::now();
    let at_kill = at_value(&lab, "v1").await;

    let mut took_over = None;
    while killed.elapsed() < Duration::from_secs(60) {
        if took_over.is_none() && leads(ports[other]).await == Some(true) {
            took_over = Some(killed.elapsed());
        }
        if at_value(&lab, "v1").await == OBJECTS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let converged = killed.elapsed();
    let finished = at_value(&lab, "v1").await;
    stop.store(true, Ordering::Relaxed);
    let (samples, both) = sampler.await.expect("sampler");

    let lease: Api<Lease> = Api::namespaced(lab.client.clone(), &lab.state_ns);
    let holder = lease
        .get("syncd")
        .await
        .expect("lease")
        .spec
        .and_then(|s| s.holder_identity)
        .unwrap_or_default();
    let lp = ListParams::default().labels(&format!("{LABEL_ENV}={},{LABEL_APP}=big", lab.env));
    let mut managers = std::collections::BTreeSet::new();
    for cm in lab.configmaps().list(&lp).await.expect("list").items {
        for m in cm.metadata.managed_fields.unwrap_or_default() {
            managers.insert(format!(
                "{}/{}",
                m.manager.unwrap_or_default(),
                m.operation.unwrap_or_default()
            ));
        }
    }
    let revisions = lab.revisions("big").await;
    let numbers: Vec<u64> = revisions.iter().map(|r| r.number).collect();
    let commits: Vec<String> = revisions
        .iter()
        .map(|r| {
            r.commit
                .as_deref()
                .map(|c| c[..7].to_owned())
                .unwrap_or_default()
        })
        .collect();
    println!(
        "  leader election: leader {} elected in {}; killed -9 with {at_kill}/{OBJECTS} objects changed; {} led after {} and all {finished}/{OBJECTS} converged {} after the kill; lease holder {holder}; {samples} samples, {both} with two leaders; managers {managers:?}; revisions {numbers:?} commits {commits:?}",
        ["a", "b"][leader],
        ms(elected),
        ["a", "b"][other],
        took_over.map(ms).unwrap_or_else(|| "never".into()),
        ms(converged),
    );
    assert_eq!(finished, OBJECTS, "the new leader finished the sync");
    assert!(took_over.is_some(), "the other daemon took over");
    assert_eq!(holder, ["dm-a", "dm-b"][other]);
    assert_eq!(both, 0, "never two leaders");
    assert_eq!(
        managers.into_iter().collect::<Vec<_>>(),
        ["syncd/Apply"],
        "only syncd manages the objects"
    );
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]) && numbers.first() == Some(&1),
        "revisions {numbers:?}"
    );
    assert_eq!(
        revisions.last().and_then(|r| r.commit.clone()),
        Some(commit),
        "the newest revision records the pushed commit"
    );
}
