//! The reference app's pages: the Leptos app from `bmauth-app`, rendered on the
//! server, with the security headers pages need.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::get;
use bmauth_app::{App, shell};
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::set_header::SetResponseHeaderLayer;

/// Only what the app needs: its own scripts, styles and WASM; no framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Passkeys and the camera (for QR codes) for this site only; nothing else.
const PERMISSIONS_POLICY: &str = "publickey-credentials-create=(self), \
     publickey-credentials-get=(self), camera=(self), microphone=(), geolocation=()";

const STYLESHEET: &str = include_str!("../style/main.css");

pub fn router() -> Router {
    let options = LeptosOptions::builder()
        .output_name("bmauth")
        .site_pkg_dir("pkg")
        .build();
    let routes = generate_route_list(App);
    Router::new()
        .leptos_routes(&options, routes, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .route("/pkg/bmauth.css", get(stylesheet))
        .with_state(options)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(PERMISSIONS_POLICY),
        ))
}

async fn stylesheet() -> impl axum::response::IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STYLESHEET,
    )
}
