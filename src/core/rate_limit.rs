//! Rate limits on everything that sends mail or guesses a secret, per account and
//! per client address, counted in the shared database.

use super::{Auth, AuthError, AuthResult, ClientInfo};

#[derive(Debug, Clone, Copy)]
pub(crate) enum Limit {
    /// Starting sign-ups and sign-ins (each writes a ceremony row).
    CeremoniesPerClient,
    /// Mail sent because of requests from one address.
    MailPerClient,
    /// Mail sent to one account.
    MailPerAccount,
    /// PIN guesses from one address, across accounts.
    PinGuessesPerClient,
}

impl Limit {
    /// (bucket prefix, most hits, window in seconds)
    fn rule(self) -> (&'static str, i64, i64) {
        match self {
            Self::CeremoniesPerClient => ("ceremony-ip", 60, 60),
            Self::MailPerClient => ("mail-ip", 20, 3600),
            Self::MailPerAccount => ("mail-account", 5, 3600),
            Self::PinGuessesPerClient => ("pin-ip", 30, 600),
        }
    }
}

pub(crate) fn client_key(client: &ClientInfo) -> String {
    // A deployment that loses the peer address still gets one shared limit
    // rather than none.
    client
        .ip
        .map_or_else(|| "unknown".into(), |ip| ip.to_string())
}

impl Auth {
    /// Counts a hit; refuses once the window's allowance is spent.
    pub(crate) async fn limit(&self, limit: Limit, key: &str) -> AuthResult<()> {
        let (prefix, max, window) = limit.rule();
        let now = self.now();
        let window_start = now - now.rem_euclid(window);
        let hits = self
            .store
            .hit_rate_limit(&format!("{prefix}:{key}"), window_start)
            .await?;
        if hits > max {
            tracing::warn!(limit = prefix, "rate limit reached");
            return Err(AuthError::RateLimited {
                retry_after_secs: (window_start + window - now).max(1) as u64,
            });
        }
        Ok(())
    }
}
