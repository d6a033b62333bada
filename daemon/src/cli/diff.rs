//! `syncd diff`: what a sync would change, as colored unified diffs and a one-line summary.

use super::common::{load_live, style};
use super::SyncArgs;
use crate::diff::{render_object_diff, Action, Change, Style};
use crate::engine::{plan_rendered, AppPlan, Target};

/// Tally of a diff across apps.
#[derive(Default)]
pub struct Tally {
    create: usize,
    update: usize,
    recreate: usize,
    prune: usize,
    unchanged: usize,
    conflicts: usize,
    refused: usize,
}

impl Tally {
    /// Adds one app's plan.
    pub fn add(&mut self, plan: &AppPlan) {
        for p in &plan.planned {
            match p.action {
                Action::Create => self.create += 1,
                Action::Update => self.update += 1,
                Action::Recreate => self.recreate += 1,
                Action::Unchanged | Action::JobGone => self.unchanged += 1,
                Action::Conflict => self.conflicts += 1,
            }
        }
        self.prune += plan.prune.delete.len();
        if plan.prune.refused.is_some() {
            self.refused += 1;
        }
    }

    /// Whether anything would change.
    pub fn changes(&self) -> bool {
        self.create + self.update + self.recreate + self.prune + self.conflicts > 0
    }

    /// `2 to create, 1 to update, 0 to recreate, 1 to prune, 40 unchanged`.
    pub fn line(&self) -> String {
        let mut s = format!(
            "{} to create, {} to update, {} to recreate, {} to prune, {} unchanged",
            self.create, self.update, self.recreate, self.prune, self.unchanged
        );
        if self.conflicts > 0 {
            s.push_str(&format!(", {} in conflict", self.conflicts));
        }
        if self.refused > 0 {
            s.push_str(&format!(", prune refused in {} app(s)", self.refused));
        }
        s
    }
}

/// Prints one app's plan as diffs.
pub fn print_plan(plan: &AppPlan, style: Style) {
    for d in plan.diffs() {
        if d.change == Change::Update && !d.is_change() {
            continue;
        }
        print!("{}", render_object_diff(&d, style));
    }
    for p in &plan.planned {
        if p.action == Action::Conflict {
            println!(
                "conflict {}: {}",
                p.pair.desired.id,
                p.note.as_deref().unwrap_or("")
            );
        }
    }
    if let Some(r) = &plan.prune.refused {
        println!(
            "prune refused for {}/{}: {r}",
            plan.target.env, plan.target.app
        );
    }
    for line in hook_lines(plan) {
        println!("{line}");
    }
    for note in &plan.churn {
        println!("{note}");
    }
}

/// Prints one app's plan, then `{what}: ` and its tally on one line (dry runs of sync and
/// rollback).
pub fn print_dry_run(plan: &AppPlan, style: Style, what: &str) {
    print_plan(plan, style);
    let mut tally = Tally::default();
    tally.add(plan);
    println!("{what}: {}", tally.line());
}

/// What a sync would do with chart hooks, one line each; hooks are listed, never run here.
pub fn hook_lines(plan: &AppPlan) -> Vec<String> {
    let mut out = Vec::new();
    let h = &plan.hooks;
    if let Some((pre, post)) = h.events {
        if !plan.has_changes() {
            if !h.pre.is_empty() || !h.post.is_empty() {
                out.push(format!(
                    "hooks: {}/{} is unchanged, so a sync runs no hooks",
                    plan.target.env, plan.target.app
                ));
            }
        } else {
            for (event, list) in [(pre, &h.pre), (post, &h.post)] {
                for r in list.iter() {
                    out.push(format!(
                        "hook {event} {} (weight {}) would run",
                        r.hook.manifest.id, r.hook.weight
                    ));
                }
            }
        }
    }
    for (id, events) in &h.not_run {
        out.push(format!("hook {id} ({events}) is not run by sync"));
    }
    out
}

/// Runs `syncd diff`.
pub async fn run(args: SyncArgs) -> anyhow::Result<i32> {
    let (loaded, cluster) = load_live(&args.select, &args.cluster).await?;
    let style = style(args.no_color);
    let overrides = args.overrides();
    let mut tally = Tally::default();
    for (app, rendered) in loaded.apps {
        let target = Target::of(&loaded.env, &app);
        let plan = plan_rendered(&cluster, target, rendered, overrides).await?;
        print_plan(&plan, style);
        tally.add(&plan);
    }
    println!("{}", tally.line());
    tracing::debug!(requests = %cluster.stats().summary(), "diff done");
    Ok(if tally.changes() { 1 } else { 0 })
}
