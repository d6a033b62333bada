//! What every app task of the daemon shares: the cluster, the source caches, the state machines,
//! the render cache, status, metrics, settings — with the small operations the reconcile steps
//! use on them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use syncd_config::ResolvedEnv;
use tokio::sync::watch;

use super::events::{
    EventRecorder, EventTarget, EventType, REASON_HEALED, REASON_PRUNED, REASON_PRUNE_FAILED,
    REASON_SYNCED, REASON_SYNC_FAILED,
};
use super::machine::{AppMachine, InvalidTransition};
use super::metrics::Metrics;
use super::status::{AppHealth, Phase, StatusBoard};
use crate::cluster::{Cluster, ResourceInfo};
use crate::engine::{AppPlan, SyncReport};
use crate::object::ObjectId;
use crate::render::RenderedApp;
use crate::source::fetch::Fetcher;
use crate::source::git::Checkout;

/// The GitOps repo as one round saw it.
#[derive(Debug)]
pub struct RepoState {
    /// Root of the checkout.
    pub root: PathBuf,
    /// Its commit.
    pub commit: Option<String>,
    /// Held so the checkout is not evicted while jobs read it.
    pub lease: Option<Checkout>,
}

/// A render kept for inputs with the same fingerprint.
#[derive(Clone, Debug)]
pub struct CachedRender {
    /// The fingerprint.
    pub key: String,
    /// The render.
    pub rendered: RenderedApp,
    /// Whether these inputs were applied (or found in sync) successfully.
    pub applied_ok: bool,
}

/// Settings that a config reload may change.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Helm hook timeout.
    pub hook_timeout: Duration,
    /// First retry delay.
    pub retry_initial: Duration,
    /// Largest retry delay.
    pub retry_max: Duration,
}

impl Settings {
    /// The reloadable settings of a daemon configuration.
    pub fn of(config: &syncd_config::DaemonConfig) -> Settings {
        Settings {
            hook_timeout: config.hook_timeout,
            retry_initial: config.retry.initial,
            retry_max: config.retry.max,
        }
    }
}

/// What a health wait found.
#[derive(Clone, Debug)]
pub struct HealthOutcome {
    /// Whether the app is healthy.
    pub healthy: bool,
    /// The worst health.
    pub health: AppHealth,
    /// The unhealthy objects and why (empty when healthy).
    pub summary: String,
}

/// Desired objects by id, with their app.
pub type DesiredIndex = HashMap<ObjectId, (String, serde_json::Value)>;

/// Shared state of the daemon's app tasks.
pub struct Shared {
    /// The cluster.
    pub cluster: Arc<Cluster>,
    /// Source caches.
    pub fetcher: Fetcher,
    /// Status board.
    pub status: StatusBoard,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Becomes true on shutdown.
    pub shutdown: watch::Receiver<bool>,
    /// Events about synced objects.
    pub events: EventRecorder,
    machines: Mutex<HashMap<String, AppMachine>>,
    cache: Mutex<HashMap<String, CachedRender>>,
    /// What Git wants of each object (as the server would store it) and its app: what the drift
    /// watchers compare against. Updated with every new render, before it is applied, so the
    /// daemon's own applies never look like drift.
    pub desired: Arc<RwLock<DesiredIndex>>,
    capabilities: RwLock<(syncd_helm::chart::Capabilities, String)>,
    settings: RwLock<Settings>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic in another task must not wedge the daemon; the data is still consistent per call.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Shared state over a connected cluster and opened caches.
    pub fn new(
        cluster: Arc<Cluster>,
        fetcher: Fetcher,
        status: StatusBoard,
        metrics: Arc<Metrics>,
        shutdown: watch::Receiver<bool>,
        events: EventRecorder,
        settings: Settings,
    ) -> Shared {
        let caps = syncd_helm::chart::Capabilities::default();
        let key = format!("{caps:?}");
        Shared {
            cluster,
            fetcher,
            status,
            metrics,
            shutdown,
            events,
            machines: Mutex::new(HashMap::new()),
            cache: Mutex::new(HashMap::new()),
            desired: Arc::new(RwLock::new(HashMap::new())),
            capabilities: RwLock::new((caps, key)),
            settings: RwLock::new(settings),
        }
    }

    /// Runs `f` on app's machine (created on first use).
    pub fn machine<R>(
        &self,
        app: &str,
        f: impl FnOnce(&mut AppMachine) -> Result<R, InvalidTransition>,
    ) -> Result<R, InvalidTransition> {
        let settings = self.settings();
        let mut machines = lock(&self.machines);
        let m = machines
            .entry(app.to_owned())
            .or_insert_with(|| AppMachine::new(app, settings.retry_initial, settings.retry_max));
        f(m)
    }

    /// Whether app's reconcile is running.
    pub fn busy(&self, app: &str) -> bool {
        lock(&self.machines).get(app).is_some_and(|m| m.is_busy())
    }

