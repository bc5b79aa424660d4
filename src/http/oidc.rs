//! The OpenID Connect provider's doors: discovery, the JWKS, authorize (with the
//! consent page), token, userinfo, revocation and logout. OAuth's own error shapes
//! live here, apart from the JSON API's (`{"error", "error_description"}`, RFC 6749
//! §5.2).

use axum::Extension;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::extract::{Client, session_token};
use crate::BmAuth;
use crate::auth::oidc::authorize::{Authorization, AuthorizeRequest, SCOPES};
use crate::auth::oidc::logout::{Logout, LogoutRequest};
use crate::auth::oidc::tokens::{TokenError, TokenRequest};

/// `GET /.well-known/openid-configuration` (Discovery 1.0 §3): exactly what is
/// supported, nothing more.
pub async fn discovery(Extension(bm): Extension<BmAuth>) -> Response {
    let issuer = bm.auth().issuer();
    axum::Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}oauth/authorize"),
        "token_endpoint": format!("{issuer}oauth/token"),
        "userinfo_endpoint": format!("{issuer}oauth/userinfo"),
        "jwks_uri": format!("{issuer}oauth/jwks"),
        "revocation_endpoint": format!("{issuer}oauth/revoke"),
        "end_session_endpoint": format!("{issuer}oauth/logout"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256", "RS256"],
        "scopes_supported": SCOPES,
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "amr", "email", "email_verified"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "prompt_values_supported": ["none", "login", "consent"],
        "authorization_response_iss_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "claims_parameter_supported": false,
    }))
    .into_response()
}

/// `GET /oauth/jwks`: every public key tokens may be signed with.
pub async fn jwks(Extension(bm): Extension<BmAuth>) -> Response {
    // Made on first use, so that the JWKS is never empty once asked.
    if let Err(e) = bm.auth().ensure_signing_keys().await {
        return crate::ApiError::from(e).into_response();
    }
    match bm.auth().public_keys().await {
        Ok(keys) => axum::Json(json!({ "keys": keys })).into_response(),
        Err(e) => crate::ApiError::from(e).into_response(),
    }
}

/// A page that says why BMAuth will not send the browser back to the app.
fn refused_page(code: &str) -> Response {
    let why = match code {
        "unknown_client" => "The app that sent you here is not one this site knows.",
        "id_token_hint_invalid" => {
            "The app that sent you here did not say which sign-in it meant in a way this site can check."
        }
        "client_mismatch" => "The app that sent you here named itself in two different ways.",
        "invalid_request" => "The app that sent you here sent a request this site cannot read.",
        _ => "The app that sent you here asked to be sent back to an address it did not register.",
    };
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Sign-in refused</title></head><body><main><h1>Sign-in refused</h1>\
         <p>{why}</p><p>Nothing was shared with it. Go back to the app, or close this page.</p>\
         <p><small>{code}</small></p></main></body></html>"
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

/// The authorization request's path and query, to come back to after signing in.
pub(crate) fn here(request: &AuthorizeRequest) -> String {
    let query = serde_urlencoded_pairs(request);
    format!("/oauth/authorize?{query}")
}

/// The request's fields as a query.
pub(crate) fn serde_urlencoded_pairs(request: &AuthorizeRequest) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    out.append_pair("client_id", &request.client_id)
        .append_pair("redirect_uri", &request.redirect_uri)
        .append_pair("response_type", &request.response_type)
        .append_pair("scope", &request.scope);
    for (key, value) in [
        ("state", &request.state),
        ("nonce", &request.nonce),
        ("code_challenge", &request.code_challenge),
        ("code_challenge_method", &request.code_challenge_method),
    ] {
        if let Some(value) = value {
            out.append_pair(key, value);
        }
    }
    // `login` and `max_age` are met by the sign-in on the way back, so they are
    // left off (else it would ask forever); `consent` still asks.
    if request
        .prompt
        .as_deref()
        .is_some_and(|p| p.split_ascii_whitespace().any(|p| p == "consent"))
    {
        out.append_pair("prompt", "consent");
    }
    out.finish()
}

