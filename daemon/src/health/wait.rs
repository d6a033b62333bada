//! Waiting for applied objects to become healthy, like `kubectl rollout status` over a whole
//! app: poll, assess, stop when everything is healthy, when something is degraded (fail fast),
//! or at the deadline. The round loop ([`wait_with`]) is generic over how an object is read, so
//! its timing is tested with paused tokio time; [`wait_healthy`] reads through [`Cluster`].

use std::fmt;
use std::future::Future;
use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;
use tokio::time::Instant;

use super::{assess_with, worst, AssessOptions, Health, ObjectHealth};
use crate::cluster::{Cluster, ResourceInfo};
use crate::object::ObjectId;

/// How many objects are read at once in one round.
const CONCURRENT_READS: usize = 8;

/// Polls shorter than this would spin; a rollout is not watched at that resolution anyway.
const MIN_POLL: Duration = Duration::from_millis(10);

/// One object to wait for: its identity and how to reach it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watched {
    /// Identity (and namespace and name for the GET).
    pub id: ObjectId,
    /// The kind's resource (from discovery, as the apply used it).
    pub info: ResourceInfo,
}

impl Watched {
    /// An object to wait for.
    pub fn new(id: ObjectId, info: ResourceInfo) -> Watched {
        Watched { id, info }
    }
}

/// How long and how to wait.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitOptions {
    /// Give up after this long (the app's `syncPolicy.healthTimeout`).
    pub timeout: Duration,
    /// Time between rounds.
    pub poll: Duration,
    /// Stop at the first round in which an object is degraded, instead of waiting out the
    /// timeout in case it recovers (a crash-looping pod sometimes does, a failed Job never).
    pub fail_fast: bool,
    /// How objects are judged.
    pub assess: AssessOptions,
}

impl Default for WaitOptions {
    fn default() -> WaitOptions {
        WaitOptions {
            timeout: Duration::from_secs(300),
            poll: Duration::from_secs(2),
            fail_fast: true,
            assess: AssessOptions::default(),
        }
    }
}

/// The outcome of a wait.
#[derive(Clone, Debug, PartialEq)]
pub struct HealthReport {
    /// The worst health among the objects.
    pub health: Health,
    /// Every watched object with its last verdict, in the order they were given.
    pub objects: Vec<(ObjectId, ObjectHealth)>,
    /// Whether the wait ended at the deadline with objects still not healthy (rather than all
    /// healthy, or stopped early at a degraded one).
    pub timed_out: bool,
    /// How long the wait took.
    pub elapsed: Duration,
}

impl HealthReport {
    /// Whether every object is healthy.
    pub fn is_healthy(&self) -> bool {
        self.health == Health::Healthy
    }

    /// The objects that are not healthy, with why.
    pub fn unhealthy(&self) -> impl Iterator<Item = &(ObjectId, ObjectHealth)> {
        self.objects.iter().filter(|(_, h)| !h.is_healthy())
    }

    /// One line for logs and the status API: how it ended, then each unhealthy object with its
    /// verdict, worst first.
    pub fn summary(&self) -> String {
        self.to_string()
    }
}

/// `2 of 5 objects not healthy after 300.0s (timed out): apps/Deployment shop/web: Progressing:
/// waiting for rollout: 0 of 3 updated replicas are available; ...`
impl fmt::Display for HealthReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.objects.len();
        let secs = self.elapsed.as_secs_f64();
        let mut bad: Vec<_> = self.unhealthy().collect();
        if bad.is_empty() {
            return write!(f, "all {total} objects healthy after {secs:.1}s");
        }
        bad.sort_by(|a, b| b.1.health.cmp(&a.1.health).then_with(|| a.0.cmp(&b.0)));
        let how = if self.timed_out {
            " (timed out)"
        } else if self.health == Health::Degraded {
            " (stopped at a degraded object)"
        } else {
            ""
        };
        write!(
            f,
            "{} of {total} objects not healthy after {secs:.1}s{how}: ",
            bad.len()
        )?;
        for (i, (id, health)) in bad.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{id}: {health}")?;
        }
        Ok(())
    }
}

