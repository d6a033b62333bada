//! Git sources against real servers on 127.0.0.1: `git daemon` and a smart-HTTP server (basic
//! auth in front of `git http-backend`) started by each test and killed when it ends.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use syncd::source::credentials::{Credentials, Secret};
use syncd::source::git::{GitCache, GitError, GitRef, GitRemote};

// ---------------------------------------------------------------------------------------------
// Fixtures

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "protocol.file.allow=always",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A work repo (where commits are made) pushed into a bare repo `<served>/<name>.git`.
struct Upstream {
    work: PathBuf,
    bare: PathBuf,
}

impl Upstream {
    fn new(served: &Path, name: &str) -> Upstream {
        let work = served.join(format!("{name}-work"));
        std::fs::create_dir_all(&work).unwrap();
        git(&work, &["init", "-q"]);
        let bare = served.join(format!("{name}.git"));
        git(served, &["init", "-q", "--bare", bare.to_str().unwrap()]);
        git(&work, &["remote", "add", "origin", bare.to_str().unwrap()]);
        Upstream { work, bare }
    }

    fn commit(&self, file: &str, content: &str) -> String {
        let path = self.work.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        git(&self.work, &["add", "-A"]);
        git(
            &self.work,
            &["commit", "-q", "-m", &format!("write {file}")],
        );
        git(&self.work, &["rev-parse", "HEAD"])
    }

    fn push(&self) {
        git(&self.work, &["push", "-q", "--force", "--all", "origin"]);
        git(&self.work, &["push", "-q", "--force", "--tags", "origin"]);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, child: &mut Child) {
    for _ in 0..500 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("server exited early: {status}");
        }
        // Polling a port that is not open yet; there is no readiness signal to wait on.
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("port {port} never opened");
}

/// `git daemon` serving a directory.
struct GitDaemon {
    child: Child,
    port: u16,
}

impl GitDaemon {
    fn start(base: &Path) -> GitDaemon {
        let port = free_port();
        // git-daemon itself, not the `git` wrapper: killing the wrapper would orphan the
        // daemon and leave the port open.
        let exec_path = git(base, &["--exec-path"]);
        let mut child = Command::new(Path::new(&exec_path).join("git-daemon"))
            .args([
                "--export-all",
                &format!("--base-path={}", base.display()),
                "--listen=127.0.0.1",
                &format!("--port={port}"),
                "--reuseaddr",
                "--enable=receive-pack",
                "--informative-errors",
            ])
            .arg(base)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("git daemon starts");
        wait_for_port(port, &mut child);
        GitDaemon { child, port }
    }

    fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}.git", self.port)
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Smart HTTP with basic auth: a small HTTP/1.1 server that runs `git http-backend` as CGI.
struct HttpGit {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HttpGit {
    fn start(root: &Path, user: &str, password: &str) -> HttpGit {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let expected = format!("Basic {}", STANDARD.encode(format!("{user}:{password}")));
        let root = root.to_path_buf();
        let stop2 = stop.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let root = root.clone();
                let expected = expected.clone();
                std::thread::spawn(move || {
                    let _ = serve(conn, &root, &expected);
                });
            }
        });
        HttpGit {
            port,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}.git", self.port)
    }
}

