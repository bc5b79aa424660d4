//! Extractors: JSON with our error codes, who the client is, and the signed-in
//! user (`AuthUser`, for any axum app that mounts BMAuth).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum_extra::extract::cookie::CookieJar;
use bmauth_app::api::ErrorCode;

use super::error::ApiError;
use crate::BmAuth;
use crate::core::{AuthError, ClientInfo, SessionToken, User};

/// `axum::Json`, with rejections answered in the API's error format.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

fn bmauth_of(parts: &Parts) -> Result<BmAuth, ApiError> {
    parts.extensions.get::<BmAuth>().cloned().ok_or_else(|| {
        tracing::error!(
            "BmAuth is missing from the request: add `.layer(bmauth.layer())` to the router"
        );
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "authentication is not set up",
        )
    })
}

/// The session token from the request's cookie, if it has a well-formed one.
pub(crate) fn session_token(bmauth: &BmAuth, jar: &CookieJar) -> Option<SessionToken> {
    jar.get(bmauth.cookie_name())
        .and_then(|c| SessionToken::parse(c.value()))
}

/// Who is asking: address (for rate limits), user agent, and the session they hold.
pub struct Client {
    pub info: ClientInfo,
    pub session: Option<SessionToken>,
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let bmauth = bmauth_of(parts)?;
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = bmauth.client_ip_header().and_then(|name| {
            // With several proxies, the last address is the one our proxy saw.
            let value = parts.headers.get(name)?.to_str().ok()?;
            value.rsplit(',').next()?.trim().parse::<IpAddr>().ok()
        });
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let jar = CookieJar::from_headers(&parts.headers);
        Ok(Self {
            info: ClientInfo {
                ip: forwarded.or(peer),
                user_agent,
            },
            session: session_token(&bmauth, &jar),
        })
    }
}

/// The signed-in user. Rejects with 401 `not_signed_in` when there is none; use
/// `Option<AuthUser>` where signing in is optional.
///
/// ```no_run
/// # use bmauth::AuthUser;
/// async fn profile(AuthUser(user): AuthUser) -> String {
///     format!("Hello, {}", user.email)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct AuthUser(pub User);

impl<S: Send + Sync> OptionalFromRequestParts<S> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, ApiError> {
        let bmauth = bmauth_of(parts)?;
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = session_token(&bmauth, &jar) else {
            return Ok(None);
        };
        Ok(bmauth.core().session_user(&token).await?.map(AuthUser))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        <Self as OptionalFromRequestParts<S>>::from_request_parts(parts, state)
            .await?
            .ok_or_else(|| AuthError::NotSignedIn.into())
    }
}
