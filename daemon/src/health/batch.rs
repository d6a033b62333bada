//! Jobs and CronJobs: a Job is healthy once it completes and degraded once it fails; a CronJob
//! is a schedule, healthy as long as it exists.

use serde_json::Value;

use super::conditions::{int, parse_conditions, text};
use super::ObjectHealth;

/// A Job: `Complete` / `Failed` conditions, suspension, or how many pods are still running.
pub(super) fn job(obj: &Value) -> ObjectHealth {
    let status = &obj["status"];
    let conds = parse_conditions(&status["conditions"]);
    // `FailureTarget` (1.26+) is set as soon as the Job is bound to fail, before its pods are
    // cleaned up and `Failed` follows.
    if let Some(c) = conds
        .iter()
        .find(|c| c.is_true() && (c.kind == "Failed" || c.kind == "FailureTarget"))
    {
        let why = c.describe();
        return ObjectHealth::degraded(if why.is_empty() {
            "job failed".to_string()
        } else {
            format!("job failed: {why}")
        });
    }
    if conds.iter().any(|c| c.is_true() && c.kind == "Complete") {
        return ObjectHealth::healthy_because(format!(
            "completed: {} succeeded",
            int(&status["succeeded"])
        ));
    }
    if obj["spec"]["suspend"].as_bool() == Some(true) {
        // A suspended Job runs nothing until resumed; it is where its author put it.
        return ObjectHealth::healthy_because("suspended");
    }
    let completions = obj["spec"]["completions"]
        .as_i64()
        .map(|n| format!(" of {n}"))
        .unwrap_or_default();
    ObjectHealth::progressing(format!(
        "running: {} active, {} succeeded{completions}, {} failed",
        int(&status["active"]),
        int(&status["succeeded"]),
        int(&status["failed"]),
    ))
}

/// A CronJob. Whether the Jobs it starts succeed is theirs to report; a failing run is not a
/// property of the schedule (and is not known without reading the Job).
pub(super) fn cron_job(obj: &Value) -> ObjectHealth {
    if obj["spec"]["suspend"].as_bool() == Some(true) {
        return ObjectHealth::healthy_because("suspended");
    }
    match text(&obj["status"]["lastScheduleTime"]) {
        "" => ObjectHealth::healthy_because("not scheduled yet"),
        last => ObjectHealth::healthy_because(format!("last scheduled at {last}")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::health::Health;

    fn job_with(spec_extra: Value, status: Value) -> Value {
        let mut spec = json!({"completions": 1, "parallelism": 1, "backoffLimit": 6,
            "template": {"spec": {"restartPolicy": "Never",
                "containers": [{"name": "migrate", "image": "app:1"}]}}});
        if let (Some(s), Some(extra)) = (spec.as_object_mut(), spec_extra.as_object()) {
            s.extend(extra.clone());
        }
        json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "migrate", "namespace": "shop", "generation": 1},
            "spec": spec, "status": status})
    }

    #[test]
    fn complete_job_is_healthy() {
        let j = job_with(
            json!({}),
            json!({"succeeded": 1, "startTime": "2025-01-01T00:00:00Z",
                "completionTime": "2025-01-01T00:00:09Z",
                "conditions": [{"type": "Complete", "status": "True",
                    "lastTransitionTime": "2025-01-01T00:00:09Z"}]}),
        );
        assert_eq!(
            job(&j),
            ObjectHealth::healthy_because("completed: 1 succeeded")
        );
    }

    #[test]
    fn failed_job_is_degraded_with_the_condition() {
        let j = job_with(
            json!({}),
            json!({"failed": 7, "conditions": [{"type": "Failed", "status": "True",
                "reason": "BackoffLimitExceeded",
                "message": "Job has reached the specified backoff limit"}]}),
        );
        assert_eq!(
            job(&j),
            ObjectHealth::degraded(
                "job failed: BackoffLimitExceeded: Job has reached the specified backoff limit"
            )
        );
        let target = job_with(
            json!({}),
            json!({"failed": 1, "conditions": [{"type": "FailureTarget", "status": "True",
                "reason": "DeadlineExceeded"}]}),
        );
        assert_eq!(job(&target).health, Health::Degraded);
    }

    #[test]
    fn running_job_is_progressing() {
        let j = job_with(
            json!({"completions": 3}),
            json!({"active": 1, "succeeded": 1, "failed": 1}),
        );
        assert_eq!(
            job(&j),
            ObjectHealth::progressing("running: 1 active, 1 succeeded of 3, 1 failed")
        );
        let fresh = job_with(json!({}), json!({}));
        assert_eq!(job(&fresh).health, Health::Progressing);
    }

    #[test]
    fn suspended_job_is_healthy() {
        let j = job_with(
            json!({"suspend": true}),
            json!({"conditions": [{"type": "Suspended", "status": "True", "reason": "JobSuspended"}]}),
        );
        assert_eq!(job(&j), ObjectHealth::healthy_because("suspended"));
    }

    #[test]
    fn cron_job_is_healthy_and_notes_suspension() {
        let cj = |suspend: bool, status: Value| {
            json!({"apiVersion": "batch/v1", "kind": "CronJob",
                "metadata": {"name": "report", "namespace": "shop"},
                "spec": {"schedule": "0 * * * *", "suspend": suspend,
                    "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Never",
                        "containers": [{"name": "r", "image": "r:1"}]}}}}},
                "status": status})
        };
        assert_eq!(
            cron_job(&cj(true, json!({}))),
            ObjectHealth::healthy_because("suspended")
        );
        assert_eq!(
            cron_job(&cj(
                false,
                json!({"lastScheduleTime": "2025-01-01T10:00:00Z"})
            )),
            ObjectHealth::healthy_because("last scheduled at 2025-01-01T10:00:00Z")
        );
    }
}