impl Drop for HttpGit {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(conn: TcpStream, root: &Path, expected_auth: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut out = conn;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            reader.read_line(&mut h)?;
            let h = h.trim_end().to_string();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let mut body = Vec::new();
        if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
            loop {
                let mut size = String::new();
                reader.read_line(&mut size)?;
                let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                    .unwrap_or(0);
                let mut chunk = vec![0; size + 2];
                reader.read_exact(&mut chunk)?;
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        } else if let Some(len) = header("content-length").and_then(|l| l.parse::<usize>().ok()) {
            body.resize(len, 0);
            reader.read_exact(&mut body)?;
        }

        if header("authorization").as_deref() != Some(expected_auth) {
            out.write_all(
                b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: 0\r\n\r\n",
            )?;
            continue;
        }
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let mut cmd = Command::new("git");
        cmd.arg("http-backend")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("GIT_PROJECT_ROOT", root)
            .env("GIT_HTTP_EXPORT_ALL", "1")
            .env("REQUEST_METHOD", &method)
            .env("PATH_INFO", path)
            .env("QUERY_STRING", query)
            .env("CONTENT_LENGTH", body.len().to_string())
            .env("REMOTE_USER", "tester")
            .env("REMOTE_ADDR", "127.0.0.1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(ct) = header("content-type") {
            cmd.env("CONTENT_TYPE", ct);
        }
        if let Some(enc) = header("content-encoding") {
            cmd.env("HTTP_CONTENT_ENCODING", enc);
        }
        if let Some(proto) = header("git-protocol") {
            cmd.env("GIT_PROTOCOL", proto);
        }
        let mut child = cmd.spawn()?;
        let mut stdin = child.stdin.take().expect("piped stdin");
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&body);
        });
        let output = child.wait_with_output()?;
        let _ = writer.join();
        let raw = output.stdout;
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|i| (i, 4))
            .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
        let (head, payload) = match split {
            Some((i, n)) => (
                String::from_utf8_lossy(&raw[..i]).into_owned(),
                &raw[i + n..],
            ),
            None => (String::new(), &raw[..]),
        };
        let mut status = "200 OK".to_string();
        let mut response = Vec::new();
        for h in head.lines() {
            if let Some(s) = h.strip_prefix("Status:") {
                status = s.trim().to_string();
            } else if !h.trim().is_empty() {
                response.extend_from_slice(h.trim_end().as_bytes());
                response.extend_from_slice(b"\r\n");
            }
        }
        write!(
            out,
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\n",
            payload.len()
        )?;
        out.write_all(&response)?;
        out.write_all(b"\r\n")?;
        out.write_all(payload)?;
        out.flush()?;
    }
}

fn read_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_symlink() {
                let t = std::fs::read_link(e.path()).unwrap();
                out.push((rel, t.display().to_string().into_bytes()));
            } else {
                out.push((rel, std::fs::read(e.path()).unwrap()));
            }
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn clone_refetch_is_incremental_and_picks_up_new_commits() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let up = Upstream::new(&served, "app");
    let first = up.commit("values.yaml", "replicas: 1\n");
    up.push();
    let daemon = GitDaemon::start(&served);
    let cache = GitCache::open(&tmp.path().join("cache"), 0).unwrap();
    let remote = GitRemote::anonymous(daemon.url("app"));
    let main = GitRef::parse("main");

    let r1 = cache.resolve(&remote, &main).unwrap();
    assert_eq!(r1.commit, first);
    assert_eq!(r1.reference, "refs/heads/main");
    assert_eq!(r1.stale, None);
    assert!(
        r1.fetched.unwrap().received_objects >= 3,
        "{:?}",
        r1.fetched
    );

    let r2 = cache.resolve(&remote, &main).unwrap();
    assert_eq!(r2.commit, first);
    assert_eq!(
        r2.fetched.unwrap().received_objects,
        0,
        "unchanged repo: nothing transferred"
    );

    let second = up.commit("values.yaml", "replicas: 2\n");
    up.push();
    let r3 = cache.resolve(&remote, &main).unwrap();
    assert_eq!(r3.commit, second);
    let got = r3.fetched.unwrap().received_objects;
    assert!(got > 0 && got <= 3, "only the new commit's objects: {got}");

    let co = cache.checkout(&remote, &r3.commit).unwrap();
    assert_eq!(
        std::fs::read_to_string(co.dir.join("values.yaml")).unwrap(),
        "replicas: 2\n"
    );
    let old = cache.checkout(&remote, &first).unwrap();
    assert_eq!(
        std::fs::read_to_string(old.dir.join("values.yaml")).unwrap(),
        "replicas: 1\n"
    );
    assert_ne!(co.dir, old.dir);

    // Branches and tags deleted upstream are pruned from the mirror: resolving them now is a
    // plain "not found", not a stale fallback.
    git(&up.work, &["branch", "gone"]);
    git(&up.work, &["tag", "gone-tag"]);
    up.push();
    assert_eq!(
        cache
            .resolve(&remote, &GitRef::parse("gone"))
            .unwrap()
            .commit,
        second
    );
    assert_eq!(
        cache
            .resolve(&remote, &GitRef::parse("gone-tag"))
            .unwrap()
            .commit,
        second
    );
    git(&up.bare, &["branch", "-D", "gone"]);
    git(&up.bare, &["tag", "-d", "gone-tag"]);
    for name in ["gone", "gone-tag"] {
        let err = cache.resolve(&remote, &GitRef::parse(name)).unwrap_err();
        assert!(matches!(err, GitError::RefNotFound { .. }), "{name}: {err}");
    }

    // A second GitCache on the same directory reuses the mirror (no new objects).
    let again = GitCache::open(&tmp.path().join("cache"), 0).unwrap();
    assert_eq!(
        again
            .resolve(&remote, &main)
            .unwrap()
            .fetched
            .unwrap()
            .received_objects,
        0
    );
}

