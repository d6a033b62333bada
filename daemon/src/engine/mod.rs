//! The thin engine: wires `render → plan → diff → [pre-hooks] → apply → prune → [post-hooks] →
//! history` for one app. Every decision lives in the stage modules; this file only orders the
//! calls and carries data (chart-only steps are in `chart`).

mod access;
mod chart;
mod error;
mod live;
mod live_render;
mod release;
mod removed;
mod report;
mod resolve;
mod rollback;
mod state;
mod stored_hooks;

use std::collections::HashSet;
use std::time::Duration;

use serde_json::Value;
use syncd_config::SyncPolicy;
use tracing::Instrument;

use crate::apply::{apply_all, run_hooks, Progress};
use crate::cluster::Cluster;
use crate::diff::churn::{variations, ChurnNote, Variation};
use crate::diff::{classify, Action, Change, ObjectDiff, Planned};
use crate::history::{self, Outcome, PolicySnapshot, Revision};
use crate::inventory::{Entry, Inventory};
use crate::object::{Manifest, ObjectId};
use crate::plan::{self, PruneDecision, PruneInput, ReleaseKind};
use crate::prune::prune_all;
use crate::render::{reject_duplicates, RenderedApp};

pub use access::{check_access, required_access, AccessCheck, AccessContext, Denied};
pub use chart::PlannedHooks;
pub use error::EngineError;
pub use live_render::{capabilities, ClusterLookup};
pub use release::{read_release, release_for};
pub use removed::{plan_removal, removed_apps};
pub use report::SyncReport;
pub use rollback::{load_revision_with_hooks, plan_rollback_to, RollbackPlan};
pub use state::{
    delete_pin, list_inventories, list_revisions, mark_revision_health, read_pins, write_pin,
};
pub use stored_hooks::ANNOTATION_STORED_HOOK;

/// Which app, where its state lives, and how to sync it.
#[derive(Clone, Debug)]
pub struct Target {
    /// Environment.
    pub env: String,
    /// App.
    pub app: String,
    /// Namespace of syncd's inventory and history.
    pub state_namespace: String,
    /// Sync policy.
    pub policy: SyncPolicy,
}

impl Target {
    /// The target of one resolved app of `env`.
    pub fn of(env: &syncd_config::ResolvedEnv, app: &syncd_config::ResolvedApp) -> Target {
        Target {
            env: env.name.clone(),
            app: app.name.clone(),
            state_namespace: env.state_namespace.clone(),
            policy: app.policy.clone(),
        }
    }

    /// The target of an app known only from its history (a rollback, an app gone from Git),
    /// under the policy a revision recorded (the default policy when it recorded none).
    pub fn from_history(
        state_namespace: &str,
        env: &str,
        app: &str,
        policy: Option<&PolicySnapshot>,
    ) -> Target {
        Target {
            env: env.to_string(),
            app: app.to_string(),
            state_namespace: state_namespace.to_string(),
            policy: policy.map(PolicySnapshot::to_policy).unwrap_or_default(),
        }
    }
}

/// Explicit user permissions that relax prune safety.
#[derive(Clone, Copy, Debug, Default)]
pub struct PruneOverrides {
    /// Allow pruning everything when the render is empty.
    pub allow_empty: bool,
    /// Allow a prune over the budget.
    pub allow_over_budget: bool,
}

/// Where the manifests came from, for the history record.
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    /// Git commit.
    pub commit: Option<String>,
    /// Uncommitted changes were rendered.
    pub dirty: bool,
    /// This sync re-applies revision N.
    pub rollback_of: Option<u64>,
    /// Remote sources of the render, pinned.
    pub sources: Vec<history::SourceRecord>,
}

/// How a sync runs beyond what the plan decided.
#[derive(Clone, Copy, Debug)]
pub struct ExecuteOptions {
    /// How long one chart hook may run before it counts as failed.
    pub hook_timeout: Duration,
}

