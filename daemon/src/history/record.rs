//! Encoding of one revision as a Secret and back, with checksum verification. Pure.

use std::io::{Read, Write};

use base64::Engine as _;
use flate2::{read::GzDecoder, write::GzEncoder, Compression};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::object::{LABEL_APP, LABEL_ENV, LABEL_STATE};

const META_KEY: &str = "revision.json";
const MANIFESTS_KEY: &str = "manifests.json.gz";
const LABEL_REVISION: &str = "syncd.io/revision";

/// How a sync ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum Outcome {
    /// Every object applied and every permitted prune done.
    Succeeded,
    /// Some objects failed; the message summarises.
    Failed {
        /// Summary of what failed.
        message: String,
    },
}

/// Object counts of one sync.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Objects in the revision.
    pub objects: usize,
    /// Created.
    pub created: usize,
    /// Updated in place.
    pub updated: usize,
    /// Deleted and created again (immutable changes).
    pub recreated: usize,
    /// Pruned.
    pub pruned: usize,
    /// Left as they were.
    pub unchanged: usize,
    /// Failed to apply or prune.
    pub failed: usize,
}

/// A revision's metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    /// 1-based, increasing per env/app.
    pub number: u64,
    /// RFC 3339 time of the sync.
    pub time: String,
    /// Git commit of the repo, when it was a checkout.
    pub commit: Option<String>,
    /// The checkout had uncommitted changes.
    #[serde(default)]
    pub dirty: bool,
    /// Counts.
    pub counts: Counts,
    /// Result.
    pub outcome: Outcome,
    /// Set when this revision re-applied an earlier one.
    pub rollback_of: Option<u64>,
    /// SHA-256 of the uncompressed manifests.
    pub sha256: String,
    /// The sync policy in force, so a rollback needs no Git checkout.
    #[serde(default)]
    pub policy: Option<PolicySnapshot>,
    /// Every remote source the render read, pinned (chart digest, extra sources' commits).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceRecord>,
}

/// One remote source of a revision, pinned to what was rendered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceRecord {
    /// `chart` for the app's chart, else the extra source's name.
    pub name: String,
    /// The URL, without credentials.
    pub url: String,
    /// The commit or `sha256:` digest.
    pub pinned: String,
}

/// The parts of an app's sync policy a rollback needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicySnapshot {
    /// Prune on/off.
    pub prune: bool,
    /// Force conflicts.
    pub force_conflicts: bool,
    /// History limit.
    pub history_limit: u32,
    /// Prune budget: percent.
    pub max_prune_percent: u32,
    /// Prune budget: objects.
    pub max_prune_objects: u32,
    /// Recreate on immutable changes (else fail).
    pub recreate_immutable: bool,
}

impl PolicySnapshot {
    /// Snapshot of a policy.
    pub fn of(p: &syncd_config::SyncPolicy) -> PolicySnapshot {
        PolicySnapshot {
            prune: p.prune,
            force_conflicts: p.force_conflicts,
            history_limit: p.history_limit,
            max_prune_percent: p.prune_budget.max_percent,
            max_prune_objects: p.prune_budget.max_objects,
            recreate_immutable: p.immutable == syncd_config::ImmutablePolicy::Recreate,
        }
    }

    /// The policy again.
    pub fn to_policy(&self) -> syncd_config::SyncPolicy {
        syncd_config::SyncPolicy {
            prune: self.prune,
            force_conflicts: self.force_conflicts,
            history_limit: self.history_limit,
            prune_budget: syncd_config::PruneBudget {
                max_percent: self.max_prune_percent,
                max_objects: self.max_prune_objects,
            },
            immutable: if self.recreate_immutable {
                syncd_config::ImmutablePolicy::Recreate
            } else {
                syncd_config::ImmutablePolicy::Fail
            },
            // Daemon-only settings are not part of a revision: the app's current ones apply.
            ..syncd_config::SyncPolicy::default()
        }
    }
}

/// Why a stored revision cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// A key is missing from the Secret.
    #[error("history Secret {name} has no `{key}`")]
    Missing {
        /// Secret name.
        name: String,
        /// Missing key.
        key: &'static str,
    },
    /// Bytes do not decode.
    #[error("history Secret {name} is corrupt: {detail}")]
    Corrupt {
        /// Secret name.
        name: String,
        /// What failed.
        detail: String,
    },
    /// The manifests do not match their checksum.
    #[error("history Secret {name} fails its checksum (stored {stored}, computed {computed})")]
    Checksum {
        /// Secret name.
        name: String,
        /// Checksum recorded at write time.
        stored: String,
        /// Checksum of what was read.
        computed: String,
    },
}

/// Secret name of revision `number`.
pub fn secret_name(env: &str, app: &str, number: u64) -> String {
    format!("syncd-history-{env}-{app}-v{number}")
}

/// Label selector matching every revision of env/app.
pub fn history_selector(env: &str, app: &str) -> String {
    format!("{LABEL_STATE}=history,{LABEL_ENV}={env},{LABEL_APP}={app}")
}

