//! Reading `status` the way most controllers write it: `status.conditions`, the
//! `metadata.generation` / `status.observedGeneration` handshake, counters — and the fallback
//! verdict for kinds without a rule of their own (custom resources, ConfigMaps, RBAC...).

use serde_json::Value;

use super::{Health, ObjectHealth};

/// One entry of `status.conditions`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Condition<'a> {
    /// `Ready`, `Available`, ...
    pub kind: &'a str,
    /// `True`, `False` or `Unknown`.
    pub status: &'a str,
    /// CamelCase reason, possibly empty.
    pub reason: &'a str,
    /// Human message, possibly empty.
    pub message: &'a str,
    /// `metav1.Condition.observedGeneration`, when the controller sets it.
    pub observed_generation: Option<i64>,
}

impl Condition<'_> {
    /// Whether the condition's status is `True`.
    pub fn is_true(&self) -> bool {
        self.status == "True"
    }

    /// Whether the condition's status is `False`.
    pub fn is_false(&self) -> bool {
        self.status == "False"
    }

    /// `reason: message`, or whichever of the two is set.
    pub fn describe(&self) -> String {
        describe(self.reason, self.message)
    }
}

/// `reason: message`, or whichever of the two is set.
pub(super) fn describe(reason: &str, message: &str) -> String {
    match (reason.is_empty(), message.is_empty()) {
        (false, false) => format!("{reason}: {message}"),
        (false, true) => reason.to_string(),
        _ => message.to_string(),
    }
}

/// The conditions in a `conditions` array (`status.conditions`, or an annotation's JSON).
pub(super) fn parse_conditions(list: &Value) -> Vec<Condition<'_>> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|c| Condition {
                    kind: text(&c["type"]),
                    status: text(&c["status"]),
                    reason: text(&c["reason"]),
                    message: text(&c["message"]),
                    observed_generation: c["observedGeneration"].as_i64(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The condition of type `kind` in `status.conditions`.
pub(super) fn condition<'a>(obj: &'a Value, kind: &str) -> Option<Condition<'a>> {
    parse_conditions(&obj["status"]["conditions"])
        .into_iter()
        .find(|c| c.kind == kind)
}

/// A string field, empty when absent.
pub(super) fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// An integer field, 0 when absent (as the API omits zero counters).
pub(super) fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// `metadata.generation`, when set.
pub(super) fn generation(obj: &Value) -> Option<i64> {
    obj["metadata"]["generation"].as_i64()
}

/// `Some(Progressing)` while the controller has not yet seen the object's latest spec: every
/// counter in `status` describes an older spec until `status.observedGeneration` catches up.
/// With `required`, a missing `observedGeneration` means "not observed yet" (the kind's
/// controller always writes it); otherwise only a stale one counts, since many custom
/// controllers never write it.
pub(super) fn not_observed(obj: &Value, required: bool) -> Option<ObjectHealth> {
    let observed = obj["status"]["observedGeneration"].as_i64();
    match (generation(obj), observed) {
        (Some(gen), Some(seen)) if seen < gen => Some(ObjectHealth::progressing(format!(
            "waiting for the controller to observe generation {gen} (observed {seen})"
        ))),
        (_, None) if required => Some(ObjectHealth::progressing(
            "waiting for the controller to observe the spec",
        )),
        _ => None,
    }
}

/// Condition reasons that mean "not there yet" rather than "broken", matched case-insensitively
/// as parts of the reason (`ReconciliationInProgress`, `PendingCreate`, `Issuing`...).
const PROGRESS_WORDS: &[&str] = &[
    "progress",
    "pending",
    "reconcil",
    "waiting",
    "initializ",
    "creating",
    "updating",
    "provisioning",
    "deploying",
    "starting",
    "issuing",
];

fn reason_means_progress(reason: &str) -> bool {
    let reason = reason.to_ascii_lowercase();
    PROGRESS_WORDS.iter().any(|w| reason.contains(w))
}

/// The conditions that, by the common conventions (kstatus, Knative, Crossplane, Argo), say
/// whether an object as a whole is done, in the order they are consulted.
const SUMMARY_CONDITIONS: &[&str] = &["Ready", "Available", "Succeeded"];