impl Default for ExecuteOptions {
    fn default() -> ExecuteOptions {
        ExecuteOptions {
            hook_timeout: Duration::from_secs(300),
        }
    }
}

/// Everything decided for one app before anything is written.
#[derive(Debug)]
pub struct AppPlan {
    /// The app.
    pub target: Target,
    /// Desired objects with their actions, in apply order.
    pub planned: Vec<Planned>,
    /// The prune decision.
    pub prune: PruneDecision,
    /// What syncd applied last.
    pub previous: Inventory,
    /// Chart hooks (run only when the sync changes something).
    pub hooks: PlannedHooks,
    /// Objects whose rendered values differ between two renders of the same inputs.
    pub churn: Vec<ChurnNote>,
}

impl AppPlan {
    /// Diffs of every change (creates, updates, recreates, then prunes).
    pub fn diffs(&self) -> Vec<ObjectDiff> {
        let mut out: Vec<ObjectDiff> = self.planned.iter().filter_map(|p| p.diff.clone()).collect();
        let refused = self.prune.refused.as_ref().map(|r| r.to_string());
        for t in &self.prune.delete {
            out.push(ObjectDiff::new(
                t.id.clone(),
                Change::Prune,
                Some(&t.live),
                None,
                refused.clone(),
            ));
        }
        out
    }

    /// Whether applying would write anything.
    pub fn has_changes(&self) -> bool {
        self.planned
            .iter()
            .any(|p| matches!(p.action, Action::Create | Action::Update | Action::Recreate))
            || !self.prune.delete.is_empty()
    }
}

/// Resolves, reads live state, pairs, dry-runs and decides prunes for a rendered app; also plans
/// its chart hooks and, when it was rendered twice, keeps live values where the two renders
/// disagree. Writes nothing.
pub async fn plan_rendered(
    cluster: &Cluster,
    target: Target,
    rendered: RenderedApp,
    overrides: PruneOverrides,
) -> Result<AppPlan, EngineError> {
    let span = tracing::info_span!("plan", env = %target.env, app = %target.app);
    plan_inner(cluster, target, rendered, overrides)
        .instrument(span)
        .await
}

async fn plan_inner(
    cluster: &Cluster,
    target: Target,
    rendered: RenderedApp,
    overrides: PruneOverrides,
) -> Result<AppPlan, EngineError> {
    // Compared before kinds are resolved, while both renders went through the same steps.
    let varied = match &rendered.second_render {
        Some(second) => variations(&rendered.manifests, second),
        None => Default::default(),
    };
    let next = rendered
        .next_revision
        .filter(|n| n.manifests != rendered.manifests || n.hooks != rendered.hooks);
    let plan = plan_once(
        cluster,
        target.clone(),
        (rendered.manifests, rendered.hooks),
        varied.clone(),
        None,
        overrides,
    )
    .await?;
    match next {
        // The chart stamps `.Release.Revision` and this sync records a new revision: apply what
        // the chart renders for that revision, so the next no-op sync renders the same.
        Some(n) if plan.has_changes() => {
            plan_once(
                cluster,
                target,
                (n.manifests, n.hooks),
                varied,
                None,
                overrides,
            )
            .await
        }
        _ => Ok(plan),
    }
}

/// Plans `syncd rollback` of a stored revision: its objects, and its hooks as rollback hooks.
pub async fn plan_rollback(
    cluster: &Cluster,
    target: Target,
    manifests: Vec<Manifest>,
    hooks: Vec<Manifest>,
    overrides: PruneOverrides,
) -> Result<AppPlan, EngineError> {
    let span = tracing::info_span!("plan", env = %target.env, app = %target.app, rollback = true);
    plan_once(
        cluster,
        target,
        (manifests, hooks),
        Default::default(),
        Some(ReleaseKind::Rollback),
        overrides,
    )
    .instrument(span)
    .await
}

