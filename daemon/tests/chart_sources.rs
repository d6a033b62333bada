//! Chart sources against real local servers: a Helm HTTP repository served from a thread in
//! this test (request log, optional basic auth), a token-auth registry double for the bearer
//! flow, and Debian's `docker-registry` (CNCF distribution) for OCI pulls. Every fetched chart
//! is rendered with the workspace's Helm renderer.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};
use syncd::source::chart::{ChartCache, ChartRef, ChartSourceError};
use syncd::source::credentials::{Credentials, Secret};

// ---------------------------------------------------------------- a tiny HTTP server

#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn ok(body: impl Into<Vec<u8>>) -> Response {
        Response {
            status: 200,
            headers: vec![],
            body: body.into(),
        }
    }
    fn status(status: u16) -> Response {
        Response {
            status,
            headers: vec![],
            body: vec![],
        }
    }
}

type Handler = dyn Fn(&Request) -> Response + Send + Sync;

/// An HTTP/1.1 server on 127.0.0.1:<ephemeral>, one connection at a time, `Connection: close`.
/// Stops (and joins its thread) on drop.
struct TestServer {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    fn start(handler: Arc<Handler>) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log2, stop2) = (log.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    let _ = serve(conn, &*handler, &log2);
                }
            }
        });
        TestServer {
            addr,
            log,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    fn count(&self, path_ends_with: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.path.split('?').next().unwrap().ends_with(path_ends_with))
            .count()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(conn: TcpStream, handler: &Handler, log: &Mutex<Vec<Request>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
        return Ok(());
    };
    let (method, path) = (method.to_string(), path.to_string());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let req = Request {
        method,
        path,
        headers,
    };
    let len: usize = req
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    log.lock().unwrap().push(req.clone());
    let resp = handler(&req);
    let mut out = conn;
    write!(out, "HTTP/1.1 {} X\r\n", resp.status)?;
    for (k, v) in &resp.headers {
        write!(out, "{k}: {v}\r\n")?;
    }
    write!(
        out,
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        resp.body.len()
    )?;
    out.write_all(&resp.body)?;
    out.flush()
}

// ---------------------------------------------------------------- fixtures

const TEMPLATE: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-{{ .Chart.Name }}
data:
  version: {{ .Chart.Version | quote }}
  greeting: {{ .Values.greeting | quote }}
"#;

/// A packaged chart (`<name>/…` inside, like `helm package`).
fn package(name: &str, version: &str, chart_yaml_extra: &str) -> Vec<u8> {
    package_with(name, version, chart_yaml_extra, &[])
}

/// [`package`] plus extra files (path inside the chart, content).
fn package_with(
    name: &str,
    version: &str,
    chart_yaml_extra: &str,
    extra: &[(&str, String)],
) -> Vec<u8> {
    let mut files = vec![
        (
            "Chart.yaml",
            format!("apiVersion: v2\nname: {name}\nversion: {version}\n{chart_yaml_extra}"),
        ),
        ("values.yaml", format!("greeting: hello from {name}\n")),
        ("templates/cm.yaml", TEMPLATE.to_string()),
    ];
    files.extend(extra.iter().map(|(p, t)| (*p, t.clone())));
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (path, text) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(text.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, format!("{name}/{path}"), text.as_bytes())
            .unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// Renders a chart directory with the workspace renderer.
fn render(dir: &Path) -> BTreeMap<String, String> {
    use syncd_helm::chart::{layer_values, render, Chart, RenderOptions};
    let chart = Chart::load(dir).unwrap_or_else(|e| panic!("load {}: {e}", dir.display()));
    let values = layer_values(&[], &[], &[]).unwrap();
    let opts = RenderOptions {
        release_name: "rel".into(),
        namespace: "ns".into(),
        ..RenderOptions::default()
    };
    render(&chart, &values, &opts, &syncd_helm::template::NoCluster).unwrap()
}

fn basic(user: &str, pass: &str) -> Credentials {
    Credentials::Basic {
        username: user.into(),
        password: Secret::new(pass),
    }
}

// ---------------------------------------------------------------- Helm HTTP repository

/// A chart repository: files by path, optional required basic-auth header.
struct Repo {
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    server: TestServer,
}

struct Entry<'a> {
    name: &'a str,
    version: &'a str,
    url: String,
    digest: Option<String>,
}