#[test]
fn every_ref_form_resolves_to_the_exact_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let up = Upstream::new(&served, "chart");
    let mut tagged = Vec::new();
    for v in ["v1.3.0", "v1.4.0", "v1.4.2", "v2.0.0", "v2.1.0-rc.1"] {
        let c = up.commit("Chart.yaml", &format!("version: {v}\n"));
        git(&up.work, &["tag", "-a", v, "-m", v]);
        tagged.push((v, c));
    }
    let head = up.commit("README", "main head\n");
    git(&up.work, &["branch", "feature", &tagged[0].1]);
    // Same short name as a branch and a tag: git rev-parse prefers the tag.
    git(&up.work, &["branch", "same", &tagged[1].1]);
    git(&up.work, &["tag", "same", &tagged[2].1]);
    up.push();
    let daemon = GitDaemon::start(&served);
    let cache = GitCache::open(&tmp.path().join("cache"), 0).unwrap();
    let remote = GitRemote::anonymous(daemon.url("chart"));
    let resolve = |r: &str| cache.resolve(&remote, &GitRef::parse(r)).unwrap();

    let cases: Vec<(&str, &str, &str)> = vec![
        ("main", head.as_str(), "refs/heads/main"),
        ("", head.as_str(), "refs/heads/main"),
        ("feature", tagged[0].1.as_str(), "refs/heads/feature"),
        ("refs/heads/same", tagged[1].1.as_str(), "refs/heads/same"),
        ("same", tagged[2].1.as_str(), "refs/tags/same"),
        ("v1.4.0", tagged[1].1.as_str(), "refs/tags/v1.4.0"),
        ("refs/tags/v2.0.0", tagged[3].1.as_str(), "refs/tags/v2.0.0"),
        (">=1.4 <2", tagged[2].1.as_str(), "refs/tags/v1.4.2"),
        ("~1.3", tagged[0].1.as_str(), "refs/tags/v1.3.0"),
        ("^1.2", tagged[2].1.as_str(), "refs/tags/v1.4.2"),
        ("2.x", tagged[3].1.as_str(), "refs/tags/v2.0.0"),
        (">=2.1.0-0", tagged[4].1.as_str(), "refs/tags/v2.1.0-rc.1"),
    ];
    for (text, commit, reference) in cases {
        let r = resolve(text);
        assert_eq!(
            (r.commit.as_str(), r.reference.as_str()),
            (commit, reference),
            "{text}"
        );
    }
    let full = &tagged[1].1;
    assert_eq!(resolve(full).commit, *full);
    assert_eq!(resolve(&full[..8]).commit, *full);
    assert_eq!(resolve(&full[..8]).reference, *full);

    let missing = cache.resolve(&remote, &GitRef::parse("nope")).unwrap_err();
    assert!(matches!(missing, GitError::RefNotFound { .. }), "{missing}");
    assert!(
        missing.to_string().contains(&daemon.url("chart")),
        "{missing}"
    );
    let none = cache.resolve(&remote, &GitRef::parse(">=3")).unwrap_err();
    assert!(matches!(none, GitError::NoMatchingTag { .. }), "{none}");
}

