//! Marks kept beside the history: each revision's health after its sync (a label on the
//! revision's Secret), and pins — a manual rollback's note that the daemon must not re-apply the
//! commit rolled back from (a ConfigMap per app). Pure encode/decode.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::Revision;
use crate::object::{str_at, LABEL_APP, LABEL_ENV, LABEL_STATE};

/// Label on a revision Secret: `healthy` or `unhealthy` once the daemon waited for it.
pub const LABEL_HEALTH: &str = "syncd.io/health";
const PIN_KEY_COMMIT: &str = "fromCommit";
const PIN_KEY_REVISION: &str = "revision";
const PIN_KEY_TIME: &str = "time";

/// The merge patch that marks a revision Secret healthy or not.
pub fn health_patch(healthy: bool) -> Value {
    json!({"metadata": {"labels": {LABEL_HEALTH: if healthy { "healthy" } else { "unhealthy" }}}})
}

/// Whether a revision Secret is marked healthy (`None`: never waited for).
pub fn marked_healthy(secret: &Value) -> Option<bool> {
    match str_at(secret, &["metadata", "labels", LABEL_HEALTH]) {
        Some("healthy") => Some(true),
        Some("unhealthy") => Some(false),
        _ => None,
    }
}

/// The newest revision before `before` that was marked healthy: where an automatic rollback
/// goes. Revisions never waited for do not count: nobody knows they worked.
pub fn last_healthy(revisions: &[(Revision, Value)], before: u64) -> Option<u64> {
    revisions
        .iter()
        .filter(|(r, s)| r.number < before && marked_healthy(s) == Some(true))
        .map(|(r, _)| r.number)
        .max()
}

/// A manual rollback's pin on one app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin {
    /// The app.
    pub app: String,
    /// The GitOps commit that was rolled back from; the daemon leaves the app alone while the
    /// repo still points at it.
    pub from_commit: Option<String>,
    /// The revision rolled back to.
    pub revision: u64,
    /// When (RFC 3339).
    pub time: String,
}

/// Name of the pin ConfigMap of env/app.
pub fn pin_name(env: &str, app: &str) -> String {
    format!("syncd-pin-{env}-{app}")
}

/// Label selector matching every pin of an environment.
pub fn pin_selector(env: &str) -> String {
    format!("{LABEL_STATE}=pin,{LABEL_ENV}={env}")
}

/// The ConfigMap storing a pin.
pub fn pin_configmap(env: &str, namespace: &str, pin: &Pin) -> Value {
    let mut data = BTreeMap::new();
    if let Some(c) = &pin.from_commit {
        data.insert(PIN_KEY_COMMIT, c.clone());
    }
    data.insert(PIN_KEY_REVISION, pin.revision.to_string());
    data.insert(PIN_KEY_TIME, pin.time.clone());
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": pin_name(env, &pin.app),
            "namespace": namespace,
            "labels": {LABEL_STATE: "pin", LABEL_ENV: env, LABEL_APP: pin.app},
        },
        "data": data,
    })
}

/// Reads a pin ConfigMap back; `None` when it is not one.
pub fn decode_pin(cm: &Value) -> Option<Pin> {
    let app = str_at(cm, &["metadata", "labels", LABEL_APP])?.to_owned();
    let data = &cm["data"];
    Some(Pin {
        app,
        from_commit: data[PIN_KEY_COMMIT].as_str().map(str::to_owned),
        revision: data[PIN_KEY_REVISION].as_str()?.parse().ok()?,
        time: data[PIN_KEY_TIME].as_str().unwrap_or_default().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Counts, Outcome};

    fn rev(number: u64, health: Option<&str>) -> (Revision, Value) {
        let r = Revision {
            number,
            time: String::new(),
            commit: None,
            dirty: false,
            counts: Counts::default(),
            outcome: Outcome::Succeeded,
            rollback_of: None,
            sha256: String::new(),
            policy: None,
            sources: Vec::new(),
        };
        let labels = match health {
            Some(h) => json!({LABEL_HEALTH: h}),
            None => json!({}),
        };
        (r, json!({"metadata": {"labels": labels}}))
    }

    #[test]
    fn rollback_goes_to_the_newest_revision_known_healthy() {
        let revs = vec![
            rev(1, Some("healthy")),
            rev(2, Some("healthy")),
            rev(3, None),
            rev(4, Some("unhealthy")),
            rev(5, Some("unhealthy")),
        ];
        assert_eq!(last_healthy(&revs, 5), Some(2));
        assert_eq!(last_healthy(&revs, 2), Some(1));
        assert_eq!(last_healthy(&revs, 1), None);
        assert_eq!(marked_healthy(&revs[2].1), None);
        let patched = health_patch(false);
        assert_eq!(marked_healthy(&patched), Some(false));
    }

    #[test]
    fn pins_round_trip() {
        let pin = Pin {
            app: "gateway".into(),
            from_commit: Some("abc123".into()),
            revision: 4,
            time: "2026-11-21T10:00:00Z".into(),
        };
        let cm = pin_configmap("prod", "syncd-system", &pin);
        assert_eq!(cm["metadata"]["name"], "syncd-pin-prod-gateway");
        assert_eq!(decode_pin(&cm), Some(pin));
        assert_eq!(decode_pin(&json!({"metadata": {}})), None);
    }
}