fn index_yaml(entries: &[Entry<'_>]) -> String {
    let mut by_name: BTreeMap<&str, Vec<&Entry<'_>>> = BTreeMap::new();
    for e in entries {
        by_name.entry(e.name).or_default().push(e);
    }
    let mut out = String::from("apiVersion: v1\nentries:\n");
    for (name, es) in by_name {
        out.push_str(&format!("  {name}:\n"));
        for e in es {
            out.push_str(&format!(
                "    - name: {}\n      version: {}\n      urls: [{:?}]\n",
                e.name, e.version, e.url
            ));
            if let Some(d) = &e.digest {
                out.push_str(&format!("      digest: {d}\n"));
            }
        }
    }
    out
}

impl Repo {
    fn start(auth: Option<(&str, &str)>) -> Repo {
        use base64::Engine as _;
        let files: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
        let want = auth.map(|(u, p)| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            )
        });
        let f = files.clone();
        let server = TestServer::start(Arc::new(move |req: &Request| {
            if let Some(w) = &want {
                if req.header("authorization") != Some(w.as_str()) {
                    let mut r = Response::status(401);
                    r.headers
                        .push(("WWW-Authenticate".into(), "Basic realm=\"charts\"".into()));
                    return r;
                }
            }
            match f.lock().unwrap().get(req.path.as_str()) {
                Some(body) if req.method == "GET" => {
                    // ETags like a static host, so conditional index GETs can be checked.
                    let etag = format!("\"{}\"", &sha256_hex(body)[..16]);
                    if req.header("if-none-match") == Some(etag.as_str()) {
                        return Response::status(304);
                    }
                    let mut r = Response::ok(body.clone());
                    r.headers.push(("ETag".into(), etag));
                    r
                }
                _ => Response::status(404),
            }
        }));
        Repo { files, server }
    }

    fn put(&self, path: &str, body: impl Into<Vec<u8>>) {
        self.files
            .lock()
            .unwrap()
            .insert(path.to_string(), body.into());
    }

    /// Publishes charts (name, version, tgz) with correct digests and relative URLs.
    fn publish(&self, charts: &[(&str, &str, &[u8])]) {
        let entries: Vec<Entry<'_>> = charts
            .iter()
            .map(|(n, v, tgz)| {
                self.put(&format!("/charts/{n}-{v}.tgz"), tgz.to_vec());
                Entry {
                    name: n,
                    version: v,
                    url: format!("{n}-{v}.tgz"),
                    digest: Some(sha256_hex(tgz)),
                }
            })
            .collect();
        self.put("/charts/index.yaml", index_yaml(&entries));
    }

    fn url(&self) -> String {
        format!("{}/charts", self.server.url())
    }
}

fn repo_ref(repo: &Repo, name: &str, version: &str) -> ChartRef {
    ChartRef::Repo {
        url: repo.url(),
        name: name.into(),
        version: version.into(),
    }
}

