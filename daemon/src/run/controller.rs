//! The daemon's loop: gathers triggers (poll with jitter, webhooks, drift, retries), debounces
//! them into batches, runs a round per batch and dispatches one task per selected app — at most
//! `concurrency` at once, one per app, never blocking the others — and stops cleanly.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use syncd_config::DaemonConfig;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::debounce::{Batch, Debouncer};
use super::reconcile::{reconcile, Ended, Job};
use super::round::{cluster_facts, select, snapshot, Selected, Snapshot};
use super::shared::Shared;
use super::status::Phase;
use super::trigger::{Trigger, TriggerReason};

/// How long a shutdown waits for running applies before abandoning them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(25);

/// The loop's inputs.
pub struct Controller {
    shared: Arc<Shared>,
    config: DaemonConfig,
    triggers: mpsc::Receiver<Trigger>,
    leader: watch::Receiver<bool>,
    configs: watch::Receiver<DaemonConfig>,
    drift: super::heal::Healer,
}

/// A task's result.
type Done = (String, Ended);

struct Loop {
    debouncer: Debouncer,
    tasks: JoinSet<Done>,
    slots: Arc<Semaphore>,
    /// Apps asked for while their reconcile ran: run again when it ends.
    again: BTreeMap<String, Selected>,
    retries: BTreeMap<String, Instant>,
    next_poll: Instant,
    /// Apps whose first reconcile ended (readiness).
    attempted: BTreeSet<String>,
    /// Apps with drift reported by the watchers since their last reconcile.
    drifted: BTreeSet<String>,
    /// Apps pinned at the last round.
    pinned: BTreeSet<String>,
    last: Option<Snapshot>,
}

/// A burst of pushes fires after a quiet `window`, or after ten windows (at least 2 s) at most.
fn debouncer(window: Duration) -> Debouncer {
    Debouncer::new(window, (window * 10).max(Duration::from_secs(2)))
}

impl Controller {
    /// A loop over shared state, fed by `triggers`.
    pub fn new(
        shared: Arc<Shared>,
        config: DaemonConfig,
        channel: (mpsc::Sender<Trigger>, mpsc::Receiver<Trigger>),
        leader: watch::Receiver<bool>,
        configs: watch::Receiver<DaemonConfig>,
    ) -> Controller {
        let drift = super::heal::Healer::new(shared.clone(), config.environment.clone(), channel.0);
        Controller {
            shared,
            config,
            triggers: channel.1,
            leader,
            configs,
            drift,
        }
    }

