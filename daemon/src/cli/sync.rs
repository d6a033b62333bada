//! `syncd sync`: render every selected app, then plan, apply, prune and record each.

use super::common::{load_live, progress, style};
use super::diff::print_dry_run;
use super::SyncArgs;
use crate::cluster::Cluster;
use crate::engine::{
    execute_with, plan_removal, plan_rendered, removed_apps, AppPlan, ExecuteOptions, Provenance,
    PruneOverrides, SyncReport, Target,
};
use crate::object::ObjectId;
use crate::source::AppSources;

/// Runs `syncd sync`.
pub async fn run(args: SyncArgs) -> anyhow::Result<i32> {
    let (loaded, cluster) = load_live(&args.select, &args.cluster).await?;
    let overrides = args.overrides();
    let mut ok = true;
    for (app, rendered) in loaded.apps {
        let target = Target::of(&loaded.env, &app);
        let name = format!("{}/{}", target.env, target.app);
        let plan = match plan_rendered(&cluster, target, rendered, overrides).await {
            Ok(plan) => plan,
            Err(e) => {
                eprintln!("{name}: not synced: {e}");
                ok = false;
                continue;
            }
        };
        let provenance = Provenance {
            commit: loaded.source.commit.clone(),
            dirty: loaded.source.dirty,
            rollback_of: None,
            sources: loaded
                .sources
                .get(&app.name)
                .map(AppSources::records)
                .unwrap_or_default(),
        };
        ok &= sync_planned(&args, &cluster, &name, plan, provenance).await;
    }
    if args.select.app.is_empty() {
        ok &= prune_removed(&args, &cluster, &loaded.env, overrides).await;
    }
    tracing::debug!(requests = %cluster.stats().summary(), "sync done");
    Ok(if ok { 0 } else { 2 })
}

/// Apps that left the environment (an inventory but no entry any more) lose every object they
/// still own: planned as an empty render, under their last revision's policy and prune budget.
async fn prune_removed(
    args: &SyncArgs,
    cluster: &Cluster,
    env: &syncd_config::ResolvedEnv,
    overrides: PruneOverrides,
) -> bool {
    let listed: Vec<String> = env.apps.iter().map(|a| a.name.clone()).collect();
    let removed = match removed_apps(cluster, &env.state_namespace, &env.name, &listed).await {
        Ok(removed) => removed,
        Err(e) => {
            eprintln!("{}: apps removed from the environment: {e}", env.name);
            return false;
        }
    };
    let mut ok = true;
    for app in removed {
        let name = format!("{}/{app} (removed from the environment)", env.name);
        let plan =
            match plan_removal(cluster, &env.state_namespace, &env.name, &app, overrides).await {
                Ok(plan) => plan,
                Err(e) => {
                    eprintln!("{name}: not pruned: {e}");
                    ok = false;
                    continue;
                }
            };
        ok &= sync_planned(args, cluster, &name, plan, Provenance::default()).await;
    }
    ok
}

/// Prints a planned app under `--dry-run`, else executes it and prints its report; returns
/// whether it succeeded.
async fn sync_planned(
    args: &SyncArgs,
    cluster: &Cluster,
    name: &str,
    plan: AppPlan,
    provenance: Provenance,
) -> bool {
    if args.dry_run {
        print_dry_run(
            &plan,
            style(args.no_color),
            &format!("{name}: dry run, nothing written"),
        );
        return true;
    }
    let options = ExecuteOptions {
        hook_timeout: args.hook_timeout,
    };
    match run_plan(cluster, plan, provenance, options).await {
        Ok(report) => {
            print_report(name, &report);
            report.succeeded()
        }
        Err(e) => {
            eprintln!("{name}: {e}");
            false
        }
    }
}

/// Executes a plan with a progress bar.
pub async fn run_plan(
    cluster: &Cluster,
    plan: AppPlan,
    provenance: Provenance,
    options: ExecuteOptions,
) -> Result<SyncReport, crate::engine::EngineError> {
    let bar = progress(
        plan.planned.len() as u64,
        &format!("{}/{}", plan.target.env, plan.target.app),
    );
    let tick = |_: &ObjectId| bar.inc(1);
    let report = execute_with(cluster, plan, provenance, options, &tick).await;
    bar.finish_and_clear();
    report
}

/// Prints what a sync did: hooks run, failures per object, churn notes, then one summary line.
pub fn print_report(name: &str, report: &SyncReport) {
    for h in &report.hooks {
        match &h.error {
            None => println!(
                "{name}: {} hook {} (weight {}) succeeded",
                h.event, h.id, h.weight
            ),
            Some(e) => println!(
                "{name}: {} hook {} (weight {}) failed: {e}",
                h.event, h.id, h.weight
            ),
        }
    }
    if report.stopped_by_pre_hook {
        println!("{name}: a pre-hook failed; no object was written, nothing pruned");
    }
    for (id, events) in &report.hooks_not_run {
        println!("{name}: hook {id} ({events}) is not run by sync");
    }
    for note in &report.churn {
        println!("{name}: {note}");
    }
    for r in &report.applied {
        if let Some(e) = &r.error {
            println!("{name}: failed {}: {e}", r.id);
        }
    }
    for r in &report.pruned {
        if let Some(e) = &r.error {
            println!("{name}: prune failed {}: {e}", r.id);
        }
    }
    for (id, why) in &report.kept {
        tracing::info!(object = %id, reason = ?why, "left in place, not pruned");
    }
    if let Some(r) = &report.prune_refused {
        println!("{name}: prune refused: {r}");
    }
    if report.prune_skipped_after_failure {
        println!("{name}: prune skipped because an apply failed");
    }
    let c = &report.counts;
    let revision = report
        .revision
        .as_ref()
        .map(|r| format!(", revision {}", r.number))
        .unwrap_or_else(|| ", nothing changed".into());
    println!(
        "{name}: {} created, {} updated, {} recreated, {} pruned, {} unchanged, {} failed{revision}",
        c.created, c.updated, c.recreated, c.pruned, c.unchanged, c.failed
    );
}
