//! Extractors: JSON with our error codes, who the client is, and the signed-in
//! user (`AuthUser`, for any axum app that mounts BMAuth).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum_extra::extract::cookie::CookieJar;
use bmauth_proto::ErrorCode;

use super::error::ApiError;
use crate::BmAuth;
use crate::auth::{AuthError, BrowserToken, ClientInfo, SessionToken, User};
use crate::config::is_trusted;

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

/// The browser-binding token from the request's cookie, if it has a well-formed one.
pub(crate) fn browser_token(bmauth: &BmAuth, jar: &CookieJar) -> Option<BrowserToken> {
    jar.get(bmauth.browser_cookie_name())
        .and_then(|c| BrowserToken::parse(c.value()))
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
        if peer.is_none() {
            warn_once_without_peer_addresses();
        }
        let ip = peer.map(|peer| client_address(&bmauth, &parts.headers, peer));
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let jar = CookieJar::from_headers(&parts.headers);
        // Set by the API's `bind_browser` layer on state-changing requests.
        let browser = parts
            .extensions
            .get::<BrowserToken>()
            .cloned()
            .or_else(|| browser_token(&bmauth, &jar))
            .unwrap_or_else(BrowserToken::generate);
        Ok(Self {
            info: ClientInfo {
                ip,
                user_agent,
                browser,
            },
            session: session_token(&bmauth, &jar),
        })
    }
}

/// The client's address: the TCP peer, unless the peer is one of our trusted
/// proxies, in which case the right-most address in the proxy header that is not a
/// trusted proxy. (Addresses to its left were written by the client, who may choose
/// anything.)
fn client_address(bmauth: &BmAuth, headers: &axum::http::HeaderMap, peer: IpAddr) -> IpAddr {
    let Some(name) = bmauth.client_ip_header() else {
        return peer;
    };
    if !is_trusted(bmauth.trusted_proxies(), peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(bmauth.trusted_proxies(), ip) => continue,
            Ok(ip) => return ip,
            // Garbage where our proxy's entry should be: count it as the proxy's.
            Err(_) => return peer,
        }
    }
    peer
}

/// Without peer addresses every client shares one rate-limit bucket, and one person
/// can spend the whole site's mail allowance. Said loudly, once.
fn warn_once_without_peer_addresses() {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        tracing::error!(
            "BMAuth cannot see client addresses, so every client shares one rate limit: \
             serve the app with `into_make_service_with_connect_info::<SocketAddr>()`"
        );
    });
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
        Ok(bmauth.auth().session_user(&token).await?.map(AuthUser))
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
