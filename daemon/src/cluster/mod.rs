//! Talking to the API server: connection from kubeconfig or in-cluster config, cached discovery,
//! and the handful of calls the pipeline makes (list, get, apply, delete), counted per kind of
//! request so benchmarks can report them.

mod discovery;
pub mod request;
mod stats;

use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use serde_json::Value;

pub use discovery::Discovery;
pub use request::ResourceInfo;
pub use stats::{RequestKind, Stats};

/// How to reach the cluster.
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    /// Explicit kubeconfig file (else `KUBECONFIG`, `~/.kube/config`, then in-cluster).
    pub kubeconfig: Option<std::path::PathBuf>,
    /// kubeconfig context (else the current context).
    pub context: Option<String>,
}

/// A failed call to the cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// No usable cluster configuration.
    #[error("cannot configure a Kubernetes client: {0}")]
    Config(String),
    /// The API server answered with an error status.
    #[error("{message} ({reason}, HTTP {code})")]
    Api {
        /// HTTP status.
        code: u16,
        /// Kubernetes reason (`Conflict`, `Invalid`, `Forbidden`, ...).
        reason: String,
        /// Server message.
        message: String,
    },
    /// The request did not get an answer.
    #[error("request failed: {0}")]
    Transport(String),
}

impl ClusterError {
    /// HTTP status of an API error.
    pub fn code(&self) -> Option<u16> {
        match self {
            ClusterError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Whether the server said the object (or its namespace) does not exist.
    pub fn is_not_found(&self) -> bool {
        self.code() == Some(404)
    }

    /// Whether the server rejected a change to an immutable field.
    pub fn is_immutable(&self) -> bool {
        matches!(self, ClusterError::Api { code: 422, message, .. }
            if message.contains("immutable") || message.contains("may not change once set"))
    }

    /// Whether a server-side apply lost to another field manager.
    pub fn is_conflict(&self) -> bool {
        self.code() == Some(409)
    }
}

impl From<kube::Error> for ClusterError {
    fn from(e: kube::Error) -> ClusterError {
        match e {
            kube::Error::Api(status) => ClusterError::Api {
                code: status.code,
                reason: status.reason.clone(),
                message: status.message.clone(),
            },
            other => ClusterError::Transport(other.to_string()),
        }
    }
}

/// A connected cluster.
pub struct Cluster {
    client: kube::Client,
    discovery: Discovery,
    stats: Stats,
}

impl Cluster {
    /// Connects using kubeconfig (or in-cluster config when none is found).
    pub async fn connect(opts: &ConnectOptions) -> Result<Cluster, ClusterError> {
        let kube_opts = KubeConfigOptions {
            context: opts.context.clone(),
            ..KubeConfigOptions::default()
        };
        let config = match &opts.kubeconfig {
            Some(path) => {
                let kc = Kubeconfig::read_from(path)
                    .map_err(|e| ClusterError::Config(format!("{}: {e}", path.display())))?;
                kube::Config::from_custom_kubeconfig(kc, &kube_opts)
                    .await
                    .map_err(|e| ClusterError::Config(e.to_string()))?
            }
            None if opts.context.is_some() => kube::Config::from_kubeconfig(&kube_opts)
                .await
                .map_err(|e| ClusterError::Config(e.to_string()))?,
            None => kube::Config::infer()
                .await
                .map_err(|e| ClusterError::Config(e.to_string()))?,
        };
        let client =
            kube::Client::try_from(config).map_err(|e| ClusterError::Config(e.to_string()))?;
        Ok(Cluster {
            client,
            discovery: Discovery::default(),
            stats: Stats::default(),
        })
    }

    /// The underlying client, for watches and typed APIs (leases, events, access reviews).
    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    /// Request counters so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    async fn send(
        &self,
        kind: RequestKind,
        req: request::HttpRequest,
    ) -> Result<Value, ClusterError> {
        self.stats.count(kind);
        self.client
            .request::<Value>(req)
            .await
            .map_err(ClusterError::from)
    }

    /// Resolves `apiVersion`/`kind` through cached discovery; `None` when the server has no such kind.
    pub async fn resource(
        &self,
        api_version: &str,
        kind: &str,
    ) -> Result<Option<ResourceInfo>, ClusterError> {
        self.discovery
            .resolve(&self.client, &self.stats, api_version, kind)
            .await
    }

    /// The server's version: `(gitVersion, major, minor)`.
    pub async fn server_version(&self) -> Result<(String, String, String), ClusterError> {
        self.stats.count(RequestKind::Discovery);
        let info = self.client.apiserver_version().await?;
        Ok((info.git_version, info.major, info.minor))
    }

    /// Every served `group/version` and `group/version/Kind`, as Helm's `.Capabilities.APIVersions`
    /// lists them for a live cluster.
    pub async fn api_versions(&self) -> Result<Vec<String>, ClusterError> {
        self.stats.count(RequestKind::Discovery);
        let mut gvs = self.client.list_core_api_versions().await?.versions;
        self.stats.count(RequestKind::Discovery);
        for group in self.client.list_api_groups().await?.groups {
            gvs.extend(group.versions.into_iter().map(|v| v.group_version));
        }
        let mut out = Vec::new();
        for gv in gvs {
            for ri in self.discovery.kinds(&self.client, &self.stats, &gv).await? {
                out.push(format!("{gv}/{}", ri.kind));
            }
            out.push(gv);
        }
        Ok(out)
    }

    /// Forgets cached discovery for `api_version` (after a CRD for it was applied).
    pub async fn forget_discovery(&self, api_version: &str) {
        self.discovery.forget(api_version).await;
    }

    /// Lists objects (items get `apiVersion`/`kind` filled in, which list responses omit).
    pub async fn list(
        &self,
        ri: &ResourceInfo,
        namespace: Option<&str>,
        label_selector: Option<&str>,
    ) -> Result<Vec<Value>, ClusterError> {
        let req = request::list(ri, namespace, label_selector)
            .map_err(|e| ClusterError::Transport(e.to_string()))?;
        let list = self.send(RequestKind::List, req).await?;
        // Take the items out rather than cloning them: a list can hold thousands of objects.
        let items = match list {
            Value::Object(mut map) => match map.remove("items") {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        Ok(items
            .into_iter()
            .map(|mut item| {
                if let Some(map) = item.as_object_mut() {
                    map.insert("apiVersion".into(), Value::String(ri.api_version.clone()));
                    map.insert("kind".into(), Value::String(ri.kind.clone()));
                }
                item
            })
            .collect())
    }

    /// Reads one object; `None` when it does not exist.
    pub async fn get(
        &self,
        ri: &ResourceInfo,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>, ClusterError> {
        let req = request::get(ri, namespace, name)
            .map_err(|e| ClusterError::Transport(e.to_string()))?;
        match self.send(RequestKind::Get, req).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Server-side apply (or its dry-run); returns the object as the server would store it.
    pub async fn apply(
        &self,
        ri: &ResourceInfo,
        obj: &Value,
        dry_run: bool,
        force: bool,
    ) -> Result<Value, ClusterError> {
        let meta = &obj["metadata"];
        let name = meta["name"].as_str().unwrap_or_default();
        let ns = meta["namespace"].as_str();
        let req = request::apply(ri, ns, name, obj, dry_run, force)
            .map_err(|e| ClusterError::Transport(e.to_string()))?;
        let kind = if dry_run {
            RequestKind::DryRun
        } else {
            RequestKind::Apply
        };
        self.send(kind, req).await
    }

    /// Merge-patches a few fields of an object (see [`request::merge_patch`]).
    pub async fn merge_patch(
        &self,
        ri: &ResourceInfo,
        namespace: Option<&str>,
        name: &str,
        patch: &Value,
    ) -> Result<Value, ClusterError> {
        let req = request::merge_patch(ri, namespace, name, patch)
            .map_err(|e| ClusterError::Transport(e.to_string()))?;
        self.send(RequestKind::Apply, req).await
    }

    /// Deletes an object if it still has `uid`; an object already gone is not an error.
    pub async fn delete(
        &self,
        ri: &ResourceInfo,
        namespace: Option<&str>,
        name: &str,
        uid: Option<&str>,
        foreground: bool,
    ) -> Result<(), ClusterError> {
        let req = request::delete(ri, namespace, name, uid, foreground)
            .map_err(|e| ClusterError::Transport(e.to_string()))?;
        match self.send(RequestKind::Delete, req).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Polls until the object is gone (or has a new uid), up to `timeout`.
    pub async fn wait_gone(
        &self,
        ri: &ResourceInfo,
        namespace: Option<&str>,
        name: &str,
        uid: Option<&str>,
        timeout: Duration,
    ) -> Result<bool, ClusterError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match self.get(ri, namespace, name).await? {
                None => return Ok(true),
                Some(obj) if uid.is_some() && obj["metadata"]["uid"].as_str() != uid => {
                    return Ok(true)
                }
                Some(_) => {}
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}
