//! Leader election against a real API server: two electors on one Lease with a 4s lease — one
//! leader; a crashed leader is replaced within a lease duration and a retry period; a released
//! lease is taken over within about one retry period; a leader cut off from the API server steps
//! down before the other takes over. The electors' watch channels are sampled every 50 ms
//! throughout, and two leaders at one sample fail the scenario. Also the daemon's Events: one
//! recorded on a ConfigMap reads back with every field, repeats aggregate into one series.
//! A plain binary (`harness = false`): without a cluster it prints one `skipped:` line.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams, ObjectMeta, PostParams};
use syncd::run::leader::{Elector, Timing};
use syncd_config::LeaderElection;
use syncd_e2e::kubeconfig;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

const LEASE: Duration = Duration::from_secs(4);
const SAMPLE: Duration = Duration::from_millis(50);

/// A client for the e2e cluster, optionally through `server` instead of the kubeconfig's URL.
async fn client(server: Option<String>) -> kube::Client {
    let mut kc = kube::config::Kubeconfig::read_from(kubeconfig().expect("kubeconfig variable"))
        .expect("kubeconfig");
    if let Some(server) = server {
        for c in &mut kc.clusters {
            if let Some(cluster) = c.cluster.as_mut() {
                cluster.server = Some(server.clone());
            }
        }
    }
    let mut config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .expect("kube config");
    // A partitioned client must fail fast rather than hang for the default five minutes.
    config.connect_timeout = Some(Duration::from_secs(1));
    config.read_timeout = Some(Duration::from_secs(2));
    kube::Client::try_from(config).expect("kube client")
}

/// A namespace of our own for one scenario, deleted on `cleanup`.
struct Scratch {
    client: kube::Client,
    ns: String,
}

