//! `syncd history` and `syncd rollback`: read and re-apply revisions stored in the cluster.

use super::common::{connect, style};
use super::diff::print_dry_run;
use super::sync::{print_report, run_plan};
use super::{HistoryArgs, RollbackArgs};
use crate::engine::{
    list_revisions, outcome_word, plan_rollback_to, write_pin, PruneOverrides, RollbackPlan,
};
use crate::history::Outcome;

/// Runs `syncd history`.
pub async fn run(args: HistoryArgs) -> anyhow::Result<i32> {
    let s = &args.state;
    let cluster = connect(&s.cluster, None).await?;
    let revisions = list_revisions(&cluster, &s.state_namespace, &s.env, &s.app).await?;
    if revisions.is_empty() {
        println!(
            "{}/{} has no revisions in namespace {}",
            s.env, s.app, s.state_namespace
        );
        return Ok(0);
    }
    println!(
        "{:<4} {:<21} {:<12} {:>7} {:>7} {:>7} {:>7} {:>6}  {:<9} NOTE",
        "REV", "TIME", "COMMIT", "OBJECTS", "CREATED", "UPDATED", "PRUNED", "FAILED", "RESULT"
    );
    for (r, _) in &revisions {
        let commit = r
            .commit
            .as_deref()
            .map(|c| {
                format!(
                    "{}{}",
                    &c[..c.len().min(10)],
                    if r.dirty { "+" } else { "" }
                )
            })
            .unwrap_or_else(|| "-".into());
        let mut note = r
            .rollback_of
            .map(|n| format!("rollback to {n}"))
            .unwrap_or_default();
        if let Outcome::Failed { message } = &r.outcome {
            if !note.is_empty() {
                note.push_str("; ");
            }
            note.push_str(message);
        }
        let c = &r.counts;
        println!(
            "{:<4} {:<21} {:<12} {:>7} {:>7} {:>7} {:>7} {:>6}  {:<9} {note}",
            r.number,
            r.time,
            commit,
            c.objects,
            c.created,
            c.updated + c.recreated,
            c.pruned,
            c.failed,
            outcome_word(&r.outcome)
        );
    }
    Ok(0)
}

/// Runs `syncd rollback`.
pub async fn rollback(args: RollbackArgs) -> anyhow::Result<i32> {
    let s = &args.state;
    let cluster = connect(&s.cluster, None).await?;
    let overrides = PruneOverrides {
        allow_empty: false,
        allow_over_budget: args.allow_prune_over_budget,
    };
    let RollbackPlan {
        plan,
        provenance,
        revision,
        from_commit,
    } = plan_rollback_to(
        &cluster,
        &s.state_namespace,
        &s.env,
        &s.app,
        args.to,
        overrides,
    )
    .await?;
    let name = format!("{}/{}", s.env, s.app);
    if args.dry_run {
        print_dry_run(
            &plan,
            style(args.no_color),
            &format!("{name}: dry run of rollback to revision {revision}"),
        );
        return Ok(0);
    }
    // The revision's pre-/post-rollback hooks run around it, when it changes anything.
    let report = run_plan(&cluster, plan, provenance, Default::default()).await?;
    println!("{name}: rolled back to revision {revision}");
    // A daemon must not re-apply the commit just rolled back from.
    let pin = crate::history::Pin {
        app: s.app.clone(),
        from_commit,
        revision,
        time: crate::history::now_rfc3339(),
    };
    write_pin(&cluster, &s.state_namespace, &s.env, &pin).await?;
    println!(
        "{name}: pinned until a new commit or `syncd resume -e {} -a {}`",
        s.env, s.app
    );
    print_report(&name, &report);
    Ok(if report.succeeded() { 0 } else { 2 })
}
