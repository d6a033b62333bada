//! GitHub push webhooks: `X-Hub-Signature-256: sha256=<hex>` over the raw body, `X-GitHub-Event`
//! (`push`, `ping`), `X-GitHub-Delivery`; the payload's `ref`, `after`/`head_commit` and the files
//! of `commits[]`.

use axum::http::HeaderMap;
use serde::Deserialize;

use super::handle::Reply;
use super::push::{self, changed_paths, commit_id, full_ref, is_zero, CommitFiles, Push, Verdict};
use super::verify;
use crate::source::credentials::Secret;

const SIGNATURE: &str = "x-hub-signature-256";
const EVENT: &str = "x-github-event";
const DELIVERY: &str = "x-github-delivery";

/// GitHub documents a 20-commit cap on some push payloads and caps file lists too; a list that
/// long may be cut, and a cut list would hide changed apps, so it is treated as unknown.
const COMMIT_CAP: usize = 20;
const FILE_CAP: usize = 3000;

/// The headers that carry the signature.
pub(super) const SIGNATURE_HEADERS: &[&str] = &[SIGNATURE];

#[derive(Debug, Deserialize)]
struct Payload {
    #[serde(rename = "ref")]
    git_ref: Option<String>,
    after: Option<String>,
    #[serde(default)]
    created: bool,
    #[serde(default)]
    deleted: bool,
    #[serde(default)]
    forced: bool,
    #[serde(default)]
    commits: Vec<CommitFiles>,
    head_commit: Option<HeadCommit>,
}

#[derive(Debug, Deserialize)]
struct HeadCommit {
    id: String,
}

pub(super) fn authenticate(headers: &HeaderMap, secret: &Secret, body: &[u8]) -> Result<(), Reply> {
    verify::hmac_header(headers, SIGNATURE, "sha256=", secret, body)
}

pub(super) fn delivery(headers: &HeaderMap) -> Option<String> {
    push::header(headers, DELIVERY)
}

pub(super) fn interpret(headers: &HeaderMap, body: &[u8]) -> Result<Verdict, Reply> {
    match push::header(headers, EVENT).as_deref() {
        Some("push") => parse_push(body),
        Some("ping") => Ok(Verdict::Ping),
        Some(other) => Ok(Verdict::Ignored(format!(
            "GitHub event {other:?} is not a push"
        ))),
        None => Err(Reply::bad_request("missing X-GitHub-Event header")),
    }
}

fn parse_push(body: &[u8]) -> Result<Verdict, Reply> {
    let payload: Payload = push::json(body)?;
    let git_ref = full_ref(payload.git_ref.as_deref())?;
    let Some(after) = payload.after else {
        return Err(Reply::bad_request("payload has no after"));
    };
    if payload.deleted || is_zero(&after) {
        return Ok(Verdict::Ignored(format!("{git_ref} was deleted")));
    }
    // For an annotated tag `after` is the tag object; `head_commit` is the commit it points at.
    let commit = match &payload.head_commit {
        Some(head) => commit_id("head_commit.id", &head.id)?,
        None => commit_id("after", &after)?,
    };
    let files: usize = payload.commits.iter().map(CommitFiles::len).sum();
    // A new ref or a force push has no meaningful "before", so its commit list is not the
    // change since the last sync.
    let complete = !payload.created
        && !payload.forced
        && payload.commits.len() < COMMIT_CAP
        && files < FILE_CAP;
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
