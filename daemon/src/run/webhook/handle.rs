//! Handling one delivery, in the order that keeps unauthenticated and oversized requests cheap:
//! enabled? → size limit (header, then while reading) → signature over the raw body → content
//! type → payload → dedupe → trigger. Every delivery ends in one counted outcome.

use std::sync::PoisonError;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::StreamExt;
use tokio::sync::mpsc::error::TrySendError;

use super::push::Verdict;
use super::{bitbucket, generic, gitea, github, gitlab, Provider, WebhookState};
use crate::run::trigger::{Trigger, TriggerReason};

/// A sender that has not finished its body by then is cut off, so slow clients cannot hold
/// connections and buffers open.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// The answer to a delivery: status, the outcome counted in metrics, and a short message for the
/// provider's delivery log. Rejections travel as `Err(Reply)`.
#[derive(Debug)]
pub(super) struct Reply {
    status: StatusCode,
    outcome: &'static str,
    message: String,
}

impl Reply {
    fn new(status: StatusCode, outcome: &'static str, message: impl Into<String>) -> Reply {
        Reply {
            status,
            outcome,
            message: message.into(),
        }
    }

    /// 401: signature or token missing or wrong.
    pub(super) fn unauthorized(message: impl Into<String>) -> Reply {
        Reply::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 400: not JSON, wrong shape, no ref.
    pub(super) fn bad_request(message: impl Into<String>) -> Reply {
        Reply::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    fn too_large(limit: usize) -> Reply {
        Reply::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("body is larger than {limit} bytes"),
        )
    }

    fn ignored(message: impl Into<String>) -> Reply {
        Reply::new(StatusCode::OK, "ignored", message)
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "outcome": self.outcome, "message": self.message });
        (self.status, Json(body)).into_response()
    }
}

/// Handles one delivery to `provider`'s endpoint and counts its outcome.
pub(super) async fn deliver(state: WebhookState, provider: Provider, request: Request) -> Response {
    let received = Instant::now();
    let reply = match process(&state, provider, request, received).await {
        Ok(reply) | Err(reply) => reply,
    };
    state
        .shared
        .metrics
        .webhook_delivery(provider.name(), reply.outcome);
    // Rejections are the sender's problem, not the daemon's: debug, not warn.
    if reply.status.is_success() {
        tracing::info!(
            provider = provider.name(),
            outcome = reply.outcome,
            "{}",
            reply.message
        );
    } else {
        tracing::debug!(provider = provider.name(), outcome = reply.outcome, status = %reply.status, "{}", reply.message);
    }
    reply.into_response()
}

async fn process(
    state: &WebhookState,
    provider: Provider,
    request: Request,
    received: Instant,
) -> Result<Reply, Reply> {
    let secrets = state.secrets();
    let Some(secret) = secrets.get(provider) else {
        return Err(Reply::new(
            StatusCode::NOT_FOUND,
            "disabled",
            format!("the {provider} webhook is not configured"),
        ));
    };
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    // Token auth needs no body, and a missing signature header needs none either: reject
    // before reading anything.
    match provider {
        Provider::GitLab => gitlab::authenticate(headers, secret)?,
        _ => require_any(headers, signature_headers(provider))?,
    }
    let limit = secrets.max_body_bytes();
    if content_length(headers)? > Some(limit) {
        return Err(Reply::too_large(limit));
    }
    let body = read_limited(body, limit).await?;
    match provider {
        Provider::GitHub => github::authenticate(headers, secret, &body)?,
        Provider::GitLab => {}
        Provider::Gitea => gitea::authenticate(headers, secret, &body)?,
        Provider::Bitbucket => bitbucket::authenticate(headers, secret, &body)?,
        Provider::Generic => generic::authenticate(headers, secret, &body)?,
    }
    require_json(headers)?;
    let verdict = match provider {
        Provider::GitHub => github::interpret(headers, &body)?,
        Provider::GitLab => gitlab::interpret(headers, &body)?,
        Provider::Gitea => gitea::interpret(headers, &body)?,
        Provider::Bitbucket => bitbucket::interpret(headers, &body)?,
        Provider::Generic => generic::interpret(&body)?,
    };
    let pushes = match verdict {
        Verdict::Push(pushes) => pushes,
        Verdict::Ping => return Ok(Reply::ignored("pong")),
        Verdict::Ignored(why) => return Ok(Reply::ignored(why)),
    };
    let delivery = delivery_id(provider, headers);
    if let Some(id) = &delivery {
        if !state.first_delivery(provider, id) {
            return Ok(Reply::new(
                StatusCode::OK,
                "duplicate",
                format!("delivery {id} was already handled"),
            ));
        }
    }
    let refs: Vec<String> = pushes.iter().map(|p| p.git_ref.clone()).collect();
    let mut queue_full = false;
    for push in pushes {
        let trigger = Trigger {
            reason: TriggerReason::Webhook {
                provider: provider.name().to_owned(),
                delivery: delivery.clone(),
            },
            git_ref: Some(push.git_ref),
            commit: push.commit,
            changed_paths: push.changed_paths,
            received,
        };
        match state.shared.triggers.try_send(trigger) {
            Ok(()) => {}
            // The loop is busy; its next poll fetches the same commit, so the push is not lost.
            Err(TrySendError::Full(_)) => queue_full = true,
            Err(TrySendError::Closed(_)) => {
                return Err(Reply::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the daemon is shutting down",
                ))
            }
        }
    }
    let refs = refs.join(", ");
    Ok(if queue_full {
        Reply::new(
            StatusCode::ACCEPTED,
            "queue_full",
            format!("push to {refs} noted; the trigger queue is full, the next poll picks it up"),
        )
    } else {
        Reply::new(
            StatusCode::ACCEPTED,
            "accepted",
            format!("push to {refs} queued"),
        )
    })
}

