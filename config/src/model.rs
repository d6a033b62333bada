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
    /// Override of the policy, over the environment's override.
    pub policy: PolicyOverride,
}

/// Where an app's objects come from.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceSpec {
    /// Plain YAML files.
    Manifests {
        /// A directory or a single file (absolute).
        path: PathBuf,
        /// Read subdirectories too.
        recurse: bool,
    },
    /// A local Helm chart.
    Helm {
        /// The chart directory (absolute).
        chart: PathBuf,
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
    /// Namespace for namespaced objects that name none: env entry > env > app.
    pub namespace: Option<String>,
    /// Labels for every object: the environment's, then the entry's over them.
    pub labels: BTreeMap<String, String>,
    /// Annotations for every object: the environment's, then the entry's over them.
    pub annotations: BTreeMap<String, String>,
    /// The app's policy, then the environment's override, then the entry's.
    pub policy: SyncPolicy,
}
