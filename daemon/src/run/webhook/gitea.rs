//! Gitea (and Forgejo) push webhooks: `X-Gitea-Signature: <hex>` (or GitHub-style
//! `X-Hub-Signature-256`) over the raw body, `X-Gitea-Event: push`, `X-Gitea-Delivery`; a
//! GitHub-shaped payload whose `commits[]` Gitea cuts to `total_commits`' first few.

use axum::http::HeaderMap;
use serde::Deserialize;

use super::handle::Reply;
use super::push::{self, changed_paths, commit_id, full_ref, is_zero, CommitFiles, Push, Verdict};
use super::verify;
use crate::source::credentials::Secret;

const SIGNATURE: &str = "x-gitea-signature";
const HUB_SIGNATURE: &str = "x-hub-signature-256";
const EVENT: &str = "x-gitea-event";
const DELIVERY: &str = "x-gitea-delivery";

/// The headers that carry the signature.
pub(super) const SIGNATURE_HEADERS: &[&str] = &[SIGNATURE, HUB_SIGNATURE];

#[derive(Debug, Deserialize)]
struct Payload {
    #[serde(rename = "ref")]
    git_ref: Option<String>,
    before: Option<String>,
    after: Option<String>,
    #[serde(default)]
    commits: Vec<CommitFiles>,
    total_commits: Option<usize>,
    head_commit: Option<HeadCommit>,
}

#[derive(Debug, Deserialize)]
struct HeadCommit {
    id: String,
}

pub(super) fn authenticate(headers: &HeaderMap, secret: &Secret, body: &[u8]) -> Result<(), Reply> {
    if headers.contains_key(SIGNATURE) {
        verify::hmac_header(headers, SIGNATURE, "", secret, body)
    } else {
        verify::hmac_header(headers, HUB_SIGNATURE, "sha256=", secret, body)
    }
}

pub(super) fn delivery(headers: &HeaderMap) -> Option<String> {
    push::header(headers, DELIVERY)
}

pub(super) fn interpret(headers: &HeaderMap, body: &[u8]) -> Result<Verdict, Reply> {
    match push::header(headers, EVENT).as_deref() {
        Some("push") => parse_push(body),
        Some(other) => Ok(Verdict::Ignored(format!(
            "Gitea event {other:?} is not a push"
        ))),
        None => Err(Reply::bad_request("missing X-Gitea-Event header")),
    }
}

fn parse_push(body: &[u8]) -> Result<Verdict, Reply> {
    let payload: Payload = push::json(body)?;
    let git_ref = full_ref(payload.git_ref.as_deref())?;
    let Some(after) = payload.after else {
        return Err(Reply::bad_request("payload has no after"));
    };
    if is_zero(&after) {
        return Ok(Verdict::Ignored(format!("{git_ref} was deleted")));
    }
    let commit = match &payload.head_commit {
        Some(head) => commit_id("head_commit.id", &head.id)?,
        None => commit_id("after", &after)?,
    };
    let created = payload.before.as_deref().is_none_or(is_zero);
    // Gitea keeps only the newest few commits (FEED_MAX_COMMIT_NUM, 5 by default) and says how
    // many there were; without that count the list cannot be trusted to be whole.
    let complete = !created && payload.total_commits == Some(payload.commits.len());
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
