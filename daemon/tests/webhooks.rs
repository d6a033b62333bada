//! The daemon's HTTP surface: every webhook provider (valid push, bad and missing signatures,
//! size limits by header and by stream, replays, bad content, pings, tags, deletions), secret
//! reloads, and the health, readiness, metrics and status endpoints — driven in-process with
//! `tower::ServiceExt::oneshot`, plus one round trip over a real socket through `serve`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use axum::Router;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use syncd::run::http::{self, HttpState};
use syncd::run::metrics::Metrics;
use syncd::run::status::{DaemonStatus, StatusBoard};
use syncd::run::trigger::{Trigger, TriggerReason};
use syncd::run::webhook::{Provider, WebhookState};
use syncd_config::{SecretSource, WebhookSettings};
use tokio::sync::mpsc;
use tower::ServiceExt;

const SECRET: &str = "It's a Secret to Everybody";
const LIMIT: usize = 4096;

// Commit ids as the providers' own examples spell them.
const BEFORE: &str = "9049f1265b7d61be4a8904a9a27120d2064dab3b";
const C1: &str = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
const AFTER: &str = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c";
const TAG_OBJECT: &str = "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7";
const ZERO: &str = "0000000000000000000000000000000000000000";

struct Harness {
    router: Router,
    triggers: mpsc::Receiver<Trigger>,
    metrics: Arc<Metrics>,
    status: StatusBoard,
    webhooks: WebhookState,
    dir: tempfile::TempDir,
}

fn settings(dir: &std::path::Path, providers: &[Provider], secret: &str) -> WebhookSettings {
    let mut s = WebhookSettings {
        max_body_bytes: LIMIT,
        debounce: Duration::from_millis(200),
        ..WebhookSettings::default()
    };
    for p in providers {
        let file = dir.join(format!("{p}-{}.secret", secret.len()));
        std::fs::write(&file, format!("{secret}\n")).unwrap();
        let source = Some(SecretSource::File(file));
        match p {
            Provider::GitHub => s.github = source,
            Provider::GitLab => s.gitlab = source,
            Provider::Gitea => s.gitea = source,
            Provider::Bitbucket => s.bitbucket = source,
            Provider::Generic => s.generic = source,
        }
    }
    s
}

fn harness_with_queue(providers: &[Provider], queue: usize) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let (tx, triggers) = mpsc::channel(queue);
    let metrics = Arc::new(Metrics::new());
    let webhooks = WebhookState::new(
        &settings(dir.path(), providers, SECRET),
        tx,
        metrics.clone(),
    )
    .unwrap();
    let status = StatusBoard::new("prod");
    let router = http::router(HttpState {
        status: status.clone(),
        metrics: metrics.clone(),
        webhooks: webhooks.clone(),
    });
    Harness {
        router,
        triggers,
        metrics,
        status,
        webhooks,
        dir,
    }
}

fn harness() -> Harness {
    harness_with_queue(&Provider::ALL, 16)
}

impl Harness {
    async fn call(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, value)
    }

    /// The one trigger the last delivery sent, and no second one.
    fn trigger(&mut self) -> Trigger {
        let t = self.triggers.try_recv().expect("a trigger was sent");
        self.no_trigger();
        t
    }

    fn no_trigger(&mut self) {
        if let Ok(t) = self.triggers.try_recv() {
            panic!("unexpected trigger {t:?}");
        }
    }

    /// `syncd_webhook_deliveries_total{provider, outcome}`, 0 when never counted.
    fn delivered(&self, provider: &str, outcome: &str) -> u64 {
        let series = format!(
            r#"syncd_webhook_deliveries_total{{provider="{provider}",outcome="{outcome}"}} "#
        );
        self.metrics
            .encode()
            .lines()
            .find_map(|l| l.strip_prefix(&series).map(|n| n.parse().unwrap()))
            .unwrap_or(0)
    }
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn post(path: &str, headers: &[(&str, &str)], body: impl Into<Body>) -> Request<Body> {
    let mut b = Request::post(path);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.into()).unwrap()
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

fn webhook_reason(provider: &str, delivery: Option<&str>) -> TriggerReason {
    TriggerReason::Webhook {
        provider: provider.into(),
        delivery: delivery.map(Into::into),
    }
}

fn paths(p: &[&str]) -> Option<Vec<String>> {
    Some(p.iter().map(|s| s.to_string()).collect())
}

/// Asserts the trigger of the delivery of a `<provider>_main_push()` payload: `main` at `AFTER`,
/// with the files its two commits add, modify and remove.
fn assert_main_push(t: &Trigger, provider: &str, delivery: &str) {
    assert_eq!(t.reason, webhook_reason(provider, Some(delivery)));
    assert_eq!(t.git_ref.as_deref(), Some("refs/heads/main"));
    assert_eq!(t.commit.as_deref(), Some(AFTER));
    assert_eq!(
        t.changed_paths,
        paths(&[
            "apps/old/app.yaml",
            "apps/web/Chart.yaml",
            "apps/web/values-prod.yaml",
            "envs/prod.yaml"
        ])
    );
}

// ---------------------------------------------------------------- fixtures (trimmed, real shapes)

fn person() -> Value {
    json!({"name": "Mona Lisa", "email": "mona@example.com", "username": "mona"})
}

fn gh_commit(id: &str, added: &[&str], removed: &[&str], modified: &[&str]) -> Value {
    json!({
        "id": id,
        "tree_id": "f9d2a07e9488b91af2641b26b9407fe22a451433",
        "distinct": true,
        "message": "web: bump image to 1.4.2",
        "timestamp": "2024-05-02T10:14:07+02:00",
        "url": format!("https://github.com/acme/gitops/commit/{id}"),
        "author": person(),
        "committer": person(),
        "added": added,
        "removed": removed,
        "modified": modified,
    })
}

