//! Configuration, layered: defaults < `bmauth.toml` < `BMAUTH_*` environment < CLI
//! flags. Every key is documented in the README; `Config::validate` says which key
//! is wrong and why before anything starts.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use ipnet::IpNet;
pub use lettre::message::Mailbox;
use serde::{Deserialize, Serialize};
pub use url::Url;

pub use crate::crypto::ServerSecret;
pub use crate::model::{AllowList, HostName};

mod forward;
mod limits;
mod oidc;
mod secrets;
mod signup;

pub use forward::{ForwardAuthConfig, ForwardHost};
pub use limits::{Limits, LinkConfig, Rate};
pub use oidc::{IdTokenAlg, OidcClient, OidcConfig};
pub use secrets::{DatabaseUrl, Password};
pub use signup::SignUp;
pub(crate) use signup::normalised_domains;

/// How strict start-up is.
///
/// ```
/// use bmauth::config::{Config, Mode};
///
/// let config = Config { mode: Some(Mode::Production), ..Config::default() };
/// // Production asks for https, a server secret and SMTP before anything starts.
/// assert!(config.validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Generates and keeps a server secret in the data folder; mail may go to the log.
    #[default]
    Development,
    /// Requires an explicit server secret, https and SMTP.
    Production,
}

/// How the SMTP connection is protected.
///
/// ```
/// use bmauth::config::{SmtpConfig, SmtpTls};
///
/// let smtp = SmtpConfig { tls: SmtpTls::Tls, ..SmtpConfig::default() };
/// assert_eq!(smtp.port_or_default(), 465);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP. Only for a relay on the same machine.
    None,
    /// Plain connection upgraded with STARTTLS (usually port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

/// Where mail goes (`[smtp]`). Without a host, the development mailer.
///
/// ```
/// use bmauth::config::{Config, Password, SmtpConfig, SmtpTls};
///
/// let config = Config {
///     smtp: SmtpConfig {
///         host: Some("smtp.example.com".into()),
///         tls: SmtpTls::Starttls,
///         username: Some("bmauth".into()),
///         password: Some(Password::new("s3cret")),
///         from: Some("BMAuth <no-reply@example.com>".parse().unwrap()),
///         ..SmtpConfig::default()
///     },
///     ..Config::default()
/// };
/// assert!(config.validate().is_ok());
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    /// SMTP server host. When unset, the development mailer writes mail to the log.
    pub host: Option<String>,
    /// Port; by default 25, 587 or 465 as `tls` says.
    pub port: Option<u16>,
    /// How the connection is protected.
    pub tls: SmtpTls,
    /// User name, with `password`.
    pub username: Option<String>,
    /// Password, with `username`. Never printed.
    pub password: Option<Password>,
    /// Sender, e.g. `BMAuth <no-reply@example.com>`.
    pub from: Option<Mailbox>,
}

/// An HTTP header name from configuration, e.g. `x-forwarded-for`.
///
/// ```
/// use bmauth::Config;
///
/// // In bmauth.toml: client_ip_header = "x-forwarded-for"
/// let config: Config = serde_json::from_value(serde_json::json!({
///     "client_ip_header": "x-forwarded-for",
///     "trusted_proxies": ["10.0.0.0/8"],
/// }))
/// .unwrap();
/// assert_eq!(config.client_ip_header.unwrap().0, "x-forwarded-for");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderName(pub axum::http::HeaderName);

impl Serialize for HeaderName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.as_str())
    }
}

impl<'de> Deserialize<'de> for HeaderName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        axum::http::HeaderName::try_from(text.as_str())
            .map(Self)
            .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a header name")))
    }
}

impl SmtpConfig {
    /// The port, or the usual one for `tls`.
    ///
    /// ```
    /// assert_eq!(bmauth::config::SmtpConfig::default().port_or_default(), 587);
    /// ```
    pub fn port_or_default(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        })
    }
}

