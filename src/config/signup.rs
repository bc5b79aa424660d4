//! Who may create an account (`signup`, `allowed_domains`).

use serde::{Deserialize, Serialize};

use super::{ConfigError, invalid};

/// Who may sign up (`signup = "open" | "invite" | "domains"`). An invitation made
/// by an administrator admits its one address whatever the mode.
///
/// ```
/// use bmauth::config::{Config, SignUp};
///
/// let config = Config {
///     signup: SignUp::Domains,
///     allowed_domains: vec!["example.com".into()],
///     ..Config::default()
/// };
/// assert!(config.validate().is_ok());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignUp {
    /// Anyone who reaches the site (the zero-configuration demo's default).
    #[default]
    Open,
    /// Only with an invitation for the address.
    Invite,
    /// Addresses at one of `allowed_domains`, or with an invitation.
    Domains,
}

impl SignUp {
    /// Its name in the configuration.
    ///
    /// ```
    /// assert_eq!(bmauth::config::SignUp::Invite.as_str(), "invite");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Invite => "invite",
            Self::Domains => "domains",
        }
    }
}

/// `allowed_domains` as compared with addresses (which are IDNA-encoded):
/// lower-case ASCII (punycode for an international name), without a leading `@`.
pub(crate) fn normalised_domains(domains: &[String]) -> Vec<String> {
    domains
        .iter()
        .map(|d| {
            let d = d.trim().trim_start_matches('@');
            idna::domain_to_ascii(d).unwrap_or_else(|_| d.to_lowercase())
        })
        .collect()
}

pub(super) fn validate(signup: SignUp, domains: &[String]) -> Result<(), ConfigError> {
    let normalised = normalised_domains(domains);
    if let Some(bad) = normalised
        .iter()
        .find(|d| d.is_empty() || d.contains(['@', '*', ' ', '/']) || !d.contains('.'))
    {
        return Err(invalid(
            "allowed_domains",
            format!("`{bad}` is not a domain name (write example.com: no @, no wildcard)"),
        ));
    }
    if signup == SignUp::Domains && normalised.is_empty() {
        return Err(invalid(
            "allowed_domains",
            "signup = \"domains\" needs at least one domain, e.g. [\"example.com\"]",
        ));
    }
    Ok(())
}
