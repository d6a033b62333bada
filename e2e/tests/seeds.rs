//! The seed workloads' published charts (`../shared/helm-corpus/charts`) deployed through syncd
//! with environment overlays against a real API server: per seed and environment a sync, a clean
//! diff, a second sync that writes nothing, an overlay change, a rollback, and the prune of the
//! app once it is removed from the environment. A plain binary (`harness = false`): it prints one
//! `skipped:` line without the corpus or a cluster, otherwise a table, and exits non-zero when any
//! cell failed.
//!
//! The charts are third-party: each case copies its chart into a throwaway GitOps repo in a temp
//! dir at run time. Nothing of them lives in this repo.

use std::collections::BTreeSet;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use syncd::cluster::{Cluster, ConnectOptions, RequestKind};
use syncd::engine::{
    execute, list_revisions, plan_rollback_to, removed_apps, AppPlan, Provenance, PruneOverrides,
    SyncReport,
};
use syncd::object::ObjectId;
use syncd::plan::Step;
use syncd::source::fetch::{Fetcher, DEFAULT_CACHE_BYTES};
use syncd_e2e::{create_namespace, diff_text, git, render_and_plan, KUBECONFIG_VAR};

/// How long pruned objects may take to disappear (garbage collection of their dependents, PVC
/// protection) before the prune check fails.
const GONE_TIMEOUT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// The cases

/// Edits a chart copy in place.
type ChartPatch = fn(&Path) -> Result<(), String>;