#[test]
fn http_basic_auth_works_and_a_wrong_password_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let up = Upstream::new(&served, "private");
    let commit = up.commit("a.txt", "secret stuff\n");
    up.push();
    let server = HttpGit::start(&served, "ci", "right-password");
    let cache = GitCache::open(&tmp.path().join("cache"), 0).unwrap();

    let good = GitRemote {
        url: server.url("private"),
        credentials: Credentials::Basic {
            username: "ci".into(),
            password: Secret::new("right-password"),
        },
    };
    let r = cache.resolve(&good, &GitRef::Default).unwrap();
    assert_eq!(r.commit, commit);
    let co = cache.checkout(&good, &r.commit).unwrap();
    assert_eq!(
        std::fs::read_to_string(co.dir.join("a.txt")).unwrap(),
        "secret stuff\n"
    );

    // A wrong password, also embedded in the URL, in a fresh cache (no last good commit).
    let other = GitCache::open(&tmp.path().join("cache2"), 0).unwrap();
    let url_with_secret = format!(
        "http://ci:wrong-password@127.0.0.1:{}/private.git",
        server.port
    );
    for remote in [
        GitRemote {
            url: server.url("private"),
            credentials: Credentials::Basic {
                username: "ci".into(),
                password: Secret::new("wrong-password"),
            },
        },
        GitRemote::anonymous(url_with_secret),
    ] {
        let err = other.resolve(&remote, &GitRef::Default).unwrap_err();
        let text = err.to_string();
        let debug = format!("{err:?}");
        let GitError::NoLastGood { cause, .. } = &err else {
            panic!("{text}")
        };
        assert!(matches!(**cause, GitError::Auth { .. }), "{text}");
        assert!(text.contains(&server.url("private")), "{text}");
        assert!(
            !text.contains("wrong-password") && !debug.contains("wrong-password"),
            "{text}"
        );
    }
    let anonymous = other
        .resolve(
            &GitRemote::anonymous(server.url("private")),
            &GitRef::Default,
        )
        .unwrap_err();
    assert!(
        anonymous.to_string().contains("none are configured"),
        "{anonymous}"
    );

    // Token credentials go as the basic password.
    let server2 = HttpGit::start(&served, "x-access-token", "tok-123");
    let token = GitRemote {
        url: server2.url("private"),
        credentials: Credentials::Token(Secret::new("tok-123")),
    };
    assert_eq!(
        other.resolve(&token, &GitRef::Default).unwrap().commit,
        commit
    );

    // Nothing credential-like is stored in the mirror.
    for entry in walk(&tmp.path().join("cache")) {
        if entry.is_file() {
            let bytes = std::fs::read(&entry).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains("right-password"), "{}", entry.display());
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

#[test]
fn an_unreachable_server_keeps_the_last_good_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let up = Upstream::new(&served, "app");
    let commit = up.commit("f", "1\n");
    up.push();
    let daemon = GitDaemon::start(&served);
    let url = daemon.url("app");
    let cache = GitCache::open(&tmp.path().join("cache"), 0).unwrap();
    let remote = GitRemote::anonymous(url.clone());
    let good = cache.resolve(&remote, &GitRef::parse("main")).unwrap();
    assert_eq!(good.stale, None);

    drop(daemon);
    let stale = cache.resolve(&remote, &GitRef::parse("main")).unwrap();
    assert_eq!(stale.commit, commit);
    assert_eq!(stale.reference, "refs/heads/main");
    let why = stale.stale.expect("marked stale");
    assert!(why.contains(&url), "{why}");
    // The checkout of the last good commit still works offline.
    let co = cache.checkout(&remote, &stale.commit).unwrap();
    assert_eq!(std::fs::read_to_string(co.dir.join("f")).unwrap(), "1\n");

    // A full sha already in the mirror is exact even offline (still flagged stale).
    let by_sha = cache.resolve(&remote, &GitRef::parse(&commit)).unwrap();
    assert_eq!(by_sha.commit, commit);
    assert!(by_sha.stale.is_some());

    // A ref never resolved before has no fallback: an error naming the URL.
    let err = cache.resolve(&remote, &GitRef::parse("other")).unwrap_err();
    assert!(matches!(err, GitError::NoLastGood { .. }), "{err}");
    assert!(err.to_string().contains(&url), "{err}");
}

