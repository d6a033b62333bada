//! Keeps `deploy/` honest: every YAML parses, the kustomizations list files that exist, the
//! config file in the ConfigMap loads as a `DaemonConfig` and agrees with the Deployment (port,
//! probes, cache, config path, leader election), the RBAC of both modes grants what syncd needs
//! (and the namespaced mode nothing cluster-wide that writes), the pod is locked down, and no
//! secret value is kept in the repo. With `kubectl`, both kustomizations must build; with
//! `SYNCD_E2E_KUBECONFIG`, both must pass a server-side dry-run apply.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_json::Value;
use syncd_config::DaemonConfig;

const SA_NAME: &str = "syncd";
const SA_NAMESPACE: &str = "syncd-system";
const CONFIG_PATH: &str = "/etc/syncd/config.yaml";

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

/// Every YAML document of a file or of a stream, comment-only documents left out.
fn docs(text: &str, what: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|d| Value::deserialize(d).unwrap_or_else(|e| panic!("{what}: {e}")))
        .filter(|v| !v.is_null())
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The objects a kustomization directory builds, read from its `resources` without any
/// transformation (our files name their namespaces themselves), and the files of its
/// `configMapGenerator`s.
#[derive(Default)]
struct Build {
    objects: Vec<Value>,
    generated: Vec<(String, PathBuf)>,
}

fn build(dir: &Path, out: &mut Build) {
    let file = dir.join("kustomization.yaml");
    let k = docs(&read(&file), &file.display().to_string()).remove(0);
    assert_eq!(k["kind"], "Kustomization", "{}", file.display());
    assert!(
        k.get("secretGenerator").is_none(),
        "{}: a secretGenerator keeps secret values in the repo",
        file.display()
    );
    let mut listed = BTreeSet::from([file.clone()]);
    for res in strs(&k["resources"]) {
        let path = dir.join(res);
        assert!(
            path.exists(),
            "{} lists {res}, which does not exist",
            file.display()
        );
        if path.is_dir() {
            assert!(
                path.join("kustomization.yaml").is_file(),
                "{} lists directory {res} without a kustomization.yaml",
                file.display()
            );
            build(&path, out);
        } else {
            out.objects
                .extend(docs(&read(&path), &path.display().to_string()));
        }
        listed.insert(path);
    }
    for generator in k["configMapGenerator"].as_array().into_iter().flatten() {
        let name = generator["name"]
            .as_str()
            .expect("generator name")
            .to_string();
        for f in strs(&generator["files"]) {
            let path = dir.join(f);
            assert!(
                path.is_file(),
                "{}: configMapGenerator {name} names {f}, which does not exist",
                file.display()
            );
            out.generated.push((name.clone(), path.clone()));
            listed.insert(path);
        }
    }
    // A manifest beside a kustomization but not in it is never applied: say so.
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            assert!(
                listed.contains(&path),
                "{} is not listed in {}",
                path.display(),
                file.display()
            );
        }
    }
}

fn built(dir: &Path) -> Build {
    let mut b = Build::default();
    build(dir, &mut b);
    b
}

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn syncd_container(deployment: &Value) -> &Value {
    deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["name"] == "syncd"))
        .expect("a container named syncd")
}

/// The port number a probe or Service names, resolved through the container's named ports.
fn port_number(container: &Value, port: &Value) -> u64 {
    if let Some(n) = port.as_u64() {
        return n;
    }
    let name = port.as_str().expect("port is a number or a name");
    container["ports"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .and_then(|p| p["containerPort"].as_u64())
        .unwrap_or_else(|| panic!("container has no port named {name}"))
}

/// The volume mounted at exactly `path`.
fn volume_at<'a>(deployment: &'a Value, path: &str) -> &'a Value {
    let pod = &deployment["spec"]["template"]["spec"];
    let mount = syncd_container(deployment)["volumeMounts"]
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["mountPath"] == path))
        .unwrap_or_else(|| panic!("nothing mounted at {path}"));
    pod["volumes"]
        .as_array()
        .and_then(|vs| vs.iter().find(|v| v["name"] == mount["name"]))
        .unwrap_or_else(|| panic!("no volume {} (mounted at {path})", mount["name"]))
}

fn load_config(text: &str) -> DaemonConfig {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yaml");
    std::fs::write(&path, text).unwrap();
    DaemonConfig::load(&path).unwrap_or_else(|e| panic!("deploy config: {e}"))
}

