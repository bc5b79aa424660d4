//! Secret-bearing values from configuration: their `Debug` never shows the secret.

use serde::{Deserialize, Serialize};
use url::Url;

/// A password from configuration. `Debug` never shows it.
///
/// ```
/// use bmauth::config::Password;
///
/// assert_eq!(format!("{:?}", Password::new("s3cret")), "<redacted>");
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    ///
    /// ```
    /// let password = bmauth::config::Password::new(std::env::var("SMTP_PASSWORD").unwrap_or_default());
    /// ```
    pub fn new(password: impl Into<String>) -> Self {
        Self(password.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A database URL: `sqlite://path` or `postgres://…`. `Debug` hides its password.
///
/// ```
/// use bmauth::config::DatabaseUrl;
///
/// let url = DatabaseUrl::from("postgres://bmauth:s3cret@db.internal/bmauth");
/// assert!(!format!("{url:?}").contains("s3cret"));
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The URL as written.
    ///
    /// ```
    /// let url = bmauth::config::DatabaseUrl::from("sqlite://data/bmauth.db");
    /// assert!(url.as_str().starts_with("sqlite:"));
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<T: Into<String>> From<T> for DatabaseUrl {
    fn from(url: T) -> Self {
        Self(url.into())
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match Url::parse(&self.0) {
            Ok(mut parsed) if parsed.password().is_some() => {
                let _ = parsed.set_password(Some("<redacted>"));
                write!(f, "{:?}", parsed.as_str())
            }
            _ => write!(f, "{:?}", self.0),
        }
    }
}
