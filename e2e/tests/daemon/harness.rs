//! The daemon e2e harness: a scenario's own git repo and namespaces (`dm-` prefix), its daemon
//! config, the real `syncd` binary as a child process (killed on drop), a small HTTP client for
//! the daemon's listener (status, metrics, signed generic webhooks) and typed cluster reads.
//! Shared by `tests/daemon.rs` and `benches/daemon_steady.rs`.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, ListParams, ObjectMeta, PostParams};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Overrides where the `syncd` binary is taken from.
pub const BIN_VAR: &str = "SYNCD_BIN";
/// The env variable the daemons read their generic webhook secret from.
const SECRET_VAR: &str = "SYNCD_E2E_WEBHOOK_SECRET";
/// Labels syncd puts on what it applies.
pub const LABEL_ENV: &str = "syncd.io/env";
/// See [`LABEL_ENV`].
pub const LABEL_APP: &str = "syncd.io/app";

/// The `syncd` binary under test: `$SYNCD_BIN`, else `syncd` in the target directory this test
/// binary was built into (`target/debug/deps/<test>` → `target/debug/syncd`). Cargo builds it
/// for `cargo test --workspace`; for `-p syncd-e2e` run `cargo build -p syncd --bin syncd` first.
/// A binary older than the daemon's sources is refused, so a stale build never passes for this
/// code.
pub fn syncd_bin() -> PathBuf {
    if let Some(p) = std::env::var_os(BIN_VAR) {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("current exe");
    let mut dir = exe.parent().expect("exe dir").to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    let bin = dir.join("syncd");
    let built = std::fs::metadata(&bin)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| {
            panic!(
                "{} not found: run `cargo build -p syncd --bin syncd` (or set {BIN_VAR})",
                bin.display()
            )
        });
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("../daemon/src");
    if let Some(newest) = newest_mtime(&sources) {
        assert!(
            built >= newest,
            "{} is older than {}: run `cargo build -p syncd --bin syncd` (or set {BIN_VAR})",
            bin.display(),
            sources.display()
        );
    }
    bin
}

fn newest_mtime(dir: &Path) -> Option<std::time::SystemTime> {
    let mut newest = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let t = if path.is_dir() {
            newest_mtime(&path)
        } else {
            entry.metadata().ok().and_then(|m| m.modified().ok())
        };
        newest = newest.max(t);
    }
    newest
}

/// A free port on 127.0.0.1 (bound once and released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// One scenario's world: a git repo, an app namespace and a state namespace, a webhook secret.
pub struct Lab {
    /// Scenario name (also the environment name).
    pub env: String,
    /// Namespace the apps deploy to.
    pub ns: String,
    /// Namespace of syncd's inventories, history and pins.
    pub state_ns: String,
    /// Temp dir: `repo/`, daemon configs, caches and logs.
    pub dir: tempfile::TempDir,
    /// Kubeconfig of the cluster.
    pub kubeconfig: PathBuf,
    /// Client.
    pub client: kube::Client,
    /// The generic webhook's secret.
    pub secret: String,
    deliveries: std::sync::atomic::AtomicU64,
}