/// One planning pass over (manifests, hook manifests); `kind` overrides install/upgrade.
async fn plan_once(
    cluster: &Cluster,
    target: Target,
    (mut manifests, hook_manifests): (Vec<Manifest>, Vec<Manifest>),
    mut varied: std::collections::HashMap<ObjectId, Variation>,
    kind: Option<ReleaseKind>,
    overrides: PruneOverrides,
) -> Result<AppPlan, EngineError> {
    let variation_of: Vec<Option<Variation>> =
        manifests.iter().map(|m| varied.remove(&m.id)).collect();
    let resources = resolve::resolve_kinds(cluster, &mut manifests).await?;
    reject_duplicates(&manifests)?;
    let hooks = chart::resolve_hooks(cluster, hook_manifests).await?;
    let previous =
        state::read_inventory(cluster, &target.state_namespace, &target.env, &target.app).await?;

    let mut wanted = Vec::new();
    for (m, ri) in manifests.iter().zip(&resources) {
        if let Some(ri) = ri {
            wanted.push((ri.clone(), m.id.clone()));
        }
    }
    for (id, entry) in &previous.entries {
        // A kind no longer served means its objects are gone with it. A discovery *error* must
        // stop the sync instead: treating it as "gone" would drop the objects from the inventory
        // and syncd would lose track of them.
        let served = cluster
            .resource(&entry.api_version, &id.kind)
            .await
            .map_err(error::at(format!(
                "discovering {} for the inventory",
                entry.api_version
            )))?;
        if let Some(ri) = served {
            wanted.push((ri, id.clone()));
        }
    }
    let owned = crate::object::owner_selector(&target.env, &target.app);
    let live = live::read_live(cluster, &wanted, &owned).await?;

    let churn = chart::keep_live_values(&mut manifests, variation_of, &live);
    let release = kind.unwrap_or_else(|| ReleaseKind::from_inventory(!previous.entries.is_empty()));
    let hooks = chart::planned_hooks(hooks, release);

    let desired_ids: HashSet<ObjectId> = manifests.iter().map(|m| m.id.clone()).collect();
    let resource_of: std::collections::HashMap<ObjectId, _> = manifests
        .iter()
        .map(|m| m.id.clone())
        .zip(resources)
        .collect();
    let pairs = plan::pair(manifests, &live, &previous);
    let new_namespaces: Vec<String> = pairs
        .iter()
        .filter(|p| p.desired.id.kind == "Namespace" && p.step == plan::Step::Create)
        .map(|p| p.desired.id.name.clone())
        .collect();

    let mut planned = Vec::with_capacity(pairs.len());
    let mut rejected = Vec::new();
    for pair in pairs {
        let ri = resource_of[&pair.desired.id].clone();
        match classify(cluster, pair, ri, &target.policy, &new_namespaces).await {
            Ok(p) => planned.push(p),
            Err(r) => rejected.push(r),
        }
    }
    if !rejected.is_empty() {
        return Err(EngineError::Rejected(rejected));
    }

    let prune = plan::select_prune(&PruneInput {
        previous: &previous,
        desired: &desired_ids,
        live: &live,
        env: &target.env,
        app: &target.app,
        policy: &target.policy,
        allow_empty: overrides.allow_empty,
        allow_over_budget: overrides.allow_over_budget,
    });
    Ok(AppPlan {
        target,
        planned,
        prune,
        previous,
        hooks,
        churn,
    })
}

/// Applies a plan, prunes (only when every apply succeeded), updates the inventory and records
/// a revision when anything changed. Chart hooks run with the default [`ExecuteOptions`].
pub async fn execute(
    cluster: &Cluster,
    plan: AppPlan,
    provenance: Provenance,
    progress: Progress<'_>,
) -> Result<SyncReport, EngineError> {
    execute_with(
        cluster,
        plan,
        provenance,
        ExecuteOptions::default(),
        progress,
    )
    .await
}