#[tokio::test]
async fn repo_fetch_by_constraint_verifies_digest_and_renders() {
    let repo = Repo::start(None);
    let (v1, v2, rc, v10) = (
        package("demo", "0.1.0", ""),
        package("demo", "0.2.0", ""),
        package("demo", "0.3.0-rc.1", ""),
        package("demo", "1.0.0", ""),
    );
    repo.publish(&[
        ("demo", "0.1.0", &v1),
        ("demo", "0.2.0", &v2),
        ("demo", "0.3.0-rc.1", &rc),
        ("demo", "1.0.0", &v10),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let cache = ChartCache::open(tmp.path()).unwrap();

    let got = cache
        .fetch(&repo_ref(&repo, "demo", ">=0.1 <1"), &Credentials::None)
        .await
        .unwrap();
    assert_eq!(got.name, "demo");
    assert_eq!(got.version, "0.2.0");
    assert_eq!(got.digest, format!("sha256:{}", sha256_hex(&v2)));
    assert_eq!(got.source_url, format!("{}/demo-0.2.0.tgz", repo.url()));
    let hex = sha256_hex(&v2);
    assert_eq!(
        got.dir,
        tmp.path().join(format!("charts/extracted/{hex}/demo"))
    );
    assert_eq!(
        std::fs::read(tmp.path().join(format!("charts/blobs/sha256/{hex}.tgz"))).unwrap(),
        v2
    );
    let out = render(&got.dir);
    let cm = &out["demo/templates/cm.yaml"];
    assert!(
        cm.contains("name: rel-demo") && cm.contains("version: \"0.2.0\""),
        "{cm}"
    );
    assert!(cm.contains("hello from demo"), "{cm}");

    // Empty = latest stable; a prerelease constraint reaches the rc.
    let latest = cache
        .fetch(&repo_ref(&repo, "demo", ""), &Credentials::None)
        .await
        .unwrap();
    assert_eq!(latest.version, "1.0.0");
    let pre = cache
        .fetch(&repo_ref(&repo, "demo", ">=0.3.0-0 <1"), &Credentials::None)
        .await
        .unwrap();
    assert_eq!(pre.version, "0.3.0-rc.1");

    let err = cache
        .fetch(&repo_ref(&repo, "demo", ">=2"), &Credentials::None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ChartSourceError::NoMatchingVersion { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("1.0.0, 0.3.0-rc.1, 0.2.0, 0.1.0"),
        "{err}"
    );
}

#[tokio::test]
async fn pinned_version_is_served_from_cache_without_network() {
    let repo = Repo::start(None);
    let v2 = package("demo", "0.2.0", "");
    repo.publish(&[("demo", "0.2.0", &v2)]);
    let tmp = tempfile::tempdir().unwrap();
    let cache = ChartCache::open(tmp.path()).unwrap();

    let first = cache
        .fetch(&repo_ref(&repo, "demo", "0.2.0"), &Credentials::None)
        .await
        .unwrap();
    assert_eq!(
        (repo.server.count("index.yaml"), repo.server.count(".tgz")),
        (1, 1)
    );
    let second = cache
        .fetch(&repo_ref(&repo, "demo", "0.2.0"), &Credentials::None)
        .await
        .unwrap();
    assert_eq!(first, second);
    assert_eq!(
        (repo.server.count("index.yaml"), repo.server.count(".tgz")),
        (1, 1),
        "a pinned, cached version must not touch the network"
    );
    // A constraint re-reads the index but reuses the cached archive by digest.
    let third = cache
        .fetch(&repo_ref(&repo, "demo", "^0.2"), &Credentials::None)
        .await
        .unwrap();
    assert_eq!(third.dir, first.dir);
    assert_eq!(
        (repo.server.count("index.yaml"), repo.server.count(".tgz")),
        (2, 1)
    );
    let index_reqs: Vec<_> = repo
        .server
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("index.yaml"))
        .collect();
    assert_eq!(index_reqs[0].header("if-none-match"), None);
    assert!(
        index_reqs[1].header("if-none-match").is_some(),
        "the index refresh must be conditional"
    );

    // A changed index (new version) is picked up: the ETag no longer matches.
    let v3 = package("demo", "0.2.1", "");
    repo.publish(&[("demo", "0.2.0", &v2), ("demo", "0.2.1", &v3)]);
    let fourth = cache
        .fetch(&repo_ref(&repo, "demo", "^0.2"), &Credentials::None)
        .await
        .unwrap();
    assert_eq!(fourth.version, "0.2.1");
}

#[tokio::test]
async fn concurrent_fetches_of_one_chart_share_one_entry() {
    let repo = Repo::start(None);
    let v = package("demo", "0.2.0", "");
    repo.publish(&[("demo", "0.2.0", &v)]);
    let tmp = tempfile::tempdir().unwrap();
    let a = ChartCache::open(tmp.path()).unwrap();
    let b = ChartCache::open(tmp.path()).unwrap();
    let r = repo_ref(&repo, "demo", "0.2.0");
    let (x, y) = tokio::join!(
        a.fetch(&r, &Credentials::None),
        b.fetch(&r, &Credentials::None)
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(x.dir, y.dir);
    assert!(x.dir.join("templates/cm.yaml").is_file());
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path().join("charts/tmp"))
        .unwrap()
        .collect();
    assert!(leftovers.is_empty(), "temp dirs left behind: {leftovers:?}");
}

#[tokio::test]
async fn digest_mismatch_is_refused() {
    let repo = Repo::start(None);
    let real = package("demo", "0.2.0", "");
    let other = package("demo", "0.2.0", "description: tampered\n");
    repo.put("/charts/demo-0.2.0.tgz", other.clone());
    repo.put(
        "/charts/index.yaml",
        index_yaml(&[Entry {
            name: "demo",
            version: "0.2.0",
            url: "demo-0.2.0.tgz".into(),
            digest: Some(sha256_hex(&real)),
        }]),
    );
    let tmp = tempfile::tempdir().unwrap();
    let cache = ChartCache::open(tmp.path()).unwrap();
    let err = cache
        .fetch(&repo_ref(&repo, "demo", "0.2.0"), &Credentials::None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ChartSourceError::DigestMismatch { .. }),
        "{err}"
    );
    let msg = err.to_string();
    for part in [
        "demo".to_string(),
        "0.2.0".to_string(),
        format!("{}/demo-0.2.0.tgz", repo.url()),
        format!("expected sha256:{}", sha256_hex(&real)),
        format!("got sha256:{}", sha256_hex(&other)),
    ] {
        assert!(msg.contains(&part), "{msg} lacks {part}");
    }
    assert_eq!(
        std::fs::read_dir(tmp.path().join("charts/blobs/sha256"))
            .unwrap()
            .count(),
        0,
        "a refused archive must not enter the cache"
    );
}

#[tokio::test]
async fn entry_without_digest_is_accepted_under_its_computed_digest() {
    let repo = Repo::start(None);
    let v = package("demo", "0.2.0", "");
    repo.put("/charts/demo-0.2.0.tgz", v.clone());
    repo.put(
        "/charts/index.yaml",
        index_yaml(&[Entry {
            name: "demo",
            version: "0.2.0",
            url: "demo-0.2.0.tgz".into(),
            digest: None,
        }]),
    );
    let tmp = tempfile::tempdir().unwrap();
    let cache = ChartCache::open(tmp.path()).unwrap();
    let got = cache
        .fetch(&repo_ref(&repo, "demo", "0.2.0"), &Credentials::None)
        .await
        .unwrap();
    assert_eq!(got.digest, format!("sha256:{}", sha256_hex(&v)));
}

#[tokio::test]
async fn basic_auth_and_no_credentials_to_other_hosts() {
    let repo = Repo::start(Some(("ci", "s3cret-pw")));
    // The archive lives on another "host" (another port): it must get no credentials.
    let cdn = Repo::start(None);
    let v = package("demo", "0.2.0", "");
    cdn.put("/charts/demo-0.2.0.tgz", v.clone());
    repo.put(
        "/charts/index.yaml",
        index_yaml(&[Entry {
            name: "demo",
            version: "0.2.0",
            url: format!("{}/demo-0.2.0.tgz", cdn.url()),
            digest: Some(sha256_hex(&v)),
        }]),
    );
    let tmp = tempfile::tempdir().unwrap();
    let cache = ChartCache::open(tmp.path()).unwrap();

    let err = cache
        .fetch(&repo_ref(&repo, "demo", "0.2.0"), &basic("ci", "wrong-pw"))
        .await
        .unwrap_err();
    assert!(matches!(err, ChartSourceError::Auth { .. }), "{err}");
    let msg = format!("{err} {err:?}");
    assert!(msg.contains("401") && msg.contains(&repo.url()), "{msg}");
    assert!(
        !msg.contains("wrong-pw") && !msg.contains("s3cret"),
        "{msg}"
    );

    let err = cache
        .fetch(&repo_ref(&repo, "demo", "0.2.0"), &Credentials::None)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("no credentials were given"),
        "{err}"
    );

    let got = cache
        .fetch(&repo_ref(&repo, "demo", "0.2.0"), &basic("ci", "s3cret-pw"))
        .await
        .unwrap();
    assert_eq!(got.digest, format!("sha256:{}", sha256_hex(&v)));
    let cdn_reqs = cdn.server.requests();
    assert_eq!(cdn_reqs.len(), 1);
    assert_eq!(cdn_reqs[0].header("authorization"), None);
}