/// Where an authorization's outcome sends the browser.
pub(crate) fn outcome(request: &AuthorizeRequest, authorization: Authorization) -> Response {
    match authorization {
        Authorization::Refused(code) => refused_page(code),
        Authorization::Redirect(url) => Redirect::to(url.as_str()).into_response(),
        Authorization::SignIn { fresh } => {
            let next = here(request);
            let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
            let again = if fresh { "&again=1" } else { "" };
            Redirect::to(&format!("/auth/login?next={next}{again}")).into_response()
        }
        // The consent page (a page of the app: its look, its headers); the server
        // looks the request up again there, so nothing on it comes from the query.
        Authorization::Consent { .. } => Redirect::to(&format!(
            "/auth/consent?{}",
            serde_urlencoded_pairs(request)
        ))
        .into_response(),
    }
}

/// `GET /oauth/authorize`.
pub async fn authorize(
    Extension(bm): Extension<BmAuth>,
    jar: CookieJar,
    request: Result<Query<AuthorizeRequest>, QueryRejection>,
) -> Response {
    // Without a client and a redirect URI there is nowhere to send an error.
    let Ok(Query(request)) = request else {
        return refused_page("invalid_request");
    };
    let session = session_token(&bm, &jar);
    match bm.auth().authorize(&request, session.as_ref()).await {
        Ok(authorization) => outcome(&request, authorization),
        Err(e) => crate::ApiError::from(e).into_response(),
    }
}

/// The consent form's fields: the request, and the answer.
#[derive(Debug, serde::Deserialize)]
pub struct ConsentForm {
    #[serde(flatten)]
    request: AuthorizeRequest,
    answer: String,
}

/// Whether a form was posted from one of this site's pages. A form posted under
/// `Referrer-Policy: no-referrer` carries `Origin: null` (Fetch §3.2.5), so the
/// browser's `Sec-Fetch-Site` says where it came from; a cross-site page can set
/// neither.
fn same_origin_form(bm: &BmAuth, headers: &HeaderMap) -> bool {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let fetched_from = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    match origin {
        Some(origin) if origin != "null" => origin == bm.origin_header(),
        _ => fetched_from == Some("same-origin"),
    }
}

/// `POST /oauth/consent` (a same-origin form: the `Origin` check applies).
pub async fn consent(
    Extension(bm): Extension<BmAuth>,
    headers: HeaderMap,
    jar: CookieJar,
    Form(form): Form<ConsentForm>,
) -> Response {
    if !same_origin_form(&bm, &headers) {
        return (
            StatusCode::FORBIDDEN,
            "this form did not come from this site",
        )
            .into_response();
    }
    let Some(session) = session_token(&bm, &jar) else {
        return outcome(&form.request, Authorization::SignIn { fresh: false });
    };
    let approved = form.answer == "allow";
    match bm.auth().consent(&form.request, &session, approved).await {
        Ok(authorization) => outcome(&form.request, authorization),
        Err(e) => crate::ApiError::from(e).into_response(),
    }
}

/// The token and revocation endpoints' form: the request, and perhaps the
/// client's credentials. (No `Debug`: it holds secrets.)
#[derive(serde::Deserialize)]
pub struct TokenForm {
    #[serde(flatten)]
    request: TokenRequest,
    client_id: Option<String>,
    client_secret: Option<String>,
    /// Revocation's token (RFC 7009 §2.1).
    token: Option<String>,
}

/// The client's credentials from `Authorization: Basic` (RFC 6749 §2.3.1), if any.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some((unescape(id), unescape(secret)))
}

