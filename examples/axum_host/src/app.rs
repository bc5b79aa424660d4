//! An axum app with a page of its own and a protected one. The lines marked
//! `// + BMAuth` are all it adds to get passkey sign-up, the email code and sign-in;
//! its sign-in page (`signin.html`) is its own, calling BMAuth's JSON API.

use axum::Router;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
// ANCHOR: embed
use bmauth::{AuthUser, BmAuth}; // + BMAuth

/// The host's router, with BMAuth mounted.
pub fn app(bmauth: &BmAuth) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/account", get(account))
        .route("/signin", get(|| async { Html(SIGN_IN_PAGE) })) // + BMAuth
        .merge(bmauth.router()) // + BMAuth: the JSON API under /auth
        .layer(bmauth.layer()) // + BMAuth: lets AuthUser find the session
}

/// Only for people who are signed in: the others go to sign in.
async fn account(user: Option<AuthUser>) -> Response {
    // + BMAuth
    let Some(AuthUser(user)) = user else {
        return Redirect::to("/signin").into_response(); // + BMAuth
    };
    let email = escape(&user.email);
    Html(format!("<h1>Your account</h1><p>{email}</p>")).into_response()
}
// ANCHOR_END: embed

/// The host's own sign-in page: a form and forty lines of JavaScript.
const SIGN_IN_PAGE: &str = include_str!("../signin.html");

async fn home() -> Html<&'static str> {
    Html("<h1>Welcome</h1><p><a href=\"/account\">Your account</a></p>")
}

/// Text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
