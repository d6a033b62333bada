//! Pods: by phase, readiness, and the container waiting reasons that mean a pod will not get
//! better by itself (crash loops, image pulls, bad config).

use serde_json::Value;

use super::conditions::{condition, describe, int, text};
use super::ObjectHealth;

/// Waiting reasons that are failures, beyond the `Err*` / `*Error` / `*BackOff` families.
const FAILED_WAITING: &[&str] = &["InvalidImageName", "CrashLoopBackOff", "ImagePullBackOff"];

fn is_failed_waiting(reason: &str) -> bool {
    FAILED_WAITING.contains(&reason)
        || reason.starts_with("Err")
        || reason.ends_with("Error")
        || reason.ends_with("BackOff")
}

/// All container statuses, init containers first.
fn container_statuses(status: &Value) -> impl Iterator<Item = &Value> {
    ["initContainerStatuses", "containerStatuses"]
        .into_iter()
        .filter_map(|k| status[k].as_array())
        .flatten()
}

/// `container web: CrashLoopBackOff: back-off 5m0s restarting failed container...`, one per
/// container stuck in a failure.
fn failed_containers(status: &Value) -> Vec<String> {
    container_statuses(status)
        .filter_map(|c| {
            let waiting = &c["state"]["waiting"];
            let reason = text(&waiting["reason"]);
            is_failed_waiting(reason).then(|| {
                format!(
                    "container {}: {}",
                    text(&c["name"]),
                    describe(reason, text(&waiting["message"]))
                )
            })
        })
        .collect()
}

/// Why a pod failed: its own message, else the first container that terminated badly.
fn failure_message(status: &Value) -> String {
    let own = describe(text(&status["reason"]), text(&status["message"]));
    if !own.is_empty() {
        return own;
    }
    container_statuses(status)
        .find_map(|c| {
            let t = &c["state"]["terminated"];
            let code = int(&t["exitCode"]);
            let reason = text(&t["reason"]);
            (t.is_object() && (code != 0 || reason == "OOMKilled")).then(|| {
                let why = describe(reason, text(&t["message"]));
                format!(
                    "container {} exited with code {code}{}",
                    text(&c["name"]),
                    if why.is_empty() {
                        String::new()
                    } else {
                        format!(" ({why})")
                    }
                )
            })
        })
        .unwrap_or_else(|| "pod failed".to_string())
}