/// Who the client says it is: `Authorization: Basic`, or the form; one way only
/// (RFC 6749 §2.3: "MUST NOT use more than one authentication method", answered
/// `invalid_request`).
fn client_credentials(
    headers: &HeaderMap,
    form: &TokenForm,
) -> Result<(String, Option<String>), TokenError> {
    match (basic_credentials(headers), &form.client_id) {
        (Some(_), _) if form.client_secret.is_some() => Err(TokenError::InvalidRequest),
        (Some((id, secret)), None) => Ok((id, Some(secret))),
        (Some((id, secret)), Some(form_id)) if &id == form_id => Ok((id, Some(secret))),
        (Some(_), Some(_)) => Err(TokenError::InvalidRequest),
        (None, Some(id)) => Ok((id.clone(), form.client_secret.clone())),
        (None, None) => Err(TokenError::InvalidClient),
    }
}

/// An error of the token or revocation endpoint, in OAuth's shape: too many failed
/// client authentications from this address is `429` with `Retry-After`.
fn token_failure(e: crate::AuthError) -> Response {
    match e {
        crate::AuthError::RateLimited { retry_after_secs } => {
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                axum::Json(json!({
                    "error": "temporarily_unavailable",
                    "error_description": "too many failed client authentications from this address; try again later",
                })),
            )
                .into_response();
            if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        other => crate::ApiError::from(other).into_response(),
    }
}

fn token_error(error: TokenError) -> Response {
    let status = if error == TokenError::InvalidClient {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut response = (status, axum::Json(json!({ "error": error.as_str() }))).into_response();
    if error == TokenError::InvalidClient {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"bmauth\""),
        );
    }
    response
}

/// The form of the token or revocation endpoint and who the client says it is;
/// or the answer that the request cannot be read.
fn read_token_form(
    headers: &HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<(TokenForm, String, Option<String>), Box<Response>> {
    // A body that is not a form of these fields: RFC 6749 §5.2's error, not axum's.
    let Ok(Form(form)) = form else {
        return Err(Box::new(token_error(TokenError::InvalidRequest)));
    };
    let (client_id, secret) =
        client_credentials(headers, &form).map_err(|e| Box::new(token_error(e)))?;
    Ok((form, client_id, secret))
}

/// `POST /oauth/token`: a code exchanged, or a refresh token rotated.
pub async fn token(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    let (form, client_id, secret) = match read_token_form(&headers, form) {
        Ok(read) => read,
        Err(refused) => return *refused,
    };
    match bm
        .auth()
        .token(&client_id, secret.as_deref(), &form.request, &client.info)
        .await
    {
        Ok(Ok(tokens)) => {
            let mut body = json!({
                "access_token": tokens.access_token,
                "token_type": "Bearer",
                "expires_in": tokens.expires_in,
                "scope": tokens.scope,
            });
            if let Some(id_token) = tokens.id_token {
                body["id_token"] = json!(id_token);
            }
            if let Some(refresh_token) = tokens.refresh_token {
                body["refresh_token"] = json!(refresh_token);
            }
            axum::Json(body).into_response()
        }
        Ok(Err(error)) => token_error(error),
        Err(e) => token_failure(e),
    }
}

/// `POST /oauth/revoke` (RFC 7009): 200 for a token revoked or unknown (§2.2).
pub async fn revoke(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    let (form, client_id, secret) = match read_token_form(&headers, form) {
        Ok(read) => read,
        Err(refused) => return *refused,
    };
    let Some(token) = &form.token else {
        return token_error(TokenError::InvalidRequest);
    };
    match bm
        .auth()
        .revoke_token(&client_id, secret.as_deref(), token, &client.info)
        .await
    {
        Ok(Ok(())) => StatusCode::OK.into_response(),
        Ok(Err(error)) => token_error(error),
        Err(e) => token_failure(e),
    }
}

/// `GET` or `POST /oauth/userinfo` with `Authorization: Bearer`.
pub async fn userinfo(Extension(bm): Extension<BmAuth>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let found = match token {
        Some(token) => bm.auth().user_info(token).await,
        None => Ok(None),
    };
    match found {
        Ok(Some(info)) => axum::Json(info).into_response(),
        Ok(None) => {
            let mut response = StatusCode::UNAUTHORIZED.into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
            response
        }
        Err(e) => crate::ApiError::from(e).into_response(),
    }
}

/// The logout confirmation's fields: the request, and the answer.
#[derive(Debug, serde::Deserialize)]
pub struct LogoutForm {
    #[serde(flatten)]
    request: LogoutRequest,
    /// `yes` (sign out) or `no`, from BMAuth's own page.
    confirm: Option<String>,
}

/// The logout request's fields as a query, for the confirmation page.
pub(crate) fn logout_query(request: &LogoutRequest) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in [
        ("id_token_hint", &request.id_token_hint),
        ("client_id", &request.client_id),
        (
            "post_logout_redirect_uri",
            &request.post_logout_redirect_uri,
        ),
        ("state", &request.state),
    ] {
        if let Some(value) = value {
            out.append_pair(key, value);
        }
    }
    out.finish()
}

