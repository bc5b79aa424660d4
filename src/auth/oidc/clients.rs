//! Registered clients, and where a client may be sent back: a redirect URI must
//! equal one registered for that client, character for character (RFC 9700
//! §4.1.3: no wildcards, no prefix matching). Which may be registered is
//! `model::redirect`.

/// Whether `asked` is exactly one of `registered`.
pub(crate) fn matches_exactly(asked: &str, registered: &[String]) -> bool {
    registered.iter().any(|uri| uri == asked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_match_character_for_character() {
        let registered = vec!["https://app.example.com/cb".to_string()];
        assert!(matches_exactly("https://app.example.com/cb", &registered));
        for near in [
            "https://app.example.com/cb/",
            "https://app.example.com/cb?x=1",
            "https://app.example.com/CB",
            "https://app.example.com.evil.example/cb",
            "https://app.example.com/cb/../evil",
        ] {
            assert!(!matches_exactly(near, &registered), "{near}");
        }
    }
}

use super::super::{Auth, AuthResult};

/// A registered app: from the configuration, or added with `bmauth clients add`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// Its `client_id`.
    pub id: String,
    /// Its name, on the consent page.
    pub name: String,
    /// Where it may be sent back, matched exactly.
    pub redirect_uris: Vec<String>,
    /// Where it may be sent after signing out.
    pub post_logout_redirect_uris: Vec<String>,
    /// SHA-256 (hex) of its secret; none for a public client.
    pub(crate) secret_hash: Option<String>,
    /// No secret: PKCE is required.
    pub public: bool,
}

impl From<&crate::config::OidcClient> for Client {
    fn from(c: &crate::config::OidcClient) -> Self {
        Self {
            id: c.id.clone(),
            name: c.name.clone(),
            redirect_uris: c.redirect_uris.clone(),
            post_logout_redirect_uris: c.post_logout_redirect_uris.clone(),
            secret_hash: c.secret_hash.clone(),
            public: c.public,
        }
    }
}

impl Auth {
    /// The client with this id: the configuration's first, then the database's.
    pub(crate) async fn client(&self, id: &str) -> AuthResult<Option<Client>> {
        if let Some(configured) = self.settings.oidc_clients.iter().find(|c| c.id == id) {
            return Ok(Some(configured.into()));
        }
        let stored = self.store.clients().await?.into_iter().find(|c| c.id == id);
        Ok(stored.map(|row| Client {
            id: row.id,
            name: row.name,
            redirect_uris: serde_json::from_str(&row.redirect_uris).unwrap_or_default(),
            post_logout_redirect_uris: serde_json::from_str(&row.post_logout_redirect_uris)
                .unwrap_or_default(),
            public: row.secret_hash.is_none(),
            secret_hash: row.secret_hash,
        }))
    }
}