/// One seed chart deployed to one environment.
struct Case {
    /// Chart directory in the corpus; also the app (and so the release) name.
    seed: &'static str,
    /// Environment name.
    env: &'static str,
    /// The environment's values files: the chart's own presets, relative to the app directory.
    values_files: Vec<&'static str>,
    /// The environment's inline values.
    values: Value,
    /// Merged over `values` for the overlay change.
    change: Value,
    /// Exactly the objects the change touches, as `(kind, name)`.
    expect_changed: Vec<(&'static str, &'static str)>,
    /// The field to read back: `(kind, name, JSON pointer, value before, value after)`.
    field: (&'static str, &'static str, &'static str, Value, Value),
    /// Why values or the chart copy differ from the published defaults (shown under the table).
    note: &'static str,
    /// The app takes the training code from a git source pinned by commit (DeepSpeed).
    code_source: bool,
    /// A fix applied to the chart copy, when the chart as published cannot be installed.
    patch: Option<ChartPatch>,
}

fn deltallm_keys() -> Value {
    // Required by the chart (its default render fails without them).
    json!({"masterKey": "seed-e2e-master-key-0123456789abcdef", "saltKey": "seed-e2e-salt-0123456789"})
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            seed: "deepspeed",
            env: "train",
            values_files: vec![],
            values: json!({
                "client": {"useJob": true},
                "source": {"type": "git", "launchCommand": "train.py"},
                "worker": {"replicaCount": 1},
            }),
            change: json!({"worker": {"replicaCount": 2}}),
            // The hostfile and ssh config list the workers; the client Job carries checksums of
            // both in its (immutable) pod template, so it is recreated.
            expect_changed: vec![
                ("ConfigMap", "deepspeed-hosts"),
                ("ConfigMap", "deepspeed-ssh-client"),
                ("StatefulSet", "deepspeed-worker"),
                ("Job", "deepspeed-client"),
            ],
            field: (
                "StatefulSet",
                "deepspeed-worker",
                "/spec/replicas",
                json!(1),
                json!(2),
            ),
            note: "client as a Job, training code from a git daemon pinned by commit \
                   (source.git.repository/revision injected); no env presets in the chart; \
                   chart copy patched: the client Job gets manualSelector: true and \
                   restartPolicy: OnFailure (as published, client.useJob renders a Job every \
                   API server refuses: a hand-written selector and the default restartPolicy)",
            code_source: true,
            patch: Some(patch_deepspeed_client_job),
        },
        Case {
            seed: "deltallm",
            env: "eval",
            values_files: vec!["chart/values-eval.yaml"],
            values: json!({"secret": {"values": deltallm_keys()}}),
            change: json!({"replicaCount": 2}),
            expect_changed: vec![("Deployment", "deltallm")],
            field: (
                "Deployment",
                "deltallm",
                "/spec/replicas",
                json!(1),
                json!(2),
            ),
            note: "values-eval.yaml (bundled postgresql + redis subcharts)",
            code_source: false,
            patch: None,
        },
        Case {
            seed: "deltallm",
            env: "production",
            values_files: vec!["chart/values-production.yaml"],
            values: json!({
                "secret": {"values": deltallm_keys()},
                "prometheus": {"serviceMonitor": {"enabled": false}},
            }),
            change: json!({"image": {"tag": "0.1.1"}}),
            expect_changed: vec![("Deployment", "deltallm")],
            field: (
                "Deployment",
                "deltallm",
                "/spec/template/spec/containers/0/image",
                json!("deltallm/deltallm:latest"),
                json!("deltallm/deltallm:0.1.1"),
            ),
            note: "values-production.yaml; prometheus.serviceMonitor.enabled=false \
                   (no monitoring.coreos.com CRD on the bare cluster)",
            code_source: false,
            patch: None,
        },
        Case {
            seed: "openmed-service",
            env: "ci",
            values_files: vec!["chart/ci-values.yaml"],
            values: json!({}),
            change: json!({"replicaCount": 3}),
            expect_changed: vec![("Deployment", "openmed-service")],
            field: (
                "Deployment",
                "openmed-service",
                "/spec/replicas",
                json!(2),
                json!(3),
            ),
            note: "ci-values.yaml, the chart's only preset (dev-like)",
            code_source: false,
            patch: None,
        },
        Case {
            seed: "openmed-service",
            env: "prod",
            values_files: vec![],
            values: json!({}),
            change: json!({"image": {"tag": "2.2.1"}}),
            expect_changed: vec![("Deployment", "openmed-service")],
            field: (
                "Deployment",
                "openmed-service",
                "/spec/template/spec/containers/0/image",
                json!("openmed:2.2.0"),
                json!("openmed:2.2.1"),
            ),
            note: "chart defaults (config.profile: prod)",
            code_source: false,
            patch: None,
        },
        Case {
            seed: "determined",
            env: "prod",
            values_files: vec![],
            values: json!({}),
            change: json!({"detVersion": "0.18.3"}),
            expect_changed: vec![("Deployment", "determined-master-deployment-determined")],
            field: (
                "Deployment",
                "determined-master-deployment-determined",
                "/spec/template/spec/containers/0/image",
                json!("determinedai/determined-master:0.18.2"),
                json!("determinedai/determined-master:0.18.3"),
            ),
            note: "chart copy patched: determined-medium-priority globalDefault true->false \
                   (the chart declares two default PriorityClasses; the API server admits one)",
            code_source: false,
            patch: Some(patch_determined_priority_classes),
        },
        Case {
            seed: "dimtensor",
            env: "inference",
            values_files: vec!["chart/values-inference.yaml"],
            values: json!({}),
            change: json!({"image": {"tag": "4.2.1"}}),
            expect_changed: vec![("Deployment", "dimtensor")],
            field: (
                "Deployment",
                "dimtensor",
                "/spec/template/spec/containers/0/image",
                json!("docker.io/dimtensor:4.2.0-cpu-full"),
                json!("docker.io/dimtensor:4.2.1-cpu-full"),
            ),
            note: "values-inference.yaml (Deployment + HPA)",
            code_source: false,
            patch: None,
        },
        Case {
            seed: "dimtensor",
            env: "training",
            values_files: vec!["chart/values-training.yaml"],
            values: json!({}),
            change: json!({"image": {"tag": "4.2.1"}}),
            expect_changed: vec![("Job", "dimtensor")],
            field: (
                "Job",
                "dimtensor",
                "/spec/template/spec/containers/0/image",
                json!("docker.io/dimtensor:4.2.0-ml"),
                json!("docker.io/dimtensor:4.2.1-ml"),
            ),
            note: "values-training.yaml (GPU Job; an image change recreates it)",
            code_source: false,
            patch: None,
        },
        Case {
            seed: "dimtensor",
            env: "batch",
            values_files: vec!["chart/values-batch.yaml"],
            values: json!({}),
            // The batch preset's image variant `latest` ignores image.tag; parallelism is a
            // mutable Job field, so this is an in-place update.
            change: json!({"job": {"parallelism": 5}}),
            expect_changed: vec![("Job", "dimtensor")],
            field: ("Job", "dimtensor", "/spec/parallelism", json!(10), json!(5)),
            note: "values-batch.yaml (indexed-style Job, parallelism 10 of 100)",
            code_source: false,
            patch: None,
        },
        Case {
            seed: "dimtensor",
            env: "cronjob",
            values_files: vec![],
            // The README's values-cronjob.yaml (the chart ships no such file).
            values: json!({
                "workloadType": "cronjob",
                "image": {"variant": "cpu-full"},
                "cronjob": {"schedule": "0 2 * * *", "concurrencyPolicy": "Forbid",
                            "successfulJobsHistoryLimit": 5},
                "resources": {"requests": {"cpu": "1000m", "memory": "2Gi"}},
                "persistence": {"enabled": true, "size": "50Gi", "mountPath": "/data"},
            }),
            change: json!({"serviceAccount": {"annotations": {"example.com/team": "physics"}}}),
            expect_changed: vec![("ServiceAccount", "dimtensor")],
            field: (
                "ServiceAccount",
                "dimtensor",
                "/metadata/annotations/example.com~1team",
                Value::Null,
                json!("physics"),
            ),
            note: "README's values-cronjob.yaml: the chart has no CronJob template, so it renders \
                   only a ServiceAccount and a PVC (Helm agrees); the change is an SA annotation",
            code_source: false,
            patch: None,
        },
    ]
}