    /// Lifts a hold and a backoff (`syncd resume`, or a new commit after a pin).
    pub fn release(&self, app: &str) {
        let _ = self.machine(app, |m| {
            m.release_hold();
            Ok(())
        });
    }

    /// Moves app to `phase`. An illegal move is a bug in the loop: it is logged loudly, and
    /// the phase is taken anyway so that status never lies about what runs.
    pub fn enter(&self, app: &str, phase: Phase) {
        if let Err(e) = self.machine(app, |m| m.advance(phase)) {
            tracing::error!(error = %e, "state machine");
            let _ = self.machine(app, |m| {
                m.abandon();
                m.advance(Phase::Fetching)
                    .and_then(|_| m.advance(phase))
                    .or(Ok(()))
            });
        }
        self.status.app(app, |s| s.phase = phase);
    }

    /// Every running reconcile was stopped (leadership lost).
    pub fn abandon_all(&self) {
        let apps: Vec<String> = lock(&self.machines).keys().cloned().collect();
        for app in apps {
            self.leave(&app);
        }
    }

    /// The reconcile stopped without a result.
    pub fn leave(&self, app: &str) {
        let _ = self.machine(app, |m| {
            m.abandon();
            Ok(())
        });
        let phase = lock(&self.machines).get(app).map(|m| m.phase());
        self.status
            .app(app, |s| s.phase = phase.unwrap_or(Phase::Idle));
    }

    /// The reconcile ended well.
    pub fn finish(&self, app: &str) {
        if let Err(e) = self.machine(app, |m| m.succeeded()) {
            tracing::error!(error = %e, "state machine");
        }
        self.status.app(app, |s| s.phase = Phase::Done);
    }

