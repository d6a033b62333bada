//! Rollouts of the apps/v1 workload controllers: Deployment, ReplicaSet, StatefulSet, DaemonSet.
//! The rules follow `kubectl rollout status`: nothing in `status` counts until the controller has
//! observed the current generation, then the new replicas must be updated, the old ones gone and
//! the new ones available.

use serde_json::Value;

use super::conditions::{condition, int, not_observed, text};
use super::ObjectHealth;

/// `spec.replicas`, defaulted as the API server does.
fn desired_replicas(obj: &Value) -> i64 {
    obj["spec"]["replicas"].as_i64().unwrap_or(1)
}

/// A Deployment: paused, past its progress deadline, or how far the rollout is.
pub(super) fn deployment(obj: &Value) -> ObjectHealth {
    // A paused Deployment does not roll out until resumed; waiting for it would only time out,
    // so say so instead of printing replica counts that will not move.
    if obj["spec"]["paused"].as_bool() == Some(true) {
        return ObjectHealth::progressing(
            "paused (spec.paused is true): the rollout does not progress until it is resumed",
        );
    }
    if let Some(h) = not_observed(obj, true) {
        return h;
    }
    let status = &obj["status"];
    if let Some(c) = condition(obj, "Progressing") {
        if c.is_false() && c.reason == "ProgressDeadlineExceeded" {
            return ObjectHealth::degraded(format!(
                "exceeded its progress deadline: {}",
                c.describe()
            ));
        }
    }
    let desired = desired_replicas(obj);
    let updated = int(&status["updatedReplicas"]);
    let current = int(&status["replicas"]);
    let available = int(&status["availableReplicas"]);
    let waiting = if updated < desired {
        format!("{updated} of {desired} new replicas have been updated")
    } else if current > updated {
        format!("{} old replicas are pending termination", current - updated)
    } else if available < updated {
        format!("{available} of {updated} updated replicas are available")
    } else {
        return ObjectHealth::healthy();
    };
    // Quota or admission refusals surface only as this condition; without it the counts above
    // would just sit still until the progress deadline.
    let failure = condition(obj, "ReplicaFailure")
        .filter(|c| c.is_true())
        .map(|c| format!(" ({})", c.describe()))
        .unwrap_or_default();
    ObjectHealth::progressing(format!("waiting for rollout: {waiting}{failure}"))
}

/// A ReplicaSet (usually owned by a Deployment, sometimes applied alone).
pub(super) fn replica_set(obj: &Value) -> ObjectHealth {
    if let Some(h) = not_observed(obj, true) {
        return h;
    }
    if let Some(c) = condition(obj, "ReplicaFailure").filter(|c| c.is_true()) {
        return ObjectHealth::degraded(format!("cannot create replicas: {}", c.describe()));
    }
    let status = &obj["status"];
    let desired = desired_replicas(obj);
    let ready = int(&status["readyReplicas"]);
    let available = int(&status["availableReplicas"]);
    if available < desired {
        return ObjectHealth::progressing(format!(
            "waiting for replicas: {available} of {desired} available ({ready} ready)"
        ));
    }
    ObjectHealth::healthy()
}

