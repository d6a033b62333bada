//! Events about what the daemon did to an object (synced, healed, pruned, failed, rolled back),
//! through the [`super::events::EventRecorder`], and logged as well; recording an event never
//! fails a sync.

use super::events::{EventRecorder, EventTarget, EventType};
use crate::object::ObjectId;

/// Records events about objects.
pub struct Notifier {
    recorder: EventRecorder,
}

impl Notifier {
    /// A notifier reporting as `instance` (this replica's identity).
    pub fn new(client: kube::Client, instance: String) -> Notifier {
        Notifier {
            recorder: EventRecorder::new(client, instance),
        }
    }

    /// Records one event about `id`; `kind` is `Normal` or `Warning`, `reason` is also the action.
    pub async fn object(
        &self,
        id: &ObjectId,
        api_version: &str,
        kind: &str,
        reason: &str,
        note: &str,
    ) {
        tracing::info!(object = %id, kind, reason, note, "event");
        let target = EventTarget {
            api_version: api_version.to_owned(),
            kind: id.kind.clone(),
            namespace: id.namespace.clone(),
            name: id.name.clone(),
            uid: None,
        };
        let kind = if kind == "Warning" {
            EventType::Warning
        } else {
            EventType::Normal
        };
        self.recorder
            .record(&target, kind, reason, reason, note)
            .await;
    }

    /// Writes pending series counts (at shutdown).
    pub async fn flush(&self) {
        self.recorder.flush().await;
    }
}
