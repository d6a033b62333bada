//! The file formats as written: serde structs for `app.yaml` and `environments/<env>.yaml`.
//!
//! Every struct denies unknown fields, so a typo is an error with its line, never ignored.
//! Optional fields stay `Option` here; defaults are applied by `validate`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::policy::{ImmutablePolicy, SelfHeal};

/// `apps/<app>/app.yaml`.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    rename = "App",
    expecting = "an App document (a mapping)"
)]
pub(crate) struct RawApp {
    pub api_version: String,
    pub kind: String,
    pub metadata: RawMetadata,
    pub spec: RawAppSpec,
}

/// `metadata` of both kinds.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename = "metadata",
    expecting = "a metadata mapping"
)]
pub(crate) struct RawMetadata {
    pub name: String,
}

/// `spec` of an App.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    rename = "spec",
    expecting = "a spec mapping"
)]
pub(crate) struct RawAppSpec {
    pub description: Option<String>,
    pub source: RawSource,
    pub sources: Option<BTreeMap<String, RawExtraSource>>,
    pub namespace: Option<String>,
    pub sync_policy: Option<RawSyncPolicy>,
}

/// `spec.source`: exactly one of the two.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "source", expecting = "a source mapping")]
pub(crate) struct RawSource {
    pub manifests: Option<RawManifests>,
    pub helm: Option<RawHelm>,
}

/// `spec.source.manifests`.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename = "manifests",
    expecting = "a manifests mapping"
)]
pub(crate) struct RawManifests {
    pub path: String,
    pub recurse: Option<bool>,
}

/// `spec.source.helm`.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    rename = "helm",
    expecting = "a helm mapping"
)]
pub(crate) struct RawHelm {
    pub chart: Option<String>,
    pub git: Option<RawGitChart>,
    pub repo: Option<RawRepoChart>,
    pub oci: Option<RawOciChart>,
    pub credentials: Option<RawCredentials>,
    pub release_name: Option<String>,
    pub values_files: Option<Vec<String>>,
    pub values: Option<serde_json::Value>,
}

/// `spec.source.helm.git`: a chart directory in another git repository.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "git", expecting = "a git mapping")]
pub(crate) struct RawGitChart {
    pub url: String,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub path: Option<String>,
}

/// `spec.source.helm.repo`: a chart in a Helm HTTP repository.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "repo", expecting = "a repo mapping")]
pub(crate) struct RawRepoChart {
    pub url: String,
    pub chart: String,
    pub version: Option<String>,
}

/// `spec.source.helm.oci`: a chart in an OCI registry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "oci", expecting = "an oci mapping")]
pub(crate) struct RawOciChart {
    pub url: String,
    pub version: Option<String>,
}

/// `credentials` of a remote: where each secret is read from.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    rename = "credentials",
    expecting = "a credentials mapping"
)]
pub(crate) struct RawCredentials {
    pub username: Option<String>,
    pub password: Option<RawSecretRef>,
    pub token: Option<RawSecretRef>,
    pub ssh_key: Option<String>,
    pub ssh_passphrase: Option<RawSecretRef>,
    pub known_hosts: Option<String>,
}

/// A secret's place: exactly one of an environment variable and a file.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename = "secret reference",
    expecting = "a mapping with `env` or `file`"
)]
pub(crate) struct RawSecretRef {
    pub env: Option<String>,
    pub file: Option<String>,
}

/// One entry of `spec.sources`: an extra git source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "source", expecting = "a source mapping")]
pub(crate) struct RawExtraSource {
    pub git: String,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub credentials: Option<RawCredentials>,
    pub inject: Option<RawInject>,
}

/// `spec.sources.<name>.inject`: Helm values paths that receive the resolved source.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename = "inject",
    expecting = "an inject mapping"
)]
pub(crate) struct RawInject {
    pub revision: Option<String>,
    pub repository: Option<String>,
}

/// `spec.apps[].sources.<name>`: an environment's override of an extra source.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename = "source override",
    expecting = "a mapping with `ref`"
)]
pub(crate) struct RawSourceOverride {
    #[serde(rename = "ref")]
    pub reference: String,
}

/// `syncPolicy`, in an App and as an override in an Environment.
#[derive(Debug, Default, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    rename = "syncPolicy",
    expecting = "a syncPolicy mapping"
)]
pub(crate) struct RawSyncPolicy {
    pub prune: Option<bool>,
    pub force_conflicts: Option<bool>,
    pub history_limit: Option<u32>,
    pub prune_budget: Option<RawPruneBudget>,
    pub immutable: Option<ImmutablePolicy>,
    pub self_heal: Option<SelfHeal>,
    pub auto_rollback: Option<bool>,
    pub health_timeout: Option<String>,
}

/// `syncPolicy.pruneBudget`.
#[derive(Debug, Default, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    rename = "pruneBudget",
    expecting = "a pruneBudget mapping"
)]
pub(crate) struct RawPruneBudget {
    pub max_percent: Option<u32>,
    pub max_objects: Option<u32>,
}

/// `environments/<env>.yaml`.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    rename = "Environment",
    expecting = "an Environment document (a mapping)"
)]
pub(crate) struct RawEnvironment {
    pub api_version: String,
    pub kind: String,
    pub metadata: RawMetadata,
    pub spec: RawEnvSpec,
}

/// `spec` of an Environment.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    rename = "spec",
    expecting = "a spec mapping"
)]
pub(crate) struct RawEnvSpec {
    pub cluster: Option<RawCluster>,
    pub state_namespace: Option<String>,
    pub namespace: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    pub sync_policy: Option<RawSyncPolicy>,
    #[serde(default)]
    pub apps: Vec<RawEnvApp>,
}

/// `spec.cluster`.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename = "cluster",
    expecting = "a cluster mapping"
)]
pub(crate) struct RawCluster {
    pub context: Option<String>,
}

/// One entry of `spec.apps`.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    rename = "app entry",
    expecting = "an app entry mapping"
)]
pub(crate) struct RawEnvApp {
    pub name: String,
    pub namespace: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    pub values_files: Option<Vec<String>>,
    pub values: Option<serde_json::Value>,
    pub set: Option<Vec<String>>,
    pub chart_version: Option<String>,
    pub sources: Option<BTreeMap<String, RawSourceOverride>>,
    pub sync_policy: Option<RawSyncPolicy>,
}
