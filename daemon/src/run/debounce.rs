//! Coalescing triggers: pushes that arrive within the debounce window become one batch, a
//! continuous burst still fires after a bounded wait, and the batch keeps what narrows the work
//! (the union of changed paths, the apps that drifted). Pure: time is passed in.

use std::collections::BTreeSet;

use std::time::Duration;
use tokio::time::Instant;

use super::trigger::{Trigger, TriggerReason};

/// What one batch of triggers asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    /// Every app should be considered (poll, startup, reload, or a push without a file list).
    pub all_apps: bool,
    /// Repo-relative paths changed by the pushes (meaningful when `all_apps` is false).
    pub changed_paths: BTreeSet<String>,
    /// Apps asked for by name (drift, resume).
    pub apps: BTreeSet<String>,
    /// A full resync: plan every app even when its inputs did not change (poll, startup).
    pub resync: bool,
    /// The refs the pushes named.
    pub refs: BTreeSet<String>,
    /// Arrival of the oldest trigger (latency is measured from it).
    pub first_received: Option<std::time::Instant>,
    /// How many triggers were merged.
    pub count: usize,
}

impl Batch {
    fn add(&mut self, t: Trigger) {
        self.count += 1;
        self.first_received = Some(match self.first_received {
            Some(f) if f <= t.received => f,
            _ => t.received,
        });
        if let Some(r) = t.git_ref {
            self.refs.insert(r);
        }
        match t.reason {
            TriggerReason::Startup | TriggerReason::Poll => {
                self.all_apps = true;
                self.resync = true;
            }
            TriggerReason::ConfigReload => self.all_apps = true,
            TriggerReason::Drift { app, .. }
            | TriggerReason::Resume { app }
            | TriggerReason::Retry { app } => {
                self.apps.insert(app);
            }
            TriggerReason::Webhook { .. } => match t.changed_paths {
                Some(paths) => self.changed_paths.extend(paths),
                None => self.all_apps = true,
            },
        }
    }
}

/// A trailing-edge debouncer with a cap.
#[derive(Debug)]
pub struct Debouncer {
    window: Duration,
    max_wait: Duration,
    pending: Option<(Batch, Instant, Instant)>,
}

impl Debouncer {
    /// Fires `window` after the last trigger, but never later than `max_wait` after the first.
    pub fn new(window: Duration, max_wait: Duration) -> Debouncer {
        Debouncer {
            window,
            max_wait: max_wait.max(window),
            pending: None,
        }
    }

    /// Adds a trigger received at `now`.
    pub fn push(&mut self, t: Trigger, now: Instant) {
        let (batch, first, last) = self
            .pending
            .get_or_insert_with(|| (Batch::default(), now, now));
        batch.add(t);
        *last = now;
        let _ = first;
    }

    /// When the pending batch is due; `None` when nothing is pending.
    pub fn deadline(&self) -> Option<Instant> {
        self.pending
            .as_ref()
            .map(|(_, first, last)| (*last + self.window).min(*first + self.max_wait))
    }

    /// The batch, if it is due at `now`.
    pub fn take_due(&mut self, now: Instant) -> Option<Batch> {
        match self.deadline() {
            Some(d) if d <= now => self.pending.take().map(|(b, _, _)| b),
            _ => None,
        }
    }

    /// Whatever is pending, due or not (shutdown, or a batch forced by the loop).
    pub fn take(&mut self) -> Option<Batch> {
        self.pending.take().map(|(b, _, _)| b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(paths: &[&str]) -> Trigger {
        let mut t = Trigger::new(TriggerReason::Webhook {
            provider: "github".into(),
            delivery: None,
        });
        t.git_ref = Some("refs/heads/main".into());
        t.changed_paths = Some(paths.iter().map(|p| p.to_string()).collect());
        t
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_becomes_one_batch_after_the_quiet_window() {
        let mut d = Debouncer::new(Duration::from_millis(200), Duration::from_secs(2));
        let start = Instant::now();
        for i in 0..5 {
            d.push(push(&[&format!("apps/a{i}/app.yaml")]), Instant::now());
            tokio::time::advance(Duration::from_millis(100)).await;
            assert!(
                d.take_due(Instant::now()).is_none(),
                "still inside the window"
            );
        }
        assert_eq!(d.deadline(), Some(start + Duration::from_millis(600)));
        tokio::time::advance(Duration::from_millis(100)).await;
        let b = d
            .take_due(Instant::now())
            .expect("due 200ms after the last push");
        assert_eq!(b.count, 5);
        assert_eq!(b.changed_paths.len(), 5);
        assert!(!b.all_apps && !b.resync);
        assert_eq!(b.refs.len(), 1);
        assert!(d.deadline().is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_continuous_burst_fires_at_the_cap() {
        let mut d = Debouncer::new(Duration::from_millis(200), Duration::from_secs(1));
        let start = Instant::now();
        let mut fired = None;
        for _ in 0..30 {
            d.push(push(&["x"]), Instant::now());
            tokio::time::advance(Duration::from_millis(100)).await;
            if let Some(b) = d.take_due(Instant::now()) {
                fired = Some((Instant::now() - start, b.count));
                break;
            }
        }
        let (after, count) = fired.expect("the cap fires");
        assert_eq!(after, Duration::from_secs(1));
        assert_eq!(count, 10);
    }

    #[test]
    fn reasons_widen_the_batch() {
        let mut d = Debouncer::new(Duration::ZERO, Duration::ZERO);
        let now = Instant::now();
        d.push(push(&["apps/web/app.yaml"]), now);
        d.push(
            Trigger::new(TriggerReason::Drift {
                app: "db".into(),
                object: "v1/ConfigMap/ns/x".into(),
            }),
            now,
        );
        let b = d.take_due(now).unwrap();
        assert!(!b.all_apps);
        assert_eq!(b.apps.iter().collect::<Vec<_>>(), ["db"]);
        let mut no_paths = push(&[]);
        no_paths.changed_paths = None;
        d.push(no_paths, now);
        assert!(
            d.take_due(now).unwrap().all_apps,
            "a push without a file list touches every app"
        );
        d.push(Trigger::new(TriggerReason::Poll), now);
        let b = d.take_due(now).unwrap();
        assert!(b.all_apps && b.resync);
    }
}
