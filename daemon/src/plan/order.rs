//! The one ordering table: which kinds are applied first. Prune walks it in reverse.

use std::cmp::Ordering;

use crate::object::ObjectId;

/// Apply order by kind. Namespaces and CRDs come first (the apply stage waits for CRDs to be
/// Established before anything else), then cluster-wide classes, identities, RBAC and config,
/// storage, Services, workloads, and finally everything not listed (custom resources, ingresses,
/// autoscalers, webhooks) in name order.
const ORDER: &[&str] = &[
    "Namespace",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
    "RuntimeClass",
    "ResourceQuota",
    "LimitRange",
    "NetworkPolicy",
    "ServiceAccount",
    "ClusterRole",
    "Role",
    "ClusterRoleBinding",
    "RoleBinding",
    "Secret",
    "ConfigMap",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "StatefulSet",
    "Job",
    "CronJob",
];

/// Kinds that must exist (and be ready) before any other object is planned against the server.
pub fn is_foundation(kind: &str) -> bool {
    matches!(kind, "Namespace" | "CustomResourceDefinition")
}

/// Position of a kind in the apply order; unknown kinds sort after all known ones.
pub fn rank(kind: &str) -> usize {
    ORDER.iter().position(|k| *k == kind).unwrap_or(ORDER.len())
}

/// Apply order: rank, then kind (for unknown kinds), then namespace, then name.
pub fn apply_cmp(a: &ObjectId, b: &ObjectId) -> Ordering {
    rank(&a.kind)
        .cmp(&rank(&b.kind))
        .then_with(|| a.group_kind().cmp(&b.group_kind()))
        .then_with(|| a.namespace.cmp(&b.namespace))
        .then_with(|| a.name.cmp(&b.name))
}

/// Prune order: the exact reverse of the apply order.
pub fn prune_cmp(a: &ObjectId, b: &ObjectId) -> Ordering {
    apply_cmp(b, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(kind: &str, name: &str) -> ObjectId {
        ObjectId::new("v1", kind, Some("ns"), name)
    }

    #[test]
    fn foundations_then_config_then_services_then_workloads_then_rest() {
        let mut ids = vec![
            id("Ingress", "web"),
            id("Deployment", "api"),
            id("Service", "api"),
            id("ConfigMap", "cfg"),
            id("ServiceAccount", "sa"),
            id("StorageClass", "fast"),
            id("CustomResourceDefinition", "crd"),
            id("Namespace", "ns"),
            id("Job", "train"),
            id("Widget", "w"),
        ];
        ids.sort_by(apply_cmp);
        let kinds: Vec<_> = ids.iter().map(|i| i.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "Namespace",
                "CustomResourceDefinition",
                "StorageClass",
                "ServiceAccount",
                "ConfigMap",
                "Service",
                "Deployment",
                "Job",
                "Ingress",
                "Widget"
            ]
        );
    }

    #[test]
    fn prune_is_reverse_of_apply() {
        let mut a = vec![
            id("Namespace", "n"),
            id("Deployment", "d"),
            id("ConfigMap", "c"),
        ];
        let mut p = a.clone();
        a.sort_by(apply_cmp);
        p.sort_by(prune_cmp);
        a.reverse();
        assert_eq!(a, p);
    }

    #[test]
    fn same_kind_orders_by_namespace_then_name() {
        let mut ids = [
            ObjectId::new("v1", "ConfigMap", Some("b"), "a"),
            ObjectId::new("v1", "ConfigMap", Some("a"), "z"),
            ObjectId::new("v1", "ConfigMap", Some("a"), "b"),
        ];
        ids.sort_by(apply_cmp);
        let names: Vec<_> = ids.iter().map(|i| i.to_string()).collect();
        assert_eq!(names, ["ConfigMap a/b", "ConfigMap a/z", "ConfigMap b/a"]);
    }
}