/// BMAuth's configuration. Every key is in `bmauth.example.toml` and the README;
/// [`Config::validate`] says which key is wrong and why.
///
/// ```
/// use bmauth::Config;
///
/// let config = Config {
///     public_url: "https://notes.example.com".parse().unwrap(),
///     rp_name: "Acme Notes".into(),
///     database_url: "postgres://localhost/notes".into(),
///     ..Config::default()
/// };
/// // https in development must be said explicitly.
/// assert!(config.validate().is_err());
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Unset means development; development with an https public URL must be said
    /// explicitly, so that a production site is never run in development by mistake.
    pub mode: Option<Mode>,
    /// The app's public URL: the link a person is sent to and the WebAuthn origin.
    pub public_url: Url,
    /// WebAuthn relying-party id: the public URL's host or a parent domain of it.
    /// Defaults to the public URL's host.
    pub rp_id: Option<String>,
    /// Name shown by the authenticator ("Sign in to <rp_name>").
    pub rp_name: String,
    /// `sqlite://path` (created if missing) or `postgres://…`.
    pub database_url: DatabaseUrl,
    /// Folder for the SQLite file, the development secret and the development outbox.
    pub data_dir: PathBuf,
    /// Base64 (32+ bytes). Keys the hashes of PINs and the sealing of queued mail.
    /// Generated into `data_dir/server-secret` in development; required in production.
    pub server_secret: Option<ServerSecret>,
    /// A session ends this long after sign-in, whatever happens.
    pub session_lifetime_hours: u64,
    /// A session ends after this long without use.
    pub session_idle_hours: u64,
    /// Header carrying the client address when behind a trusted proxy (e.g.
    /// `x-forwarded-for`). Read only from peers in `trusted_proxies`; the right-most
    /// address in it that is not a trusted proxy is the client. Unset: the peer address.
    pub client_ip_header: Option<HeaderName>,
    /// The reverse proxies (CIDRs) whose `client_ip_header` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// Who may sign up: `open`, `invite` (an invitation for the address) or
    /// `domains` (an address at one of `allowed_domains`, or an invitation).
    pub signup: SignUp,
    /// With `signup = "domains"`: the domains whose addresses may sign up, e.g.
    /// `["example.com"]` (exactly that domain; subdomains are not included).
    pub allowed_domains: Vec<String>,
    /// Rate limits (`[limits]`).
    pub limits: Limits,
    /// Adding a device by link (`[link]`).
    pub link: LinkConfig,
    /// A GeoIP2 / GeoLite2 City database (`.mmdb`), for showing roughly where a
    /// device asking to join an account is ("near Lyon, France"). Nothing is
    /// shipped or downloaded: without one, no place is guessed.
    pub geoip_database: Option<PathBuf>,
    /// The OpenID Connect provider (`[oidc]`).
    pub oidc: OidcConfig,
    /// Forward auth for reverse proxies (`[forward_auth]`).
    pub forward_auth: ForwardAuthConfig,
    /// Mail (`[smtp]`).
    pub smtp: SmtpConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            mode: None,
            public_url: Url::parse("http://localhost:3000").expect("a valid URL"),
            rp_id: None,
            rp_name: "BMAuth".into(),
            database_url: "sqlite://data/bmauth.db".into(),
            data_dir: PathBuf::from("data"),
            server_secret: None,
            session_lifetime_hours: 24 * 30,
            session_idle_hours: 24 * 7,
            client_ip_header: None,
            trusted_proxies: Vec::new(),
            signup: SignUp::default(),
            allowed_domains: Vec::new(),
            limits: Limits::default(),
            link: LinkConfig::default(),
            geoip_database: None,
            oidc: OidcConfig::default(),
            forward_auth: ForwardAuthConfig::default(),
            smtp: SmtpConfig::default(),
        }
    }
}

/// What is wrong with the configuration.
///
/// ```
/// use bmauth::{Config, ConfigError};
///
/// let config = Config { rp_id: Some("other.example".into()), ..Config::default() };
/// match config.validate() {
///     Err(ConfigError::Invalid { key, .. }) => assert_eq!(key, "rp_id"),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// It could not be read (a file, a value of the wrong type, an unknown key).
    #[error("could not read configuration: {0}")]
    Load(String),
    /// A value is not acceptable: `key` says which, `reason` why.
    #[error("configuration key `{key}`: {reason}")]
    Invalid {
        /// The key, e.g. `smtp.from`.
        key: &'static str,
        /// Why.
        reason: String,
    },
}

fn invalid(key: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        reason: reason.into(),
    }
}

