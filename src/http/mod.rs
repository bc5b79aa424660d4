//! HTTP: the JSON API under `/auth`, its guards and headers. Thin: every rule lives
//! in `crate::auth`.

mod account;
mod admin;
mod email_change;
pub(crate) mod error;
pub(crate) mod extract;
pub(crate) mod forward;
pub(crate) mod health;
mod link;
pub(crate) mod metrics;
pub(crate) mod oidc;
mod routes;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use bmauth_proto::ErrorCode;
use bmauth_proto::routes::{
    Activity, AdminApps, AdminDelete, AdminDisable, AdminEnable, AdminEndSessions, AdminGrant,
    AdminInvitations, AdminInvite, AdminLog, AdminPeople, AdminPerson, AdminRecoveryLink,
    AdminRevoke, AdminRevokeInvitation, Apps, AutofillBegin, AutofillComplete, DeleteAccount,
    EmailChangeBegin, EmailChangeConfirm, EmailUndo, EmailUndoDetails, EndOtherSessions,
    EndSession, Endpoint, ExportAccount, LinkApproveBegin, LinkApproveComplete, LinkClaim,
    LinkDecline, LinkDeny, LinkDetails, LinkNearbyBegin, LinkNearbyComplete, LinkOffer,
    LinkRegisterBegin, LinkRegisterComplete, LinkRequest, LinkStatus, LoginBegin, LoginComplete,
    Logout, Me, Passkeys, ReauthBegin, ReauthComplete, RecoverBegin, RecoverLink, RecoverVerify,
    RegisterBegin, RegisterComplete, RemovePasskey, RenamePasskey, ResendPin, RevokeApp, Sessions,
    Status, Undo, UndoDetails, VerifyEmail,
};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::BmAuth;
use crate::auth::BrowserToken;
use error::ApiError;
use extract::browser_token;

/// Requests larger than this are refused: WebAuthn responses are a few KiB.
const BODY_LIMIT: usize = 64 * 1024;

/// Where the JSON API is mounted; every route in `bmauth_proto::routes` is under it.
const API_PREFIX: &str = "/auth";

/// An endpoint's path inside the API's nest.
fn path<E: Endpoint>() -> &'static str {
    E::PATH.strip_prefix(API_PREFIX).unwrap_or(E::PATH)
}