impl Lab {
    /// Creates the namespaces `dm-<name>-<pid>` and `…-state` and an empty repo on `main`.
    pub async fn new(name: &str) -> Lab {
        let kubeconfig = syncd_e2e::kubeconfig().expect("SYNCD_E2E_KUBECONFIG is set");
        let client = syncd_e2e::kube_client(&kubeconfig).await;
        let ns = format!("dm-{name}-{}", std::process::id());
        let state_ns = format!("{ns}-state");
        let namespaces: Api<Namespace> = Api::all(client.clone());
        for n in [&ns, &state_ns] {
            let obj = Namespace {
                metadata: ObjectMeta {
                    name: Some(n.clone()),
                    ..ObjectMeta::default()
                },
                ..Namespace::default()
            };
            namespaces
                .create(&PostParams::default(), &obj)
                .await
                .unwrap_or_else(|e| panic!("creating namespace {n}: {e}"));
        }
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("repo")).expect("repo dir");
        let lab = Lab {
            env: name.to_owned(),
            ns,
            state_ns,
            dir,
            kubeconfig,
            client,
            secret: format!("e2e-secret-{}", std::process::id()),
            deliveries: std::sync::atomic::AtomicU64::new(0),
        };
        lab.git(&["init", "-q", "-b", "main"]);
        lab
    }

    /// The repo root.
    pub fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    /// Runs git in the repo; panics on failure; returns stdout.
    pub fn git(&self, args: &[&str]) -> String {
        syncd_e2e::git(&self.repo(), args).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Writes a repo file.
    pub fn write(&self, rel: &str, text: &str) {
        let path = self.repo().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    /// Removes a repo file.
    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.repo().join(rel)).expect("remove");
    }

    /// Commits everything; returns the commit id.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Writes `apps/<app>/app.yaml`; `policy` is the YAML of `syncPolicy` (flow style) or empty.
    pub fn app(&self, app: &str, policy: &str) {
        let policy = if policy.is_empty() {
            String::new()
        } else {
            format!("  syncPolicy: {policy}\n")
        };
        self.write(
            &format!("apps/{app}/app.yaml"),
            &format!(
                "apiVersion: syncd.io/v1alpha1\nkind: App\nmetadata:\n  name: {app}\nspec:\n  source:\n    manifests:\n      path: manifests\n{policy}"
            ),
        );
    }

    /// Writes the environment file listing `apps`.
    pub fn environment(&self, apps: &[&str]) {
        let list: String = apps.iter().map(|a| format!("    - name: {a}\n")).collect();
        self.write(
            &format!("environments/{}.yaml", self.env),
            &format!(
                "apiVersion: syncd.io/v1alpha1\nkind: Environment\nmetadata:\n  name: {env}\nspec:\n  namespace: {ns}\n  stateNamespace: {state}\n  apps:\n{list}",
                env = self.env,
                ns = self.ns,
                state = self.state_ns
            ),
        );
    }

    /// Writes a daemon config listening on `port`; `extra` is appended verbatim (YAML).
    pub fn config(&self, name: &str, port: u16, poll: &str, extra: &str) -> PathBuf {
        // A directory of its own, as a mounted ConfigMap has: the daemon watches the directory
        // for reloads, and the logs and caches written next to it would wake the watcher.
        let conf_dir = self.dir.path().join(format!("conf-{name}"));
        std::fs::create_dir_all(&conf_dir).expect("config dir");
        let path = conf_dir.join("syncd.yaml");
        let text = format!(
            "apiVersion: syncd.io/v1alpha1\nkind: DaemonConfig\nrepo:\n  url: {repo}\n  ref: main\nenvironment: {env}\npollInterval: {poll}\npollJitter: 0s\ncacheDir: {cache}\nlisten: 127.0.0.1:{port}\nkubeconfig: {kc}\nwebhooks:\n  generic: {{secret: {{env: {SECRET_VAR}}}}}\nretry: {{initial: 1s, max: 5s}}\n{extra}",
            repo = self.repo().display(),
            env = self.env,
            cache = self.dir.path().join(format!("cache-{name}")).display(),
            kc = self.kubeconfig.display(),
        );
        std::fs::write(&path, text).expect("write config");
        path
    }

    /// Starts `syncd run` on a config written by [`Lab::config`]; `envs` are extra variables.
    pub fn start(&self, name: &str, config: &Path, port: u16, envs: &[(&str, &str)]) -> Daemon {
        Daemon::start(
            name,
            config,
            port,
            &self.dir.path().join(format!("{name}.log")),
            &[(SECRET_VAR, self.secret.as_str())]
                .into_iter()
                .chain(envs.iter().copied())
                .collect::<Vec<_>>(),
        )
    }

    /// POSTs a signed generic webhook for `commit` touching `paths`; returns the HTTP status.
    pub async fn push(&self, port: u16, commit: &str, paths: &[String]) -> u16 {
        let body = serde_json::json!({"ref": "refs/heads/main", "after": commit, "paths": paths})
            .to_string();
        let signature = format!(
            "sha256={}",
            hmac_sha256_hex(self.secret.as_bytes(), body.as_bytes())
        );
        let n = self
            .deliveries
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let delivery = format!("{}-{n}", self.env);
        let (status, text) = http(
            port,
            "POST",
            "/webhooks/generic",
            &[
                ("Content-Type", "application/json".into()),
                ("X-Syncd-Signature-256", signature),
                ("X-Syncd-Delivery", delivery),
            ],
            body.as_bytes(),
        )
        .await
        .unwrap_or_else(|e| panic!("webhook to 127.0.0.1:{port}: {e}"));
        assert!(status == 202, "webhook answered {status}: {text}");
        status
    }

    /// Runs a one-shot `syncd` command (history, resume, status); returns (exit code, stdout).
    pub fn cli(&self, args: &[&str]) -> (i32, String) {
        let out = Command::new(syncd_bin())
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .output()
            .expect("syncd runs");
        (
            out.status.code().unwrap_or(-1),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    /// ConfigMaps of the app namespace.
    pub fn configmaps(&self) -> Api<ConfigMap> {
        Api::namespaced(self.client.clone(), &self.ns)
    }

    /// Every object syncd labelled for env/app in the app namespace, as `Kind/name` → its
    /// `data` (ConfigMaps) or `null`, over the kinds the scenarios use.
    pub async fn owned(&self, app: &str) -> BTreeMap<String, Value> {
        let selector = format!("{LABEL_ENV}={},{LABEL_APP}={app}", self.env);
        let lp = ListParams::default().labels(&selector);
        let mut out = BTreeMap::new();
        for cm in self.configmaps().list(&lp).await.expect("list configmaps") {
            let data = serde_json::to_value(&cm.data).unwrap_or(Value::Null);
            out.insert(
                format!("ConfigMap/{}", cm.metadata.name.unwrap_or_default()),
                data,
            );
        }
        let services: Api<k8s_openapi::api::core::v1::Service> =
            Api::namespaced(self.client.clone(), &self.ns);
        for s in services.list(&lp).await.expect("list services") {
            out.insert(
                format!("Service/{}", s.metadata.name.unwrap_or_default()),
                Value::Null,
            );
        }
        out
    }

    /// Revisions of env/app, newest last, decoded by syncd's own reader.
    pub async fn revisions(&self, app: &str) -> Vec<syncd::history::Revision> {
        let cluster = self.cluster().await;
        syncd::engine::list_revisions(&cluster, &self.state_ns, &self.env, app)
            .await
            .expect("history decodes")
            .into_iter()
            .map(|(r, _)| r)
            .collect()
    }

    /// The inventory of env/app, as `Kind/name` entries (empty when there is none), decoded by
    /// syncd's own reader.
    pub async fn inventory(&self, app: &str) -> Vec<String> {
        let name = syncd::inventory::Inventory::object_name(&self.env, app);
        let api: Api<ConfigMap> = Api::namespaced(self.client.clone(), &self.state_ns);
        let Some(cm) = api.get_opt(&name).await.expect("read inventory") else {
            return Vec::new();
        };
        let value = serde_json::to_value(&cm).expect("configmap JSON");
        let inv = syncd::inventory::Inventory::from_configmap(&value).expect("inventory decodes");
        inv.entries
            .keys()
            .map(|id| format!("{}/{}", id.kind, id.name))
            .collect()
    }

    /// syncd's own cluster handle (for its state readers).
    pub async fn cluster(&self) -> syncd::cluster::Cluster {
        syncd_e2e::connect(&self.kubeconfig).await
    }
}

impl Drop for Lab {
    /// Deletes both namespaces (and everything in them), from a thread of its own so it also
    /// runs when a scenario panicked inside the runtime.
    fn drop(&mut self) {
        let kubeconfig = self.kubeconfig.clone();
        let names = [self.ns.clone(), self.state_ns.clone()];
        let done = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                let c = syncd_e2e::kube_client(&kubeconfig).await;
                for n in names {
                    syncd_e2e::delete_namespace(&c, &n).await;
                }
            });
        });
        let _ = done.join();
    }
}

