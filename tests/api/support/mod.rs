//! The test harness: the real server on a random loopback port, over real HTTP,
//! on SQLite or PostgreSQL, with a manual clock and a real SMTP sink.

pub mod authenticator;
pub mod mail_sink;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bmauth::config::{ServerSecret, SmtpTls};
use bmauth::testing::{Store, Table};
use bmauth::{BmAuth, Config, ManualClock};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub use authenticator::Authenticator;
pub use mail_sink::MailSink;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

fn postgres_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A database of its own for one test: a file, or a fresh PostgreSQL schema.
pub async fn fresh_database(backend: Backend, folder: &std::path::Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}/bmauth.db", folder.display()),
        Backend::Postgres => {
            let schema = format!(
                "bmauth_t_{}",
                bmauth::testing::hex(&rand::random::<[u8; 8]>())
            );
            let admin = sqlx::PgPool::connect(&postgres_url())
                .await
                .expect("PostgreSQL reachable");
            // Schemas left by earlier runs go when a new run starts.
            static CLEANED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
            CLEANED
                .get_or_init(|| async {
                    let stale: Vec<String> = sqlx::query_scalar(
                        "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'bmauth_t_%'",
                    )
                    .fetch_all(&admin)
                    .await
                    .unwrap();
                    for schema in stale {
                        let drop = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
                        let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&admin).await;
                    }
                })
                .await;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&admin)
                .await
                .unwrap();
            admin.close().await;
            let separator = if postgres_url().contains('?') {
                '&'
            } else {
                '?'
            };
            format!(
                "{}{separator}options=-c%20search_path%3D{schema}",
                postgres_url()
            )
        }
    }
}

/// The reference app, with whatever browser bundle the checkout has.
pub fn reference_app(bmauth: &BmAuth) -> axum::Router {
    bmauth.app("target/site".as_ref())
}

pub struct Instance {
    pub bmauth: BmAuth,
    pub base: String,
}

/// What every instance of one test app shares.
struct Shared {
    origin: String,
    clock: ManualClock,
    database_url: String,
    secret: ServerSecret,
    folder: tempfile::TempDir,
    configure: fn(&mut Config),
    router: fn(&BmAuth) -> axum::Router,
}

impl Shared {
    fn config_with(&self, smtp_port: u16, configure: fn(&mut Config)) -> Config {
        let mut config = Config {
            public_url: self.origin.parse().unwrap(),
            database_url: self.database_url.clone().into(),
            data_dir: self.folder.path().to_path_buf(),
            server_secret: Some(self.secret.clone()),
            ..Config::default()
        };
        config.smtp.host = Some("127.0.0.1".into());
        config.smtp.port = Some(smtp_port);
        config.smtp.tls = SmtpTls::None;
        config.smtp.from = Some("BMAuth <no-reply@bmauth.test>".parse().unwrap());
        configure(&mut config);
        config
    }

    async fn serve(&self, listener: tokio::net::TcpListener, smtp_port: u16) -> Instance {
        self.serve_with(listener, smtp_port, self.configure).await
    }

    async fn serve_with(
        &self,
        listener: tokio::net::TcpListener,
        smtp_port: u16,
        configure: fn(&mut Config),
    ) -> Instance {
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let bmauth = BmAuth::builder(self.config_with(smtp_port, configure))
            .clock(Arc::new(self.clock.clone()))
            .background_worker(false)
            .start()
            .await
            .expect("BMAuth starts");
        let app = (self.router)(&bmauth).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Instance { bmauth, base }
    }
}

pub struct TestApp {
    pub backend: Backend,
    pub origin: String,
    pub clock: ManualClock,
    pub mail: MailSink,
    main: Instance,
    shared: Shared,
}

impl TestApp {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    /// Starts with `configure` applied to the test configuration.
    pub async fn start_with(backend: Backend, configure: fn(&mut Config)) -> Self {
        let mail = MailSink::start();
        let port = mail.port;
        Self::start_on(backend, port, mail, configure, reference_app).await
    }

    /// Serves `router` (an app that mounts BMAuth) instead of the reference app.
    pub async fn start_serving(backend: Backend, router: fn(&BmAuth) -> axum::Router) -> Self {
        let mail = MailSink::start();
        let port = mail.port;
        Self::start_on(backend, port, mail, |_| {}, router).await
    }

    /// Starts with mail going to `smtp_port` (which may have nothing listening).
    pub async fn start_with_smtp_port(backend: Backend, smtp_port: u16, mail: MailSink) -> Self {
        Self::start_on(backend, smtp_port, mail, |_| {}, reference_app).await
    }

