//! BMAuth: passkey sign-in for Rust web apps.
//!
//! People sign up with their email and their device's biometric (a passkey),
//! confirm the email with a 6-digit code, and sign in with the biometric. The
//! library keeps the rules (in [`Auth`]); [`BmAuth::router`] is the JSON API,
//! [`AuthUser`] the extractor for your own routes, and, with the `pages` feature
//! (on by default), `BmAuth::app` the whole reference app with its pages.
//!
//! Mount it into any axum app:
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use bmauth::{AuthUser, BmAuth, Config};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let bmauth = BmAuth::start(Config::load("bmauth.toml".as_ref())?).await?;
//! let app: Router = Router::new()
//!     .route("/hello", get(|AuthUser(user): AuthUser| async move { format!("Hi {}", user.email) }))
//!     .merge(bmauth.router())   // the JSON API under /auth
//!     .layer(bmauth.layer());   // lets AuthUser find its sessions
//! # Ok(()) }
//! ```
//!
//! The rules live in [`core`]; the JSON routes, the extractor and the pages are
//! thin doors onto them.
//!
//! Features: `pages` (the reference app's Leptos pages; without it the library has
//! no Leptos in its tree), `cli` (the `bmauth` binary), `test-support` (hooks for
//! tests, in the `testing` module).

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![recursion_limit = "256"]

/// Time, passed in (tests use [`ManualClock`]).
pub mod clock;
/// Configuration: [`Config`], read once into types and validated.
pub mod config;
/// The auth rules: [`Auth`] and what its operations take and give.
pub mod core;
mod crypto;
mod http;
mod mail;
mod metrics;
#[cfg(feature = "pages")]
mod pages;
#[cfg_attr(feature = "test-support", allow(missing_docs))] // test hooks, not the API
mod store;
/// Hooks for tests (the `test-support` feature).
#[cfg(feature = "test-support")]
pub mod testing;
mod worker;

use std::path::Path;
use std::sync::Arc;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::{Extension, Router};
use axum_extra::extract::cookie::{Cookie, SameSite};

pub use crate::clock::{Clock, ManualClock, SystemClock};
pub use crate::config::{Config, ConfigError};
pub use crate::core::{Auth, AuthError, User};
pub use crate::http::error::ApiError;
pub use crate::http::extract::AuthUser;

use crate::core::{BrowserToken, SessionToken};
use crate::crypto::{Sealer, ServerSecret};
use crate::mail::{DevMailer, Mailer, Outbox, SmtpMailer};
use crate::store::{Store, StoreError};