fn github_push(git_ref: &str, before: &str, after: &str, commits: Vec<Value>) -> Value {
    let head = commits.last().cloned().unwrap_or(Value::Null);
    json!({
        "ref": git_ref,
        "before": before,
        "after": after,
        "repository": {
            "id": 186853002,
            "node_id": "MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=",
            "name": "gitops",
            "full_name": "acme/gitops",
            "private": true,
            "owner": {"login": "acme", "id": 21031067, "type": "Organization"},
            "html_url": "https://github.com/acme/gitops",
            "clone_url": "https://github.com/acme/gitops.git",
            "default_branch": "main"
        },
        "pusher": {"name": "mona", "email": "mona@example.com"},
        "sender": {"login": "mona", "id": 583231, "type": "User"},
        "created": before == ZERO,
        "deleted": after == ZERO,
        "forced": false,
        "base_ref": null,
        "compare": format!("https://github.com/acme/gitops/compare/{}...{}", &before[..12], &after[..12]),
        "commits": commits,
        "head_commit": head,
    })
}

fn github_main_push() -> Value {
    github_push(
        "refs/heads/main",
        BEFORE,
        AFTER,
        vec![
            gh_commit(
                C1,
                &["apps/web/values-prod.yaml"],
                &[],
                &["apps/web/Chart.yaml"],
            ),
            gh_commit(
                AFTER,
                &[],
                &["apps/old/app.yaml"],
                &["apps/web/Chart.yaml", "envs/prod.yaml"],
            ),
        ],
    )
}

fn github(event: &str, delivery: &str, body: &Value) -> Request<Body> {
    let body = body.to_string();
    let sig = format!("sha256={}", sign(SECRET, body.as_bytes()));
    post(
        "/webhooks/github",
        &[
            ("content-type", "application/json"),
            ("user-agent", "GitHub-Hookshot/044aadd"),
            ("x-github-event", event),
            ("x-github-delivery", delivery),
            ("x-github-hook-id", "292430182"),
            ("x-hub-signature-256", &sig),
        ],
        body,
    )
}

fn gitlab_push(
    object_kind: &str,
    git_ref: &str,
    before: &str,
    after: &str,
    checkout: Option<&str>,
    commits: Vec<Value>,
    total: usize,
) -> Value {
    json!({
        "object_kind": object_kind,
        "event_name": object_kind,
        "before": before,
        "after": after,
        "ref": git_ref,
        "ref_protected": true,
        "checkout_sha": checkout,
        "message": null,
        "user_id": 4,
        "user_name": "John Smith",
        "user_username": "jsmith",
        "user_email": "john@example.com",
        "project_id": 15,
        "project": {
            "id": 15,
            "name": "gitops",
            "web_url": "https://gitlab.example.com/acme/gitops",
            "git_http_url": "https://gitlab.example.com/acme/gitops.git",
            "namespace": "acme",
            "path_with_namespace": "acme/gitops",
            "default_branch": "main"
        },
        "commits": commits,
        "total_commits_count": total,
        "repository": {"name": "gitops", "homepage": "https://gitlab.example.com/acme/gitops"}
    })
}

fn gl_commit(id: &str, added: &[&str], modified: &[&str], removed: &[&str]) -> Value {
    json!({
        "id": id,
        "message": "Update Catalan translation to e38cb41.\n",
        "title": "Update Catalan translation to e38cb41.",
        "timestamp": "2011-12-12T14:27:31+02:00",
        "url": format!("https://gitlab.example.com/acme/gitops/-/commit/{id}"),
        "author": {"name": "Jordi Mallach", "email": "jordi@example.com"},
        "added": added,
        "modified": modified,
        "removed": removed
    })
}

fn gitlab(event: &str, uuid: &str, body: &Value) -> Request<Body> {
    post(
        "/webhooks/gitlab",
        &[
            ("content-type", "application/json"),
            ("user-agent", "GitLab/17.5.0"),
            ("x-gitlab-event", event),
            ("x-gitlab-event-uuid", uuid),
            (
                "x-gitlab-webhook-uuid",
                "a7e9c3a1-3b1e-4f6e-9f5b-6f1f0c5d9e12",
            ),
            ("x-gitlab-instance", "https://gitlab.example.com"),
            ("x-gitlab-token", SECRET),
        ],
        body.to_string(),
    )
}

fn gitea_push(
    git_ref: &str,
    before: &str,
    after: &str,
    commits: Vec<Value>,
    total: usize,
) -> Value {
    let head = commits.first().cloned().unwrap_or(Value::Null);
    json!({
        "ref": git_ref,
        "before": before,
        "after": after,
        "compare_url": format!("https://gitea.example.com/acme/gitops/compare/{before}...{after}"),
        "commits": commits,
        "total_commits": total,
        "head_commit": head,
        "repository": {
            "id": 140,
            "owner": {"id": 1, "login": "acme", "full_name": "", "username": "acme"},
            "name": "gitops",
            "full_name": "acme/gitops",
            "private": true,
            "html_url": "https://gitea.example.com/acme/gitops",
            "clone_url": "https://gitea.example.com/acme/gitops.git",
            "default_branch": "main"
        },
        "pusher": {"id": 1, "login": "gitea", "username": "gitea"},
        "sender": {"id": 1, "login": "gitea", "username": "gitea"}
    })
}

fn gt_commit(id: &str, added: &[&str], removed: &[&str], modified: &[&str]) -> Value {
    json!({
        "id": id,
        "message": "Webhooks Yay!",
        "url": format!("https://gitea.example.com/acme/gitops/commit/{id}"),
        "author": person(),
        "committer": person(),
        "verification": null,
        "timestamp": "2017-03-13T13:52:11-04:00",
        "added": added,
        "removed": removed,
        "modified": modified
    })
}

fn gitea(event: &str, delivery: &str, body: &Value) -> Request<Body> {
    let body = body.to_string();
    let sig = sign(SECRET, body.as_bytes());
    post(
        "/webhooks/gitea",
        &[
            ("content-type", "application/json"),
            ("x-gitea-event", event),
            ("x-gitea-event-type", event),
            ("x-gitea-delivery", delivery),
            ("x-github-event", event),
            ("x-gitea-signature", &sig),
        ],
        body,
    )
}