/// A Pod.
///
/// Pods that restart their containers (`restartPolicy: Always`) are degraded as soon as a
/// container waits for a failure reason. Run-to-completion pods (`Never` / `OnFailure`, typically
/// hooks and Job pods) are judged by phase only, like Argo CD: an image pull that fails now may
/// succeed on the next try, and calling such a pod degraded early would fail a hook that is
/// still going to run.
pub(super) fn pod(obj: &Value) -> ObjectHealth {
    let status = &obj["status"];
    let restart_policy = obj["spec"]["restartPolicy"].as_str().unwrap_or("Always");
    let restarts = restart_policy == "Always";
    if restarts {
        let failed = failed_containers(status);
        if !failed.is_empty() {
            return ObjectHealth::degraded(failed.join("; "));
        }
    }
    match text(&status["phase"]) {
        "Succeeded" => ObjectHealth::healthy_because("completed"),
        "Failed" => ObjectHealth::degraded(failure_message(status)),
        "Running" if !restarts => ObjectHealth::progressing(format!(
            "running (restartPolicy {restart_policy}): waiting for it to finish"
        )),
        "Running" => match condition(obj, "Ready") {
            Some(c) if c.is_true() => ObjectHealth::healthy(),
            c => {
                let why = c.map(|c| c.describe()).unwrap_or_default();
                ObjectHealth::progressing(if why.is_empty() {
                    "running, not ready yet".to_string()
                } else {
                    format!("running, not ready yet: {why}")
                })
            }
        },
        "Pending" | "" => {
            // The scheduler's verdict is the useful part of a pending pod's status.
            let why = condition(obj, "PodScheduled")
                .filter(|c| c.is_false())
                .map(|c| c.describe())
                .unwrap_or_else(|| text(&status["message"]).to_string());
            ObjectHealth::progressing(if why.is_empty() {
                "pending".to_string()
            } else {
                format!("pending: {why}")
            })
        }
        other => ObjectHealth::new(
            super::Health::Unknown,
            format!(
                "phase {other}{}",
                match text(&status["message"]) {
                    "" => String::new(),
                    m => format!(": {m}"),
                }
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::health::Health;

    fn pod_with(restart_policy: &str, status: Value) -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-0", "namespace": "shop"},
            "spec": {"restartPolicy": restart_policy,
                "containers": [{"name": "web", "image": "nginx:1.27"}]},
            "status": status,
        })
    }

    #[test]
    fn running_and_ready_is_healthy() {
        let p = pod_with(
            "Always",
            json!({"phase": "Running", "conditions": [
                {"type": "Initialized", "status": "True"},
                {"type": "Ready", "status": "True"},
                {"type": "ContainersReady", "status": "True"},
                {"type": "PodScheduled", "status": "True"}],
              "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0,
                "state": {"running": {"startedAt": "2025-01-01T00:00:00Z"}}}]}),
        );
        assert_eq!(pod(&p), ObjectHealth::healthy());
    }

    #[test]
    fn running_not_ready_is_progressing_with_the_reason() {
        let p = pod_with(
            "Always",
            json!({"phase": "Running", "conditions": [
                {"type": "Ready", "status": "False", "reason": "ContainersNotReady",
                 "message": "containers with unready status: [web]"}],
              "containerStatuses": [{"name": "web", "ready": false, "restartCount": 1,
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}},
                "state": {"running": {"startedAt": "2025-01-01T00:00:00Z"}}}]}),
        );
        assert_eq!(
            pod(&p),
            ObjectHealth::progressing(
                "running, not ready yet: ContainersNotReady: containers with unready status: [web]"
            )
        );
    }

    #[test]
    fn crash_loop_and_image_errors_are_degraded() {
        let cases = [
            (
                "CrashLoopBackOff",
                "back-off 5m0s restarting failed container=web pod=web-0",
            ),
            ("ImagePullBackOff", "Back-off pulling image \"nginx:nope\""),
            ("ErrImagePull", "rpc error: code = NotFound"),
            ("CreateContainerConfigError", "secret \"db\" not found"),
            (
                "InvalidImageName",
                "couldn't parse image reference \"Nginx:\"",
            ),
        ];
        for (reason, message) in cases {
            let p = pod_with(
                "Always",
                json!({"phase": "Pending", "containerStatuses": [{"name": "web", "ready": false,
                    "restartCount": 0, "state": {"waiting": {"reason": reason, "message": message}}}]}),
            );
            let h = pod(&p);
            assert_eq!(h.health, Health::Degraded, "{reason}");
            assert_eq!(h.message, format!("container web: {reason}: {message}"));
        }
    }

    #[test]
    fn init_container_failures_count_too() {
        let p = pod_with(
            "Always",
            json!({"phase": "Pending", "initContainerStatuses": [{"name": "migrate",
                "state": {"waiting": {"reason": "CrashLoopBackOff"}}}],
              "containerStatuses": [{"name": "web",
                "state": {"waiting": {"reason": "PodInitializing"}}}]}),
        );
        assert_eq!(
            pod(&p),
            ObjectHealth::degraded("container migrate: CrashLoopBackOff")
        );
    }

    #[test]
    fn run_to_completion_pods_are_judged_by_phase() {
        let pulling = pod_with(
            "Never",
            json!({"phase": "Pending", "containerStatuses": [{"name": "web",
                "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}),
        );
        assert_eq!(pod(&pulling).health, Health::Progressing);
        let running = pod_with("OnFailure", json!({"phase": "Running"}));
        assert_eq!(pod(&running).health, Health::Progressing);
        let done = pod_with("Never", json!({"phase": "Succeeded"}));
        assert_eq!(pod(&done).health, Health::Healthy);
    }

    #[test]
    fn failed_pod_says_why() {
        let evicted = pod_with(
            "Always",
            json!({"phase": "Failed", "reason": "Evicted",
                "message": "The node was low on resource: memory."}),
        );
        assert_eq!(
            pod(&evicted),
            ObjectHealth::degraded("Evicted: The node was low on resource: memory.")
        );
        let exited = pod_with(
            "Never",
            json!({"phase": "Failed", "containerStatuses": [{"name": "web",
                "state": {"terminated": {"exitCode": 2, "reason": "Error"}}}]}),
        );
        assert_eq!(
            pod(&exited),
            ObjectHealth::degraded("container web exited with code 2 (Error)")
        );
    }

    #[test]
    fn pending_unschedulable_names_the_scheduler_message() {
        let p = pod_with(
            "Always",
            json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
                "reason": "Unschedulable",
                "message": "0/3 nodes are available: 3 Insufficient cpu."}]}),
        );
        assert_eq!(
            pod(&p),
            ObjectHealth::progressing(
                "pending: Unschedulable: 0/3 nodes are available: 3 Insufficient cpu."
            )
        );
        let bare = pod_with("Always", json!({"phase": "Pending"}));
        assert_eq!(pod(&bare), ObjectHealth::progressing("pending"));
    }

    #[test]
    fn unknown_phase_is_unknown() {
        let p = pod_with(
            "Always",
            json!({"phase": "Unknown", "message": "node unreachable"}),
        );
        assert_eq!(
            pod(&p),
            ObjectHealth::new(Health::Unknown, "phase Unknown: node unreachable")
        );
    }
}