/// The determined chart declares two PriorityClasses with `globalDefault: true`; the API server's
/// Priority admission refuses the second ("Only one default can exist"), so the published chart
/// cannot be installed by any tool. The copy keeps `determined-system-priority` as the default.
fn patch_determined_priority_classes(chart: &Path) -> Result<(), String> {
    replace_in(
        &chart.join("templates/priority-classes.yaml"),
        &[(
            "name: determined-medium-priority\nvalue: 50\npreemptionPolicy: PreemptLowerPriority\nglobalDefault: true",
            "name: determined-medium-priority\nvalue: 50\npreemptionPolicy: PreemptLowerPriority\nglobalDefault: false",
        )],
    )
}

/// With `client.useJob`, the DeepSpeed chart renders its client Job with the Deployment's
/// `selector` and without a `restartPolicy`; the API server refuses both ("`selector` not
/// auto-generated", "restartPolicy: Required value"). The copy declares the selector manual and
/// restarts the client on failure, for the Job only.
fn patch_deepspeed_client_job(chart: &Path) -> Result<(), String> {
    replace_in(
        &chart.join("templates/client/client-dep-job.yaml"),
        &[
            (
                "  {{- if .Values.client.useJob }}\n  backoffLimit:",
                "  {{- if .Values.client.useJob }}\n  manualSelector: true\n  backoffLimit:",
            ),
            (
                "      serviceAccountName: {{ template \"deepspeed.v0.client.serviceAccountName\" . }}",
                "      {{- if .Values.client.useJob }}\n      restartPolicy: OnFailure\n      {{- end }}\n      serviceAccountName: {{ template \"deepspeed.v0.client.serviceAccountName\" . }}",
            ),
        ],
    )
}