/// Where a logout's outcome sends the browser.
pub(crate) fn logout_outcome(
    bm: &BmAuth,
    jar: CookieJar,
    request: &LogoutRequest,
    logout: Logout,
) -> Response {
    match logout {
        Logout::Refused(code) => refused_page(code),
        Logout::Done(then) => {
            // The cookie goes whether or not a session was found behind it.
            let jar = jar.add(bm.expired_session_cookie());
            let to = then
                .map(|url| url.to_string())
                .unwrap_or_else(|| "/auth/login".into());
            (jar, Redirect::to(&to)).into_response()
        }
        Logout::Kept(then) => {
            let to = then
                .map(|url| url.to_string())
                .unwrap_or_else(|| "/".into());
            Redirect::to(&to).into_response()
        }
        Logout::Confirm { .. } => {
            Redirect::to(&format!("/auth/logout?{}", logout_query(request))).into_response()
        }
    }
}

/// `GET /oauth/logout` (RP-Initiated Logout §2).
pub async fn logout(
    Extension(bm): Extension<BmAuth>,
    jar: CookieJar,
    request: Result<Query<LogoutRequest>, QueryRejection>,
) -> Response {
    let Ok(Query(request)) = request else {
        return refused_page("invalid_request");
    };
    let session = session_token(&bm, &jar);
    match bm
        .auth()
        .end_session(&request, session.as_ref(), None)
        .await
    {
        Ok(logout) => logout_outcome(&bm, jar, &request, logout),
        Err(e) => crate::ApiError::from(e).into_response(),
    }
}

/// `POST /oauth/logout`: from an app (as `GET`), or the answer on BMAuth's own
/// confirmation page, which must come from this site.
pub async fn logout_form(
    Extension(bm): Extension<BmAuth>,
    headers: HeaderMap,
    jar: CookieJar,
    Form(form): Form<LogoutForm>,
) -> Response {
    let confirmed = match form.confirm.as_deref() {
        None => None,
        Some(answer) if same_origin_form(&bm, &headers) => Some(answer == "yes"),
        Some(_) => {
            return (
                StatusCode::FORBIDDEN,
                "this form did not come from this site",
            )
                .into_response();
        }
    };
    let session = session_token(&bm, &jar);
    match bm
        .auth()
        .end_session(&form.request, session.as_ref(), confirmed)
        .await
    {
        Ok(logout) => logout_outcome(&bm, jar, &form.request, logout),
        Err(e) => crate::ApiError::from(e).into_response(),
    }
}

/// The provider's routes, for the reference app.
pub(crate) fn router<S: Clone + Send + Sync + 'static>(bmauth: &BmAuth) -> axum::Router<S> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oauth/jwks", get(jwks))
        .route("/oauth/authorize", get(authorize))
        .route("/oauth/consent", post(consent))
        .route("/oauth/token", post(token))
        .route("/oauth/userinfo", get(userinfo).post(userinfo))
        .route("/oauth/revoke", post(revoke))
        .route("/oauth/logout", get(logout).post(logout_form))
        // Tokens and userinfo must not be cached (RFC 6749 §5.1), nor anything here.
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(bmauth.layer())
}
