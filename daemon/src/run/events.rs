//! Kubernetes Events for what the daemon does to an object (sync, prune, rollback, failure),
//! attached to that object so `kubectl describe` and `kubectl events` show them. Identical
//! events are aggregated into one Event with a series count, and its count is written at most
//! every 30 seconds, so a hot failure loop cannot flood etcd. Recording never fails a sync:
//! errors are logged.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use k8s_openapi::api::core::v1::{Event as CoreEvent, EventSource, ObjectReference};
use k8s_openapi::api::events::v1::{Event, EventSeries};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, Time};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::{json, Value};
use tokio::sync::OnceCell;
use tokio::time::Instant;

/// The reporting controller of every event.
pub const COMPONENT: &str = "syncd";

/// The API server's limit on an event's note, in bytes.
pub const NOTE_LIMIT: usize = 1024;

/// An occurrence after this much silence starts a new Event instead of extending the series
/// (client-go's events library uses the same six minutes).
pub const SERIES_WINDOW: Duration = Duration::from_secs(6 * 60);

/// A series' count is written at most this often; [`EventRecorder::flush`] writes the rest.
pub const PATCH_INTERVAL: Duration = Duration::from_secs(30);

/// Reason of an event for an object a sync applied.
pub const REASON_SYNCED: &str = "Synced";
/// Reason of an event for an object pruned because it left Git.
pub const REASON_PRUNED: &str = "Pruned";
/// Reason of an event for an object re-applied from an earlier revision.
pub const REASON_ROLLED_BACK: &str = "RolledBack";
/// Reason of a warning for an object whose apply, prune or hook failed (or an app whose sync did).
pub const REASON_SYNC_FAILED: &str = "SyncFailed";
/// Reason of an event for an object re-applied after it drifted from Git.
pub const REASON_HEALED: &str = "Healed";
/// Reason of a warning for an object whose prune failed.
pub const REASON_PRUNE_FAILED: &str = "PruneFailed";
/// Reason of a warning for an app whose live objects differ from Git (report-only self-heal).
pub const REASON_DRIFT_DETECTED: &str = "DriftDetected";
/// Reason of a warning for an app that left its environment but whose prune was refused.
pub const REASON_PRUNE_REFUSED: &str = "PruneRefused";
/// Action of applying an object (server-side apply).
pub const ACTION_APPLY: &str = "Apply";
/// Action of deleting an object that left Git.
pub const ACTION_PRUNE: &str = "Prune";
/// Action of re-applying an earlier revision.
pub const ACTION_ROLLBACK: &str = "Rollback";

/// Series remembered at most; the longest silent are forgotten first.
const MAX_SERIES: usize = 1024;

/// Whether an event reports normal operation or a problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    /// Synced, pruned, rolled back.
    Normal,
    /// Something failed or was refused.
    Warning,
}

