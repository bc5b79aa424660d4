//! Forward auth's routes: `GET /auth/forward` (Caddy's `forward_auth`, Traefik's
//! `ForwardAuth`), `GET /auth/forward/request` (nginx's `auth_request`), and
//! `GET /auth/forward/start` on BMAuth's own host, where the sign-in sends the
//! browser back to the protected host. The rules are `crate::auth::forward`'s;
//! here are the headers, cookies and pages.

use axum::Extension;
use axum::extract::Query;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use super::error::ApiError;
use super::extract::session_token;
use crate::BmAuth;
use crate::auth::forward::{ForwardCheck, ForwardStart, ForwardedRequest};
use crate::auth::{AuthError, ForwardIdentity};

/// The protected host's own cookie, and the state cookie that binds a sign-in's
/// code to the browser that went to get it. On https, `__Host-` pins them to
/// exactly this host.
fn cookie_names(https: bool) -> (&'static str, &'static str) {
    if https {
        ("__Host-bmauth_forward", "__Host-bmauth_forward_state")
    } else {
        ("bmauth_forward", "bmauth_forward_state")
    }
}

/// A host-only cookie for the protected host.
fn host_cookie(
    name: &'static str,
    value: String,
    https: bool,
    max_age_secs: i64,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .secure(https)
        // Lax: a link from elsewhere (a mail, a chat) to the app still carries it.
        .same_site(SameSite::Lax)
        .path("/")
        .max_age(time::Duration::seconds(max_age_secs))
        .build()
}

fn forwarded(headers: &HeaderMap) -> ForwardedRequest<'_> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    ForwardedRequest {
        proto: text("x-forwarded-proto"),
        host: text("x-forwarded-host"),
        uri: text("x-forwarded-uri"),
    }
}

/// `GET /auth/forward`: 200 with `Remote-User` and `Remote-Email`; or 302 to
/// sign in (or, with a code from the sign-in, 302 to the URL asked for with the
/// host's cookie set); 403 for a host not listed or a person not allowed.
pub async fn check(
    Extension(bm): Extension<BmAuth>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    answer(&bm, &headers, &jar, true).await
}

/// `GET /auth/forward/request`: as `/auth/forward`, but 401 where that would send
/// the browser on: nginx's `auth_request` passes only 2xx, 401 and 403, and its
/// `error_page 401` hands the request to `/auth/forward`, which sends it on.
pub async fn check_for_nginx(
    Extension(bm): Extension<BmAuth>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    answer(&bm, &headers, &jar, false).await
}

async fn answer(bm: &BmAuth, headers: &HeaderMap, jar: &CookieJar, sends_on: bool) -> Response {
    let auth = bm.auth();
    let target = match auth.forward_target(forwarded(headers)) {
        Ok(target) => target,
        Err(e) => return refused(bm, e),
    };
    let https = target.https();
    let (cookie_name, state_name) = cookie_names(https);
    let cookie = jar.get(cookie_name).map(Cookie::value);
    let state = jar.get(state_name).map(Cookie::value);
    match auth.forward_check(&target, cookie, state, sends_on).await {
        Ok(ForwardCheck::Allowed(identity)) => allowed(&identity),
        Ok(ForwardCheck::SignIn { .. }) if !sends_on => {
            no_store(StatusCode::UNAUTHORIZED.into_response())
        }
        Ok(ForwardCheck::SignIn { location, state }) => {
            // Ten minutes to sign in, or sign up with the email code.
            let state = host_cookie(state_name, state, https, 600);
            no_store((jar.clone().add(state), found(&location)).into_response())
        }
        Ok(ForwardCheck::CookieMade { token, location }) => {
            let lifetime = auth.session_lifetime_secs();
            let jar = jar
                .clone()
                .add(host_cookie(cookie_name, token, https, lifetime))
                // Spent: removed with the attributes it was set with (`__Host-`
                // cookies are only replaced by a Secure one).
                .add(host_cookie(state_name, String::new(), https, 0));
            no_store((jar, found(&location)).into_response())
        }
        Err(e) => refused(bm, e),
    }
}

fn allowed(identity: &ForwardIdentity) -> Response {
    let mut response = StatusCode::OK.into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        ("remote-user", identity.user_id.as_str()),
        ("remote-email", identity.email.as_str()),
    ] {
        match HeaderValue::from_str(value) {
            Ok(value) => headers.insert(name, value),
            // Never a 200 without the name: a proxy might pass the client's own.
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        };
    }
    no_store(response)
}

/// `302 Found` to `to`: what proxies pass on, and what the issue names.
fn found(to: &url::Url) -> Response {
    match HeaderValue::from_str(to.as_str()) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// An answer about one person and one moment: never kept by a cache.
fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(Debug, serde::Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    rd: String,
    #[serde(default)]
    state: String,
}

/// `GET /auth/forward/start?rd=…&state=…`: on BMAuth's host, where its session
/// cookie is: back to the protected host with a one-time code, or to sign in first.
pub async fn start(
    Extension(bm): Extension<BmAuth>,
    jar: CookieJar,
    Query(query): Query<StartQuery>,
) -> Response {
    let session = session_token(&bm, &jar);
    match bm
        .auth()
        .forward_start(session.as_ref(), &query.rd, &query.state)
        .await
    {
        Ok(ForwardStart::SignIn(to) | ForwardStart::Back(to)) => no_store(found(&to)),
        Err(e) => refused(&bm, e),
    }
}

/// A page that says why, with the status and stable code of the error (and a
/// JSON-free body: a person sees it, through the proxy).
fn refused(bm: &BmAuth, e: AuthError) -> Response {
    let (title, why) = match &e {
        AuthError::ForwardHostNotListed => (
            "Not a site this sign-in looks after",
            "The address you asked for is not on this sign-in service's list, so it lets nothing through to it.".to_string(),
        ),
        AuthError::ForwardNotAllowed { email } => (
            "This site is not open to your account",
            format!(
                "You are signed in as {email}, and this site does not let that account in. \
                 Ask the people who run it, or sign out and use another account."
            ),
        ),
        AuthError::ForwardCodeInvalid => (
            "Your sign-in did not carry over",
            "This browser did not start this sign-in, or it took too long. Open the site again to start over.".to_string(),
        ),
        _ => ("Sign-in unavailable", e.to_string()),
    };
    let error = ApiError::from(e);
    let (status, code) = (error.status(), error.code());
    if status.is_server_error() {
        return error.into_response();
    }
    let account = bm
        .auth()
        .origin()
        .join("/auth/account")
        .map(String::from)
        .unwrap_or_default();
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head><body style=\"font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5\">\
         <main><h1>{title}</h1><p>{why}</p><p><a href=\"{account}\">Your account</a></p>\
         <p><small>{code}</small></p></main></body></html>",
        why = html_escape(&why),
        account = html_escape(&account),
        code = serde_json::to_value(code)
            .ok()
            .and_then(|c| c.as_str().map(str::to_string))
            .unwrap_or_default(),
    );
    no_store((status, Html(body)).into_response())
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Forward auth's routes. Outside the JSON API's nest: a proxy's check carries the
/// original request's method and no `Origin` of BMAuth's, and changes nothing a
/// forged request could use.
pub(crate) fn router<S: Clone + Send + Sync + 'static>(bmauth: &BmAuth) -> axum::Router<S> {
    use axum::routing::{any, get};
    axum::Router::new()
        .route("/auth/forward", any(check))
        .route("/auth/forward/request", any(check_for_nginx))
        .route("/auth/forward/start", get(start))
        .layer(bmauth.layer())
}
