//! The validated model: a loaded repo, its apps and environments, and what `resolve` hands the pipeline.
//!
//! Plain data with public fields. Paths are absolute (the repo root joined with the
//! cleaned relative path from the file); names and namespaces are already validated.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::policy::{PolicyOverride, SyncPolicy};

/// A syncd repo: every app and environment it defines, by name.
#[derive(Clone, Debug)]
pub struct Repo {
    /// The repo root given to [`Repo::load`], made absolute.
    pub root: PathBuf,
    /// `apps/<name>/app.yaml`, by name.
    pub apps: BTreeMap<String, App>,
    /// `environments/<name>.yaml`, by name.
    pub environments: BTreeMap<String, Environment>,
}

/// One `apps/<name>/app.yaml`, with the app's own defaults applied.
#[derive(Clone, Debug, PartialEq)]
pub struct App {
    /// `metadata.name`, equal to the directory name.
    pub name: String,
    /// The app file, relative to the repo root (for messages).
    pub file: PathBuf,
    /// The app directory (absolute).
    pub dir: PathBuf,
    /// `spec.description`.
    pub description: Option<String>,
    /// `spec.source`, with the app's own values only (`set` is always empty here).
    pub source: SourceSpec,
    /// `spec.sources`: extra git sources, by name order.
    pub sources: Vec<ExtraSource>,
    /// `spec.namespace`.
    pub namespace: Option<String>,
    /// `spec.syncPolicy` over the defaults.
    pub policy: SyncPolicy,
}

/// One `environments/<name>.yaml`.
#[derive(Clone, Debug, PartialEq)]
pub struct Environment {
    /// `metadata.name`, equal to the file stem.
    pub name: String,
    /// The environment file, relative to the repo root (for messages).
    pub file: PathBuf,
    /// `spec.cluster.context`: the kubeconfig context; `None` means the current one.
    pub kube_context: Option<String>,
    /// `spec.stateNamespace` (default `syncd-system`).
    pub state_namespace: String,
    /// `spec.namespace`: default namespace for every app, over the app's own.
    pub namespace: Option<String>,
    /// `spec.labels`, added to every object.
    pub labels: BTreeMap<String, String>,
    /// `spec.annotations`, added to every object.
    pub annotations: BTreeMap<String, String>,
    /// `spec.syncPolicy`: override of every app's policy.
    pub policy: PolicyOverride,
    /// `spec.apps`, in file order.
    pub apps: Vec<EnvApp>,
}

/// One entry of an environment's `spec.apps`.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvApp {
    /// The app's name.
    pub name: String,
    /// Line of the entry in the environment file (for messages).
    pub line: usize,
    /// Column of the entry in the environment file (for messages).
    pub col: usize,
    /// Namespace override, over the environment's and the app's.
    pub namespace: Option<String>,
    /// Labels merged over the environment's.
    pub labels: BTreeMap<String, String>,
    /// Annotations merged over the environment's.
    pub annotations: BTreeMap<String, String>,
    /// Helm values files layered after the app's (absolute).
    pub values_files: Vec<PathBuf>,
    /// Inline Helm values layered after `values_files`.
    pub values: Option<serde_json::Value>,
    /// Helm `--set` strings, applied last.
    pub set: Vec<String>,
    /// Chart version (or git ref) over the app's, for remote charts.
    pub chart_version: Option<String>,
    /// Refs of the app's extra sources, over the app's, by source name.
    pub source_refs: BTreeMap<String, String>,
    /// Override of the policy, over the environment's override.
    pub policy: PolicyOverride,
}

/// Where an app's objects come from.
// One per app, built once per load: the size difference costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum SourceSpec {
    /// Plain YAML files.
    Manifests {
        /// A directory or a single file (absolute).
        path: PathBuf,
        /// Read subdirectories too.
        recurse: bool,
    },
    /// A Helm chart: in the repo, in another git repo, in a Helm repository or an OCI registry.
    Helm {
        /// Where the chart comes from.
        chart: ChartSource,
        /// The release name (default: the app name).
        release_name: String,
        /// Values files in layering order: the app's, then the environment entry's (absolute).
        values_files: Vec<PathBuf>,
        /// Inline values in layering order, each after all `values_files`: the app's, then the
        /// environment entry's.
        values: Vec<serde_json::Value>,
        /// `--set` strings, applied last.
        set: Vec<String>,
    },
}