/// The generated config file, loaded.
fn config_of(b: &Build) -> (String, DaemonConfig) {
    let (name, file) = b
        .generated
        .iter()
        .find(|(_, f)| f.file_name().is_some_and(|n| n == "config.yaml"))
        .expect("a configMapGenerator with config.yaml");
    (name.clone(), load_config(&read(file)))
}

/// Checks the Deployment and Service against the config file and the security rules.
fn check_workload(objects: &[Value], config_map: &str, config: &DaemonConfig) {
    let d = find(objects, "Deployment", "syncd");
    let pod = &d["spec"]["template"]["spec"];
    let c = syncd_container(d);

    assert_eq!(d["spec"]["replicas"], 2);
    let leader = config
        .leader_election
        .as_ref()
        .expect("two replicas need leaderElection on");
    assert_eq!(leader.lease_name, "syncd");

    // Started as the image's CMD says, with the config where the ConfigMap is mounted.
    assert_eq!(strs(&c["args"]), ["run", "--config", CONFIG_PATH]);
    let dir = Path::new(CONFIG_PATH).parent().unwrap().to_str().unwrap();
    assert_eq!(volume_at(d, dir)["configMap"]["name"], config_map);

    // Probes and the Service reach the port the daemon listens on.
    let port = u64::from(config.listen.port());
    let http = c["ports"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "http"))
        .expect("a port named http");
    assert_eq!(http["containerPort"].as_u64(), Some(port));
    for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
        let get = &c[probe]["httpGet"];
        assert_eq!(get["path"], path, "{probe}");
        assert_eq!(port_number(c, &get["port"]), port, "{probe}");
    }
    let svc = find(objects, "Service", "syncd");
    let sp = svc["spec"]["ports"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "http"))
        .expect("Service port named http");
    assert_eq!(sp["port"].as_u64(), Some(port));
    assert_eq!(port_number(c, &sp["targetPort"]), port);
    let labels = &d["spec"]["template"]["metadata"]["labels"];
    for (k, v) in svc["spec"]["selector"].as_object().expect("selector") {
        assert_eq!(&labels[k], v, "Service selector {k} must match the pods");
    }

    // Writable places are emptyDirs: the cache the config names, and /tmp.
    let cache = config.cache_dir.as_ref().expect("cacheDir set");
    assert_eq!(cache, Path::new("/var/cache/syncd"));
    assert!(volume_at(d, cache.to_str().unwrap())["emptyDir"].is_object());
    assert!(volume_at(d, "/tmp")["emptyDir"].is_object());

    // Downward API for the lease identity and namespace.
    let env = c["env"].as_array().expect("env");
    for (var, field) in [
        ("POD_NAME", "metadata.name"),
        ("POD_NAMESPACE", "metadata.namespace"),
    ] {
        let e = env
            .iter()
            .find(|e| e["name"] == var)
            .unwrap_or_else(|| panic!("env {var}"));
        assert_eq!(e["valueFrom"]["fieldRef"]["fieldPath"], field, "{var}");
    }

    for r in ["requests", "limits"] {
        for q in ["cpu", "memory"] {
            assert!(c["resources"][r][q].is_string(), "resources.{r}.{q}");
        }
    }
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    let sc = &c["securityContext"];
    assert_eq!(sc["readOnlyRootFilesystem"], true);
    assert_eq!(sc["allowPrivilegeEscalation"], false);
    assert_eq!(sc["runAsNonRoot"], true);
    assert_eq!(strs(&sc["capabilities"]["drop"]), ["ALL"]);
    assert!(sc["capabilities"].get("add").is_none());

    // The token only where it is used: the pod asks for it, the account does not hand it out.
    assert_eq!(pod["serviceAccountName"], SA_NAME);
    assert_eq!(pod["automountServiceAccountToken"], true);
    let sa = find(objects, "ServiceAccount", SA_NAME);
    assert_eq!(sa["metadata"]["namespace"], SA_NAMESPACE);
    assert_eq!(sa["automountServiceAccountToken"], false);

    // Secrets are references syncd can start without.
    for v in pod["volumes"].as_array().into_iter().flatten() {
        if v["secret"].is_object() {
            assert_eq!(v["secret"]["optional"], true, "secret volume {}", v["name"]);
        }
    }
    for e in env {
        if e["valueFrom"]["secretKeyRef"].is_object() {
            assert_eq!(
                e["valueFrom"]["secretKeyRef"]["optional"], true,
                "{}",
                e["name"]
            );
        }
    }
}