fn bb_change(git_ref: &str, kind: &str, from: &str, to: &str) -> Value {
    let display = git_ref.rsplit('/').next().unwrap();
    let ref_type = if git_ref.starts_with("refs/tags/") {
        "TAG"
    } else {
        "BRANCH"
    };
    json!({
        "ref": {"id": git_ref, "displayId": display, "type": ref_type},
        "refId": git_ref,
        "fromHash": from,
        "toHash": to,
        "type": kind
    })
}

fn bitbucket_push(changes: Vec<Value>) -> Value {
    json!({
        "eventKey": "repo:refs_changed",
        "date": "2017-09-19T09:45:32+1000",
        "actor": {
            "name": "admin", "emailAddress": "admin@example.com", "id": 1,
            "displayName": "Administrator", "active": true, "slug": "admin", "type": "NORMAL"
        },
        "repository": {
            "slug": "gitops", "id": 84, "name": "gitops", "scmId": "git",
            "state": "AVAILABLE", "statusMessage": "Available", "forkable": true,
            "project": {"key": "OPS", "id": 84, "name": "ops", "public": false, "type": "NORMAL"},
            "public": false
        },
        "changes": changes
    })
}

fn bitbucket(event: &str, request_id: &str, body: &Value) -> Request<Body> {
    let body = body.to_string();
    let sig = format!("sha256={}", sign(SECRET, body.as_bytes()));
    post(
        "/webhooks/bitbucket",
        &[
            ("content-type", "application/json; charset=utf-8"),
            ("x-event-key", event),
            ("x-request-id", request_id),
            ("x-hub-signature", &sig),
        ],
        body,
    )
}

fn generic(delivery: &str, body: &Value) -> Request<Body> {
    let body = body.to_string();
    let sig = format!("sha256={}", sign(SECRET, body.as_bytes()));
    post(
        "/webhooks/generic",
        &[
            ("content-type", "application/json"),
            ("x-syncd-delivery", delivery),
            ("x-syncd-signature-256", &sig),
        ],
        body,
    )
}

// ---------------------------------------------------------------- GitHub

#[tokio::test]
async fn github_push_becomes_a_trigger_with_every_changed_file() {
    let mut h = harness();
    let (status, body) = h
        .call(github(
            "push",
            "72d3162e-cc78-11e3-81ab-4c9367dc0958",
            &github_main_push(),
        ))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["outcome"], "accepted");
    assert_main_push(
        &h.trigger(),
        "github",
        "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    );
    assert_eq!(h.delivered("github", "accepted"), 1);
}

#[tokio::test]
async fn github_missing_or_wrong_signature_is_401_without_a_trigger() {
    let mut h = harness();
    let body = github_main_push().to_string();
    let base = [
        ("content-type", "application/json"),
        ("x-github-event", "push"),
        ("x-github-delivery", "d-1"),
    ];
    let missing = post("/webhooks/github", &base, body.clone());
    let wrong_key = format!("sha256={}", sign("not the secret", body.as_bytes()));
    let other_body = format!("sha256={}", sign(SECRET, b"{}"));
    let no_prefix = sign(SECRET, body.as_bytes());
    // GitHub's legacy SHA-1 header alone is not accepted.
    let sha1_only = post(
        "/webhooks/github",
        &[base[0], base[1], base[2], ("x-hub-signature", "sha1=0123")],
        body.clone(),
    );
    let mut requests = vec![missing, sha1_only];
    for sig in [
        &wrong_key,
        &other_body,
        &no_prefix,
        &"sha256=zz".to_string(),
    ] {
        requests.push(post(
            "/webhooks/github",
            &[
                base[0],
                base[1],
                base[2],
                ("x-hub-signature-256", sig.as_str()),
            ],
            body.clone(),
        ));
    }
    for request in requests {
        let (status, reply) = h.call(request).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{reply}");
        assert_eq!(reply["outcome"], "unauthorized");
    }
    h.no_trigger();
    assert_eq!(h.delivered("github", "unauthorized"), 6);
    assert_eq!(h.delivered("github", "accepted"), 0);
}

