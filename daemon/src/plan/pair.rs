//! Desired × live × inventory → one [`Pair`] per desired object, in apply order.

use std::collections::HashMap;

use serde_json::Value;

use crate::inventory::{content_hash, Inventory};
use crate::normalize::{covers, desired_for_compare};
use crate::object::{Manifest, ObjectId};
use crate::plan::order::apply_cmp;

/// Live objects read in bulk, by identity.
pub type LiveSet = HashMap<ObjectId, Value>;

/// What the local comparison concluded for one desired object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Not in the cluster: will be created.
    Create,
    /// May differ: the server's dry-run decides (and shows the diff).
    Check,
    /// Unchanged since syncd last applied it, and the live object still holds every field:
    /// no dry-run, no write.
    Unchanged,
    /// A Job syncd applied with this exact content that has since been removed (finished and
    /// cleaned up by its TTL): in sync, not recreated.
    JobGone,
}

/// One desired object with everything the later stages need to act on it.
#[derive(Clone, Debug)]
pub struct Pair {
    /// The desired manifest.
    pub desired: Manifest,
    /// The live object, when it exists.
    pub live: Option<Value>,
    /// Content hash of the desired manifest (recorded in the inventory after apply).
    pub hash: String,
    /// The local decision.
    pub step: Step,
}

/// Pairs every desired manifest with its live object and inventory entry, sorted in apply order.
pub fn pair(desired: Vec<Manifest>, live: &LiveSet, previous: &Inventory) -> Vec<Pair> {
    let mut pairs: Vec<Pair> = desired
        .into_iter()
        .map(|m| {
            let hash = content_hash(&m.object);
            let live_obj = live.get(&m.id).cloned();
            let applied_same = previous
                .entries
                .get(&m.id)
                .is_some_and(|e| !e.hash.is_empty() && e.hash == hash);
            let step = match &live_obj {
                None if applied_same && m.id.kind == "Job" && m.id.group == "batch" => {
                    Step::JobGone
                }
                None => Step::Create,
                // Skip the dry-run only when syncd applied this exact content before (so no field
                // it managed was dropped) and nobody changed any field it sets since.
                Some(l) if applied_same && covers(l, &desired_for_compare(&m.object)) => {
                    Step::Unchanged
                }
                Some(_) => Step::Check,
            };
            Pair {
                desired: m,
                live: live_obj,
                hash,
                step,
            }
        })
        .collect();
    pairs.sort_by(|a, b| apply_cmp(&a.desired.id, &b.desired.id));
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Entry;
    use crate::object::Origin;
    use serde_json::json;

    fn manifest(kind: &str, api: &str, name: &str, body: Value) -> Manifest {
        let mut obj =
            json!({"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": "ns"}});
        obj.as_object_mut()
            .unwrap()
            .extend(body.as_object().unwrap().clone());
        Manifest {
            id: ObjectId::new(api, kind, Some("ns"), name),
            api_version: api.into(),
            object: obj,
            origin: Origin {
                file: "f.yaml".into(),
                doc: 0,
                line: 1,
            },
            namespace_defaulted: false,
        }
    }

    fn inventory_of(ms: &[&Manifest]) -> Inventory {
        let mut inv = Inventory::default();
        for m in ms {
            inv.entries.insert(
                m.id.clone(),
                Entry {
                    api_version: m.api_version.clone(),
                    hash: content_hash(&m.object),
                },
            );
        }
        inv
    }

    #[test]
    fn missing_live_is_create() {
        let m = manifest("ConfigMap", "v1", "a", json!({"data": {"k": "v"}}));
        let pairs = pair(vec![m], &LiveSet::new(), &Inventory::default());
        assert_eq!(pairs[0].step, Step::Create);
    }

    #[test]
    fn applied_and_covered_is_unchanged_without_dry_run() {
        let m = manifest("ConfigMap", "v1", "a", json!({"data": {"k": "v"}}));
        let inv = inventory_of(&[&m]);
        let mut live_obj = m.object.clone();
        live_obj["metadata"]["uid"] = json!("u1");
        let live = LiveSet::from([(m.id.clone(), live_obj)]);
        assert_eq!(pair(vec![m], &live, &inv)[0].step, Step::Unchanged);
    }

    #[test]
    fn drift_or_new_content_needs_a_check() {
        let m = manifest("ConfigMap", "v1", "a", json!({"data": {"k": "v"}}));
        let inv = inventory_of(&[&m]);
        let mut drifted = m.object.clone();
        drifted["data"]["k"] = json!("edited");
        let live = LiveSet::from([(m.id.clone(), drifted)]);
        assert_eq!(pair(vec![m.clone()], &live, &inv)[0].step, Step::Check);
        // Same live content, but never applied by syncd (no inventory): the server decides.
        let live = LiveSet::from([(m.id.clone(), m.object.clone())]);
        assert_eq!(
            pair(vec![m], &live, &Inventory::default())[0].step,
            Step::Check
        );
    }

    #[test]
    fn finished_job_removed_by_ttl_is_in_sync_but_changed_job_is_created() {
        let job = manifest(
            "Job",
            "batch/v1",
            "train",
            json!({"spec": {"template": {}}}),
        );
        let inv = inventory_of(&[&job]);
        assert_eq!(
            pair(vec![job.clone()], &LiveSet::new(), &inv)[0].step,
            Step::JobGone
        );
        let changed = manifest(
            "Job",
            "batch/v1",
            "train",
            json!({"spec": {"template": {"x": 1}}}),
        );
        assert_eq!(
            pair(vec![changed], &LiveSet::new(), &inv)[0].step,
            Step::Create
        );
    }

    #[test]
    fn pairs_come_out_in_apply_order() {
        let d = manifest("Deployment", "apps/v1", "d", json!({}));
        let c = manifest("ConfigMap", "v1", "c", json!({}));
        let pairs = pair(vec![d, c], &LiveSet::new(), &Inventory::default());
        assert_eq!(pairs[0].desired.id.kind, "ConfigMap");
    }
}
