//! The one entry point of assessment: an object as the API server returns it in, its
//! [`ObjectHealth`] out. Pure — no IO — so every rule is unit-tested on JSON.

use serde_json::Value;

use super::conditions::{by_conditions, text};
use super::{api, batch, pod, scaling, service, storage, workloads, ObjectHealth};
use crate::object::group_of;

/// Choices in how strictly objects are judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssessOptions {
    /// Wait for an Ingress to get an address (`status.loadBalancer.ingress`) before calling it
    /// healthy, as Argo CD does. On by default; turn it off for clusters whose ingress
    /// controller never publishes addresses (or that have none), where such Ingresses would
    /// otherwise stay progressing forever.
    pub ingress_address: bool,
}

impl Default for AssessOptions {
    fn default() -> AssessOptions {
        AssessOptions {
            ingress_address: true,
        }
    }
}

/// The health of `obj` (a live object with `apiVersion`, `kind`, `metadata` and `status`) with
/// the default [`AssessOptions`].
pub fn assess(obj: &Value) -> ObjectHealth {
    assess_with(obj, &AssessOptions::default())
}

/// The health of `obj` under `opts`.
///
/// An object being deleted is progressing (it is on its way out, whatever its status says).
/// Known kinds get their own rule; everything else is judged by the common `status.conditions`
/// conventions, and an object without status is healthy as soon as it exists.
pub fn assess_with(obj: &Value, opts: &AssessOptions) -> ObjectHealth {
    if obj["metadata"]["deletionTimestamp"].is_string() {
        return ObjectHealth::progressing("pending deletion");
    }
    let group = group_of(text(&obj["apiVersion"]));
    match (group, text(&obj["kind"])) {
        ("apps" | "extensions", "Deployment") => workloads::deployment(obj),
        ("apps" | "extensions", "ReplicaSet") => workloads::replica_set(obj),
        ("apps" | "extensions", "DaemonSet") => workloads::daemon_set(obj),
        ("apps", "StatefulSet") => workloads::stateful_set(obj),
        ("", "Pod") => pod::pod(obj),
        ("", "Service") => service::service(obj),
        ("", "PersistentVolumeClaim") => storage::pvc(obj),
        ("batch", "Job") => batch::job(obj),
        ("batch", "CronJob") => batch::cron_job(obj),
        ("networking.k8s.io" | "extensions", "Ingress") => {
            service::ingress(obj, opts.ingress_address)
        }
        ("autoscaling", "HorizontalPodAutoscaler") => scaling::hpa(obj),
        ("policy", "PodDisruptionBudget") => scaling::pdb(obj),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => api::crd(obj),
        ("apiregistration.k8s.io", "APIService") => api::api_service(obj),
        _ => by_conditions(obj),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::health::Health;

    #[test]
    fn dispatches_on_group_and_kind() {
        // The same status means different things for different kinds: a Job's `Complete` is
        // not a Deployment's.
        let job = json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "j", "namespace": "ns"},
            "status": {"conditions": [{"type": "Complete", "status": "True"}]}});
        assert_eq!(assess(&job).health, Health::Healthy);
        let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "namespace": "ns", "generation": 1},
            "spec": {"replicas": 1},
            "status": {"conditions": [{"type": "Complete", "status": "True"}]}});
        assert_eq!(assess(&deploy).health, Health::Progressing);
        // A kind named like a built-in in another group falls back to conditions.
        let foreign = json!({"apiVersion": "example.io/v1", "kind": "Deployment",
            "metadata": {"name": "d", "namespace": "ns", "generation": 1}, "spec": {}});
        assert_eq!(assess(&foreign).health, Health::Healthy);
    }

    #[test]
    fn deleting_objects_are_progressing() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "ns",
                "deletionTimestamp": "2025-01-01T00:00:00Z", "finalizers": ["example.io/keep"]}});
        assert_eq!(assess(&cm), ObjectHealth::progressing("pending deletion"));
    }

    #[test]
    fn ingress_address_wait_is_an_option() {
        let ing = json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "web", "namespace": "ns", "generation": 1},
            "spec": {"rules": []}, "status": {"loadBalancer": {}}});
        assert_eq!(assess(&ing).health, Health::Progressing);
        let relaxed = AssessOptions {
            ingress_address: false,
        };
        assert_eq!(assess_with(&ing, &relaxed).health, Health::Healthy);
    }

    #[test]
    fn plain_objects_are_healthy() {
        for (api_version, kind) in [
            ("v1", "ConfigMap"),
            ("v1", "Secret"),
            ("v1", "ServiceAccount"),
            ("rbac.authorization.k8s.io/v1", "ClusterRole"),
            ("networking.k8s.io/v1", "NetworkPolicy"),
        ] {
            let obj = json!({"apiVersion": api_version, "kind": kind,
                "metadata": {"name": "x", "namespace": "ns"}});
            assert_eq!(assess(&obj), ObjectHealth::healthy(), "{kind}");
        }
    }
}
