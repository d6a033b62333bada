//! The pipeline against a real API server: create, no-op, diff, prune, protection, empty render,
//! Job recreation, rollback and malformed input. A plain binary (`harness = false`) so that
//! without a cluster it prints exactly one `skipped:` line, and with one a `N passed, M failed`
//! summary.

use syncd::diff::Action;
use syncd::engine::{list_revisions, load_revision_with_hooks, plan_rollback_to, PruneOverrides};
use syncd_e2e::{changed_lines, configmap, core, git, jobs, Lab};

fn cms() -> syncd::cluster::ResourceInfo {
    core("ConfigMap", "configmaps", true)
}

async fn first_sync_creates_second_writes_nothing() {
    let lab = Lab::new("noop").await;
    for i in 0..3 {
        lab.write(
            &format!("apps/app/manifests/cm{i}.yaml"),
            &configmap(&format!("cm{i}"), "v1"),
        );
    }
    let first = lab.sync().await.unwrap();
    assert_eq!(first.counts.created, 3, "{first:?}");
    assert!(first.succeeded());
    assert_eq!(first.revision.as_ref().map(|r| r.number), Some(1));
    let cm = lab.get(&cms(), "cm0").await.expect("created");
    assert_eq!(cm["metadata"]["labels"]["syncd.io/app"], "app");

    let writes = lab.cluster.stats().writes();
    let dry_runs = lab.cluster.stats().get(syncd::cluster::RequestKind::DryRun);
    let second = lab.sync().await.unwrap();
    assert_eq!(second.counts.unchanged, 3);
    assert_eq!(second.counts.changed(), 0);
    assert!(
        second.revision.is_none(),
        "a no-op sync records no revision"
    );
    assert_eq!(
        lab.cluster.stats().writes(),
        writes,
        "a no-op sync writes nothing"
    );
    assert_eq!(
        lab.cluster.stats().get(syncd::cluster::RequestKind::DryRun),
        dry_runs,
        "a no-op sync needs no dry-run"
    );
    assert!(
        lab.diff_text().await.is_empty(),
        "diff after sync shows nothing"
    );
    lab.cleanup().await;
}

async fn one_changed_field_shows_exactly_that_field() {
    let lab = Lab::new("diff").await;
    lab.write(
        "apps/app/manifests/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: busybox:1.36\n",
    );
    lab.sync().await.unwrap();
    lab.write(
        "apps/app/manifests/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: busybox:1.36\n",
    );
    let diff = lab.diff_text().await;
    assert_eq!(
        changed_lines(&diff),
        ["-  replicas: 1", "+  replicas: 3"],
        "{diff}"
    );

    // The CLI says the same with exit code 1.
    let cli = syncd::cli::Cli {
        verbose: 0,
        command: syncd::cli::Command::Diff(syncd::cli::SyncArgs::new(
            lab.root(),
            "test",
            &lab.kubeconfig,
        )),
    };
    assert_eq!(syncd::cli::run(cli).await.unwrap(), 1);
    lab.sync().await.unwrap();
    assert!(lab.diff_text().await.is_empty());
    lab.cleanup().await;
}

async fn removed_object_is_pruned_and_protected_one_kept() {
    let lab = Lab::new("prune").await;
    lab.write("apps/app/manifests/keep.yaml", &configmap("keep", "v"));
    lab.write("apps/app/manifests/gone.yaml", &configmap("gone", "v"));
    lab.write(
        "apps/app/manifests/protected.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: protected\n  annotations:\n    syncd.io/prune: disabled\ndata: {k: v}\n",
    );
    lab.sync().await.unwrap();
    lab.remove("apps/app/manifests/gone.yaml");
    lab.remove("apps/app/manifests/protected.yaml");
    let report = lab.sync().await.unwrap();
    assert_eq!(report.counts.pruned, 1, "{report:?}");
    assert!(lab.get(&cms(), "gone").await.is_none(), "pruned");
    assert!(
        lab.get(&cms(), "protected").await.is_some(),
        "protected object kept"
    );
    assert!(lab.get(&cms(), "keep").await.is_some());
    lab.cleanup().await;
}

