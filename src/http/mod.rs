//! HTTP: the JSON API under `/auth`, its guards and headers. Thin: every rule lives
//! in `crate::core`.

pub mod error;
pub mod extract;
mod routes;

pub(crate) use routes::user_view;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use bmauth_app::api::ErrorCode;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::BmAuth;
use error::ApiError;

/// Requests larger than this are refused: WebAuthn responses are a few KiB.
const BODY_LIMIT: usize = 64 * 1024;

/// The JSON API, ready to merge into any `Router<S>`.
pub(crate) fn api_router<S: Clone + Send + Sync + 'static>(bmauth: &BmAuth) -> Router<S> {
    let api = Router::new()
        .route("/register/begin", post(routes::register_begin))
        .route("/register/complete", post(routes::register_complete))
        .route("/verify-email", post(routes::verify_email))
        .route("/resend-pin", post(routes::resend_pin))
        .route("/login/begin", post(routes::login_begin))
        .route("/login/complete", post(routes::login_complete))
        .route("/login/autofill/begin", post(routes::autofill_begin))
        .route("/login/autofill/complete", post(routes::autofill_complete))
        .route("/logout", post(routes::logout))
        .route("/me", get(routes::me))
        .route("/status", get(routes::status))
        .fallback(routes::not_found)
        .layer(middleware::from_fn_with_state(
            bmauth.clone(),
            require_same_origin,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ));
    Router::new().nest("/auth", api).layer(bmauth.layer())
}

/// Headers every response gets, pages and API alike.
pub(crate) fn security_headers<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    let fixed: [(HeaderName, &'static str); 4] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    fixed.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ))
    })
}

/// State-changing requests must come from this site's own pages: `Origin` must be
/// the configured origin. A request without `Origin` is refused too (browsers send
/// it on every POST; API clients must set it).
async fn require_same_origin(
    axum::extract::State(bmauth): axum::extract::State<BmAuth>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe {
        let origin = request
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok());
        if origin != Some(bmauth.origin_header()) {
            tracing::info!(?origin, "refused a cross-origin request");
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::OriginMismatch,
                "this request did not come from this site",
            ));
        }
    }
    Ok(next.run(request).await)
}
