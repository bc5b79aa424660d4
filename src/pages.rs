//! The reference app's pages: the Leptos app from `bmauth-app`, rendered on the
//! server (islands hydrate in the browser), its static files, and the headers pages
//! need.

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use bmauth_app::{App, SignedInUser, content_security_policy, shell};
use bmauth_proto::safe_next;
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::BmAuth;
use crate::http::extract::session_token;

/// Passkeys and the camera (for QR codes) for this site only; nothing else.
const PERMISSIONS_POLICY: &str = "publickey-credentials-create=(self), \
     publickey-credentials-get=(self), camera=(self), microphone=(), geolocation=()";

/// The hashed names of the built JS, WASM and CSS, written by `scripts/build-site`
/// next to the server binary (where Leptos looks for it).
const HASH_FILE: &str = "hash.txt";

fn has_hash_file() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(HASH_FILE)))
        .is_some_and(|path| path.exists())
}

pub(crate) fn router(bmauth: &BmAuth, site_dir: &Path) -> Router {
    let hashed = has_hash_file();
    if !site_dir.join("pkg").is_dir() {
        tracing::warn!(
            site = %site_dir.display(),
            "the browser bundle is not built: pages will render but not run (run scripts/build-site)"
        );
    }
    let options = LeptosOptions::builder()
        .output_name("bmauth")
        .site_root(site_dir.display().to_string())
        .site_pkg_dir("pkg")
        .hash_files(hashed)
        .hash_file(std::sync::Arc::from(HASH_FILE))
        .build();
    let routes = generate_route_list(App);
    // Hashed names change with their content: browsers may keep them for a year.
    let pkg_cache = if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let pkg = Router::new()
        .fallback_service(
            ServeDir::new(site_dir.join("pkg"))
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static(pkg_cache),
        ));
    Router::new()
        .leptos_routes(&options, routes, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .route_layer(middleware::from_fn_with_state(
            bmauth.clone(),
            signed_in_user,
        ))
        .nest("/pkg", pkg)
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
        // Pages send the same policy with a per-response nonce (see
        // `bmauth_app::shell`); this one is for everything else served here.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&content_security_policy(None))
                .unwrap_or(HeaderValue::from_static("default-src 'self'")),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(PERMISSIONS_POLICY),
        ))
        // Pages only: the JSON API carries secrets next to reflected input, which
        // compression could leak (BREACH). Bundle files come precompressed.
        .layer(CompressionLayer::new())
}

/// `next` if it is a path on this site: it must pass the app's rule and, resolved
/// against the public URL, keep the public URL's origin.
fn local_redirect(origin: &url::Url, next: Option<&str>) -> String {
    let next = safe_next(next);
    match origin.join(&next) {
        Ok(target) if target.origin() == origin.origin() => next,
        _ => "/".into(),
    }
}

/// Whether a sign-in page was asked to sign in again (`again=1`).
fn asks_again(uri: &axum::http::Uri) -> bool {
    url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .any(|(key, value)| key == "again" && value == "1")
}

/// The consent page: the authorization request judged again here, so that what
/// the page says (the app's name, where it sends back) comes from the server.
async fn consent(
    bmauth: &BmAuth,
    jar: &CookieJar,
    user: crate::User,
    mut request: Request,
    next: Next,
) -> Response {
    use crate::auth::oidc::authorize::{Authorization, AuthorizeRequest};
    let Ok(axum::extract::Query(asked)) =
        axum::extract::Query::<AuthorizeRequest>::try_from_uri(request.uri())
    else {
        return Redirect::to("/").into_response();
    };
    let session = session_token(bmauth, jar);
    let judged = match bmauth.auth().authorize(&asked, session.as_ref()).await {
        Ok(judged) => judged,
        Err(e) => return crate::http::error::ApiError::from(e).into_response(),
    };
    let Authorization::Consent { client, returns_to } = judged else {
        return crate::http::oidc::outcome(&asked, judged);
    };
    let fields =
        url::form_urlencoded::parse(crate::http::oidc::serde_urlencoded_pairs(&asked).as_bytes())
            .into_owned()
            .collect();
    let returns_to_origin = url::Url::parse(&asked.redirect_uri)
        .map(|uri| uri.origin().ascii_serialization())
        .unwrap_or_default();
    let offline = asked
        .scope
        .split_ascii_whitespace()
        .any(|scope| scope == "offline_access");
    request.extensions_mut().insert(bmauth_app::ConsentDetails {
        client,
        email: user.email.clone(),
        returns_to,
        offline,
        returns_to_origin,
        fields,
    });
    request.extensions_mut().insert(SignedInUser(user.into()));
    request.extensions_mut().insert(bmauth.page_settings());
    next.run(request).await
}

