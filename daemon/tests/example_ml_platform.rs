//! `examples/ml-platform` through `syncd render` and `syncd template`: every environment renders
//! offline as far as it can (dev entirely — the README's first command — and prod except the
//! apps that fetch from the network), the gateway chart takes the evaluation and production
//! shapes, the training chart runs code pinned by commit and refuses a branch, the remote apps
//! are declared as the README says, and deploy/'s narrow ClusterRole covers every kind rendered.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use syncd_config::{ChartSource, Repo, SourceSpec};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ml-platform")
}

fn syncd(args: &[&str], cache: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_syncd"))
        .args(args)
        .env("SYNCD_CACHE_DIR", cache)
        .output()
        .expect("syncd runs")
}

fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether an app renders from the repo alone: no remote chart, no extra git source.
fn offline(app: &syncd_config::App) -> bool {
    let local_chart = match &app.source {
        SourceSpec::Manifests { .. } => true,
        SourceSpec::Helm { chart, .. } => matches!(chart, ChartSource::Local(_)),
    };
    local_chart && app.sources.is_empty()
}

/// Renders `apps` of `env` (all of them when `apps` is empty) and returns the objects by app.
fn render(env: &str, apps: &[&str]) -> BTreeMap<String, Vec<Value>> {
    let cache = tempfile::tempdir().unwrap();
    let root = example();
    let mut args = vec!["render", root.to_str().unwrap(), "--env", env, "-o", "json"];
    for a in apps {
        args.extend(["--app", a]);
    }
    let list: Value = serde_json::from_str(&ok(syncd(&args, cache.path()), env)).unwrap();
    assert_eq!(list["kind"], "List");
    let mut by_app: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for o in list["items"].as_array().unwrap() {
        let app = o["metadata"]["labels"]["syncd.io/app"].as_str().unwrap();
        by_app.entry(app.to_string()).or_default().push(o.clone());
    }
    by_app
}

/// Every environment, rendered as far as it renders offline.
fn render_offline() -> BTreeMap<String, BTreeMap<String, Vec<Value>>> {
    let repo = Repo::load(&example()).unwrap_or_else(|e| panic!("{e}"));
    let mut out = BTreeMap::new();
    for (name, env) in &repo.environments {
        let listed: Vec<&str> = env.apps.iter().map(|a| a.name.as_str()).collect();
        let local: Vec<&str> = listed
            .iter()
            .copied()
            .filter(|a| offline(&repo.apps[*a]))
            .collect();
        assert!(!local.is_empty(), "{name}: nothing renders offline");
        let rendered = if local.len() == listed.len() {
            render(name, &[])
        } else {
            render(name, &local)
        };
        for app in &local {
            assert!(
                rendered.get(*app).is_some_and(|objs| !objs.is_empty()),
                "{name}/{app} rendered nothing"
            );
        }
        out.insert(name.clone(), rendered);
    }
    out
}

fn one<'a>(objs: &'a [Value], kind: &str) -> &'a Value {
    let found: Vec<&Value> = objs.iter().filter(|o| o["kind"] == kind).collect();
    assert_eq!(found.len(), 1, "expected one {kind}");
    found[0]
}

fn count(objs: &[Value], kind: &str) -> usize {
    objs.iter().filter(|o| o["kind"] == kind).count()
}

fn env_var<'a>(container: &'a Value, name: &str) -> &'a Value {
    container["env"]
        .as_array()
        .and_then(|e| e.iter().find(|v| v["name"] == name))
        .unwrap_or_else(|| panic!("env {name}"))
}

#[test]
fn dev_renders_entirely_offline() {
    let repo = Repo::load(&example()).unwrap();
    let dev = &repo.environments["dev"];
    for entry in &dev.apps {
        assert!(
            offline(&repo.apps[&entry.name]),
            "dev lists {}, which needs the network: the README's first command would fail",
            entry.name
        );
    }
}

