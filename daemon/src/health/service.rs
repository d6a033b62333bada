//! Services and Ingresses: healthy once whatever must hand out an address has done so.

use serde_json::Value;

use super::conditions::text;
use super::ObjectHealth;

/// Whether `status.loadBalancer.ingress` lists at least one address.
fn has_address(obj: &Value) -> bool {
    obj["status"]["loadBalancer"]["ingress"]
        .as_array()
        .is_some_and(|a| !a.is_empty())
}

/// A Service: a `LoadBalancer` waits for its cloud load balancer, every other type is ready
/// when created.
pub(super) fn service(obj: &Value) -> ObjectHealth {
    if text(&obj["spec"]["type"]) != "LoadBalancer" || has_address(obj) {
        return ObjectHealth::healthy();
    }
    ObjectHealth::progressing(
        "waiting for the load balancer to get an address (status.loadBalancer.ingress is empty)",
    )
}

/// An Ingress: like Argo CD, progressing until an ingress controller publishes an address —
/// which is the only sign that any controller picked it up. A cluster without an ingress
/// controller (or one that never writes the status) never gets there, so `wait_for_address:
/// false` (`AssessOptions::ingress_address`) judges it healthy on sight instead.
pub(super) fn ingress(obj: &Value, wait_for_address: bool) -> ObjectHealth {
    if has_address(obj) {
        return ObjectHealth::healthy();
    }
    if !wait_for_address {
        return ObjectHealth::healthy_because("no address yet (not waited for)");
    }
    let class = obj["spec"]["ingressClassName"]
        .as_str()
        .or_else(|| obj["metadata"]["annotations"]["kubernetes.io/ingress.class"].as_str());
    ObjectHealth::progressing(match class {
        Some(class) => format!(
            "waiting for an address from the ingress controller of class {class} (status.loadBalancer.ingress is empty)"
        ),
        None => "waiting for an address from an ingress controller (status.loadBalancer.ingress is empty)".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::health::Health;

    fn svc(kind: &str, status: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"type": kind, "selector": {"app": "web"},
                "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]},
            "status": status})
    }

    #[test]
    fn only_load_balancers_wait() {
        assert_eq!(
            service(&svc("ClusterIP", json!({"loadBalancer": {}}))).health,
            Health::Healthy
        );
        assert_eq!(
            service(&svc("NodePort", json!({"loadBalancer": {}}))).health,
            Health::Healthy
        );
        assert_eq!(
            service(&svc("LoadBalancer", json!({"loadBalancer": {}}))).health,
            Health::Progressing
        );
        assert_eq!(
            service(&svc(
                "LoadBalancer",
                json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}]}})
            )),
            ObjectHealth::healthy()
        );
    }

    fn ing(status: Value) -> Value {
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "web", "namespace": "shop", "generation": 1},
            "spec": {"ingressClassName": "nginx", "rules": [{"host": "shop.example.com",
                "http": {"paths": [{"path": "/", "pathType": "Prefix",
                    "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]},
            "status": status})
    }

    #[test]
    fn ingress_waits_for_an_address_unless_told_not_to() {
        let pending = ing(json!({"loadBalancer": {}}));
        let h = ingress(&pending, true);
        assert_eq!(h.health, Health::Progressing);
        assert!(h.message.contains("class nginx"), "{h}");
        assert_eq!(ingress(&pending, false).health, Health::Healthy);
        let served = ing(json!({"loadBalancer": {"ingress": [{"hostname": "lb.example.com"}]}}));
        assert_eq!(ingress(&served, true), ObjectHealth::healthy());
    }
}