    async fn start_on(
        backend: Backend,
        smtp_port: u16,
        mail: MailSink,
        configure: fn(&mut Config),
        router: fn(&BmAuth) -> axum::Router,
    ) -> Self {
        let folder = tempfile::tempdir().unwrap();
        let database_url = fresh_database(backend, folder.path()).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let shared = Shared {
            origin: format!("http://localhost:{}", listener.local_addr().unwrap().port()),
            clock: ManualClock::starting_now(),
            database_url,
            secret: ServerSecret::generate(),
            folder,
            configure,
            router,
        };
        Self::serve_shared(backend, listener, shared, smtp_port, mail).await
    }

    async fn serve_shared(
        backend: Backend,
        listener: tokio::net::TcpListener,
        shared: Shared,
        smtp_port: u16,
        mail: MailSink,
    ) -> Self {
        let main = shared.serve(listener, smtp_port).await;
        Self {
            backend,
            origin: shared.origin.clone(),
            clock: shared.clock.clone(),
            mail,
            main,
            shared,
        }
    }

    /// A new server, as on another machine, on `database_url` (a restored backup)
    /// with this app's configuration and server secret (kept beside the backup).
    pub async fn restored(&self, database_url: String) -> Self {
        let mail = MailSink::start();
        let port = mail.port;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let shared = Shared {
            origin: format!("http://localhost:{}", listener.local_addr().unwrap().port()),
            clock: self.clock.clone(),
            database_url,
            secret: self.shared.secret.clone(),
            folder: tempfile::tempdir().unwrap(),
            configure: self.shared.configure,
            router: self.shared.router,
        };
        Self::serve_shared(self.backend, listener, shared, port, mail).await
    }

    /// Another instance on the same database and secret, as behind a load balancer.
    pub async fn second_instance(&self) -> Instance {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        self.shared.serve(listener, self.mail.port).await
    }

    /// The same server restarted with `configure` applied instead (the same
    /// database, secret and public URL): a change of settings.
    pub async fn reconfigured(&self, configure: fn(&mut Config)) -> Instance {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        self.shared
            .serve_with(listener, self.mail.port, configure)
            .await
    }

    pub fn bmauth(&self) -> &BmAuth {
        &self.main.bmauth
    }

    pub fn store(&self) -> &Store {
        self.main.bmauth.auth().store()
    }

    pub async fn rows(&self, table: Table) -> i64 {
        self.store().count_rows(table).await.unwrap()
    }

    /// A browser: its own cookies, and its own authenticator.
    pub fn browser(&self) -> Browser {
        self.browser_at("127.0.0.1".parse().unwrap())
    }

    /// A browser on a machine of its own: its requests come from `address` (any
    /// 127.x.y.z reaches the server), as a visitor's have their own address.
    pub fn browser_at(&self, address: std::net::IpAddr) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .local_address(address)
                // Tests look at redirects themselves.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: self.main.base.clone(),
            origin: self.origin.clone(),
            authenticator: Authenticator::new(&self.origin),
        }
    }

    /// A browser behind a reverse proxy that says it is `client_ip` (in
    /// `X-Forwarded-For`; believed only by an app configured to trust the proxy).
    pub fn browser_forwarded_for(&self, client_ip: &str) -> Browser {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-forwarded-for", client_ip.parse().unwrap());
        Browser {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .default_headers(headers)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: self.main.base.clone(),
            origin: self.origin.clone(),
            authenticator: Authenticator::new(&self.origin),
        }
    }

    pub fn base(&self) -> &str {
        &self.main.base
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Moves the clock to the top of the next hour: rate limits count in fixed
    /// hourly windows, and a test that spans minutes must not straddle two.
    pub fn advance_to_the_hour(&self) {
        let now = bmauth::Clock::now(&self.clock);
        self.clock
            .advance(Duration::from_secs((3600 - now.rem_euclid(3600)) as u64));
    }
}

/// One browser (cookies) with its device's authenticator.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    pub origin: String,
    pub authenticator: Authenticator,
}

#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("<none>")
    }

    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status.as_u16(), self.code()),
            (status, code),
            "unexpected answer: {}",
            self.body
        );
        assert!(
            self.body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }

    #[track_caller]
    pub fn expect_ok(&self) -> &Value {
        assert!(
            self.status.is_success(),
            "expected success, got {} {}",
            self.status,
            self.body
        );
        &self.body
    }
}