    /// Runs until shutdown.
    pub async fn run(mut self) {
        let mut shutdown = self.shared.shutdown.clone();
        let window = self.config.webhooks.debounce;
        let mut st = Loop {
            debouncer: debouncer(window),
            tasks: JoinSet::new(),
            slots: Arc::new(Semaphore::new(self.config.concurrency)),
            again: BTreeMap::new(),
            retries: BTreeMap::new(),
            next_poll: Instant::now() + self.poll_delay(),
            attempted: BTreeSet::new(),
            drifted: BTreeSet::new(),
            pinned: BTreeSet::new(),
            last: None,
        };
        let mut was_leader = *self.leader.borrow();
        let mut leader_open = true;
        if was_leader {
            st.debouncer
                .push(Trigger::new(TriggerReason::Startup), Instant::now());
        } else {
            self.standby_round(&mut st).await;
        }
        loop {
            let wake = [
                st.debouncer.deadline(),
                Some(st.next_poll),
                st.retries.values().min().copied(),
            ]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() { break; }
                }
                Some(t) = self.triggers.recv() => {
                    if let (TriggerReason::Webhook { .. }, Some(r)) = (&t.reason, &t.git_ref) {
                        if !super::trigger::ref_matches(self.config.repo.reference.as_deref(), r) {
                            tracing::debug!(pushed = %r, "push to a ref this daemon does not follow");
                            continue;
                        }
                    }
                    if let TriggerReason::Drift { app, .. } = &t.reason {
                        st.drifted.insert(app.clone());
                    }
                    st.debouncer.push(t, Instant::now());
                }
                Some(done) = st.tasks.join_next(), if !st.tasks.is_empty() => {
                    if let Some(app) = self.task_ended(&mut st, done) {
                        if *self.leader.borrow() {
                            self.drift.app_rendered(&self.shared.cluster, &app).await;
                        }
                    }
                }
                changed = self.leader.changed(), if leader_open => {
                    // Without an election the flag never changes: its sender is gone.
                    if changed.is_err() { leader_open = false; continue; }
                    let leader = *self.leader.borrow();
                    if leader && !was_leader {
                        tracing::info!("became leader: full resync");
                        st.debouncer.push(Trigger::new(TriggerReason::Startup), Instant::now());
                    } else if !leader && was_leader {
                        tracing::warn!("lost leadership: stopping every write in flight");
                        st.tasks.abort_all();
                        while st.tasks.join_next().await.is_some() {}
                        self.shared.abandon_all();
                        self.drift.stop();
                        self.shared.status.update(|s| s.leader = false);
                    }
                    was_leader = leader;
                }
                changed = self.configs.changed() => {
                    if changed.is_err() { continue; }
                    let next = self.configs.borrow().clone();
                    self.reconfigure(&mut st, next);
                }
                _ = tokio::time::sleep_until(wake) => {
                    let now = Instant::now();
                    if now >= st.next_poll {
                        st.next_poll = now + self.poll_delay();
                        st.debouncer.push(Trigger::new(TriggerReason::Poll), now);
                    }
                    let due: Vec<String> = st.retries.iter().filter(|(_, at)| **at <= now).map(|(a, _)| a.clone()).collect();
                    for app in due {
                        st.retries.remove(&app);
                        st.debouncer.push(Trigger::new(TriggerReason::Retry { app }), now);
                    }
                    if let Some(batch) = st.debouncer.take_due(now) {
                        if *self.leader.borrow() {
                            self.round(&mut st, batch).await;
                        } else {
                            self.standby_round(&mut st).await;
                        }
                    }
                }
            }
        }
        self.stop(&mut st).await;
    }

    fn poll_delay(&self) -> Duration {
        let jitter = self.config.poll_jitter.as_millis() as u64;
        let extra = if jitter == 0 {
            0
        } else {
            rand::rng().random_range(0..=jitter)
        };
        self.config.poll_interval + Duration::from_millis(extra)
    }

    /// A replica that does not hold the lease keeps its caches warm and writes nothing.
    async fn standby_round(&mut self, st: &mut Loop) {
        match snapshot(&self.shared.fetcher, &self.config).await {
            Ok(s) => {
                self.shared.status.update(|d| {
                    d.repo_commit = s.repo.commit.clone();
                    d.ready = true;
                    d.leader = false;
                });
                st.last = Some(s);
            }
            Err(e) => {
                self.shared.metrics.git_fetch_error();
                tracing::warn!(error = %e, "standby fetch failed");
            }
        }
    }

    async fn round(&mut self, st: &mut Loop, batch: Batch) {
        let started = Instant::now();
        let snap = match snapshot(&self.shared.fetcher, &self.config).await {
            Ok(s) => s,
            Err(e) => {
                if matches!(e, super::round::RoundError::Fetch { .. }) {
                    self.shared.metrics.git_fetch_error();
                }
                tracing::error!(error = %e, "round failed before any app; nothing written");
                self.shared
                    .status
                    .update(|d| d.repo_error = Some(e.to_string()));
                // Retry the same batch after the first backoff step rather than the next poll.
                let retry = Instant::now() + self.shared.settings().retry_initial;
                for app in batch.apps.iter().cloned() {
                    st.retries.insert(app, retry);
                }
                if batch.all_apps || !batch.changed_paths.is_empty() {
                    st.next_poll = st.next_poll.min(retry);
                }
                return;
            }
        };
        let (caps, pins) = match cluster_facts(&self.shared.cluster, &snap.env).await {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the cluster; nothing written");
                self.shared
                    .status
                    .update(|d| d.repo_error = Some(e.to_string()));
                st.next_poll = st
                    .next_poll
                    .min(Instant::now() + self.shared.settings().retry_initial);
                return;
            }
        };
        self.shared.set_capabilities(caps);
        self.shared.status.update(|d| {
            d.repo_commit = snap.repo.commit.clone();
            d.repo_error = None;
            d.leader = true;
            let names: BTreeSet<&String> = snap.env.apps.iter().map(|a| &a.name).collect();
            d.apps.retain(|k, _| names.contains(k));
        });
        let names: Vec<String> = snap.env.apps.iter().map(|a| a.name.clone()).collect();
        for gone in self.shared.forget_except(&names) {
            tracing::info!(app = %gone, "app left the environment; its objects are pruned by the removal sweep");
            self.drift.forget(&gone);
        }
        super::removed::sweep(&self.shared, &snap.env).await;
        let mut batch = batch;
        // A pin lifted by `syncd resume` also lifts the hold of an automatic rollback.
        for app in st.pinned.iter().filter(|a| !pins.contains_key(*a)) {
            self.shared.release(app);
            self.shared.status.app(app, |s| s.pinned_from = None);
            batch.apps.insert(app.clone());
        }
        st.pinned = pins.keys().cloned().collect();
        let selected = select(&batch, &snap, &st.drifted);
        let commit = snap.repo.commit.clone();
        let env = snap.env.clone();
        st.last = Some(snap);
        for (app, how) in selected {
            if let Some(pin) = pins.get(&app) {
                if pin.from_commit == commit {
                    self.shared.status.app(&app, |s| {
                        s.pinned_from = pin.from_commit.clone();
                        s.last_result = Some("pinned".into());
                    });
                    st.attempted.insert(app.clone());
                    continue;
                }
                // A new commit lifts the pin.
                if let Err(e) = crate::engine::delete_pin(
                    &self.shared.cluster,
                    &env.state_namespace,
                    &env.name,
                    &app,
                )
                .await
                {
                    tracing::warn!(app = %app, error = %e, "could not lift the pin; leaving the app alone");
                    continue;
                }
                tracing::info!(app = %app, "new commit: pin lifted");
                st.pinned.remove(&app);
                self.shared.release(&app);
                self.shared.status.app(&app, |s| s.pinned_from = None);
            }
            self.dispatch(st, &app, how, batch.first_received);
        }
        self.update_ready(st);
        tracing::debug!(
            seconds = started.elapsed().as_secs_f64(),
            "round dispatched"
        );
    }

    fn dispatch(
        &self,
        st: &mut Loop,
        app: &str,
        how: Selected,
        received: Option<std::time::Instant>,
    ) {
        if self.shared.busy(app) {
            let entry = st.again.entry(app.to_owned()).or_insert(how);
            entry.force_plan |= how.force_plan;
            entry.drift_only &= how.drift_only;
            return;
        }
        let Some(snap) = &st.last else { return };
        let Some(def) = snap.env.apps.iter().find(|a| a.name == app) else {
            return;
        };
        if how.drift_only || how.force_plan {
            st.drifted.remove(app);
        }
        // Busy from now on, so a second batch cannot start a twin.
        self.shared.enter(app, Phase::Fetching);
        let job = Job {
            env: snap.env.clone(),
            app: def.clone(),
            checkout: snap.repo.clone(),
            force_plan: how.force_plan,
            drift_only: how.drift_only,
            received,
        };
        let shared = self.shared.clone();
        let slots = st.slots.clone();
        let name = app.to_owned();
        self.shared.status.app(app, |s| s.phase = Phase::Fetching);
        st.tasks.spawn(async move {
            // The semaphore is never closed; a failed acquire would only mean shutdown.
            let _slot = slots.acquire_owned().await;
            (name, reconcile(shared, job).await)
        });
    }

    /// Books a finished task; returns the app when it may have a new render.
    fn task_ended(
        &mut self,
        st: &mut Loop,
        done: Result<Done, tokio::task::JoinError>,
    ) -> Option<String> {
        let (app, ended) = match done {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "an app task stopped without a result");
                return None;
            }
        };
        st.attempted.insert(app.clone());
        match &ended {
            Ended::Failed { retry_at, .. } => {
                st.retries.insert(app.clone(), *retry_at);
            }
            Ended::Skipped(super::machine::Decision::RetryAt(at)) => {
                st.retries.insert(app.clone(), *at);
            }
            _ => {
                st.retries.remove(&app);
            }
        }
        if let Some(how) = st.again.remove(&app) {
            self.dispatch(st, &app, how, None);
        }
        self.update_ready(st);
        (!matches!(ended, Ended::Skipped(_))).then_some(app)
    }

    fn update_ready(&self, st: &Loop) {
        let Some(snap) = &st.last else { return };
        let all = snap.env.apps.iter().all(|a| st.attempted.contains(&a.name));
        if all {
            self.shared.status.update(|d| d.ready = true);
        }
    }

    fn reconfigure(&mut self, st: &mut Loop, next: DaemonConfig) {
        let repo_changed =
            next.repo != self.config.repo || next.environment != self.config.environment;
        if next.listen != self.config.listen || next.leader_election != self.config.leader_election
        {
            tracing::warn!("listen address and leader election take effect at the next restart");
        }
        self.shared.set_settings(super::shared::Settings::of(&next));
        if next.concurrency != self.config.concurrency {
            st.slots = Arc::new(Semaphore::new(next.concurrency));
        }
        st.debouncer = debouncer(next.webhooks.debounce);
        st.next_poll = Instant::now()
            + next
                .poll_interval
                .min(st.next_poll.saturating_duration_since(Instant::now()));
        self.config = next;
        tracing::info!(repo_changed, "configuration reloaded");
        let reason = if repo_changed {
            TriggerReason::Startup
        } else {
            TriggerReason::ConfigReload
        };
        st.debouncer.push(Trigger::new(reason), Instant::now());
    }

    async fn stop(&mut self, st: &mut Loop) {
        tracing::info!(running = st.tasks.len(), "shutting down: no new work");
        self.drift.stop();
        let deadline = Instant::now() + SHUTDOWN_GRACE;
        while !st.tasks.is_empty() {
            match tokio::time::timeout_at(deadline, st.tasks.join_next()).await {
                Ok(Some(done)) => {
                    self.task_ended(st, done);
                }
                Ok(None) => break,
                Err(_) => {
                    tracing::warn!(
                        running = st.tasks.len(),
                        "grace period over: abandoning running reconciles"
                    );
                    st.tasks.abort_all();
                    break;
                }
            }
        }
    }
}
