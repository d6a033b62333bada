//! The chart-only steps of planning: resolving and parsing hook objects, picking the hooks of a
//! sync, and keeping live values where two renders of the same inputs disagree.

use std::collections::HashMap;

use serde_json::Value;

use crate::apply::ResolvedHook;
use crate::cluster::{Cluster, ResourceInfo};
use crate::diff::churn::{splice_live, ChurnNote, Variation};
use crate::object::{Manifest, ObjectId};
use crate::plan::hooks::parse_hook;
use crate::plan::{plan_hooks, Hook, HookEvent, LiveSet, ReleaseKind};

use super::error::EngineError;
use super::resolve;

/// The chart hooks of one sync, resolved and in run order.
#[derive(Clone, Debug, Default)]
pub struct PlannedHooks {
    /// The events run before and after the main apply (`None` without hooks).
    pub events: Option<(HookEvent, HookEvent)>,
    /// Hooks run before the main apply.
    pub pre: Vec<ResolvedHook>,
    /// Hooks run after the main apply and prune.
    pub post: Vec<ResolvedHook>,
    /// Hooks a sync never runs (`test`, delete and rollback hooks), with their events.
    pub not_run: Vec<(ObjectId, String)>,
    /// Every hook object of the app, stored with the revision for `syncd rollback`.
    pub objects: Vec<Value>,
}

/// Hook objects with their kinds resolved and annotations parsed.
pub struct ParsedHooks {
    hooks: Vec<Hook>,
    resources: HashMap<ObjectId, ResourceInfo>,
}

/// Resolves every hook's kind (it must be served already) and parses its annotations.
pub async fn resolve_hooks(
    cluster: &Cluster,
    mut manifests: Vec<Manifest>,
) -> Result<ParsedHooks, EngineError> {
    let found = resolve::resolve_kinds(cluster, &mut manifests).await?;
    let mut out = ParsedHooks {
        hooks: Vec::new(),
        resources: HashMap::new(),
    };
    for (m, ri) in manifests.into_iter().zip(found) {
        let Some(ri) = ri else {
            // A CRD of the same app is applied after pre-hooks run, so its kinds cannot be hooks.
            return Err(EngineError::UnknownKind {
                api_version: m.api_version.clone(),
                id: m.id,
                origin: m.origin,
            });
        };
        if let Some(h) = parse_hook(m)? {
            out.resources.insert(h.manifest.id.clone(), ri);
            out.hooks.push(h);
        }
    }
    Ok(out)
}

/// The hooks a sync (or rollback) of `kind` runs, in order, with every hook object kept for
/// the history record.
pub fn planned_hooks(parsed: ParsedHooks, kind: ReleaseKind) -> PlannedHooks {
    let plan = plan_hooks(&parsed.hooks, kind);
    let resolve_all = |list: Vec<Hook>| -> Vec<ResolvedHook> {
        list.into_iter()
            .map(|h| ResolvedHook {
                resource: parsed.resources[&h.manifest.id].clone(),
                hook: h,
            })
            .collect()
    };
    PlannedHooks {
        events: plan.events,
        pre: resolve_all(plan.pre),
        post: resolve_all(plan.post),
        not_run: plan.not_run,
        objects: parsed
            .hooks
            .iter()
            .map(|h| h.manifest.object.clone())
            .collect(),
    }
}

/// Splices live values into the objects that vary between renders and exist live; returns a
/// note per varying object.
pub fn keep_live_values(
    manifests: &mut [Manifest],
    variation_of: Vec<Option<Variation>>,
    live: &LiveSet,
) -> Vec<ChurnNote> {
    let mut notes = Vec::new();
    for (m, variation) in manifests.iter_mut().zip(variation_of) {
        let Some(variation) = variation else { continue };
        let live_obj = live.get(&m.id);
        if let (Variation::Paths(paths), Some(l)) = (&variation, live_obj) {
            splice_live(&mut m.object, l, paths);
        }
        notes.push(ChurnNote {
            id: m.id.clone(),
            variation,
            live: live_obj.is_some(),
        });
    }
    notes
}