/// A StatefulSet, by update strategy: `OnDelete` never rolls pods by itself, a partitioned
/// `RollingUpdate` only updates the ordinals at or above the partition, a full one is done when
/// the current revision caught up with the update revision.
pub(super) fn stateful_set(obj: &Value) -> ObjectHealth {
    if let Some(h) = not_observed(obj, true) {
        return h;
    }
    let spec = &obj["spec"];
    let status = &obj["status"];
    let desired = desired_replicas(obj);
    let ready = int(&status["readyReplicas"]);
    if ready < desired {
        return ObjectHealth::progressing(format!(
            "waiting for pods to be ready: {ready} of {desired}"
        ));
    }
    let strategy = &spec["updateStrategy"];
    if text(&strategy["type"]) == "OnDelete" {
        // Pods move to a new revision only when someone deletes them, so there is no rollout
        // to wait for: ready pods are all that can be asked.
        return ObjectHealth::healthy_because(format!(
            "OnDelete update strategy: {ready} ready pods, updated only when deleted"
        ));
    }
    let updated = int(&status["updatedReplicas"]);
    let partition = int(&strategy["rollingUpdate"]["partition"]);
    if partition > 0 {
        // Ordinals below the partition stay at the old revision on purpose, so the revisions
        // never converge; the rollout is done once every ordinal above it is updated.
        let expected = (desired - partition).max(0);
        if updated < expected {
            return ObjectHealth::progressing(format!(
                "waiting for partitioned rollout: {updated} of {expected} new pods have been updated"
            ));
        }
        return ObjectHealth::healthy_because(format!(
            "partitioned rollout complete: {updated} new pods updated, ordinals below {partition} kept"
        ));
    }
    let update_rev = text(&status["updateRevision"]);
    let current_rev = text(&status["currentRevision"]);
    if updated < desired || update_rev != current_rev {
        return ObjectHealth::progressing(format!(
            "waiting for rolling update: {updated} of {desired} pods at revision {update_rev}"
        ));
    }
    ObjectHealth::healthy()
}

