//! Probes for whatever runs the server: `/healthz` (the process answers) and
//! `/readyz` (it can reach its database, so it may be sent traffic).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use bmauth_proto::ErrorCode;

use super::error::ApiError;
use crate::BmAuth;

pub(crate) fn router<S: Clone + Send + Sync + 'static>(bmauth: &BmAuth) -> Router<S> {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .with_state(bmauth.clone())
}

async fn ready(State(bmauth): State<BmAuth>) -> Result<&'static str, ApiError> {
    match bmauth.auth().ready().await {
        Ok(()) => Ok("ready\n"),
        Err(e) => {
            tracing::warn!(error = %e, cause = ?std::error::Error::source(&e), "not ready: the database does not answer");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::NotReady,
                "the database does not answer",
            ))
        }
    }
}
