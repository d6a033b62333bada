//! TEMPORARY contract stub (replaced by the config-model branch): the resolved model types the
//! pipeline consumes.
#![allow(missing_docs)]
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

pub struct Repo {
    pub root: PathBuf,
}
impl Repo {
    pub fn load(root: &Path) -> Result<Repo, ConfigError> {
        Ok(Repo { root: root.into() })
    }
    pub fn resolve(&self, _env: &str) -> Result<ResolvedEnv, ConfigError> {
        Err(ConfigError("stub".into()))
    }
}
#[derive(Clone, Debug)]
pub struct ResolvedEnv {
    pub name: String,
    pub kube_context: Option<String>,
    pub state_namespace: String,
    pub apps: Vec<ResolvedApp>,
}
#[derive(Clone, Debug)]
pub struct ResolvedApp {
    pub name: String,
    pub env: String,
    pub dir: PathBuf,
    pub source: SourceSpec,
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub policy: SyncPolicy,
}
#[derive(Clone, Debug)]
pub enum SourceSpec {
    Manifests { path: PathBuf, recurse: bool },
    Helm { chart: PathBuf, release_name: String, values_files: Vec<PathBuf>, values: Vec<serde_json::Value>, set: Vec<String> },
}
#[derive(Clone, Debug, PartialEq)]
pub struct SyncPolicy {
    pub prune: bool,
    pub force_conflicts: bool,
    pub history_limit: u32,
    pub prune_budget: PruneBudget,
    pub immutable: ImmutablePolicy,
}
impl Default for SyncPolicy {
    fn default() -> Self {
        SyncPolicy { prune: true, force_conflicts: true, history_limit: 10, prune_budget: PruneBudget { max_percent: 50, max_objects: 5 }, immutable: ImmutablePolicy::Recreate }
    }
}
#[derive(Clone, Debug, PartialEq)]
pub struct PruneBudget {
    pub max_percent: u32,
    pub max_objects: u32,
}
impl PruneBudget {
    pub fn exceeded(&self, deletes: usize, previous: usize) -> bool {
        deletes > self.max_objects as usize && deletes * 100 > previous * self.max_percent as usize
    }
}
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImmutablePolicy {
    Recreate,
    Fail,
}
