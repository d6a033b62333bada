//! Test helpers: throwaway repos in a temp dir, and assertions on where an error points.

use std::path::Path;

use tempfile::TempDir;

use crate::error::ConfigError;
use crate::model::Repo;

/// A valid manifests app `web` (line numbers are relied on by tests).
pub(crate) const WEB_APP: &str = r#"
apiVersion: syncd.io/v1alpha1
kind: App
metadata:
  name: web
spec:
  source:
    manifests:
      path: manifests
  namespace: web
"#;

/// A valid helm app `chart`.
pub(crate) const CHART_APP: &str = r#"
apiVersion: syncd.io/v1alpha1
kind: App
metadata:
  name: chart
spec:
  source:
    helm:
      chart: chart
      valuesFiles: [values.yaml]
      values: {replicaCount: 2}
  syncPolicy:
    historyLimit: 5
    pruneBudget:
      maxObjects: 8
"#;

/// A valid environment `dev` over `web` and `chart` (line numbers are relied on by tests).
pub(crate) const DEV_ENV: &str = r#"
apiVersion: syncd.io/v1alpha1
kind: Environment
metadata:
  name: dev
spec:
  cluster:
    context: kind-dev
  namespace: ml-dev
  labels: {platform.example.com/env: dev, tier: ml}
  annotations: {team: ml}
  syncPolicy:
    historyLimit: 20
  apps:
    - name: web
      namespace: web-dev
      labels: {tier: web}
      syncPolicy: {prune: false, pruneBudget: {maxPercent: 80}}
    - name: chart
      valuesFiles: [values-dev.yaml]
      values: {replicaCount: 1}
      set: ["image.tag=dev"]
"#;

/// A repo under construction in a temp dir.
pub(crate) struct TestRepo {
    dir: TempDir,
}

impl TestRepo {
    /// An empty repo with `apps/` and `environments/`.
    pub fn new() -> TestRepo {
        let repo = TestRepo {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(repo.root().join("apps")).unwrap();
        std::fs::create_dir_all(repo.root().join("environments")).unwrap();
        repo
    }

    /// A repo with the `web` and `chart` apps and their files.
    pub fn with_apps() -> TestRepo {
        let repo = TestRepo::new();
        repo.app("web", WEB_APP);
        repo.file("apps/web/manifests/deploy.yaml", "kind: ConfigMap\n");
        repo.app("chart", CHART_APP);
        repo.file("apps/chart/chart/Chart.yaml", "name: chart\n");
        repo.file("apps/chart/values.yaml", "a: 1\n");
        repo.file("apps/chart/values-dev.yaml", "a: 2\n");
        repo
    }

    /// The repo root.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` (a leading newline dropped, so line 1 is the first line) to `rel`.
    pub fn file(&self, rel: &str, text: &str) -> &TestRepo {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text.strip_prefix('\n').unwrap_or(text)).unwrap();
        self
    }

    /// Writes `apps/<name>/app.yaml`.
    pub fn app(&self, name: &str, text: &str) -> &TestRepo {
        self.file(&format!("apps/{name}/app.yaml"), text)
    }

    /// Writes `environments/<name>.yaml`.
    pub fn env(&self, name: &str, text: &str) -> &TestRepo {
        self.file(&format!("environments/{name}.yaml"), text)
    }

    /// Loads the repo, panicking with the error if it is invalid.
    pub fn load(&self) -> Repo {
        Repo::load(self.root()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Loads the repo, expecting it to fail.
    pub fn load_err(&self) -> ConfigError {
        match Repo::load(self.root()) {
            Ok(_) => panic!("expected the repo to be invalid"),
            Err(e) => e,
        }
    }
}

/// Asserts `err` is exactly one error, at `file:line` (a `path:line` prefix of its message), and
/// that its message contains `fragment`.
#[track_caller]
pub(crate) fn assert_error_at(err: &ConfigError, at: &str, fragment: &str) {
    assert_eq!(err.errors().len(), 1, "expected one error, got: {err}");
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("{at}:")),
        "expected an error at {at}, got: {msg}"
    );
    assert!(msg.contains(fragment), "expected {fragment:?} in: {msg}");
}

/// Replaces the first occurrence of `from` in `text` (test YAML editing).
pub(crate) fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} not in test YAML");
    text.replacen(from, to, 1)
}
