//! The generic endpoint for senders that are not a git host (CI jobs, scripts):
//! `X-Syncd-Signature-256: sha256=<hex>` over the raw body, `X-Syncd-Delivery`, and a body
//! `{"ref": "refs/heads/main", "after": "<sha>", "paths": ["apps/web/values.yaml"]}` where only
//! `ref` is required.

use std::collections::BTreeSet;

use axum::http::HeaderMap;
use serde::Deserialize;

use super::handle::Reply;
use super::push::{self, commit_id, full_ref, is_zero, Push, Verdict};
use super::verify;
use crate::source::credentials::Secret;

const SIGNATURE: &str = "x-syncd-signature-256";
const DELIVERY: &str = "x-syncd-delivery";

/// The headers that carry the signature.
pub(super) const SIGNATURE_HEADERS: &[&str] = &[SIGNATURE];

#[derive(Debug, Deserialize)]
struct Payload {
    #[serde(rename = "ref")]
    git_ref: Option<String>,
    after: Option<String>,
    paths: Option<Vec<String>>,
}

pub(super) fn authenticate(headers: &HeaderMap, secret: &Secret, body: &[u8]) -> Result<(), Reply> {
    verify::hmac_header(headers, SIGNATURE, "sha256=", secret, body)
}

pub(super) fn delivery(headers: &HeaderMap) -> Option<String> {
    push::header(headers, DELIVERY)
}

pub(super) fn interpret(body: &[u8]) -> Result<Verdict, Reply> {
    let payload: Payload = push::json(body)?;
    let git_ref = full_ref(payload.git_ref.as_deref())?;
    let commit = match payload.after.as_deref() {
        Some(after) if is_zero(after) => {
            return Ok(Verdict::Ignored(format!("{git_ref} was deleted")))
        }
        Some(after) => Some(commit_id("after", after)?),
        None => None,
    };
    // An empty list would tell the loop that no app changed; a sender that knows nothing should
    // leave `paths` out, and one that sends [] is treated the same way.
    let changed_paths = payload
        .paths
        .filter(|p| !p.is_empty())
        .map(|p| p.into_iter().collect::<BTreeSet<_>>().into_iter().collect());
    Ok(Verdict::Push(vec![Push {
        git_ref,
        commit,
        changed_paths,
    }]))
}