/// Why BMAuth could not start.
///
/// ```no_run
/// # async fn run() {
/// match bmauth::BmAuth::start(bmauth::Config::default()).await {
///     Ok(bmauth) => println!("ready on {}", bmauth.database_name()),
///     Err(bmauth::StartError::Config(e)) => eprintln!("fix bmauth.toml: {e}"),
///     Err(e) => eprintln!("cannot start: {e}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The development server secret could not be read or written.
    #[error("server secret file {path}: {reason}")]
    Secret {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The database could not be reached or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The mail transport could not be set up.
    #[error("mail: {0}")]
    Mail(String),
    /// The auth rules could not be set up (e.g. WebAuthn configuration).
    #[error(transparent)]
    Auth(#[from] AuthError),
}

/// A running BMAuth: the auth core plus what the web layer needs. Cheap to clone.
///
/// ```
/// use bmauth::{BmAuth, Config};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let folder = tempfile::tempdir()?;
/// let config = Config {
///     database_url: format!("sqlite://{}/bmauth.db", folder.path().display()).into(),
///     data_dir: folder.path().into(),
///     ..Config::default()
/// };
/// let bmauth = BmAuth::builder(config).background_worker(false).start().await?;
/// assert_eq!(bmauth.database_name(), "sqlite");
/// let app: axum::Router = axum::Router::new().merge(bmauth.router()).layer(bmauth.layer());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct BmAuth(Arc<Inner>);

struct Inner {
    auth: Auth,
    metrics: Arc<metrics::Metrics>,
    cookie_name: &'static str,
    browser_cookie_name: &'static str,
    secure_cookies: bool,
    origin_header: String,
    client_ip_header: Option<HeaderName>,
    trusted_proxies: Vec<ipnet::IpNet>,
    session_lifetime_secs: i64,
}

/// Sets up a [`BmAuth`]; the defaults suit production use, the setters suit tests
/// and embedding.
///
/// ```no_run
/// use std::sync::Arc;
/// use bmauth::{BmAuth, Config, ManualClock};
///
/// # async fn run() -> Result<(), bmauth::StartError> {
/// let clock = ManualClock::starting_now();
/// let bmauth = BmAuth::builder(Config::default())
///     .clock(Arc::new(clock.clone()))
///     .background_worker(false)
///     .start()
///     .await?;
/// clock.advance(std::time::Duration::from_secs(11 * 60)); // every code has expired
/// # Ok(()) }
/// ```
pub struct Builder {
    config: Config,
    clock: Arc<dyn Clock>,
    background_worker: bool,
}

impl Builder {
    /// Time comes from this clock (tests use [`ManualClock`]).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), bmauth::StartError> {
    /// let clock = bmauth::ManualClock::new(1_800_000_000);
    /// let bmauth = bmauth::BmAuth::builder(bmauth::Config::default())
    ///     .clock(std::sync::Arc::new(clock.clone()))
    ///     .start()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Whether to run the mail-retry and clean-up worker (default: yes).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), bmauth::StartError> {
    /// // A second process on the same database, that leaves mail and clean-up to the first.
    /// let bmauth = bmauth::BmAuth::builder(bmauth::Config::load("bmauth.toml".as_ref())?)
    ///     .background_worker(false)
    ///     .start()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn background_worker(mut self, run: bool) -> Self {
        self.background_worker = run;
        self
    }

    /// Validates the configuration, connects and migrates the database, and
    /// starts the background worker (unless turned off).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), bmauth::StartError> {
    /// let bmauth = bmauth::BmAuth::builder(bmauth::Config::default()).start().await?;
    /// # Ok(()) }
    /// ```
    pub async fn start(self) -> Result<BmAuth, StartError> {
        let config = self.config;
        let validated = config.validate()?;
        let secret = load_or_create_secret(&config)?;
        let store = Store::connect(config.database_url.as_str()).await?;
        store.migrate().await?;
        let mailer = match &config.smtp.host {
            Some(_) => Mailer::Smtp(SmtpMailer::new(&config.smtp).map_err(StartError::Mail)?),
            None => {
                tracing::warn!(
                    "no SMTP configured: the development mailer writes mail (and PINs) to the log and to {}",
                    config.data_dir.join("outbox").display()
                );
                Mailer::Development(DevMailer::new(config.data_dir.join("outbox")))
            }
        };
        let metrics = Arc::new(metrics::Metrics::new());
        let outbox = Outbox::new(
            store.clone(),
            Sealer::new(&secret),
            mailer,
            self.clock.clone(),
            metrics.clone(),
        );
        let geoip =
            crate::core::GeoIp::open(config.geoip_database.as_deref()).map_err(|reason| {
                ConfigError::Invalid {
                    key: "geoip_database",
                    reason,
                }
            })?;
        let auth = Auth::new(
            &validated, &config, store, secret, self.clock, outbox, geoip,
        )?;
        let bmauth = BmAuth(Arc::new(Inner {
            auth,
            metrics,
            cookie_name: if validated.secure_cookies {
                // The __Host- prefix pins the cookie to this exact host over https.
                "__Host-bmauth_session"
            } else {
                "bmauth_session"
            },
            browser_cookie_name: if validated.secure_cookies {
                "__Host-bmauth_browser"
            } else {
                "bmauth_browser"
            },
            secure_cookies: validated.secure_cookies,
            origin_header: validated.origin.origin().ascii_serialization(),
            client_ip_header: config.client_ip_header.as_ref().map(|h| h.0.clone()),
            trusted_proxies: config.trusted_proxies.clone(),
            session_lifetime_secs: validated.session_lifetime.as_secs() as i64,
        }));
        if self.background_worker {
            worker::spawn(&bmauth);
        }
        Ok(bmauth)
    }
}