/// Every `/var/run/secrets/syncd/...` path the config file names (its commented examples
/// included) is inside a mounted, optional Secret volume.
fn check_secret_paths(deployment: &Value, config_text: &str) {
    let mounts: Vec<(&str, &Value)> = syncd_container(deployment)["volumeMounts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| (m["mountPath"].as_str().unwrap(), m))
        .collect();
    let mut seen = 0;
    for word in config_text.split(|c: char| c.is_whitespace() || c == '}' || c == ',') {
        let Some(at) = word.find("/var/run/secrets/syncd/") else {
            continue;
        };
        let path = &word[at..];
        let (dir, _) = mounts
            .iter()
            .find(|(dir, _)| path.starts_with(&format!("{dir}/")))
            .unwrap_or_else(|| panic!("config names {path}, but nothing is mounted there"));
        assert!(volume_at(deployment, dir)["secret"]["secretName"].is_string());
        seen += 1;
    }
    assert!(
        seen >= 4,
        "the config documents the credential and webhook files"
    );
}

/// An RBAC rule list, and whether it allows `verb` on `group`/`resource`.
fn allows(rules: &Value, group: &str, resource: &str, verb: &str) -> bool {
    let has = |list: &Value, want: &str| strs(list).iter().any(|x| *x == "*" || *x == want);
    rules.as_array().into_iter().flatten().any(|r| {
        has(&r["apiGroups"], group) && has(&r["resources"], resource) && has(&r["verbs"], verb)
    })
}

fn allows_url(rules: &Value, url: &str) -> bool {
    rules.as_array().into_iter().flatten().any(|r| {
        strs(&r["verbs"]).contains(&"get")
            && strs(&r["nonResourceURLs"])
                .iter()
                .any(|u| *u == url || u.strip_suffix('*').is_some_and(|p| url.starts_with(p)))
    })
}

/// What the syncd ServiceAccount is granted: cluster-wide rules, and rules per namespace.
struct Grants {
    cluster: Value,
    namespaced: Vec<(String, Value)>,
}

impl Grants {
    fn of(objects: &[Value]) -> Grants {
        let binds_syncd = |b: &Value| {
            b["subjects"].as_array().into_iter().flatten().any(|s| {
                s["kind"] == "ServiceAccount"
                    && s["name"] == SA_NAME
                    && s["namespace"] == SA_NAMESPACE
            })
        };
        let mut cluster = Vec::new();
        let mut namespaced = Vec::new();
        for b in objects.iter().filter(|o| binds_syncd(o)) {
            let role_kind = b["roleRef"]["kind"].as_str().unwrap();
            let role_name = b["roleRef"]["name"].as_str().unwrap();
            let role = objects
                .iter()
                .find(|o| {
                    o["kind"] == role_kind
                        && o["metadata"]["name"] == role_name
                        && (role_kind == "ClusterRole"
                            || o["metadata"]["namespace"] == b["metadata"]["namespace"])
                })
                .unwrap_or_else(|| panic!("{} binds missing {role_kind} {role_name}", b["kind"]));
            let rules = role["rules"].as_array().cloned().unwrap_or_default();
            match b["kind"].as_str() {
                Some("ClusterRoleBinding") => cluster.extend(rules),
                Some("RoleBinding") => {
                    let ns = b["metadata"]["namespace"].as_str().unwrap().to_string();
                    namespaced.push((ns, Value::from(rules)));
                }
                other => panic!("binding kind {other:?}"),
            }
        }
        Grants {
            cluster: Value::from(cluster),
            namespaced,
        }
    }

    fn allows_in(&self, ns: &str, group: &str, resource: &str, verb: &str) -> bool {
        allows(&self.cluster, group, resource, verb)
            || self
                .namespaced
                .iter()
                .any(|(n, rules)| n == ns && allows(rules, group, resource, verb))
    }

    /// What syncd needs in either mode.
    fn check_common(&self, targets: &[String]) {
        for verb in ["get", "create", "update"] {
            assert!(
                self.allows_in(SA_NAMESPACE, "coordination.k8s.io", "leases", verb),
                "leases {verb}"
            );
        }
        for res in ["configmaps", "secrets"] {
            for verb in ["get", "list", "create", "patch", "delete"] {
                assert!(self.allows_in(SA_NAMESPACE, "", res, verb), "{res} {verb}");
            }
        }
        for ns in targets.iter().map(String::as_str).chain([SA_NAMESPACE]) {
            for group in ["", "events.k8s.io"] {
                for verb in ["create", "patch"] {
                    assert!(
                        self.allows_in(ns, group, "events", verb),
                        "events.{group} {verb} in {ns}"
                    );
                }
            }
        }
        assert!(allows(
            &self.cluster,
            "authorization.k8s.io",
            "selfsubjectaccessreviews",
            "create"
        ));
        assert!(allows(&self.cluster, "", "namespaces", "get"));
        for url in ["/api", "/apis", "/apis/apps/v1", "/version"] {
            assert!(allows_url(&self.cluster, url), "discovery {url}");
        }
    }
}

/// The namespaces the example's environments deploy to.
fn example_namespaces() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ml-platform");
    let repo = syncd_config::Repo::load(&root).unwrap_or_else(|e| panic!("{e}"));
    let mut out = BTreeSet::new();
    for env in repo.environments.keys() {
        for app in repo.resolve(env).unwrap().apps {
            out.extend(app.namespace);
        }
    }
    out.into_iter().collect()
}

