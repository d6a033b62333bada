//! Harness for syncd's end-to-end tests: a throwaway GitOps repo and namespace per test, driven
//! through the same library calls the `syncd` binary makes, against the cluster named by
//! `SYNCD_E2E_KUBECONFIG`.

use std::path::{Path, PathBuf};

pub mod runner;

use serde_json::{json, Value};
use syncd::cluster::{Cluster, ConnectOptions, ResourceInfo};
use syncd::diff::{render_object_diff, Style};
use syncd::engine::{
    capabilities, execute, plan_rendered, read_release, AppPlan, ClusterLookup, Provenance,
    PruneOverrides, SyncReport, Target,
};
use syncd::render::{render_app, RenderContext};
use syncd::source::fetch::{Fetcher, DEFAULT_CACHE_BYTES};
use syncd::source::AppSources;

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

/// The kubeconfig named by [`KUBECONFIG_VAR`], if set.
pub fn kubeconfig() -> Option<PathBuf> {
    std::env::var_os(KUBECONFIG_VAR).map(PathBuf::from)
}

/// A kube client for the cluster of `kubeconfig`.
pub async fn kube_client(kubeconfig: &Path) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(kubeconfig).expect("kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .expect("kube config");
    kube::Client::try_from(config).expect("kube client")
}

/// A syncd client for the cluster of `kubeconfig`.
pub async fn connect(kubeconfig: &Path) -> Cluster {
    Cluster::connect(&ConnectOptions {
        kubeconfig: Some(kubeconfig.to_path_buf()),
        context: None,
    })
    .await
    .expect("connect to the e2e cluster")
}

/// Core v1 resource info for tests that read objects directly.
pub fn core(kind: &str, plural: &str, namespaced: bool) -> ResourceInfo {
    ResourceInfo::core(kind, plural, namespaced)
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
        let kubeconfig = kubeconfig().expect("SYNCD_E2E_KUBECONFIG is set");
        let cluster = connect(&kubeconfig).await;
        let ns = format!("syncd-e2e-{name}-{}", std::process::id());
        create_namespace(&cluster, &ns)
            .await
            .expect("create test namespace");
        Lab::in_namespace(kubeconfig, cluster, ns)
    }

    /// A lab deploying to (and keeping its state in) the existing namespace `ns` through
    /// `cluster`: a repo whose environment `test` lists one manifests app `app`, with no
    /// manifest yet.
    pub fn in_namespace(kubeconfig: PathBuf, cluster: Cluster, ns: String) -> Lab {
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
        Ok(self.plan_with_sources(overrides).await?.0)
    }

    /// [`Lab::plan`], also returning the app's pinned sources (fetched through the same cache
    /// the CLI uses, kept in the lab's temp dir).
    pub async fn plan_with_sources(
        &self,
        overrides: PruneOverrides,
    ) -> Result<(AppPlan, AppSources), String> {
        let fetcher = Fetcher::open(&self.root().join(".cache"), DEFAULT_CACHE_BYTES)
            .map_err(|e| e.to_string())?;
        render_and_plan(
            &self.cluster,
            self.root(),
            &fetcher,
            "test",
            "app",
            overrides,
        )
        .await
    }

    /// Renders, plans and executes; returns the report and the requests it made by kind.
    pub async fn sync(&self) -> Result<SyncReport, String> {
        self.sync_with(PruneOverrides::default()).await
    }

    /// [`Lab::sync`] with prune overrides.
    pub async fn sync_with(&self, overrides: PruneOverrides) -> Result<SyncReport, String> {
        let (plan, sources) = self.plan_with_sources(overrides).await?;
        let provenance = Provenance {
            sources: sources.records(),
            ..Provenance::default()
        };
        execute(&self.cluster, plan, provenance, &|_| {})
            .await
            .map_err(|e| e.to_string())
    }

    /// The plain-text diff of the current repo against the cluster.
    pub async fn diff_text(&self) -> String {
        diff_text(&self.plan(PruneOverrides::default()).await.expect("plan"))
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
        delete_namespace(self.cluster.client(), &self.ns).await;
    }
}