/// The configured secret, or in development one generated once and kept in the
/// data folder (readable by the owner only).
fn load_or_create_secret(config: &Config) -> Result<ServerSecret, StartError> {
    if let Some(secret) = &config.server_secret {
        return Ok(secret.clone());
    }
    let path = config.data_dir.join("server-secret");
    let fail = |reason: String| StartError::Secret {
        path: path.display().to_string(),
        reason,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => ServerSecret::from_base64(&text).map_err(|e| fail(e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret = ServerSecret::generate();
            write_private_file(&path, &secret.to_base64()).map_err(|e| fail(e.to_string()))?;
            tracing::info!(path = %path.display(), "generated a development server secret");
            Ok(secret)
        }
        Err(e) => Err(fail(e.to_string())),
    }
}

fn write_private_file(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(content.as_bytes())
}

impl BmAuth {
    /// A [`Builder`] for `config`, to set a clock or turn off the worker.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), bmauth::StartError> {
    /// let bmauth = bmauth::BmAuth::builder(bmauth::Config::default())
    ///     .background_worker(false)
    ///     .start()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn builder(config: Config) -> Builder {
        Builder {
            config,
            clock: Arc::new(SystemClock),
            background_worker: true,
        }
    }

    /// Validates `config`, connects and migrates the database, and starts the
    /// background worker.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let bmauth = bmauth::BmAuth::start(bmauth::Config::load("bmauth.toml".as_ref())?).await?;
    /// # Ok(()) }
    /// ```
    pub async fn start(config: Config) -> Result<Self, StartError> {
        Self::builder(config).start().await
    }

    /// The auth rules, for server functions and custom routes.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, token: bmauth::core::SessionToken) -> Result<(), bmauth::AuthError> {
    /// if let Some(user) = bmauth.core().session_user(&token).await? {
    ///     println!("{} is signed in", user.email);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn core(&self) -> &Auth {
        &self.0.auth
    }

    /// Ends the session these request headers carry, if any, and gives the
    /// `Set-Cookie` value that removes its cookie: for signing out outside the JSON
    /// API, from a server function or a form.
    ///
    /// ```no_run
    /// use axum::http::{HeaderMap, header};
    /// use axum::response::IntoResponse;
    ///
    /// async fn sign_out(
    ///     axum::Extension(bmauth): axum::Extension<bmauth::BmAuth>,
    ///     headers: HeaderMap,
    /// ) -> Result<impl IntoResponse, bmauth::ApiError> {
    ///     let clear_cookie = bmauth.sign_out(&headers).await?;
    ///     Ok(([(header::SET_COOKIE, clear_cookie)], "Signed out"))
    /// }
    /// ```
    pub async fn sign_out(&self, headers: &HeaderMap) -> Result<HeaderValue, AuthError> {
        let jar = axum_extra::extract::cookie::CookieJar::from_headers(headers);
        if let Some(token) = http::extract::session_token(self, &jar) {
            self.0.auth.end_session(&token).await?;
        }
        HeaderValue::try_from(self.expired_session_cookie().to_string())
            .map_err(|e| AuthError::internal("the sign-out cookie", e))
    }

    /// The JSON API under `/auth`, for any router state `S`, with the same
    /// protective headers the reference app sends.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth) {
    /// #[derive(Clone)]
    /// struct AppState { name: &'static str }
    ///
    /// let app: axum::Router = axum::Router::new()
    ///     .merge(bmauth.router())
    ///     .layer(bmauth.layer())
    ///     .with_state(AppState { name: "my app" });
    /// # }
    /// ```
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        http::security_headers(http::api_router(self), self.0.secure_cookies)
    }

    /// Makes [`AuthUser`] work in the routes this layer wraps.
    ///
    /// ```no_run
    /// # fn run(bmauth: bmauth::BmAuth) {
    /// use axum::routing::get;
    /// use bmauth::AuthUser;
    ///
    /// let app: axum::Router = axum::Router::new()
    ///     .route("/me", get(|AuthUser(user): AuthUser| async move { user.email }))
    ///     .layer(bmauth.layer());
    /// # }
    /// ```
    pub fn layer(&self) -> Extension<BmAuth> {
        Extension(self.clone())
    }

    /// Applies the database migrations of `config.database_url` and says which
    /// database it is (`sqlite` or `postgres`). [`BmAuth::start`] does it too.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// // Before a rolling deploy: migrate once, then start the new instances.
    /// let database = bmauth::BmAuth::migrate(&bmauth::Config::load("bmauth.toml".as_ref())?).await?;
    /// println!("{database} is up to date");
    /// # Ok(()) }
    /// ```
    pub async fn migrate(config: &Config) -> Result<&'static str, StartError> {
        config.validate()?;
        let store = Store::connect(config.database_url.as_str()).await?;
        store.migrate().await?;
        Ok(store.backend_name())
    }

    /// Which database this instance uses: `sqlite` or `postgres`.
    ///
    /// ```no_run
    /// # fn run(bmauth: bmauth::BmAuth) {
    /// tracing::info!(database = bmauth.database_name(), "started");
    /// # }
    /// ```
    pub fn database_name(&self) -> &'static str {
        self.0.auth.store.backend_name()
    }

    /// The probes for whatever runs the server, to merge into any `Router<S>`:
    /// `GET /healthz` answers `200 ok` while the process serves, `GET /readyz`
    /// `200 ready` when the database answers and `503 not_ready` when it does not.
    ///
    /// ```no_run
    /// # fn run(bmauth: bmauth::BmAuth) {
    /// let app: axum::Router = axum::Router::new().merge(bmauth.router()).merge(bmauth.health_router());
    /// # }
    /// ```
    pub fn health_router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        http::health::router(self)
    }

    /// The whole reference app: pages, JSON API, `/healthz` and `/readyz`, and
    /// security headers, with the browser bundle (`scripts/build-site`) served from
    /// `site_dir`.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth) -> std::io::Result<()> {
    /// let app = bmauth.app("target/site".as_ref());
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    /// let service = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    /// axum::serve(listener, service).await
    /// # }
    /// ```
    #[cfg(feature = "pages")]
    pub fn app(&self, site_dir: &Path) -> Router {
        let router = Router::new()
            .merge(http::api_router(self))
            .merge(self.health_router())
            .merge(pages::router(self, site_dir));
        http::security_headers(router, self.0.secure_cookies).layer(self.layer())
    }

    /// Prometheus metrics at `GET /metrics`, to merge into a router that only your
    /// monitoring reaches (the reference binary serves it on `metrics_listen`):
    /// API requests by route and outcome (`bmauth_requests_total`, where failed
    /// ceremonies and rate-limit refusals show by their error code), their latency
    /// (`bmauth_request_duration_seconds`), and mail sent, failed and queued.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth) -> std::io::Result<()> {
    /// let monitoring = tokio::net::TcpListener::bind("127.0.0.1:9464").await?;
    /// axum::serve(monitoring, bmauth.metrics_router::<()>()).await
    /// # }
    /// ```
    pub fn metrics_router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        Router::new()
            .route("/metrics", axum::routing::get(metrics::serve))
            .with_state(self.clone())
    }

    /// The settings BMAuth's pages follow, for an app that renders them itself: put
    /// it in each page request's extensions (the reference app does).
    ///
    /// ```no_run
    /// # fn run(bmauth: bmauth::BmAuth, mut request: axum::extract::Request) {
    /// request.extensions_mut().insert(bmauth.page_settings());
    /// # }
    /// ```
    #[cfg(feature = "pages")]
    pub fn page_settings(&self) -> bmauth_app::PageSettings {
        bmauth_app::PageSettings {
            new_device_shows_code: self.0.auth.new_device_shows_code(),
        }
    }

    pub(crate) fn metrics(&self) -> &Arc<metrics::Metrics> {
        &self.0.metrics
    }

    pub(crate) fn cookie_name(&self) -> &'static str {
        self.0.cookie_name
    }

    pub(crate) fn origin_header(&self) -> &str {
        &self.0.origin_header
    }

    pub(crate) fn client_ip_header(&self) -> Option<&HeaderName> {
        self.0.client_ip_header.as_ref()
    }

    pub(crate) fn trusted_proxies(&self) -> &[ipnet::IpNet] {
        &self.0.trusted_proxies
    }

    pub(crate) fn browser_cookie_name(&self) -> &'static str {
        self.0.browser_cookie_name
    }

    /// The browser-binding cookie: strict same-site, HttpOnly, a day from its last
    /// use (it is set again on every state-changing request).
    pub(crate) fn browser_cookie(&self, token: &BrowserToken) -> Cookie<'static> {
        let ttl = crate::core::policy::BROWSER_BINDING_TTL.as_secs() as i64;
        self.cookie(
            self.0.browser_cookie_name,
            token.as_str(),
            SameSite::Strict,
            time::Duration::seconds(ttl),
        )
    }

    pub(crate) fn session_cookie(&self, token: &SessionToken) -> Cookie<'static> {
        let lifetime = time::Duration::seconds(self.0.session_lifetime_secs);
        self.cookie(self.0.cookie_name, token.as_str(), SameSite::Lax, lifetime)
    }

    pub(crate) fn expired_session_cookie(&self) -> Cookie<'static> {
        self.cookie(self.0.cookie_name, "", SameSite::Lax, time::Duration::ZERO)
    }

    /// Every cookie BMAuth sets: HttpOnly, for the whole site, `Secure` on https.
    fn cookie(
        &self,
        name: &'static str,
        value: &str,
        same_site: SameSite,
        max_age: time::Duration,
    ) -> Cookie<'static> {
        Cookie::build((name, value.to_owned()))
            .http_only(true)
            .secure(self.0.secure_cookies)
            .same_site(same_site)
            .path("/")
            .max_age(max_age)
            .build()
    }
}