    /// The current settings.
    pub fn settings(&self) -> Settings {
        self.settings
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the settings (config reload).
    pub fn set_settings(&self, s: Settings) {
        *self
            .settings
            .write()
            .unwrap_or_else(PoisonError::into_inner) = s
    }

    /// The hook timeout.
    pub fn hook_timeout(&self) -> Duration {
        self.settings().hook_timeout
    }

    /// The cluster's capabilities as charts see them.
    pub fn capabilities(&self) -> syncd_helm::chart::Capabilities {
        self.capabilities
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .0
            .clone()
    }

    /// A string that changes when the capabilities do (part of every chart's fingerprint).
    pub fn capabilities_key(&self) -> String {
        self.capabilities
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .1
            .clone()
    }

    /// Records the capabilities read at the start of a round.
    pub fn set_capabilities(&self, caps: syncd_helm::chart::Capabilities) {
        let key = format!("{caps:?}");
        *self
            .capabilities
            .write()
            .unwrap_or_else(PoisonError::into_inner) = (caps, key);
    }

    /// The cached render of app, if its key is `key`.
    pub fn cached(&self, app: &str, key: &str) -> Option<CachedRender> {
        lock(&self.cache).get(app).filter(|c| c.key == key).cloned()
    }

    /// Stores app's render.
    pub fn store(&self, app: &str, render: CachedRender) {
        let objects: Vec<(ObjectId, serde_json::Value)> = render
            .rendered
            .manifests
            .iter()
            .map(|m| {
                (
                    m.id.clone(),
                    crate::normalize::desired_for_compare(&m.object),
                )
            })
            .collect();
        lock(&self.cache).insert(app.to_owned(), render);
        let mut index = self.desired.write().unwrap_or_else(PoisonError::into_inner);
        index.retain(|_, (owner, _)| owner != app);
        for (id, obj) in objects {
            index.insert(id, (app.to_owned(), obj));
        }
    }

    /// Stops comparing app's objects with Git (it left the environment, or was rolled back and
    /// pinned: its live objects differ from Git on purpose).
    pub fn forget_desired(&self, app: &str) {
        let mut index = self.desired.write().unwrap_or_else(PoisonError::into_inner);
        index.retain(|_, (owner, _)| owner != app);
    }

    /// Marks app's cached render (with `key`) as applied successfully.
    pub fn mark_applied(&self, app: &str, key: &str) {
        if let Some(c) = lock(&self.cache).get_mut(app).filter(|c| c.key == key) {
            c.applied_ok = true;
        }
    }

    /// Drops cached renders of apps no longer in the environment; returns their names.
    pub fn forget_except(&self, apps: &[String]) -> Vec<String> {
        let mut cache = lock(&self.cache);
        let gone: Vec<String> = cache
            .keys()
            .filter(|a| !apps.contains(a))
            .cloned()
            .collect();
        for a in &gone {
            cache.remove(a);
        }
        gone
    }

    /// The kinds of app's last render, as `(group, kind)` with the `apiVersion` it uses: what
    /// self-heal watches.
    pub fn kinds_of(&self, app: &str) -> HashMap<(String, String), String> {
        lock(&self.cache)
            .get(app)
            .map(|c| {
                c.rendered
                    .manifests
                    .iter()
                    .map(|m| {
                        (
                            (m.id.group.clone(), m.id.kind.clone()),
                            m.api_version.clone(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// One object may belong to only one app of an environment.
    pub fn check_ownership(&self, app: &str, rendered: &RenderedApp) -> Result<(), String> {
        let cache = lock(&self.cache);
        for (other, c) in cache.iter().filter(|(a, _)| a.as_str() != app) {
            for m in &rendered.manifests {
                if c.rendered.manifests.iter().any(|o| o.id == m.id) {
                    return Err(format!(
                        "{} ({}) is rendered by two apps: {other} and {app}",
                        m.id, m.origin
                    ));
                }
            }
        }
        Ok(())
    }

    /// Records app's drifted objects in status and metrics.
    pub fn set_drift(&self, app: &str, objects: Vec<String>) {
        self.metrics.set_drift(app, objects.len());
        self.status.app(app, |s| s.drifted = objects);
    }

    /// Waits up to `timeout` (zero: looks once) for the objects to become healthy.
    pub async fn health(&self, watched: &[Watch], timeout: Duration) -> HealthOutcome {
        super::health_wait::wait(&self.cluster, watched, timeout, self.shutdown.clone()).await
    }

    /// Records an event on the app's inventory ConfigMap (app-level news: drift, rollback,
    /// failure, refused removal).
    pub async fn event_app(
        &self,
        env: &ResolvedEnv,
        app: &str,
        kind: EventType,
        reason: &str,
        note: &str,
    ) {
        let target = EventTarget {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            namespace: Some(env.state_namespace.clone()),
            name: crate::inventory::Inventory::object_name(&env.name, app),
            uid: None,
        };
        self.event(&target, kind, reason, note).await;
    }

    async fn event(&self, target: &EventTarget, kind: EventType, reason: &str, note: &str) {
        tracing::info!(object = %format!("{}/{}", target.kind, target.name), kind = kind.as_str(), reason, note, "event");
        self.events.record(target, kind, reason, reason, note).await;
    }

    /// Records an event on every object a sync wrote, pruned or failed; `api_versions` names
    /// them as they were applied (see [`api_versions`]).
    pub async fn report_events(
        &self,
        app: &str,
        report: &SyncReport,
        api_versions: &HashMap<ObjectId, String>,
        healed: bool,
    ) {
        let target = |id: &ObjectId| EventTarget {
            api_version: api_versions.get(id).cloned().unwrap_or_default(),
            kind: id.kind.clone(),
            namespace: id.namespace.clone(),
            name: id.name.clone(),
            uid: None,
        };
        for r in &report.applied {
            let (kind, reason, note) = match &r.error {
                None if healed => (
                    EventType::Normal,
                    REASON_HEALED,
                    format!("{app}: re-applied from Git after drift ({:?})", r.action),
                ),
                None => (
                    EventType::Normal,
                    REASON_SYNCED,
                    format!("{app}: applied from Git ({:?})", r.action),
                ),
                Some(e) => (
                    EventType::Warning,
                    REASON_SYNC_FAILED,
                    format!("{app}: {e}"),
                ),
            };
            self.event(&target(&r.id), kind, reason, &note).await;
        }
        for r in &report.pruned {
            let (kind, reason, note) = match &r.error {
                None => (
                    EventType::Normal,
                    REASON_PRUNED,
                    format!("{app}: deleted, it left Git"),
                ),
                Some(e) => (
                    EventType::Warning,
                    REASON_PRUNE_FAILED,
                    format!("{app}: {e}"),
                ),
            };
            self.event(&target(&r.id), kind, reason, &note).await;
        }
    }
}

/// The `apiVersion` of every object a plan may write or delete: desired objects as rendered,
/// objects leaving Git as the inventory recorded them.
pub fn api_versions(plan: &AppPlan) -> HashMap<ObjectId, String> {
    let mut out: HashMap<ObjectId, String> = plan
        .previous
        .entries
        .iter()
        .map(|(id, e)| (id.clone(), e.api_version.clone()))
        .collect();
    for p in &plan.planned {
        out.insert(
            p.pair.desired.id.clone(),
            p.pair.desired.api_version.clone(),
        );
    }
    out
}

/// An object to wait for.
#[derive(Clone, Debug)]
pub struct Watch {
    /// Identity.
    pub id: ObjectId,
    /// `apiVersion` as applied.
    pub api_version: String,
    /// How to address it, when known at plan time.
    pub resource: Option<ResourceInfo>,
}

/// Every object a plan applies, for the health wait.
pub fn watched(plan: &AppPlan) -> Vec<Watch> {
    plan.planned
        .iter()
        .map(|p| Watch {
            id: p.pair.desired.id.clone(),
            api_version: p.pair.desired.api_version.clone(),
            resource: p.resource.clone(),
        })
        .collect()
}
