//! GitLab push webhooks: the shared `X-Gitlab-Token`, `X-Gitlab-Event` (`Push Hook`, `Tag Push
//! Hook`, or `System Hook` carrying a push), `X-Gitlab-Event-UUID` / `Idempotency-Key`; the
//! payload's `ref`, `checkout_sha` and the files of `commits[]` (at most 20 of
//! `total_commits_count`).

use axum::http::HeaderMap;
use serde::Deserialize;

use super::handle::Reply;
use super::push::{self, changed_paths, commit_id, full_ref, is_zero, CommitFiles, Push, Verdict};
use super::verify;
use crate::source::credentials::Secret;

const TOKEN: &str = "x-gitlab-token";
const EVENT: &str = "x-gitlab-event";
const EVENT_UUID: &str = "x-gitlab-event-uuid";
const IDEMPOTENCY_KEY: &str = "idempotency-key";

#[derive(Debug, Deserialize)]
struct Payload {
    object_kind: Option<String>,
    #[serde(rename = "ref")]
    git_ref: Option<String>,
    before: Option<String>,
    after: Option<String>,
    checkout_sha: Option<String>,
    #[serde(default)]
    commits: Vec<CommitFiles>,
    total_commits_count: Option<usize>,
}

pub(super) fn authenticate(headers: &HeaderMap, secret: &Secret) -> Result<(), Reply> {
    verify::token_header(headers, TOKEN, secret)
}

/// The event UUID is shared by every hook one push fires (project and group hooks, retries), so
/// it collapses all of them; the idempotency key (GitLab 17.4+) only a retry.
pub(super) fn delivery(headers: &HeaderMap) -> Option<String> {
    push::header(headers, EVENT_UUID).or_else(|| push::header(headers, IDEMPOTENCY_KEY))
}

pub(super) fn interpret(headers: &HeaderMap, body: &[u8]) -> Result<Verdict, Reply> {
    match push::header(headers, EVENT).as_deref() {
        Some("Push Hook" | "Tag Push Hook" | "System Hook") => parse_push(body),
        Some(other) => Ok(Verdict::Ignored(format!(
            "GitLab event {other:?} is not a push"
        ))),
        None => Err(Reply::bad_request("missing X-Gitlab-Event header")),
    }
}

fn parse_push(body: &[u8]) -> Result<Verdict, Reply> {
    let payload: Payload = push::json(body)?;
    // System hooks carry every kind of event; only pushes matter.
    match payload.object_kind.as_deref() {
        None | Some("push" | "tag_push") => {}
        Some(other) => {
            return Ok(Verdict::Ignored(format!(
                "GitLab {other} event is not a push"
            )))
        }
    }
    let git_ref = full_ref(payload.git_ref.as_deref())?;
    let Some(after) = payload.after else {
        return Err(Reply::bad_request("payload has no after"));
    };
    if is_zero(&after) {
        return Ok(Verdict::Ignored(format!("{git_ref} was deleted")));
    }
    // checkout_sha is the commit an annotated tag points at; `after` would be the tag object.
    let commit = match payload.checkout_sha.as_deref() {
        Some(sha) if !is_zero(sha) => commit_id("checkout_sha", sha)?,
        _ => commit_id("after", &after)?,
    };
    let created = payload.before.as_deref().is_none_or(is_zero);
    let complete = !created && payload.total_commits_count == Some(payload.commits.len());
    Ok(Verdict::Push(vec![Push {
        git_ref,
        commit: Some(commit),
        changed_paths: if complete {
            changed_paths(&payload.commits)
        } else {
            None
        },
    }]))
}
