//! BMAuth's Leptos pages (and the browser calls their islands make). The wire types
//! they share with the server are `bmauth-proto`'s, re-exported as `api`.
//!
//! Islands mode: pages are rendered on the server; only the interactive parts
//! (`#[island]`s: the forms and buttons) ship as WASM and hydrate in the browser.

#![recursion_limit = "256"]

/// The wire types, shared with the server (the `bmauth-proto` crate).
pub use bmauth_proto as api;
pub mod client;
mod pages;

pub use pages::{
    AccountPage, AdminPage, ConsentPage, EmailUndoPage, LinkPage, LoginPage, LogoutPage, NotFound,
    PersonPage, RecoverPage, RegisterPage, UndoPage, VerifyPage,
};

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{MatchNestedRoutes, path};

pub use bmauth_proto::safe_next;

/// The signed-in user, put in the request by the server for pages that need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInUser(pub api::UserView);

/// What the consent page shows, looked up by the server for this request (never
/// read from the query, which anyone can write): the app's registered name, the
/// address it will see, where it sends the person back, and the authorization
/// request's fields to post back with the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentDetails {
    /// The app's name, as registered.
    pub client: String,
    /// The signed-in person's address, which the app will see.
    pub email: String,
    /// The host the app sends them back to.
    pub returns_to: String,
    /// The app asks to stay signed in while the person is away (`offline_access`).
    pub offline: bool,
    /// The origin of the address the app sends them back to (`https://app.example.com`),
    /// which the page's `form-action` must allow.
    pub returns_to_origin: String,
    /// The authorization request, to post back with the answer.
    pub fields: Vec<(String, String)>,
}

/// What the logout confirmation shows, looked up by the server for this request:
/// which app asked (if it said), who is signed in, where the answer sends the
/// browser, and the logout request's fields to post back with the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutDetails {
    /// The app's registered name, if the request named one.
    pub app: Option<String>,
    /// The signed-in person's address.
    pub email: String,
    /// The origin the answer redirects to, if any, which `form-action` must allow.
    pub returns_to_origin: Option<String>,
    /// The logout request, to post back with the answer.
    pub fields: Vec<(String, String)>,
}

/// The server's settings the pages follow, put in the request by the server (an
/// app that renders BMAuth's pages without it gets the defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSettings {
    /// Whether a new device may show a code for a signed-in one to scan
    /// (`link.new_device_shows_code`); without it, that button is not shown.
    pub new_device_shows_code: bool,
    /// Who may sign up (`signup`), which the sign-up page says.
    pub sign_up: SignUpRule,
}

/// Who may sign up, as the sign-up page tells it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SignUpRule {
    /// Anyone.
    #[default]
    Open,
    /// Only with an invitation link.
    Invitation,
    /// Addresses at some domains, or with an invitation.
    Domains,
}

impl Default for PageSettings {
    fn default() -> Self {
        Self {
            new_device_shows_code: true,
            sign_up: SignUpRule::Open,
        }
    }
}

/// This request's page settings (on the server; the defaults elsewhere).
pub(crate) fn page_settings() -> PageSettings {
    #[cfg(feature = "ssr")]
    if let Some(settings) = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageSettings>().copied())
    {
        return settings;
    }
    PageSettings::default()
}

/// The HTML document around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    send_content_security_policy();
    let bundle = bundle_for_this_page(options);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <leptos_meta::HashedStylesheet options=bundle.clone() id="bmauth" />
                <HydrationScripts options=bundle islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Which browser bundle and stylesheet this page loads. Adding a device, recovery and
/// the undo links (the camera, QR codes, a new device's passkey) have a bundle of
/// their own, and the account and administrators' pages another, so that the
/// sign-in and sign-up pages stay light and a phone opening `/link` from a QR code
/// downloads no account management.
#[cfg_attr(not(feature = "ssr"), allow(unused_mut))]
fn bundle_for_this_page(mut options: LeptosOptions) -> LeptosOptions {
    #[cfg(feature = "ssr")]
    if let Some(parts) = use_context::<http::request::Parts>() {
        let bundle = match parts.uri.path() {
            "/link" | "/auth/recover" | "/auth/undo" | "/auth/email-undo" => "link",
            "/auth/account" | "/auth/admin" | "/auth/admin/person" => "manage",
            _ => return options,
        };
        options.output_name = format!("bmauth-{bundle}").into();
        options.hash_file = format!("hash-{bundle}.txt").into();
    }
    options
}

/// Sends the pages' Content-Security-Policy with this response's nonce: its Leptos
/// inline scripts run, nothing else inline does (no `unsafe-inline`). Call it in
/// the shell of an app that renders BMAuth's pages.
#[cfg(feature = "ssr")]
pub fn send_content_security_policy() {
    use leptos::nonce::use_nonce;
    let (Some(nonce), Some(response)) =
        (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let mut policy = content_security_policy(Some(&nonce.to_string()));
    // The consent and logout forms' answers redirect to the app, which
    // `form-action` must allow (browsers check a form's redirects too): that app's
    // origin, these pages only.
    if let Some(app) = use_context::<http::request::Parts>().and_then(|parts| {
        let consent = parts.extensions.get::<ConsentDetails>();
        let logout = parts.extensions.get::<LogoutDetails>();
        consent
            .map(|c| c.returns_to_origin.clone())
            .or_else(|| logout.and_then(|l| l.returns_to_origin.clone()))
    }) {
        policy = policy.replace("form-action 'self'", &format!("form-action 'self' {app}"));
    }
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The pages' Content-Security-Policy: only what the WASM app needs. With a nonce,
/// that response's Leptos inline scripts run; nothing else inline ever does.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let nonce = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{nonce} 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// BMAuth's pages, for a host app's `<Routes>`: sign-in, sign-up, the email code,
/// recovery and adding a device, at the paths the JSON API and its mails name.
/// They render inside whatever layout the host puts around its `<Routes>`.
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_router::components::{Route, Router, Routes};
/// use leptos_router::path;
///
/// #[component]
/// fn HostApp() -> impl IntoView {
///     view! {
///         <Router>
///             <header>"My app"</header>
///             <Routes fallback=|| "Not found">
///                 <Route path=path!("/") view=|| "Home"/>
///                 <bmauth_app::AuthRoutes/>
///             </Routes>
///         </Router>
///     }
/// }
/// ```
#[component(transparent)]
pub fn AuthRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/auth/login") view=LoginPage />
        <Route path=path!("/auth/register") view=RegisterPage />
        <Route path=path!("/auth/verify") view=VerifyPage />
        <Route path=path!("/auth/recover") view=RecoverPage />
        <Route path=path!("/link") view=LinkPage />
        <Route path=path!("/auth/account") view=AccountPage />
        <Route path=path!("/auth/admin") view=AdminPage />
        <Route path=path!("/auth/admin/person") view=PersonPage />
        <Route path=path!("/auth/undo") view=UndoPage />
        <Route path=path!("/auth/email-undo") view=EmailUndoPage />
        <Route path=path!("/auth/consent") view=ConsentPage />
        <Route path=path!("/auth/logout") view=LogoutPage />
    }
    .into_inner()
}

/// The reference app: BMAuth's pages and a home page for people who signed in.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| {
            if page.is_empty() { "BMAuth".to_string() } else { format!("{page} · BMAuth") }
        } />
        <Router>
            <main class="page">
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/") view=pages::HomePage />
                    <AuthRoutes />
                </Routes>
            </main>
        </Router>
    }
}
