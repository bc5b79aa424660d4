//! Start-up: the configuration checked, the secret found or made, the database
//! connected and migrated, the mailer chosen, the worker started.

use std::path::Path;
use std::sync::Arc;

use crate::auth::StorageError;
use crate::auth::{Auth, GeoIp};
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, ConfigError};
use crate::cookies::Cookies;
use crate::crypto::{Sealer, ServerSecret};
use crate::handle::Inner;
use crate::mail::{DevMailer, Mailer, Outbox, SmtpMailer};
use crate::store::Store;
use crate::store::StoreError;
use crate::{AuthError, BmAuth, metrics, worker};

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
#[non_exhaustive]
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
    Store(StorageError),
    /// The mail transport could not be set up.
    #[error("mail: {0}")]
    Mail(String),
    /// The auth rules could not be set up (e.g. WebAuthn configuration).
    #[error(transparent)]
    Auth(#[from] AuthError),
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
    /// Time comes from this clock (tests use [`ManualClock`](crate::ManualClock)).
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
        let geoip = GeoIp::open(config.geoip_database.as_deref()).map_err(|reason| {
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
            cookies: Cookies::new(validated.secure_cookies, validated.session_lifetime),
            origin_header: validated.origin.origin().ascii_serialization(),
            client_ip_header: config.client_ip_header.as_ref().map(|h| h.0.clone()),
            trusted_proxies: config.trusted_proxies.clone(),
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
}

impl From<StoreError> for StartError {
    fn from(e: StoreError) -> Self {
        Self::Store(e.into())
    }
}