async fn empty_render_prunes_nothing() {
    let lab = Lab::new("empty").await;
    lab.write("apps/app/manifests/a.yaml", &configmap("a", "v"));
    lab.write("apps/app/manifests/b.yaml", &configmap("b", "v"));
    lab.sync().await.unwrap();
    lab.remove("apps/app/manifests/a.yaml");
    lab.remove("apps/app/manifests/b.yaml");
    let report = lab.sync().await.unwrap();
    assert!(report.prune_refused.is_some(), "{report:?}");
    assert!(!report.succeeded());
    assert!(lab.get(&cms(), "a").await.is_some());
    assert!(lab.get(&cms(), "b").await.is_some());
    // Only an explicit override prunes an app to nothing.
    let report = lab
        .sync_with(PruneOverrides {
            allow_empty: true,
            allow_over_budget: true,
        })
        .await
        .unwrap();
    assert_eq!(report.counts.pruned, 2);
    lab.cleanup().await;
}

fn job(command: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: train\nspec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: train\n        image: busybox:1.36\n        command: [\"sh\", \"-c\", \"{command}\"]\n"
    )
}

async fn changed_job_is_recreated() {
    let lab = Lab::new("job").await;
    lab.write("apps/app/manifests/job.yaml", &job("echo one"));
    lab.sync().await.unwrap();
    let first = lab.get(&jobs(), "train").await.expect("job");
    lab.write("apps/app/manifests/job.yaml", &job("echo two"));
    let plan = lab.plan(PruneOverrides::default()).await.unwrap();
    assert_eq!(plan.planned[0].action, Action::Recreate);
    let report = lab.sync().await.unwrap();
    assert_eq!(report.counts.recreated, 1, "{report:?}");
    let second = lab.get(&jobs(), "train").await.expect("job recreated");
    assert_ne!(first["metadata"]["uid"], second["metadata"]["uid"]);
    let cmd = &second["spec"]["template"]["spec"]["containers"][0]["command"][2];
    assert_eq!(cmd, "echo two");
    lab.cleanup().await;
}

async fn rollback_restores_earlier_object_set() {
    let lab = Lab::new("rollback").await;
    lab.write("apps/app/manifests/a.yaml", &configmap("a", "one"));
    lab.sync().await.unwrap();
    lab.remove("apps/app/manifests/a.yaml");
    lab.write("apps/app/manifests/b.yaml", &configmap("b", "two"));
    lab.sync_with(PruneOverrides {
        allow_empty: false,
        allow_over_budget: true,
    })
    .await
    .unwrap();
    assert!(lab.get(&cms(), "a").await.is_none());

    let rollback = plan_rollback_to(
        &lab.cluster,
        &lab.ns,
        "test",
        "app",
        None,
        PruneOverrides {
            allow_empty: false,
            allow_over_budget: true,
        },
    )
    .await
    .unwrap();
    assert_eq!(rollback.revision, 1);
    let report = syncd::engine::execute(&lab.cluster, rollback.plan, rollback.provenance, &|_| {})
        .await
        .unwrap();
    assert!(report.succeeded(), "{report:?}");
    let a = lab.get(&cms(), "a").await.expect("a restored");
    assert_eq!(a["data"]["key"], "one");
    assert!(
        lab.get(&cms(), "b").await.is_none(),
        "b pruned by the rollback"
    );
    let revisions = list_revisions(&lab.cluster, &lab.ns, "test", "app")
        .await
        .unwrap();
    let last = &revisions.last().unwrap().0;
    assert_eq!((last.number, last.rollback_of), (3, Some(1)));
    lab.cleanup().await;
}

