//! One app's reconcile in the daemon: fetch its sources, render (or reuse the cached render),
//! plan, apply, wait for health, and roll back when its policy says so — every step reported to
//! the app's state machine and the status board. The stages are the pipeline's own.

use std::sync::Arc;
use std::time::Duration;

use syncd_config::{ResolvedApp, ResolvedEnv, SelfHeal};
use tokio::time::Instant;
use tracing::Instrument;

use super::events::{EventType, REASON_DRIFT_DETECTED, REASON_ROLLED_BACK, REASON_SYNC_FAILED};
use super::inputs::{fingerprint, Fingerprint};
use super::machine::Decision;
use super::shared::{CachedRender, Shared};
use super::status::Phase;
use crate::engine::{
    self, execute_with, plan_rendered, AppPlan, ExecuteOptions, Provenance, PruneOverrides,
    SyncReport, Target,
};
use crate::object::ObjectId;
use crate::render::{render_app, RenderContext};

/// What one reconcile of one app should do.
pub struct Job {
    /// The environment, resolved from the checkout.
    pub env: Arc<ResolvedEnv>,
    /// The app.
    pub app: ResolvedApp,
    /// The GitOps checkout (held so it is not evicted while the job runs).
    pub checkout: Arc<super::shared::RepoState>,
    /// Plan even when the inputs did not change (poll, startup, drift, resume, retry).
    pub force_plan: bool,
    /// Only drift asked for this reconcile (an app whose policy reports drift is not written).
    pub drift_only: bool,
    /// When the oldest trigger behind this job arrived.
    pub received: Option<std::time::Instant>,
}

/// How a reconcile ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Ended {
    /// Nothing to change.
    Unchanged,
    /// Applied; `revision` was recorded and is healthy (or not waited for).
    Synced {
        /// The revision recorded.
        revision: Option<u64>,
    },
    /// Live objects differ from Git and the policy says report only.
    DriftReported {
        /// The drifted objects.
        objects: Vec<String>,
    },
    /// Applied, found unhealthy, and rolled back to the last healthy revision.
    RolledBack {
        /// The unhealthy revision.
        from: Option<u64>,
        /// The revision restored.
        to: u64,
        /// Why it was unhealthy.
        reason: String,
    },
    /// The input failed before and its backoff has not passed, or it was rolled back.
    Skipped(Decision),
    /// It failed; retry after `retry_at`.
    Failed {
        /// What failed.
        error: String,
        /// When it may run again.
        retry_at: Instant,
    },
}

impl Ended {
    /// The word used in status, metrics and logs.
    pub fn word(&self) -> &'static str {
        match self {
            Ended::Unchanged => "unchanged",
            Ended::Synced { .. } => "synced",
            Ended::DriftReported { .. } => "drift_reported",
            Ended::RolledBack { .. } => "rolled_back",
            Ended::Skipped(_) => "skipped",
            Ended::Failed { .. } => "failed",
        }
    }
}

/// Why a step failed, for the status and the event.
struct StepError {
    phase: Phase,
    message: String,
}

fn fail(phase: Phase) -> impl Fn(String) -> StepError {
    move |message| StepError { phase, message }
}