/// The logout confirmation: the request judged again here, so that what the page
/// says (the app's name) comes from the server; if there is nothing to ask, the
/// outcome is carried out.
async fn logout_confirmation(
    bmauth: &BmAuth,
    jar: CookieJar,
    user: crate::User,
    mut request: Request,
    next: Next,
) -> Response {
    use crate::auth::oidc::logout::{Logout, LogoutRequest};
    let Ok(axum::extract::Query(asked)) =
        axum::extract::Query::<LogoutRequest>::try_from_uri(request.uri())
    else {
        return Redirect::to("/").into_response();
    };
    let session = session_token(bmauth, &jar);
    let judged = match bmauth
        .auth()
        .end_session(&asked, session.as_ref(), None)
        .await
    {
        Ok(judged) => judged,
        Err(e) => return crate::http::error::ApiError::from(e).into_response(),
    };
    let Logout::Confirm {
        app,
        returns_to_origin,
    } = judged
    else {
        return crate::http::oidc::logout_outcome(bmauth, jar, &asked, judged);
    };
    let fields = url::form_urlencoded::parse(crate::http::oidc::logout_query(&asked).as_bytes())
        .into_owned()
        .collect();
    request.extensions_mut().insert(bmauth_app::LogoutDetails {
        app,
        email: user.email.clone(),
        returns_to_origin,
        fields,
    });
    request.extensions_mut().insert(SignedInUser(user.into()));
    request.extensions_mut().insert(bmauth.page_settings());
    next.run(request).await
}

/// Gives pages the signed-in user; sends visitors who are not signed in from the app
/// to sign-in (and back after), and signed-in ones from sign-in to the app.
async fn signed_in_user(
    axum::extract::State(bmauth): axum::extract::State<BmAuth>,
    jar: CookieJar,
    mut request: Request,
    next: Next,
) -> Response {
    let user = match session_token(&bmauth, &jar) {
        Some(token) => match bmauth.auth().session_user(&token).await {
            Ok(user) => user,
            // Not "signed out": a database fault is said as one, and logged.
            Err(e) => return crate::http::error::ApiError::from(e).into_response(),
        },
        None => None,
    };
    let path = request.uri().path().to_string();
    match (user, path.as_str()) {
        (None, "/") => Redirect::to("/auth/login?next=%2F").into_response(),
        (None, "/auth/account") => {
            Redirect::to("/auth/login?next=%2Fauth%2Faccount").into_response()
        }
        (None, "/auth/admin" | "/auth/admin/person") => {
            Redirect::to("/auth/login?next=%2Fauth%2Fadmin").into_response()
        }
        (Some(user), "/auth/consent") => consent(&bmauth, &jar, user, request, next).await,
        (Some(user), "/auth/logout") => {
            logout_confirmation(&bmauth, jar, user, request, next).await
        }
        (None, "/auth/consent") => {
            let query = request.uri().query().unwrap_or_default();
            Redirect::to(&format!("/oauth/authorize?{query}")).into_response()
        }
        // Asked to use the passkey again (`prompt=login`, `max_age`): the page, not
        // a redirect, though a session is open.
        (Some(user), "/auth/login") if asks_again(request.uri()) => {
            // The address is known: filled in, so that the passkey is one tap away.
            let query = request.uri().query().unwrap_or_default().to_string();
            if !url::form_urlencoded::parse(query.as_bytes()).any(|(key, _)| key == "email") {
                let mut with_email = url::form_urlencoded::Serializer::new(query);
                with_email.append_pair("email", &user.email);
                return Redirect::to(&format!("/auth/login?{}", with_email.finish()))
                    .into_response();
            }
            request.extensions_mut().insert(bmauth.page_settings());
            next.run(request).await
        }
        (Some(_), "/auth/login" | "/auth/register") => {
            let query = request.uri().query().unwrap_or_default();
            let next = url::form_urlencoded::parse(query.as_bytes())
                .find(|(key, _)| key == "next")
                .map(|(_, value)| value.into_owned());
            Redirect::to(&local_redirect(bmauth.auth().origin(), next.as_deref())).into_response()
        }
        (user, _) => {
            if let Some(user) = user {
                request.extensions_mut().insert(SignedInUser(user.into()));
            }
            request.extensions_mut().insert(bmauth.page_settings());
            next.run(request).await
        }
    }
}