/// Waits for `targets` to become healthy, reading each with a GET.
///
/// One GET per object that is not healthy yet, per round: an app has tens of objects, most of
/// them (ConfigMaps, Secrets, RBAC, Services) are healthy in the first round and never read
/// again, so the steady state is a few GETs per poll for the workloads still rolling out — less
/// than a LIST of their namespace would return, and each answer is exactly the object needed.
pub async fn wait_healthy(
    cluster: &Cluster,
    targets: &[Watched],
    opts: WaitOptions,
) -> HealthReport {
    wait_with(targets, opts, |w: &Watched| {
        let w = w.clone();
        async move {
            cluster
                .get(&w.info, w.id.namespace.as_deref(), &w.id.name)
                .await
        }
    })
    .await
}

/// The round loop of [`wait_healthy`], reading objects with `fetch` (`Ok(None)`: not found).
///
/// Each round reads every object not yet healthy and assesses it; an object once healthy is
/// not read again (a finished rollout does not undo itself within one wait, and this bounds the
/// requests). A read error is retried in the next round and, if it persists to the end, is the
/// object's verdict (`Unknown`, with the error). Rounds run at `poll` intervals plus one at the
/// deadline; a read still unanswered then is abandoned, so the wait ends at most one poll
/// interval after `timeout` even when the server hangs.
pub async fn wait_with<F, Fut, E>(targets: &[Watched], opts: WaitOptions, fetch: F) -> HealthReport
where
    F: Fn(&Watched) -> Fut,
    Fut: Future<Output = Result<Option<Value>, E>>,
    E: fmt::Display,
{
    let start = Instant::now();
    let deadline = start + opts.timeout;
    let poll = opts.poll.max(MIN_POLL);
    let mut verdicts: Vec<ObjectHealth> = targets
        .iter()
        .map(|_| ObjectHealth::new(Health::Unknown, "not read yet"))
        .collect();
    let mut round = 0u32;
    let (timed_out, now) = loop {
        round += 1;
        let round_start = Instant::now();
        let read_deadline = deadline.max(round_start + poll);
        let pending: Vec<usize> = (0..targets.len())
            .filter(|&i| !verdicts[i].is_healthy())
            .collect();
        tracing::debug!(round, pending = pending.len(), "health round");
        // Built eagerly from owned indices: a lazy `map` closure over borrowed ones makes this
        // future not provably `Send` (a rustc limit with higher-ranked closures), and callers
        // spawn it.
        let reads: Vec<_> = pending
            .into_iter()
            .map(|i| {
                let read = fetch(&targets[i]);
                async move { (i, tokio::time::timeout_at(read_deadline, read).await) }
            })
            .collect();
        let mut answers = futures::stream::iter(reads).buffer_unordered(CONCURRENT_READS);
        while let Some((i, answer)) = answers.next().await {
            verdicts[i] = match answer {
                Ok(Ok(Some(obj))) => assess_with(&obj, &opts.assess),
                Ok(Ok(None)) => ObjectHealth::new(Health::Missing, "not found in the cluster"),
                Ok(Err(e)) => ObjectHealth::new(Health::Unknown, format!("cannot read it: {e}")),
                Err(_) => ObjectHealth::new(
                    Health::Unknown,
                    "cannot read it: no answer from the API server before the deadline",
                ),
            };
        }
        let now = Instant::now();
        if verdicts.iter().all(ObjectHealth::is_healthy) {
            break (false, now);
        }
        if opts.fail_fast && verdicts.iter().any(|h| h.health == Health::Degraded) {
            break (false, now);
        }
        if now >= deadline {
            break (true, now);
        }
        tokio::time::sleep_until((round_start + poll).min(deadline)).await;
    };
    let health = worst(verdicts.iter().map(|h| h.health));
    HealthReport {
        health,
        objects: targets.iter().map(|t| t.id.clone()).zip(verdicts).collect(),
        timed_out,
        elapsed: now - start,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use serde_json::json;

    use super::*;

    /// What a scripted read returns.
    #[derive(Clone, Debug)]
    enum Answer {
        Object(Value),
        NotFound,
        Error(&'static str),
        Hang,
    }

    /// Per object name, the answers of successive reads (the last one repeats), and a log of
    /// reads made.
    #[derive(Clone, Default)]
    struct Script {
        answers: Arc<Mutex<HashMap<String, Vec<Answer>>>>,
        reads: Arc<Mutex<Vec<String>>>,
    }

    impl Script {
        fn with(self, name: &str, answers: Vec<Answer>) -> Script {
            self.answers.lock().unwrap().insert(name.into(), answers);
            self
        }

        fn reads_of(&self, name: &str) -> usize {
            self.reads
                .lock()
                .unwrap()
                .iter()
                .filter(|n| *n == name)
                .count()
        }

        fn fetch(&self, w: &Watched) -> impl Future<Output = Result<Option<Value>, String>> {
            let name = w.id.name.clone();
            self.reads.lock().unwrap().push(name.clone());
            let answer = {
                let mut all = self.answers.lock().unwrap();
                let queue = all.get_mut(&name).expect("scripted object");
                if queue.len() > 1 {
                    queue.remove(0)
                } else {
                    queue[0].clone()
                }
            };
            async move {
                match answer {
                    Answer::Object(v) => Ok(Some(v)),
                    Answer::NotFound => Ok(None),
                    Answer::Error(e) => Err(e.to_string()),
                    Answer::Hang => std::future::pending().await,
                }
            }
        }
    }

    fn watched(kind: &str, name: &str) -> Watched {
        let (group, api_version, plural) = match kind {
            "Job" => ("batch", "batch/v1", "jobs"),
            "Deployment" => ("apps", "apps/v1", "deployments"),
            _ => ("", "v1", "configmaps"),
        };
        Watched::new(
            ObjectId::new(api_version, kind, Some("shop"), name),
            ResourceInfo {
                group: group.into(),
                api_version: api_version.into(),
                kind: kind.into(),
                plural: plural.into(),
                namespaced: true,
            },
        )
    }

    fn configmap(name: &str) -> Answer {
        Answer::Object(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "shop"}}))
    }

    fn job(name: &str, condition: Option<&str>) -> Answer {
        let conditions: Vec<Value> = condition
            .map(|c| json!({"type": c, "status": "True", "reason": "BackoffLimitExceeded"}))
            .into_iter()
            .collect();
        Answer::Object(json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": name, "namespace": "shop"},
            "spec": {"completions": 1},
            "status": {"active": 1, "conditions": conditions}}))
    }

    fn deployment_unavailable() -> Answer {
        Answer::Object(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop", "generation": 1},
            "spec": {"replicas": 1},
            "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1,
                "unavailableReplicas": 1}}))
    }

    fn opts(timeout_s: u64, poll_s: u64) -> WaitOptions {
        WaitOptions {
            timeout: Duration::from_secs(timeout_s),
            poll: Duration::from_secs(poll_s),
            ..WaitOptions::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn all_healthy_at_once_takes_one_round() {
        let script = Script::default()
            .with("a", vec![configmap("a")])
            .with("b", vec![configmap("b")]);
        let targets = [watched("ConfigMap", "a"), watched("ConfigMap", "b")];
        let report = wait_with(&targets, opts(60, 2), |w| script.fetch(w)).await;
        assert!(report.is_healthy(), "{report}");
        assert!(!report.timed_out);
        assert_eq!(report.elapsed, Duration::ZERO);
        assert_eq!(script.reads.lock().unwrap().len(), 2);
        assert_eq!(report.summary(), "all 2 objects healthy after 0.0s");
    }

    #[tokio::test(start_paused = true)]
    async fn stops_when_the_last_object_turns_healthy_and_rereads_only_unhealthy_ones() {
        let script = Script::default().with("cfg", vec![configmap("cfg")]).with(
            "migrate",
            vec![
                job("migrate", None),
                job("migrate", None),
                job("migrate", Some("Complete")),
            ],
        );
        let targets = [watched("ConfigMap", "cfg"), watched("Job", "migrate")];
        let report = wait_with(&targets, opts(60, 2), |w| script.fetch(w)).await;
        assert_eq!(report.health, Health::Healthy, "{report}");
        assert!(!report.timed_out);
        assert_eq!(
            report.elapsed,
            Duration::from_secs(4),
            "three rounds, 2s apart"
        );
        assert_eq!(
            script.reads_of("cfg"),
            1,
            "healthy objects are not read again"
        );
        assert_eq!(script.reads_of("migrate"), 3);
        assert_eq!(report.objects[1].0.name, "migrate");
        assert_eq!(report.objects[1].1.health, Health::Healthy);
    }

    #[tokio::test(start_paused = true)]
    async fn times_out_with_the_progressing_object_named() {
        let script = Script::default()
            .with("cfg", vec![configmap("cfg")])
            .with("web", vec![deployment_unavailable()]);
        let targets = [watched("ConfigMap", "cfg"), watched("Deployment", "web")];
        let report = wait_with(&targets, opts(10, 3), |w| script.fetch(w)).await;
        assert!(report.timed_out);
        assert_eq!(report.health, Health::Progressing);
        assert_eq!(
            report.elapsed,
            Duration::from_secs(10),
            "ends at the deadline"
        );
        // Rounds at 0, 3, 6, 9 and one at the deadline.
        assert_eq!(script.reads_of("web"), 5);
        assert_eq!(
            report.summary(),
            "1 of 2 objects not healthy after 10.0s (timed out): apps/Deployment shop/web: \
             Progressing: waiting for rollout: 0 of 1 updated replicas are available"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn fails_fast_on_a_degraded_object() {
        let script = Script::default()
            .with("web", vec![deployment_unavailable()])
            .with(
                "migrate",
                vec![job("migrate", None), job("migrate", Some("Failed"))],
            );
        let targets = [watched("Deployment", "web"), watched("Job", "migrate")];
        let report = wait_with(&targets, opts(60, 2), |w| script.fetch(w)).await;
        assert_eq!(report.health, Health::Degraded);
        assert!(!report.timed_out);
        assert_eq!(report.elapsed, Duration::from_secs(2));
        let summary = report.summary();
        assert!(
            summary.starts_with("2 of 2 objects not healthy after 2.0s (stopped at a degraded object): batch/Job shop/migrate: Degraded: job failed: BackoffLimitExceeded; apps/Deployment shop/web: Progressing"),
            "worst first: {summary}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn without_fail_fast_a_degraded_object_may_recover() {
        let script = Script::default().with(
            "migrate",
            vec![
                job("migrate", Some("Failed")),
                job("migrate", Some("Complete")),
            ],
        );
        let targets = [watched("Job", "migrate")];
        let patient = WaitOptions {
            fail_fast: false,
            ..opts(60, 2)
        };
        let report = wait_with(&targets, patient.clone(), |w| script.fetch(w)).await;
        assert!(report.is_healthy(), "{report}");
        assert_eq!(report.elapsed, Duration::from_secs(2));

        let stuck = Script::default().with("migrate", vec![job("migrate", Some("Failed"))]);
        let report = wait_with(&targets, patient.clone(), |w| stuck.fetch(w)).await;
        assert_eq!(report.health, Health::Degraded);
        assert!(report.timed_out, "waited out the timeout");
        assert_eq!(report.elapsed, Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn missing_objects_are_missing() {
        let script = Script::default().with("gone", vec![Answer::NotFound]);
        let report = wait_with(&[watched("ConfigMap", "gone")], opts(5, 1), |w| {
            script.fetch(w)
        })
        .await;
        assert_eq!(report.health, Health::Missing);
        assert!(report.timed_out);
        assert_eq!(
            report.objects[0].1,
            ObjectHealth::new(Health::Missing, "not found in the cluster")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn read_errors_are_retried_then_reported() {
        let flaky = Script::default().with(
            "cfg",
            vec![Answer::Error("connection refused"), configmap("cfg")],
        );
        let targets = [watched("ConfigMap", "cfg")];
        let report = wait_with(&targets, opts(30, 2), |w| flaky.fetch(w)).await;
        assert!(report.is_healthy(), "{report}");
        assert_eq!(report.elapsed, Duration::from_secs(2));

        let down = Script::default().with("cfg", vec![Answer::Error("connection refused")]);
        let report = wait_with(&targets, opts(30, 2), |w| down.fetch(w)).await;
        assert!(report.timed_out);
        assert_eq!(report.health, Health::Unknown);
        assert_eq!(
            report.objects[0].1.message,
            "cannot read it: connection refused"
        );
        assert_eq!(down.reads_of("cfg"), 16, "rounds at 0, 2, ..., 30");
    }

    #[tokio::test(start_paused = true)]
    async fn a_hanging_read_cannot_outlast_the_deadline_by_more_than_a_poll() {
        let script = Script::default().with("cfg", vec![Answer::Hang]);
        let report = wait_with(&[watched("ConfigMap", "cfg")], opts(10, 2), |w| {
            script.fetch(w)
        })
        .await;
        assert!(report.timed_out);
        assert_eq!(report.health, Health::Unknown);
        assert_eq!(report.elapsed, Duration::from_secs(10));
        assert!(
            report.objects[0].1.message.contains("no answer"),
            "{report}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_to_wait_for_is_healthy() {
        let script = Script::default();
        let report = wait_with(&[], opts(10, 2), |w| script.fetch(w)).await;
        assert!(report.is_healthy());
        assert!(!report.timed_out);
        assert!(report.objects.is_empty());
    }
}
