//! The daemon's HTTP surface: liveness (`/healthz`), readiness (`/readyz`), Prometheus metrics
//! (`/metrics`), the status API (`/api/v1/status`) and the push webhooks, on one listener with
//! graceful shutdown.

use std::future::Future;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;

use crate::run::metrics::Metrics;
use crate::run::status::StatusBoard;
use crate::run::webhook::{self, WebhookState};

/// `prometheus-client` writes the OpenMetrics text format (`# EOF`, counters declared without
/// their `_total` suffix), so it is served under the OpenMetrics type; labelled as the classic
/// `text/plain; version=0.0.4` Prometheus would read the counters as untyped.
const METRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The listener could not serve.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// Accepting or serving connections failed.
    #[error("HTTP listener on {addr} failed: {source}")]
    Serve {
        /// The address listened on.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// What the HTTP handlers read: the status board, the metrics and the webhook state.
#[derive(Clone)]
pub struct HttpState {
    /// The daemon's status (read by `/readyz` and `/api/v1/status`).
    pub status: StatusBoard,
    /// The daemon's metrics (encoded by `/metrics`, counted into by the webhooks).
    pub metrics: Arc<Metrics>,
    /// Webhook secrets, trigger channel and recent deliveries.
    pub webhooks: WebhookState,
}

/// Every route: `GET /healthz`, `GET /readyz`, `GET /metrics`, `GET /api/v1/status` and
/// `POST /webhooks/<provider>`.
pub fn router(state: HttpState) -> Router {
    let webhooks = webhook::router(state.webhooks.clone());
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/v1/status", get(status))
        .with_state(state)
        .merge(webhooks)
}

/// Serves `router` on `listener` until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), HttpError> {
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| "an unknown address".into());
    tracing::info!(%addr, "HTTP listener serving");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|source| HttpError::Serve { addr, source })
}

/// Alive while the process serves requests at all.
async fn healthz() -> &'static str {
    "ok"
}

/// Ready once every app's first sync was attempted; until then a rolling update should not
/// retire the old replica.
async fn readyz(State(state): State<HttpState>) -> Response {
    if state.status.snapshot().ready {
        (StatusCode::OK, "ready").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: the first sync of every app has not been attempted yet",
        )
            .into_response()
    }
}

async fn metrics(State(state): State<HttpState>) -> Response {
    (
        [(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)],
        state.metrics.encode(),
    )
        .into_response()
}

async fn status(State(state): State<HttpState>) -> Response {
    Json(state.status.snapshot()).into_response()
}