/// A running `syncd run`, killed (SIGKILL) when dropped.
pub struct Daemon {
    /// Name for messages.
    pub name: String,
    /// Listener port.
    pub port: u16,
    /// Log file (stdout and stderr).
    pub log: PathBuf,
    child: Option<Child>,
}

impl Daemon {
    fn start(name: &str, config: &Path, port: u16, log: &Path, envs: &[(&str, &str)]) -> Daemon {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("log file");
        let err = file.try_clone().expect("log file");
        let mut cmd = Command::new(syncd_bin());
        cmd.args(["run", "--config"])
            .arg(config)
            .env_remove("POD_NAME")
            .env_remove("POD_NAMESPACE")
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info,syncd=info")
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("syncd starts");
        Daemon {
            name: name.to_owned(),
            port,
            log: log.to_path_buf(),
            child: Some(child),
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// Whether the process still runs.
    pub fn alive(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// SIGKILL, and reap.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// GETs `path`; `None` while the listener does not answer.
    pub async fn get(&self, path: &str) -> Option<(u16, String)> {
        http(self.port, "GET", path, &[], b"").await.ok()
    }

    /// `/api/v1/status`.
    pub async fn status(&self) -> Value {
        let (code, body) = self.get("/api/v1/status").await.expect("status answers");
        assert_eq!(code, 200, "status: {body}");
        serde_json::from_str(&body).expect("status JSON")
    }

    /// `/metrics`.
    pub async fn metrics(&self) -> String {
        self.get("/metrics").await.expect("metrics answer").1
    }

    /// Waits until `path` answers 200.
    pub async fn wait_ok(&mut self, path: &str, within: Duration) -> Duration {
        let start = Instant::now();
        loop {
            if let Some((200, _)) = self.get(path).await {
                return start.elapsed();
            }
            assert!(
                self.alive(),
                "{} exited before {path} answered:\n{}",
                self.name,
                self.log_tail(30)
            );
            assert!(
                start.elapsed() < within,
                "{} {path} not OK within {within:?}:\n{}",
                self.name,
                self.log_tail(30)
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until `/readyz` answers 200 (every app's first sync attempted).
    pub async fn ready(&mut self, within: Duration) -> Duration {
        self.wait_ok("/readyz", within).await
    }

    /// The last `n` lines of the log.
    pub fn log_tail(&self, n: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// The whole log.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if std::thread::panicking() && self.child.is_some() {
            eprintln!(
                "--- {} log (last 40 lines) ---\n{}",
                self.name,
                self.log_tail(40)
            );
        }
        self.kill9();
    }
}

/// One HTTP/1.1 request to 127.0.0.1:`port` with `Connection: close`; returns status and body.
pub async fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .map_err(|_| std::io::Error::other("no answer within 10s"))??;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    Ok((
        status,
        if chunked {
            dechunk(rest)
        } else {
            rest.to_owned()
        },
    ))
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

/// HMAC-SHA256 (RFC 2104) in lowercase hex.
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    outer.iter().map(|b| format!("{b:02x}")).collect()
}

/// The value of metric line `name{labels}` (first match containing every `labels` part).
pub fn metric(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with(name) && labels.iter().all(|p| l.contains(p)))
        .filter(|l| l[name.len()..].starts_with(['{', ' ']))
        .find_map(|l| l.rsplit(' ').next().and_then(|v| v.parse().ok()))
}

/// A ClusterIP Service manifest.
pub fn service(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector: {{app: {name}}}\n  ports:\n  - port: 80\n    targetPort: 8080\n"
    )
}

/// Percentile (nearest rank) of sorted `v`.
pub fn percentile(v: &[Duration], p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

/// Milliseconds, for printing.
pub fn ms(d: Duration) -> String {
    format!("{:.0}ms", d.as_secs_f64() * 1000.0)
}