impl Browser {
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer {
            status,
            body,
            headers,
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(
            self.http
                .post(format!("{}{path}", self.base))
                .header("origin", &self.origin)
                .json(&body),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    pub async fn register_begin(&self, email: &str) -> Answer {
        self.post("/auth/register/begin", json!({ "email": email }))
            .await
    }

    /// Sign-up up to the PIN with the invitation link's token.
    pub async fn register_invited(&mut self, email: &str, invitation: &str) -> Answer {
        let options = self
            .post(
                "/auth/register/begin",
                json!({ "email": email, "invitation": invitation }),
            )
            .await;
        if !options.status.is_success() {
            return options;
        }
        let credential = self.authenticator.create(&options.body);
        self.register_complete(email, credential).await
    }

    pub async fn register_complete(&self, email: &str, credential: Value) -> Answer {
        self.post(
            "/auth/register/complete",
            json!({ "email": email, "credential": credential }),
        )
        .await
    }

    /// Sign-up up to the PIN: options, passkey, stored.
    pub async fn register(&mut self, email: &str) -> Answer {
        let options = self.register_begin(email).await;
        let credential = self.authenticator.create(options.expect_ok());
        self.register_complete(email, credential).await
    }

    pub async fn verify(&self, email: &str, pin: &str) -> Answer {
        self.post("/auth/verify-email", json!({ "email": email, "pin": pin }))
            .await
    }

    /// Sign-up, PIN from the mail, confirmed and signed in.
    pub async fn sign_up(&mut self, app: &TestApp, email: &str) {
        self.register(email).await.expect_ok();
        let pin = app.mail.last_pin_for(email);
        self.verify(email, &pin).await.expect_ok();
    }

    /// The same, with an invitation link's token.
    pub async fn sign_up_invited(&mut self, app: &TestApp, email: &str, invitation: &str) {
        self.register_invited(email, invitation).await.expect_ok();
        let pin = app.mail.last_pin_for(email);
        self.verify(email, &pin).await.expect_ok();
    }

    pub async fn login_begin(&self, email: &str) -> Value {
        self.post("/auth/login/begin", json!({ "email": email }))
            .await
            .expect_ok()
            .clone()
    }

    pub async fn login_complete(&self, email: &str, credential: Value) -> Answer {
        self.post(
            "/auth/login/complete",
            json!({ "email": email, "credential": credential }),
        )
        .await
    }

    /// Sign-in with this device's passkey.
    pub async fn sign_in(&mut self, email: &str) -> Answer {
        let options = self.login_begin(email).await;
        let credential = self
            .authenticator
            .get(&options)
            .expect("this device has a passkey");
        self.login_complete(email, credential).await
    }

    pub async fn me(&self) -> Answer {
        self.get("/auth/me").await
    }

    /// Recovery on this device, as a person who lost theirs: a code by mail, then
    /// this device's own passkey; signed in.
    pub async fn recover(&mut self, app: &TestApp, email: &str) {
        let mails = app.mail.to(email).len();
        self.post("/auth/recover/begin", json!({ "email": email }))
            .await
            .expect_ok();
        let pin = app.mail.wait_for(email, mails + 1).await[mails].pin();
        let token = self
            .post(
                "/auth/recover/verify",
                json!({ "email": email, "pin": pin }),
            )
            .await
            .expect_ok()["token"]
            .clone();
        let options = self
            .post("/auth/link/register/begin", json!({ "token": token }))
            .await;
        let credential = self.authenticator.create(options.expect_ok());
        self.post(
            "/auth/link/register/complete",
            json!({ "token": token, "credential": credential }),
        )
        .await
        .expect_ok();
    }

    /// Confirms it's the owner with this device's passkey: the session is fresh.
    pub async fn reauthenticate(&mut self) -> Answer {
        let options = self.post("/auth/reauth/begin", json!({})).await;
        let credential = self
            .authenticator
            .get(options.expect_ok())
            .expect("this device has a passkey");
        self.post("/auth/reauth/complete", json!({ "credential": credential }))
            .await
    }
}

/// Like `both_backends!`, with `configure` applied to each app's configuration.
#[macro_export]
macro_rules! both_backends_with {
    ($configure:ident; $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let app = $crate::support::TestApp::start_with($crate::support::Backend::Sqlite, super::$configure).await;
                super::$name(app).await
            }

            #[tokio::test]
            async fn postgres() {
                let app = $crate::support::TestApp::start_with($crate::support::Backend::Postgres, super::$configure).await;
                super::$name(app).await
            }
        }
    )*};
}

/// Runs each named `async fn(TestApp)` once on SQLite and once on PostgreSQL, as
/// the tests `<name>::sqlite` and `<name>::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let app = $crate::support::TestApp::start($crate::support::Backend::Sqlite).await;
                super::$name(app).await
            }

            #[tokio::test]
            async fn postgres() {
                let app = $crate::support::TestApp::start($crate::support::Backend::Postgres).await;
                super::$name(app).await
            }
        }
    )*};
}