/// What validation derives from the raw configuration (the WebAuthn origin and RP
/// id, cookie security, lifetimes): BMAuth's own, read by nothing else.
///
/// ```
/// let validated = bmauth::Config::default().validate();
/// assert!(validated.is_ok());
/// ```
#[derive(Debug, Clone)]
pub struct Validated {
    /// The WebAuthn origin (the public URL).
    pub(crate) origin: Url,
    /// The WebAuthn relying-party id.
    pub(crate) rp_id: String,
    /// Whether cookies are `Secure` (https).
    pub(crate) secure_cookies: bool,
    /// A session's absolute lifetime.
    pub(crate) session_lifetime: Duration,
    /// A session ends after this long unused.
    pub(crate) session_idle: Duration,
    /// How long a device that joined by a link is held back.
    pub(crate) new_device_cooldown: Duration,
}

impl Config {
    /// Loads defaults < `file` (if it exists) < `BMAUTH_*` environment. Nested keys
    /// in the environment use a double underscore: `BMAUTH_SMTP__HOST`.
    ///
    /// ```no_run
    /// let config = bmauth::Config::load("bmauth.toml".as_ref())?;
    /// # Ok::<(), bmauth::ConfigError>(())
    /// ```
    pub fn load(file: &std::path::Path) -> Result<Self, ConfigError> {
        Self::from_sources(&Self::sources(file), &[])
    }

