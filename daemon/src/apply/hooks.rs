//! Running chart hooks of one event, as Helm does on install/upgrade: in order, each one deleted
//! first when its policy says `before-hook-creation`, created with server-side apply, waited for
//! (Job complete, Pod succeeded, anything else once created), then deleted when its policy asks
//! for it. The first failure stops the event; later hooks are not run.

use std::time::Duration;

use serde_json::Value;

use crate::cluster::{Cluster, ResourceInfo};
use crate::object::ObjectId;
use crate::plan::{Hook, HookEvent};

/// How long to wait for an old hook object to disappear before creating it again.
const DELETE_TIMEOUT: Duration = Duration::from_secs(60);
/// How often a running hook is polled.
const POLL: Duration = Duration::from_millis(250);

/// A hook to run, with its resolved kind.
#[derive(Clone, Debug)]
pub struct ResolvedHook {
    /// The hook.
    pub hook: Hook,
    /// Its kind's resource.
    pub resource: ResourceInfo,
}

/// The outcome of one hook.
#[derive(Clone, Debug)]
pub struct HookResult {
    /// The hook object.
    pub id: ObjectId,
    /// The event it ran for.
    pub event: HookEvent,
    /// Its weight.
    pub weight: i64,
    /// `Some(message)` when it failed.
    pub error: Option<String>,
}

/// Where a hook object stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HookState {
    /// Still running.
    Running,
    /// Finished successfully.
    Succeeded,
    /// Finished with a failure (the reason).
    Failed(String),
}

/// A hook's state from its live object: Jobs by their `Complete`/`Failed` conditions, Pods by
/// phase; any other kind is done once it exists.
pub fn hook_state(kind: &str, obj: &Value) -> HookState {
    match kind {
        "Job" => {
            let conds = obj["status"]["conditions"].as_array();
            let find = |t: &str| {
                conds.and_then(|cs| cs.iter().find(|c| c["type"] == t && c["status"] == "True"))
            };
            if let Some(c) = find("Failed") {
                let why = c["reason"]
                    .as_str()
                    .or(c["message"].as_str())
                    .unwrap_or("Failed");
                return HookState::Failed(format!("job failed: {why}"));
            }
            if find("Complete").is_some() {
                return HookState::Succeeded;
            }
            HookState::Running
        }
        "Pod" => match obj["status"]["phase"].as_str() {
            Some("Succeeded") => HookState::Succeeded,
            Some("Failed") => HookState::Failed("pod failed".into()),
            _ => HookState::Running,
        },
        _ => HookState::Succeeded,
    }
}

/// Runs the hooks of `event` in the given order; stops at the first failure.
pub async fn run_hooks(
    cluster: &Cluster,
    hooks: &[ResolvedHook],
    event: HookEvent,
    timeout: Duration,
) -> Vec<HookResult> {
    let mut results = Vec::new();
    for h in hooks {
        let id = h.hook.manifest.id.clone();
        tracing::info!(object = %id, %event, weight = h.hook.weight, "running hook");
        let error = run_one(cluster, h, timeout).await.err();
        let failed = error.is_some();
        results.push(HookResult {
            id,
            event,
            weight: h.hook.weight,
            error,
        });
        if failed {
            break;
        }
    }
    results
}

async fn run_one(cluster: &Cluster, h: &ResolvedHook, timeout: Duration) -> Result<(), String> {
    let m = &h.hook.manifest;
    let ns = m.id.namespace.as_deref();
    let ri = &h.resource;
    if h.hook.delete.before_creation {
        cluster
            .delete(ri, ns, &m.id.name, None, false)
            .await
            .map_err(|e| format!("deleting the previous hook object: {e}"))?;
        let gone = cluster
            .wait_gone(ri, ns, &m.id.name, None, DELETE_TIMEOUT)
            .await
            .map_err(|e| e.to_string())?;
        if !gone {
            return Err(format!(
                "the previous hook object is still present after {}s",
                DELETE_TIMEOUT.as_secs()
            ));
        }
    }
    // Force: a hook object is syncd's to write whoever touched it last.
    cluster
        .apply(ri, &m.object, false, true)
        .await
        .map_err(|e| format!("creating the hook object: {e}"))?;
    let outcome = wait_done(cluster, h, timeout).await;
    if h.hook.delete.delete_after(outcome.is_ok()) {
        if let Err(e) = cluster.delete(ri, ns, &m.id.name, None, false).await {
            tracing::warn!(object = %m.id, error = %e, "deleting the finished hook failed");
        }
    }
    outcome
}

async fn wait_done(cluster: &Cluster, h: &ResolvedHook, timeout: Duration) -> Result<(), String> {
    let m = &h.hook.manifest;
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let live = cluster
            .get(&h.resource, m.id.namespace.as_deref(), &m.id.name)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "the hook object disappeared while it ran".to_string())?;
        match hook_state(&m.id.kind, &live) {
            HookState::Succeeded => return Ok(()),
            HookState::Failed(why) => return Err(why),
            HookState::Running => {}
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("not finished after {}s", timeout.as_secs()));
        }
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn job_state_from_conditions() {
        let job = |conds: Value| json!({"status": {"conditions": conds}});
        assert_eq!(hook_state("Job", &json!({})), HookState::Running);
        assert_eq!(
            hook_state("Job", &job(json!([{"type": "Complete", "status": "True"}]))),
            HookState::Succeeded
        );
        assert_eq!(
            hook_state(
                "Job",
                &job(json!([{"type": "Complete", "status": "False"}]))
            ),
            HookState::Running
        );
        assert_eq!(
            hook_state(
                "Job",
                &job(
                    json!([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}])
                )
            ),
            HookState::Failed("job failed: BackoffLimitExceeded".into())
        );
    }

    #[test]
    fn pod_state_from_phase_and_others_done_once_created() {
        let pod = |phase: &str| json!({"status": {"phase": phase}});
        assert_eq!(hook_state("Pod", &pod("Running")), HookState::Running);
        assert_eq!(hook_state("Pod", &pod("Succeeded")), HookState::Succeeded);
        assert_eq!(
            hook_state("Pod", &pod("Failed")),
            HookState::Failed("pod failed".into())
        );
        assert_eq!(hook_state("ConfigMap", &json!({})), HookState::Succeeded);
    }
}
