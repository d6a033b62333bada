//! API extensions: CustomResourceDefinitions and aggregated APIServices, healthy once the API
//! server serves what they declare.

use serde_json::Value;

use super::conditions::{condition, parse_conditions};
use super::ObjectHealth;

/// A CRD: established (its kind is served), names rejected (a conflict that will not resolve by
/// itself), or on its way.
pub(super) fn crd(obj: &Value) -> ObjectHealth {
    let conds = parse_conditions(&obj["status"]["conditions"]);
    if conds.is_empty() {
        return ObjectHealth::progressing("waiting for the API server to accept it");
    }
    let find = |kind: &str| conds.iter().find(|c| c.kind == kind);
    if let Some(c) = find("Terminating").filter(|c| c.is_true()) {
        return ObjectHealth::progressing(format!("terminating: {}", c.describe()));
    }
    if let Some(c) = find("NamesAccepted").filter(|c| c.is_false()) {
        return ObjectHealth::degraded(format!("names not accepted: {}", c.describe()));
    }
    if let Some(c) = find("NonStructuralSchema").filter(|c| c.is_true()) {
        return ObjectHealth::degraded(format!("schema is not structural: {}", c.describe()));
    }
    match find("Established") {
        Some(c) if c.is_true() => ObjectHealth::healthy(),
        Some(c) => ObjectHealth::progressing(format!("not established yet: {}", c.describe())),
        None => ObjectHealth::progressing("not established yet"),
    }
}

/// An APIService: `Available` once the aggregator can reach the backing service. An unavailable
/// one (`FailedDiscoveryCheck`, `MissingEndpoints`) usually waits for its pods, so it is
/// progressing, with the reason.
pub(super) fn api_service(obj: &Value) -> ObjectHealth {
    match condition(obj, "Available") {
        Some(c) if c.is_true() => ObjectHealth::healthy(),
        Some(c) => ObjectHealth::progressing(format!("not available: {}", c.describe())),
        None => ObjectHealth::progressing("waiting for the aggregator to check it"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::health::Health;

    fn crd_with(conditions: Value) -> Value {
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.io", "generation": 1},
            "spec": {"group": "example.io", "scope": "Namespaced",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                "versions": [{"name": "v1", "served": true, "storage": true,
                    "schema": {"openAPIV3Schema": {"type": "object"}}}]},
            "status": {"conditions": conditions,
                "acceptedNames": {"plural": "widgets", "kind": "Widget"}}})
    }

    #[test]
    fn crd_established_is_healthy() {
        let ok = crd_with(json!([
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
             "message": "no conflicts found"},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
             "message": "the initial names have been accepted"}]));
        assert_eq!(crd(&ok), ObjectHealth::healthy());
    }

    #[test]
    fn crd_name_conflict_is_degraded() {
        let clash = crd_with(json!([
            {"type": "NamesAccepted", "status": "False", "reason": "KindConflict",
             "message": "\"Widget\" is already in use"},
            {"type": "Established", "status": "False", "reason": "NotAccepted",
             "message": "not all names are accepted"}]));
        assert_eq!(
            crd(&clash),
            ObjectHealth::degraded(
                "names not accepted: KindConflict: \"Widget\" is already in use"
            )
        );
    }

    #[test]
    fn crd_on_its_way_is_progressing() {
        assert_eq!(crd(&crd_with(json!(null))).health, Health::Progressing);
        let installing = crd_with(json!([
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts"},
            {"type": "Established", "status": "False", "reason": "Installing",
             "message": "the initial names have been accepted"}]));
        assert_eq!(crd(&installing).health, Health::Progressing);
        let going = crd_with(json!([
            {"type": "Established", "status": "True"},
            {"type": "Terminating", "status": "True", "reason": "InstanceDeletionInProgress"}]));
        assert_eq!(crd(&going).health, Health::Progressing);
    }

    #[test]
    fn api_service_available() {
        let svc = |conditions: Value| {
            json!({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
                "metadata": {"name": "v1beta1.metrics.k8s.io"},
                "spec": {"group": "metrics.k8s.io", "version": "v1beta1",
                    "service": {"name": "metrics-server", "namespace": "kube-system"}},
                "status": {"conditions": conditions}})
        };
        let ok = svc(
            json!([{"type": "Available", "status": "True", "reason": "Passed",
            "message": "all checks passed"}]),
        );
        assert_eq!(api_service(&ok).health, Health::Healthy);
        let down = svc(json!([{"type": "Available", "status": "False",
            "reason": "MissingEndpoints",
            "message": "endpoints for service/metrics-server in \"kube-system\" have no addresses"}]));
        assert_eq!(
            api_service(&down),
            ObjectHealth::progressing("not available: MissingEndpoints: endpoints for service/metrics-server in \"kube-system\" have no addresses")
        );
        assert_eq!(api_service(&svc(json!(null))).health, Health::Progressing);
    }
}