impl Scratch {
    async fn new(name: &str) -> Scratch {
        let client = client(None).await;
        let ns = format!("ld-{name}-{}", std::process::id());
        let namespaces: Api<Namespace> = Api::all(client.clone());
        let obj = Namespace {
            metadata: ObjectMeta {
                name: Some(ns.clone()),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        };
        namespaces
            .create(&PostParams::default(), &obj)
            .await
            .expect("create namespace");
        Scratch { client, ns }
    }

    fn settings(&self, identity: &str) -> LeaderElection {
        LeaderElection {
            namespace: self.ns.clone(),
            lease_name: "syncd".into(),
            lease_duration: LEASE,
            identity: Some(identity.into()),
        }
    }

    async fn lease(&self) -> Lease {
        Api::<Lease>::namespaced(self.client.clone(), &self.ns)
            .get("syncd")
            .await
            .expect("lease")
    }

    async fn cleanup(self) {
        syncd_e2e::delete_namespace(&self.client, &self.ns).await;
    }
}

/// One running elector: its channel, a graceful stop, and its task (abort = crash).
struct Replica {
    name: &'static str,
    leading: watch::Receiver<bool>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Replica {
    fn start(client: kube::Client, settings: &LeaderElection, name: &'static str) -> Replica {
        let elector = Elector::new(client, settings, name.to_owned());
        let leading = elector.subscribe();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(elector.run(async {
            let _ = stopped.await;
        }));
        Replica {
            name,
            leading,
            stop: Some(stop),
            task,
        }
    }

    /// Leading now; a crashed replica (its channel closed) leads nothing.
    fn leads(&self) -> bool {
        self.leading.has_changed().is_ok() && *self.leading.borrow()
    }
}

/// Samples every replica's channel every 50 ms; remembers any instant with two leaders.
struct Sampler {
    stop: Arc<AtomicBool>,
    /// The number of samples taken and the instants with two leaders.
    task: JoinHandle<(u64, Vec<String>)>,
}

impl Sampler {
    fn start(replicas: &[&Replica]) -> Sampler {
        let replicas: Vec<(&'static str, watch::Receiver<bool>)> = replicas
            .iter()
            .map(|r| (r.name, r.leading.clone()))
            .collect();
        let stop = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn({
            let stop = stop.clone();
            async move {
                let started = Instant::now();
                let mut tick = tokio::time::interval(SAMPLE);
                let (mut samples, mut overlaps) = (0, Vec::new());
                while !stop.load(Ordering::Relaxed) {
                    tick.tick().await;
                    let leaders: Vec<&str> = replicas
                        .iter()
                        .filter(|(_, rx)| rx.has_changed().is_ok() && *rx.borrow())
                        .map(|(name, _)| *name)
                        .collect();
                    samples += 1;
                    if leaders.len() > 1 {
                        overlaps.push(format!(
                            "{leaders:?} at {:.2}s",
                            started.elapsed().as_secs_f64()
                        ));
                    }
                }
                (samples, overlaps)
            }
        });
        Sampler { stop, task }
    }

    /// Stops sampling; fails if two replicas ever led at once.
    async fn finish(self) {
        self.stop.store(true, Ordering::Relaxed);
        let (samples, overlaps) = self.task.await.expect("sampler");
        println!(
            "    {samples} samples at 50 ms, {} with two leaders",
            overlaps.len()
        );
        assert!(overlaps.is_empty(), "two leaders at once: {overlaps:?}");
    }
}

/// Waits (polling at the sampling period) until exactly one replica leads; returns its index.
async fn one_leader(replicas: &[&Replica], within: Duration) -> usize {
    let deadline = Instant::now() + within;
    loop {
        let leaders: Vec<usize> = (0..replicas.len())
            .filter(|i| replicas[*i].leads())
            .collect();
        if leaders.len() == 1 {
            return leaders[0];
        }
        assert!(
            Instant::now() < deadline,
            "no single leader within {within:?}: {leaders:?}"
        );
        tokio::time::sleep(SAMPLE / 5).await;
    }
}

/// How long until `replica` leads, polled at a fifth of the sampling period.
async fn time_until_leads(replica: &Replica, within: Duration) -> Duration {
    let start = Instant::now();
    while !replica.leads() {
        assert!(
            start.elapsed() < within,
            "{} did not lead within {within:?}",
            replica.name
        );
        tokio::time::sleep(SAMPLE / 5).await;
    }
    start.elapsed()
}

async fn exactly_one_leader_and_a_crashed_leader_is_replaced() {
    let lab = Scratch::new("crash").await;
    let a = Replica::start(client(None).await, &lab.settings("a"), "a");
    let b = Replica::start(client(None).await, &lab.settings("b"), "b");
    let sampler = Sampler::start(&[&a, &b]);
    let first = one_leader(&[&a, &b], Duration::from_secs(10)).await;
    // Stays exactly one across several renewals.
    tokio::time::sleep(LEASE * 2).await;
    assert_eq!(one_leader(&[&a, &b], Duration::ZERO).await, first);
    let transitions = lab
        .lease()
        .await
        .spec
        .and_then(|s| s.lease_transitions)
        .unwrap_or(0);
    let (leader, follower) = if first == 0 { (a, b) } else { (b, a) };
    assert_eq!(
        lab.lease().await.spec.and_then(|s| s.holder_identity),
        Some(leader.name.to_owned())
    );

    // A crash: the task dies without releasing anything.
    leader.task.abort();
    let _ = leader.task.await;
    let takeover = time_until_leads(&follower, LEASE * 3).await;
    let timing = Timing::for_lease(LEASE);
    // Expiry counts from when the follower first saw the last renewal (up to one jittered poll
    // after it), plus request latency on a loaded machine.
    let bound = LEASE + timing.retry_period.mul_f64(1.2) + Duration::from_millis(500);
    println!(
        "    takeover after a crash: {:.2}s (lease {}s, retry {:.2}s, bound {:.2}s)",
        takeover.as_secs_f64(),
        LEASE.as_secs(),
        timing.retry_period.as_secs_f64(),
        bound.as_secs_f64()
    );
    assert!(takeover <= bound, "{takeover:?} > {bound:?}");
    // It cannot have been faster than the part of the lease the dead leader had left: the
    // leader renews every third of a lease.
    assert!(
        takeover >= LEASE - timing.renew_interval - Duration::from_millis(100),
        "took over a live claim after only {takeover:?}"
    );
    let spec = lab.lease().await.spec.expect("lease spec");
    assert_eq!(spec.holder_identity.as_deref(), Some(follower.name));
    assert_eq!(spec.lease_transitions, Some(transitions + 1));
    sampler.finish().await;
    follower.task.abort();
    lab.cleanup().await;
}

async fn graceful_release_hands_over_within_a_retry_period() {
    let lab = Scratch::new("release").await;
    let a = Replica::start(client(None).await, &lab.settings("a"), "a");
    let b = Replica::start(client(None).await, &lab.settings("b"), "b");
    let sampler = Sampler::start(&[&a, &b]);
    let first = one_leader(&[&a, &b], Duration::from_secs(10)).await;
    let (mut leader, follower) = if first == 0 { (a, b) } else { (b, a) };
    // Let the follower settle into waiting on a live claim first.
    tokio::time::sleep(LEASE / 2).await;

    let started = Instant::now();
    let _ = leader.stop.take().expect("stop").send(());
    leader.task.await.expect("elector finished");
    let released = started.elapsed();
    assert!(
        !*leader.leading.borrow(),
        "stopped leading before returning"
    );
    let takeover = time_until_leads(&follower, LEASE * 2).await + released;
    let timing = Timing::for_lease(LEASE);
    let bound = timing.retry_period.mul_f64(1.2) + Duration::from_millis(500);
    println!(
        "    takeover after a release: {:.2}s (release took {:.2}s; retry {:.2}s, bound {:.2}s)",
        takeover.as_secs_f64(),
        released.as_secs_f64(),
        timing.retry_period.as_secs_f64(),
        bound.as_secs_f64()
    );
    assert!(takeover <= bound, "{takeover:?} > {bound:?}");
    let spec = lab.lease().await.spec.expect("lease spec");
    assert_eq!(spec.holder_identity.as_deref(), Some(follower.name));
    sampler.finish().await;
    follower.task.abort();
    lab.cleanup().await;
}

/// A TCP relay to the API server that can be cut: existing connections are dropped and new
/// ones closed at once, as a network partition looks to the client.
struct Relay {
    addr: std::net::SocketAddr,
    cut: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Relay {
    async fn start(upstream: String) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind relay");
        let addr = listener.local_addr().expect("relay address");
        let (cut, cut_rx) = watch::channel(false);
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if *cut_rx.borrow() {
                    continue;
                }
                let mut cut_rx = cut_rx.clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut_rx.wait_for(|c| *c) => {}
                    }
                });
            }
        });
        Relay { addr, cut, task }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn partitioned_leader_steps_down_before_the_other_takes_over() {
    let lab = Scratch::new("partition").await;
    let server = {
        let kc = kube::config::Kubeconfig::read_from(kubeconfig().expect("kubeconfig variable"))
            .expect("kubeconfig");
        kc.clusters[0]
            .cluster
            .as_ref()
            .and_then(|c| c.server.clone())
            .expect("server URL")
    };
    let upstream = server
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_owned();
    let relay = Relay::start(upstream).await;
    // `a` reaches the API server only through the relay, and starts first so it leads.
    let a = Replica::start(
        client(Some(format!("https://{}", relay.addr))).await,
        &lab.settings("a"),
        "a",
    );
    assert_eq!(one_leader(&[&a], Duration::from_secs(10)).await, 0);
    let b = Replica::start(client(None).await, &lab.settings("b"), "b");
    let sampler = Sampler::start(&[&a, &b]);
    tokio::time::sleep(LEASE).await;
    assert!(a.leads() && !b.leads(), "a keeps the lease while connected");

    let started = Instant::now();
    relay.cut.send_replace(true);
    let mut a_leading = a.leading.clone();
    tokio::time::timeout(LEASE, a_leading.wait_for(|l| !*l))
        .await
        .expect("a steps down within a lease duration")
        .expect("a's channel open");
    let stepped_down = started.elapsed();
    let takeover = time_until_leads(&b, LEASE * 3).await + stepped_down;
    let timing = Timing::for_lease(LEASE);
    println!(
        "    partitioned leader stepped down after {:.2}s (deadline {:.2}s after its last renewal); other took over after {:.2}s",
        stepped_down.as_secs_f64(),
        timing.renew_deadline.as_secs_f64(),
        takeover.as_secs_f64()
    );
    assert!(stepped_down <= timing.renew_deadline + Duration::from_millis(200));
    assert!(takeover > stepped_down);
    sampler.finish().await;
    a.task.abort();
    b.task.abort();
    lab.cleanup().await;
}

