//! Bitbucket Server / Data Center push webhooks: `X-Hub-Signature: sha256=<hex>` over the raw
//! body, `X-Event-Key` (`repo:refs_changed`, `diagnostics:ping`), `X-Request-Id`; one push per
//! entry of `changes[]`. The payload lists no files, so changed paths are always unknown.

use axum::http::HeaderMap;
use serde::Deserialize;

use super::handle::Reply;
use super::push::{self, commit_id, full_ref, is_zero, Push, Verdict};
use super::verify;
use crate::source::credentials::Secret;

const SIGNATURE: &str = "x-hub-signature";
const EVENT: &str = "x-event-key";
const DELIVERY: &str = "x-request-id";

/// The headers that carry the signature.
pub(super) const SIGNATURE_HEADERS: &[&str] = &[SIGNATURE];

#[derive(Debug, Deserialize)]
struct Payload {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Change {
    #[serde(rename = "ref")]
    reference: Option<RefInfo>,
    ref_id: Option<String>,
    to_hash: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RefInfo {
    id: Option<String>,
}

pub(super) fn authenticate(headers: &HeaderMap, secret: &Secret, body: &[u8]) -> Result<(), Reply> {
    verify::hmac_header(headers, SIGNATURE, "sha256=", secret, body)
}

pub(super) fn delivery(headers: &HeaderMap) -> Option<String> {
    push::header(headers, DELIVERY)
}

pub(super) fn interpret(headers: &HeaderMap, body: &[u8]) -> Result<Verdict, Reply> {
    match push::header(headers, EVENT).as_deref() {
        Some("repo:refs_changed") => parse_push(body),
        Some("diagnostics:ping") => Ok(Verdict::Ping),
        Some(other) => Ok(Verdict::Ignored(format!(
            "Bitbucket event {other:?} is not a push"
        ))),
        None => Err(Reply::bad_request("missing X-Event-Key header")),
    }
}

fn parse_push(body: &[u8]) -> Result<Verdict, Reply> {
    let payload: Payload = push::json(body)?;
    if payload.changes.is_empty() {
        return Err(Reply::bad_request("payload has no changes"));
    }
    let mut pushes = Vec::new();
    let mut deleted = Vec::new();
    for change in payload.changes {
        let id = change.reference.and_then(|r| r.id).or(change.ref_id);
        let git_ref = full_ref(id.as_deref())?;
        let Some(to) = change.to_hash else {
            return Err(Reply::bad_request(format!(
                "change of {git_ref} has no toHash"
            )));
        };
        if change.kind.as_deref() == Some("DELETE") || is_zero(&to) {
            deleted.push(git_ref);
            continue;
        }
        pushes.push(Push {
            git_ref,
            commit: Some(commit_id("toHash", &to)?),
            changed_paths: None,
        });
    }
    if pushes.is_empty() {
        return Ok(Verdict::Ignored(format!("{} deleted", deleted.join(", "))));
    }
    Ok(Verdict::Push(pushes))
}
