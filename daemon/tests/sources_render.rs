//! The source stage end to end through `syncd render`: the GitOps repo given as a URL with
//! `--ref`, a chart kept in another git repo, and training code whose commit is injected into
//! the chart's values — re-pinned when its branch moves, kept when its server is gone.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A git repo with one commit of `files`.
fn repo(dir: &Path, files: &[(&str, &str)]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    git(dir, &["init", "-q"]);
    for (rel, text) in files {
        write(dir, rel, text);
    }
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", "init"]);
    dir.to_path_buf()
}

const CHART: &str = "apiVersion: v2\nname: trainer\nversion: 0.1.0\n";
const JOB: &str = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: train\nspec:\n  template:\n    metadata:\n      annotations:\n        code/repository: {{ .Values.source.git.repository | quote }}\n        code/revision: {{ .Values.source.git.revision | quote }}\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: t\n        image: busybox\n";

/// A GitOps repo whose `trainer` app takes its chart from `charts_url` and its code from
/// `code_url` (branch `main`, commit injected at `source.git.revision`).
fn gitops(dir: &Path, charts_url: &str, code_url: &str) -> PathBuf {
    let app = format!(
        "apiVersion: syncd.io/v1alpha1\nkind: App\nmetadata:\n  name: trainer\nspec:\n  source:\n    helm:\n      git:\n        url: {charts_url}\n        ref: main\n        path: charts/trainer\n      values:\n        source: {{git: {{revision: main}}}}\n  sources:\n    code:\n      git: {code_url}\n      ref: main\n      inject:\n        revision: source.git.revision\n        repository: source.git.repository\n"
    );
    let env = "apiVersion: syncd.io/v1alpha1\nkind: Environment\nmetadata:\n  name: dev\nspec:\n  namespace: ml-dev\n  apps:\n    - name: trainer\n";
    repo(
        dir,
        &[
            ("apps/trainer/app.yaml", &app),
            ("environments/dev.yaml", env),
        ],
    )
}

fn render(repo: &str, cache: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_syncd"))
        .args(["render", repo, "--env", "dev", "--cache-dir"])
        .arg(cache)
        .args(extra)
        .output()
        .expect("syncd runs")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "syncd failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn repo_url_git_chart_and_injected_training_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let charts = repo(
        &tmp.path().join("charts"),
        &[
            ("charts/trainer/Chart.yaml", CHART),
            ("charts/trainer/templates/job.yaml", JOB),
        ],
    );
    let code = repo(&tmp.path().join("code"), &[("train.py", "print('v1')\n")]);
    let code_url = format!("file://{}", code.display());
    let ops = gitops(
        &tmp.path().join("ops"),
        &format!("file://{}", charts.display()),
        &code_url,
    );
    let cache = tmp.path().join("cache");
    let ops_url = format!("file://{}", ops.display());

    let first = stdout(&render(&ops_url, &cache, &["--ref", "main"]));
    let v1 = git(&code, &["rev-parse", "HEAD"]);
    assert!(
        first.contains(&format!("code/revision: {v1}")),
        "the pinned commit, not the branch name: {first}"
    );
    assert!(
        first.contains(&format!("code/repository: {code_url}")),
        "{first}"
    );

    // The training branch moves: the next render pins the new commit.
    write(&code, "train.py", "print('v2')\n");
    git(&code, &["commit", "-qam", "v2"]);
    let v2 = git(&code, &["rev-parse", "HEAD"]);
    let second = stdout(&render(&ops_url, &cache, &[]));
    assert!(second.contains(&format!("code/revision: {v2}")), "{second}");

    // The code server is gone: the last good commit is rendered, with a warning.
    std::fs::rename(&code, tmp.path().join("code-moved")).unwrap();
    let out = render(&ops_url, &cache, &[]);
    let third = stdout(&out);
    assert!(third.contains(&format!("code/revision: {v2}")), "{third}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fetch failed, rendering the last good commit"),
        "{stderr}"
    );
}

#[test]
fn a_chart_path_leaving_its_repository_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let charts = repo(
        &tmp.path().join("charts"),
        &[("charts/trainer/Chart.yaml", CHART)],
    );
    std::os::unix::fs::symlink("/etc", charts.join("charts/escape")).unwrap();
    git(&charts, &["add", "-A"]);
    git(&charts, &["commit", "-qm", "link"]);
    let code = repo(&tmp.path().join("code"), &[("train.py", "x\n")]);
    let ops = gitops(
        &tmp.path().join("ops"),
        &format!("file://{}", charts.display()),
        &format!("file://{}", code.display()),
    );
    let app = ops.join("apps/trainer/app.yaml");
    let text = std::fs::read_to_string(&app)
        .unwrap()
        .replace("path: charts/trainer", "path: charts/escape");
    std::fs::write(&app, text).unwrap();
    let out = render(ops.to_str().unwrap(), &tmp.path().join("cache"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("leaves the checkout"), "{stderr}");
}
