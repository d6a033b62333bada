//! Prune safety: which objects that left Git may be deleted. Fails closed — an empty render, a
//! prune over budget, or an object that no longer carries syncd's mark deletes nothing.

use std::collections::HashSet;

use serde_json::Value;
use syncd_config::SyncPolicy;

use crate::inventory::{Entry, Inventory};
use crate::object::{owned_by, prune_disabled, str_at, ObjectId};
use crate::plan::order::prune_cmp;
use crate::plan::LiveSet;

/// Everything the prune decision looks at.
pub struct PruneInput<'a> {
    /// What syncd applied last.
    pub previous: &'a Inventory,
    /// Identities in the current render.
    pub desired: &'a HashSet<ObjectId>,
    /// Live objects read in bulk.
    pub live: &'a LiveSet,
    /// Owning environment.
    pub env: &'a str,
    /// Owning app.
    pub app: &'a str,
    /// The app's policy.
    pub policy: &'a SyncPolicy,
    /// The user explicitly allowed pruning everything when the render is empty.
    pub allow_empty: bool,
    /// The user explicitly allowed a prune over the budget.
    pub allow_over_budget: bool,
}

/// An object to delete, with the uid it must still have (a precondition on the delete).
#[derive(Clone, Debug)]
pub struct PruneTarget {
    /// Identity.
    pub id: ObjectId,
    /// `apiVersion` to address it with.
    pub api_version: String,
    /// uid of the live object we decided on.
    pub uid: Option<String>,
    /// The live object (for display).
    pub live: Value,
}

/// Why an object that left Git is not deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// Already gone from the cluster.
    AlreadyGone,
    /// It no longer carries syncd's ownership labels for this env/app.
    NotOwned,
    /// Annotated `syncd.io/prune: disabled`.
    Protected,
    /// The app's policy has `prune: false`.
    PolicyDisabled,
}

/// Why the whole prune was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The render is empty while the app had objects: most likely a broken source, not intent.
    EmptyRender {
        /// Objects in the previous inventory.
        previous: usize,
    },
    /// More would be deleted than the prune budget allows.
    OverBudget {
        /// Objects that would be deleted.
        deletes: usize,
        /// Objects in the previous inventory.
        previous: usize,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::EmptyRender { previous } => write!(
                f,
                "render is empty but the app had {previous} objects; refusing to prune (use --allow-empty-prune if this is intended)"
            ),
            Refusal::OverBudget { deletes, previous } => write!(
                f,
                "would delete {deletes} of {previous} objects, over the prune budget; refusing to prune (use --allow-prune-over-budget if this is intended)"
            ),
        }
    }
}

/// The prune decision.
#[derive(Clone, Debug, Default)]
pub struct PruneDecision {
    /// Objects to delete, in prune order.
    pub delete: Vec<PruneTarget>,
    /// Objects left alone, and why.
    pub skipped: Vec<(ObjectId, SkipReason)>,
    /// Set when the whole prune was refused (then `delete` is empty).
    pub refused: Option<Refusal>,
    /// Inventory entries to carry over (objects still syncd's responsibility although not
    /// rendered: refused or policy-disabled prunes).
    pub carry: Vec<(ObjectId, Entry)>,
}