/// The verdict for a kind without a rule of its own.
///
/// `Stalled=True` is a failure and `Reconciling=True` a rollout (kstatus); otherwise the first of
/// `Ready` / `Available` / `Succeeded` decides: `True` is healthy, `False` is degraded when its
/// reason names a failure and progressing when the reason says it is still on its way (or gives
/// none), `Unknown` is progressing. A condition recorded for an older generation is stale and
/// counts as progressing. Objects without any of these (ConfigMaps, Secrets, RBAC, most custom
/// resources without a controller) are healthy as soon as they exist.
pub(super) fn by_conditions(obj: &Value) -> ObjectHealth {
    if let Some(stale) = not_observed(obj, false) {
        return stale;
    }
    let conds = parse_conditions(&obj["status"]["conditions"]);
    let find = |kind: &str| conds.iter().find(|c| c.kind == kind);
    if let Some(c) = find("Stalled").filter(|c| c.is_true()) {
        return ObjectHealth::degraded(format!("stalled: {}", c.describe()));
    }
    if let Some(c) = find("Reconciling").filter(|c| c.is_true()) {
        return ObjectHealth::progressing(format!("reconciling: {}", c.describe()));
    }
    let Some(c) = SUMMARY_CONDITIONS.iter().find_map(|k| find(k)) else {
        return ObjectHealth::healthy();
    };
    if let (Some(gen), Some(seen)) = (generation(obj), c.observed_generation) {
        if seen < gen {
            return ObjectHealth::progressing(format!(
                "condition {} is for generation {seen}, the object is at {gen}",
                c.kind
            ));
        }
    }
    let said = c.describe();
    if c.is_true() {
        ObjectHealth::healthy_because(said)
    } else if c.is_false() && !c.reason.is_empty() && !reason_means_progress(c.reason) {
        ObjectHealth::degraded(format!("{} is False: {said}", c.kind))
    } else {
        ObjectHealth::new(
            Health::Progressing,
            if said.is_empty() {
                format!("waiting for {} to become True", c.kind)
            } else {
                format!("{} is {}: {said}", c.kind, c.status)
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn cr(generation: i64, status: Value) -> Value {
        json!({
            "apiVersion": "example.io/v1", "kind": "Widget",
            "metadata": {"name": "w", "namespace": "ns", "generation": generation},
            "status": status,
        })
    }

    #[test]
    fn objects_without_status_are_healthy() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "ns"}, "data": {"k": "v"}});
        assert_eq!(by_conditions(&cm), ObjectHealth::healthy());
        let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "r", "namespace": "ns"}, "rules": []});
        assert_eq!(by_conditions(&role).health, Health::Healthy);
    }

    #[test]
    fn ready_true_false_and_unknown() {
        let ready = cr(
            2,
            json!({"observedGeneration": 2, "conditions": [
                {"type": "Ready", "status": "True", "reason": "Succeeded", "message": "all good"}]}),
        );
        assert_eq!(by_conditions(&ready).health, Health::Healthy);

        let failed = cr(
            1,
            json!({"conditions": [{"type": "Ready", "status": "False",
                "reason": "InstallFailed", "message": "chart not found"}]}),
        );
        let h = by_conditions(&failed);
        assert_eq!(h.health, Health::Degraded);
        assert_eq!(h.message, "Ready is False: InstallFailed: chart not found");

        let unknown = cr(
            1,
            json!({"conditions": [{"type": "Ready", "status": "Unknown", "reason": "Progressing",
                "message": "Reconciliation in progress"}]}),
        );
        assert_eq!(by_conditions(&unknown).health, Health::Progressing);
    }

    #[test]
    fn false_with_a_progress_reason_or_no_reason_is_progressing() {
        for reason in [
            "Progressing",
            "ReconciliationInProgress",
            "Issuing",
            "PendingCreate",
            "",
        ] {
            let obj = cr(
                1,
                json!({"conditions": [{"type": "Ready", "status": "False", "reason": reason}]}),
            );
            assert_eq!(by_conditions(&obj).health, Health::Progressing, "{reason}");
        }
    }

    #[test]
    fn stalled_and_reconciling_win_over_ready() {
        let stalled = cr(
            1,
            json!({"conditions": [
                {"type": "Ready", "status": "False", "reason": "Progressing"},
                {"type": "Stalled", "status": "True", "reason": "BuildFailed", "message": "no such image"}]}),
        );
        let h = by_conditions(&stalled);
        assert_eq!(h.health, Health::Degraded);
        assert_eq!(h.message, "stalled: BuildFailed: no such image");

        let reconciling = cr(
            1,
            json!({"conditions": [
                {"type": "Ready", "status": "True", "reason": "Succeeded"},
                {"type": "Reconciling", "status": "True", "reason": "Progressing", "message": "upgrading"}]}),
        );
        assert_eq!(by_conditions(&reconciling).health, Health::Progressing);
    }

    #[test]
    fn available_and_succeeded_also_decide() {
        let avail = cr(
            1,
            json!({"conditions": [{"type": "Available", "status": "True"}]}),
        );
        assert_eq!(by_conditions(&avail).health, Health::Healthy);
        let done = cr(
            1,
            json!({"conditions": [{"type": "Succeeded", "status": "False", "reason": "Error"}]}),
        );
        assert_eq!(by_conditions(&done).health, Health::Degraded);
    }

    #[test]
    fn stale_generation_is_progressing() {
        let stale = cr(
            3,
            json!({"observedGeneration": 2, "conditions": [{"type": "Ready", "status": "True"}]}),
        );
        let h = by_conditions(&stale);
        assert_eq!(h.health, Health::Progressing);
        assert!(h.message.contains("generation 3"), "{h}");

        let stale_condition = cr(
            3,
            json!({"conditions": [{"type": "Ready", "status": "True", "observedGeneration": 2}]}),
        );
        assert_eq!(by_conditions(&stale_condition).health, Health::Progressing);
    }

    #[test]
    fn not_observed_only_requires_observed_generation_when_asked() {
        let fresh = cr(1, json!({}));
        assert!(not_observed(&fresh, false).is_none());
        assert_eq!(
            not_observed(&fresh, true).map(|h| h.health),
            Some(Health::Progressing)
        );
        let seen = cr(1, json!({"observedGeneration": 1}));
        assert!(not_observed(&seen, true).is_none());
    }
}
