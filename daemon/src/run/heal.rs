//! Self-heal: one kube-runtime watcher per kind of object the environment's apps own (selected
//! by syncd's environment label, so it is one stream per kind, not a GET per object). An event
//! whose live object no longer holds what Git says — or a delete of an object Git still wants —
//! becomes a drift trigger for the owning app; the reconcile then heals or reports it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use futures::StreamExt;
use kube::api::{Api, ApiResource, DynamicObject};
use kube::runtime::watcher::{self, Event};
use kube::runtime::WatchStreamExt;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::shared::Shared;
use super::trigger::{Trigger, TriggerReason};
use crate::cluster::Cluster;
use crate::normalize::covers;
use crate::object::{ObjectId, LABEL_ENV};

/// One app is sent at most one drift trigger per this interval, so a controller fighting syncd
/// over a field cannot drive a hot loop. Drift seen inside the interval is sent when it ends,
/// never dropped (Argo CD delays a repeated self-heal the same way).
const MIN_INTERVAL: Duration = Duration::from_secs(5);

/// Desired objects by id: owning app and the object as the server would store it.
type Index = HashMap<ObjectId, (String, Value)>;

/// The drift watchers of one environment.
pub struct Healer {
    shared: Arc<Shared>,
    env: String,
    sender: mpsc::Sender<Trigger>,
    index: Arc<RwLock<Index>>,
    limiter: Arc<Mutex<Limiter>>,
    watchers: HashMap<(String, String), JoinHandle<()>>,
}

/// What the limiter says about a drift of one app.
#[derive(Debug, PartialEq, Eq)]
enum Admit {
    /// Send the trigger now.
    Now,
    /// Send it at this instant (the first drift inside the interval).
    At(Instant),
    /// A trigger is already scheduled for this app; it covers this drift too, since the
    /// reconcile it causes plans every object of the app.
    Scheduled,
}

/// Per-app rate limit of drift triggers: one per [`MIN_INTERVAL`], later ones deferred.
#[derive(Debug, Default)]
struct Limiter {
    last: HashMap<String, Instant>,
    scheduled: HashSet<String>,
}

impl Limiter {
    fn admit(&mut self, app: &str, now: Instant) -> Admit {
        if self.scheduled.contains(app) {
            return Admit::Scheduled;
        }
        match self.last.get(app) {
            Some(t) if now.duration_since(*t) < MIN_INTERVAL => {
                self.scheduled.insert(app.to_owned());
                Admit::At(*t + MIN_INTERVAL)
            }
            _ => {
                self.last.insert(app.to_owned(), now);
                Admit::Now
            }
        }
    }

    /// A scheduled trigger was sent at `now`.
    fn fired(&mut self, app: &str, now: Instant) {
        self.scheduled.remove(app);
        self.last.insert(app.to_owned(), now);
    }
}

impl Healer {
    /// Watchers for `env`, sending drift to `sender`.
    pub fn new(shared: Arc<Shared>, env: String, sender: mpsc::Sender<Trigger>) -> Healer {
        Healer {
            index: shared.desired.clone(),
            shared,
            env,
            sender,
            limiter: Arc::new(Mutex::new(Limiter::default())),
            watchers: HashMap::new(),
        }
    }

    /// Starts a watcher for every kind of app's latest render not watched yet (what Git wants
    /// of each object is kept current by [`Shared::store`]).
    pub async fn app_rendered(&mut self, cluster: &Cluster, app: &str) {
        let kinds = self.shared.kinds_of(app);
        self.watchers.retain(|_, h| !h.is_finished());
        for (key, api_version) in kinds {
            if !self.watchers.contains_key(&key) {
                self.start(cluster, key, api_version).await;
            }
        }
    }

    /// Forgets an app that left the environment.
    pub fn forget(&mut self, app: &str) {
        self.shared.forget_desired(app);
    }