/// [`execute`] with options. When the plan changes anything, chart pre-hooks run first (a failure
/// stops the sync before any object is written), post-hooks after the apply and prune (a failure
/// fails the sync and is recorded). A sync that changes nothing runs no hooks.
pub async fn execute_with(
    cluster: &Cluster,
    plan: AppPlan,
    provenance: Provenance,
    options: ExecuteOptions,
    progress: Progress<'_>,
) -> Result<SyncReport, EngineError> {
    let span = tracing::info_span!(
        "sync",
        env = %plan.target.env,
        app = %plan.target.app,
        commit = ?provenance.commit,
        rollback_of = ?provenance.rollback_of
    );
    execute_inner(cluster, plan, provenance, options, progress)
        .instrument(span)
        .await
}

async fn execute_inner(
    cluster: &Cluster,
    mut plan: AppPlan,
    provenance: Provenance,
    options: ExecuteOptions,
    progress: Progress<'_>,
) -> Result<SyncReport, EngineError> {
    let t = plan.target.clone();
    // Refused up front, so missing permissions never leave a sync half-written.
    let mut state_ns_ready = access::check_access(cluster, &plan).await?;
    // Hooks run when the release changes (as Argo CD and Flux do), never on a no-op sync.
    let hook_events = plan.hooks.events.filter(|_| plan.has_changes());
    let mut hook_results = Vec::new();
    if let Some((pre, _)) = hook_events {
        hook_results = run_hooks(cluster, &plan.hooks.pre, pre, options.hook_timeout).await;
        if hook_results.iter().any(|r| r.error.is_some()) {
            // Nothing of the release was written: no inventory, no revision.
            let mut report = SyncReport::new(&plan, Vec::new(), Vec::new(), false);
            report.add_hooks(hook_results);
            report.stopped_by_pre_hook = true;
            return Ok(report);
        }
    }
    // Write-ahead: objects about to be created are in the inventory before they exist. Without
    // it a crash between their apply and the inventory write below leaves objects syncd applied
    // but does not track, and once Git drops them no sync ever prunes them.
    let ahead = write_ahead(
        &plan.previous,
        plan.planned
            .iter()
            .map(|p| (&p.pair.desired.id, p.pair.desired.api_version.as_str())),
    );
    if let Some(ahead) = ahead {
        ensure_state_namespace(cluster, &t.state_namespace, &mut state_ns_ready).await?;
        state::write_inventory(cluster, &t.state_namespace, &t.env, &t.app, &ahead).await?;
    }
    let applied = apply_all(
        cluster,
        &mut plan.planned,
        t.policy.force_conflicts,
        progress,
    )
    .await;
    let apply_failed = applied.iter().any(|r| r.error.is_some());
    let pruned = if apply_failed {
        Vec::new()
    } else {
        prune_all(cluster, &plan.prune.delete).await
    };

    if let (Some((_, post)), false) = (hook_events, apply_failed) {
        let post_results = run_hooks(cluster, &plan.hooks.post, post, options.hook_timeout).await;
        hook_results.extend(post_results);
    }

    let inventory = next_inventory(&plan, &applied, &pruned);
    let mut report = SyncReport::new(&plan, applied, pruned, apply_failed);
    report.add_hooks(hook_results);
    let inventory_changed = inventory != plan.previous;
    let record = report.counts.changed() > 0 || report.counts.failed > 0;
    // The state namespace is made sure of only when syncd is about to write its state.
    if inventory_changed || record {
        ensure_state_namespace(cluster, &t.state_namespace, &mut state_ns_ready).await?;
    }
    if inventory_changed {
        state::write_inventory(cluster, &t.state_namespace, &t.env, &t.app, &inventory).await?;
    }
    if record {
        let manifests: Vec<Value> = plan
            .planned
            .iter()
            .map(|p| p.pair.desired.object.clone())
            .chain(plan.hooks.objects.iter().map(stored_hooks::mark))
            .collect();
        let revision = Revision {
            number: 0,
            time: history::now_rfc3339(),
            commit: provenance.commit,
            dirty: provenance.dirty,
            counts: report.counts.clone(),
            outcome: report.outcome(),
            rollback_of: provenance.rollback_of,
            sha256: String::new(),
            policy: Some(PolicySnapshot::of(&t.policy)),
            sources: provenance.sources,
        };
        let recorded = state::record_revision(
            cluster,
            &t.state_namespace,
            &t.env,
            &t.app,
            revision,
            &manifests,
            t.policy.history_limit,
        )
        .await?;
        report.revision = Some(recorded);
    }
    Ok(report)
}