    /// The layered sources (defaults < `file` < `BMAUTH_*`), for a program that
    /// keeps keys of its own beside BMAuth's (the reference binary's `listen` and
    /// `site_dir`): merge flags on top, read your keys from it, and give it to
    /// [`Config::from_sources`] with their names.
    pub fn sources(file: &std::path::Path) -> Figment {
        Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(file))
            // BMAUTH_CONFIG names the file (see the binary), it is not a key.
            .merge(Env::prefixed("BMAUTH_").split("__").ignore(&["config"]))
    }

    /// BMAuth's configuration from `sources`, leaving out the embedding program's
    /// own top-level `host_keys`. Any other unknown key is an error, so that a
    /// misspelt one never goes unnoticed.
    ///
    /// ```no_run
    /// use bmauth::Config;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct MyKeys { port: u16 }
    ///
    /// # fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// // One file, e.g. `port = 8080` beside `public_url = "https://example.com"`.
    /// let sources = Config::sources("app.toml".as_ref());
    /// let mine: MyKeys = sources.extract()?;
    /// let bmauth_config = Config::from_sources(&sources, &["port"])?;
    /// # Ok(()) }
    /// ```
    pub fn from_sources(sources: &Figment, host_keys: &[&str]) -> Result<Self, ConfigError> {
        Figment::from(Without {
            sources,
            keys: host_keys,
        })
        .extract()
        .map_err(|e| match e.path.is_empty() {
            true => ConfigError::Load(e.to_string()),
            false => ConfigError::Load(format!("key `{}`: {e}", e.path.join("."))),
        })
    }

    /// Checks every key, and derives what the rest of BMAuth needs.
    ///
    /// ```
    /// use bmauth::{Config, ConfigError};
    ///
    /// let config = Config { session_idle_hours: 0, ..Config::default() };
    /// assert!(matches!(config.validate(), Err(ConfigError::Invalid { key: "session_idle_hours", .. })));
    /// ```
    pub fn validate(&self) -> Result<Validated, ConfigError> {
        let origin = self.public_url.clone();
        let host = origin
            .host_str()
            .ok_or_else(|| invalid("public_url", "has no host"))?
            .to_ascii_lowercase();
        match origin.scheme() {
            "https" => {}
            "http" if host == "localhost" => {}
            "http" => {
                return Err(invalid(
                    "public_url",
                    "http is only allowed for localhost (browsers refuse passkeys elsewhere); use https",
                ));
            }
            other => {
                return Err(invalid(
                    "public_url",
                    format!("scheme `{other}` is not http(s)"),
                ));
            }
        }
        if origin.path() != "/" || origin.query().is_some() || origin.fragment().is_some() {
            return Err(invalid(
                "public_url",
                "must be an origin only (scheme, host, port), e.g. https://example.com",
            ));
        }
        let rp_id = self
            .rp_id
            .clone()
            .unwrap_or_else(|| host.clone())
            .to_ascii_lowercase();
        if host != rp_id && !host.ends_with(&format!(".{rp_id}")) {
            return Err(invalid(
                "rp_id",
                format!(
                    "`{rp_id}` must be the public URL's host `{host}` or a parent domain of it"
                ),
            ));
        }
        if self.rp_name.trim().is_empty() {
            return Err(invalid("rp_name", "must not be empty"));
        }
        let database_url = self.database_url.as_str();
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres")) {
            return Err(invalid(
                "database_url",
                "must start with sqlite: or postgres:// (postgresql:// also works)",
            ));
        }
        if self.session_lifetime_hours == 0 {
            return Err(invalid("session_lifetime_hours", "must be at least 1"));
        }
        if self.session_idle_hours == 0 || self.session_idle_hours > self.session_lifetime_hours {
            return Err(invalid(
                "session_idle_hours",
                "must be at least 1 and at most session_lifetime_hours",
            ));
        }
        if self.client_ip_header.is_some() && self.trusted_proxies.is_empty() {
            return Err(invalid(
                "trusted_proxies",
                "list the proxies (CIDRs) whose client_ip_header is believed; without them anyone could choose their own address",
            ));
        }
        signup::validate(self.signup, &self.allowed_domains)?;
        self.limits.validate()?;
        if self.link.new_device_cooldown_hours == 0 {
            return Err(invalid(
                "link.new_device_cooldown_hours",
                "must be at least 1: without a cool-down, a device the owner was tricked into approving could remove the owner's own",
            ));
        }
        self.validate_smtp()?;
        self.oidc.validate()?;
        self.forward_auth.validate()?;
        if self.mode.is_none() && origin.scheme() == "https" {
            return Err(invalid(
                "mode",
                "the public URL is https: set mode = \"production\" (or mode = \"development\" to try things out)",
            ));
        }
        if self.mode == Some(Mode::Production) {
            if self.server_secret.is_none() {
                return Err(invalid(
                    "server_secret",
                    "required in production (generate one with `openssl rand -base64 32`)",
                ));
            }
            if origin.scheme() != "https" {
                return Err(invalid("public_url", "must be https in production"));
            }
            if self.smtp.host.is_none() {
                return Err(invalid(
                    "smtp.host",
                    "required in production: the development mailer writes PINs to the log",
                ));
            }
        }
        Ok(Validated {
            secure_cookies: origin.scheme() == "https",
            origin,
            rp_id,
            session_lifetime: Duration::from_secs(self.session_lifetime_hours * 3600),
            session_idle: Duration::from_secs(self.session_idle_hours * 3600),
            new_device_cooldown: Duration::from_secs(self.link.new_device_cooldown_hours * 3600),
        })
    }

    fn validate_smtp(&self) -> Result<(), ConfigError> {
        let smtp = &self.smtp;
        let Some(host) = &smtp.host else {
            return Ok(());
        };
        if host.trim().is_empty() {
            return Err(invalid("smtp.host", "must not be empty"));
        }
        if smtp.from.is_none() {
            return Err(invalid("smtp.from", "required when smtp.host is set"));
        }
        if smtp.username.is_some() != smtp.password.is_some() {
            return Err(invalid(
                "smtp.password",
                "username and password go together",
            ));
        }
        if smtp.tls == SmtpTls::None && !is_loopback_host(host) {
            return Err(invalid(
                "smtp.tls",
                "`none` sends PINs in clear text: only for a relay on this machine (localhost); use starttls or tls",
            ));
        }
        Ok(())
    }
}

/// `sources` without some top-level keys.
struct Without<'a> {
    sources: &'a Figment,
    keys: &'a [&'a str],
}

impl figment::Provider for Without<'_> {
    fn metadata(&self) -> figment::Metadata {
        figment::Metadata::named("BMAuth configuration")
    }

    fn data(
        &self,
    ) -> Result<figment::value::Map<figment::Profile, figment::value::Dict>, figment::Error> {
        let mut data = self.sources.data()?;
        for dict in data.values_mut() {
            for key in self.keys {
                dict.remove(*key);
            }
        }
        Ok(data)
    }
}

/// Whether `ip` is in one of `networks`.
pub(crate) fn is_trusted(networks: &[IpNet], ip: IpAddr) -> bool {
    networks.iter().any(|net| net.contains(&ip))
}

fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests;
