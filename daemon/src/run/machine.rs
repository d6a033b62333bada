//! The per-app state machine: which phase an app is in, which moves are legal, and when a failed
//! input may be tried again (exponential backoff with jitter, never a hot loop). Pure: time is
//! passed in, so the rules are tested with paused time.

use std::time::Duration;

use backoff::backoff::Backoff;
use backoff::ExponentialBackoff;
use tokio::time::Instant;

use super::status::Phase;

/// A move the machine does not allow (a bug in the loop, reported rather than ignored).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("app {app}: cannot go from {from:?} to {to:?}")]
pub struct InvalidTransition {
    /// The app.
    pub app: String,
    /// Phase it was in.
    pub from: Phase,
    /// Phase asked for.
    pub to: Phase,
}

/// Whether a reconcile of some input should start now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Go.
    Run,
    /// This exact input failed; wait for the backoff to pass.
    RetryAt(Instant),
    /// This exact input was rolled back for being unhealthy: wait for a new input.
    Held,
}

/// One app's machine.
#[derive(Debug)]
pub struct AppMachine {
    app: String,
    phase: Phase,
    /// The last phase a reconcile ended in (idle, done or failed), restored by `abandon`.
    settled: Phase,
    failures: u32,
    /// The input (commit + fingerprint) that failed last, and when it may run again.
    failed: Option<(String, Instant)>,
    /// An input rolled back for being unhealthy; not applied again until the input changes.
    held: Option<String>,
    backoff: ExponentialBackoff,
}

impl AppMachine {
    /// A machine in `Idle`, retrying failures from `initial` up to `max` (±50% jitter).
    pub fn new(app: &str, initial: Duration, max: Duration) -> AppMachine {
        AppMachine {
            app: app.to_owned(),
            phase: Phase::Idle,
            settled: Phase::Idle,
            failures: 0,
            failed: None,
            held: None,
            backoff: ExponentialBackoff {
                initial_interval: initial,
                current_interval: initial,
                max_interval: max,
                multiplier: 2.0,
                randomization_factor: 0.5,
                // The daemon never gives up; an input is retried until it changes or succeeds.
                max_elapsed_time: None,
                ..ExponentialBackoff::default()
            },
        }
    }

    /// Phase now.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Consecutive failures.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Whether a reconcile runs now.
    pub fn is_busy(&self) -> bool {
        is_active(self.phase)
    }

    /// Whether a reconcile of `input`, dispatched at `now`, should go on past fetching.
    pub fn decide(&self, input: &str, now: Instant) -> Decision {
        if self.held.as_deref() == Some(input) {
            return Decision::Held;
        }
        match &self.failed {
            Some((failed, at)) if failed == input && now < *at => Decision::RetryAt(*at),
            _ => Decision::Run,
        }
    }

    /// Moves to `to` if the machine allows it.
    pub fn advance(&mut self, to: Phase) -> Result<(), InvalidTransition> {
        if !allowed(self.phase, to) {
            return Err(InvalidTransition {
                app: self.app.clone(),
                from: self.phase,
                to,
            });
        }
        self.phase = to;
        if !is_active(to) {
            self.settled = to;
        }
        Ok(())
    }

    /// The reconcile of `input` ended well: back off no more.
    pub fn succeeded(&mut self) -> Result<(), InvalidTransition> {
        self.advance(Phase::Done)?;
        self.failures = 0;
        self.failed = None;
        self.backoff.reset();
        Ok(())
    }

    /// The reconcile of `input` failed at `now`; returns when it may be retried. A different
    /// input may run at once: a fix pushed after a failure is never held back by the backoff.
    pub fn failed(&mut self, input: &str, now: Instant) -> Result<Instant, InvalidTransition> {
        self.advance(Phase::Failed)?;
        if self.failed.as_ref().is_some_and(|(f, _)| f != input) {
            self.backoff.reset();
        }
        self.failures += 1;
        let wait = self
            .backoff
            .next_backoff()
            .unwrap_or(self.backoff.max_interval);
        let at = now + wait;
        self.failed = Some((input.to_owned(), at));
        Ok(at)
    }

    /// `input` was applied, found unhealthy and rolled back: hold it until the input changes.
    pub fn rolled_back(&mut self, input: &str) -> Result<(), InvalidTransition> {
        self.advance(Phase::Failed)?;
        self.failures += 1;
        self.held = Some(input.to_owned());
        Ok(())
    }

    /// Forgets a hold (`syncd resume`).
    pub fn release_hold(&mut self) {
        self.held = None;
        self.failed = None;
        self.backoff.reset();
    }

    /// The reconcile stopped without a result (skipped, shutdown, lost leadership): back to
    /// where the last one ended.
    pub fn abandon(&mut self) {
        self.phase = self.settled;
    }
}

