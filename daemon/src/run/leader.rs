//! Leader election through a `coordination.k8s.io/v1` Lease, with client-go's semantics: one
//! replica holds the Lease and renews it; the others poll and take it over once it has not
//! changed for a whole lease duration; a leader that cannot renew steps down before its lease
//! could have expired, so two leaders never overlap; a graceful shutdown releases the Lease.
//!
//! Expiry is judged from when *this* replica first saw the current Lease record (a monotonic
//! clock), not from the record's `renewTime` alone, because replicas' wall clocks disagree (the
//! record's time is trusted only when it is stale beyond any plausible skew — see [`decide`]).

use std::future::Future;
use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, PostParams};
use rand::Rng;
use syncd_config::LeaderElection;
use tokio::sync::watch;
use tokio::time::{sleep_until, Instant};

/// The timing of an election, all derived from the lease duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// How long a holder's claim lasts without renewal.
    pub lease_duration: Duration,
    /// A leader renews this long after its last successful write.
    pub renew_interval: Duration,
    /// A leader that has not renewed within this long after its last successful write steps
    /// down; it is shorter than the lease duration so it steps down before anyone else can
    /// take over.
    pub renew_deadline: Duration,
    /// Followers poll the Lease this often (plus up to 20% jitter); a failed renewal is retried
    /// this often until the renew deadline.
    pub retry_period: Duration,
}

impl Timing {
    /// Renew every third of the lease, step down at two thirds, poll every eighth (client-go's
    /// defaults are 15s / 10s / 2s; the same ratios within rounding).
    pub fn for_lease(lease_duration: Duration) -> Timing {
        Timing {
            lease_duration,
            renew_interval: lease_duration / 3,
            renew_deadline: lease_duration * 2 / 3,
            retry_period: lease_duration / 8,
        }
    }
}

/// What this replica should do about the Lease it just read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Nobody holds it, or the holder's claim expired: take it over.
    Acquire,
    /// This replica holds it: renew.
    Renew,
    /// Someone else holds it; it expires at this instant unless renewed first.
    Wait(Instant),
}

/// The Lease record as this replica last saw it, and since when it has been unchanged.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    /// The record.
    pub spec: LeaseSpec,
    /// When this exact record was first seen here. A live holder changes the record on every
    /// renewal, so a record unchanged for a whole lease duration means the holder stopped.
    pub first_seen: Instant,
    /// The wall-clock time at `first_seen`, to judge how stale the record's `renewTime` was.
    pub wall_first_seen: Timestamp,
}

impl Observed {
    /// Records a read of `spec` at `now`/`wall_now`, keeping the earlier sighting when the record
    /// did not change since `previous`.
    pub fn update(
        previous: Option<Observed>,
        spec: LeaseSpec,
        now: Instant,
        wall_now: Timestamp,
    ) -> Observed {
        match previous {
            Some(p) if p.spec == spec => p,
            _ => Observed {
                spec,
                first_seen: now,
                wall_first_seen: wall_now,
            },
        }
    }
}

/// The pure election rule: given the Lease as observed, this replica's identity, the configured
/// lease duration (used when the record has none) and the time now, what to do.
///
/// Someone else's claim expires one lease duration after this replica first saw the record
/// unchanged (client-go's rule: immune to clock offsets between replicas). Only a record whose
/// `renewTime` was already older than *two* lease durations when first seen is taken over at
/// once: a live holder renews every third of a lease, so it would need a clock behind ours by
/// more than five thirds of a lease to look that stale.
pub fn decide(observed: &Observed, me: &str, configured: Duration, now: Instant) -> Decision {
    let spec = &observed.spec;
    match spec.holder_identity.as_deref() {
        None | Some("") => return Decision::Acquire,
        Some(holder) if holder == me => return Decision::Renew,
        Some(_) => {}
    }
    let duration = spec
        .lease_duration_seconds
        .filter(|s| *s > 0)
        .map_or(configured, |s| Duration::from_secs(s.unsigned_abs().into()));
    if let Some(MicroTime(renewed)) = &spec.renew_time {
        let age_ms = observed.wall_first_seen.as_millisecond() - renewed.as_millisecond();
        if age_ms > 0 && age_ms.unsigned_abs() > 2 * duration.as_millis() as u64 {
            return Decision::Acquire;
        }
    }
    let expires = observed.first_seen + duration;
    if now >= expires {
        Decision::Acquire
    } else {
        Decision::Wait(expires)
    }
}

