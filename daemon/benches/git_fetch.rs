//! Incremental fetch: syncd's `GitCache::resolve` against `git fetch` into a `git clone --mirror`,
//! same server (`git daemon` on 127.0.0.1), same repo (10,000 files, 1,000 commits), same run.
//! Prints a table of medians. Run: `cargo bench -p syncd --bench git_fetch`.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use syncd::source::git::{GitCache, GitRef, GitRemote};

const FILES: usize = 10_000;
const COMMITS: usize = 1_000;
const RUNS: usize = 7;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Feeds a fast-import stream to the bare repo.
fn fast_import(repo: &Path, stream: &[u8]) {
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(repo)
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stream)
        .expect("stream written");
    assert!(child.wait().expect("fast-import waits").success());
}

fn commit_header(out: &mut Vec<u8>, n: usize, parent: Option<&str>) {
    let msg = format!("commit {n}");
    let when = 1_700_000_000 + n;
    write!(
        out,
        "commit refs/heads/main\ncommitter Bench <bench@example.com> {when} +0000\ndata {}\n{msg}\n",
        msg.len()
    )
    .unwrap();
    if let Some(p) = parent {
        writeln!(out, "from {p}").unwrap();
    }
}

fn file(out: &mut Vec<u8>, path: &str, content: &str) {
    write!(
        out,
        "M 100644 inline {path}\ndata {}\n{content}\n",
        content.len()
    )
    .unwrap();
}

/// 1,000 commits: the first adds 10,000 files, each later one changes 10 of them.
fn build_repo(bare: &Path) {
    let mut s = Vec::with_capacity(8 << 20);
    commit_header(&mut s, 0, None);
    for i in 0..FILES {
        file(
            &mut s,
            &format!("dir{}/file{i}.txt", i % 100),
            &format!("file {i} version 0\n"),
        );
    }
    for c in 1..COMMITS {
        commit_header(&mut s, c, None);
        for k in 0..10 {
            let i = (c * 10 + k) % FILES;
            file(
                &mut s,
                &format!("dir{}/file{i}.txt", i % 100),
                &format!("file {i} version {c}\n"),
            );
        }
    }
    fast_import(bare, &s);
}

fn add_commit(bare: &Path, n: usize) {
    let mut s = Vec::new();
    commit_header(&mut s, COMMITS + n, Some("refs/heads/main^0"));
    file(&mut s, &format!("new/file{n}.txt"), &format!("new {n}\n"));
    fast_import(bare, &s);
}

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_daemon(base: &Path) -> (Daemon, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let exec_path = git(base, &["--exec-path"]);
    let mut child = Command::new(Path::new(&exec_path).join("git-daemon"))
        .args([
            "--export-all",
            &format!("--base-path={}", base.display()),
            "--listen=127.0.0.1",
            &format!("--port={port}"),
            "--reuseaddr",
        ])
        .arg(base)
        .stderr(Stdio::null())
        .spawn()
        .expect("git-daemon");
    for _ in 0..1000 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (Daemon(child), port);
        }
        if let Ok(Some(s)) = child.try_wait() {
            panic!("git-daemon exited: {s}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("git-daemon did not open its port");
}

fn time<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let start = Instant::now();
    let out = f();
    (start.elapsed(), out)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:>9.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let served = tmp.path().join("served");
    let bare = served.join("bench.git");
    std::fs::create_dir_all(&bare).expect("dir");
    git(
        &bare,
        &["-c", "init.defaultBranch=main", "init", "-q", "--bare"],
    );
    let (build, ()) = time(|| build_repo(&bare));
    eprintln!("built {FILES} files / {COMMITS} commits in {build:?}");
    let (_daemon, port) = start_daemon(&served);
    let url = format!("git://127.0.0.1:{port}/bench.git");

    let cache = GitCache::open(&tmp.path().join("cache"), 0).expect("cache");
    let remote = GitRemote::anonymous(url.clone());
    let main_ref = GitRef::parse("main");
    let (syncd_clone, _) = time(|| cache.resolve(&remote, &main_ref).expect("initial resolve"));
    let mirror = tmp.path().join("git-mirror.git");
    let (git_clone, _) = time(|| {
        git(
            tmp.path(),
            &[
                "clone",
                "-q",
                "--mirror",
                &url,
                mirror.to_str().expect("utf-8 path"),
            ],
        )
    });
    let head = git(&bare, &["rev-parse", "main"]);
    let (syncd_checkout, co) = time(|| cache.checkout(&remote, &head).expect("checkout"));
    drop(co);

    let mut unchanged = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let (d, r) = time(|| cache.resolve(&remote, &main_ref).expect("resolve"));
        assert_eq!(r.fetched.map(|f| f.received_objects), Some(0));
        unchanged.0.push(d);
        unchanged
            .1
            .push(time(|| git(&mirror, &["fetch", "-q", "--prune"])).0);
    }
    let mut one_new = (Vec::new(), Vec::new());
    for n in 0..RUNS {
        add_commit(&bare, n);
        let expected = git(&bare, &["rev-parse", "main"]);
        let (d, r) = time(|| cache.resolve(&remote, &main_ref).expect("resolve"));
        assert_eq!(r.commit, expected);
        one_new.0.push(d);
        one_new
            .1
            .push(time(|| git(&mirror, &["fetch", "-q", "--prune"])).0);
        assert_eq!(git(&mirror, &["rev-parse", "main"]), expected);
    }

    println!(
        "git fetch over git:// on 127.0.0.1 — {FILES} files, {COMMITS} commits, median of {RUNS}"
    );
    println!("{:<34} {:>12} {:>12}", "case", "syncd", "git");
    println!(
        "{:<34} {:>12} {:>12}",
        "initial clone (1 run)",
        ms(syncd_clone),
        ms(git_clone)
    );
    println!(
        "{:<34} {:>12} {:>12}",
        "incremental fetch, unchanged",
        ms(median(unchanged.0)),
        ms(median(unchanged.1))
    );
    println!(
        "{:<34} {:>12} {:>12}",
        "incremental fetch, 1 new commit",
        ms(median(one_new.0)),
        ms(median(one_new.1))
    );
    println!(
        "{:<34} {:>12} {:>12}",
        "checkout of HEAD (syncd, 1 run)",
        ms(syncd_checkout),
        "-"
    );
}