/// Creates (server-side applies) namespace `ns`.
pub async fn create_namespace(cluster: &Cluster, ns: &str) -> Result<(), String> {
    let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
    cluster
        .apply(&core("Namespace", "namespaces", false), &obj, false, true)
        .await
        .map(|_| ())
        .map_err(|e| format!("create namespace {ns}: {e}"))
}

/// Deletes namespace `ns`, best effort, then lifts the finalizers of its pods: the Job controller
/// puts `batch.kubernetes.io/job-tracking` on the pods it creates and only lifts it once it has
/// counted them as finished, which never happens for Jobs whose status the fake kubelet wrote —
/// without this the namespace would stay `Terminating` for good. In that order because a
/// terminating namespace admits no new pod: one the Job controller creates while the namespace
/// is deleted is in the list too.
pub async fn delete_namespace(client: &kube::Client, ns: &str) {
    use k8s_openapi::api::core::v1::{Namespace, Pod};
    use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
    let _ = Api::<Namespace>::all(client.clone())
        .delete(ns, &DeleteParams::default())
        .await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    if let Ok(list) = pods.list(&ListParams::default()).await {
        let drop_finalizers = json!({"metadata": {"finalizers": null}});
        for pod in list.items {
            let name = pod.metadata.name.unwrap_or_default();
            let _ = pods
                .patch(
                    &name,
                    &PatchParams::default(),
                    &Patch::Merge(&drop_finalizers),
                )
                .await;
        }
    }
}

/// Renders app `app` of environment `env` of the repo at `root` against the cluster and plans
/// it, as `syncd diff`/`sync` do: sources fetched through `fetcher`, live capabilities, install
/// or upgrade from syncd's state, charts rendered twice to find random values. Errors are text.
pub async fn render_and_plan(
    cluster: &Cluster,
    root: &Path,
    fetcher: &Fetcher,
    env: &str,
    app: &str,
    overrides: PruneOverrides,
) -> Result<(AppPlan, AppSources), String> {
    let repo = syncd_config::Repo::load(root).map_err(|e| e.to_string())?;
    let env = repo.resolve(env).map_err(|e| e.to_string())?;
    let app = env
        .apps
        .iter()
        .find(|a| a.name == app)
        .ok_or_else(|| format!("{} does not list {app}", env.name))?;
    let fetched = fetcher.fetch_app(app).await.map_err(|e| e.to_string())?;
    let caps = capabilities(cluster).await.map_err(|e| e.to_string())?;
    let release = read_release(cluster, &env.state_namespace, &env.name, &app.name)
        .await
        .map_err(|e| e.to_string())?;
    // Rendering is synchronous and CPU-bound (DeepSpeed generates RSA keys): let the runtime
    // move other tasks off this worker meanwhile.
    let rendered = tokio::task::block_in_place(|| {
        let lookup = ClusterLookup::new(cluster);
        let ctx = RenderContext {
            capabilities: caps,
            host: &lookup,
            releases: [(app.name.clone(), release)].into_iter().collect(),
            render_twice: true,
        };
        render_app(app, &fetched.sources, root, &ctx)
    })
    .map_err(|e| e.to_string())?;
    let plan = plan_rendered(cluster, Target::of(&env, app), rendered, overrides)
        .await
        .map_err(|e| e.to_string())?;
    Ok((plan, fetched.sources))
}

/// The plain-text diff of a plan, as `syncd diff` prints it (Secret values masked).
pub fn diff_text(plan: &AppPlan) -> String {
    plan.diffs()
        .iter()
        .filter(|d| d.is_change())
        .map(|d| render_object_diff(d, Style::Plain))
        .collect()
}

/// A ConfigMap manifest.
pub fn configmap(name: &str, data: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  key: \"{data}\"\n"
    )
}

