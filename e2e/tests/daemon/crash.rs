//! Crash consistency: 20 times — start the daemon, push a change to an app of ~30 ConfigMaps
//! (5 added, 5 removed (the newest first), 5 modified), SIGKILL it at a random point 0–1.5 s
//! after the push. Each kill is classified from the cluster right after it: nothing changed
//! since just before the push, the change done (live objects and inventory match the commit), or
//! caught mid-apply (anything else). Then one last daemon runs to readiness, and the live objects must equal
//! Git exactly (no orphans labelled for the app that Git no longer has), the inventory must list
//! exactly them, and the history must decode with increasing numbers.
//! `SYNCD_E2E_SEED` replays a run.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;
use syncd_e2e::configmap;

use crate::harness::{free_port, Lab};

const ROUNDS: usize = 20;
const START_OBJECTS: usize = 30;
const CHURN: usize = 5;

/// xorshift64*: reproducible from the printed seed, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

type Model = BTreeMap<String, String>;

fn write_model(lab: &Lab, previous: &Model, next: &Model) {
    for name in previous.keys().filter(|n| !next.contains_key(*n)) {
        lab.remove(&format!("apps/churn/manifests/{name}.yaml"));
    }
    for (name, value) in next {
        if previous.get(name) != Some(value) {
            lab.write(
                &format!("apps/churn/manifests/{name}.yaml"),
                &configmap(name, value),
            );
        }
    }
}

/// What the cluster shows for the app: `ConfigMap/<name>` → data.
fn expected(model: &Model) -> BTreeMap<String, Value> {
    model
        .iter()
        .map(|(n, v)| (format!("ConfigMap/{n}"), serde_json::json!({ "key": v })))
        .collect()
}

pub async fn sigkill_at_random_points_leaves_git_state() {
    let seed = std::env::var("SYNCD_E2E_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        });
    let mut rng = Rng(seed);
    let lab = Lab::new("crash").await;
    lab.app("churn", "{pruneBudget: {maxPercent: 100}}");
    let mut model: Model = (0..START_OBJECTS)
        .map(|i| (format!("base-{i:02}"), "v0".to_owned()))
        .collect();
    write_model(&lab, &Model::new(), &model);
    lab.environment(&["churn"]);
    lab.commit("initial");
    let port = free_port();
    let config = lab.config("d", port, "10m", "");
    let mut added_order: Vec<String> = Vec::new();
    let (mut not_started, mut done, mut mid) = (0, 0, 0);
    let mut kills = Vec::new();
    for round in 0..ROUNDS {
        let mut daemon = lab.start(&format!("d{round}"), &config, port, &[]);
        daemon.wait_ok("/healthz", Duration::from_secs(30)).await;
        let previous = model.clone();
        // Remove the newest additions first: they are the objects a crash may have applied
        // without recording them.
        for _ in 0..CHURN {
            let victim = match added_order.pop() {
                Some(n) if model.contains_key(&n) => n,
                _ => {
                    let keys: Vec<&String> = model.keys().collect();
                    keys[rng.below(keys.len())].clone()
                }
            };
            model.remove(&victim);
        }
        for k in 0..CHURN {
            let keys: Vec<String> = model.keys().cloned().collect();
            let name = &keys[rng.below(keys.len())];
            model.insert(name.clone(), format!("r{round}-{k}"));
        }
        for k in 0..CHURN {
            let name = format!("add-{round:02}-{k}");
            model.insert(name.clone(), format!("r{round}"));
            added_order.push(name);
        }
        write_model(&lab, &previous, &model);
        // What the cluster showed just before the push (the restarted daemon may still be
        // finishing the previous round's change).
        let before = lab.owned("churn").await;
        let commit = lab.commit(&format!("round {round}"));
        lab.push(port, &commit, &["apps/churn/manifests".into()])
            .await;
        let delay = Duration::from_millis(rng.below(1500) as u64);
        tokio::time::sleep(delay).await;
        daemon.kill9();
        let live = lab.owned("churn").await;
        let inventory = lab.inventory("churn").await;
        let after = expected(&model);
        let inventory_matches = inventory == after.keys().cloned().collect::<Vec<_>>();
        let class = if live == after && inventory_matches {
            done += 1;
            "done"
        } else if live == before {
            not_started += 1;
            "untouched"
        } else {
            mid += 1;
            "MID"
        };
        kills.push(format!("{}ms:{class}", delay.as_millis()));
    }

    // One last daemon converges; then the cluster must be Git, exactly.
    let mut daemon = lab.start("final", &config, port, &[]);
    daemon.ready(Duration::from_secs(60)).await;
    let want = expected(&model);
    let start = Instant::now();
    let mut live = lab.owned("churn").await;
    while live != want && start.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        live = lab.owned("churn").await;
    }
    let orphans: Vec<&String> = live.keys().filter(|k| !want.contains_key(*k)).collect();
    let missing: Vec<&String> = want.keys().filter(|k| !live.contains_key(*k)).collect();
    let wrong: Vec<&String> = want
        .iter()
        .filter(|(k, v)| live.get(*k).is_some_and(|l| l != *v))
        .map(|(k, _)| k)
        .collect();
    let inventory = lab.inventory("churn").await;
    let revisions = lab.revisions("churn").await;
    let numbers: Vec<u64> = revisions.iter().map(|r| r.number).collect();
    let (code, history) = lab.cli(&[
        "history",
        "-e",
        &lab.env,
        "-a",
        "churn",
        "--state-namespace",
        &lab.state_ns,
    ]);
    println!(
        "  crash consistency (seed {seed}): {ROUNDS} SIGKILLs — {mid} mid-apply, {done} after the change completed, {not_started} with nothing changed yet [{}]; final: {} objects live, {} in Git, orphans {orphans:?}, missing {missing:?}, wrong data {wrong:?}; inventory {} entries (matches: {}); revisions {numbers:?}",
        kills.join(" "),
        live.len(),
        want.len(),
        inventory.len(),
        inventory == want.keys().cloned().collect::<Vec<_>>(),
    );
    drop(daemon);
    assert!(orphans.is_empty(), "orphans: {orphans:?}");
    assert!(
        missing.is_empty() && wrong.is_empty(),
        "{missing:?} {wrong:?}"
    );
    assert_eq!(
        inventory,
        want.keys().cloned().collect::<Vec<_>>(),
        "inventory lists exactly the live objects"
    );
    assert_eq!(code, 0, "{history}");
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "revisions {numbers:?}"
    );
}