#[tokio::test]
async fn remote_dependency_missing_from_charts_is_resolved() {
    let repo = Repo::start(None);
    let sub = package("sub", "0.1.5", "");
    let deps = format!(
        "dependencies:\n  - name: sub\n    version: ^0.1\n    repository: {}\n",
        "REPO"
    );
    let app = package("app", "1.0.0", &deps.replace("REPO", &repo.url()));
    repo.publish(&[("sub", "0.1.5", &sub), ("app", "1.0.0", &app)]);
    let tmp = tempfile::tempdir().unwrap();
    let cache = ChartCache::open(tmp.path()).unwrap();

    let got = cache
        .fetch(&repo_ref(&repo, "app", "1.0.0"), &Credentials::None)
        .await
        .unwrap();
    assert_eq!(got.digest, format!("sha256:{}", sha256_hex(&app)));
    assert!(
        got.dir.starts_with(tmp.path().join("charts/derived")),
        "{}",
        got.dir.display()
    );
    assert_eq!(
        std::fs::read(got.dir.join("charts/sub-0.1.5.tgz")).unwrap(),
        sub
    );
    let pristine = tmp
        .path()
        .join(format!("charts/extracted/{}/app", sha256_hex(&app)));
    assert!(pristine.join("Chart.yaml").is_file());
    assert!(
        !pristine.join("charts").exists(),
        "the cached chart was modified in place"
    );

    let out = render(&got.dir);
    let sub_cm = &out["app/charts/sub/templates/cm.yaml"];
    assert!(
        sub_cm.contains("name: rel-sub") && sub_cm.contains("0.1.5"),
        "{sub_cm}"
    );

    // Same inputs, same derived dir, and no second archive download.
    let again = cache
        .fetch(&repo_ref(&repo, "app", "1.0.0"), &Credentials::None)
        .await
        .unwrap();
    assert_eq!(again.dir, got.dir);
    assert_eq!(repo.server.count("sub-0.1.5.tgz"), 1);
}

#[tokio::test]
async fn locked_dependency_version_is_used_and_served_offline() {
    let repo = Repo::start(None);
    let (old, new) = (package("sub", "0.1.5", ""), package("sub", "0.1.9", ""));
    let deps = format!(
        "dependencies:\n  - name: sub\n    version: ^0.1\n    repository: {}\n",
        repo.url()
    );
    let lock = format!(
        "dependencies:\n- name: sub\n  repository: {}\n  version: 0.1.5\ndigest: sha256:0\ngenerated: \"2025-01-01T00:00:00Z\"\n",
        repo.url()
    );
    let app = package_with("app", "1.0.0", &deps, &[("Chart.lock", lock)]);
    repo.publish(&[
        ("sub", "0.1.5", &old),
        ("sub", "0.1.9", &new),
        ("app", "1.0.0", &app),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let cache = ChartCache::open(tmp.path()).unwrap();
    let chart = repo_ref(&repo, "app", "1.0.0");

    let got = cache.fetch(&chart, &Credentials::None).await.unwrap();
    assert!(got.dir.join("charts/sub-0.1.5.tgz").is_file());
    assert!(!got.dir.join("charts/sub-0.1.9.tgz").exists());
    let seen = repo.server.requests().len();
    let again = cache.fetch(&chart, &Credentials::None).await.unwrap();
    assert_eq!(again, got);
    assert_eq!(
        repo.server.requests().len(),
        seen,
        "a pinned chart with locked dependencies must be served from the cache"
    );
}

#[tokio::test]
async fn local_chart_dependencies_file_and_named_repos() {
    let repo = Repo::start(None);
    let sub = package("sub", "0.1.5", "");
    repo.publish(&[("sub", "0.1.5", &sub)]);
    let tmp = tempfile::tempdir().unwrap();
    let cache = ChartCache::open(&tmp.path().join("cache")).unwrap();

    let work = tmp.path().join("work");
    let lib = work.join("lib");
    std::fs::create_dir_all(lib.join("templates")).unwrap();
    std::fs::write(
        lib.join("Chart.yaml"),
        "apiVersion: v2\nname: lib\nversion: 2.0.0\n",
    )
    .unwrap();
    std::fs::write(
        lib.join("templates/cm.yaml"),
        TEMPLATE.replace(".Values.greeting", "\"lib\""),
    )
    .unwrap();
    let app = work.join("app");
    std::fs::create_dir_all(app.join("templates")).unwrap();
    std::fs::write(
        app.join("Chart.yaml"),
        format!(
            "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: sub\n    version: 0.1.5\n    repository: {}\n  - name: lib\n    version: ^2\n    repository: file://../lib\n",
            repo.url()
        ),
    )
    .unwrap();
    let before = std::fs::read_dir(&app).unwrap().count();
    let dir = cache
        .ensure_dependencies(&app, &|_| Credentials::None)
        .await
        .unwrap();
    assert_ne!(dir, app);
    assert_eq!(
        std::fs::read_dir(&app).unwrap().count(),
        before,
        "source chart modified"
    );
    let out = render(&dir);
    assert!(
        out.contains_key("app/charts/sub/templates/cm.yaml"),
        "{:?}",
        out.keys()
    );
    assert!(
        out.contains_key("app/charts/lib/templates/cm.yaml"),
        "{:?}",
        out.keys()
    );

    // Nothing missing: the directory itself comes back.
    assert_eq!(
        cache
            .ensure_dependencies(&dir, &|_| Credentials::None)
            .await
            .unwrap(),
        dir
    );

    std::fs::write(
        app.join("Chart.yaml"),
        "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: ^1\n    repository: \"@bitnami\"\n",
    )
    .unwrap();
    let err = cache
        .ensure_dependencies(&app, &|_| Credentials::None)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("redis") && msg.contains("named repository"),
        "{msg}"
    );
}

// ---------------------------------------------------------------- OCI: token flow double

fn oci_manifest(config: &[u8], layer: &[u8], layer_type: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.cncf.helm.config.v1+json",
            "digest": format!("sha256:{}", sha256_hex(config)),
            "size": config.len(),
        },
        "layers": [{
            "mediaType": layer_type,
            "digest": format!("sha256:{}", sha256_hex(layer)),
            "size": layer.len(),
        }],
    }))
    .unwrap()
}