#[test]
fn symlinks_leaving_the_checkout_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let up = Upstream::new(&served, "links");
    std::fs::create_dir_all(up.work.join("charts/app")).unwrap();
    std::fs::write(up.work.join("charts/app/Chart.yaml"), "name: app\n").unwrap();
    std::os::unix::fs::symlink("charts/app", up.work.join("inside")).unwrap();
    let fine = up.commit("README", "ok\n");
    std::os::unix::fs::symlink("../../etc", up.work.join("charts/evil")).unwrap();
    let relative = up.commit("README", "relative escape\n");
    std::fs::remove_file(up.work.join("charts/evil")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", up.work.join("abs")).unwrap();
    let absolute = up.commit("README", "absolute escape\n");
    std::fs::remove_file(up.work.join("abs")).unwrap();
    // Each link alone looks inside; together `up/..` climbs out.
    std::os::unix::fs::symlink("charts/..", up.work.join("up")).unwrap();
    std::os::unix::fs::symlink("up/..", up.work.join("chain")).unwrap();
    let chained = up.commit("README", "chained escape\n");
    up.push();

    let cache = GitCache::open(&tmp.path().join("cache"), 0).unwrap();
    let remote = GitRemote::anonymous(up.bare.display().to_string());
    cache.resolve(&remote, &GitRef::parse("main")).unwrap();

    let ok = cache.checkout(&remote, &fine).unwrap();
    assert_eq!(
        std::fs::read_to_string(ok.dir.join("inside/Chart.yaml")).unwrap(),
        "name: app\n"
    );
    let chart = syncd::source::git::resolve_inside(&ok.dir, Path::new("inside")).unwrap();
    assert!(chart.ends_with("charts/app"), "{}", chart.display());

    for (commit, path) in [
        (&relative, "charts/evil"),
        (&absolute, "abs"),
        (&chained, "chain"),
    ] {
        let err = cache.checkout(&remote, commit).unwrap_err();
        assert!(matches!(err, GitError::PathEscape { .. }), "{err}");
        assert!(err.to_string().contains(path), "{err}");
        let dir = tmp.path().join("cache/checkouts");
        assert!(
            !walk(&dir)
                .iter()
                .any(|p| p.to_string_lossy().contains(commit.as_str())
                    && !p.to_string_lossy().contains(".use")),
            "no partial checkout is left behind"
        );
    }
}

/// A commit, its checkout directory and the files in it.
type Seen = (String, PathBuf, Vec<(String, Vec<u8>)>);

