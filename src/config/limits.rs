//! Rate limits (`[limits]`) and adding a device by link (`[link]`).

use serde::{Deserialize, Serialize};

use super::{ConfigError, invalid};

/// At most `max` hits per `per_secs` seconds (a fixed window).
///
/// ```
/// use bmauth::config::{Limits, Rate};
///
/// // Ten mails an hour to one address, instead of five.
/// let limits = Limits { mail_per_account: Rate::new(10, 3600), ..Limits::default() };
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    /// Hits allowed per window.
    pub max: u32,
    /// The window, in seconds.
    pub per_secs: u64,
}

impl Rate {
    /// `max` hits per `per_secs` seconds.
    ///
    /// ```
    /// let one_a_minute = bmauth::config::Rate::new(1, 60);
    /// assert_eq!(one_a_minute.per_secs, 60);
    /// ```
    pub const fn new(max: u32, per_secs: u64) -> Self {
        Self { max, per_secs }
    }
}

/// Rate limits, counted in the shared database. "client" is the client address
/// (IPv6 by its /64); "account" is the email address. Tight per account, generous
/// per client, so that a few hundred people behind one office NAT can all sign in
/// at nine in the morning.
///
/// ```
/// use bmauth::config::{Config, Limits, Rate};
///
/// let config = Config {
///     limits: Limits { ceremonies_per_client: Rate::new(5000, 600), ..Limits::default() },
///     ..Config::default()
/// };
/// assert!(config.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Sign-ins and sign-ups started from one client (each writes a ceremony; the
    /// sign-in page starts one for passkey autofill on every visit).
    pub ceremonies_per_client: Rate,
    /// PIN tries from one client, across accounts.
    pub pin_tries_per_client: Rate,
    /// PIN tries for one email address, across its sign-ups and browsers.
    pub pin_tries_per_account: Rate,
    /// Mails sent because of requests from one client.
    pub mail_per_client: Rate,
    /// Mails sent to one email address.
    pub mail_per_account: Rate,
    /// Links a new device asks for (`/auth/link/request`, the direction a phisher
    /// could relay) from one client.
    pub link_requests_per_client: Rate,
    /// Device links one account approves.
    pub link_approvals_per_account: Rate,
    /// Failed client authentications (a wrong client secret) at the token and
    /// revocation endpoints, per client address (not per client id, which anyone
    /// can name: that would let them lock an app out).
    pub client_auth_failures: Rate,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            ceremonies_per_client: Rate::new(1000, 600),
            pin_tries_per_client: Rate::new(100, 600),
            pin_tries_per_account: Rate::new(30, 24 * 3600),
            mail_per_client: Rate::new(100, 3600),
            mail_per_account: Rate::new(5, 3600),
            link_requests_per_client: Rate::new(10, 600),
            link_approvals_per_account: Rate::new(10, 3600),
            client_auth_failures: Rate::new(20, 600),
        }
    }
}

impl Limits {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let all = [
            ("limits.ceremonies_per_client", self.ceremonies_per_client),
            ("limits.pin_tries_per_client", self.pin_tries_per_client),
            ("limits.pin_tries_per_account", self.pin_tries_per_account),
            ("limits.mail_per_client", self.mail_per_client),
            ("limits.mail_per_account", self.mail_per_account),
            (
                "limits.link_requests_per_client",
                self.link_requests_per_client,
            ),
            (
                "limits.link_approvals_per_account",
                self.link_approvals_per_account,
            ),
            ("limits.client_auth_failures", self.client_auth_failures),
        ];
        for (key, rate) in all {
            if rate.max == 0 || rate.per_secs == 0 {
                return Err(invalid(key, "max and per_secs must both be at least 1"));
            }
        }
        Ok(())
    }
}

/// Adding a device by link (`[link]`).
///
/// ```
/// use bmauth::config::{Config, LinkConfig};
///
/// // A week of holding back a device added by a QR code, instead of a day.
/// let config = Config {
///     link: LinkConfig { new_device_cooldown_hours: 7 * 24, ..LinkConfig::default() },
///     ..Config::default()
/// };
/// assert!(config.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinkConfig {
    /// For this long after a device joined by a link (not by recovery), its sessions
    /// cannot remove the account's other passkeys or end their sessions: someone who
    /// talked the owner into approving it cannot lock the owner out. At least 1.
    pub new_device_cooldown_hours: u64,
    /// Whether a new device may show a code for a signed-in one to scan
    /// (`/auth/link/request`). That direction can be relayed by a phishing page;
    /// `false` turns it off, leaving the signed-in device showing the code (which
    /// the new device scans) and the proximity-checked path of the platform.
    pub new_device_shows_code: bool,
}

impl Default for LinkConfig {
    fn default() -> Self {
        Self {
            new_device_cooldown_hours: 24,
            new_device_shows_code: true,
        }
    }
}
