//! Diffs as data: what changes for each object, computed from normalized live and server
//! dry-run objects. Turning them into text (with Secret masking) is `diff::text`'s job.

pub mod churn;
mod mask;
mod server;
mod text;

use serde_json::Value;

use crate::normalize::strip_server_fields;
use crate::object::ObjectId;

pub use server::{classify, Action, Planned, Rejected};
pub use text::{render_object_diff, Style};

/// What happens to one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Created.
    Create,
    /// Updated in place.
    Update,
    /// Deleted and created again because an immutable field changed.
    Recreate,
    /// Deleted because it left Git.
    Prune,
}

/// One object's diff: normalized before/after documents (unmasked data; mask only to display).
#[derive(Clone, Debug)]
pub struct ObjectDiff {
    /// The object.
    pub id: ObjectId,
    /// The change.
    pub change: Change,
    /// Normalized live object (`None` for creates).
    pub before: Option<Value>,
    /// Normalized object after the change (`None` for prunes).
    pub after: Option<Value>,
    /// A note shown with the diff (e.g. why an object is recreated).
    pub note: Option<String>,
}

impl ObjectDiff {
    /// Builds a diff from raw live/server objects, normalizing both sides.
    pub fn new(
        id: ObjectId,
        change: Change,
        live: Option<&Value>,
        after: Option<&Value>,
        note: Option<String>,
    ) -> ObjectDiff {
        ObjectDiff {
            id,
            change,
            before: live.map(strip_server_fields),
            after: after.map(strip_server_fields),
            note,
        }
    }

    /// Whether the normalized sides differ (a Create or Prune always does).
    pub fn is_change(&self) -> bool {
        self.before != self.after
    }
}

/// Overlays `desired` on `live` (maps merge, everything else replaces), to show what a recreated
/// object will roughly look like when no server dry-run is possible.
pub fn overlay(live: &Value, desired: &Value) -> Value {
    match (live, desired) {
        (Value::Object(l), Value::Object(d)) => {
            let mut out = l.clone();
            for (k, dv) in d {
                let merged = match l.get(k) {
                    Some(lv) => overlay(lv, dv),
                    None => dv.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        (_, d) => d.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn normalized_equal_sides_are_no_change() {
        let id = ObjectId::new("v1", "ConfigMap", Some("n"), "c");
        let live = json!({"metadata": {"name": "c", "resourceVersion": "1"}, "data": {"a": "b"}});
        let dry = json!({"metadata": {"name": "c", "resourceVersion": "2"}, "data": {"a": "b"}});
        assert!(
            !ObjectDiff::new(id.clone(), Change::Update, Some(&live), Some(&dry), None).is_change()
        );
        let changed = json!({"metadata": {"name": "c"}, "data": {"a": "c"}});
        assert!(ObjectDiff::new(id, Change::Update, Some(&live), Some(&changed), None).is_change());
    }

    #[test]
    fn overlay_merges_maps_and_replaces_lists() {
        let live = json!({"spec": {"a": 1, "b": [1, 2], "c": {"x": 1}}});
        let desired = json!({"spec": {"b": [3], "c": {"y": 2}}});
        assert_eq!(
            overlay(&live, &desired),
            json!({"spec": {"a": 1, "b": [3], "c": {"x": 1, "y": 2}}})
        );
    }
}