/// Runs one app's reconcile to its end. Never panics on a cluster or source error: every
/// failure ends as [`Ended::Failed`] with a retry time, and the other apps go on.
pub async fn reconcile(shared: Arc<Shared>, job: Job) -> Ended {
    let app = job.app.name.clone();
    let span = tracing::info_span!(
        "reconcile",
        env = %job.env.name,
        app = %app,
        commit = job.checkout.commit.as_deref().unwrap_or("-"),
        revision = tracing::field::Empty,
    );
    let started = Instant::now();
    // Every log line of the run (and of the stages it calls) carries the span.
    let ended = match run(&shared, &job).instrument(span.clone()).await {
        Ok(ended) => ended,
        Err((key, e)) => {
            let retry_at = shared
                .machine(&app, |m| m.failed(&key, Instant::now()))
                .unwrap_or_else(|_| Instant::now() + Duration::from_secs(30));
            tracing::warn!(parent: &span, app = %app, phase = ?e.phase, error = %e.message, "reconcile failed");
            shared.status.app(&app, |s| {
                s.phase = Phase::Failed;
                s.failures += 1;
                s.last_error = Some(format!("{:?}: {}", e.phase, e.message));
            });
            shared
                .event_app(
                    &job.env,
                    &app,
                    EventType::Warning,
                    REASON_SYNC_FAILED,
                    &format!("{:?}: {}", e.phase, e.message),
                )
                .await;
            Ended::Failed {
                error: e.message,
                retry_at,
            }
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    if !matches!(ended, Ended::Skipped(_)) {
        shared.metrics.observe_reconcile(&app, elapsed);
        shared.metrics.sync_result(&app, ended.word());
        if let Some(r) = job.received {
            shared
                .metrics
                .observe_trigger_latency(r.elapsed().as_secs_f64());
        }
        shared.status.app(&app, |s| {
            s.last_result = Some(ended.word().to_owned());
            s.last_sync = Some(crate::history::now_rfc3339());
            // A rollback keeps the reason it wrote: the app runs an older revision than Git's.
            if !matches!(ended, Ended::Failed { .. } | Ended::RolledBack { .. }) {
                s.last_error = None;
                s.failures = 0;
            }
        });
    }
    tracing::info!(parent: &span, app = %app, result = ended.word(), seconds = elapsed, "reconcile ended");
    ended
}

type Failure = (String, StepError);

async fn run(shared: &Shared, job: &Job) -> Result<Ended, Failure> {
    let app = &job.app;
    let env = &job.env;
    let no_key = |e: StepError| (String::new(), e);
    // The controller entered `Fetching` when it dispatched the job.
    let fetched = shared.fetcher.fetch_app(app).await.map_err(|e| {
        shared.metrics.git_fetch_error();
        no_key(fail(Phase::Fetching)(e.to_string()))
    })?;
    for w in &fetched.warnings {
        tracing::warn!(app = %app.name, "{w}");
    }
    let sources = fetched.sources;
    let cluster = &shared.cluster;
    let is_chart = matches!(app.source, syncd_config::SourceSpec::Helm { .. });
    let release = if is_chart {
        Some(
            engine::read_release(cluster, &env.state_namespace, &env.name, &app.name)
                .await
                .map_err(|e| no_key(fail(Phase::Fetching)(e.to_string())))?,
        )
    } else {
        None
    };
    let root = &job.checkout.root;
    let Fingerprint { key, cacheable } =
        fingerprint(app, &sources, root, release, &shared.capabilities_key()).map_err(|e| {
            no_key(fail(Phase::Fetching)(format!(
                "reading the inputs of {}: {e}",
                app.name
            )))
        })?;
    let decision = shared.machine(&app.name, |m| Ok(m.decide(&key, Instant::now())));
    match decision {
        Ok(Decision::Run) => {}
        Ok(other) => {
            shared.leave(&app.name);
            return Ok(Ended::Skipped(other));
        }
        Err(e) => return Err((key, fail(Phase::Fetching)(e.to_string()))),
    }
    let with_key = |e: StepError| (key.clone(), e);

    // Render, or take the cached render of the same inputs.
    let cached = shared.cached(&app.name, &key);
    let inputs_changed = cached.as_ref().is_none_or(|c| !c.applied_ok);
    if !job.force_plan && !inputs_changed {
        shared.enter(&app.name, Phase::Planning);
        shared.finish(&app.name);
        return Ok(Ended::Unchanged);
    }
    let rendered = match cached.filter(|_| cacheable) {
        Some(c) => c.rendered,
        None => {
            shared.enter(&app.name, Phase::Rendering);
            let caps = shared.capabilities();
            let lookup = engine::ClusterLookup::new(cluster);
            let mut releases = std::collections::HashMap::new();
            if let Some(r) = release {
                releases.insert(app.name.clone(), r);
            }
            let ctx = RenderContext {
                capabilities: caps,
                host: &lookup,
                releases,
                render_twice: true,
            };
            // Templates run synchronously and `lookup` blocks on the client: keep the other
            // apps' tasks off this worker.
            let rendered = tokio::task::block_in_place(|| render_app(app, &sources, root, &ctx))
                .map_err(|e| with_key(fail(Phase::Rendering)(e.to_string())))?;
            shared
                .check_ownership(&app.name, &rendered)
                .map_err(|e| with_key(fail(Phase::Rendering)(e)))?;
            rendered
        }
    };
    shared.store(
        &app.name,
        CachedRender {
            key: key.clone(),
            rendered: rendered.clone(),
            applied_ok: false,
        },
    );

    shared.enter(&app.name, Phase::Planning);
    let target = Target::of(env, app);
    let plan = plan_rendered(cluster, target, rendered, PruneOverrides::default())
        .await
        .map_err(|e| with_key(fail(Phase::Planning)(e.to_string())))?;
    if !plan.has_changes() {
        shared.set_drift(&app.name, Vec::new());
        shared.mark_applied(&app.name, &key);
        // One look per object only when the health is not known yet (after a start): a poll's
        // resync of thousands of unchanged objects must not cost a GET each.
        let unknown = shared
            .status
            .app(&app.name, |s| s.health == super::status::AppHealth::Unknown);
        if unknown {
            let health = shared
                .health(&super::shared::watched(&plan), Duration::ZERO)
                .await;
            shared.status.app(&app.name, |s| s.health = health.health);
        }
        shared.finish(&app.name);
        return Ok(Ended::Unchanged);
    }
    let drifted: Vec<String> = plan.diffs().iter().map(|d| d.id.to_string()).collect();
    if reports_instead_of_applying(app.policy.self_heal, inputs_changed) {
        shared.set_drift(&app.name, drifted.clone());
        shared
            .event_app(
                env,
                &app.name,
                EventType::Warning,
                REASON_DRIFT_DETECTED,
                &format!(
                    "{} objects differ from Git: {}",
                    drifted.len(),
                    drifted.join(", ")
                ),
            )
            .await;
        shared.mark_applied(&app.name, &key);
        shared.finish(&app.name);
        return Ok(Ended::DriftReported { objects: drifted });
    }
    if *shared.shutdown.borrow() {
        shared.leave(&app.name);
        return Err((
            key,
            fail(Phase::Planning)("shutting down before the apply".into()),
        ));
    }

    shared.enter(&app.name, Phase::Applying);
    let watched = super::shared::watched(&plan);
    let api_versions = super::shared::api_versions(&plan);
    let provenance = Provenance {
        commit: job.checkout.commit.clone(),
        dirty: false,
        rollback_of: None,
        sources: sources.records(),
    };
    let report = apply(shared, plan, provenance)
        .await
        .map_err(|e| with_key(fail(Phase::Applying)(e)))?;
    shared
        .report_events(&app.name, &report, &api_versions, job.drift_only)
        .await;
    let revision = report.revision.as_ref().map(|r| r.number);
    if let Some(n) = revision {
        tracing::Span::current().record("revision", n);
    }
    if !report.succeeded() {
        let message = match report.outcome() {
            crate::history::Outcome::Failed { message } => message,
            crate::history::Outcome::Succeeded => "failed".into(),
        };
        return Err((key, fail(Phase::Applying)(message)));
    }
    shared.set_drift(&app.name, Vec::new());
    shared.status.app(&app.name, |s| {
        s.revision = revision.or(s.revision);
        s.commit = job.checkout.commit.clone();
    });
    if let (Some(commit), Some(rev)) = (&job.checkout.commit, revision) {
        shared.metrics.set_applied(&app.name, commit, rev);
    }

    shared.enter(&app.name, Phase::WaitingForHealth);
    let health = shared.health(&watched, app.policy.health_timeout).await;
    if let Some(n) = revision {
        if let Err(e) = engine::mark_revision_health(
            cluster,
            &env.state_namespace,
            &env.name,
            &app.name,
            n,
            health.healthy,
        )
        .await
        {
            tracing::warn!(app = %app.name, error = %e, "could not mark the revision's health");
        }
    }
    shared.status.app(&app.name, |s| s.health = health.health);
    if health.healthy {
        shared.mark_applied(&app.name, &key);
        shared.finish(&app.name);
        return Ok(Ended::Synced { revision });
    }
    if !app.policy.auto_rollback {
        return Err((key, fail(Phase::WaitingForHealth)(health.summary)));
    }
    // The rollback writes objects that differ from Git on purpose: stop comparing them with Git
    // before it writes, or its own applies are taken for drift (the next render of new inputs
    // puts the app back under watch).
    shared.forget_desired(&app.name);
    match rollback(shared, env, &app.name, revision).await {
        Ok(Some(Restored {
            to,
            revision: restored,
            commit: restored_commit,
        })) => {
            let reason = health.summary;
            shared
                .event_app(
                    env,
                    &app.name,
                    EventType::Warning,
                    REASON_ROLLED_BACK,
                    &format!(
                        "revision {} was unhealthy ({reason}); rolled back to revision {to}",
                        revision.unwrap_or(0)
                    ),
                )
                .await;
            let _ = shared.machine(&app.name, |m| m.rolled_back(&key));
            // Pinned like a manual rollback: not re-applied until a new commit or `syncd resume`,
            // across restarts too.
            let pin = crate::history::Pin {
                app: app.name.clone(),
                from_commit: job.checkout.commit.clone(),
                revision: to,
                time: crate::history::now_rfc3339(),
            };
            let pinned = match engine::write_pin(cluster, &env.state_namespace, &env.name, &pin)
                .await
            {
                Ok(()) => pin.from_commit,
                Err(e) => {
                    tracing::warn!(app = %app.name, error = %e, "could not pin the rolled-back app");
                    None
                }
            };
            // What runs now is the restored revision, recorded anew, from its own commit.
            shared.status.app(&app.name, |s| {
                s.last_error = Some(format!("rolled back to revision {to}: {reason}"));
                s.pinned_from = pinned;
                s.revision = restored.or(s.revision);
                s.commit = restored_commit;
            });
            Ok(Ended::RolledBack {
                from: revision,
                to,
                reason,
            })
        }
        Ok(None) => Err((
            key,
            fail(Phase::WaitingForHealth)(format!(
                "{}; no earlier healthy revision to roll back to",
                health.summary
            )),
        )),
        Err(e) => Err((
            key,
            fail(Phase::WaitingForHealth)(format!("{}; the rollback failed: {e}", health.summary)),
        )),
    }
}

/// Whether a planned change is drift to report rather than apply: the app's policy says report,
/// and its inputs are the ones already applied, so every difference is a live edit — whatever
/// asked for the reconcile (drift, and also a poll's resync, which would otherwise undo the edit
/// at the next poll). New inputs are applied: that is Git changing, not drift.
fn reports_instead_of_applying(self_heal: SelfHeal, inputs_changed: bool) -> bool {
    self_heal == SelfHeal::Report && !inputs_changed
}

/// Executes a plan with the daemon's hook timeout.
async fn apply(
    shared: &Shared,
    plan: AppPlan,
    provenance: Provenance,
) -> Result<SyncReport, String> {
    let options = ExecuteOptions {
        hook_timeout: shared.hook_timeout(),
    };
    let tick = |_: &ObjectId| {};
    execute_with(&shared.cluster, plan, provenance, options, &tick)
        .await
        .map_err(|e| e.to_string())
}

/// What an automatic rollback restored.
struct Restored {
    /// The healthy revision re-applied.
    to: u64,
    /// The revision the rollback recorded.
    revision: Option<u64>,
    /// The commit of revision `to`.
    commit: Option<String>,
}

/// Rolls env/app back to the newest healthy revision before `from`; `None` when there is none.
async fn rollback(
    shared: &Shared,
    env: &ResolvedEnv,
    app: &str,
    from: Option<u64>,
) -> Result<Option<Restored>, String> {
    let cluster = &shared.cluster;
    let revisions = engine::list_revisions(cluster, &env.state_namespace, &env.name, app)
        .await
        .map_err(|e| e.to_string())?;
    let newest = revisions.last().map(|(r, _)| r.number).unwrap_or(0);
    let Some(to) = crate::history::last_healthy(&revisions, from.unwrap_or(newest + 1)) else {
        return Ok(None);
    };
    shared.enter(app, Phase::Applying);
    let planned = engine::plan_rollback_to(
        cluster,
        &env.state_namespace,
        &env.name,
        app,
        Some(to),
        PruneOverrides::default(),
    )
    .await
    .map_err(|e| e.to_string())?;
    let commit = planned.provenance.commit.clone();
    let report = apply(shared, planned.plan, planned.provenance).await?;
    if !report.succeeded() {
        return Err(format!("{:?}", report.outcome()));
    }
    if let Some(r) = &report.revision {
        // The restored revision was healthy before; mark it so a later rollback can use it.
        let _ = engine::mark_revision_health(
            cluster,
            &env.state_namespace,
            &env.name,
            app,
            r.number,
            true,
        )
        .await;
    }
    Ok(Some(Restored {
        to,
        revision: report.revision.as_ref().map(|r| r.number),
        commit,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_only_app_is_not_healed_by_a_poll() {
        // Unchanged inputs: drift and a poll's resync alike only report (a poll used to apply).
        assert!(reports_instead_of_applying(SelfHeal::Report, false));
        // A new commit is applied even under `report`.
        assert!(!reports_instead_of_applying(SelfHeal::Report, true));
        assert!(!reports_instead_of_applying(SelfHeal::Heal, false));
    }
}