/// This replica's identity when none is configured: `$POD_NAME`, then the host name.
pub fn default_identity() -> String {
    let from_env = |var: &str| std::env::var(var).ok().filter(|v| !v.trim().is_empty());
    let from_file = |path: &str| {
        std::fs::read_to_string(path)
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    if let Some(pod) = from_env("POD_NAME") {
        return pod;
    }
    // Two daemons on one host must not share an identity (both would think they lead), so a
    // host name gets a random suffix, as client-go does.
    let host = from_file("/etc/hostname")
        .or_else(|| from_file("/proc/sys/kernel/hostname"))
        .or_else(|| from_env("HOSTNAME"))
        .unwrap_or_else(|| "syncd".into());
    format!("{host}_{:08x}", rand::random::<u32>())
}

/// The identity to run with: the configured one, else [`default_identity`].
pub fn resolve_identity(settings: &LeaderElection) -> String {
    settings
        .identity
        .clone()
        .filter(|i| !i.trim().is_empty())
        .unwrap_or_else(default_identity)
}

/// A participant in the election. [`Elector::subscribe`] tells whether it leads right now;
/// [`Elector::run`] takes part until shutdown.
pub struct Elector {
    leases: Api<Lease>,
    namespace: String,
    name: String,
    identity: String,
    timing: Timing,
    leading: watch::Sender<bool>,
}

/// Why one attempt at the Lease did not succeed.
enum Attempt {
    /// Someone else holds it; look again at this instant at the latest.
    Held(Instant),
    /// Someone else changed it first or holds it now.
    Lost,
    /// The API server did not answer as hoped; retry.
    Failed(kube::Error),
}

/// The Lease as this replica last wrote it (its resourceVersion guards the next write), and when
/// that write was sent: the leader's term is measured from the send, the earliest moment the
/// server could have stored it.
struct Held {
    lease: Lease,
    sent: Instant,
}

impl Elector {
    /// An elector for the Lease `settings` names, as `identity`.
    pub fn new(client: kube::Client, settings: &LeaderElection, identity: String) -> Elector {
        Elector {
            leases: Api::namespaced(client, &settings.namespace),
            namespace: settings.namespace.clone(),
            name: settings.lease_name.clone(),
            identity,
            timing: Timing::for_lease(settings.lease_duration),
            leading: watch::channel(false).0,
        }
    }

    /// Whether this replica leads now; changes as the election goes.
    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.leading.subscribe()
    }

    /// This replica's identity in the Lease.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// The election's timing.
    pub fn timing(&self) -> Timing {
        self.timing
    }

    /// Takes part in the election until `shutdown` completes; then, if leading, stops leading
    /// and releases the Lease so another replica takes over at once. Callers must stop the work
    /// the lease guards before `shutdown` completes. Errors are logged and retried.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut observed: Option<Observed> = None;
        loop {
            // Following: poll until the Lease is ours.
            let mut held = loop {
                let look_again = match self.try_acquire(&mut observed).await {
                    Ok(held) => break held,
                    Err(Attempt::Held(until)) => {
                        until.min(Instant::now() + self.timing.retry_period)
                    }
                    Err(Attempt::Lost) => Instant::now(),
                    Err(Attempt::Failed(e)) => {
                        tracing::warn!(lease = %self.describe(), error = %e, "reading the leader lease failed");
                        Instant::now() + self.timing.retry_period
                    }
                };
                tokio::select! {
                    () = &mut shutdown => return,
                    () = sleep_until(look_again + self.jitter()) => {}
                }
            };
            tracing::info!(lease = %self.describe(), identity = %self.identity, "became leader");
            self.leading.send_replace(true);

            // Leading: renew until shutdown, or until a renewal fails for too long or is lost.
            loop {
                let deadline = held.sent + self.timing.renew_deadline;
                tokio::select! {
                    () = &mut shutdown => {
                        self.leading.send_replace(false);
                        self.release(held.lease).await;
                        return;
                    }
                    () = sleep_until(held.sent + self.timing.renew_interval) => {}
                }
                let renewed = tokio::select! {
                    () = &mut shutdown => {
                        self.leading.send_replace(false);
                        self.release(held.lease).await;
                        return;
                    }
                    // Stepping down at the deadline even while a request hangs is what keeps
                    // two leaders from overlapping.
                    () = sleep_until(deadline) => None,
                    r = self.renew_until_deadline(&held.lease, deadline) => r,
                };
                match renewed {
                    Some(h) => held = h,
                    None => break,
                }
            }
            self.leading.send_replace(false);
            tracing::warn!(lease = %self.describe(), identity = %self.identity, "stopped leading");
            observed = None;
        }
    }

    fn describe(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    fn jitter(&self) -> Duration {
        self.timing
            .retry_period
            .mul_f64(rand::rng().random_range(0.0..0.2))
    }

    /// One look at the Lease: create it, take it over, or resume holding it.
    async fn try_acquire(&self, observed: &mut Option<Observed>) -> Result<Held, Attempt> {
        let current = match self.leases.get_opt(&self.name).await {
            Ok(c) => c,
            Err(e) => return Err(Attempt::Failed(e)),
        };
        let Some(current) = current else {
            let now = MicroTime(Timestamp::now());
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(self.name.clone()),
                    namespace: Some(self.namespace.clone()),
                    ..ObjectMeta::default()
                },
                spec: Some(self.claim(Some(now.clone()), 0)),
            };
            let sent = Instant::now();
            return match self.leases.create(&PostParams::default(), &lease).await {
                Ok(lease) => Ok(Held { lease, sent }),
                Err(e) if is_conflict(&e) => Err(Attempt::Lost),
                Err(e) => Err(Attempt::Failed(e)),
            };
        };
        let spec = current.spec.clone().unwrap_or_default();
        let seen = Observed::update(observed.take(), spec, Instant::now(), Timestamp::now());
        let decision = decide(
            &seen,
            &self.identity,
            self.timing.lease_duration,
            Instant::now(),
        );
        let transitions = seen.spec.lease_transitions.unwrap_or(0);
        let claim = match decision {
            Decision::Wait(until) => {
                *observed = Some(seen);
                return Err(Attempt::Held(until));
            }
            // Resuming our own claim (a restart with the same identity) is not a transition.
            Decision::Renew => self.claim(seen.spec.acquire_time.clone(), transitions),
            Decision::Acquire => self.claim(None, transitions.saturating_add(1)),
        };
        *observed = Some(seen);
        let mut lease = current;
        lease.spec = Some(claim);
        self.write(lease).await
    }

    /// The record this replica writes: itself as holder, renewed now.
    fn claim(&self, acquired: Option<MicroTime>, transitions: i32) -> LeaseSpec {
        let now = MicroTime(Timestamp::now());
        LeaseSpec {
            holder_identity: Some(self.identity.clone()),
            lease_duration_seconds: Some(lease_seconds(self.timing.lease_duration)),
            acquire_time: Some(acquired.unwrap_or_else(|| now.clone())),
            renew_time: Some(now),
            lease_transitions: Some(transitions),
            ..LeaseSpec::default()
        }
    }

    /// Replaces the Lease; the resourceVersion it carries makes a concurrent writer's change a
    /// 409 instead of a silent overwrite.
    async fn write(&self, lease: Lease) -> Result<Held, Attempt> {
        let sent = Instant::now();
        match self
            .leases
            .replace(&self.name, &PostParams::default(), &lease)
            .await
        {
            Ok(lease) => Ok(Held { lease, sent }),
            Err(e) if is_conflict(&e) => Err(Attempt::Lost),
            Err(e) => Err(Attempt::Failed(e)),
        }
    }

    /// Renews, retrying transient failures every retry period; `None` when the Lease was lost.
    /// The caller bounds this by the renew deadline.
    async fn renew_until_deadline(&self, lease: &Lease, deadline: Instant) -> Option<Held> {
        let mut lease = lease.clone();
        loop {
            let spec = lease.spec.clone().unwrap_or_default();
            lease.spec = Some(self.claim(spec.acquire_time, spec.lease_transitions.unwrap_or(0)));
            match self.write(lease.clone()).await {
                Ok(held) => return Some(held),
                Err(Attempt::Lost) => {
                    // Someone changed the Lease: still ours (an annotation, say) means renew
                    // on top of their version; someone else's means we lost it.
                    match self.leases.get_opt(&self.name).await {
                        Ok(Some(current)) if holder(&current) == Some(self.identity.as_str()) => {
                            lease = current;
                            continue;
                        }
                        Ok(_) => {
                            tracing::warn!(lease = %self.describe(), "the leader lease was taken over");
                            return None;
                        }
                        Err(e) => {
                            tracing::warn!(lease = %self.describe(), error = %e, "reading the leader lease failed");
                        }
                    }
                }
                Err(Attempt::Failed(e)) => {
                    tracing::warn!(lease = %self.describe(), error = %e, "renewing the leader lease failed");
                }
                Err(Attempt::Held(_)) => return None,
            }
            let next = Instant::now() + self.timing.retry_period;
            if next >= deadline {
                return None;
            }
            sleep_until(next).await;
        }
    }

    /// Gives the Lease up (client-go's ReleaseOnCancel): no holder and a one-second duration, so
    /// any follower takes it over at its next look. Best effort, bounded by one renew interval.
    async fn release(&self, lease: Lease) {
        let give_up = async {
            let mut lease = lease;
            for _ in 0..2 {
                let mut spec = lease.spec.clone().unwrap_or_default();
                let now = MicroTime(Timestamp::now());
                spec.holder_identity = None;
                spec.lease_duration_seconds = Some(1);
                spec.acquire_time = Some(now.clone());
                spec.renew_time = Some(now);
                lease.spec = Some(spec);
                match self
                    .leases
                    .replace(&self.name, &PostParams::default(), &lease)
                    .await
                {
                    Ok(_) => return Ok(()),
                    // A renewal we abandoned may have landed; release on top of it if the
                    // Lease is still ours.
                    Err(e) if is_conflict(&e) => match self.leases.get_opt(&self.name).await? {
                        Some(current) if holder(&current) == Some(self.identity.as_str()) => {
                            lease = current;
                        }
                        _ => return Ok(()),
                    },
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        };
        match tokio::time::timeout(self.timing.renew_interval, give_up).await {
            Ok(Ok(())) => {
                tracing::info!(lease = %self.describe(), identity = %self.identity, "released the leader lease");
            }
            Ok(Err(e)) => {
                tracing::warn!(lease = %self.describe(), error = %e, "releasing the leader lease failed");
            }
            Err(_) => {
                tracing::warn!(lease = %self.describe(), "releasing the leader lease timed out");
            }
        }
    }
}

fn holder(lease: &Lease) -> Option<&str> {
    lease.spec.as_ref()?.holder_identity.as_deref()
}

fn is_conflict(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 409)
}

