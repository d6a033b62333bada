//! Inventory bookkeeping: the set of objects syncd last applied for one env/app, with a content
//! hash per object, stored in the cluster as a ConfigMap. Pure encode/decode; IO lives elsewhere.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::object::{ObjectId, LABEL_APP, LABEL_ENV, LABEL_STATE};

/// Data key holding the encoded inventory.
const DATA_KEY: &str = "inventory.json";

/// What syncd knows about one object it applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// `apiVersion` it was applied with (needed to address it when it leaves Git).
    pub api_version: String,
    /// [`content_hash`] of the manifest as applied; empty when the last apply of it failed.
    pub hash: String,
}

/// The objects syncd applied last for one env/app.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inventory {
    /// Entries by identity.
    pub entries: BTreeMap<ObjectId, Entry>,
}

/// Why a stored inventory could not be used.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// The ConfigMap exists but holds no inventory.
    #[error("inventory ConfigMap has no `{DATA_KEY}` key")]
    MissingData,
    /// The stored JSON does not parse.
    #[error("inventory is corrupt: {0}")]
    Corrupt(String),
}

#[derive(Serialize, Deserialize)]
struct Stored {
    version: u32,
    objects: BTreeMap<String, Entry>,
}

impl Inventory {
    /// Name of the ConfigMap holding the inventory of `env`/`app`.
    pub fn object_name(env: &str, app: &str) -> String {
        format!("syncd-inventory-{env}-{app}")
    }

    /// Label selector of every inventory ConfigMap of `env` (one per app synced there).
    pub fn env_selector(env: &str) -> String {
        format!("{LABEL_STATE}=inventory,{LABEL_ENV}={env}")
    }

    /// The ConfigMap manifest that stores this inventory.
    pub fn to_configmap(&self, env: &str, app: &str, namespace: &str) -> Value {
        let stored = Stored {
            version: 1,
            objects: self
                .entries
                .iter()
                .map(|(id, e)| (id.key(), e.clone()))
                .collect(),
        };
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": Self::object_name(env, app),
                "namespace": namespace,
                "labels": {
                    "app.kubernetes.io/managed-by": "syncd",
                    LABEL_STATE: "inventory",
                    LABEL_ENV: env,
                    LABEL_APP: app,
                },
            },
            "data": { DATA_KEY: serde_json::to_string(&stored).expect("inventory serialises") },
        })
    }

    /// Decodes a stored inventory ConfigMap.
    pub fn from_configmap(cm: &Value) -> Result<Inventory, InventoryError> {
        let data = cm
            .get("data")
            .and_then(|d| d.get(DATA_KEY))
            .and_then(Value::as_str)
            .ok_or(InventoryError::MissingData)?;
        let stored: Stored =
            serde_json::from_str(data).map_err(|e| InventoryError::Corrupt(e.to_string()))?;
        let mut entries = BTreeMap::new();
        for (key, entry) in stored.objects {
            let id = ObjectId::from_key(&key)
                .ok_or_else(|| InventoryError::Corrupt(format!("bad object key {key:?}")))?;
            entries.insert(id, entry);
        }
        Ok(Inventory { entries })
    }
}

/// A stable hash of an object's content: SHA-256 over its JSON with keys sorted, so two renders
/// of the same object hash the same regardless of key order.
pub fn content_hash(obj: &Value) -> String {
    let mut hasher = Sha256::new();
    feed_canonical(obj, &mut hasher);
    hex::encode(&hasher.finalize()[..16])
}

fn feed_canonical(v: &Value, h: &mut Sha256) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<_> = map.keys().collect();
            keys.sort();
            h.update(b"{");
            for k in keys {
                h.update(serde_json::to_string(k).expect("string").as_bytes());
                h.update(b":");
                feed_canonical(&map[k], h);
                h.update(b",");
            }
            h.update(b"}");
        }
        Value::Array(items) => {
            h.update(b"[");
            for item in items {
                feed_canonical(item, h);
                h.update(b",");
            }
            h.update(b"]");
        }
        other => h.update(other.to_string().as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configmap_round_trip() {
        let mut inv = Inventory::default();
        inv.entries.insert(
            ObjectId::new("apps/v1", "Deployment", Some("ml"), "gw"),
            Entry {
                api_version: "apps/v1".into(),
                hash: "abc".into(),
            },
        );
        inv.entries.insert(
            ObjectId::new("v1", "Namespace", None, "ml"),
            Entry {
                api_version: "v1".into(),
                hash: String::new(),
            },
        );
        let cm = inv.to_configmap("dev", "gw", "syncd-system");
        assert_eq!(cm["metadata"]["name"], "syncd-inventory-dev-gw");
        assert_eq!(Inventory::from_configmap(&cm).unwrap(), inv);
    }

    #[test]
    fn corrupt_inventory_is_an_error_not_empty() {
        let cm = json!({"data": {"inventory.json": "{not json"}});
        assert!(matches!(
            Inventory::from_configmap(&cm),
            Err(InventoryError::Corrupt(_))
        ));
        assert!(matches!(
            Inventory::from_configmap(&json!({})),
            Err(InventoryError::MissingData)
        ));
    }

    #[test]
    fn hash_ignores_key_order_but_not_values() {
        let a: Value = serde_json::from_str(r#"{"a":1,"b":{"x":[1,2],"y":"z"}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"b":{"y":"z","x":[1,2]},"a":1}"#).unwrap();
        let c: Value = serde_json::from_str(r#"{"b":{"y":"z","x":[2,1]},"a":1}"#).unwrap();
        assert_eq!(content_hash(&a), content_hash(&b));
        assert_ne!(content_hash(&a), content_hash(&c));
    }
}