async fn malformed_manifest_leaves_cluster_untouched() {
    let lab = Lab::new("malformed").await;
    lab.write("apps/app/manifests/a.yaml", &configmap("a", "v"));
    // Each beside the valid `a`: the error names it, and nothing is written, not even `a`.
    for (bad, named) in [
        // Invalid YAML.
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: [broken\n",
            "bad.yaml",
        ),
        // Valid YAML the server rejects.
        (
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: bad\nspec:\n  ports:\n  - port: 99999\n",
            "Service",
        ),
        // An unknown kind: an error before anything is written.
        (
            "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n",
            "Widget",
        ),
    ] {
        lab.write("apps/app/manifests/bad.yaml", bad);
        let err = lab.sync().await.unwrap_err();
        assert!(err.contains(named), "{err}");
        assert!(lab.get(&cms(), "a").await.is_none(), "nothing written");
    }
    lab.cleanup().await;
}

async fn helm_chart_app_with_overlay() {
    let lab = Lab::new("helm").await;
    lab.write(
        "apps/app/app.yaml",
        "apiVersion: syncd.io/v1alpha1\nkind: App\nmetadata:\n  name: app\nspec:\n  source:\n    helm:\n      chart: chart\n      releaseName: gw\n      valuesFiles: [values-base.yaml]\n",
    );
    lab.write(
        "apps/app/chart/Chart.yaml",
        "apiVersion: v2\nname: gw\nversion: 0.1.0\n",
    );
    lab.write("apps/app/chart/values.yaml", "replicas: 1\nmodel: small\n");
    lab.write(
        "apps/app/chart/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-routing\ndata:\n  model: {{ .Values.model | quote }}\n  replicas: {{ .Values.replicas | quote }}\n",
    );
    lab.write("apps/app/values-base.yaml", "model: medium\n");
    let report = lab.sync().await.unwrap();
    assert_eq!(report.counts.created, 1, "{report:?}");
    let cm = lab
        .get(&cms(), "gw-routing")
        .await
        .expect("rendered by the chart");
    assert_eq!(cm["data"]["model"], "medium");
    assert!(lab.diff_text().await.is_empty());
    lab.write("apps/app/values-base.yaml", "model: large\n");
    let diff = lab.diff_text().await;
    assert_eq!(
        changed_lines(&diff),
        ["-  model: medium", "+  model: large"],
        "{diff}"
    );
    let report = lab.sync().await.unwrap();
    assert_eq!(report.counts.updated, 1);
    lab.cleanup().await;
}

async fn chart_reuses_live_secret_via_lookup_and_sees_live_capabilities() {
    let lab = Lab::new("lookup").await;
    lab.write(
        "apps/app/app.yaml",
        "apiVersion: syncd.io/v1alpha1\nkind: App\nmetadata:\n  name: app\nspec:\n  source:\n    helm:\n      chart: chart\n",
    );
    lab.write(
        "apps/app/chart/Chart.yaml",
        "apiVersion: v2\nname: ds\nversion: 0.1.0\n",
    );
    // The DeepSpeed pattern: generate a key once, then keep reusing the live one.
    lab.write(
        "apps/app/chart/templates/secret.yaml",
        "{{- $live := lookup \"v1\" \"Secret\" .Release.Namespace \"ssh-key\" }}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: ssh-key\ndata:\n  key: {{ if $live }}{{ index $live.data \"key\" }}{{ else }}{{ randAlphaNum 24 | b64enc }}{{ end }}\n",
    );
    lab.write(
        "apps/app/chart/templates/caps.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caps\ndata:\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n  jobs: {{ .Capabilities.APIVersions.Has \"batch/v1/Job\" | quote }}\n",
    );
    let first = lab.sync().await.unwrap();
    assert_eq!(first.counts.created, 2, "{first:?}");
    let key = lab
        .get(&core("Secret", "secrets", true), "ssh-key")
        .await
        .unwrap()["data"]["key"]
        .clone();
    let writes = lab.cluster.stats().writes();
    let second = lab.sync().await.unwrap();
    assert_eq!(
        second.counts.changed(),
        0,
        "lookup keeps the generated key stable: {second:?}"
    );
    assert_eq!(lab.cluster.stats().writes(), writes);
    let again = lab
        .get(&core("Secret", "secrets", true), "ssh-key")
        .await
        .unwrap()["data"]["key"]
        .clone();
    assert_eq!(key, again);
    let caps = lab.get(&cms(), "caps").await.unwrap();
    let (version, _, _) = lab.cluster.server_version().await.unwrap();
    assert_eq!(
        caps["data"]["kube"],
        version.as_str(),
        "live server version, not Helm's default"
    );
    assert_eq!(caps["data"]["jobs"], "true");
    lab.cleanup().await;
}