/// Runs `git` in `dir` with a fixed identity, `main` as the default branch and neither the
/// system's nor the user's configuration (no signing setup leaks in); returns its trimmed stdout.
pub fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = std::process::Command::new("git")
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .map_err(|e| format!("git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
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

/// One hook Job as the fake kubelet first saw it.
#[derive(Clone, Debug)]
pub struct SeenJob {
    /// Job name.
    pub name: String,
    /// Its uid (a re-created hook has a new one).
    pub uid: String,
    /// The ConfigMaps that existed in the namespace at that moment, sorted.
    pub configmaps: Vec<String>,
}

/// Plays kubelet for Jobs in one namespace (the e2e cluster has no kubelet, so Jobs never run):
/// every new Job is marked `Complete`, or `Failed` when its name is in `fail`, through the
/// `/status` subresource. Stops when dropped.
pub struct FakeKubelet {
    seen: std::sync::Arc<std::sync::Mutex<Vec<SeenJob>>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeKubelet {
    /// Starts watching `ns` on the cluster of `kubeconfig`.
    pub async fn start(kubeconfig: &Path, ns: &str, fail: &[&str]) -> FakeKubelet {
        let client = kube_client(kubeconfig).await;
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let fail: Vec<String> = fail.iter().map(|s| s.to_string()).collect();
        let task = tokio::spawn(run_kubelet(client, ns.to_string(), fail, seen.clone()));
        FakeKubelet { seen, task }
    }

    /// The Jobs seen so far, in the order they appeared.
    pub fn seen(&self) -> Vec<SeenJob> {
        self.seen.lock().expect("kubelet lock").clone()
    }
}

impl Drop for FakeKubelet {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn run_kubelet(
    client: kube::Client,
    ns: String,
    fail: Vec<String>,
    seen: std::sync::Arc<std::sync::Mutex<Vec<SeenJob>>>,
) {
    use k8s_openapi::api::batch::v1::Job;
    use k8s_openapi::api::core::v1::ConfigMap;
    use kube::api::{Api, ListParams, Patch, PatchParams};
    let jobs: Api<Job> = Api::namespaced(client.clone(), &ns);
    let cms: Api<ConfigMap> = Api::namespaced(client, &ns);
    let mut recorded = std::collections::HashSet::new();
    let mut handled = std::collections::HashSet::new();
    loop {
        // Polling with a short period: the syncd side polls too, and the order of first sights
        // is what the tests assert on.
        if let Ok(list) = jobs.list(&ListParams::default()).await {
            for job in list.items {
                let name = job.metadata.name.clone().unwrap_or_default();
                let uid = job.metadata.uid.clone().unwrap_or_default();
                if handled.contains(&uid) {
                    continue;
                }
                if recorded.insert(uid.clone()) {
                    let mut configmaps: Vec<String> = cms
                        .list(&ListParams::default())
                        .await
                        .map(|l| {
                            l.items
                                .into_iter()
                                .filter_map(|c| c.metadata.name)
                                .collect()
                        })
                        .unwrap_or_default();
                    configmaps.sort();
                    seen.lock().expect("kubelet lock").push(SeenJob {
                        name: name.clone(),
                        uid: uid.clone(),
                        configmaps,
                    });
                }
                let now = "2026-01-01T00:00:00Z";
                let status = if fail.contains(&name) {
                    json!({"status": {"failed": 1, "startTime": now, "conditions": [
                        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                         "lastTransitionTime": now}]}})
                } else {
                    json!({"status": {"succeeded": 1, "startTime": now, "completionTime": now,
                        "conditions": [{"type": "Complete", "status": "True",
                         "lastTransitionTime": now}]}})
                };
                // Retried on the next round when the Job controller raced us.
                if jobs
                    .patch_status(&name, &PatchParams::default(), &Patch::Merge(&status))
                    .await
                    .is_ok()
                {
                    handled.insert(uid);
                }
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
