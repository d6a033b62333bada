//! Harness for syncd's end-to-end tests: a throwaway GitOps repo and namespace per test, driven
//! through the same library calls the `syncd` binary makes, against the cluster named by
//! `SYNCD_E2E_KUBECONFIG`.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use syncd::cluster::{Cluster, ConnectOptions, ResourceInfo};
use syncd::diff::{render_object_diff, Style};
use syncd::engine::{
    capabilities, execute, plan_rendered, read_release, AppPlan, ClusterLookup, Provenance,
    PruneOverrides, SyncReport, Target,
};
use syncd::render::{render_app, RenderContext};

/// The environment variable naming the kubeconfig of the cluster under test.
pub const KUBECONFIG_VAR: &str = "SYNCD_E2E_KUBECONFIG";

/// A test's private repo and namespace.
pub struct Lab {
    /// The kubeconfig in use.
    pub kubeconfig: PathBuf,
    /// The namespace the app deploys to (also the state namespace).
    pub ns: String,
    /// The repo.
    pub repo: tempfile::TempDir,
    /// A client.
    pub cluster: Cluster,
}

/// Core v1 resource info for tests that read objects directly.
pub fn core(kind: &str, plural: &str, namespaced: bool) -> ResourceInfo {
    ResourceInfo {
        group: String::new(),
        api_version: "v1".into(),
        kind: kind.into(),
        plural: plural.into(),
        namespaced,
    }
}

/// `batch/v1` Jobs.
pub fn jobs() -> ResourceInfo {
    ResourceInfo {
        group: "batch".into(),
        api_version: "batch/v1".into(),
        kind: "Job".into(),
        plural: "jobs".into(),
        namespaced: true,
    }
}

impl Lab {
    /// A lab for test `name` on the cluster named by [`KUBECONFIG_VAR`] (which must be set).
    pub async fn new(name: &str) -> Lab {
        let kubeconfig = std::env::var_os(KUBECONFIG_VAR)
            .map(PathBuf::from)
            .expect("SYNCD_E2E_KUBECONFIG is set");
        let cluster = Cluster::connect(&ConnectOptions {
            kubeconfig: Some(kubeconfig.clone()),
            context: None,
        })
        .await
        .expect("connect to the e2e cluster");
        let ns = format!("syncd-e2e-{name}-{}", std::process::id());
        let ns_obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
        cluster
            .apply(
                &core("Namespace", "namespaces", false),
                &ns_obj,
                false,
                true,
            )
            .await
            .expect("create test namespace");
        let lab = Lab {
            kubeconfig,
            ns,
            repo: tempfile::tempdir().expect("tempdir"),
            cluster,
        };
        lab.write(
            "apps/app/app.yaml",
            "apiVersion: syncd.io/v1alpha1\nkind: App\nmetadata:\n  name: app\nspec:\n  source:\n    manifests:\n      path: manifests\n",
        );
        lab.write("apps/app/manifests/.keep.yaml", "");
        lab.write(
            "environments/test.yaml",
            &format!(
                "apiVersion: syncd.io/v1alpha1\nkind: Environment\nmetadata:\n  name: test\nspec:\n  namespace: {ns}\n  stateNamespace: {ns}\n  apps:\n    - name: app\n",
                ns = lab.ns
            ),
        );
        lab
    }

    /// Writes a repo file.
    pub fn write(&self, rel: &str, text: &str) {
        let path = self.repo.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    /// Removes a repo file.
    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.repo.path().join(rel)).expect("remove");
    }

    /// The repo root.
    pub fn root(&self) -> &Path {
        self.repo.path()
    }

    /// Renders and plans the app; errors are returned as text.
    pub async fn plan(&self, overrides: PruneOverrides) -> Result<AppPlan, String> {
        let repo = syncd_config::Repo::load(self.root()).map_err(|e| e.to_string())?;
        let env = repo.resolve("test").map_err(|e| e.to_string())?;
        let app = &env.apps[0];
        // Charts render against the live cluster, as `syncd diff`/`sync` do: live capabilities,
        // install or upgrade from syncd's state, rendered twice to find random values.
        let caps = capabilities(&self.cluster)
            .await
            .map_err(|e| e.to_string())?;
        let release = read_release(&self.cluster, &env.state_namespace, &env.name, &app.name)
            .await
            .map_err(|e| e.to_string())?;
        let rendered = {
            let lookup = ClusterLookup::new(&self.cluster);
            let ctx = RenderContext {
                capabilities: caps,
                host: &lookup,
                releases: [(app.name.clone(), release)].into_iter().collect(),
                render_twice: true,
            };
            render_app(app, self.root(), &ctx).map_err(|e| e.to_string())?
        };
        let target = Target {
            env: env.name.clone(),
            app: app.name.clone(),
            state_namespace: env.state_namespace.clone(),
            policy: app.policy.clone(),
        };
        plan_rendered(&self.cluster, target, rendered, overrides)
            .await
            .map_err(|e| e.to_string())
    }

    /// Renders, plans and executes; returns the report and the requests it made by kind.
    pub async fn sync(&self) -> Result<SyncReport, String> {
        self.sync_with(PruneOverrides::default()).await
    }

    /// [`Lab::sync`] with prune overrides.
    pub async fn sync_with(&self, overrides: PruneOverrides) -> Result<SyncReport, String> {
        let plan = self.plan(overrides).await?;
        execute(&self.cluster, plan, Provenance::default(), &|_| {})
            .await
            .map_err(|e| e.to_string())
    }

    /// The plain-text diff of the current repo against the cluster.
    pub async fn diff_text(&self) -> String {
        let plan = self.plan(PruneOverrides::default()).await.expect("plan");
        plan.diffs()
            .iter()
            .filter(|d| d.is_change())
            .map(|d| render_object_diff(d, Style::Plain))
            .collect()
    }

    /// Reads a live object in the lab namespace.
    pub async fn get(&self, ri: &ResourceInfo, name: &str) -> Option<Value> {
        self.cluster
            .get(ri, Some(&self.ns), name)
            .await
            .expect("get")
    }

    /// Deletes the lab namespace (and with it everything the test made).
    pub async fn cleanup(self) {
        let _ = self
            .cluster
            .delete(
                &core("Namespace", "namespaces", false),
                None,
                &self.ns,
                None,
                false,
            )
            .await;
    }
}

/// A ConfigMap manifest.
pub fn configmap(name: &str, data: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  key: \"{data}\"\n"
    )
}

/// The `+`/`-` lines of a unified diff (headers excluded).
pub fn changed_lines(diff: &str) -> Vec<String> {
    diff.lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .map(str::to_string)
        .collect()
}
