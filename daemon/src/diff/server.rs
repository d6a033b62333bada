//! The server side of diffing: asks the API server for a dry-run server-side apply of every object
//! the local plan could not prove unchanged, and classifies the answer into an [`Action`].

use serde_json::Value;
use syncd_config::{ImmutablePolicy, SyncPolicy};

use super::{overlay, Change, ObjectDiff};
use crate::cluster::{Cluster, ClusterError, ResourceInfo};
use crate::normalize::strip_server_fields;
use crate::plan::{Pair, Step};

/// What will be done with one desired object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Create it.
    Create,
    /// Update it in place.
    Update,
    /// Delete and create it again (an immutable field changed).
    Recreate,
    /// Nothing to do.
    Unchanged,
    /// A finished Job removed by its TTL, unchanged since: nothing to do.
    JobGone,
    /// It cannot be applied without taking fields from another manager (force is off).
    Conflict,
}

/// One desired object with its final action and diff.
#[derive(Clone, Debug)]
pub struct Planned {
    /// The paired object.
    pub pair: Pair,
    /// How to address it; `None` while its kind waits for a CRD applied in the same sync.
    pub resource: Option<ResourceInfo>,
    /// The action.
    pub action: Action,
    /// The diff, for actions that change something.
    pub diff: Option<ObjectDiff>,
    /// Why the action is what it is (conflict detail, recreate reason).
    pub note: Option<String>,
}

/// A desired object the server rejected in dry-run: the whole app is invalid.
#[derive(Debug, thiserror::Error)]
#[error("{id} ({origin}): {source}")]
pub struct Rejected {
    /// The object.
    pub id: crate::object::ObjectId,
    /// Where it came from.
    pub origin: crate::object::Origin,
    /// The server's answer.
    #[source]
    pub source: ClusterError,
}

/// Classifies one pair, dry-running it when the local plan could not decide.
pub async fn classify(
    cluster: &Cluster,
    pair: Pair,
    resource: Option<ResourceInfo>,
    policy: &SyncPolicy,
    namespaces_created: &[String],
) -> Result<Planned, Rejected> {
    let planned = |pair: Pair, action, diff, note| Planned {
        pair,
        resource: resource.clone(),
        action,
        diff,
        note,
    };
    let id = pair.desired.id.clone();
    match pair.step {
        Step::Unchanged => return Ok(planned(pair, Action::Unchanged, None, None)),
        Step::JobGone => return Ok(planned(pair, Action::JobGone, None, None)),
        Step::Create | Step::Check => {}
    }
    let creating = pair.step == Step::Create;
    let Some(ri) = resource.clone() else {
        // The kind comes from a CRD in this same sync: nothing to dry-run against yet.
        let (change, action) = if creating {
            (Change::Create, Action::Create)
        } else {
            (Change::Update, Action::Update)
        };
        let diff = ObjectDiff::new(
            id,
            change,
            pair.live.as_ref(),
            Some(&pair.desired.object),
            None,
        );
        let note = Some("kind is defined by a CRD in this sync; not dry-run".to_string());
        return Ok(planned(pair, action, Some(diff), note));
    };
    match cluster
        .apply(&ri, &pair.desired.object, true, policy.force_conflicts)
        .await
    {
        Ok(server) if creating => {
            let diff = ObjectDiff::new(id, Change::Create, None, Some(&server), None);
            Ok(planned(pair, Action::Create, Some(diff), None))
        }
        Ok(server) => {
            let live = pair
                .live
                .as_ref()
                .expect("checked pairs have a live object");
            if strip_server_fields(live) == strip_server_fields(&server) {
                Ok(planned(pair, Action::Unchanged, None, None))
            } else {
                let diff = ObjectDiff::new(id, Change::Update, Some(live), Some(&server), None);
                Ok(planned(pair, Action::Update, Some(diff), None))
            }
        }
        Err(e) if creating && e.is_not_found() && namespace_pending(&pair, namespaces_created) => {
            let note = "its namespace is created by this sync; not dry-run".to_string();
            let diff = ObjectDiff::new(
                id,
                Change::Create,
                None,
                Some(&pair.desired.object),
                Some(note.clone()),
            );
            Ok(planned(pair, Action::Create, Some(diff), Some(note)))
        }
        Err(e)
            if !creating && e.is_immutable() && policy.immutable == ImmutablePolicy::Recreate =>
        {
            let live = pair.live.clone().expect("checked pairs have a live object");
            let note = format!("immutable field changed, will be deleted and created again: {e}");
            let after: Value = overlay(&strip_server_fields(&live), &pair.desired.object);
            let diff = ObjectDiff::new(
                id,
                Change::Recreate,
                Some(&live),
                Some(&after),
                Some(note.clone()),
            );
            Ok(planned(pair, Action::Recreate, Some(diff), Some(note)))
        }
        Err(e) if e.is_conflict() => {
            let note = format!("conflict with another field manager (forceConflicts is off): {e}");
            Ok(planned(pair, Action::Conflict, None, Some(note)))
        }
        Err(source) => Err(Rejected {
            id,
            origin: pair.desired.origin.clone(),
            source,
        }),
    }
}

fn namespace_pending(pair: &Pair, namespaces_created: &[String]) -> bool {
    pair.desired
        .id
        .namespace
        .as_ref()
        .is_some_and(|ns| namespaces_created.contains(ns))
}