/// A chart app whose chart has the given templates (path under `templates/`, text).
fn chart_app(lab: &Lab, templates: &[(&str, &str)]) {
    lab.write(
        "apps/app/app.yaml",
        "apiVersion: syncd.io/v1alpha1\nkind: App\nmetadata:\n  name: app\nspec:\n  source:\n    helm:\n      chart: chart\n",
    );
    lab.write(
        "apps/app/chart/Chart.yaml",
        "apiVersion: v2\nname: hk\nversion: 0.1.0\n",
    );
    lab.write("apps/app/chart/values.yaml", "model: small\n");
    for (path, text) in templates {
        lab.write(&format!("apps/app/chart/templates/{path}"), text);
    }
}

fn hook_job(name: &str, events: &str, weight: i32, policy: Option<&str>) -> String {
    let policy = policy
        .map(|p| format!("\n    helm.sh/hook-delete-policy: {p}"))
        .unwrap_or_default();
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: {events}\n    helm.sh/hook-weight: \"{weight}\"{policy}\nspec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: run\n        image: busybox:1.36\n        command: [\"true\"]\n"
    )
}

fn hook_lines(report: &syncd::engine::SyncReport) -> Vec<String> {
    report
        .hooks
        .iter()
        .map(|h| {
            format!(
                "{} {} {}{}",
                h.event,
                h.id,
                h.weight,
                if h.error.is_some() { " failed" } else { "" }
            )
        })
        .collect()
}