const CHART_LAYER: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";

#[tokio::test]
async fn oci_bearer_token_flow() {
    use base64::Engine as _;
    let tgz = package("demo", "3.0.0", "");
    let config = br#"{"name":"demo","version":"3.0.0"}"#.to_vec();
    let manifest = oci_manifest(&config, &tgz, CHART_LAYER);
    let realm: Arc<Mutex<String>> = Arc::default();
    let want_basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("robot:t0ken-pw")
    );
    let (r2, m2, t2) = (realm.clone(), manifest.clone(), tgz.clone());
    let server = TestServer::start(Arc::new(move |req: &Request| {
        if req.path.starts_with("/token?") {
            if req.header("authorization") == Some(want_basic.as_str()) {
                return Response::ok(r#"{"access_token":"tok-123"}"#);
            }
            return Response::status(401);
        }
        if req.header("authorization") != Some("Bearer tok-123") {
            let mut r = Response::status(401);
            r.headers.push((
                "WWW-Authenticate".into(),
                format!(
                    r#"Bearer realm="{}",service="test-registry",scope="repository:charts/demo:pull""#,
                    r2.lock().unwrap()
                ),
            ));
            return r;
        }
        match req.path.as_str() {
            "/v2/charts/demo/manifests/3.0.0" => Response::ok(m2.clone()),
            p if p == format!("/v2/charts/demo/blobs/sha256:{}", sha256_hex(&t2)) => {
                Response::ok(t2.clone())
            }
            _ => Response::status(404),
        }
    }));
    *realm.lock().unwrap() = format!("{}/token", server.url());
    let url = format!("oci://{}/charts/demo", server.addr);
    let tmp = tempfile::tempdir().unwrap();
    let cache = ChartCache::open(tmp.path()).unwrap();
    let chart = ChartRef::Oci {
        url: url.clone(),
        version: "3.0.0".into(),
    };

    let err = cache
        .fetch(&chart, &basic("robot", "bad-pw"))
        .await
        .unwrap_err();
    assert!(matches!(err, ChartSourceError::Auth { .. }), "{err}");
    let msg = format!("{err} {err:?}");
    assert!(
        msg.contains("token service") && msg.contains("401"),
        "{msg}"
    );
    assert!(!msg.contains("bad-pw") && !msg.contains("t0ken"), "{msg}");

    let got = cache
        .fetch(&chart, &basic("robot", "t0ken-pw"))
        .await
        .unwrap();
    assert_eq!(got.version, "3.0.0");
    assert_eq!(got.digest, format!("sha256:{}", sha256_hex(&tgz)));
    assert_eq!(
        got.source_url,
        format!("{url}@sha256:{}", sha256_hex(&manifest))
    );
    let token_req = server
        .requests()
        .into_iter()
        .rfind(|r| r.path.starts_with("/token?"))
        .unwrap();
    assert!(
        token_req.path.contains("service=test-registry")
            && token_req
                .path
                .contains("scope=repository%3Acharts%2Fdemo%3Apull"),
        "{}",
        token_req.path
    );
    assert!(render(&got.dir)["demo/templates/cm.yaml"].contains("3.0.0"));
}

