//! The handle an app holds: [`BmAuth`], its routers and the extractor's layer.

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::{Extension, Router};

use crate::auth::Auth;
#[cfg(feature = "pages")]
use crate::pages;
use crate::{AuthError, http, metrics};

/// Why a backup was not written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// Nothing is overwritten.
    #[error("{0} exists already: give a new file name")]
    Exists(std::path::PathBuf),
    /// SQLite takes the path as text.
    #[error("the backup's path must be UTF-8")]
    NotUtf8,
    /// PostgreSQL has its own tools.
    #[error("this server uses PostgreSQL: back it up with pg_dump (see the README)")]
    Postgres,
    /// The database refused.
    #[error("the backup failed: {0}")]
    Failed(String),
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
pub struct BmAuth(pub(crate) Arc<Inner>);

/// What a running BMAuth holds (`startup.rs` makes it).
pub(crate) struct Inner {
    pub(crate) auth: Auth,
    pub(crate) metrics: Arc<metrics::Metrics>,
    pub(crate) cookies: crate::cookies::Cookies,
    pub(crate) origin_header: String,
    pub(crate) client_ip_header: Option<HeaderName>,
    pub(crate) trusted_proxies: Vec<ipnet::IpNet>,
}

impl BmAuth {
    /// The auth rules, for server functions and custom routes.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, token: bmauth::auth::SessionToken) -> Result<(), bmauth::AuthError> {
    /// if let Some(user) = bmauth.auth().session_user(&token).await? {
    ///     println!("{} is signed in", user.email);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn auth(&self) -> &Auth {
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
            self.0.auth.sign_out(&token).await?;
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
        http::security_headers(http::api_router(self), self.0.cookies.https())
    }

    /// The OpenID Connect provider (work in progress: the code flow with PKCE,
    /// ES256 ID tokens, userinfo): `/.well-known/openid-configuration`,
    /// `/oauth/jwks`, `/oauth/authorize`, `/oauth/consent`, `/oauth/token`,
    /// `/oauth/userinfo`. Its consent page is the `pages` feature's
    /// `/auth/consent`; the reference app (`BmAuth::app`) mounts both.
    ///
    /// ```no_run
    /// # fn run(bmauth: bmauth::BmAuth) {
    /// let app: axum::Router = axum::Router::new().merge(bmauth.router()).merge(bmauth.oidc_router());
    /// # }
    /// ```
    pub fn oidc_router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        http::security_headers(http::oidc::router(self), self.0.cookies.https())
    }

    /// Forward auth for reverse proxies: `/auth/forward` (Caddy, Traefik),
    /// `/auth/forward/request` (nginx) and `/auth/forward/start`, for the hosts in
    /// `[[forward_auth.hosts]]`. The reference app (`BmAuth::app`) mounts it.
    ///
    /// ```no_run
    /// # fn run(bmauth: bmauth::BmAuth) {
    /// let app: axum::Router = axum::Router::new().merge(bmauth.router()).merge(bmauth.forward_router());
    /// # }
    /// ```
    pub fn forward_router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        http::security_headers(http::forward::router(self), self.0.cookies.https())
    }

    /// Makes [`AuthUser`](crate::AuthUser) work in the routes this layer wraps.
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

    /// Writes a consistent copy of the live SQLite database to `path`, which must
    /// not exist yet (it is made readable by this user only), while the server
    /// keeps serving (`bmauth backup`). Keep the
    /// data folder's `server-secret` beside it: without it, queued mail cannot be
    /// opened and the provider's signing keys cannot be used.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth) -> Result<(), bmauth::BackupError> {
    /// bmauth.backup("backups/bmauth-2026-12-07.db".as_ref()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn backup(&self, path: &std::path::Path) -> Result<(), BackupError> {
        if self.database_name() != "sqlite" {
            return Err(BackupError::Postgres);
        }
        // Absolute, so that SQLite never reads it as a `file:` URI.
        let path = std::path::absolute(path).map_err(|e| BackupError::Failed(e.to_string()))?;
        let text = path.to_str().ok_or(BackupError::NotUtf8)?.to_string();
        // Made here, empty, readable by this user only (it holds every account), and
        // only if nothing is there: not a file, not even a dangling symlink.
        let mut file = std::fs::OpenOptions::new();
        file.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
        if let Err(e) = file.open(&path) {
            return Err(match e.kind() {
                std::io::ErrorKind::AlreadyExists => BackupError::Exists(path),
                _ => BackupError::Failed(e.to_string()),
            });
        }
        match self.0.auth.store.backup_into(&text).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(BackupError::Postgres),
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                Err(BackupError::Failed(e.to_string()))
            }
        }
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
    pub fn app(&self, site_dir: &std::path::Path) -> Router {
        let router = Router::new()
            .merge(http::api_router(self))
            .merge(self.oidc_router())
            .merge(self.forward_router())
            .merge(self.health_router())
            .merge(pages::router(self, site_dir));
        http::security_headers(router, self.0.cookies.https()).layer(self.layer())
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
            .route("/metrics", axum::routing::get(http::metrics::serve))
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
            sign_up: match self.0.auth.sign_up_mode() {
                crate::config::SignUp::Open => bmauth_app::SignUpRule::Open,
                crate::config::SignUp::Invite => bmauth_app::SignUpRule::Invitation,
                crate::config::SignUp::Domains => bmauth_app::SignUpRule::Domains,
            },
        }
    }

    pub(crate) fn metrics(&self) -> &Arc<metrics::Metrics> {
        &self.0.metrics
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
}