/// Builds the Secret for a revision. `revision.sha256` is filled in here.
pub fn encode(
    env: &str,
    app: &str,
    namespace: &str,
    mut revision: Revision,
    manifests: &[Value],
) -> (Revision, Value) {
    let raw = serde_json::to_vec(manifests).expect("manifests serialise");
    revision.sha256 = hex::encode(Sha256::digest(&raw));
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(&raw).expect("in-memory gzip");
    let compressed = gz.finish().expect("in-memory gzip");
    let b64 = base64::engine::general_purpose::STANDARD;
    let meta = serde_json::to_vec(&revision).expect("revision serialises");
    let secret = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "syncd.io/revision",
        "metadata": {
            "name": secret_name(env, app, revision.number),
            "namespace": namespace,
            "labels": {
                "app.kubernetes.io/managed-by": "syncd",
                LABEL_STATE: "history",
                LABEL_ENV: env,
                LABEL_APP: app,
                LABEL_REVISION: revision.number.to_string(),
            },
        },
        "data": {
            META_KEY: b64.encode(meta),
            MANIFESTS_KEY: b64.encode(compressed),
        },
    });
    (revision, secret)
}

fn data_bytes(secret: &Value, key: &'static str) -> Result<Vec<u8>, HistoryError> {
    let name = secret_name_of(secret);
    let text = secret
        .get("data")
        .and_then(|d| d.get(key))
        .and_then(Value::as_str)
        .ok_or_else(|| HistoryError::Missing {
            name: name.clone(),
            key,
        })?;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| HistoryError::Corrupt {
            name,
            detail: e.to_string(),
        })
}

fn secret_name_of(secret: &Value) -> String {
    crate::object::str_at(secret, &["metadata", "name"])
        .unwrap_or("?")
        .to_string()
}

/// Reads only a revision's metadata (for listing).
pub fn decode_meta(secret: &Value) -> Result<Revision, HistoryError> {
    let meta = data_bytes(secret, META_KEY)?;
    serde_json::from_slice(&meta).map_err(|e| HistoryError::Corrupt {
        name: secret_name_of(secret),
        detail: e.to_string(),
    })
}

/// Reads a revision and its manifests, verifying the checksum.
pub fn decode(secret: &Value) -> Result<(Revision, Vec<Value>), HistoryError> {
    let name = secret_name_of(secret);
    let revision = decode_meta(secret)?;
    let compressed = data_bytes(secret, MANIFESTS_KEY)?;
    let mut raw = Vec::new();
    GzDecoder::new(&compressed[..])
        .read_to_end(&mut raw)
        .map_err(|e| HistoryError::Corrupt {
            name: name.clone(),
            detail: e.to_string(),
        })?;
    let computed = hex::encode(Sha256::digest(&raw));
    if computed != revision.sha256 {
        return Err(HistoryError::Checksum {
            name,
            stored: revision.sha256,
            computed,
        });
    }
    let manifests = serde_json::from_slice(&raw).map_err(|e| HistoryError::Corrupt {
        name,
        detail: e.to_string(),
    })?;
    Ok((revision, manifests))
}

/// Revision numbers to delete so that at most `limit` remain (the oldest go first).
pub fn revisions_to_trim(mut numbers: Vec<u64>, limit: u32) -> Vec<u64> {
    numbers.sort_unstable();
    let keep = (limit.max(1)) as usize;
    if numbers.len() <= keep {
        return Vec::new();
    }
    numbers.truncate(numbers.len() - keep);
    numbers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(n: u64) -> Revision {
        Revision {
            number: n,
            time: "2026-11-21T19:50:00Z".into(),
            commit: Some("abc123".into()),
            dirty: false,
            counts: Counts {
                objects: 2,
                created: 2,
                ..Counts::default()
            },
            outcome: Outcome::Succeeded,
            rollback_of: None,
            sha256: String::new(),
            policy: Some(PolicySnapshot::of(&syncd_config::SyncPolicy::default())),
            sources: vec![SourceRecord {
                name: "code".into(),
                url: "https://git.example.com/ml/train.git".into(),
                pinned: "0123456789abcdef0123456789abcdef01234567".into(),
            }],
        }
    }

    #[test]
    fn round_trips_manifests_exactly() {
        let manifests = vec![
            json!({"apiVersion": "v1", "kind": "Secret", "stringData": {"k": "s3cr3t"}}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": 3}}),
        ];
        let (rev, secret) = encode("dev", "gw", "syncd-system", revision(3), &manifests);
        assert_eq!(secret["metadata"]["name"], "syncd-history-dev-gw-v3");
        assert_eq!(secret["metadata"]["labels"]["syncd.io/revision"], "3");
        assert_eq!(rev.sha256.len(), 64);
        let (back, got) = decode(&secret).unwrap();
        assert_eq!(back, rev);
        assert_eq!(got, manifests);
    }

    #[test]
    fn tampered_manifests_fail_the_checksum() {
        let (_, mut secret) = encode("dev", "gw", "s", revision(1), &[json!({"a": 1})]);
        let (_, other) = encode("dev", "gw", "s", revision(1), &[json!({"a": 2})]);
        secret["data"][MANIFESTS_KEY] = other["data"][MANIFESTS_KEY].clone();
        assert!(matches!(
            decode(&secret),
            Err(HistoryError::Checksum { .. })
        ));
    }

    #[test]
    fn trims_oldest_beyond_limit() {
        assert_eq!(revisions_to_trim(vec![3, 1, 2, 5, 4], 3), vec![1, 2]);
        assert!(revisions_to_trim(vec![1, 2], 10).is_empty());
        assert_eq!(
            revisions_to_trim(vec![1, 2], 0),
            vec![1],
            "at least one is kept"
        );
    }
}