fn is_active(p: Phase) -> bool {
    !matches!(p, Phase::Idle | Phase::Done | Phase::Failed)
}

/// idle → fetching → rendering → planning → applying → waitingForHealth → done/failed; any
/// active phase may fail; planning and applying may end in done (nothing to change, or not
/// waited for); a finished machine starts again at fetching.
fn allowed(from: Phase, to: Phase) -> bool {
    use Phase::*;
    match (from, to) {
        (Idle | Done | Failed, Fetching) => true,
        (Fetching, Rendering) => true,
        // A render served from the cache skips rendering.
        (Fetching | Rendering, Planning) => true,
        (Planning, Applying) => true,
        (Applying, WaitingForHealth) => true,
        (Planning | Applying | WaitingForHealth, Done) => true,
        (Fetching | Rendering | Planning | Applying | WaitingForHealth, Failed) => true,
        // Auto-rollback applies again from the health wait.
        (WaitingForHealth, Applying) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Phase::*;

    fn machine() -> AppMachine {
        AppMachine::new("web", Duration::from_secs(5), Duration::from_secs(60))
    }

    fn run_to(m: &mut AppMachine, phases: &[Phase]) {
        for p in phases {
            m.advance(*p).unwrap();
        }
    }

    #[test]
    fn full_cycle_and_illegal_moves() {
        let mut m = machine();
        run_to(
            &mut m,
            &[Fetching, Rendering, Planning, Applying, WaitingForHealth],
        );
        m.succeeded().unwrap();
        assert_eq!(m.phase(), Done);
        let err = m.advance(Applying).unwrap_err();
        assert_eq!((err.from, err.to), (Done, Applying));
        assert!(
            m.advance(Idle).is_err(),
            "done goes on to fetching, not idle"
        );
        run_to(&mut m, &[Fetching, Planning]);
        assert!(
            m.advance(WaitingForHealth).is_err(),
            "health only after apply"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_input_waits_with_growing_backoff_and_a_new_input_runs_at_once() {
        let mut m = machine();
        let mut waits = Vec::new();
        for _ in 0..6 {
            let now = Instant::now();
            assert_eq!(m.decide("c1", now), Decision::Run);
            run_to(&mut m, &[Fetching, Rendering, Planning, Applying]);
            let at = m.failed("c1", now).unwrap();
            assert!(matches!(m.decide("c1", now), Decision::RetryAt(t) if t == at));
            // A different input (a fix) is not held back.
            assert_eq!(m.decide("c2", now), Decision::Run);
            waits.push(at - now);
            tokio::time::advance(at - now).await;
            assert_eq!(m.decide("c1", Instant::now()), Decision::Run);
        }
        // 5s, 10s, 20s, 40s, 60s, 60s, each ±50%.
        let nominal = [5.0, 10.0, 20.0, 40.0, 60.0, 60.0];
        for (w, n) in waits.iter().zip(nominal) {
            let s = w.as_secs_f64();
            assert!(s >= n * 0.5 - 0.01 && s <= n * 1.5 + 0.01, "{waits:?}");
        }
        assert_eq!(m.failures(), 6);
        run_to(&mut m, &[Fetching, Planning]);
        m.succeeded().unwrap();
        assert_eq!(m.failures(), 0);
        assert_eq!(m.decide("c1", Instant::now()), Decision::Run);
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_restarts_for_a_new_failing_input() {
        let mut m = machine();
        for _ in 0..4 {
            run_to(&mut m, &[Fetching]);
            m.failed("c1", Instant::now()).unwrap();
        }
        run_to(&mut m, &[Fetching]);
        let now = Instant::now();
        let wait = m.failed("c2", now).unwrap() - now;
        assert!(wait <= Duration::from_millis(7500), "{wait:?}");
    }

    #[test]
    fn rolled_back_input_is_held_until_it_changes_or_resume() {
        let mut m = machine();
        run_to(
            &mut m,
            &[
                Fetching,
                Rendering,
                Planning,
                Applying,
                WaitingForHealth,
                Applying,
            ],
        );
        m.rolled_back("bad").unwrap();
        let now = Instant::now();
        assert_eq!(m.decide("bad", now), Decision::Held);
        assert_eq!(m.decide("fixed", now), Decision::Run);
        m.release_hold();
        assert_eq!(m.decide("bad", now), Decision::Run);
    }

    #[test]
    fn busy_while_active_and_abandon_restores_the_last_end() {
        let mut m = machine();
        run_to(&mut m, &[Fetching, Planning]);
        m.succeeded().unwrap();
        run_to(&mut m, &[Fetching]);
        assert!(m.is_busy());
        m.abandon();
        assert!(!m.is_busy());
        assert_eq!(m.phase(), Done);
    }
}
