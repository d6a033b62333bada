//! The result of one app's sync: per-object outcomes, counts, and the revision recorded.

use crate::apply::{ApplyResult, HookResult};
use crate::diff::churn::ChurnNote;
use crate::diff::Action;
use crate::history::{Counts, Outcome, Revision};
use crate::object::ObjectId;
use crate::plan::{Refusal, SkipReason};
use crate::prune::PruneResult;

use super::AppPlan;

/// What a sync did.
#[derive(Debug)]
pub struct SyncReport {
    /// Environment.
    pub env: String,
    /// App.
    pub app: String,
    /// Per-object apply outcomes (writes only).
    pub applied: Vec<ApplyResult>,
    /// Per-object prune outcomes.
    pub pruned: Vec<PruneResult>,
    /// Objects that left Git but were kept, and why.
    pub kept: Vec<(ObjectId, SkipReason)>,
    /// Set when the prune was refused as a whole.
    pub prune_refused: Option<Refusal>,
    /// Prune was skipped because an apply failed.
    pub prune_skipped_after_failure: bool,
    /// Counts.
    pub counts: Counts,
    /// The revision recorded, when anything changed.
    pub revision: Option<Revision>,
    /// Chart hooks run, in order (a failed one is the last of its event).
    pub hooks: Vec<HookResult>,
    /// A pre-hook failed, so no object was written.
    pub stopped_by_pre_hook: bool,
    /// Chart hooks a sync never runs (`test`, delete, rollback), with their events.
    pub hooks_not_run: Vec<(ObjectId, String)>,
    /// Objects whose values differ between two renders.
    pub churn: Vec<ChurnNote>,
}

impl Counts {
    /// Objects written or deleted.
    pub fn changed(&self) -> usize {
        self.created + self.updated + self.recreated + self.pruned
    }
}

impl SyncReport {
    /// Tallies the outcome of a plan's execution.
    pub fn new(
        plan: &AppPlan,
        applied: Vec<ApplyResult>,
        pruned: Vec<PruneResult>,
        apply_failed: bool,
    ) -> SyncReport {
        let mut counts = Counts {
            objects: plan.planned.len(),
            ..Counts::default()
        };
        for p in &plan.planned {
            if matches!(p.action, Action::Unchanged | Action::JobGone) {
                counts.unchanged += 1;
            }
        }
        for r in &applied {
            if r.error.is_some() {
                counts.failed += 1;
                continue;
            }
            match r.action {
                Action::Create => counts.created += 1,
                Action::Update => counts.updated += 1,
                Action::Recreate => counts.recreated += 1,
                _ => {}
            }
        }
        for r in &pruned {
            if r.error.is_some() {
                counts.failed += 1;
            } else {
                counts.pruned += 1;
            }
        }
        SyncReport {
            env: plan.target.env.clone(),
            app: plan.target.app.clone(),
            applied,
            pruned,
            kept: plan.prune.skipped.clone(),
            prune_refused: plan.prune.refused.clone(),
            prune_skipped_after_failure: apply_failed && !plan.prune.delete.is_empty(),
            counts,
            revision: None,
            hooks: Vec::new(),
            stopped_by_pre_hook: false,
            hooks_not_run: plan.hooks.not_run.clone(),
            churn: plan.churn.clone(),
        }
    }

    /// Adds hook outcomes; each failed hook counts as a failure of the sync.
    pub fn add_hooks(&mut self, hooks: Vec<HookResult>) {
        self.counts.failed += hooks.iter().filter(|h| h.error.is_some()).count();
        self.hooks.extend(hooks);
    }

    /// Whether the sync fully succeeded (a refused prune counts as not succeeded).
    pub fn succeeded(&self) -> bool {
        self.counts.failed == 0 && self.prune_refused.is_none() && !self.prune_skipped_after_failure
    }

    /// The outcome recorded in history.
    pub fn outcome(&self) -> Outcome {
        if self.succeeded() {
            return Outcome::Succeeded;
        }
        let mut parts: Vec<String> = self
            .applied
            .iter()
            .filter_map(|r| r.error.as_ref().map(|e| format!("{}: {e}", r.id)))
            .chain(
                self.pruned
                    .iter()
                    .filter_map(|r| r.error.as_ref().map(|e| format!("prune {}: {e}", r.id))),
            )
            .chain(self.hooks.iter().filter_map(|h| {
                h.error
                    .as_ref()
                    .map(|e| format!("{} hook {}: {e}", h.event, h.id))
            }))
            .collect();
        if self.stopped_by_pre_hook {
            parts.push("stopped before writing any object".into());
        }
        if let Some(r) = &self.prune_refused {
            parts.push(r.to_string());
        }
        if self.prune_skipped_after_failure {
            parts.push("prune skipped because an apply failed".into());
        }
        Outcome::Failed {
            message: parts.join("; "),
        }
    }
}