/// Where a Helm app's chart comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum ChartSource {
    /// A chart directory inside the GitOps repo (absolute).
    Local(PathBuf),
    /// A chart directory inside another git repository.
    Git {
        /// The repository URL (https, ssh, `git://`, `file://` or a local path).
        url: String,
        /// Branch, tag, commit or semver range over tags; empty means the remote's HEAD.
        reference: String,
        /// The chart directory inside the repository, relative and cleaned (`.` for the root).
        path: String,
        /// How to authenticate.
        credentials: Option<CredentialsSpec>,
    },
    /// A chart in a Helm HTTP repository (`index.yaml`).
    Repo {
        /// The repository URL.
        url: String,
        /// The chart's name in the index.
        name: String,
        /// A version or semver constraint; empty means the latest stable version.
        version: String,
        /// How to authenticate.
        credentials: Option<CredentialsSpec>,
    },
    /// A chart in an OCI registry.
    Oci {
        /// `oci://host/path/name`.
        url: String,
        /// A tag, a semver constraint over tags, or a `sha256:` digest; empty means the latest.
        version: String,
        /// How to authenticate.
        credentials: Option<CredentialsSpec>,
    },
}

impl ChartSource {
    /// The version (or git ref) an environment may override; `None` for a local chart.
    pub fn version_mut(&mut self) -> Option<&mut String> {
        match self {
            ChartSource::Local(_) => None,
            ChartSource::Git { reference, .. } => Some(reference),
            ChartSource::Repo { version, .. } | ChartSource::Oci { version, .. } => Some(version),
        }
    }
}

/// Where a secret is read from; the config never holds the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSource {
    /// An environment variable of the syncd process.
    Env(String),
    /// A file (absolute), e.g. a mounted Kubernetes Secret.
    File(PathBuf),
}

/// How to authenticate to a remote: basic auth, a token, or an ssh key with known hosts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CredentialsSpec {
    /// The user name for basic auth or ssh (not secret).
    pub username: Option<String>,
    /// The basic-auth password.
    pub password: Option<SecretSource>,
    /// A bearer token (sent as the basic-auth password to git servers).
    pub token: Option<SecretSource>,
    /// An ssh private key file (absolute).
    pub ssh_key: Option<PathBuf>,
    /// The ssh key's passphrase.
    pub ssh_passphrase: Option<SecretSource>,
    /// The known_hosts file the server's key must be in (absolute; required with `ssh_key`).
    pub known_hosts: Option<PathBuf>,
}

/// An extra git source of an app (training code, say), resolved to a commit on every sync.
#[derive(Clone, Debug, PartialEq)]
pub struct ExtraSource {
    /// The name the app gives it (a key of `spec.sources`).
    pub name: String,
    /// The repository URL.
    pub url: String,
    /// Branch, tag, commit or semver range; empty means the remote's HEAD.
    pub reference: String,
    /// How to authenticate.
    pub credentials: Option<CredentialsSpec>,
    /// Dotted Helm values path that receives the resolved commit SHA.
    pub inject_revision: Option<String>,
    /// Dotted Helm values path that receives the repository URL (without credentials).
    pub inject_repository: Option<String>,
}

/// One environment resolved: what the daemon syncs, app by app.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedEnv {
    /// The environment's name.
    pub name: String,
    /// The kubeconfig context; `None` means the current one.
    pub kube_context: Option<String>,
    /// Where syncd keeps inventories and history.
    pub state_namespace: String,
    /// The apps, in the environment file's order.
    pub apps: Vec<ResolvedApp>,
}

/// One app in one environment, every override applied.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedApp {
    /// The app's name.
    pub name: String,
    /// The environment's name.
    pub env: String,
    /// The app directory (absolute).
    pub dir: PathBuf,
    /// Where the objects come from, values layered.
    pub source: SourceSpec,
    /// Extra git sources, with the environment's `ref` overrides applied.
    pub sources: Vec<ExtraSource>,
    /// Namespace for namespaced objects that name none: env entry > env > app.
    pub namespace: Option<String>,
    /// Labels for every object: the environment's, then the entry's over them.
    pub labels: BTreeMap<String, String>,
    /// Annotations for every object: the environment's, then the entry's over them.
    pub annotations: BTreeMap<String, String>,
    /// The app's policy, then the environment's override, then the entry's.
    pub policy: SyncPolicy,
}