/// A DaemonSet: every node that should run a pod runs an updated, available one.
pub(super) fn daemon_set(obj: &Value) -> ObjectHealth {
    if let Some(h) = not_observed(obj, true) {
        return h;
    }
    let status = &obj["status"];
    let desired = int(&status["desiredNumberScheduled"]);
    let updated = int(&status["updatedNumberScheduled"]);
    let available = int(&status["numberAvailable"]);
    if text(&obj["spec"]["updateStrategy"]["type"]) == "OnDelete" {
        // As with StatefulSets: nothing rolls until pods are deleted by hand.
        return ObjectHealth::healthy_because(format!(
            "OnDelete update strategy: {updated} of {desired} pods updated"
        ));
    }
    if updated < desired {
        return ObjectHealth::progressing(format!(
            "waiting for rollout: {updated} of {desired} new pods have been updated"
        ));
    }
    if available < desired {
        return ObjectHealth::progressing(format!(
            "waiting for rollout: {available} of {desired} updated pods are available"
        ));
    }
    ObjectHealth::healthy()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::health::Health;

    fn deploy(generation: i64, spec_extra: Value, status: Value) -> Value {
        let mut spec = json!({
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "progressDeadlineSeconds": 600,
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}},
        });
        if let (Some(s), Some(extra)) = (spec.as_object_mut(), spec_extra.as_object()) {
            s.extend(extra.clone());
        }
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop", "generation": generation,
                "annotations": {"deployment.kubernetes.io/revision": "2"}},
            "spec": spec,
            "status": status,
        })
    }

    #[test]
    fn deployment_rolled_out_is_healthy() {
        let d = deploy(
            2,
            json!({}),
            json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3,
                "readyReplicas": 3, "availableReplicas": 3,
                "conditions": [
                    {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                    {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                     "message": "ReplicaSet \"web-5d4f\" has successfully progressed."}]}),
        );
        assert_eq!(deployment(&d), ObjectHealth::healthy());
    }

    #[test]
    fn deployment_not_observed_is_progressing() {
        // Fully available — for the previous generation.
        let d = deploy(
            3,
            json!({}),
            json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3,
                "availableReplicas": 3}),
        );
        let h = deployment(&d);
        assert_eq!(h.health, Health::Progressing);
        assert!(h.message.contains("generation 3 (observed 2)"), "{h}");
        let fresh = deploy(1, json!({}), json!({}));
        assert_eq!(deployment(&fresh).health, Health::Progressing);
    }

    #[test]
    fn deployment_rollout_steps() {
        let cases = [
            (
                json!({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 1,
                    "availableReplicas": 3}),
                "waiting for rollout: 1 of 3 new replicas have been updated",
            ),
            (
                json!({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 3,
                    "availableReplicas": 3}),
                "waiting for rollout: 1 old replicas are pending termination",
            ),
            (
                json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3,
                    "availableReplicas": 2, "unavailableReplicas": 1}),
                "waiting for rollout: 2 of 3 updated replicas are available",
            ),
        ];
        for (status, message) in cases {
            let h = deployment(&deploy(2, json!({}), status));
            assert_eq!(h, ObjectHealth::progressing(message));
        }
    }

    #[test]
    fn deployment_past_deadline_is_degraded() {
        let d = deploy(
            2,
            json!({}),
            json!({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 1,
                "availableReplicas": 3, "unavailableReplicas": 1,
                "conditions": [{"type": "Progressing", "status": "False",
                    "reason": "ProgressDeadlineExceeded",
                    "message": "ReplicaSet \"web-7c9\" has timed out progressing."}]}),
        );
        let h = deployment(&d);
        assert_eq!(h.health, Health::Degraded);
        assert_eq!(
            h.message,
            "exceeded its progress deadline: ProgressDeadlineExceeded: ReplicaSet \"web-7c9\" has timed out progressing."
        );
    }

    #[test]
    fn deployment_paused_says_so() {
        let d = deploy(
            2,
            json!({"paused": true}),
            json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 0,
                "availableReplicas": 3}),
        );
        let h = deployment(&d);
        assert_eq!(h.health, Health::Progressing);
        assert!(h.message.starts_with("paused"), "{h}");
    }

    #[test]
    fn deployment_replica_failure_is_named() {
        let d = deploy(
            1,
            json!({}),
            json!({"observedGeneration": 1, "replicas": 0, "updatedReplicas": 0,
                "conditions": [{"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
                    "message": "pods \"web-1\" is forbidden: exceeded quota: compute"}]}),
        );
        let h = deployment(&d);
        assert_eq!(h.health, Health::Progressing);
        assert!(h.message.ends_with("exceeded quota: compute)"), "{h}");
    }

    #[test]
    fn deployment_scaled_to_zero_is_healthy_once_observed() {
        let d = deploy(2, json!({"replicas": 0}), json!({"observedGeneration": 2}));
        assert_eq!(deployment(&d).health, Health::Healthy);
    }

    fn rs(status: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "web-5d4f", "namespace": "shop", "generation": 1},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}},
            "status": status})
    }

    #[test]
    fn replica_set_rules() {
        let ok = rs(
            json!({"observedGeneration": 1, "replicas": 2, "readyReplicas": 2, "availableReplicas": 2}),
        );
        assert_eq!(replica_set(&ok).health, Health::Healthy);
        let waiting = rs(
            json!({"observedGeneration": 1, "replicas": 2, "readyReplicas": 1, "availableReplicas": 0}),
        );
        assert_eq!(
            replica_set(&waiting),
            ObjectHealth::progressing("waiting for replicas: 0 of 2 available (1 ready)")
        );
        let failed = rs(
            json!({"observedGeneration": 1, "replicas": 0, "conditions": [
            {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
             "message": "pods \"web-5d4f-x\" is forbidden: exceeded quota"}]}),
        );
        assert_eq!(replica_set(&failed).health, Health::Degraded);
    }

    fn sts(strategy: Value, status: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "shop", "generation": 4},
            "spec": {"replicas": 3, "serviceName": "db", "updateStrategy": strategy,
                "selector": {"matchLabels": {"app": "db"}}},
            "status": status})
    }

    #[test]
    fn stateful_set_rolling_update() {
        let rolling = json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}});
        let done = sts(
            rolling.clone(),
            json!({"observedGeneration": 4, "replicas": 3, "readyReplicas": 3,
                "currentReplicas": 3, "updatedReplicas": 3, "availableReplicas": 3,
                "currentRevision": "db-7b9", "updateRevision": "db-7b9"}),
        );
        assert_eq!(stateful_set(&done).health, Health::Healthy);

        let mid = sts(
            rolling.clone(),
            json!({"observedGeneration": 4, "replicas": 3, "readyReplicas": 3,
                "currentReplicas": 2, "updatedReplicas": 1,
                "currentRevision": "db-6a1", "updateRevision": "db-7b9"}),
        );
        assert_eq!(
            stateful_set(&mid),
            ObjectHealth::progressing("waiting for rolling update: 1 of 3 pods at revision db-7b9")
        );

        let not_ready = sts(
            rolling,
            json!({"observedGeneration": 4, "replicas": 3, "readyReplicas": 1,
                "currentRevision": "db-7b9", "updateRevision": "db-7b9"}),
        );
        assert_eq!(
            stateful_set(&not_ready),
            ObjectHealth::progressing("waiting for pods to be ready: 1 of 3")
        );

        let unobserved = sts(
            json!({"type": "RollingUpdate"}),
            json!({"observedGeneration": 3}),
        );
        assert_eq!(stateful_set(&unobserved).health, Health::Progressing);
    }

    #[test]
    fn stateful_set_partition_does_not_wait_for_revisions() {
        let part = json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 2}});
        let canary_done = sts(
            part.clone(),
            json!({"observedGeneration": 4, "replicas": 3, "readyReplicas": 3,
                "currentReplicas": 2, "updatedReplicas": 1,
                "currentRevision": "db-6a1", "updateRevision": "db-7b9"}),
        );
        let h = stateful_set(&canary_done);
        assert_eq!(h.health, Health::Healthy, "{h}");
        let canary_waiting = sts(
            part,
            json!({"observedGeneration": 4, "replicas": 3, "readyReplicas": 3,
                "currentReplicas": 3, "updatedReplicas": 0,
                "currentRevision": "db-6a1", "updateRevision": "db-7b9"}),
        );
        assert_eq!(
            stateful_set(&canary_waiting),
            ObjectHealth::progressing(
                "waiting for partitioned rollout: 0 of 1 new pods have been updated"
            )
        );
    }

    #[test]
    fn stateful_set_on_delete_is_healthy_once_ready() {
        let on_delete = sts(
            json!({"type": "OnDelete"}),
            json!({"observedGeneration": 4, "replicas": 3, "readyReplicas": 3,
                "currentRevision": "db-6a1", "updateRevision": "db-7b9"}),
        );
        assert_eq!(stateful_set(&on_delete).health, Health::Healthy);
    }

    fn ds(strategy: &str, status: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": "kube-system", "generation": 2},
            "spec": {"updateStrategy": {"type": strategy},
                "selector": {"matchLabels": {"app": "agent"}}},
            "status": status})
    }

    #[test]
    fn daemon_set_rules() {
        let done = ds(
            "RollingUpdate",
            json!({"observedGeneration": 2, "desiredNumberScheduled": 5,
                "currentNumberScheduled": 5, "updatedNumberScheduled": 5, "numberAvailable": 5,
                "numberReady": 5}),
        );
        assert_eq!(daemon_set(&done).health, Health::Healthy);
        let updating = ds(
            "RollingUpdate",
            json!({"observedGeneration": 2, "desiredNumberScheduled": 5,
                "updatedNumberScheduled": 3, "numberAvailable": 5}),
        );
        assert_eq!(
            daemon_set(&updating),
            ObjectHealth::progressing("waiting for rollout: 3 of 5 new pods have been updated")
        );
        let unavailable = ds(
            "RollingUpdate",
            json!({"observedGeneration": 2, "desiredNumberScheduled": 5,
                "updatedNumberScheduled": 5, "numberAvailable": 4, "numberUnavailable": 1}),
        );
        assert_eq!(
            daemon_set(&unavailable),
            ObjectHealth::progressing("waiting for rollout: 4 of 5 updated pods are available")
        );
        let on_delete = ds(
            "OnDelete",
            json!({"observedGeneration": 2, "desiredNumberScheduled": 5,
                "updatedNumberScheduled": 1, "numberAvailable": 5}),
        );
        assert_eq!(daemon_set(&on_delete).health, Health::Healthy);
        let stale = ds("RollingUpdate", json!({"observedGeneration": 1}));
        assert_eq!(daemon_set(&stale).health, Health::Progressing);
    }
}