async fn chart_hooks_run_in_order_around_the_apply() {
    let lab = Lab::new("hooks").await;
    let kubelet = syncd_e2e::FakeKubelet::start(&lab.kubeconfig, &lab.ns, &[]).await;
    chart_app(
        &lab,
        &[
            ("main.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: main\ndata:\n  model: {{ .Values.model }}\n  revision: {{ .Release.Revision | quote }}\n"),
            ("pre-job.yaml", &hook_job("migrate", "pre-install,pre-upgrade", -5, Some("hook-succeeded"))),
            ("pre-cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pre-config\n  annotations:\n    helm.sh/hook: pre-install\ndata:\n  upgrade: {{ .Release.IsUpgrade | quote }}\n"),
            ("post-job.yaml", &hook_job("notify", "post-install,post-upgrade", 0, None)),
            ("test.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: smoke\n  annotations:\n    helm.sh/hook: test\nspec:\n  containers: [{name: t, image: busybox:1.36}]\n"),
        ],
    );
    let plan = lab.plan(PruneOverrides::default()).await.unwrap();
    assert_eq!(
        plan.hooks.pre.len(),
        2,
        "diff lists the hooks without running them"
    );
    assert!(
        lab.get(&jobs(), "migrate").await.is_none(),
        "planning runs nothing"
    );

    let first = lab.sync().await.unwrap();
    assert!(first.succeeded(), "{first:?}");
    let ns = &lab.ns;
    assert_eq!(
        hook_lines(&first),
        [
            format!("pre-install batch/Job {ns}/migrate -5"),
            format!("pre-install ConfigMap {ns}/pre-config 0"),
            format!("post-install batch/Job {ns}/notify 0"),
        ]
    );
    assert_eq!(
        first.hooks_not_run.len(),
        1,
        "the test hook is listed, not run"
    );
    // What the kubelet saw when each Job appeared proves the order: the weight -5 Job ran
    // before the weight 0 ConfigMap hook and the main apply; the post Job after both.
    let seen = kubelet.seen();
    let order: Vec<(&str, Vec<String>)> = seen
        .iter()
        .map(|j| (j.name.as_str(), j.configmaps.clone()))
        .collect();
    assert_eq!(order.len(), 2, "{seen:?}");
    assert_eq!(order[0].0, "migrate");
    assert!(!order[0].1.contains(&"pre-config".to_string()), "{seen:?}");
    assert!(!order[0].1.contains(&"main".to_string()), "{seen:?}");
    assert_eq!(order[1].0, "notify");
    assert!(order[1].1.contains(&"pre-config".to_string()), "{seen:?}");
    assert!(order[1].1.contains(&"main".to_string()), "{seen:?}");
    assert!(
        lab.get(&jobs(), "migrate").await.is_none(),
        "hook-succeeded deletes the Job after success"
    );
    let notify = lab
        .get(&jobs(), "notify")
        .await
        .expect("the default policy keeps it");
    assert_eq!(
        first.counts.created, 1,
        "hooks are not counted as objects: {first:?}"
    );
    let main = lab.get(&cms(), "main").await.expect("main object");
    assert_eq!(main["data"]["revision"], "1");
    let pre_config = lab.get(&cms(), "pre-config").await.expect("hook ConfigMap");
    assert_eq!(
        pre_config["data"]["upgrade"], "false",
        "first sync is an install"
    );

    // No change: no hook runs, nothing is written.
    let writes = lab.cluster.stats().writes();
    let second = lab.sync().await.unwrap();
    assert!(second.hooks.is_empty(), "{second:?}");
    assert_eq!(second.counts.changed(), 0, "{second:?}");
    assert_eq!(
        lab.cluster.stats().writes(),
        writes,
        "a no-op sync writes nothing"
    );
    assert_eq!(kubelet.seen().len(), 2);

    // A change: an upgrade, with the upgrade hooks.
    lab.write("apps/app/chart/values.yaml", "model: large\n");
    let third = lab.sync().await.unwrap();
    assert!(third.succeeded(), "{third:?}");
    assert_eq!(
        hook_lines(&third),
        [
            format!("pre-upgrade batch/Job {ns}/migrate -5"),
            format!("post-upgrade batch/Job {ns}/notify 0"),
        ]
    );
    assert_eq!(
        lab.get(&cms(), "main").await.unwrap()["data"]["model"],
        "large"
    );
    let renewed = lab
        .get(&jobs(), "notify")
        .await
        .expect("post hook re-created");
    assert_ne!(
        renewed["metadata"]["uid"], notify["metadata"]["uid"],
        "before-hook-creation deleted the old hook Job first"
    );
    assert_eq!(kubelet.seen().len(), 4);
    assert_eq!(third.revision.as_ref().map(|r| r.number), Some(2));
    assert_eq!(
        lab.get(&cms(), "main").await.unwrap()["data"]["revision"],
        "2",
        "a changing sync renders the revision it records"
    );
    // ...so that the next sync renders the same stamp again and stays a no-op.
    let writes = lab.cluster.stats().writes();
    let fourth = lab.sync().await.unwrap();
    assert_eq!(fourth.counts.changed(), 0, "{fourth:?}");
    assert!(fourth.hooks.is_empty());
    assert_eq!(lab.cluster.stats().writes(), writes);
    lab.cleanup().await;
}

