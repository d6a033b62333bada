//! Autoscaling and disruption policy: HorizontalPodAutoscalers and PodDisruptionBudgets.

use serde_json::Value;

use super::conditions::{int, not_observed, parse_conditions, Condition};
use super::ObjectHealth;

/// The annotation autoscaling/v1 HPAs carry their (v2) conditions in, as a JSON string.
const V1_CONDITIONS: &str = "autoscaling.alpha.kubernetes.io/conditions";

/// An HPA: degraded when it cannot read its target's scale or its metrics (`AbleToScale` /
/// `ScalingActive` False with a `Failed…` / `Invalid…` reason), healthy otherwise.
/// `ScalingActive=False` for `ScalingDisabled` (target scaled to zero) is a choice, not a failure.
pub(super) fn hpa(obj: &Value) -> ObjectHealth {
    if let Some(h) = not_observed(obj, false) {
        return h;
    }
    let from_annotation: Value = obj["metadata"]["annotations"][V1_CONDITIONS]
        .as_str()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null);
    let mut conds = parse_conditions(&obj["status"]["conditions"]);
    if conds.is_empty() {
        conds = parse_conditions(&from_annotation);
    }
    let failing = |c: &&Condition<'_>| {
        matches!(c.kind, "AbleToScale" | "ScalingActive")
            && c.is_false()
            && (c.reason.starts_with("Failed") || c.reason.starts_with("Invalid"))
    };
    match conds.iter().find(failing) {
        Some(c) => ObjectHealth::degraded(format!("{} is False: {}", c.kind, c.describe())),
        None => ObjectHealth::healthy(),
    }
}

/// A PodDisruptionBudget: healthy once enough selected pods are healthy to allow what it
/// promises.
pub(super) fn pdb(obj: &Value) -> ObjectHealth {
    if let Some(h) = not_observed(obj, true) {
        return h;
    }
    let status = &obj["status"];
    let current = int(&status["currentHealthy"]);
    let desired = int(&status["desiredHealthy"]);
    if current < desired {
        return ObjectHealth::progressing(format!(
            "{current} of {desired} required pods are healthy"
        ));
    }
    ObjectHealth::healthy()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::health::Health;

    fn hpa_v2(conditions: Value) -> Value {
        json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"minReplicas": 2, "maxReplicas": 10,
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}},
            "status": {"currentReplicas": 2, "desiredReplicas": 2, "conditions": conditions}})
    }

    #[test]
    fn hpa_healthy_and_degraded() {
        let ok = hpa_v2(json!([
            {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale"},
            {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound"},
            {"type": "ScalingLimited", "status": "True", "reason": "TooFewReplicas"}]));
        assert_eq!(hpa(&ok), ObjectHealth::healthy());

        let no_metrics = hpa_v2(json!([
            {"type": "AbleToScale", "status": "True", "reason": "SucceededGetScale"},
            {"type": "ScalingActive", "status": "False", "reason": "FailedGetResourceMetric",
             "message": "the HPA was unable to compute the replica count: failed to get cpu utilization"}]));
        assert_eq!(
            hpa(&no_metrics),
            ObjectHealth::degraded("ScalingActive is False: FailedGetResourceMetric: the HPA was unable to compute the replica count: failed to get cpu utilization")
        );

        let no_target = hpa_v2(json!([
            {"type": "AbleToScale", "status": "False", "reason": "FailedGetScale",
             "message": "deployments/scale.apps \"web\" not found"}]));
        assert_eq!(hpa(&no_target).health, Health::Degraded);

        let disabled = hpa_v2(json!([
            {"type": "ScalingActive", "status": "False", "reason": "ScalingDisabled"}]));
        assert_eq!(hpa(&disabled).health, Health::Healthy);
        assert_eq!(hpa(&hpa_v2(json!(null))).health, Health::Healthy);
    }

    #[test]
    fn hpa_v1_reads_the_conditions_annotation() {
        let conds = json!([{"type": "ScalingActive", "status": "False",
            "reason": "InvalidSelector", "message": "selector is required"}]);
        let obj = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web", "namespace": "shop", "annotations": {
                V1_CONDITIONS: conds.to_string()}},
            "spec": {"maxReplicas": 3, "targetCPUUtilizationPercentage": 80,
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}},
            "status": {"currentReplicas": 0, "desiredReplicas": 0}});
        assert_eq!(
            hpa(&obj),
            ObjectHealth::degraded("ScalingActive is False: InvalidSelector: selector is required")
        );
    }

    fn pdb_with(status: Value) -> Value {
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "web", "namespace": "shop", "generation": 1},
            "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
            "status": status})
    }

    #[test]
    fn pdb_rules() {
        let ok = pdb_with(json!({"observedGeneration": 1, "currentHealthy": 3,
            "desiredHealthy": 2, "disruptionsAllowed": 1, "expectedPods": 3}));
        assert_eq!(pdb(&ok).health, Health::Healthy);
        let short = pdb_with(json!({"observedGeneration": 1, "currentHealthy": 1,
            "desiredHealthy": 2, "disruptionsAllowed": 0, "expectedPods": 3}));
        assert_eq!(
            pdb(&short),
            ObjectHealth::progressing("1 of 2 required pods are healthy")
        );
        assert_eq!(pdb(&pdb_with(json!({}))).health, Health::Progressing);
    }
}