/// The JSON API, ready to merge into any `Router<S>`.
pub(crate) fn api_router<S: Clone + Send + Sync + 'static>(bmauth: &BmAuth) -> Router<S> {
    let api = Router::new()
        .route(path::<RegisterBegin>(), post(routes::register_begin))
        .route(path::<RegisterComplete>(), post(routes::register_complete))
        .route(path::<VerifyEmail>(), post(routes::verify_email))
        .route(path::<ResendPin>(), post(routes::resend_pin))
        .route(path::<LoginBegin>(), post(routes::login_begin))
        .route(path::<LoginComplete>(), post(routes::login_complete))
        .route(path::<AutofillBegin>(), post(routes::autofill_begin))
        .route(path::<AutofillComplete>(), post(routes::autofill_complete))
        .route(path::<Logout>(), post(routes::logout))
        .route(path::<Me>(), get(routes::me))
        .route(path::<Status>(), get(routes::status))
        .route(path::<RecoverBegin>(), post(link::recover_begin))
        .route(path::<RecoverVerify>(), post(link::recover_verify))
        .route(path::<RecoverLink>(), post(link::recover_by_link))
        .route(path::<LinkRequest>(), post(link::request))
        .route(path::<LinkOffer>(), post(link::offer))
        .route(path::<LinkClaim>(), post(link::claim))
        .route(path::<LinkDetails>(), post(link::details))
        .route(path::<LinkApproveBegin>(), post(link::approve_begin))
        .route(path::<LinkApproveComplete>(), post(link::approve_complete))
        .route(path::<LinkDeny>(), post(link::deny))
        .route(path::<LinkStatus>(), post(link::status))
        .route(path::<LinkRegisterBegin>(), post(link::register_begin))
        .route(path::<LinkDecline>(), post(link::decline))
        .route(path::<LinkNearbyBegin>(), post(link::nearby_begin))
        .route(path::<LinkNearbyComplete>(), post(link::nearby_complete))
        .route(path::<UndoDetails>(), post(link::undo_details))
        .route(path::<Undo>(), post(link::undo))
        .route(
            path::<LinkRegisterComplete>(),
            post(link::register_complete),
        )
        .route(path::<Passkeys>(), get(account::passkeys))
        .route(path::<RenamePasskey>(), post(account::rename_passkey))
        .route(path::<RemovePasskey>(), post(account::remove_passkey))
        .route(path::<ReauthBegin>(), post(account::reauth_begin))
        .route(path::<ReauthComplete>(), post(account::reauth_complete))
        .route(path::<Sessions>(), get(account::sessions))
        .route(path::<EndSession>(), post(account::end_session))
        .route(
            path::<EndOtherSessions>(),
            post(account::end_other_sessions),
        )
        .route(path::<Activity>(), get(account::activity))
        .route(path::<Apps>(), get(account::apps))
        .route(path::<RevokeApp>(), post(account::revoke_app))
        .route(path::<ExportAccount>(), get(account::export_account))
        .route(path::<DeleteAccount>(), post(account::delete_account))
        .route(path::<EmailChangeBegin>(), post(email_change::begin))
        .route(path::<EmailChangeConfirm>(), post(email_change::confirm))
        .route(path::<EmailUndoDetails>(), post(email_change::undo_details))
        .route(path::<EmailUndo>(), post(email_change::undo))
        .route(path::<AdminPeople>(), get(admin::people))
        .route(path::<AdminPerson>(), post(admin::person))
        .route(path::<AdminDisable>(), post(admin::disable))
        .route(path::<AdminEnable>(), post(admin::enable))
        .route(path::<AdminEndSessions>(), post(admin::end_sessions))
        .route(path::<AdminRecoveryLink>(), post(admin::recovery_link))
        .route(path::<AdminDelete>(), post(admin::delete))
        .route(path::<AdminGrant>(), post(admin::grant_admin))
        .route(path::<AdminRevoke>(), post(admin::revoke_admin))
        .route(path::<AdminInvitations>(), get(admin::invitations))
        // The same path: axum merges the methods.
        .route(path::<AdminInvite>(), post(admin::invite))
        .route(
            path::<AdminRevokeInvitation>(),
            post(admin::revoke_invitation),
        )
        .route(path::<AdminLog>(), get(admin::log))
        .route(path::<AdminApps>(), get(admin::apps))
        .route_layer(middleware::from_fn_with_state(
            bmauth.clone(),
            metrics::observe,
        ))
        .fallback(routes::not_found)
        .layer(middleware::from_fn_with_state(bmauth.clone(), bind_browser))
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
    Router::new().nest(API_PREFIX, api).layer(bmauth.layer())
}

/// Headers every response gets, pages and API alike. On https, browsers are also
/// told to use nothing else for this host (HSTS).
pub(crate) fn security_headers<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    https: bool,
) -> Router<S> {
    let router = if https {
        router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ))
    } else {
        router
    };
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

/// Everything but reads (GET, HEAD, OPTIONS) may change state.
fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Gives every state-changing request the browser's binding token (from its cookie,
/// or a new one), and sets the cookie again on the answer so that it lives a day
/// from its last use. Ceremonies, sign-ups and PINs are bound to it.
async fn bind_browser(
    axum::extract::State(bmauth): axum::extract::State<BmAuth>,
    jar: CookieJar,
    mut request: Request,
    next: Next,
) -> Response {
    if !changes_state(request.method()) {
        return next.run(request).await;
    }
    let token = browser_token(&bmauth, &jar).unwrap_or_else(BrowserToken::generate);
    request.extensions_mut().insert(token.clone());
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&bmauth.browser_cookie(&token).to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// State-changing requests must come from this site's own pages: `Origin` must be
/// the configured origin. A request without `Origin` is refused too (browsers send
/// it on every POST; API clients must set it).
async fn require_same_origin(
    axum::extract::State(bmauth): axum::extract::State<BmAuth>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if changes_state(request.method()) {
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