#[tokio::test]
async fn oci_basic_challenge_and_digest_checks() {
    use base64::Engine as _;
    let tgz = package("demo", "1.0.0", "");
    let tampered = package("demo", "1.0.0", "description: tampered\n");
    let manifest = oci_manifest(b"{}", &tgz, CHART_LAYER);
    let want = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("u:registry-pw")
    );
    let (m2, t2) = (manifest.clone(), tampered.clone());
    let server = TestServer::start(Arc::new(move |req: &Request| {
        if req.header("authorization") != Some(want.as_str()) {
            let mut r = Response::status(401);
            r.headers.push((
                "WWW-Authenticate".into(),
                r#"Basic realm="registry""#.into(),
            ));
            return r;
        }
        if req.path.contains("/manifests/") {
            // Whatever was asked for, the same manifest comes back.
            Response::ok(m2.clone())
        } else if req.path.contains("/blobs/") {
            Response::ok(t2.clone())
        } else {
            Response::status(404)
        }
    }));
    let tmp = tempfile::tempdir().unwrap();
    let cache = ChartCache::open(tmp.path()).unwrap();
    let oci = |version: &str| ChartRef::Oci {
        url: format!("oci://{}/charts/demo", server.addr),
        version: version.into(),
    };

    let err = cache
        .fetch(&oci("1.0.0"), &Credentials::None)
        .await
        .unwrap_err();
    assert!(matches!(err, ChartSourceError::Auth { .. }), "{err}");
    assert!(
        err.to_string().contains("no credentials were given"),
        "{err}"
    );

    let creds = basic("u", "registry-pw");
    let err = cache.fetch(&oci("1.0.0"), &creds).await.unwrap_err();
    assert!(
        matches!(err, ChartSourceError::DigestMismatch { .. }),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("expected sha256:{}", sha256_hex(&tgz))),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("got sha256:{}", sha256_hex(&tampered))),
        "{msg}"
    );
    assert!(!msg.contains("registry-pw"), "{msg}");

    let other = format!("sha256:{}", sha256_hex(b"another manifest"));
    let err = cache.fetch(&oci(&other), &creds).await.unwrap_err();
    assert!(
        matches!(err, ChartSourceError::DigestMismatch { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains(&format!("expected {other}")),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(tmp.path().join("charts/blobs/sha256"))
            .unwrap()
            .count(),
        0
    );
}

// ---------------------------------------------------------------- OCI: docker-registry

const REGISTRY_BIN: &str = "/usr/bin/docker-registry";

/// Debian's `docker-registry` (CNCF distribution) on 127.0.0.1; killed on drop.
struct Registry {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
    /// Basic credentials the registry demands (htpasswd), used for pushes.
    auth: Option<(String, String)>,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Registry {
    /// Starts a registry; with `auth`, an htpasswd file demands those basic credentials.
    async fn start(auth: Option<(&str, &str)>) -> Option<Registry> {
        if !Path::new(REGISTRY_BIN).exists() {
            println!("skipped: docker-registry not installed");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.path().join("config.yml");
        let mut yaml = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        if let Some((user, pass)) = auth {
            // bcrypt via the renderer's sprig `htpasswd`, the format distribution reads.
            let htpasswd = syncd_helm::funcs::library().get("htpasswd").unwrap();
            let line = htpasswd(&[syncd_helm::Value::str(user), syncd_helm::Value::str(pass)])
                .unwrap()
                .to_string();
            let file = dir.path().join("htpasswd");
            std::fs::write(&file, format!("{line}\n")).unwrap();
            yaml.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: syncd-test\n    path: {}\n",
                file.display()
            ));
        }
        std::fs::write(&config, yaml).unwrap();
        let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
        let child = std::process::Command::new(REGISTRY_BIN)
            .arg("serve")
            .arg(&config)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut reg = Registry {
            child,
            port,
            _dir: dir,
            auth: auth.map(|(u, p)| (u.to_string(), p.to_string())),
        };
        let client = reqwest::Client::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if let Ok(r) = client.get(format!("{}/v2/", reg.base())).send().await {
                // 401 is the answer of a registry that is up and wants credentials.
                if r.status().is_success() || (auth.is_some() && r.status() == 401) {
                    return Some(reg);
                }
            }
            if let Ok(Some(status)) = reg.child.try_wait() {
                panic!(
                    "docker-registry exited with {status}: {}",
                    std::fs::read_to_string(reg._dir.path().join("registry.log"))
                        .unwrap_or_default()
                );
            }
            assert!(
                std::time::Instant::now() < deadline,
                "docker-registry did not become ready"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn authed(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.auth {
            Some((u, p)) => req.basic_auth(u, Some(p)),
            None => req,
        }
    }

    async fn push_blob(&self, client: &reqwest::Client, name: &str, bytes: &[u8]) -> String {
        let digest = format!("sha256:{}", sha256_hex(bytes));
        let r = self
            .authed(client.post(format!("{}/v2/{name}/blobs/uploads/", self.base())))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202, "start upload");
        let location = r.headers()["location"].to_str().unwrap().to_string();
        let mut url = reqwest::Url::parse(&self.base())
            .unwrap()
            .join(&location)
            .unwrap();
        url.query_pairs_mut().append_pair("digest", &digest);
        let r = self
            .authed(client.put(url))
            .header("content-type", "application/octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "finish upload");
        digest
    }

    /// Pushes a chart the way `helm push` lays it out; returns the manifest digest.
    async fn push_chart(&self, name: &str, tag: &str, tgz: &[u8], layer_type: &str) -> String {
        let client = reqwest::Client::new();
        let meta = syncd_helm_chart_json(tgz);
        self.push_blob(&client, name, &meta).await;
        self.push_blob(&client, name, tgz).await;
        let manifest = oci_manifest(&meta, tgz, layer_type);
        let r = self
            .authed(client.put(format!("{}/v2/{name}/manifests/{tag}", self.base())))
            .header("content-type", "application/vnd.oci.image.manifest.v1+json")
            .body(manifest.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            201,
            "push manifest: {}",
            r.text().await.unwrap()
        );
        format!("sha256:{}", sha256_hex(&manifest))
    }
}

/// The config blob Helm pushes: Chart.yaml as JSON.
fn syncd_helm_chart_json(tgz: &[u8]) -> Vec<u8> {
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(tgz));
    for e in tar.entries().unwrap() {
        let mut e = e.unwrap();
        if e.path().unwrap().ends_with("Chart.yaml") {
            let mut s = String::new();
            e.read_to_string(&mut s).unwrap();
            let v: serde_json::Value = serde_yaml::from_str(&s).unwrap();
            return serde_json::to_vec(&v).unwrap();
        }
    }
    panic!("no Chart.yaml")
}

#[tokio::test]
async fn oci_registry_by_tag_digest_and_constraint() {
    let Some(registry) = Registry::start(None).await else {
        return;
    };
    let name = "charts/demo";
    let versions = ["1.0.0", "1.1.0", "1.2.0+build.1", "2.0.0-rc.1"];
    let mut tgz = HashMap::new();
    let mut manifests = HashMap::new();
    for v in versions {
        let t = package("demo", v, "");
        manifests.insert(
            v,
            registry
                .push_chart(name, &v.replace('+', "_"), &t, CHART_LAYER)
                .await,
        );
        tgz.insert(v, t);
    }
    let legacy = package("legacy", "0.1.0", "");
    registry
        .push_chart("charts/legacy", "0.1.0", &legacy, "application/tar+gzip")
        .await;
    registry
        .push_chart(
            "charts/image",
            "0.1.0",
            &legacy,
            "application/vnd.oci.image.layer.v1.tar+gzip",
        )
        .await;

    let tmp = tempfile::tempdir().unwrap();
    let cache = ChartCache::open(tmp.path()).unwrap();
    let url = format!("oci://127.0.0.1:{}/{name}", registry.port);
    let oci = |version: &str| ChartRef::Oci {
        url: url.clone(),
        version: version.into(),
    };

    let by_tag = cache
        .fetch(&oci("1.1.0"), &Credentials::None)
        .await
        .unwrap();
    assert_eq!(by_tag.version, "1.1.0");
    assert_eq!(
        by_tag.digest,
        format!("sha256:{}", sha256_hex(&tgz["1.1.0"]))
    );
    assert_eq!(by_tag.source_url, format!("{url}@{}", manifests["1.1.0"]));
    assert!(render(&by_tag.dir)["demo/templates/cm.yaml"].contains("version: \"1.1.0\""));

    let newest_1 = cache.fetch(&oci("^1"), &Credentials::None).await.unwrap();
    assert_eq!(newest_1.version, "1.2.0+build.1");
    assert_eq!(
        newest_1.digest,
        format!("sha256:{}", sha256_hex(&tgz["1.2.0+build.1"]))
    );
    let latest = cache.fetch(&oci(""), &Credentials::None).await.unwrap();
    assert_eq!(
        latest.version, "1.2.0+build.1",
        "prereleases are not latest stable"
    );
    let rc = cache
        .fetch(&oci(">=2.0.0-0"), &Credentials::None)
        .await
        .unwrap();
    assert_eq!(rc.version, "2.0.0-rc.1");
    let err = cache
        .fetch(&oci(">=3"), &Credentials::None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ChartSourceError::NoMatchingVersion { .. }),
        "{err}"
    );

    let pinned = manifests["1.0.0"].clone();
    let by_digest = cache
        .fetch(&oci(&pinned), &Credentials::None)
        .await
        .unwrap();
    assert_eq!(by_digest.version, "1.0.0");
    assert_eq!(
        by_digest.digest,
        format!("sha256:{}", sha256_hex(&tgz["1.0.0"]))
    );

    // A digest that is not the manifest's is refused by the registry or by us.
    let wrong = format!("sha256:{}", sha256_hex(b"nope"));
    assert!(cache.fetch(&oci(&wrong), &Credentials::None).await.is_err());

    let legacy_got = cache
        .fetch(
            &ChartRef::Oci {
                url: format!("oci://127.0.0.1:{}/charts/legacy", registry.port),
                version: "0.1.0".into(),
            },
            &Credentials::None,
        )
        .await
        .unwrap();
    assert_eq!(legacy_got.name, "legacy");
    let err = cache
        .fetch(
            &ChartRef::Oci {
                url: format!("oci://127.0.0.1:{}/charts/image", registry.port),
                version: "0.1.0".into(),
            },
            &Credentials::None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, ChartSourceError::NoChartLayer { .. }),
        "{err}"
    );

    // A chart whose dependency lives in the registry (oci:// repository = the parent path).
    let deps = format!(
        "dependencies:\n  - name: demo\n    version: ~1.1\n    repository: oci://127.0.0.1:{}/charts\n",
        registry.port
    );
    let parent = package("umbrella", "0.1.0", &deps);
    registry
        .push_chart("apps/umbrella", "0.1.0", &parent, CHART_LAYER)
        .await;
    let umbrella = cache
        .fetch(
            &ChartRef::Oci {
                url: format!("oci://127.0.0.1:{}/apps/umbrella", registry.port),
                version: "0.1.0".into(),
            },
            &Credentials::None,
        )
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(umbrella.dir.join("charts/demo-1.1.0.tgz")).unwrap(),
        tgz["1.1.0"]
    );
    assert!(render(&umbrella.dir).contains_key("umbrella/charts/demo/templates/cm.yaml"));

    // With the registry gone, the digest pin is still served from the cache; a tag is not.
    drop(registry);
    let offline = cache
        .fetch(&oci(&pinned), &Credentials::None)
        .await
        .unwrap();
    assert_eq!(offline, by_digest);
    assert!(cache
        .fetch(&oci("1.1.0"), &Credentials::None)
        .await
        .is_err());
}