async fn events_are_recorded_on_the_object_and_aggregated() {
    use k8s_openapi::api::core::v1::{ConfigMap, Event as CoreEvent};
    use k8s_openapi::api::events::v1::Event;
    use kube::api::ListParams;
    use syncd::run::events::{
        EventRecorder, EventTarget, EventType, ACTION_APPLY, ACTION_PRUNE, REASON_PRUNED,
        REASON_SYNCED,
    };

    let lab = Scratch::new("events").await;
    let cm = Api::<ConfigMap>::namespaced(lab.client.clone(), &lab.ns)
        .create(
            &PostParams::default(),
            &ConfigMap {
                metadata: ObjectMeta {
                    name: Some("settings".into()),
                    ..ObjectMeta::default()
                },
                ..ConfigMap::default()
            },
        )
        .await
        .expect("create configmap");
    let uid = cm.metadata.uid.clone().expect("uid");
    let target = EventTarget::of(&serde_json::to_value(&cm).expect("json")).expect("target");
    assert_eq!(target.uid.as_deref(), Some(uid.as_str()));
    let recorder = EventRecorder::new(lab.client.clone(), "replica-a".into());
    let events = Api::<Event>::namespaced(lab.client.clone(), &lab.ns);
    let list = || async {
        events
            .list(&ListParams::default())
            .await
            .expect("list events")
            .items
    };

    recorder
        .record(
            &target,
            EventType::Normal,
            REASON_SYNCED,
            ACTION_APPLY,
            "applied 3 objects at abc123",
        )
        .await;
    let found = list().await;
    assert_eq!(found.len(), 1, "{found:?}");
    let e = &found[0];
    let regarding = e.regarding.as_ref().expect("regarding");
    assert_eq!(regarding.kind.as_deref(), Some("ConfigMap"));
    assert_eq!(regarding.api_version.as_deref(), Some("v1"));
    assert_eq!(regarding.name.as_deref(), Some("settings"));
    assert_eq!(regarding.namespace.as_deref(), Some(lab.ns.as_str()));
    assert_eq!(regarding.uid.as_deref(), Some(uid.as_str()));
    assert_eq!(e.type_.as_deref(), Some("Normal"));
    assert_eq!(e.reason.as_deref(), Some("Synced"));
    assert_eq!(e.action.as_deref(), Some("Apply"));
    assert_eq!(e.note.as_deref(), Some("applied 3 objects at abc123"));
    assert_eq!(e.reporting_controller.as_deref(), Some("syncd"));
    assert_eq!(e.reporting_instance.as_deref(), Some("replica-a"));
    assert!(e.event_time.is_some() && e.series.is_none());
    // `kubectl describe` reads Events through the core API: the same event, seen from there.
    let name = e.metadata.name.clone().expect("event name");
    let core = Api::<CoreEvent>::namespaced(lab.client.clone(), &lab.ns)
        .get(&name)
        .await
        .expect("core view");
    assert_eq!(core.involved_object.name.as_deref(), Some("settings"));
    assert_eq!(core.message.as_deref(), Some("applied 3 objects at abc123"));

    // A hot loop of the same event: still one Event; the count lands on flush.
    for _ in 0..20 {
        recorder
            .record(
                &target,
                EventType::Normal,
                REASON_SYNCED,
                ACTION_APPLY,
                "applied 3 objects at abc123",
            )
            .await;
    }
    assert_eq!(list().await.len(), 1, "identical events aggregate");
    recorder.flush().await;
    let found = list().await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].series.as_ref().map(|s| s.count), Some(21));
    println!("    21 identical events -> 1 Event with series.count 21");

    // A failure with a long note: another Event, the note cut to 1 KiB.
    let long = format!("apply failed: {}", "x".repeat(3000));
    recorder
        .record(
            &target,
            EventType::Warning,
            "SyncFailed",
            ACTION_APPLY,
            &long,
        )
        .await;
    let warning = list()
        .await
        .into_iter()
        .find(|e| e.type_.as_deref() == Some("Warning"))
        .expect("warning event");
    let note = warning.note.expect("note");
    assert!(
        note.len() <= 1024 && note.starts_with("apply failed: xxx"),
        "{}",
        note.len()
    );

    // A cluster-scoped object's events go to `default`.
    let ns_target = EventTarget {
        api_version: "v1".into(),
        kind: "Namespace".into(),
        namespace: None,
        name: lab.ns.clone(),
        uid: None,
    };
    recorder
        .record(
            &ns_target,
            EventType::Normal,
            REASON_PRUNED,
            ACTION_PRUNE,
            "pruned 1 object",
        )
        .await;
    let in_default = Api::<Event>::namespaced(lab.client.clone(), "default");
    let mine: Vec<Event> = in_default
        .list(&ListParams::default())
        .await
        .expect("list default")
        .items
        .into_iter()
        .filter(|e| e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some(lab.ns.as_str()))
        .collect();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0].reason.as_deref(), Some("Pruned"));
    for e in mine {
        let _ = in_default
            .delete(
                &e.metadata.name.unwrap_or_default(),
                &DeleteParams::default(),
            )
            .await;
    }
    lab.cleanup().await;
}

fn main() {
    syncd_e2e::runner::run(syncd_e2e::scenarios![
        exactly_one_leader_and_a_crashed_leader_is_replaced,
        graceful_release_hands_over_within_a_retry_period,
        partitioned_leader_steps_down_before_the_other_takes_over,
        events_are_recorded_on_the_object_and_aggregated,
    ]);
}