async fn failing_pre_hook_writes_no_object() {
    let lab = Lab::new("hookfail").await;
    let _kubelet = syncd_e2e::FakeKubelet::start(&lab.kubeconfig, &lab.ns, &["migrate"]).await;
    chart_app(
        &lab,
        &[
            ("main.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: main\ndata:\n  model: {{ .Values.model }}\n"),
            ("pre-job.yaml", &hook_job("migrate", "pre-install", 0, Some("hook-failed"))),
        ],
    );
    let report = lab.sync().await.unwrap();
    assert!(!report.succeeded());
    assert!(report.stopped_by_pre_hook);
    assert_eq!(
        hook_lines(&report),
        [format!("pre-install batch/Job {}/migrate 0 failed", lab.ns)]
    );
    let outcome = format!("{:?}", report.outcome());
    assert!(
        outcome.contains(&format!(
            "pre-install hook batch/Job {}/migrate: job failed",
            lab.ns
        )),
        "{outcome}"
    );
    assert!(
        lab.get(&cms(), "main").await.is_none(),
        "no main object was written"
    );
    assert!(report.revision.is_none());
    assert!(
        list_revisions(&lab.cluster, &lab.ns, "test", "app")
            .await
            .unwrap()
            .is_empty(),
        "nothing recorded"
    );
    // hook-failed removes the failed Job (the delete is asynchronous for its dependents).
    let gone = lab
        .cluster
        .wait_gone(
            &jobs(),
            Some(&lab.ns),
            "migrate",
            None,
            std::time::Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert!(gone, "hook-failed deletes the Job");
    lab.cleanup().await;
}

async fn failing_post_hook_fails_the_sync_and_is_recorded() {
    let lab = Lab::new("postfail").await;
    let _kubelet = syncd_e2e::FakeKubelet::start(&lab.kubeconfig, &lab.ns, &["notify"]).await;
    chart_app(
        &lab,
        &[
            (
                "main.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: main\ndata:\n  model: {{ .Values.model }}\n",
            ),
            ("post-job.yaml", &hook_job("notify", "post-install", 0, None)),
        ],
    );
    let report = lab.sync().await.unwrap();
    assert!(!report.succeeded(), "{report:?}");
    assert!(!report.stopped_by_pre_hook);
    assert!(
        lab.get(&cms(), "main").await.is_some(),
        "the main apply happened"
    );
    let revisions = list_revisions(&lab.cluster, &lab.ns, "test", "app")
        .await
        .unwrap();
    assert_eq!(revisions.len(), 1);
    let recorded = format!("{:?}", revisions[0].0.outcome);
    assert!(
        recorded.contains(&format!(
            "post-install hook batch/Job {}/notify: job failed",
            lab.ns
        )),
        "{recorded}"
    );
    lab.cleanup().await;
}

async fn training_code_commit_is_pinned_recreated_and_rolled_back() {
    let lab = Lab::new("code").await;
    let code = tempfile::tempdir().unwrap();
    git(code.path(), &["init", "-q"]).unwrap();
    std::fs::write(code.path().join("train.py"), "print(1)\n").unwrap();
    git(code.path(), &["add", "-A"]).unwrap();
    git(code.path(), &["commit", "-qm", "v1"]).unwrap();
    let v1 = git(code.path(), &["rev-parse", "HEAD"]).unwrap();
    lab.write(
        "apps/app/app.yaml",
        &format!("apiVersion: syncd.io/v1alpha1\nkind: App\nmetadata:\n  name: app\nspec:\n  source:\n    helm:\n      chart: chart\n  sources:\n    code:\n      git: file://{}\n      ref: main\n      inject:\n        revision: source.git.revision\n", code.path().display()),
    );
    lab.write(
        "apps/app/chart/Chart.yaml",
        "apiVersion: v2\nname: trainer\nversion: 0.1.0\n",
    );
    lab.write(
        "apps/app/chart/values.yaml",
        "source:\n  git:\n    revision: main\n",
    );
    lab.write(
        "apps/app/chart/templates/job.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: train\nspec:\n  backoffLimit: 0\n  template:\n    metadata:\n      annotations:\n        code/revision: {{ .Values.source.git.revision | quote }}\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: train\n        image: busybox:1.36\n",
    );
    let revision_of = |job: &serde_json::Value| {
        job["spec"]["template"]["metadata"]["annotations"]["code/revision"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    lab.sync().await.unwrap();
    let first = lab.get(&jobs(), "train").await.expect("job created");
    assert_eq!(revision_of(&first), v1, "the pinned commit, not `main`");

    // The training branch moves: the Job's pod template changes, so it is recreated.
    std::fs::write(code.path().join("train.py"), "print(2)\n").unwrap();
    git(code.path(), &["commit", "-qam", "v2"]).unwrap();
    let v2 = git(code.path(), &["rev-parse", "HEAD"]).unwrap();
    let report = lab.sync().await.unwrap();
    assert_eq!(report.counts.recreated, 1, "{report:?}");
    let second = lab.get(&jobs(), "train").await.expect("job recreated");
    assert_eq!(revision_of(&second), v2);
    assert_ne!(first["metadata"]["uid"], second["metadata"]["uid"]);

    // History recorded each commit; a rollback to revision 1 brings v1 back without Git.
    let revisions = list_revisions(&lab.cluster, &lab.ns, "test", "app")
        .await
        .unwrap();
    let pinned: Vec<String> = revisions
        .iter()
        .map(|(r, _)| {
            r.sources
                .iter()
                .find(|s| s.name == "code")
                .unwrap()
                .pinned
                .clone()
        })
        .collect();
    assert_eq!(pinned, [v1.clone(), v2.clone()]);
    let rollback = plan_rollback_to(
        &lab.cluster,
        &lab.ns,
        "test",
        "app",
        Some(1),
        PruneOverrides::default(),
    )
    .await
    .unwrap();
    assert_eq!(rollback.provenance.sources, revisions[0].0.sources);
    let report = syncd::engine::execute(&lab.cluster, rollback.plan, rollback.provenance, &|_| {})
        .await
        .unwrap();
    assert!(report.succeeded(), "{report:?}");
    let third = lab.get(&jobs(), "train").await.expect("job restored");
    assert_eq!(revision_of(&third), v1);
    lab.cleanup().await;
}

async fn rollback_runs_the_stored_rollback_hooks() {
    let lab = Lab::new("rbhooks").await;
    let kubelet = syncd_e2e::FakeKubelet::start(&lab.kubeconfig, &lab.ns, &[]).await;
    chart_app(
        &lab,
        &[
            (
                "main.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: main\ndata:\n  model: {{ .Values.model }}\n",
            ),
            (
                "pre-rb.yaml",
                &hook_job("before-rollback", "pre-rollback", 0, Some("hook-succeeded")),
            ),
            (
                "post-rb.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: after-rollback\n  annotations:\n    helm.sh/hook: post-rollback\ndata:\n  model: {{ .Values.model }}\n",
            ),
        ],
    );
    let first = lab.sync().await.unwrap();
    assert!(first.hooks.is_empty(), "rollback hooks do not run on sync");
    assert_eq!(first.hooks_not_run.len(), 2);
    lab.write("apps/app/chart/values.yaml", "model: large\n");
    lab.sync().await.unwrap();
    assert!(kubelet.seen().is_empty());

    let (revision, _, hooks) = load_revision_with_hooks(&lab.cluster, &lab.ns, "test", "app", None)
        .await
        .unwrap();
    assert_eq!(revision.number, 1);
    assert_eq!(hooks.len(), 2, "the revision stored the chart's hooks");
    let rollback = plan_rollback_to(
        &lab.cluster,
        &lab.ns,
        "test",
        "app",
        None,
        PruneOverrides::default(),
    )
    .await
    .unwrap();
    let report = syncd::engine::execute(&lab.cluster, rollback.plan, rollback.provenance, &|_| {})
        .await
        .unwrap();
    assert!(report.succeeded(), "{report:?}");
    let ns = &lab.ns;
    assert_eq!(
        hook_lines(&report),
        [
            format!("pre-rollback batch/Job {ns}/before-rollback 0"),
            format!("post-rollback ConfigMap {ns}/after-rollback 0"),
        ]
    );
    let seen = kubelet.seen();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0].configmaps.contains(&"main".to_string())
            && !seen[0].configmaps.contains(&"after-rollback".to_string()),
        "{seen:?}"
    );
    assert_eq!(
        lab.get(&cms(), "main").await.unwrap()["data"]["model"],
        "small"
    );
    let after = lab.get(&cms(), "after-rollback").await.unwrap();
    assert_eq!(
        after["data"]["model"], "small",
        "revision 1's hook, not Git's"
    );
    assert!(after["metadata"]["annotations"]
        .get(syncd::engine::ANNOTATION_STORED_HOOK)
        .is_none());
    lab.cleanup().await;
}

async fn random_values_without_lookup_do_not_churn() {
    let lab = Lab::new("churn").await;
    chart_app(
        &lab,
        &[(
            "secret.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  user: {{ \"admin\" | b64enc }}\n  password: {{ randAlphaNum 20 | b64enc }}\n",
        )],
    );
    let plan = lab.plan(PruneOverrides::default()).await.unwrap();
    let notes: Vec<String> = plan.churn.iter().map(ToString::to_string).collect();
    assert_eq!(
        notes,
        [format!(
            "note: Secret {}/creds: data.password differs between two renders (random values); not live yet, created as rendered",
            lab.ns
        )]
    );
    let first = lab.sync().await.unwrap();
    assert_eq!(first.counts.created, 1, "{first:?}");
    let secrets = core("Secret", "secrets", true);
    let password = lab.get(&secrets, "creds").await.unwrap()["data"]["password"].clone();

    let writes = lab.cluster.stats().writes();
    let second = lab.sync().await.unwrap();
    assert_eq!(second.counts.changed(), 0, "{second:?}");
    assert_eq!(
        lab.cluster.stats().writes(),
        writes,
        "the random value does not churn"
    );
    assert_eq!(
        lab.get(&secrets, "creds").await.unwrap()["data"]["password"],
        password
    );
    let plan = lab.plan(PruneOverrides::default()).await.unwrap();
    let note = plan.churn[0].to_string();
    assert!(
        note.ends_with(
            "data.password differs between two renders (random values); keeping the live value"
        ),
        "{note}"
    );
    assert!(
        !note.contains(password.as_str().unwrap()),
        "the note never shows the value"
    );
    assert!(lab.diff_text().await.is_empty(), "diff shows no change");
    lab.cleanup().await;
}

/// Regression: the pod of a Job that the fake kubelet completed may keep the Job controller's
/// `batch.kubernetes.io/job-tracking` finalizer for good (once the Job is deleted: a re-run
/// hook, a recreate); `Lab::cleanup` used to delete the namespace without lifting it, leaving
/// the namespace `Terminating` on the shared cluster. The pod here carries the finalizer from
/// the start, so that the case does not hang on the Job controller's timing.
async fn cleanup_deletes_a_namespace_whose_job_pod_holds_a_finalizer() {
    let lab = Lab::new("cleanup").await;
    let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "held", "namespace": lab.ns,
            "finalizers": ["batch.kubernetes.io/job-tracking"]},
        "spec": {"containers": [{"name": "main", "image": "busybox:1.36"}]}});
    lab.cluster
        .apply(&core("Pod", "pods", true), &pod, false, true)
        .await
        .unwrap();
    let cluster = syncd_e2e::connect(&lab.kubeconfig).await;
    let ns = lab.ns.clone();
    lab.cleanup().await;
    let gone = cluster
        .wait_gone(
            &core("Namespace", "namespaces", false),
            None,
            &ns,
            None,
            std::time::Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert!(
        gone,
        "namespace {ns} still there a minute after the cleanup"
    );
}

fn main() {
    syncd_e2e::runner::run(syncd_e2e::scenarios![
        first_sync_creates_second_writes_nothing,
        one_changed_field_shows_exactly_that_field,
        removed_object_is_pruned_and_protected_one_kept,
        empty_render_prunes_nothing,
        changed_job_is_recreated,
        rollback_restores_earlier_object_set,
        malformed_manifest_leaves_cluster_untouched,
        helm_chart_app_with_overlay,
        chart_reuses_live_secret_via_lookup_and_sees_live_capabilities,
        chart_hooks_run_in_order_around_the_apply,
        failing_pre_hook_writes_no_object,
        failing_post_hook_fails_the_sync_and_is_recorded,
        rollback_runs_the_stored_rollback_hooks,
        random_values_without_lookup_do_not_churn,
        training_code_commit_is_pinned_recreated_and_rolled_back,
        cleanup_deletes_a_namespace_whose_job_pod_holds_a_finalizer,
    ]);
}