#[tokio::test]
async fn signature_is_checked_before_the_body_is_parsed() {
    let h = harness();
    let request = post(
        "/webhooks/github",
        &[
            ("content-type", "application/json"),
            ("x-github-event", "push"),
            ("x-hub-signature-256", "sha256=00"),
        ],
        "{not json",
    );
    let (status, _) = h.call(request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn github_ping_is_answered_without_a_trigger() {
    let mut h = harness();
    let ping = json!({
        "zen": "Design for failure.",
        "hook_id": 292430182,
        "hook": {"type": "Repository", "id": 292430182, "active": true, "events": ["push"],
                 "config": {"content_type": "json", "insecure_ssl": "0", "url": "https://syncd.example.com/webhooks/github"}},
        "repository": {"id": 186853002, "full_name": "acme/gitops"},
        "sender": {"login": "mona", "id": 583231}
    });
    let (status, body) = h.call(github("ping", "ping-1", &ping)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["message"], "pong");
    h.no_trigger();
    assert_eq!(h.delivered("github", "ignored"), 1);
}

#[tokio::test]
async fn github_events_other_than_push_are_ignored() {
    let mut h = harness();
    let issue = json!({"action": "opened", "issue": {"number": 1}, "repository": {"full_name": "acme/gitops"}});
    let (status, body) = h.call(github("issues", "i-1", &issue)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["outcome"], "ignored");
    h.no_trigger();
}

#[tokio::test]
async fn github_annotated_tag_push_points_at_the_tagged_commit() {
    let mut h = harness();
    // A tag push lists no commits; `after` is the tag object, `head_commit` the commit.
    let mut payload = github_push("refs/tags/v1.2.0", ZERO, TAG_OBJECT, vec![]);
    payload["head_commit"] = gh_commit(AFTER, &[], &[], &["apps/web/Chart.yaml"]);
    payload["base_ref"] = json!("refs/heads/main");
    let (status, _) = h.call(github("push", "tag-1", &payload)).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let t = h.trigger();
    assert_eq!(t.git_ref.as_deref(), Some("refs/tags/v1.2.0"));
    assert_eq!(t.commit.as_deref(), Some(AFTER));
    assert_eq!(t.changed_paths, None);
}

#[tokio::test]
async fn github_branch_deletion_is_ignored() {
    let mut h = harness();
    let payload = github_push("refs/heads/feature", BEFORE, ZERO, vec![]);
    let (status, body) = h.call(github("push", "del-1", &payload)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["outcome"], "ignored");
    assert_eq!(body["message"], "refs/heads/feature was deleted");
    h.no_trigger();
}

#[tokio::test]
async fn github_lists_that_may_be_incomplete_give_unknown_paths() {
    let mut h = harness();
    // These payloads are bigger than the test limit; give this harness room for them.
    let mut roomy = settings(h.dir.path(), &[Provider::GitHub], SECRET);
    roomy.max_body_bytes = 1 << 20;
    h.webhooks.reload(&roomy).unwrap();
    let commits = |n: usize, tag: char| -> Vec<Value> {
        (0..n)
            .map(|i| {
                let id = format!("{i:040x}").replace('0', &tag.to_string());
                gh_commit(&id, &[], &[], &[&format!("apps/{tag}{i:02}.yaml")])
            })
            .collect()
    };
    let mut push = async |name: &str, payload: Value| {
        let (status, reply) = h.call(github("push", name, &payload)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{name}: {reply}");
        h.trigger().changed_paths
    };
    // 20 commits: GitHub may have cut the list there.
    let payload = github_push("refs/heads/main", BEFORE, AFTER, commits(20, 'a'));
    assert_eq!(push("many", payload).await, None);
    // A single commit listing 3000 files.
    let files: Vec<String> = (0..3000).map(|i| format!("f{i}")).collect();
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let payload = github_push(
        "refs/heads/main",
        BEFORE,
        AFTER,
        vec![gh_commit(AFTER, &files, &[], &[])],
    );
    assert_eq!(push("files", payload).await, None);
    // A force push: the commits are not the change since the last sync.
    let mut payload = github_main_push();
    payload["forced"] = json!(true);
    assert_eq!(push("forced", payload).await, None);
    // A new branch.
    let payload = github_push(
        "refs/heads/release",
        ZERO,
        AFTER,
        vec![gh_commit(AFTER, &["a"], &[], &[])],
    );
    assert_eq!(push("created", payload).await, None);
    // Control: 19 commits and 2999 files are trusted.
    let payload = github_push("refs/heads/main", BEFORE, AFTER, commits(19, 'b'));
    assert_eq!(push("some", payload).await.map(|p| p.len()), Some(19));
    let payload = github_push(
        "refs/heads/main",
        BEFORE,
        AFTER,
        vec![gh_commit(AFTER, &files[1..], &[], &[])],
    );
    assert_eq!(
        push("fewer-files", payload).await.map(|p| p.len()),
        Some(2999)
    );
}

#[tokio::test]
async fn replayed_delivery_is_a_duplicate_and_triggers_once() {
    let mut h = harness();
    let (first, _) = h.call(github("push", "same-id", &github_main_push())).await;
    assert_eq!(first, StatusCode::ACCEPTED);
    h.trigger();
    let (again, body) = h.call(github("push", "same-id", &github_main_push())).await;
    assert_eq!(again, StatusCode::OK);
    assert_eq!(body["outcome"], "duplicate");
    h.no_trigger();
    // Ids are per provider: the same id from the generic endpoint is not a replay.
    let (other, _) = h
        .call(generic(
            "same-id",
            &json!({"ref": "refs/heads/main", "after": AFTER}),
        ))
        .await;
    assert_eq!(other, StatusCode::ACCEPTED);
    h.trigger();
    assert_eq!(h.delivered("github", "accepted"), 1);
    assert_eq!(h.delivered("github", "duplicate"), 1);
}

#[tokio::test]
async fn body_over_the_limit_by_content_length_is_413_before_reading_it() {
    let mut h = harness();
    let len = (LIMIT + 1).to_string();
    for (path, sig_header) in [
        ("/webhooks/github", "x-hub-signature-256"),
        ("/webhooks/gitlab", "x-gitlab-token"),
    ] {
        // The body is never polled: the declared length alone decides.
        let (body, pulled) = endless_body();
        let request = post(
            path,
            &[
                ("content-type", "application/json"),
                ("content-length", &len),
                (sig_header, SECRET),
            ],
            body,
        );
        let (status, reply) = h.call(request).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{path}: {reply}");
        assert_eq!(reply["outcome"], "too_large");
        assert_eq!(pulled.load(Ordering::SeqCst), 0, "{path}");
    }
    h.no_trigger();
    assert_eq!(h.delivered("github", "too_large"), 1);
    assert_eq!(h.delivered("gitlab", "too_large"), 1);
}

/// A body of endless 1 KiB chunks and the number of bytes the server pulled from it.
fn endless_body() -> (Body, Arc<AtomicUsize>) {
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    let stream = futures::stream::repeat_with(move || {
        counter.fetch_add(1024, Ordering::SeqCst);
        Ok::<_, std::io::Error>(Bytes::from(vec![b' '; 1024]))
    });
    (Body::from_stream(stream), pulled)
}

#[tokio::test]
async fn streamed_body_over_the_limit_is_413_without_buffering_it() {
    let mut h = harness();
    for (path, sig_header) in [
        ("/webhooks/github", "x-hub-signature-256"),
        ("/webhooks/gitea", "x-gitea-signature"),
        ("/webhooks/bitbucket", "x-hub-signature"),
        ("/webhooks/generic", "x-syncd-signature-256"),
        ("/webhooks/gitlab", "x-gitlab-token"),
    ] {
        let (body, pulled) = endless_body();
        let sig_value = if path.ends_with("gitlab") {
            SECRET
        } else {
            "sha256=00"
        };
        let request = post(
            path,
            &[
                ("content-type", "application/json"),
                (sig_header, sig_value),
            ],
            body,
        );
        let (status, reply) = h.call(request).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{path}: {reply}");
        let pulled = pulled.load(Ordering::SeqCst);
        assert!(
            pulled <= LIMIT + 1024,
            "{path}: read {pulled} bytes past a {LIMIT} limit"
        );
    }
    h.no_trigger();
}

#[tokio::test]
async fn streamed_body_within_the_limit_is_accepted() {
    let mut h = harness();
    let body = github_main_push().to_string();
    let sig = format!("sha256={}", sign(SECRET, body.as_bytes()));
    let chunks: Vec<Result<Bytes, std::io::Error>> = body
        .as_bytes()
        .chunks(100)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let request = post(
        "/webhooks/github",
        &[
            ("content-type", "application/json"),
            ("x-github-event", "push"),
            ("x-hub-signature-256", &sig),
        ],
        Body::from_stream(futures::stream::iter(chunks)),
    );
    let (status, reply) = h.call(request).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{reply}");
    let t = h.trigger();
    assert_eq!(t.commit.as_deref(), Some(AFTER));
    assert_eq!(t.reason, webhook_reason("github", None));
}

#[tokio::test]
async fn wrong_content_type_bad_json_or_no_ref_is_400() {
    let mut h = harness();
    let signed = |content_type: &str, body: &str| {
        let sig = format!("sha256={}", sign(SECRET, body.as_bytes()));
        post(
            "/webhooks/github",
            &[
                ("content-type", content_type),
                ("x-github-event", "push"),
                ("x-hub-signature-256", &sig),
            ],
            body.to_owned(),
        )
    };
    let form = format!("payload={}", github_main_push());
    let mut no_ref = github_main_push();
    no_ref.as_object_mut().unwrap().remove("ref");
    let mut bad_after = github_main_push();
    bad_after["head_commit"]["id"] = json!("not-a-sha");
    let cases = [
        signed("application/x-www-form-urlencoded", &form),
        signed("text/plain", &github_main_push().to_string()),
        signed("application/json", "{\"ref\": \"refs/heads/main\", "),
        signed("application/json", "[1, 2]"),
        signed("application/json", &no_ref.to_string()),
        signed("application/json", &bad_after.to_string()),
    ];
    for request in cases {
        let (status, reply) = h.call(request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
        assert_eq!(reply["outcome"], "bad_request");
    }
    h.no_trigger();
    assert_eq!(h.delivered("github", "bad_request"), 6);
}

// ---------------------------------------------------------------- GitLab

fn gitlab_main_push() -> Value {
    gitlab_push(
        "push",
        "refs/heads/main",
        BEFORE,
        AFTER,
        Some(AFTER),
        vec![
            gl_commit(
                C1,
                &["apps/web/values-prod.yaml"],
                &["apps/web/Chart.yaml"],
                &[],
            ),
            gl_commit(AFTER, &[], &["envs/prod.yaml"], &["apps/old/app.yaml"]),
        ],
        2,
    )
}

#[tokio::test]
async fn gitlab_push_becomes_a_trigger() {
    let mut h = harness();
    let (status, body) = h
        .call(gitlab(
            "Push Hook",
            "8b7ae3a1-2bd5-4c69-a7c1-6d3c3a6c2c4e",
            &gitlab_main_push(),
        ))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_main_push(
        &h.trigger(),
        "gitlab",
        "8b7ae3a1-2bd5-4c69-a7c1-6d3c3a6c2c4e",
    );
}

#[tokio::test]
async fn gitlab_wrong_or_missing_token_is_401() {
    let mut h = harness();
    let body = gitlab_main_push().to_string();
    for token in [
        Some("wrong"),
        Some(""),
        Some(&SECRET[..SECRET.len() - 1]),
        None,
    ] {
        let mut headers = vec![
            ("content-type", "application/json"),
            ("x-gitlab-event", "Push Hook"),
        ];
        if let Some(t) = token {
            headers.push(("x-gitlab-token", t));
        }
        let (status, _) = h
            .call(post("/webhooks/gitlab", &headers, body.clone()))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}");
    }
    h.no_trigger();
    assert_eq!(h.delivered("gitlab", "unauthorized"), 4);
}

#[tokio::test]
async fn gitlab_tag_push_uses_the_checked_out_commit() {
    let mut h = harness();
    let payload = gitlab_push(
        "tag_push",
        "refs/tags/v1.0.0",
        ZERO,
        TAG_OBJECT,
        Some(AFTER),
        vec![],
        0,
    );
    let (status, _) = h.call(gitlab("Tag Push Hook", "tag-uuid", &payload)).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let t = h.trigger();
    assert_eq!(t.git_ref.as_deref(), Some("refs/tags/v1.0.0"));
    assert_eq!(t.commit.as_deref(), Some(AFTER));
    assert_eq!(t.changed_paths, None);
}

#[tokio::test]
async fn gitlab_branch_deletion_is_ignored_and_other_hooks_too() {
    let mut h = harness();
    let payload = gitlab_push("push", "refs/heads/feature", BEFORE, ZERO, None, vec![], 0);
    let (status, body) = h.call(gitlab("Push Hook", "del", &payload)).await;
    assert_eq!(
        (status, body["outcome"].clone()),
        (StatusCode::OK, json!("ignored"))
    );
    let mr = json!({"object_kind": "merge_request", "object_attributes": {"iid": 1}});
    let (status, body) = h.call(gitlab("Merge Request Hook", "mr", &mr)).await;
    assert_eq!(
        (status, body["outcome"].clone()),
        (StatusCode::OK, json!("ignored"))
    );
    // A system hook is a push only when its object_kind says so.
    let (status, body) = h.call(gitlab("System Hook", "sys-mr", &mr)).await;
    assert_eq!(
        (status, body["outcome"].clone()),
        (StatusCode::OK, json!("ignored"))
    );
    h.no_trigger();
    let (status, _) = h
        .call(gitlab("System Hook", "sys-push", &gitlab_main_push()))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(h.trigger().git_ref.as_deref(), Some("refs/heads/main"));
}

#[tokio::test]
async fn gitlab_truncated_commit_list_gives_unknown_paths() {
    let mut h = harness();
    let mut payload = gitlab_main_push();
    payload["total_commits_count"] = json!(25);
    h.call(gitlab("Push Hook", "trunc", &payload)).await;
    let t = h.trigger();
    assert_eq!(t.commit.as_deref(), Some(AFTER));
    assert_eq!(t.changed_paths, None);
}

#[tokio::test]
async fn gitlab_replay_by_event_uuid_or_idempotency_key_is_a_duplicate() {
    let mut h = harness();
    h.call(gitlab("Push Hook", "uuid-1", &gitlab_main_push()))
        .await;
    h.trigger();
    let (status, body) = h
        .call(gitlab("Push Hook", "uuid-1", &gitlab_main_push()))
        .await;
    assert_eq!(
        (status, body["outcome"].clone()),
        (StatusCode::OK, json!("duplicate"))
    );
    h.no_trigger();
    // Without an event UUID (older or proxied deliveries) the idempotency key is used.
    let by_key = || {
        post(
            "/webhooks/gitlab",
            &[
                ("content-type", "application/json"),
                ("x-gitlab-event", "Push Hook"),
                ("x-gitlab-token", SECRET),
                ("idempotency-key", "key-1"),
            ],
            gitlab_main_push().to_string(),
        )
    };
    assert_eq!(h.call(by_key()).await.0, StatusCode::ACCEPTED);
    assert_eq!(h.trigger().reason, webhook_reason("gitlab", Some("key-1")));
    assert_eq!(h.call(by_key()).await.1["outcome"], "duplicate");
    h.no_trigger();
}

// ---------------------------------------------------------------- Gitea

fn gitea_main_push() -> Value {
    gitea_push(
        "refs/heads/main",
        BEFORE,
        AFTER,
        vec![
            gt_commit(AFTER, &[], &["apps/old/app.yaml"], &["envs/prod.yaml"]),
            gt_commit(
                C1,
                &["apps/web/values-prod.yaml"],
                &[],
                &["apps/web/Chart.yaml"],
            ),
        ],
        2,
    )
}

#[tokio::test]
async fn gitea_push_becomes_a_trigger() {
    let mut h = harness();
    let (status, body) = h
        .call(gitea(
            "push",
            "f6266f16-1bf3-46a5-9ea4-602e06ead473",
            &gitea_main_push(),
        ))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_main_push(
        &h.trigger(),
        "gitea",
        "f6266f16-1bf3-46a5-9ea4-602e06ead473",
    );
}

#[tokio::test]
async fn gitea_accepts_the_github_style_signature_and_rejects_bad_ones() {
    let mut h = harness();
    let body = gitea_main_push().to_string();
    let hub = format!("sha256={}", sign(SECRET, body.as_bytes()));
    let base = [
        ("content-type", "application/json"),
        ("x-gitea-event", "push"),
    ];
    let (status, _) = h
        .call(post(
            "/webhooks/gitea",
            &[base[0], base[1], ("x-hub-signature-256", &hub)],
            body.clone(),
        ))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    h.trigger();
    let wrong = sign("other", body.as_bytes());
    for headers in [
        vec![base[0], base[1], ("x-gitea-signature", wrong.as_str())],
        // The Gitea header is the bare hex; with GitHub's prefix it does not match.
        vec![base[0], base[1], ("x-gitea-signature", hub.as_str())],
        vec![base[0], base[1]],
    ] {
        let (status, _) = h
            .call(post("/webhooks/gitea", &headers, body.clone()))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    h.no_trigger();
}

#[tokio::test]
async fn gitea_cut_commit_list_tag_push_and_deletion() {
    let mut h = harness();
    // Gitea keeps the newest 5 commits and reports the total.
    let mut payload = gitea_main_push();
    payload["total_commits"] = json!(7);
    h.call(gitea("push", "cut", &payload)).await;
    assert_eq!(h.trigger().changed_paths, None);

    let payload = gitea_push("refs/tags/v2.0.0", ZERO, AFTER, vec![], 0);
    let (status, _) = h.call(gitea("push", "tag", &payload)).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let t = h.trigger();
    assert_eq!(t.git_ref.as_deref(), Some("refs/tags/v2.0.0"));
    assert_eq!(t.commit.as_deref(), Some(AFTER));
    assert_eq!(t.changed_paths, None);

    let payload = gitea_push("refs/heads/feature", BEFORE, ZERO, vec![], 0);
    let (status, body) = h.call(gitea("push", "del", &payload)).await;
    assert_eq!(
        (status, body["outcome"].clone()),
        (StatusCode::OK, json!("ignored"))
    );
    let (status, body) = h
        .call(gitea(
            "create",
            "create",
            &json!({"ref": "v2.0.0", "ref_type": "tag"}),
        ))
        .await;
    assert_eq!(
        (status, body["outcome"].clone()),
        (StatusCode::OK, json!("ignored"))
    );
    h.no_trigger();

    h.call(gitea("push", "dup", &gitea_main_push())).await;
    h.trigger();
    assert_eq!(
        h.call(gitea("push", "dup", &gitea_main_push())).await.1["outcome"],
        "duplicate"
    );
    h.no_trigger();
}

// ---------------------------------------------------------------- Bitbucket Server

#[tokio::test]
async fn bitbucket_refs_changed_becomes_a_trigger_without_paths() {
    let mut h = harness();
    let payload = bitbucket_push(vec![bb_change("refs/heads/main", "UPDATE", BEFORE, AFTER)]);
    let (status, body) = h
        .call(bitbucket(
            "repo:refs_changed",
            "c1a2b3c4-0d1e-4f5a-8b6c-7d8e9f0a1b2c",
            &payload,
        ))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let t = h.trigger();
    assert_eq!(
        t.reason,
        webhook_reason("bitbucket", Some("c1a2b3c4-0d1e-4f5a-8b6c-7d8e9f0a1b2c"))
    );
    assert_eq!(t.git_ref.as_deref(), Some("refs/heads/main"));
    assert_eq!(t.commit.as_deref(), Some(AFTER));
    assert_eq!(t.changed_paths, None);
    let (status, body) = h
        .call(bitbucket(
            "repo:refs_changed",
            "c1a2b3c4-0d1e-4f5a-8b6c-7d8e9f0a1b2c",
            &payload,
        ))
        .await;
    assert_eq!(
        (status, body["outcome"].clone()),
        (StatusCode::OK, json!("duplicate"))
    );
    h.no_trigger();
}

#[tokio::test]
async fn bitbucket_one_push_per_changed_ref_and_deletions_skipped() {
    let mut h = harness();
    let payload = bitbucket_push(vec![
        bb_change("refs/heads/main", "UPDATE", BEFORE, AFTER),
        bb_change("refs/tags/v3.0.0", "ADD", ZERO, C1),
        bb_change("refs/heads/old", "DELETE", BEFORE, ZERO),
    ]);
    let (status, _) = h
        .call(bitbucket("repo:refs_changed", "multi", &payload))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let a = h.triggers.try_recv().unwrap();
    let b = h.trigger();
    assert_eq!(
        (a.git_ref.as_deref(), a.commit.as_deref()),
        (Some("refs/heads/main"), Some(AFTER))
    );
    assert_eq!(
        (b.git_ref.as_deref(), b.commit.as_deref()),
        (Some("refs/tags/v3.0.0"), Some(C1))
    );
    assert_eq!(b.reason, webhook_reason("bitbucket", Some("multi")));

    let only_delete = bitbucket_push(vec![bb_change("refs/heads/old", "DELETE", BEFORE, ZERO)]);
    let (status, body) = h
        .call(bitbucket("repo:refs_changed", "del", &only_delete))
        .await;
    assert_eq!(
        (status, body["outcome"].clone()),
        (StatusCode::OK, json!("ignored"))
    );
    let (status, _) = h
        .call(bitbucket(
            "repo:refs_changed",
            "none",
            &bitbucket_push(vec![]),
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    h.no_trigger();
}

#[tokio::test]
async fn bitbucket_ping_and_bad_signature() {
    let mut h = harness();
    let (status, body) = h
        .call(bitbucket(
            "diagnostics:ping",
            "ping",
            &json!({"test": true}),
        ))
        .await;
    assert_eq!(
        (status, body["message"].clone()),
        (StatusCode::OK, json!("pong"))
    );
    let payload =
        bitbucket_push(vec![bb_change("refs/heads/main", "UPDATE", BEFORE, AFTER)]).to_string();
    let github_style = format!("sha1={}", sign(SECRET, payload.as_bytes()));
    for sig in [
        format!("sha256={}", sign("nope", payload.as_bytes())),
        github_style,
    ] {
        let request = post(
            "/webhooks/bitbucket",
            &[
                ("content-type", "application/json"),
                ("x-event-key", "repo:refs_changed"),
                ("x-hub-signature", &sig),
            ],
            payload.clone(),
        );
        assert_eq!(h.call(request).await.0, StatusCode::UNAUTHORIZED);
    }
    h.no_trigger();
}

// ---------------------------------------------------------------- generic

#[tokio::test]
async fn generic_push_with_paths() {
    let mut h = harness();
    let payload = json!({
        "ref": "refs/heads/main",
        "after": AFTER.to_uppercase(),
        "paths": ["envs/prod.yaml", "apps/web/values.yaml", "envs/prod.yaml"],
        "pipeline": "https://ci.example.com/pipelines/42"
    });
    let (status, body) = h.call(generic("ci-42", &payload)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let t = h.trigger();
    assert_eq!(t.reason, webhook_reason("generic", Some("ci-42")));
    assert_eq!(t.git_ref.as_deref(), Some("refs/heads/main"));
    assert_eq!(t.commit.as_deref(), Some(AFTER));
    assert_eq!(
        t.changed_paths,
        paths(&["apps/web/values.yaml", "envs/prod.yaml"])
    );
}

#[tokio::test]
async fn generic_minimal_body_short_ref_missing_ref_and_deletion() {
    let mut h = harness();
    let (status, _) = h
        .call(generic("g1", &json!({"ref": "release", "paths": []})))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let t = h.trigger();
    assert_eq!(t.git_ref.as_deref(), Some("refs/heads/release"));
    assert_eq!((t.commit, t.changed_paths), (None, None));

    let (status, body) = h.call(generic("g2", &json!({"after": AFTER}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "payload has no ref");
    let (status, body) = h
        .call(generic(
            "g3",
            &json!({"ref": "refs/heads/x", "after": ZERO}),
        ))
        .await;
    assert_eq!(
        (status, body["outcome"].clone()),
        (StatusCode::OK, json!("ignored"))
    );
    let (status, _) = h
        .call(generic(
            "g4",
            &json!({"ref": "refs/heads/x", "after": "abc"}),
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let unsigned = post(
        "/webhooks/generic",
        &[("content-type", "application/json")],
        r#"{"ref":"main"}"#,
    );
    assert_eq!(h.call(unsigned).await.0, StatusCode::UNAUTHORIZED);
    h.no_trigger();
}

// ---------------------------------------------------------------- secrets, queue, reload

#[tokio::test]
async fn provider_without_a_secret_is_404_until_a_reload_enables_it() {
    let mut h = harness_with_queue(&[Provider::GitHub], 16);
    assert_eq!(h.webhooks.enabled(), vec![Provider::GitHub]);
    let (status, body) = h.call(gitlab("Push Hook", "u1", &gitlab_main_push())).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    for request in [
        gitea("push", "d", &gitea_main_push()),
        bitbucket("repo:refs_changed", "r", &bitbucket_push(vec![])),
        generic("g", &json!({"ref": "main"})),
    ] {
        assert_eq!(h.call(request).await.0, StatusCode::NOT_FOUND);
    }
    h.no_trigger();
    assert_eq!(h.delivered("gitlab", "disabled"), 1);

    // Reload: GitLab on with the same secret, GitHub on with a new one.
    let dir = h.dir.path().to_path_buf();
    let mut next = settings(&dir, &[Provider::GitLab], SECRET);
    next.github = settings(&dir, &[Provider::GitHub], "rotated-secret").github;
    h.webhooks.reload(&next).unwrap();
    assert_eq!(
        h.call(gitlab("Push Hook", "u2", &gitlab_main_push()))
            .await
            .0,
        StatusCode::ACCEPTED
    );
    h.trigger();
    // The old GitHub secret no longer verifies.
    assert_eq!(
        h.call(github("push", "old-secret", &github_main_push()))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );

    // A reload that cannot read a secret fails and leaves the previous secrets serving.
    let mut broken = next.clone();
    broken.gitea = Some(SecretSource::File(dir.join("missing")));
    let err = h.webhooks.reload(&broken).unwrap_err().to_string();
    assert!(err.starts_with("webhook secret for gitea: "), "{err}");
    assert!(
        err.contains(&dir.join("missing").display().to_string()),
        "{err}"
    );
    assert_eq!(
        h.call(gitlab("Push Hook", "u3", &gitlab_main_push()))
            .await
            .0,
        StatusCode::ACCEPTED
    );
    h.trigger();
}

#[test]
fn startup_fails_on_an_unreadable_secret_naming_provider_and_place() {
    let (tx, _rx) = mpsc::channel(1);
    let settings = WebhookSettings {
        github: Some(SecretSource::Env("SYNCD_TEST_WEBHOOK_GITHUB_UNSET".into())),
        ..WebhookSettings::default()
    };
    let err = WebhookState::new(&settings, tx, Arc::new(Metrics::new())).unwrap_err();
    assert_eq!(
        err.to_string(),
        "webhook secret for github: credential environment variable \
         SYNCD_TEST_WEBHOOK_GITHUB_UNSET is not set"
    );
}

#[tokio::test]
async fn full_trigger_queue_still_accepts_and_counts_it() {
    let mut h = harness_with_queue(&Provider::ALL, 1);
    assert_eq!(
        h.call(github("push", "q1", &github_main_push())).await.0,
        StatusCode::ACCEPTED
    );
    let (status, body) = h.call(github("push", "q2", &github_main_push())).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(body["outcome"], "queue_full");
    assert_eq!(h.trigger().reason, webhook_reason("github", Some("q1")));
    assert_eq!(h.delivered("github", "accepted"), 1);
    assert_eq!(h.delivered("github", "queue_full"), 1);
}

#[tokio::test]
async fn closed_trigger_queue_is_503() {
    let h = harness();
    let Harness {
        router, triggers, ..
    } = h;
    drop(triggers);
    let response = router
        .oneshot(github("push", "late", &github_main_push()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}

// ---------------------------------------------------------------- health, readiness, metrics, status

#[tokio::test]
async fn healthz_readyz_metrics_and_status() {
    let h = harness();
    let (status, body) = h.call(get("/healthz")).await;
    assert_eq!((status, body), (StatusCode::OK, json!("ok")));

    let (status, body) = h.call(get("/readyz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.as_str().unwrap().starts_with("not ready"), "{body}");
    h.status.update(|s| s.ready = true);
    assert_eq!(h.call(get("/readyz")).await.0, StatusCode::OK);

    h.call(github("push", "m1", &github_main_push())).await;
    h.call(github("push", "m1", &github_main_push())).await;
    h.metrics.sync_result("web", "synced");
    let response = h.router.clone().oneshot(get("/metrics")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let text = String::from_utf8(
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    for line in [
        r#"syncd_webhook_deliveries_total{provider="github",outcome="accepted"} 1"#,
        r#"syncd_webhook_deliveries_total{provider="github",outcome="duplicate"} 1"#,
        r#"syncd_sync_results_total{app="web",outcome="synced"} 1"#,
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "{line} missing from\n{text}"
        );
    }

    h.status.app("web", |a| {
        a.commit = Some(AFTER.into());
        a.revision = Some(7);
    });
    h.status.update(|s| s.repo_commit = Some(AFTER.into()));
    let response = h
        .router
        .clone()
        .oneshot(get("/api/v1/status"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let served: DaemonStatus = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(served, h.status.snapshot());
    assert_eq!(served.environment, "prod");
    assert_eq!(served.apps["web"].revision, Some(7));
    let raw: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(raw["repoCommit"], AFTER);
}

#[tokio::test]
async fn serve_answers_over_a_real_socket_and_shuts_down() {
    let mut h = harness();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(http::serve(listener, h.router.clone(), async move {
        let _ = stopped.await;
    }));

    let client = reqwest::Client::new();
    let health = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), reqwest::StatusCode::OK);
    assert_eq!(health.text().await.unwrap(), "ok");

    let body = github_main_push().to_string();
    let response = client
        .post(format!("http://{addr}/webhooks/github"))
        .header("content-type", "application/json")
        .header("x-github-event", "push")
        .header("x-github-delivery", "real-socket")
        .header(
            "x-hub-signature-256",
            format!("sha256={}", sign(SECRET, body.as_bytes())),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::ACCEPTED);
    let reply: Value = response.json().await.unwrap();
    assert_eq!(reply["outcome"], "accepted");
    let t = h.trigger();
    assert_eq!(t.reason, webhook_reason("github", Some("real-socket")));
    assert_eq!(t.commit.as_deref(), Some(AFTER));

    let too_big = client
        .post(format!("http://{addr}/webhooks/generic"))
        .header("content-type", "application/json")
        .header("x-syncd-signature-256", "sha256=00")
        .body(vec![b' '; LIMIT * 4])
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status(), reqwest::StatusCode::PAYLOAD_TOO_LARGE);

    drop(client);
    stop.send(()).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("serve returns after shutdown")
        .unwrap();
    result.unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "listener closed"
    );
}
