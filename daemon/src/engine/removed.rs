//! Apps that left an environment. Their entry in Git is gone, so the only record of what they
//! own is their inventory in the state namespace: syncd finds those inventories by label and
//! plans a prune of everything in them, under the policy the app was last synced with.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use crate::cluster::Cluster;
use crate::inventory::{Inventory, InventoryError};
use crate::object::LABEL_APP;

use super::error::EngineError;
use super::{plan_once, state, AppPlan, PruneOverrides, Target};

/// Apps of `env` with a non-empty inventory in `state_ns` that `listed` does not name, sorted.
pub async fn removed_apps(
    cluster: &Cluster,
    state_ns: &str,
    env: &str,
    listed: &[String],
) -> Result<Vec<String>, EngineError> {
    let inventories = state::list_inventories(cluster, state_ns, env).await?;
    unlisted_with_objects(&inventories, listed)
        .map_err(|(name, source)| EngineError::InventoryUnreadable { name, source })
}

/// The pure choice behind [`removed_apps`]: inventories that still hold objects, of apps not
/// listed. An unreadable inventory is an error (its ConfigMap name and why), not "nothing to
/// prune": fail closed.
fn unlisted_with_objects(
    inventories: &[Value],
    listed: &[String],
) -> Result<Vec<String>, (String, InventoryError)> {
    let mut out = BTreeSet::new();
    for cm in inventories {
        let Some(app) = cm["metadata"]["labels"][LABEL_APP].as_str() else {
            continue;
        };
        if listed.iter().any(|l| l == app) {
            continue;
        }
        let inventory = Inventory::from_configmap(cm).map_err(|source| {
            let name = cm["metadata"]["name"].as_str().unwrap_or_default();
            (name.to_string(), source)
        })?;
        if !inventory.entries.is_empty() {
            out.insert(app.to_string());
        }
    }
    Ok(out.into_iter().collect())
}

/// Plans removing `app` from `env`: nothing is desired, so everything its inventory holds is a
/// prune candidate, under the policy of its newest revision (the app's own definition may be gone
/// from Git; `prune: false` keeps every object). The empty render is the intent here, so
/// `allow_empty` is implied; the prune budget still applies unless `overrides` lifts it.
pub async fn plan_removal(
    cluster: &Cluster,
    state_namespace: &str,
    env: &str,
    app: &str,
    overrides: PruneOverrides,
) -> Result<AppPlan, EngineError> {
    let revisions = state::list_revisions(cluster, state_namespace, env, app).await?;
    let policy = revisions.last().and_then(|(r, _)| r.policy.as_ref());
    let target = Target::from_history(state_namespace, env, app, policy);
    let overrides = PruneOverrides {
        allow_empty: true,
        ..overrides
    };
    let span = tracing::info_span!("plan", env = %env, app = %app, removal = true);
    use tracing::Instrument;
    plan_once(
        cluster,
        target,
        (Vec::new(), Vec::new()),
        HashMap::new(),
        None,
        overrides,
    )
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Entry;
    use crate::object::ObjectId;

    fn inventory(app: &str, objects: &[&str]) -> Value {
        let mut inv = Inventory::default();
        for name in objects {
            inv.entries.insert(
                ObjectId {
                    group: String::new(),
                    kind: "ConfigMap".into(),
                    namespace: Some("ns".into()),
                    name: name.to_string(),
                },
                Entry {
                    api_version: "v1".into(),
                    hash: "h".into(),
                },
            );
        }
        inv.to_configmap("dev", app, "state")
    }

    #[test]
    fn app_removed_from_the_environment_is_found_by_its_inventory() {
        let inventories = [
            inventory("kept", &["a"]),
            inventory("gone", &["b", "c"]),
            // Already pruned once: nothing left to do for it.
            inventory("emptied", &[]),
        ];
        let listed = ["kept".to_string()];
        assert_eq!(
            unlisted_with_objects(&inventories, &listed).unwrap(),
            ["gone"]
        );
        assert!(
            unlisted_with_objects(&inventories, &["kept".into(), "gone".into()])
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn unreadable_inventory_of_a_removed_app_is_an_error() {
        let mut cm = inventory("gone", &["b"]);
        cm["data"]["inventory.json"] = Value::String("{not json".into());
        let (name, _) = unlisted_with_objects(&[cm], &[]).unwrap_err();
        assert_eq!(name, "syncd-inventory-dev-gone");
    }
}