/// Replaces each `(from, to)` once in the file; a `from` that is not there exactly once is an
/// error (the chart changed and the patch no longer applies).
fn replace_in(path: &Path, edits: &[(&str, &str)]) -> Result<(), String> {
    let mut text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    for (from, to) in edits {
        if text.matches(from).count() != 1 {
            return Err(format!(
                "{}: patch does not apply (chart changed?): {from:?}",
                path.display()
            ));
        }
        text = text.replacen(from, to, 1);
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// Driving syncd: the library calls `syncd sync`, `diff`, `rollback` make

/// One case's GitOps repo, namespace and connection.
struct SeedLab {
    kubeconfig: PathBuf,
    cluster: Cluster,
    repo: tempfile::TempDir,
    cache: tempfile::TempDir,
    fetcher: Fetcher,
    env: String,
    app: String,
    ns: String,
}

impl SeedLab {
    async fn new(kubeconfig: &Path, case: &Case, corpus: &Path) -> Result<SeedLab, String> {
        let cluster = Cluster::connect(&ConnectOptions {
            kubeconfig: Some(kubeconfig.to_path_buf()),
            context: None,
        })
        .await
        .map_err(|e| format!("connect: {e}"))?;
        let ns = format!("sd-{}-{}-{}", std::process::id(), case.seed, case.env);
        create_namespace(&cluster, &ns).await?;
        let repo = tempfile::tempdir().map_err(|e| e.to_string())?;
        let cache = tempfile::tempdir().map_err(|e| e.to_string())?;
        let fetcher =
            Fetcher::open(cache.path(), DEFAULT_CACHE_BYTES).map_err(|e| e.to_string())?;
        let chart = repo.path().join("apps").join(case.seed).join("chart");
        copy_dir(&corpus.join("charts").join(case.seed), &chart)?;
        if let Some(patch) = case.patch {
            patch(&chart)?;
        }
        Ok(SeedLab {
            kubeconfig: kubeconfig.to_path_buf(),
            cluster,
            repo,
            cache,
            fetcher,
            env: case.env.to_string(),
            app: case.seed.to_string(),
            ns,
        })
    }

    fn write(&self, rel: &str, text: &str) -> Result<(), String> {
        let path = self.repo.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("repo files have a parent"))
            .map_err(|e| e.to_string())?;
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Writes the environment, listing the app with these values files and values, or no app.
    fn write_env(&self, app: Option<(&[&str], &Value)>) -> Result<(), String> {
        let apps = match app {
            None => "  apps: []\n".to_string(),
            Some((files, values)) => {
                let files = if files.is_empty() {
                    String::new()
                } else {
                    format!("      valuesFiles: {}\n", json!(files))
                };
                // JSON is YAML: the inline values go in as one flow mapping.
                format!(
                    "  apps:\n    - name: {}\n{files}      values: {values}\n",
                    self.app
                )
            }
        };
        self.write(
            &format!("environments/{}.yaml", self.env),
            &format!(
                "apiVersion: syncd.io/v1alpha1\nkind: Environment\nmetadata:\n  name: {env}\nspec:\n  namespace: {ns}\n  stateNamespace: {ns}\n  labels:\n    e2e.syncd.io/suite: seeds\n  # Step 6 removes the app: all of it goes, over the default budget of 50%.\n  syncPolicy:\n    pruneBudget:\n      maxPercent: 100\n{apps}",
                env = self.env,
                ns = self.ns
            ),
        )
    }

    /// Renders the app against the cluster and plans it, as `syncd diff`/`sync` do; also returns
    /// the pinned sources for the history record.
    async fn plan(&self) -> Result<(AppPlan, Provenance), String> {
        let (plan, sources) = render_and_plan(
            &self.cluster,
            self.repo.path(),
            &self.fetcher,
            &self.env,
            &self.app,
            PruneOverrides::default(),
        )
        .await?;
        let provenance = Provenance {
            sources: sources.records(),
            ..Provenance::default()
        };
        Ok((plan, provenance))
    }

    async fn execute(&self, plan: AppPlan, provenance: Provenance) -> Result<SyncReport, String> {
        execute(&self.cluster, plan, provenance, &|_| {})
            .await
            .map_err(|e| e.to_string())
    }

    /// Reads a live object of the case by kind and name (`None` when it does not exist).
    async fn get(&self, api_version: &str, id: &ObjectId) -> Result<Option<Value>, String> {
        let ri = self
            .cluster
            .resource(api_version, &id.kind)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("the server has no {api_version}/{}", id.kind))?;
        self.cluster
            .get(&ri, id.namespace.as_deref(), &id.name)
            .await
            .map_err(|e| e.to_string())
    }

    /// Deletes the namespace and any cluster-scoped object the case created and left behind.
    async fn cleanup(self, created: &[(ObjectId, String)]) {
        for (id, api_version) in created.iter().filter(|(id, _)| id.namespace.is_none()) {
            if let Ok(Some(ri)) = self.cluster.resource(api_version, &id.kind).await {
                let _ = self.cluster.delete(&ri, None, &id.name, None, false).await;
            }
        }
        syncd_e2e::delete_namespace(self.cluster.client(), &self.ns).await;
        drop(self.cache);
        drop(self.repo);
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let kind = entry.file_type().map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target)
                .map_err(|e| format!("{}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// `base` with `over` merged in, maps key by key (as Helm layers values).
fn merged(base: &Value, over: &Value) -> Value {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            let mut out = b.clone();
            for (k, v) in o {
                let next = match b.get(k) {
                    Some(bv) => merged(bv, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), next);
            }
            Value::Object(out)
        }
        _ => over.clone(),
    }
}

/// `Kind name` of every object a plan would change (creates, updates, recreates, prunes).
fn changed_objects(plan: &AppPlan) -> BTreeSet<String> {
    plan.diffs()
        .iter()
        .filter(|d| d.is_change())
        .map(|d| format!("{} {}", d.id.kind, d.id.name))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The training code: a git repo served by `git daemon`

/// `train.git` with two commits on `main`, served read-only by `git daemon` on 127.0.0.1 until
/// dropped. The app pins the first commit; the branch has moved on to the second.
struct CodeRepo {
    daemon: std::process::Child,
    url: String,
    pinned: String,
    head: String,
    _dir: tempfile::TempDir,
}

impl CodeRepo {
    fn start() -> Result<CodeRepo, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let work = dir.path().join("work");
        std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
        git(&work, &["init", "-q"])?;
        let commit = |text: &str| -> Result<String, String> {
            std::fs::write(work.join("train.py"), text).map_err(|e| e.to_string())?;
            git(&work, &["add", "-A"])?;
            git(&work, &["commit", "-qm", text])?;
            git(&work, &["rev-parse", "HEAD"])
        };
        let pinned = commit("print('epoch 1')\n")?;
        let head = commit("print('epoch 2')\n")?;
        let bare = dir.path().join("train.git");
        git(
            dir.path(),
            &[
                "clone",
                "-q",
                "--bare",
                "work",
                bare.to_str().unwrap_or("train.git"),
            ],
        )?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        // git-daemon itself, not the `git` wrapper, so that killing it closes the port.
        let exec_path = git(dir.path(), &["--exec-path"])?;
        let mut daemon = std::process::Command::new(Path::new(&exec_path).join("git-daemon"))
            .args([
                "--export-all",
                &format!("--base-path={}", dir.path().display()),
                "--listen=127.0.0.1",
                &format!("--port={port}"),
                "--reuseaddr",
            ])
            .arg(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("git daemon: {e}"))?;
        let started = Instant::now();
        // No readiness signal from git daemon: poll its port.
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = daemon.try_wait() {
                return Err(format!("git daemon exited: {status}"));
            }
            if started.elapsed() > Duration::from_secs(10) {
                let _ = daemon.kill();
                return Err("git daemon never opened its port".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(CodeRepo {
            daemon,
            url: format!("git://127.0.0.1:{port}/train.git"),
            pinned,
            head,
            _dir: dir,
        })
    }
}

impl Drop for CodeRepo {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// The DeepSpeed client Job must clone the pinned commit from the served URL, not the branch.
fn check_pinned_clone(job: &Value, code: &CodeRepo) -> Result<String, String> {
    let init = job["spec"]["template"]["spec"]["initContainers"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["name"] == "git-clone-repository"))
        .ok_or("the client Job has no git-clone-repository init container")?;
    let script = init["args"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let expected = format!("git clone {} --branch {} /app", code.url, code.pinned);
    if !script.contains(&expected) || script.contains(&code.head) {
        return Err(format!(
            "the client Job does not clone the pinned commit: want `{expected}`, got `{}`",
            script
                .lines()
                .find(|l| l.contains("git clone"))
                .unwrap_or(&script)
        ));
    }
    Ok(format!("Job clones {} @ {}", code.url, &code.pinned[..12]))
}

// ---------------------------------------------------------------------------------------------
// One case, step by step

/// One table row: a cell per step, `Err` for a failed (or not reached) step.
struct Row {
    seed: &'static str,
    env: &'static str,
    objects: usize,
    cells: Vec<Result<String, String>>,
    details: Vec<String>,
    /// Wall time of each step run.
    step_times: Vec<Duration>,
    time: Duration,
}

const STEPS: [&str; 6] = [
    "sync",
    "diff clean",
    "2nd sync writes",
    "overlay change",
    "rollback",
    "prune",
];

async fn run_case(kubeconfig: PathBuf, corpus: PathBuf, case: Case) -> Row {
    let started = Instant::now();
    let mut row = Row {
        seed: case.seed,
        env: case.env,
        objects: 0,
        cells: Vec::new(),
        details: Vec::new(),
        step_times: Vec::new(),
        time: Duration::ZERO,
    };
    let mut created = Vec::new();
    match SeedLab::new(&kubeconfig, &case, &corpus).await {
        Err(e) => row.details.push(format!("setup failed: {e}")),
        Ok(d) => {
            let outcome = steps(&d, &case, &mut row, &mut created).await;
            if let Err(e) = outcome {
                row.details.push(e);
            }
            d.cleanup(&created).await;
        }
    }
    row.time = started.elapsed();
    row
}

/// What the steps of one case share.
struct Run<'a> {
    d: &'a SeedLab,
    case: &'a Case,
    /// Every object of the first sync, with its apiVersion.
    created: Vec<(ObjectId, String)>,
    /// Lines printed under the table.
    details: Vec<String>,
    code: Option<CodeRepo>,
}

/// Runs the six steps in order, each recorded in `row`; stops at the first failure (the later
/// cells stay unreached).
async fn steps(
    d: &SeedLab,
    case: &Case,
    row: &mut Row,
    created: &mut Vec<(ObjectId, String)>,
) -> Result<(), String> {
    let code = if case.code_source {
        Some(CodeRepo::start()?)
    } else {
        None
    };
    let sources = match &code {
        Some(code) => format!(
            "  sources:\n    code:\n      git: {url}\n      ref: {pinned}\n      inject:\n        revision: source.git.revision\n        repository: source.git.repository\n",
            url = code.url,
            pinned = code.pinned
        ),
        None => String::new(),
    };
    d.write(
        &format!("apps/{}/app.yaml", case.seed),
        &format!(
            "apiVersion: syncd.io/v1alpha1\nkind: App\nmetadata:\n  name: {}\nspec:\n  source:\n    helm:\n      chart: chart\n{sources}",
            case.seed
        ),
    )?;
    d.write_env(Some((&case.values_files, &case.values)))?;
    let mut run = Run {
        d,
        case,
        created: Vec::new(),
        details: Vec::new(),
        code,
    };
    let outcome = run.all(row).await;
    created.extend(run.created);
    row.details.extend(run.details);
    outcome
}

impl Run<'_> {
    async fn all(&mut self, row: &mut Row) -> Result<(), String> {
        let mut t = Instant::now();
        let mut lap = |row: &mut Row| {
            row.step_times.push(t.elapsed());
            t = Instant::now();
        };
        let cell = self.first_sync(row).await;
        lap(row);
        record(row, cell)?;
        let cell = self.diff_clean().await;
        lap(row);
        record(row, cell)?;
        let cell = self.second_sync().await;
        lap(row);
        record(row, cell)?;
        let cell = self.overlay_change().await;
        lap(row);
        record(row, cell)?;
        let cell = self.rollback().await;
        lap(row);
        record(row, cell)?;
        let cell = self.remove().await;
        lap(row);
        record(row, cell)
    }

    /// (1) The first sync creates every object.
    async fn first_sync(&mut self, row: &mut Row) -> Result<String, String> {
        let d = self.d;
        let (plan, provenance) = d.plan().await?;
        for p in &plan.planned {
            self.created.push((
                p.pair.desired.id.clone(),
                p.pair.desired.api_version.clone(),
            ));
        }
        let report = d.execute(plan, provenance).await?;
        row.objects = report.counts.objects;
        check_report(&report)?;
        if report.counts.created != report.counts.objects {
            return Err(format!(
                "{} of {} objects created",
                report.counts.created, report.counts.objects
            ));
        }
        let mut missing = Vec::new();
        for (id, api_version) in &self.created {
            if d.get(api_version, id).await?.is_none() {
                missing.push(id.to_string());
            }
        }
        if !missing.is_empty() {
            return Err(format!("not live after the sync: {}", missing.join(", ")));
        }
        let mut text = format!("ok, {} created", report.counts.created);
        if let Some(code) = &self.code {
            let (id, api_version) = self
                .created
                .iter()
                .find(|(id, _)| id.kind == "Job")
                .ok_or_else(|| "no client Job rendered".to_string())?;
            let job = d
                .get(api_version, id)
                .await?
                .ok_or_else(|| "client Job not live".to_string())?;
            let pinned = check_pinned_clone(&job, code)?;
            self.details
                .push(format!("{}/{}: {pinned}", self.case.seed, self.case.env));
            text.push_str(", pinned");
        }
        Ok(text)
    }

    /// (2) A diff right after shows nothing.
    async fn diff_clean(&mut self) -> Result<String, String> {
        let (plan, _) = self.d.plan().await?;
        let changed = changed_objects(&plan);
        if plan.has_changes() || !changed.is_empty() {
            self.details.push(diff_text(&plan));
            return Err(format!("plan not clean: {}", list(&changed)));
        }
        Ok("clean".to_string())
    }

    /// (3) A second sync writes nothing: counted by syncd and by the client's request counters.
    async fn second_sync(&mut self) -> Result<String, String> {
        let stats = self.d.cluster.stats();
        let (writes, dry_runs) = (stats.writes(), stats.get(RequestKind::DryRun));
        let (plan, provenance) = self.d.plan().await?;
        // Objects the no-op fast path could not clear (hash and live fields): each costs a dry-run.
        let checked: Vec<String> = plan
            .planned
            .iter()
            .filter(|p| p.pair.step == Step::Check)
            .map(|p| format!("{} {}", p.pair.desired.id.kind, p.pair.desired.id.name))
            .collect();
        if !checked.is_empty() {
            self.details.push(format!(
                "{}/{}: no-op sync dry-ran {}",
                self.case.seed,
                self.case.env,
                checked.join(", ")
            ));
        }
        let report = self.d.execute(plan, provenance).await?;
        check_report(&report)?;
        let writes = stats.writes() - writes;
        let dry_runs = stats.get(RequestKind::DryRun) - dry_runs;
        let c = &report.counts;
        if c.changed() > 0 || writes > 0 || report.revision.is_some() {
            return Err(format!(
                "{} created, {} updated, {} recreated, {} pruned; {writes} write requests",
                c.created, c.updated, c.recreated, c.pruned
            ));
        }
        Ok(format!("0 writes, {dry_runs} dry-runs"))
    }

    fn expected(&self) -> BTreeSet<String> {
        self.case
            .expect_changed
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect()
    }

    /// The live value of the case's field.
    async fn field(&self) -> Result<Value, String> {
        let (kind, name, pointer, _, _) = &self.case.field;
        let (id, api_version) = self
            .created
            .iter()
            .find(|(id, _)| id.kind == *kind && id.name == *name)
            .ok_or_else(|| format!("{kind} {name} was not rendered"))?;
        let live = self
            .d
            .get(api_version, id)
            .await?
            .ok_or_else(|| format!("{kind} {name} is not live"))?;
        Ok(live.pointer(pointer).cloned().unwrap_or(Value::Null))
    }

    /// (4) An overlay change in the environment's values updates exactly the expected objects.
    async fn overlay_change(&mut self) -> Result<String, String> {
        let (d, case) = (self.d, self.case);
        let (kind, name, pointer, before, after) = &case.field;
        let expected = self.expected();
        d.write_env(Some((
            &case.values_files,
            &merged(&case.values, &case.change),
        )))?;
        let (plan, provenance) = d.plan().await?;
        let changed = changed_objects(&plan);
        if changed != expected {
            return Err(format!(
                "diff lists {} instead of {}",
                list(&changed),
                list(&expected)
            ));
        }
        let report = d.execute(plan, provenance).await?;
        check_report(&report)?;
        let c = &report.counts;
        if c.updated + c.recreated != expected.len() || c.created + c.pruned > 0 {
            return Err(format!(
                "{} created, {} updated, {} recreated, {} pruned",
                c.created, c.updated, c.recreated, c.pruned
            ));
        }
        let now = self.field().await?;
        if now != *after {
            return Err(format!("{kind} {name} {pointer} is {now}, want {after}"));
        }
        self.details.push(format!(
            "{}/{}: {kind} {name} {pointer}: {before} -> {after} ({} updated, {} recreated)",
            case.seed, case.env, c.updated, c.recreated
        ));
        Ok(format!("ok, {} object(s)", expected.len()))
    }

    /// (5) A rollback to the previous revision restores the field, touching the same objects.
    async fn rollback(&mut self) -> Result<String, String> {
        let d = self.d;
        let (kind, name, pointer, before, _) = &self.case.field;
        let expected = self.expected();
        let rollback = plan_rollback_to(
            &d.cluster,
            &d.ns,
            &d.env,
            &d.app,
            None,
            PruneOverrides::default(),
        )
        .await
        .map_err(|e| e.to_string())?;
        let changed = changed_objects(&rollback.plan);
        if changed != expected {
            return Err(format!(
                "rollback plan lists {} instead of {}",
                list(&changed),
                list(&expected)
            ));
        }
        let number = rollback.revision;
        let report = d.execute(rollback.plan, rollback.provenance).await?;
        check_report(&report)?;
        let now = self.field().await?;
        if now != *before {
            return Err(format!("{kind} {name} {pointer} is {now}, want {before}"));
        }
        Ok(format!("ok, to r{number}"))
    }

    /// (6) Removing the app from the environment prunes everything it owns: the environment
    /// file no longer lists it, and `syncd sync` (the CLI command itself) finds it by its
    /// inventory and prunes it.
    async fn remove(&mut self) -> Result<String, String> {
        let d = self.d;
        d.write_env(None)?;
        let sync = syncd::cli::Cli {
            verbose: 0,
            command: syncd::cli::Command::Sync(syncd::cli::SyncArgs::new(
                d.repo.path(),
                &d.env,
                &d.kubeconfig,
            )),
        };
        let code = syncd::cli::run(sync).await.map_err(|e| e.to_string())?;
        if code != 0 {
            return Err(format!("syncd sync exited {code}"));
        }
        let mut remaining = Vec::new();
        for (id, api_version) in &self.created {
            let ri = d
                .cluster
                .resource(api_version, &id.kind)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("the server has no {api_version}/{}", id.kind))?;
            let gone = d
                .cluster
                .wait_gone(&ri, id.namespace.as_deref(), &id.name, None, GONE_TIMEOUT)
                .await
                .map_err(|e| e.to_string())?;
            if !gone {
                remaining.push(id.to_string());
            }
        }
        if !remaining.is_empty() {
            return Err(format!("still live: {}", remaining.join(", ")));
        }
        // The removal is recorded like any sync, and leaves nothing for the next one to do.
        let revisions = list_revisions(&d.cluster, &d.ns, &d.env, &d.app)
            .await
            .map_err(|e| e.to_string())?;
        let pruned = revisions.last().map(|(r, _)| r.counts.pruned);
        if pruned != Some(self.created.len()) {
            return Err(format!(
                "last revision records {pruned:?} pruned, want {}",
                self.created.len()
            ));
        }
        let left = removed_apps(&d.cluster, &d.ns, &d.env, &[])
            .await
            .map_err(|e| e.to_string())?;
        if !left.is_empty() {
            return Err(format!("still listed as removed after the prune: {left:?}"));
        }
        Ok(format!("ok, {} gone", self.created.len()))
    }
}

fn check_report(report: &SyncReport) -> Result<(), String> {
    if report.succeeded() {
        return Ok(());
    }
    Err(format!("sync failed: {:?}", report.outcome()))
}

/// Records a step's cell; a failure stops the case.
fn record(row: &mut Row, cell: Result<String, String>) -> Result<(), String> {
    let failed = cell.as_ref().err().cloned();
    row.cells.push(cell);
    match failed {
        Some(e) => Err(format!(
            "{}/{}: {} failed: {e}",
            row.seed,
            row.env,
            STEPS[row.cells.len() - 1]
        )),
        None => Ok(()),
    }
}

fn list(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        return "nothing".into();
    }
    set.iter().cloned().collect::<Vec<_>>().join(", ")
}

// ---------------------------------------------------------------------------------------------
// The table

fn print_table(rows: &[Row]) {
    let mut lines: Vec<Vec<String>> = vec![[
        "seed", "env", "objects", STEPS[0], STEPS[1], STEPS[2], STEPS[3], STEPS[4], STEPS[5],
        "time",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()];
    for r in rows {
        let mut line = vec![r.seed.to_string(), r.env.to_string(), r.objects.to_string()];
        for i in 0..STEPS.len() {
            line.push(match r.cells.get(i) {
                Some(Ok(text)) => text.clone(),
                Some(Err(_)) => "FAILED".into(),
                None => "-".into(),
            });
        }
        line.push(format!("{:.1}s", r.time.as_secs_f64()));
        lines.push(line);
    }
    let widths: Vec<usize> = (0..lines[0].len())
        .map(|c| lines.iter().map(|l| l[c].len()).max().unwrap_or(0))
        .collect();
    for (i, line) in lines.iter().enumerate() {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        println!("| {} |", cells.join(" | "));
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            println!("|-{}-|", rule.join("-|-"));
        }
    }
}

fn main() {
    let corpus = match std::env::var_os("SYNCD_HELM_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/helm-corpus"),
    };
    if !corpus.join("charts").is_dir() {
        println!(
            "skipped: corpus not found ({})",
            corpus.join("charts").display()
        );
        return;
    }
    let Some(kubeconfig) = syncd_e2e::kubeconfig() else {
        println!("skipped: {KUBECONFIG_VAR} not set");
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let started = Instant::now();
    let selected: Vec<Case> = cases()
        .into_iter()
        .filter(|c| syncd_e2e::runner::selected(&format!("{}/{}", c.seed, c.env)))
        .collect();
    // The cases share nothing but the API server (own namespaces, own repos, own clients), so
    // they run concurrently; the table keeps their order.
    let rows: Vec<Row> = runtime.block_on(async {
        let tasks: Vec<Pin<Box<dyn Future<Output = Row> + Send>>> = selected
            .into_iter()
            .map(|case| {
                let fut = run_case(kubeconfig.clone(), corpus.clone(), case);
                Box::pin(fut) as Pin<Box<dyn Future<Output = Row> + Send>>
            })
            .collect();
        let handles: Vec<_> = tasks.into_iter().map(tokio::spawn).collect();
        let mut rows = Vec::new();
        for h in handles {
            rows.push(h.await.expect("case task"));
        }
        rows
    });
    print_table(&rows);
    let notes: Vec<(String, &'static str)> = cases()
        .into_iter()
        .map(|c| (format!("{}/{}", c.seed, c.env), c.note))
        .collect();
    println!();
    for r in &rows {
        let name = format!("{}/{}", r.seed, r.env);
        if let Some((_, note)) = notes.iter().find(|(n, _)| *n == name) {
            println!("{name}: {note}");
        }
    }
    println!();
    for r in &rows {
        for d in &r.details {
            println!("{d}");
        }
        let times: Vec<String> = r
            .step_times
            .iter()
            .zip(STEPS)
            .map(|(t, step)| format!("{step} {:.1}s", t.as_secs_f64()))
            .collect();
        println!("{}/{} step times: {}", r.seed, r.env, times.join(", "));
    }
    let failed = rows
        .iter()
        .filter(|r| r.cells.len() < STEPS.len() || r.cells.iter().any(Result::is_err))
        .count();
    println!(
        "{} of {} seed environments passed in {:.1}s",
        rows.len() - failed,
        rows.len(),
        started.elapsed().as_secs_f64()
    );
    if failed > 0 {
        std::process::exit(1);
    }
}