// ---------------------------------------------------------------- TLS (openssl s_server)

/// `openssl s_server -WWW` serving a directory over TLS on 127.0.0.1; killed on drop.
struct TlsServer {
    child: std::process::Child,
    port: u16,
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn https_repository_with_a_private_ca() {
    if std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_err()
    {
        println!("skipped: openssl not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let pki = tmp.path().join("pki");
    let www = tmp.path().join("www");
    std::fs::create_dir_all(&pki).unwrap();
    std::fs::create_dir_all(www.join("charts")).unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    openssl(
        &pki,
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "1",
                "-subj",
                "/CN=syncd test CA",
            ],
        ]
        .concat(),
    );
    openssl(
        &pki,
        &[
            &["req"][..],
            &ec,
            &[
                "-keyout",
                "leaf.key",
                "-out",
                "leaf.csr",
                "-subj",
                "/CN=localhost",
            ],
        ]
        .concat(),
    );
    std::fs::write(
        pki.join("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        &pki,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "1",
            "-extfile",
            "ext.cnf",
        ],
    );

    let v = package("demo", "0.4.0", "");
    std::fs::write(www.join("charts/demo-0.4.0.tgz"), &v).unwrap();
    std::fs::write(
        www.join("charts/index.yaml"),
        index_yaml(&[Entry {
            name: "demo",
            version: "0.4.0",
            url: "demo-0.4.0.tgz".into(),
            digest: Some(sha256_hex(&v)),
        }]),
    )
    .unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new("openssl")
        .args(["s_server", "-quiet", "-WWW", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(pki.join("leaf.pem"))
        .arg("-key")
        .arg(pki.join("leaf.key"))
        .current_dir(&www)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let server = TlsServer { child, port };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", server.port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "openssl s_server did not start"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let chart = ChartRef::Repo {
        url: format!("https://localhost:{port}/charts"),
        name: "demo".into(),
        version: "0.4.0".into(),
    };

    // Unknown CA: refused by certificate verification.
    let plain = ChartCache::open(&tmp.path().join("c1")).unwrap();
    let err = plain.fetch(&chart, &Credentials::None).await.unwrap_err();
    assert!(matches!(err, ChartSourceError::IndexFetch { .. }), "{err}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );

    let ca = std::fs::read(pki.join("ca.pem")).unwrap();
    let trusting = ChartCache::open(&tmp.path().join("c2"))
        .unwrap()
        .with_root_certificates_pem(&ca)
        .unwrap();
    let got = trusting.fetch(&chart, &Credentials::None).await.unwrap();
    assert_eq!(got.digest, format!("sha256:{}", sha256_hex(&v)));
    assert!(render(&got.dir)["demo/templates/cm.yaml"].contains("0.4.0"));
}

// ---------------------------------------------------------------- public network (manual)

/// The issue's example repository over real TLS (webpki roots, ring provider). Needs network,
/// so it only runs on request: `cargo test -p syncd --test chart_sources -- --ignored`.
#[tokio::test]
#[ignore = "needs network access to deltawi.github.io"]
async fn live_public_https_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = ChartCache::open(tmp.path()).unwrap();
    let got = cache
        .fetch(
            &ChartRef::Repo {
                url: "https://deltawi.github.io/deltallm".into(),
                name: "deltallm".into(),
                version: ">=0.1".into(),
            },
            &Credentials::None,
        )
        .await
        .unwrap();
    assert!(got.digest.starts_with("sha256:"), "{got:?}");
    assert!(!render(&got.dir).is_empty());
}

#[tokio::test]
async fn oci_registry_with_htpasswd_basic_auth() {
    let Some(registry) = Registry::start(Some(("pusher", "htpasswd-pw"))).await else {
        return;
    };
    let tgz = package("private", "0.5.0", "");
    registry
        .push_chart("team/private", "0.5.0", &tgz, CHART_LAYER)
        .await;
    let tmp = tempfile::tempdir().unwrap();
    let cache = ChartCache::open(tmp.path()).unwrap();
    let chart = ChartRef::Oci {
        url: format!("oci://127.0.0.1:{}/team/private", registry.port),
        version: "~0.5".into(),
    };

    let err = cache.fetch(&chart, &Credentials::None).await.unwrap_err();
    assert!(matches!(err, ChartSourceError::Auth { .. }), "{err}");
    let err = cache
        .fetch(&chart, &basic("pusher", "not-the-pw"))
        .await
        .unwrap_err();
    assert!(matches!(err, ChartSourceError::Auth { .. }), "{err}");
    assert!(!format!("{err} {err:?}").contains("not-the-pw"), "{err}");

    let got = cache
        .fetch(&chart, &basic("pusher", "htpasswd-pw"))
        .await
        .unwrap();
    assert_eq!(got.version, "0.5.0");
    assert_eq!(got.digest, format!("sha256:{}", sha256_hex(&tgz)));
    assert!(render(&got.dir)["private/templates/cm.yaml"].contains("0.5.0"));
}
