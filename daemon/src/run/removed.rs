//! Apps that left the environment: their inventories are still in the cluster, so their objects
//! are pruned through the prune stage — under their last revision's policy and prune budget —
//! once the environment that no longer lists them has loaded cleanly.

use syncd_config::ResolvedEnv;

use super::events::{EventType, REASON_PRUNE_REFUSED};
use super::shared::Shared;
use crate::engine::{execute, plan_removal, removed_apps, Provenance, PruneOverrides};
use crate::object::ObjectId;

/// Prunes every app of `env` that has objects in its inventory but is no longer listed.
pub async fn sweep(shared: &Shared, env: &ResolvedEnv) {
    let cluster = &shared.cluster;
    let listed: Vec<String> = env.apps.iter().map(|a| a.name.clone()).collect();
    let removed = match removed_apps(cluster, &env.state_namespace, &env.name, &listed).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "cannot tell which apps left the environment; nothing pruned");
            return;
        }
    };
    for app in removed {
        let plan = match plan_removal(
            cluster,
            &env.state_namespace,
            &env.name,
            &app,
            PruneOverrides::default(),
        )
        .await
        {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(app = %app, error = %e, "cannot plan the removal of an app");
                continue;
            }
        };
        if let Some(refused) = &plan.prune.refused {
            let note = format!(
                "{app} left the environment but its prune was refused: {refused}; raise its pruneBudget or run `syncd sync --allow-prune-over-budget`"
            );
            tracing::warn!(app = %app, "{note}");
            shared
                .event_app(env, &app, EventType::Warning, REASON_PRUNE_REFUSED, &note)
                .await;
            continue;
        }
        let api_versions = super::shared::api_versions(&plan);
        let tick = |_: &ObjectId| {};
        match execute(cluster, plan, Provenance::default(), &tick).await {
            Ok(report) => {
                tracing::info!(app = %app, pruned = report.counts.pruned, "app left the environment: pruned");
                shared
                    .report_events(&app, &report, &api_versions, false)
                    .await;
            }
            Err(e) => tracing::warn!(app = %app, error = %e, "pruning a removed app failed"),
        }
    }
}
