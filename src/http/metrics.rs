//! The API's metrics layer (requests by route and outcome, their latency) and
//! `GET /metrics`, over the registry in `crate::metrics`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bmauth_proto::ErrorCode;

use crate::BmAuth;
use crate::metrics::Metrics;

/// The error code an answer carries, set by `ApiError`'s response for this layer.
#[derive(Clone, Copy)]
pub(crate) struct AnsweredCode(pub(crate) ErrorCode);

/// Counts and times each API request, under its route's pattern (never the raw
/// path, which would let anyone create series).
pub(crate) async fn observe(
    State(bmauth): State<BmAuth>,
    route: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    let code = response.extensions().get::<AnsweredCode>().map(|c| c.0);
    let outcome = match code {
        Some(code) => code_label(code),
        None if response.status().is_success() => "ok".into(),
        None => response.status().as_str().to_owned(),
    };
    bmauth
        .metrics()
        .request_answered(route, &outcome, started.elapsed().as_secs_f64());
    response
}

/// `rate_limited`, as the code is written in JSON.
fn code_label(code: ErrorCode) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(code)) => code,
        _ => "unknown".into(),
    }
}

/// `GET /metrics`.
pub(crate) async fn serve(State(bmauth): State<BmAuth>) -> Response {
    let metrics: &Arc<Metrics> = bmauth.metrics();
    match bmauth.auth().store.mail_queue_depth().await {
        Ok(depth) => {
            metrics.mail_queued.set(depth);
        }
        Err(error) => tracing::warn!(%error, "could not count the mail queue"),
    }
    match metrics.render() {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
            )],
            text,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