#[test]
fn concurrent_caches_on_one_directory_share_mirrors_and_checkouts() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let up = Upstream::new(&served, "app");
    let mut commits = Vec::new();
    for i in 0..4 {
        for j in 0..50 {
            std::fs::create_dir_all(up.work.join("d")).unwrap();
            std::fs::write(up.work.join(format!("d/f{j}")), format!("{i}-{j}\n")).unwrap();
        }
        commits.push(up.commit("n", &i.to_string()));
        git(&up.work, &["tag", &format!("v1.{i}.0")]);
    }
    up.push();
    let daemon = GitDaemon::start(&served);
    let dir = tmp.path().join("cache");
    let remote = GitRemote::anonymous(daemon.url("app"));

    let results: Vec<Vec<Seen>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let dir = dir.clone();
                let remote = remote.clone();
                s.spawn(move || {
                    let cache = GitCache::open(&dir, 0).unwrap();
                    // Every thread wants main and v1.1.0; each also wants one of its own.
                    let refs = [
                        "main".to_string(),
                        "v1.1.0".to_string(),
                        format!("v1.{t}.0"),
                    ];
                    refs.iter()
                        .map(|r| {
                            let res = cache.resolve(&remote, &GitRef::parse(r)).unwrap();
                            let co = cache.checkout(&remote, &res.commit).unwrap();
                            (res.commit, co.dir.clone(), read_tree(&co.dir))
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (t, got) in results.iter().enumerate() {
        assert_eq!(got[0].0, commits[3]);
        assert_eq!(got[1].0, commits[1]);
        assert_eq!(got[2].0, commits[t]);
        for (commit, dir, tree) in got {
            assert_eq!(tree.len(), 51);
            assert!(dir.ends_with(commit));
            // Same commit → same directory with the same content, whoever made it.
            let first = &results[0]
                .iter()
                .chain(results.iter().flatten())
                .find(|(c, _, _)| c == commit)
                .unwrap();
            assert_eq!(&first.1, dir);
            assert_eq!(&first.2, tree);
        }
    }
    // No temp dirs left from lost rename races.
    let leftovers: Vec<_> = walk(&dir.join("checkouts"))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn the_size_bound_evicts_old_checkouts_but_not_live_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let up = Upstream::new(&served, "big");
    let big = "x".repeat(200_000);
    let a = up.commit("blob", &format!("a{big}"));
    let b = up.commit("blob", &format!("b{big}"));
    let c = up.commit("blob", &format!("c{big}"));
    up.push();
    let remote = GitRemote::anonymous(up.bare.display().to_string());
    // Room for the (compressed) mirror and about two checkouts.
    let cache = GitCache::open(&tmp.path().join("cache"), 500_000).unwrap();
    cache.resolve(&remote, &GitRef::parse("main")).unwrap();

    let held = cache.checkout(&remote, &a).unwrap();
    let dropped = cache.checkout(&remote, &b).unwrap();
    let b_dir = dropped.dir.clone();
    drop(dropped);
    let newest = cache.checkout(&remote, &c).unwrap();
    assert!(held.dir.exists(), "a live checkout is never evicted");
    assert!(
        newest.dir.exists(),
        "the checkout just made is never evicted"
    );
    assert!(
        !b_dir.exists(),
        "the unused one is evicted to get under the bound"
    );
    // It comes back on demand.
    let again = cache.checkout(&remote, &b).unwrap();
    assert!(again.dir.join("blob").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_wrappers_run_on_the_blocking_pool() {
    let tmp = tempfile::tempdir().unwrap();
    let up = Upstream::new(tmp.path(), "local");
    let commit = up.commit("k.txt", "v\n");
    up.push();
    let cache = GitCache::open(&tmp.path().join("cache"), 0).unwrap();
    // A file:// URL and the plain path share one mirror.
    let by_url = GitRemote::anonymous(format!("file://{}", up.bare.display()));
    let r = cache
        .resolve_async(by_url.clone(), GitRef::Default)
        .await
        .unwrap();
    assert_eq!(
        (r.commit.as_str(), r.reference.as_str()),
        (commit.as_str(), "refs/heads/main")
    );
    let by_path = GitRemote::anonymous(up.bare.display().to_string());
    let again = cache
        .resolve_async(by_path.clone(), GitRef::Default)
        .await
        .unwrap();
    assert_eq!(again.commit, commit);
    let mirrors: Vec<_> = std::fs::read_dir(tmp.path().join("cache/mirrors"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_dir())
        .collect();
    assert_eq!(mirrors.len(), 1, "{mirrors:?}");
    let co = cache.checkout_async(by_path, commit.clone()).await.unwrap();
    assert_eq!(
        std::fs::read_to_string(co.dir.join("k.txt")).unwrap(),
        "v\n"
    );
}
