//! syncd's own state in the cluster: the inventory ConfigMap and the history Secrets of each
//! env/app, kept in the environment's state namespace.

use serde_json::{json, Value};

use crate::cluster::{Cluster, ResourceInfo};
use crate::history::{self, Revision};
use crate::inventory::Inventory;

use super::error::{at, EngineError};

/// Reads the inventory; a missing one is empty, an unreadable one is an error (fail closed).
pub async fn read_inventory(
    cluster: &Cluster,
    state_ns: &str,
    env: &str,
    app: &str,
) -> Result<Inventory, EngineError> {
    let name = Inventory::object_name(env, app);
    let cm = cluster
        .get(
            &ResourceInfo::core("ConfigMap", "configmaps", true),
            Some(state_ns),
            &name,
        )
        .await
        .map_err(at(format!("reading inventory {state_ns}/{name}")))?;
    match cm {
        None => Ok(Inventory::default()),
        Some(cm) => Inventory::from_configmap(&cm)
            .map_err(|source| EngineError::InventoryUnreadable { name, source }),
    }
}

/// Every inventory ConfigMap of `env` in `state_ns` (one per app synced there).
pub async fn list_inventories(
    cluster: &Cluster,
    state_ns: &str,
    env: &str,
) -> Result<Vec<Value>, EngineError> {
    cluster
        .list(
            &ResourceInfo::core("ConfigMap", "configmaps", true),
            Some(state_ns),
            Some(&Inventory::env_selector(env)),
        )
        .await
        .map_err(at(format!("listing inventories of {env} in {state_ns}")))
}

/// Creates the state namespace when it does not exist yet.
pub async fn ensure_namespace(cluster: &Cluster, ns: &str) -> Result<(), EngineError> {
    let ri = ResourceInfo::core("Namespace", "namespaces", false);
    if cluster
        .get(&ri, None, ns)
        .await
        .map_err(at(format!("reading namespace {ns}")))?
        .is_none()
    {
        let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
        cluster
            .apply(&ri, &obj, false, true)
            .await
            .map_err(at(format!("creating state namespace {ns}")))?;
    }
    Ok(())
}

/// Stores the inventory.
pub async fn write_inventory(
    cluster: &Cluster,
    state_ns: &str,
    env: &str,
    app: &str,
    inventory: &Inventory,
) -> Result<(), EngineError> {
    let cm = inventory.to_configmap(env, app, state_ns);
    cluster
        .apply(
            &ResourceInfo::core("ConfigMap", "configmaps", true),
            &cm,
            false,
            true,
        )
        .await
        .map_err(at(format!("writing inventory of {env}/{app}")))?;
    Ok(())
}

/// Every stored revision of env/app (Secrets), newest last.
pub async fn list_revisions(
    cluster: &Cluster,
    state_ns: &str,
    env: &str,
    app: &str,
) -> Result<Vec<(Revision, Value)>, EngineError> {
    let secrets = cluster
        .list(
            &ResourceInfo::core("Secret", "secrets", true),
            Some(state_ns),
            Some(&history::history_selector(env, app)),
        )
        .await
        .map_err(at(format!("listing history of {env}/{app}")))?;
    let mut out = Vec::new();
    for s in secrets {
        let rev = history::decode_meta(&s)?;
        out.push((rev, s));
    }
    out.sort_by_key(|(r, _)| r.number);
    Ok(out)
}

/// Stores a new revision (numbered after the newest) and trims history to `limit`.
pub async fn record_revision(
    cluster: &Cluster,
    state_ns: &str,
    env: &str,
    app: &str,
    mut revision: Revision,
    manifests: &[Value],
    limit: u32,
) -> Result<Revision, EngineError> {
    let existing = list_revisions(cluster, state_ns, env, app).await?;
    revision.number = existing.last().map(|(r, _)| r.number + 1).unwrap_or(1);
    let (revision, secret) = history::encode(env, app, state_ns, revision, manifests);
    let ri = ResourceInfo::core("Secret", "secrets", true);
    cluster
        .apply(&ri, &secret, false, true)
        .await
        .map_err(at(format!(
            "recording revision {} of {env}/{app}",
            revision.number
        )))?;
    let mut numbers: Vec<u64> = existing.iter().map(|(r, _)| r.number).collect();
    numbers.push(revision.number);
    for n in history::revisions_to_trim(numbers, limit) {
        let name = history::secret_name(env, app, n);
        cluster
            .delete(&ri, Some(state_ns), &name, None, false)
            .await
            .map_err(at(format!("trimming history {name}")))?;
    }
    Ok(revision)
}

/// Marks revision `number` of env/app healthy or not, after the daemon waited for it.
pub async fn mark_revision_health(
    cluster: &Cluster,
    state_ns: &str,
    env: &str,
    app: &str,
    number: u64,
    healthy: bool,
) -> Result<(), EngineError> {
    let name = history::secret_name(env, app, number);
    cluster
        .merge_patch(
            &ResourceInfo::core("Secret", "secrets", true),
            Some(state_ns),
            &name,
            &history::health_patch(healthy),
        )
        .await
        .map_err(at(format!(
            "marking the health of revision {number} of {env}/{app}"
        )))?;
    Ok(())
}

/// Every pin of an environment, by app.
pub async fn read_pins(
    cluster: &Cluster,
    state_ns: &str,
    env: &str,
) -> Result<std::collections::HashMap<String, history::Pin>, EngineError> {
    let cms = cluster
        .list(
            &ResourceInfo::core("ConfigMap", "configmaps", true),
            Some(state_ns),
            Some(&history::pin_selector(env)),
        )
        .await
        .map_err(at(format!("listing pins of {env}")))?;
    Ok(cms
        .iter()
        .filter_map(history::decode_pin)
        .map(|p| (p.app.clone(), p))
        .collect())
}

/// Pins env/app (after a manual rollback).
pub async fn write_pin(
    cluster: &Cluster,
    state_ns: &str,
    env: &str,
    pin: &history::Pin,
) -> Result<(), EngineError> {
    ensure_namespace(cluster, state_ns).await?;
    cluster
        .apply(
            &ResourceInfo::core("ConfigMap", "configmaps", true),
            &history::pin_configmap(env, state_ns, pin),
            false,
            true,
        )
        .await
        .map_err(at(format!("pinning {env}/{}", pin.app)))?;
    Ok(())
}

/// Lifts the pin of env/app; no pin is not an error.
pub async fn delete_pin(
    cluster: &Cluster,
    state_ns: &str,
    env: &str,
    app: &str,
) -> Result<(), EngineError> {
    cluster
        .delete(
            &ResourceInfo::core("ConfigMap", "configmaps", true),
            Some(state_ns),
            &history::pin_name(env, app),
            None,
            false,
        )
        .await
        .map_err(at(format!("lifting the pin of {env}/{app}")))?;
    Ok(())
}