#[test]
fn every_yaml_parses_and_keeps_no_secret_values() {
    let mut files = Vec::new();
    yaml_files(&deploy_dir(), &mut files);
    assert!(files.len() >= 10, "found {files:?}");
    for f in &files {
        let parsed = docs(&read(f), &f.display().to_string());
        assert!(!parsed.is_empty(), "{} has no document", f.display());
        for d in &parsed {
            assert!(
                d["apiVersion"].is_string() && d["kind"].is_string(),
                "{}: every document has apiVersion and kind",
                f.display()
            );
            assert_ne!(
                d["kind"],
                "Secret",
                "{}: Secrets are created by hand (deploy/README.md), never kept here",
                f.display()
            );
        }
    }
}

#[test]
fn cluster_wide_mode_grants_what_syncd_needs() {
    let b = built(&deploy_dir());
    let (name, config) = config_of(&b);
    check_workload(&b.objects, &name, &config);
    check_secret_paths(
        find(&b.objects, "Deployment", "syncd"),
        &read(&deploy_dir().join("base/config.yaml")),
    );
    let grants = Grants::of(&b.objects);
    grants.check_common(&example_namespaces());
    // It applies arbitrary objects anywhere, cluster-scoped ones included.
    assert!(allows(&grants.cluster, "apps", "deployments", "patch"));
    assert!(allows(&grants.cluster, "", "namespaces", "create"));
    assert!(allows(&grants.cluster, "example.com", "widgets", "delete"));
}

#[test]
fn namespaced_mode_writes_only_in_the_listed_namespaces() {
    let b = built(&deploy_dir().join("namespaced"));
    let (name, config) = config_of(&b);
    check_workload(&b.objects, &name, &config);
    let grants = Grants::of(&b.objects);
    let targets = example_namespaces();
    assert!(targets.contains(&"ml-dev".to_string()), "{targets:?}");
    grants.check_common(&targets);
    for ns in &targets {
        for verb in ["get", "list", "create", "patch", "delete"] {
            assert!(
                grants.allows_in(ns, "apps", "deployments", verb),
                "{ns} {verb}"
            );
            assert!(grants.allows_in(ns, "batch", "jobs", verb), "{ns} {verb}");
        }
    }
    // Cluster-wide it may read and ask, never write.
    for rule in grants.cluster.as_array().unwrap() {
        for verb in strs(&rule["verbs"]) {
            let asks = strs(&rule["resources"]) == ["selfsubjectaccessreviews"];
            assert!(
                verb == "get" || (asks && verb == "create"),
                "namespaced mode grants {verb} cluster-wide: {rule}"
            );
        }
    }
    assert!(!grants.allows_in("kube-system", "apps", "deployments", "patch"));
}

#[test]
fn narrow_cluster_role_example_still_covers_the_basics() {
    let path = deploy_dir().join("examples/clusterrole-narrow.yaml");
    let role = docs(&read(&path), "clusterrole-narrow.yaml").remove(0);
    assert_eq!(role["kind"], "ClusterRole");
    let rules = &role["rules"];
    assert!(
        strs(&rules[0]["resources"]) != ["*"],
        "the narrow example must not use `*`"
    );
    for (group, res) in [
        ("apps", "deployments"),
        ("batch", "jobs"),
        ("", "configmaps"),
        ("rbac.authorization.k8s.io", "roles"),
    ] {
        for verb in ["get", "list", "patch", "delete"] {
            assert!(allows(rules, group, res, verb), "{group}/{res} {verb}");
        }
    }
    for verb in ["create", "patch"] {
        assert!(allows(rules, "events.k8s.io", "events", verb));
    }
}