/// Decides what may be pruned.
pub fn select_prune(input: &PruneInput<'_>) -> PruneDecision {
    let mut decision = PruneDecision::default();
    let mut candidates = Vec::new();
    for (id, entry) in &input.previous.entries {
        if input.desired.contains(id) {
            continue;
        }
        let Some(live) = input.live.get(id) else {
            decision.skipped.push((id.clone(), SkipReason::AlreadyGone));
            continue;
        };
        if !owned_by(live, input.env, input.app) {
            decision.skipped.push((id.clone(), SkipReason::NotOwned));
            continue;
        }
        if prune_disabled(live) {
            decision.skipped.push((id.clone(), SkipReason::Protected));
            continue;
        }
        if !input.policy.prune {
            decision
                .skipped
                .push((id.clone(), SkipReason::PolicyDisabled));
            decision.carry.push((id.clone(), entry.clone()));
            continue;
        }
        candidates.push(PruneTarget {
            id: id.clone(),
            api_version: entry.api_version.clone(),
            uid: str_at(live, &["metadata", "uid"]).map(str::to_string),
            live: live.clone(),
        });
    }
    let previous = input.previous.entries.len();
    if !candidates.is_empty() {
        if input.desired.is_empty() && !input.allow_empty {
            decision.refused = Some(Refusal::EmptyRender { previous });
        } else if !input.allow_over_budget
            && input
                .policy
                .prune_budget
                .exceeded(candidates.len(), previous)
        {
            decision.refused = Some(Refusal::OverBudget {
                deletes: candidates.len(),
                previous,
            });
        }
    }
    if decision.refused.is_some() {
        for c in candidates {
            let entry = input.previous.entries[&c.id].clone();
            decision.carry.push((c.id, entry));
        }
    } else {
        candidates.sort_by(|a, b| prune_cmp(&a.id, &b.id));
        decision.delete = candidates;
    }
    decision
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::{ANNOTATION_PRUNE, LABEL_APP, LABEL_ENV};
    use serde_json::json;

    fn cm(name: &str) -> ObjectId {
        ObjectId::new("v1", "ConfigMap", Some("ns"), name)
    }

    fn owned(name: &str) -> Value {
        json!({"metadata": {"name": name, "uid": format!("uid-{name}"),
            "labels": {LABEL_ENV: "dev", LABEL_APP: "app"}}})
    }

    struct Fixture {
        previous: Inventory,
        live: LiveSet,
        policy: SyncPolicy,
    }

    fn fixture(n: usize) -> Fixture {
        let mut previous = Inventory::default();
        let mut live = LiveSet::new();
        for i in 0..n {
            let name = format!("c{i}");
            previous.entries.insert(
                cm(&name),
                Entry {
                    api_version: "v1".into(),
                    hash: "h".into(),
                },
            );
            live.insert(cm(&name), owned(&name));
        }
        Fixture {
            previous,
            live,
            policy: SyncPolicy::default(),
        }
    }

    fn decide(f: &Fixture, desired: &[&str]) -> PruneDecision {
        let desired: HashSet<ObjectId> = desired.iter().map(|n| cm(n)).collect();
        select_prune(&PruneInput {
            previous: &f.previous,
            desired: &desired,
            live: &f.live,
            env: "dev",
            app: "app",
            policy: &f.policy,
            allow_empty: false,
            allow_over_budget: false,
        })
    }

    #[test]
    fn prunes_owned_objects_that_left_git() {
        let f = fixture(3);
        let d = decide(&f, &["c0", "c1"]);
        assert_eq!(d.delete.len(), 1);
        assert_eq!(d.delete[0].id, cm("c2"));
        assert_eq!(d.delete[0].uid.as_deref(), Some("uid-c2"));
        assert!(d.refused.is_none());
    }

    #[test]
    fn protected_and_foreign_objects_are_kept() {
        let mut f = fixture(4);
        f.live.get_mut(&cm("c2")).unwrap()["metadata"]["annotations"] =
            json!({ANNOTATION_PRUNE: "disabled"});
        f.live.get_mut(&cm("c3")).unwrap()["metadata"]["labels"][LABEL_APP] = json!("other");
        let d = decide(&f, &["c0", "c1"]);
        assert!(d.delete.is_empty());
        assert!(d.skipped.contains(&(cm("c2"), SkipReason::Protected)));
        assert!(d.skipped.contains(&(cm("c3"), SkipReason::NotOwned)));
    }

    #[test]
    fn empty_render_prunes_nothing() {
        let f = fixture(2);
        let d = decide(&f, &[]);
        assert!(d.delete.is_empty());
        assert_eq!(d.refused, Some(Refusal::EmptyRender { previous: 2 }));
        assert_eq!(d.carry.len(), 2, "refused objects stay in the inventory");
    }

    #[test]
    fn over_budget_prunes_nothing_unless_allowed() {
        let f = fixture(10);
        let d = decide(&f, &["c0", "c1", "c2", "c3"]);
        assert_eq!(
            d.refused,
            Some(Refusal::OverBudget {
                deletes: 6,
                previous: 10
            })
        );
        assert!(d.delete.is_empty());
        // Within budget: 5 of 10 (not more than 5 objects).
        assert!(decide(&f, &["c0", "c1", "c2", "c3", "c4"])
            .refused
            .is_none());
        let desired: HashSet<ObjectId> = ["c0"].iter().map(|n| cm(n)).collect();
        let allowed = select_prune(&PruneInput {
            previous: &f.previous,
            desired: &desired,
            live: &f.live,
            env: "dev",
            app: "app",
            policy: &f.policy,
            allow_empty: false,
            allow_over_budget: true,
        });
        assert_eq!(allowed.delete.len(), 9);
    }

    #[test]
    fn policy_prune_off_keeps_tracking() {
        let mut f = fixture(2);
        f.policy.prune = false;
        let d = decide(&f, &["c0"]);
        assert!(d.delete.is_empty());
        assert_eq!(d.carry.len(), 1);
    }

    #[test]
    fn gone_objects_are_dropped() {
        let mut f = fixture(2);
        f.live.remove(&cm("c1"));
        let d = decide(&f, &["c0"]);
        assert!(d.delete.is_empty());
        assert_eq!(d.skipped, vec![(cm("c1"), SkipReason::AlreadyGone)]);
        assert!(d.carry.is_empty());
    }
}