impl EventType {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// The object an event is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EventTarget {
    /// `apiVersion` (`apps/v1`).
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Namespace; `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
    /// The live object's uid, when known (ties the event to this incarnation of the object).
    pub uid: Option<String>,
}

impl EventTarget {
    /// The target for a live object or a manifest; `None` without kind or name.
    pub fn of(obj: &Value) -> Option<EventTarget> {
        let meta = &obj["metadata"];
        Some(EventTarget {
            api_version: obj["apiVersion"].as_str()?.to_owned(),
            kind: obj["kind"].as_str()?.to_owned(),
            namespace: meta["namespace"].as_str().map(str::to_owned),
            name: meta["name"].as_str()?.to_owned(),
            uid: meta["uid"].as_str().map(str::to_owned),
        })
    }

    /// Where its events live: its own namespace, or `default` for cluster-scoped objects (as
    /// kubectl does).
    pub fn event_namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or("default")
    }

    fn reference(&self) -> ObjectReference {
        ObjectReference {
            api_version: Some(self.api_version.clone()),
            kind: Some(self.kind.clone()),
            namespace: self.namespace.clone(),
            name: Some(self.name.clone()),
            uid: self.uid.clone(),
            ..ObjectReference::default()
        }
    }
}

/// One event's content, as given to [`EventRecorder::record`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Occurrence {
    target: EventTarget,
    kind: EventType,
    reason: String,
    action: String,
    note: String,
}

/// What to write for an occurrence.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    /// A new Event with this name.
    Create(String),
    /// Set the series count of the Event with this name.
    Patch(String, i32),
    /// Counted in memory only; written later.
    Skip,
}

/// An Event written and how often it has occurred.
#[derive(Clone, Debug)]
struct Entry {
    name: String,
    count: i32,
    written: i32,
    last_write: Instant,
    last_seen: Instant,
}

/// The series of identical events seen recently, and when each was last written.
#[derive(Debug, Default)]
struct Series {
    entries: HashMap<Occurrence, Entry>,
}

impl Series {
    /// Counts an occurrence at `now` and says what to write, assuming the write succeeds (a
    /// failed write loses nothing: the next one carries the whole count).
    fn observe(
        &mut self,
        occ: &Occurrence,
        now: Instant,
        fresh_name: impl FnOnce() -> String,
    ) -> Step {
        if let Some(e) = self.entries.get_mut(occ) {
            if now.duration_since(e.last_seen) < SERIES_WINDOW {
                e.count = e.count.saturating_add(1);
                e.last_seen = now;
                if now.duration_since(e.last_write) < PATCH_INTERVAL {
                    return Step::Skip;
                }
                e.last_write = now;
                e.written = e.count;
                return Step::Patch(e.name.clone(), e.count);
            }
        }
        self.forget_old(now);
        let name = fresh_name();
        self.entries.insert(
            occ.clone(),
            Entry {
                name: name.clone(),
                count: 1,
                written: 1,
                last_write: now,
                last_seen: now,
            },
        );
        Step::Create(name)
    }

    /// Every count not written yet, marked written.
    fn pending(&mut self, now: Instant) -> Vec<(Occurrence, String, i32)> {
        let mut out = Vec::new();
        for (occ, e) in &mut self.entries {
            if e.count > e.written {
                e.written = e.count;
                e.last_write = now;
                out.push((occ.clone(), e.name.clone(), e.count));
            }
        }
        out
    }

    fn forget_old(&mut self, now: Instant) {
        self.entries
            .retain(|_, e| now.duration_since(e.last_seen) < SERIES_WINDOW || e.count > e.written);
        while self.entries.len() >= MAX_SERIES {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.last_seen)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            self.entries.remove(&oldest);
        }
    }
}

/// Which Event API the server has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    /// `events.k8s.io/v1` (Kubernetes 1.19 and later).
    EventsV1,
    /// `v1` Events, the only kind older servers have.
    Core,
}

/// Records Events as `syncd`, from one reporting instance (the replica's identity).
pub struct EventRecorder {
    client: kube::Client,
    instance: String,
    flavor: OnceCell<Flavor>,
    series: Mutex<Series>,
}

impl EventRecorder {
    /// A recorder reporting as `instance` (this replica's leader-election identity).
    pub fn new(client: kube::Client, instance: String) -> EventRecorder {
        EventRecorder {
            client,
            instance,
            flavor: OnceCell::new(),
            series: Mutex::new(Series::default()),
        }
    }

    /// Records that `action` happened to `regarding` for `reason`, with a human-readable `note`
    /// (cut to 1 KiB). An identical event within six minutes of the last extends its series
    /// instead of creating another Event. Errors are logged, never returned.
    pub async fn record(
        &self,
        regarding: &EventTarget,
        kind: EventType,
        reason: &str,
        action: &str,
        note: &str,
    ) {
        let occ = Occurrence {
            target: regarding.clone(),
            kind,
            reason: reason.to_owned(),
            action: action.to_owned(),
            note: truncate_note(note),
        };
        let step = self
            .series
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .observe(&occ, Instant::now(), || {
                event_name(&regarding.name, Timestamp::now(), rand::random())
            });
        let written = match step {
            Step::Skip => return,
            Step::Create(name) => self.create(&occ, &name, None).await,
            Step::Patch(name, count) => self.extend(&occ, &name, count).await,
        };
        if let Err(e) = written {
            tracing::warn!(
                object = %describe(regarding), reason, error = %e,
                "recording an event failed"
            );
        }
    }

    /// Writes every series count not written yet (call it now and then, and at shutdown).
    pub async fn flush(&self) {
        let pending = self
            .series
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pending(Instant::now());
        for (occ, name, count) in pending {
            if let Err(e) = self.extend(&occ, &name, count).await {
                tracing::warn!(
                    object = %describe(&occ.target), reason = %occ.reason, error = %e,
                    "recording an event failed"
                );
            }
        }
    }

    async fn flavor(&self) -> Flavor {
        let probe = self
            .flavor
            .get_or_try_init(|| async {
                match self
                    .client
                    .list_api_group_resources("events.k8s.io/v1")
                    .await
                {
                    Ok(_) => Ok(Flavor::EventsV1),
                    Err(kube::Error::Api(s)) if s.code == 404 => Ok(Flavor::Core),
                    Err(e) => Err(e),
                }
            })
            .await;
        // Not knowing yet (the server did not answer) is not remembered; assume the API every
        // supported server has.
        probe.copied().unwrap_or(Flavor::EventsV1)
    }

    async fn create(
        &self,
        occ: &Occurrence,
        name: &str,
        series: Option<i32>,
    ) -> Result<(), kube::Error> {
        let ns = occ.target.event_namespace();
        let now = Timestamp::now();
        let pp = PostParams::default();
        match self.flavor().await {
            Flavor::EventsV1 => {
                let event = events_v1(occ, name, &self.instance, now, series);
                Api::<Event>::namespaced(self.client.clone(), ns)
                    .create(&pp, &event)
                    .await?;
            }
            Flavor::Core => {
                let event = core_v1(occ, name, &self.instance, now, series);
                Api::<CoreEvent>::namespaced(self.client.clone(), ns)
                    .create(&pp, &event)
                    .await?;
            }
        }
        Ok(())
    }

    /// Sets a series' count; an Event gone meanwhile (the server's TTL) is created again with it.
    async fn extend(&self, occ: &Occurrence, name: &str, count: i32) -> Result<(), kube::Error> {
        let ns = occ.target.event_namespace();
        let now = Timestamp::now();
        let pp = PatchParams::default();
        let patched = match self.flavor().await {
            Flavor::EventsV1 => Api::<Event>::namespaced(self.client.clone(), ns)
                .patch(name, &pp, &Patch::Merge(series_patch_v1(count, now)))
                .await
                .map(drop),
            Flavor::Core => Api::<CoreEvent>::namespaced(self.client.clone(), ns)
                .patch(name, &pp, &Patch::Merge(series_patch_core(count, now)))
                .await
                .map(drop),
        };
        match patched {
            Err(kube::Error::Api(s)) if s.code == 404 => self.create(occ, name, Some(count)).await,
            other => other,
        }
    }
}

fn describe(t: &EventTarget) -> String {
    crate::object::ObjectId::new(&t.api_version, &t.kind, t.namespace.as_deref(), &t.name)
        .to_string()
}

/// The note cut to [`NOTE_LIMIT`] bytes on a character boundary, ending in `...` when cut.
fn truncate_note(note: &str) -> String {
    if note.len() <= NOTE_LIMIT {
        return note.to_owned();
    }
    let mut end = NOTE_LIMIT - 3;
    while !note.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &note[..end])
}

/// `<object>.<time><random>` as kubectl names events, made a valid name whatever the object's
/// name holds (RBAC names may contain `:`), at most 253 characters.
fn event_name(object: &str, now: Timestamp, salt: u16) -> String {
    let suffix = format!(".{:x}{salt:04x}", now.as_nanosecond());
    let mut base: String = object
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '-' | '.') => c,
            _ => '-',
        })
        .collect();
    base.truncate(253 - suffix.len());
    let base = base.trim_matches(|c| c == '-' || c == '.');
    let base = if base.is_empty() { "object" } else { base };
    format!("{base}{suffix}")
}

fn events_v1(
    occ: &Occurrence,
    name: &str,
    instance: &str,
    now: Timestamp,
    series: Option<i32>,
) -> Event {
    Event {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(occ.target.event_namespace().to_owned()),
            ..ObjectMeta::default()
        },
        event_time: Some(MicroTime(now)),
        reporting_controller: Some(COMPONENT.to_owned()),
        reporting_instance: Some(instance.to_owned()),
        action: Some(occ.action.clone()),
        reason: Some(occ.reason.clone()),
        note: Some(occ.note.clone()),
        type_: Some(occ.kind.as_str().to_owned()),
        regarding: Some(occ.target.reference()),
        series: series.map(|count| EventSeries {
            count,
            last_observed_time: MicroTime(now),
        }),
        ..Event::default()
    }
}

fn core_v1(
    occ: &Occurrence,
    name: &str,
    instance: &str,
    now: Timestamp,
    count: Option<i32>,
) -> CoreEvent {
    CoreEvent {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(occ.target.event_namespace().to_owned()),
            ..ObjectMeta::default()
        },
        involved_object: occ.target.reference(),
        reason: Some(occ.reason.clone()),
        message: Some(occ.note.clone()),
        type_: Some(occ.kind.as_str().to_owned()),
        action: Some(occ.action.clone()),
        source: Some(EventSource {
            component: Some(COMPONENT.to_owned()),
            host: None,
        }),
        reporting_component: Some(COMPONENT.to_owned()),
        reporting_instance: Some(instance.to_owned()),
        first_timestamp: Some(Time(now)),
        last_timestamp: Some(Time(now)),
        count: Some(count.unwrap_or(1)),
        ..CoreEvent::default()
    }
}

fn micro(now: Timestamp) -> Value {
    serde_json::to_value(MicroTime(now)).unwrap_or(Value::Null)
}

fn series_patch_v1(count: i32, now: Timestamp) -> Value {
    json!({"series": {"count": count, "lastObservedTime": micro(now)}})
}

fn series_patch_core(count: i32, now: Timestamp) -> Value {
    let time = serde_json::to_value(Time(now)).unwrap_or(Value::Null);
    json!({"count": count, "lastTimestamp": time})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(ns: Option<&str>) -> EventTarget {
        EventTarget {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            namespace: ns.map(str::to_owned),
            name: "settings".into(),
            uid: Some("u-1".into()),
        }
    }

    fn occ(note: &str) -> Occurrence {
        Occurrence {
            target: target(Some("ml-dev")),
            kind: EventType::Warning,
            reason: "SyncFailed".into(),
            action: "Sync".into(),
            note: note.into(),
        }
    }

    #[test]
    fn repeats_are_counted_and_written_at_most_every_patch_interval() {
        let mut s = Series::default();
        let t0 = Instant::now();
        let name = || "settings.1".to_owned();
        assert_eq!(
            s.observe(&occ("boom"), t0, name),
            Step::Create("settings.1".into())
        );
        // A hot loop: 100 identical events within a second write nothing more.
        for i in 1..=100 {
            let at = t0 + Duration::from_millis(i * 10);
            assert_eq!(s.observe(&occ("boom"), at, name), Step::Skip);
        }
        let later = t0 + PATCH_INTERVAL;
        assert_eq!(
            s.observe(&occ("boom"), later, name),
            Step::Patch("settings.1".into(), 102)
        );
        assert!(s.pending(later).is_empty(), "nothing left to write");
        assert_eq!(
            s.observe(&occ("boom"), later + Duration::from_secs(1), name),
            Step::Skip
        );
        let pending = s.pending(later + Duration::from_secs(2));
        assert_eq!(pending.len(), 1);
        assert_eq!((pending[0].1.as_str(), pending[0].2), ("settings.1", 103));
    }

    #[test]
    fn a_different_note_or_target_is_another_event() {
        let mut s = Series::default();
        let t0 = Instant::now();
        assert!(matches!(
            s.observe(&occ("a"), t0, || "n1".into()),
            Step::Create(_)
        ));
        assert_eq!(
            s.observe(&occ("b"), t0, || "n2".into()),
            Step::Create("n2".into())
        );
        let mut other = occ("a");
        other.target.uid = Some("u-2".into());
        assert_eq!(
            s.observe(&other, t0, || "n3".into()),
            Step::Create("n3".into())
        );
    }

    #[test]
    fn silence_longer_than_the_window_starts_a_new_event() {
        let mut s = Series::default();
        let t0 = Instant::now();
        s.observe(&occ("a"), t0, || "n1".into());
        let step = s.observe(&occ("a"), t0 + SERIES_WINDOW, || "n2".into());
        assert_eq!(step, Step::Create("n2".into()));
    }

    #[test]
    fn memory_is_bounded() {
        let mut s = Series::default();
        let t0 = Instant::now();
        for i in 0..(MAX_SERIES + 50) {
            s.observe(
                &occ(&i.to_string()),
                t0 + Duration::from_millis(i as u64),
                || format!("n{i}"),
            );
        }
        assert!(s.entries.len() <= MAX_SERIES);
        // The newest stays.
        assert!(s.entries.contains_key(&occ(&(MAX_SERIES + 49).to_string())));
    }

    #[test]
    fn note_is_cut_to_the_limit_on_a_character_boundary() {
        assert_eq!(truncate_note("short"), "short");
        let long = "é".repeat(1000);
        let cut = truncate_note(&long);
        assert!(cut.len() <= NOTE_LIMIT, "{}", cut.len());
        assert!(cut.ends_with("..."));
        assert!(cut.starts_with("éé"));
        let exact = "x".repeat(NOTE_LIMIT);
        assert_eq!(truncate_note(&exact), exact);
    }

    #[test]
    fn names_are_valid_whatever_the_object_is_called() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        assert_eq!(
            event_name("settings", now, 0xab),
            format!("settings.{:x}00ab", now.as_nanosecond())
        );
        let rbac = event_name("system:Controller:foo", now, 1);
        assert!(rbac.starts_with("system-controller-foo."), "{rbac}");
        let long = event_name(&"a".repeat(300), now, 1);
        assert!(long.len() <= 253, "{}", long.len());
        assert!(event_name("::", now, 1).starts_with("object."));
    }

    #[test]
    fn cluster_scoped_objects_report_into_default() {
        assert_eq!(target(None).event_namespace(), "default");
        assert_eq!(target(Some("ml-dev")).event_namespace(), "ml-dev");
    }

    #[test]
    fn event_bodies_carry_every_field() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let e =
            serde_json::to_value(events_v1(&occ("boom"), "n1", "replica-a", now, None)).unwrap();
        assert_eq!(e["metadata"]["namespace"], "ml-dev");
        assert_eq!(e["reportingController"], "syncd");
        assert_eq!(e["reportingInstance"], "replica-a");
        assert_eq!(e["type"], "Warning");
        assert_eq!(e["reason"], "SyncFailed");
        assert_eq!(e["action"], "Sync");
        assert_eq!(e["note"], "boom");
        assert_eq!(e["regarding"]["kind"], "ConfigMap");
        assert_eq!(e["regarding"]["uid"], "u-1");
        assert!(e["eventTime"]
            .as_str()
            .unwrap()
            .starts_with("2027-01-15T08:00:00"));
        assert!(e.get("series").is_none());
        let again = serde_json::to_value(events_v1(&occ("boom"), "n1", "r", now, Some(7))).unwrap();
        assert_eq!(again["series"]["count"], 7);

        let c = serde_json::to_value(core_v1(&occ("boom"), "n1", "replica-a", now, None)).unwrap();
        assert_eq!(c["involvedObject"]["name"], "settings");
        assert_eq!(c["message"], "boom");
        assert_eq!(c["source"]["component"], "syncd");
        assert_eq!(c["count"], 1);

        assert_eq!(series_patch_v1(3, now)["series"]["count"], 3);
        assert_eq!(series_patch_core(3, now)["count"], 3);
    }

    #[test]
    fn target_of_a_live_object() {
        let obj = json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "ml-dev", "uid": "u-9"}});
        let t = EventTarget::of(&obj).unwrap();
        assert_eq!(t.namespace, None);
        assert_eq!(t.uid.as_deref(), Some("u-9"));
        assert!(EventTarget::of(&json!({"kind": "X"})).is_none());
    }
}