fn kubectl(args: &[&str], stdin: Option<&str>) -> Result<String, String> {
    use std::io::Write;
    let mut cmd = Command::new("kubectl");
    cmd.args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Says that a test skipped its checks, where the run shows it: the test harness captures
/// `println!`, so a test that returns early would otherwise pass without a word.
fn skipped(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "skipped: {why}");
}

fn have_kubectl() -> bool {
    kubectl(&["version", "--client"], None).is_ok()
}

#[test]
fn kustomize_builds_both_modes_with_the_config_loaded_from_the_configmap() {
    if !have_kubectl() {
        skipped("kubectl not found; kustomize builds of deploy/ not checked");
        return;
    }
    for dir in [deploy_dir(), deploy_dir().join("namespaced")] {
        let text = kubectl(&["kustomize", dir.to_str().unwrap()], None).unwrap();
        let objects = docs(&text, "kubectl kustomize");
        let cm = objects
            .iter()
            .find(|o| {
                o["kind"] == "ConfigMap"
                    && o["metadata"]["name"]
                        .as_str()
                        .is_some_and(|n| n.starts_with("syncd-config-"))
            })
            .expect("the generated syncd-config ConfigMap (name with a content hash)");
        assert_eq!(cm["metadata"]["namespace"], SA_NAMESPACE);
        let config_text = cm["data"]["config.yaml"]
            .as_str()
            .expect("data.config.yaml");
        let config = load_config(config_text);
        // The Deployment refers to the hashed name, so a config change rolls the pods.
        check_workload(&objects, cm["metadata"]["name"].as_str().unwrap(), &config);
        let grants = Grants::of(&objects);
        grants.check_common(&example_namespaces());
        assert!(
            objects.iter().all(|o| o["kind"] != "Secret"),
            "{}",
            dir.display()
        );
    }
}

/// Namespaces made for one dry run, deleted when it ends (also when it fails).
struct TempNamespaces {
    kubeconfig: String,
    names: Vec<String>,
}

impl Drop for TempNamespaces {
    fn drop(&mut self) {
        for ns in &self.names {
            let _ = kubectl(
                &[
                    "--kubeconfig",
                    &self.kubeconfig,
                    "delete",
                    "namespace",
                    ns,
                    "--wait=false",
                ],
                None,
            );
        }
    }
}

#[test]
fn server_dry_run_accepts_both_modes() {
    let Ok(kubeconfig) = std::env::var("SYNCD_E2E_KUBECONFIG") else {
        skipped("SYNCD_E2E_KUBECONFIG not set");
        return;
    };
    assert!(
        have_kubectl(),
        "SYNCD_E2E_KUBECONFIG is set but kubectl is missing"
    );
    // A dry run creates nothing, so objects in a namespace the same apply would create are
    // refused. The manifests are sent with their namespaces renamed to ones made for this run,
    // which also keeps it clear of a real syncd-system on a shared cluster.
    let prefix = format!("dship-deploy-{}", std::process::id());
    let rename = [
        (SA_NAMESPACE.to_string(), format!("{prefix}-sys")),
        ("ml-dev".to_string(), format!("{prefix}-dev")),
        ("ml-prod".to_string(), format!("{prefix}-prod")),
    ];
    let temp = TempNamespaces {
        kubeconfig: kubeconfig.clone(),
        names: rename.iter().map(|(_, to)| to.clone()).collect(),
    };
    for ns in &temp.names {
        kubectl(
            &["--kubeconfig", &kubeconfig, "create", "namespace", ns],
            None,
        )
        .unwrap();
    }
    for dir in [deploy_dir(), deploy_dir().join("namespaced")] {
        let mut text = kubectl(&["kustomize", dir.to_str().unwrap()], None).unwrap();
        for (from, to) in &rename {
            text = text.replace(from.as_str(), to);
        }
        let out = kubectl(
            &[
                "--kubeconfig",
                &kubeconfig,
                "apply",
                "--dry-run=server",
                "-f",
                "-",
            ],
            Some(&text),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        assert!(
            out.contains("deployment.apps/syncd created (server dry run)"),
            "{out}"
        );
    }
    drop(temp);
}
