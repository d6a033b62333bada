//! Apps that left the environment: their inventories are still in the cluster, so their objects
//! are pruned (through the same prune stage, with its safety rules) once the environment that no
//! longer lists them has loaded cleanly.

use std::collections::BTreeSet;

use syncd_config::{ResolvedEnv, SyncPolicy};

use super::shared::Shared;
use crate::cluster::ResourceInfo;
use crate::engine::{execute, plan_app, Provenance, PruneOverrides, Target};
use crate::inventory::Inventory;
use crate::object::{str_at, ObjectId, LABEL_APP, LABEL_ENV};

/// Prunes every app of `env` that has an inventory but is no longer listed.
pub async fn sweep(shared: &Shared, env: &ResolvedEnv) {
    let cluster = &shared.cluster;
    let selector = format!("syncd.io/state=inventory,{LABEL_ENV}={}", env.name);
    let cms = match cluster
        .list(
            &ResourceInfo::core("ConfigMap", "configmaps", true),
            Some(&env.state_namespace),
            Some(&selector),
        )
        .await
    {
        Ok(cms) => cms,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list inventories; no removed app is pruned this round");
            return;
        }
    };
    let listed: BTreeSet<&str> = env.apps.iter().map(|a| a.name.as_str()).collect();
    for cm in cms {
        let Some(app) = str_at(&cm, &["metadata", "labels", LABEL_APP]) else {
            continue;
        };
        if listed.contains(app) {
            continue;
        }
        let Ok(inventory) = Inventory::from_configmap(&cm) else {
            tracing::warn!(
                app,
                "inventory of a removed app is unreadable; nothing pruned"
            );
            continue;
        };
        if inventory.entries.is_empty() {
            continue;
        }
        let target = Target {
            env: env.name.clone(),
            app: app.to_owned(),
            state_namespace: env.state_namespace.clone(),
            policy: SyncPolicy::default(),
        };
        // Taking the app out of the environment is the request to delete all of it.
        let overrides = PruneOverrides {
            allow_empty: true,
            allow_over_budget: true,
        };
        let plan = match plan_app(cluster, target, Vec::new(), overrides).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(app, error = %e, "cannot plan the removal of an app");
                continue;
            }
        };
        let ids: Vec<ObjectId> = plan.prune.delete.iter().map(|t| t.id.clone()).collect();
        let tick = |_: &ObjectId| {};
        match execute(cluster, plan, Provenance::default(), &tick).await {
            Ok(report) => {
                tracing::info!(
                    app,
                    pruned = report.counts.pruned,
                    "app left the environment: pruned"
                );
                shared.report_events(env, app, &report, false).await;
                shared.status.update(|d| {
                    d.apps.remove(app);
                });
                let _ = ids;
            }
            Err(e) => tracing::warn!(app, error = %e, "pruning a removed app failed"),
        }
    }
}