#[test]
fn every_environment_renders_and_the_gateway_takes_its_two_shapes() {
    let all = render_offline();
    assert_eq!(all.keys().collect::<Vec<_>>(), ["dev", "prod"]);
    for (env, apps) in &all {
        for objs in apps.values() {
            for o in objs {
                if o["kind"] != "Namespace" {
                    assert_eq!(o["metadata"]["namespace"], format!("ml-{env}"), "{o}");
                }
            }
        }
    }

    let dev = &all["dev"]["llm-gateway"];
    let d = one(dev, "Deployment");
    assert_eq!(d["spec"]["replicas"], 1);
    assert_eq!(count(dev, "HorizontalPodAutoscaler"), 0);
    assert_eq!(count(dev, "PodDisruptionBudget"), 0);
    let db = one(dev, "StatefulSet");
    assert_eq!(db["metadata"]["name"], "llm-gateway-postgresql");
    let gw = &d["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        env_var(gw, "DATABASE_URL")["valueFrom"]["secretKeyRef"]["name"],
        "llm-gateway-postgresql"
    );

    let prod = &all["prod"]["llm-gateway"];
    let d = one(prod, "Deployment");
    assert!(
        d["spec"].get("replicas").is_none(),
        "with an HPA the Deployment must leave replicas alone"
    );
    assert_eq!(count(prod, "StatefulSet"), 0);
    assert_eq!(count(prod, "Secret"), 0, "prod brings its own Secrets");
    let hpa = one(prod, "HorizontalPodAutoscaler");
    assert_eq!(hpa["spec"]["minReplicas"], 3);
    assert_eq!(one(prod, "PodDisruptionBudget")["spec"]["minAvailable"], 2);
    let gw = &d["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        env_var(gw, "DATABASE_URL")["valueFrom"]["secretKeyRef"]["name"],
        "llm-gateway-db"
    );
    assert_eq!(
        env_var(gw, "GATEWAY_MASTER_KEY")["valueFrom"]["secretKeyRef"]["name"],
        "llm-gateway-master-key"
    );

    // The smoke run: the training chart as an Indexed Job whose workers meet at worker 0.
    let smoke = &all["dev"]["training-smoke"];
    let job = one(smoke, "Job");
    assert_eq!(job["spec"]["completionMode"], "Indexed");
    assert_eq!(job["spec"]["completions"], 2);
    let svc = one(smoke, "Service");
    assert_eq!(svc["spec"]["clusterIP"], "None");
    assert_eq!(
        job["spec"]["template"]["spec"]["subdomain"],
        svc["metadata"]["name"]
    );
    let trainer = &job["spec"]["template"]["spec"]["containers"][0];
    let name = job["metadata"]["name"].as_str().unwrap();
    assert_eq!(
        env_var(trainer, "MASTER_ADDR")["value"],
        format!("{name}-0.{name}")
    );
}

#[test]
fn training_chart_clones_the_pinned_commit_and_refuses_a_branch() {
    let chart = example().join("apps/training/chart");
    let run = example().join("apps/training/run-cifar10.yaml");
    let cache = tempfile::tempdir().unwrap();
    let sha = "83757d9c937daabd1089a08051061706cb73900d";
    let template = |revision: &str| {
        syncd(
            &[
                "template",
                chart.to_str().unwrap(),
                "-f",
                run.to_str().unwrap(),
                "--set",
                &format!("source.git.revision={revision}"),
                "--set",
                "source.git.repository=https://git.example.com/ml/train.git",
                "-o",
                "json",
            ],
            cache.path(),
        )
    };
    let files: BTreeMap<String, String> =
        serde_json::from_str(&ok(template(sha), "template")).unwrap();
    let job: Value = serde_yaml::from_str(&files["deepspeed-job/templates/job.yaml"]).unwrap();
    let pod = &job["spec"]["template"]["spec"];
    let fetch = &pod["initContainers"][0];
    assert_eq!(env_var(fetch, "CODE_REVISION")["value"], sha);
    assert_eq!(
        job["metadata"]["annotations"]["ml.example.com/code-revision"],
        sha
    );
    assert_eq!(
        pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"],
        1
    );

    let refused = template("main");
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("is not a commit SHA"), "{err}");
}

#[test]
fn prod_names_remote_sources_as_the_readme_says() {
    let repo = Repo::load(&example()).unwrap();
    let training = &repo.apps["training"];
    let code = &training.sources[0];
    assert_eq!(code.name, "code");
    assert!(
        code.reference.len() == 40 && code.reference.chars().all(|c| c.is_ascii_hexdigit()),
        "training code must be pinned by commit, not {:?}",
        code.reference
    );
    assert_eq!(code.inject_revision.as_deref(), Some("source.git.revision"));
    let chart = |app: &str| match &repo.apps[app].source {
        SourceSpec::Helm { chart, .. } => chart.clone(),
        other => panic!("{app}: {other:?}"),
    };
    assert!(
        matches!(chart("blackbox-exporter"), ChartSource::Repo { url, .. } if url.starts_with("https://"))
    );
    assert!(
        matches!(chart("pushgateway"), ChartSource::Oci { url, .. } if url.starts_with("oci://"))
    );
    let prod: Vec<&str> = repo.environments["prod"]
        .apps
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    for app in ["training", "blackbox-exporter", "pushgateway"] {
        assert!(prod.contains(&app), "prod lists {app}");
    }
}

/// The plural resource name of a built-in kind (enough for the kinds the example uses).
fn resource(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    match lower.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{lower}s"),
    }
}

#[test]
fn narrow_cluster_role_covers_every_kind_the_example_renders() {
    let path = example().join("../../deploy/examples/clusterrole-narrow.yaml");
    let role: Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let rules = role["rules"].as_array().unwrap();
    let allows = |group: &str, res: &str, verb: &str| {
        let has =
            |v: &Value, want: &str| v.as_array().unwrap().iter().any(|x| x == want || x == "*");
        rules.iter().any(|r| {
            has(&r["apiGroups"], group) && has(&r["resources"], res) && has(&r["verbs"], verb)
        })
    };
    for (env, apps) in render_offline() {
        for o in apps.values().flatten() {
            let api = o["apiVersion"].as_str().unwrap();
            let group = api.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
            let res = resource(o["kind"].as_str().unwrap());
            for verb in ["get", "list", "patch", "delete"] {
                assert!(
                    allows(group, &res, verb),
                    "{env}: clusterrole-narrow.yaml does not allow {verb} on {group}/{res}"
                );
            }
        }
    }
}
