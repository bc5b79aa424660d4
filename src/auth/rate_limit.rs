//! Rate limits on everything that sends mail or guesses a secret, per account and
//! per client address, counted in the shared database. The numbers are
//! configuration (`[limits]`, see `crate::config::Limits`).

use std::net::IpAddr;

use super::{Auth, AuthError, AuthResult, ClientInfo};
use crate::clock::UnixTime;
use crate::config::Rate;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Limit {
    /// Starting sign-ups and sign-ins (each writes a ceremony row).
    CeremoniesPerClient,
    /// PIN tries from one client address, across accounts.
    PinTriesPerClient,
    /// PIN tries for one email address, across its sign-ups and browsers.
    PinTriesPerAccount,
    /// Mail sent because of requests from one client address.
    MailPerClient,
    /// Mail sent to one email address.
    MailPerAccount,
    /// Links asked for by new devices (the relayable direction), per client.
    LinkRequestsPerClient,
    /// Device links approved, per account.
    LinkApprovalsPerAccount,
    /// Failed client authentications at the token and revocation endpoints, per
    /// client address.
    ClientAuthFailures,
}

impl Limit {
    fn bucket(self) -> &'static str {
        match self {
            Self::CeremoniesPerClient => "ceremony-ip",
            Self::PinTriesPerClient => "pin-ip",
            Self::PinTriesPerAccount => "pin-account",
            Self::MailPerClient => "mail-ip",
            Self::MailPerAccount => "mail-account",
            Self::LinkRequestsPerClient => "link-request-ip",
            Self::LinkApprovalsPerAccount => "link-approval-account",
            Self::ClientAuthFailures => "client-auth-failure-ip",
        }
    }
}

/// The key a client address is counted under. IPv6 counts by /64: one subscriber
/// usually holds a whole /64, and keying by the full address would give them
/// endless buckets.
pub(crate) fn client_key(client: &ClientInfo) -> String {
    address_key(client.ip)
}

/// The key an address is counted (and compared) under: see `client_key`.
pub(crate) fn address_key(ip: Option<IpAddr>) -> String {
    match ip {
        Some(IpAddr::V4(ip)) => ip.to_string(),
        Some(IpAddr::V6(ip)) => match ip.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = ip.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        // A deployment that loses the peer address still gets one shared limit
        // rather than none (and a loud warning: see `crate::http::extract`).
        None => "unknown".into(),
    }
}

impl Auth {
    fn rate(&self, limit: Limit) -> Rate {
        let limits = &self.settings.limits;
        match limit {
            Limit::CeremoniesPerClient => limits.ceremonies_per_client,
            Limit::PinTriesPerClient => limits.pin_tries_per_client,
            Limit::PinTriesPerAccount => limits.pin_tries_per_account,
            Limit::MailPerClient => limits.mail_per_client,
            Limit::MailPerAccount => limits.mail_per_account,
            Limit::LinkRequestsPerClient => limits.link_requests_per_client,
            Limit::LinkApprovalsPerAccount => limits.link_approvals_per_account,
            Limit::ClientAuthFailures => limits.client_auth_failures,
        }
    }

    /// Refuses if `key` has already spent the window's allowance, without counting
    /// a hit: for limits that count only failures.
    pub(crate) async fn within_limit(&self, limit: Limit, key: &str) -> AuthResult<()> {
        let window = self.window(limit, key);
        let hits = self
            .store
            .rate_limit_hits(&window.bucket, window.start)
            .await?;
        window.judge(hits + 1)
    }

    /// The window `key`'s hit under `limit` falls in now.
    pub(crate) fn window(&self, limit: Limit, key: &str) -> Window {
        let rate = self.rate(limit);
        let length = i64::try_from(rate.per_secs).unwrap_or(i64::MAX);
        let now = self.now();
        let start = now - now.rem_euclid(length);
        Window {
            limit,
            bucket: format!("{}:{key}", limit.bucket()),
            start,
            allowed: i64::from(rate.max),
            retry_after_secs: (start.saturating_add(length) - now).max(1) as u64,
        }
    }

    /// Counts a hit; refuses once the window's allowance is spent.
    pub(crate) async fn limit(&self, limit: Limit, key: &str) -> AuthResult<()> {
        let window = self.window(limit, key);
        let hits = self
            .store
            .hit_rate_limit(&window.bucket, window.start)
            .await?;
        window.judge(hits)
    }
}

/// One key's counting window under a limit.
pub(crate) struct Window {
    limit: Limit,
    /// Where hits are counted: the limit and the key.
    pub(crate) bucket: String,
    pub(crate) start: UnixTime,
    /// Hits allowed in the window.
    pub(crate) allowed: i64,
    retry_after_secs: u64,
}

impl Window {
    /// Refuses when `hits` (this one included) are more than the window allows.
    pub(crate) fn judge(&self, hits: i64) -> AuthResult<()> {
        if hits > self.allowed {
            tracing::warn!(limit = self.limit.bucket(), "rate limit reached");
            return Err(AuthError::RateLimited {
                retry_after_secs: self.retry_after_secs,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::BrowserToken;

    fn key(ip: &str) -> String {
        client_key(&ClientInfo {
            ip: Some(ip.parse().unwrap()),
            user_agent: None,
            browser: BrowserToken::generate(),
        })
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:ffff:1:2:3"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7", "IPv4-mapped is IPv4");
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
    }
}
