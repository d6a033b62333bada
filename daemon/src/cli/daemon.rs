//! `syncd run` (the daemon), `syncd status` (from the daemon's API or the cluster's history) and
//! `syncd resume` (lifts a rollback's pin).

use std::collections::BTreeMap;

use super::common::connect;
use super::{ResumeArgs, RunArgs, StatusArgs};
use crate::engine::{delete_pin, list_inventories, list_revisions, outcome_word, read_pins};
use crate::history::marked_healthy;
use crate::object::{str_at, LABEL_APP};
use crate::run::status::DaemonStatus;

/// Runs `syncd run`.
pub async fn run(args: RunArgs) -> anyhow::Result<i32> {
    crate::run::start::run(&args.config).await?;
    Ok(0)
}

/// Runs `syncd status`.
pub async fn status(args: StatusArgs) -> anyhow::Result<i32> {
    if let Some(url) = &args.url {
        let url = format!("{}/api/v1/status", url.trim_end_matches('/'));
        let status: DaemonStatus = reqwest::get(&url).await?.error_for_status()?.json().await?;
        print_daemon(&status);
        return Ok(0);
    }
    let Some(env) = &args.env else {
        anyhow::bail!("give --url of a running daemon, or --env to read the cluster's history");
    };
    let cluster = connect(&args.cluster, None).await?;
    let ns = &args.state_namespace;
    let inventories = list_inventories(&cluster, ns, env).await?;
    let pins = read_pins(&cluster, ns, env).await?;
    let mut apps: BTreeMap<String, ()> = BTreeMap::new();
    for cm in &inventories {
        if let Some(app) = str_at(cm, &["metadata", "labels", LABEL_APP]) {
            apps.insert(app.to_owned(), ());
        }
    }
    if apps.is_empty() {
        println!("environment {env} has no synced apps in namespace {ns}");
        return Ok(0);
    }
    println!(
        "{:<20} {:>4} {:<12} {:<10} {:<10} NOTE",
        "APP", "REV", "COMMIT", "RESULT", "HEALTH"
    );
    for app in apps.keys() {
        let revisions = list_revisions(&cluster, ns, env, app).await?;
        let Some((r, secret)) = revisions.last() else {
            println!("{app:<20} {:>4} {:<12} {:<10} {:<10}", "-", "-", "-", "-");
            continue;
        };
        let health = match marked_healthy(secret) {
            Some(true) => "healthy",
            Some(false) => "unhealthy",
            None => "-",
        };
        let mut note = r
            .rollback_of
            .map(|n| format!("rollback to {n}"))
            .unwrap_or_default();
        if let Some(p) = pins.get(app) {
            let from = p.from_commit.as_deref().map(short).unwrap_or("-");
            note = format!(
                "pinned (rolled back from {from}; lifted by a new commit or `syncd resume`) {note}"
            );
        }
        println!(
            "{app:<20} {:>4} {:<12} {:<10} {:<10} {note}",
            r.number,
            r.commit.as_deref().map(short).unwrap_or("-"),
            outcome_word(&r.outcome),
            health
        );
    }
    Ok(0)
}

fn short(c: &str) -> &str {
    &c[..c.len().min(10)]
}

fn print_daemon(s: &DaemonStatus) {
    println!(
        "environment {}  commit {}  leader {}  ready {}",
        s.environment,
        s.repo_commit.as_deref().map(short).unwrap_or("-"),
        s.leader,
        s.ready
    );
    if let Some(e) = &s.repo_error {
        println!("last round failed: {e}");
    }
    println!(
        "{:<20} {:<17} {:<12} {:>4} {:<12} {:<15} ERROR",
        "APP", "PHASE", "HEALTH", "REV", "COMMIT", "RESULT"
    );
    for (name, a) in &s.apps {
        let phase = serde_json::to_value(a.phase).ok();
        let health = serde_json::to_value(a.health).ok();
        let word = |v: &Option<serde_json::Value>| {
            v.as_ref()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        let mut result = a.last_result.clone().unwrap_or_default();
        if a.pinned_from.is_some() {
            result = "pinned".into();
        }
        println!(
            "{name:<20} {:<17} {:<12} {:>4} {:<12} {:<15} {}",
            word(&phase),
            word(&health),
            a.revision
                .map(|r| r.to_string())
                .unwrap_or_else(|| "-".into()),
            a.commit.as_deref().map(short).unwrap_or("-"),
            result,
            a.last_error.as_deref().unwrap_or("")
        );
        if !a.drifted.is_empty() {
            println!("  drifted: {}", a.drifted.join(", "));
        }
    }
}

/// Runs `syncd resume`.
pub async fn resume(args: ResumeArgs) -> anyhow::Result<i32> {
    let s = &args.state;
    let cluster = connect(&s.cluster, None).await?;
    let pins = read_pins(&cluster, &s.state_namespace, &s.env).await?;
    if !pins.contains_key(&s.app) {
        println!("{}/{} is not pinned", s.env, s.app);
        return Ok(0);
    }
    delete_pin(&cluster, &s.state_namespace, &s.env, &s.app).await?;
    println!(
        "{}/{}: pin lifted; the daemon applies Git again at its next round",
        s.env, s.app
    );
    Ok(0)
}