/// Creates the state namespace unless this sync already saw it (the access check) or made sure
/// of it (the write-ahead): one look per sync at most.
async fn ensure_state_namespace(
    cluster: &Cluster,
    ns: &str,
    ready: &mut bool,
) -> Result<(), EngineError> {
    if !*ready {
        state::ensure_namespace(cluster, ns).await?;
        *ready = true;
    }
    Ok(())
}

/// The inventory to record before applying: `previous` plus every desired object it lacks
/// (with an empty hash: never applied as far as syncd knows); `None` when it lacks none.
fn write_ahead<'a>(
    previous: &Inventory,
    desired: impl Iterator<Item = (&'a ObjectId, &'a str)>,
) -> Option<Inventory> {
    let mut inv = previous.clone();
    let mut added = false;
    for (id, api_version) in desired {
        if !inv.entries.contains_key(id) {
            inv.entries.insert(
                id.clone(),
                Entry {
                    api_version: api_version.to_owned(),
                    hash: String::new(),
                },
            );
            added = true;
        }
    }
    added.then_some(inv)
}

/// The inventory after a sync: every desired object (with its hash once applied), plus objects
/// still syncd's responsibility though not rendered (refused or failed prunes).
fn next_inventory(
    plan: &AppPlan,
    applied: &[crate::apply::ApplyResult],
    pruned: &[crate::prune::PruneResult],
) -> Inventory {
    let failed: HashSet<&ObjectId> = applied
        .iter()
        .filter(|r| r.error.is_some())
        .map(|r| &r.id)
        .collect();
    let mut inv = Inventory::default();
    for p in &plan.planned {
        let id = &p.pair.desired.id;
        let hash = if failed.contains(id) {
            // Unknown state: an empty hash forces a server check next time.
            String::new()
        } else {
            p.pair.hash.clone()
        };
        inv.entries.insert(
            id.clone(),
            Entry {
                api_version: p.pair.desired.api_version.clone(),
                hash,
            },
        );
    }
    for (id, entry) in &plan.prune.carry {
        inv.entries.insert(id.clone(), entry.clone());
    }
    let pruned_ok: HashSet<&ObjectId> = pruned
        .iter()
        .filter(|r| r.error.is_none())
        .map(|r| &r.id)
        .collect();
    for t in &plan.prune.delete {
        if !pruned_ok.contains(&t.id) {
            inv.entries
                .insert(t.id.clone(), plan.previous.entries[&t.id].clone());
        }
    }
    inv
}

/// Convenience for the CLI: an [`Outcome`] as a short word.
pub fn outcome_word(o: &Outcome) -> &'static str {
    match o {
        Outcome::Succeeded => "succeeded",
        Outcome::Failed { .. } => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_about_to_be_created_are_recorded_before_the_apply() {
        let id = |n: &str| ObjectId::new("v1", "ConfigMap", Some("ns"), n);
        let mut previous = Inventory::default();
        previous.entries.insert(
            id("kept"),
            Entry {
                api_version: "v1".into(),
                hash: "h".into(),
            },
        );
        let (kept, new) = (id("kept"), id("new"));
        let ahead = write_ahead(&previous, [(&kept, "v1"), (&new, "v1")].into_iter())
            .expect("a new object is written ahead");
        assert_eq!(
            ahead.entries[&kept].hash, "h",
            "known entries keep their hash"
        );
        assert_eq!(
            ahead.entries[&new].hash, "",
            "a new one is not known to be applied"
        );
        assert!(
            write_ahead(&previous, [(&kept, "v1")].into_iter()).is_none(),
            "nothing new, nothing to write"
        );
    }
}