/// Whole seconds, at least one (the field's unit).
fn lease_seconds(d: Duration) -> i32 {
    i32::try_from(d.as_secs().max(1)).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEASE: Duration = Duration::from_secs(15);

    fn wall(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    fn spec(holder: Option<&str>, renewed: Option<i64>, seconds: Option<i32>) -> LeaseSpec {
        LeaseSpec {
            holder_identity: holder.map(str::to_owned),
            renew_time: renewed.map(|s| MicroTime(wall(s))),
            lease_duration_seconds: seconds,
            ..LeaseSpec::default()
        }
    }

    /// Observed first at monotonic `t0`, when the wall clock read `wall(0)`.
    fn seen(spec: LeaseSpec, t0: Instant) -> Observed {
        Observed::update(None, spec, t0, wall(0))
    }

    #[test]
    fn free_lease_is_acquired_at_once() {
        let t0 = Instant::now();
        for free in [
            spec(None, Some(0), Some(15)),
            spec(Some(""), Some(0), Some(15)),
        ] {
            assert_eq!(decide(&seen(free, t0), "me", LEASE, t0), Decision::Acquire);
        }
    }

    #[test]
    fn own_lease_is_renewed_even_when_old() {
        let t0 = Instant::now();
        let mine = spec(Some("me"), Some(-3600), Some(15));
        assert_eq!(decide(&seen(mine, t0), "me", LEASE, t0), Decision::Renew);
    }

    #[test]
    fn someone_elses_lease_expires_one_duration_after_first_sight() {
        let t0 = Instant::now();
        let other = seen(spec(Some("other"), Some(0), Some(10)), t0);
        let expires = t0 + Duration::from_secs(10);
        assert_eq!(decide(&other, "me", LEASE, t0), Decision::Wait(expires));
        assert_eq!(
            decide(&other, "me", LEASE, expires - Duration::from_millis(1)),
            Decision::Wait(expires)
        );
        // Exactly at expiry the claim is over (client-go: valid only while expiry is after now).
        assert_eq!(decide(&other, "me", LEASE, expires), Decision::Acquire);
    }

    #[test]
    fn a_renewal_restarts_the_clock_and_an_unchanged_read_does_not() {
        let t0 = Instant::now();
        let first = seen(spec(Some("other"), Some(0), Some(10)), t0);
        let later = t0 + Duration::from_secs(6);
        let same = Observed::update(
            Some(first.clone()),
            spec(Some("other"), Some(0), Some(10)),
            later,
            wall(6),
        );
        assert_eq!(same.first_seen, t0);
        let renewed = Observed::update(
            Some(first),
            spec(Some("other"), Some(5), Some(10)),
            later,
            wall(6),
        );
        assert_eq!(renewed.first_seen, later);
        assert_eq!(
            decide(&renewed, "me", LEASE, t0 + Duration::from_secs(11)),
            Decision::Wait(later + Duration::from_secs(10))
        );
    }

    #[test]
    fn renew_time_in_the_future_waits_no_longer_than_one_duration() {
        // A holder whose clock runs an hour ahead, then died: its record must not block the
        // election for an hour.
        let t0 = Instant::now();
        let skewed = seen(spec(Some("other"), Some(3600), Some(10)), t0);
        assert_eq!(
            decide(&skewed, "me", LEASE, t0),
            Decision::Wait(t0 + Duration::from_secs(10))
        );
        assert_eq!(
            decide(&skewed, "me", LEASE, t0 + Duration::from_secs(10)),
            Decision::Acquire
        );
    }

    #[test]
    fn renew_time_expired_within_skew_tolerance_still_waits() {
        // Expired by our wall clock (renewed 15s ago with a 10s lease), but a live holder with a
        // clock 10s behind ours would look exactly like this: wait a full duration anyway.
        let t0 = Instant::now();
        for age in [11, 15, 20] {
            let lagging = seen(spec(Some("other"), Some(-age), Some(10)), t0);
            assert_eq!(
                decide(&lagging, "me", LEASE, t0),
                Decision::Wait(t0 + Duration::from_secs(10)),
                "renewed {age}s ago"
            );
        }
    }

    #[test]
    fn record_stale_beyond_two_durations_is_taken_over_at_once() {
        let t0 = Instant::now();
        let dead = seen(spec(Some("other"), Some(-21), Some(10)), t0);
        assert_eq!(decide(&dead, "me", LEASE, t0), Decision::Acquire);
        let dead = seen(spec(Some("other"), Some(-86_400), Some(10)), t0);
        assert_eq!(decide(&dead, "me", LEASE, t0), Decision::Acquire);
    }

    #[test]
    fn missing_or_invalid_duration_uses_the_configured_one() {
        let t0 = Instant::now();
        for seconds in [None, Some(0), Some(-5)] {
            let odd = seen(spec(Some("other"), Some(0), seconds), t0);
            assert_eq!(
                decide(&odd, "me", LEASE, t0),
                Decision::Wait(t0 + LEASE),
                "{seconds:?}"
            );
        }
    }

    #[test]
    fn missing_renew_time_counts_from_first_sight() {
        let t0 = Instant::now();
        let bare = seen(spec(Some("other"), None, Some(10)), t0);
        assert_eq!(
            decide(&bare, "me", LEASE, t0),
            Decision::Wait(t0 + Duration::from_secs(10))
        );
    }

    #[test]
    fn a_released_lease_is_free() {
        // What `release` writes: no holder, one second.
        let t0 = Instant::now();
        let released = seen(spec(None, Some(0), Some(1)), t0);
        assert_eq!(decide(&released, "me", LEASE, t0), Decision::Acquire);
    }

    #[test]
    fn timing_steps_down_before_anyone_can_take_over() {
        for secs in [3, 4, 15, 60] {
            let t = Timing::for_lease(Duration::from_secs(secs));
            assert!(t.renew_interval < t.renew_deadline, "{t:?}");
            assert!(t.renew_deadline < t.lease_duration, "{t:?}");
            // At least one retry fits between the first renewal and the deadline.
            assert!(
                t.renew_interval + t.retry_period < t.renew_deadline,
                "{t:?}"
            );
        }
        let t = Timing::for_lease(Duration::from_secs(15));
        assert_eq!(t.renew_deadline, Duration::from_secs(10));
    }

    #[test]
    fn identity_prefers_configuration() {
        let settings = LeaderElection {
            namespace: "ns".into(),
            lease_name: "syncd".into(),
            lease_duration: LEASE,
            identity: Some("replica-a".into()),
        };
        assert_eq!(resolve_identity(&settings), "replica-a");
        let unset = LeaderElection {
            identity: Some("  ".into()),
            ..settings
        };
        assert!(!resolve_identity(&unset).trim().is_empty());
    }
}
