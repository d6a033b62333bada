//! PersistentVolumeClaims: bound, still waiting for a volume, or lost it.

use serde_json::Value;

use super::conditions::text;
use super::ObjectHealth;

/// A PVC by phase. A claim whose StorageClass binds on first use (`WaitForFirstConsumer`) stays
/// `Pending` until a pod mounts it, so it reads as progressing until then, as in Argo CD.
pub(super) fn pvc(obj: &Value) -> ObjectHealth {
    match text(&obj["status"]["phase"]) {
        "Bound" => ObjectHealth::healthy(),
        "Lost" => ObjectHealth::degraded("the bound volume is lost"),
        phase => {
            let class = obj["spec"]["storageClassName"]
                .as_str()
                .map(|c| format!(" (storage class {c})"))
                .unwrap_or_default();
            ObjectHealth::progressing(format!(
                "{}: waiting for a volume to be bound{class}",
                if phase.is_empty() { "Pending" } else { phase }
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::health::Health;

    fn claim(phase: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": "shop"},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast",
                "resources": {"requests": {"storage": "1Gi"}}, "volumeMode": "Filesystem"},
            "status": {"phase": phase}})
    }

    #[test]
    fn phases() {
        assert_eq!(pvc(&claim("Bound")).health, Health::Healthy);
        assert_eq!(pvc(&claim("Lost")).health, Health::Degraded);
        assert_eq!(
            pvc(&claim("Pending")),
            ObjectHealth::progressing(
                "Pending: waiting for a volume to be bound (storage class fast)"
            )
        );
    }
}