    async fn start(&mut self, cluster: &Cluster, key: (String, String), api_version: String) {
        let ri = match cluster.resource(&api_version, &key.1).await {
            Ok(Some(ri)) => ri,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(kind = %key.1, error = %e, "cannot watch kind for drift");
                return;
            }
        };
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_owned(), v.to_owned()),
            None => (String::new(), api_version.clone()),
        };
        let ar = ApiResource {
            group,
            version,
            api_version: api_version.clone(),
            kind: key.1.clone(),
            plural: ri.plural.clone(),
        };
        let api: Api<DynamicObject> = Api::all_with(cluster.client().clone(), &ar);
        let config = watcher::Config::default().labels(&format!("{LABEL_ENV}={}", self.env));
        let task = WatchTask {
            index: self.index.clone(),
            limiter: self.limiter.clone(),
            sender: self.sender.clone(),
            api_version,
        };
        tracing::debug!(kind = %key.1, "watching for drift");
        self.watchers
            .insert(key, tokio::spawn(task.run(api, config)));
    }

    /// Stops every watcher (leadership lost, shutdown).
    pub fn stop(&mut self) {
        for (_, h) in self.watchers.drain() {
            h.abort();
        }
    }
}

impl Drop for Healer {
    fn drop(&mut self) {
        self.stop();
    }
}

struct WatchTask {
    index: Arc<RwLock<Index>>,
    limiter: Arc<Mutex<Limiter>>,
    sender: mpsc::Sender<Trigger>,
    api_version: String,
}

impl WatchTask {
    async fn run(self, api: Api<DynamicObject>, config: watcher::Config) {
        let mut stream = watcher::watcher(api, config).default_backoff().boxed();
        while let Some(event) = stream.next().await {
            match event {
                Ok(Event::Apply(obj)) | Ok(Event::InitApply(obj)) => self.seen(obj, false),
                Ok(Event::Delete(obj)) => self.seen(obj, true),
                Ok(Event::Init | Event::InitDone) => {}
                // The backoff restarts the watch; a gap is covered by the next poll's resync.
                Err(e) => tracing::debug!(error = %e, "drift watch interrupted"),
            }
        }
    }

    fn seen(&self, obj: DynamicObject, deleted: bool) {
        let Some(kind) = obj.types.as_ref().map(|t| t.kind.clone()) else {
            return;
        };
        let Some(name) = obj.metadata.name.clone() else {
            return;
        };
        let id = ObjectId::new(
            &self.api_version,
            &kind,
            obj.metadata.namespace.as_deref(),
            &name,
        );
        let verdict = {
            let index = self.index.read().unwrap_or_else(PoisonError::into_inner);
            let Some((app, desired)) = index.get(&id) else {
                return;
            };
            let drifted = deleted || {
                let live = serde_json::to_value(&obj).unwrap_or(Value::Null);
                !covers(&live, desired)
            };
            drifted.then(|| app.clone())
        };
        let Some(app) = verdict else { return };
        let admit = {
            let mut limiter = self.limiter.lock().unwrap_or_else(PoisonError::into_inner);
            limiter.admit(&app, Instant::now())
        };
        tracing::info!(app = %app, object = %id, deleted, "drift");
        let trigger = Trigger::new(TriggerReason::Drift {
            app: app.clone(),
            object: id.to_string(),
        });
        match admit {
            Admit::Now => {
                let _ = self.sender.try_send(trigger);
            }
            Admit::Scheduled => {}
            Admit::At(at) => {
                let (limiter, sender) = (self.limiter.clone(), self.sender.clone());
                tokio::spawn(async move {
                    tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await;
                    limiter
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .fired(&app, Instant::now());
                    let _ = sender.try_send(trigger);
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_inside_the_interval_is_deferred_not_dropped() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut l = Limiter::default();
        assert_eq!(l.admit("web", t0), Admit::Now);
        // A second edit right after the first heal: sent when the interval ends (it was
        // dropped, and healed only at the next poll, minutes later).
        assert_eq!(l.admit("web", t0 + s(1)), Admit::At(t0 + MIN_INTERVAL));
        assert_eq!(l.admit("web", t0 + s(2)), Admit::Scheduled);
        assert_eq!(
            l.admit("db", t0 + s(2)),
            Admit::Now,
            "apps are limited apart"
        );
        l.fired("web", t0 + MIN_INTERVAL);
        assert_eq!(
            l.admit("web", t0 + s(6)),
            Admit::At(t0 + MIN_INTERVAL + MIN_INTERVAL),
            "still at most one per interval"
        );
        l.fired("web", t0 + s(10));
        assert_eq!(l.admit("web", t0 + s(16)), Admit::Now);
    }
}