fn signature_headers(provider: Provider) -> &'static [&'static str] {
    match provider {
        Provider::GitHub => github::SIGNATURE_HEADERS,
        Provider::GitLab => &[],
        Provider::Gitea => gitea::SIGNATURE_HEADERS,
        Provider::Bitbucket => bitbucket::SIGNATURE_HEADERS,
        Provider::Generic => generic::SIGNATURE_HEADERS,
    }
}

fn delivery_id(provider: Provider, headers: &HeaderMap) -> Option<String> {
    match provider {
        Provider::GitHub => github::delivery(headers),
        Provider::GitLab => gitlab::delivery(headers),
        Provider::Gitea => gitea::delivery(headers),
        Provider::Bitbucket => bitbucket::delivery(headers),
        Provider::Generic => generic::delivery(headers),
    }
}

fn require_any(headers: &HeaderMap, names: &[&str]) -> Result<(), Reply> {
    if names.is_empty() || names.iter().any(|n| headers.contains_key(*n)) {
        Ok(())
    } else {
        Err(Reply::unauthorized(format!(
            "missing {} header",
            names.join(" or ")
        )))
    }
}

fn content_length(headers: &HeaderMap) -> Result<Option<usize>, Reply> {
    let Some(value) = headers.get(header::CONTENT_LENGTH) else {
        return Ok(None);
    };
    let parsed = value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok());
    match parsed {
        // Larger than usize is larger than any limit.
        Some(n) => Ok(Some(usize::try_from(n).unwrap_or(usize::MAX))),
        None => Err(Reply::bad_request("Content-Length is not a number")),
    }
}

/// Reads the body, failing as soon as it passes `limit` — a chunked body without a length is
/// never buffered beyond the limit.
async fn read_limited(body: Body, limit: usize) -> Result<Bytes, Reply> {
    let read = async {
        let mut stream = body.into_data_stream();
        let mut buf = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk =
                chunk.map_err(|e| Reply::bad_request(format!("body could not be read: {e}")))?;
            if buf.len() + chunk.len() > limit {
                return Err(Reply::too_large(limit));
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(buf))
    };
    match tokio::time::timeout(BODY_TIMEOUT, read).await {
        Ok(result) => result,
        Err(_) => Err(Reply::new(
            StatusCode::REQUEST_TIMEOUT,
            "bad_request",
            format!("body not received within {}s", BODY_TIMEOUT.as_secs()),
        )),
    }
}

/// Push payloads are JSON; GitHub can also send form-encoded bodies, which syncd does not take.
fn require_json(headers: &HeaderMap) -> Result<(), Reply> {
    let essence = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    match essence.as_deref() {
        Some("application/json") => Ok(()),
        Some(other) => Err(Reply::bad_request(format!(
            "content type {other} is not application/json (configure the webhook to send JSON)"
        ))),
        None => Err(Reply::bad_request("missing Content-Type: application/json")),
    }
}

impl WebhookState {
    /// Records a delivery id; false when it was seen recently.
    fn first_delivery(&self, provider: Provider, id: &str) -> bool {
        let mut dedupe = self
            .shared
            .dedupe
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        dedupe.first_time(&format!("{provider}:{id}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn json_content_types() {
        assert!(require_json(&headers(&[("content-type", "application/json")])).is_ok());
        assert!(require_json(&headers(&[(
            "content-type",
            "Application/JSON; charset=utf-8"
        )]))
        .is_ok());
        let form = require_json(&headers(&[(
            "content-type",
            "application/x-www-form-urlencoded",
        )]));
        assert_eq!(form.unwrap_err().status, StatusCode::BAD_REQUEST);
        assert!(require_json(&HeaderMap::new()).is_err());
    }

    #[test]
    fn content_length_is_parsed_or_rejected() {
        assert_eq!(content_length(&HeaderMap::new()).unwrap(), None);
        assert_eq!(
            content_length(&headers(&[("content-length", "12")])).unwrap(),
            Some(12)
        );
        assert!(content_length(&headers(&[("content-length", "twelve")])).is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_never_finishes_times_out() {
        let stalled = futures::stream::pending::<Result<Bytes, std::io::Error>>();
        let reply = read_limited(Body::from_stream(stalled), 1024)
            .await
            .unwrap_err();
        assert_eq!(reply.status, StatusCode::REQUEST_TIMEOUT);
        assert_eq!(reply.outcome, "bad_request");
    }
}
