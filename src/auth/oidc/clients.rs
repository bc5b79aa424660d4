//! Registered clients, and where a client may be sent back: a redirect URI must
//! equal one registered for that client, character for character (RFC 9700
//! §4.1.3: no wildcards, no prefix matching). Which may be registered is
//! `model::redirect`.

/// Whether `asked` is exactly one of `registered`.
pub(crate) fn matches_exactly(asked: &str, registered: &[String]) -> bool {
    registered.iter().any(|uri| uri == asked)
}

use subtle::ConstantTimeEq;

use super::super::rate_limit::{Limit, client_key};
use super::super::{Auth, AuthError, AuthResult, ClientInfo};
use super::tokens::TokenError;
use crate::config::IdTokenAlg;
use crate::crypto::{b64url, hex, random_bytes, sha256};
use crate::model::AllowList;
use crate::model::redirect::registrable;
use crate::store::ClientRow;

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
    /// How its ID tokens are signed.
    pub id_token_alg: IdTokenAlg,
    /// Who may sign in to it (everyone with an account, when empty).
    pub allow: Vec<String>,
    /// The same, parsed.
    pub(crate) allowed: AllowList,
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
            id_token_alg: c.id_token_signed_response_alg,
            // Checked when the configuration was.
            allowed: AllowList::parse(&c.allow).unwrap_or_default(),
            allow: c.allow.clone(),
        }
    }
}

impl Auth {
    /// The client with this id: the configuration's first, then the database's.
    pub(crate) async fn client(&self, id: &str) -> AuthResult<Option<Client>> {
        if let Some(configured) = self.settings.oidc_clients.iter().find(|c| c.id == id) {
            return Ok(Some(configured.into()));
        }
        Ok(self.store.client(id).await?.map(Client::from))
    }
}

/// An app to register (`bmauth clients add`).
#[derive(Debug, Clone, Default)]
pub struct AppRegistration {
    /// What the consent page and the account page call it.
    pub name: String,
    /// Where it may be sent back, matched exactly.
    pub redirect_uris: Vec<String>,
    /// Where it may send people after signing out.
    pub post_logout_redirect_uris: Vec<String>,
    /// A browser or native app: no secret, PKCE required.
    pub public: bool,
    /// How its ID tokens are signed.
    pub id_token_alg: IdTokenAlg,
    /// Who may sign in to it: addresses and `*@domain`; empty: everyone.
    pub allow: Vec<String>,
}

/// A client registered with `bmauth clients add`: its secret is shown once.
pub struct NewClient {
    /// Its `client_id`.
    pub id: String,
    /// Its `client_secret` (none for a public client): shown once, stored as a hash.
    pub secret: Option<String>,
}

impl std::fmt::Debug for NewClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewClient")
            .field("id", &self.id)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Why a client cannot be registered.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    /// The name is empty.
    #[error("give the app a name (--name)")]
    NoName,
    /// No redirect URI.
    #[error("give at least one --redirect-uri")]
    NoRedirectUri,
    /// An `--allow` entry that is neither an address nor `*@domain`.
    #[error("--allow {0}")]
    BadAllow(String),
    /// A redirect URI that may not be registered.
    #[error(
        "`{0}` cannot be registered: use https (http only to a loopback host), without a fragment"
    )]
    BadUri(String),
    /// The database failed.
    #[error(transparent)]
    Auth(#[from] AuthError),
}

fn secret_hash(secret: &str) -> String {
    hex(&sha256(secret.as_bytes()))
}

impl Auth {
    /// Checks the client at the token or revocation endpoint: a confidential one by
    /// its secret (SHA-256, compared in constant time), a public one by having none.
    /// Failures count against `limits.client_auth_failures` per client address:
    /// beyond it, that address waits (`AuthError::RateLimited`), even with a right
    /// secret. (Not per client id:
    /// ids are public, and anyone could then lock an app out.)
    pub(crate) async fn authenticate_client(
        &self,
        client_id: &str,
        secret: Option<&str>,
        from: &ClientInfo,
    ) -> AuthResult<Result<Client, TokenError>> {
        let address = client_key(from);
        self.within_limit(Limit::ClientAuthFailures, &address)
            .await?;
        let client = self.client(client_id).await?;
        let proven = match (&client, secret) {
            (
                Some(Client {
                    secret_hash: Some(expected),
                    ..
                }),
                Some(given),
            ) => bool::from(secret_hash(given).as_bytes().ct_eq(expected.as_bytes())),
            (
                Some(Client {
                    secret_hash: None,
                    public: true,
                    ..
                }),
                None,
            ) => true,
            _ => false,
        };
        match client {
            Some(client) if proven => Ok(Ok(client)),
            _ => {
                tracing::info!(client = %client_id.chars().take(64).collect::<String>(), "client authentication failed");
                self.limit(Limit::ClientAuthFailures, &address).await?;
                // Unknown, the wrong secret, or a secret for a public client.
                Ok(Err(TokenError::InvalidClient))
            }
        }
    }

    /// Registers an app (`bmauth clients add`): a confidential one gets a secret,
    /// returned once and stored as its SHA-256.
    pub async fn add_client(&self, app: &AppRegistration) -> Result<NewClient, RegistrationError> {
        let AppRegistration {
            name,
            redirect_uris,
            post_logout_redirect_uris,
            public,
            id_token_alg,
            allow,
        } = app;
        let public = *public;
        AllowList::parse(allow).map_err(RegistrationError::BadAllow)?;
        if name.trim().is_empty() {
            return Err(RegistrationError::NoName);
        }
        if redirect_uris.is_empty() {
            return Err(RegistrationError::NoRedirectUri);
        }
        if let Some(bad) = redirect_uris
            .iter()
            .chain(post_logout_redirect_uris)
            .find(|uri| registrable(uri).is_err())
        {
            return Err(RegistrationError::BadUri(bad.clone()));
        }
        let id = hex(&random_bytes::<16>());
        let secret = (!public).then(|| b64url(&random_bytes::<32>()));
        let json = |uris: &[String]| serde_json::to_string(uris).unwrap_or_else(|_| "[]".into());
        self.store
            .add_client(&ClientRow {
                id: id.clone(),
                name: name.trim().to_string(),
                redirect_uris: json(redirect_uris),
                post_logout_redirect_uris: json(post_logout_redirect_uris),
                secret_hash: secret.as_deref().map(secret_hash),
                id_token_signed_response_alg: id_token_alg.as_str().into(),
                created_at: self.now(),
                allowed_people: json(allow),
            })
            .await
            .map_err(AuthError::from)?;
        Ok(NewClient { id, secret })
    }

    /// Every registered app: the configuration's, then those added with the CLI.
    pub async fn clients(&self) -> AuthResult<Vec<Client>> {
        let mut all: Vec<Client> = self
            .settings
            .oidc_clients
            .iter()
            .map(Client::from)
            .collect();
        all.extend(self.store.clients().await?.into_iter().map(Client::from));
        Ok(all)
    }

    /// Removes an app added with the CLI, with everything it was given: consent,
    /// codes and tokens. False if there is no such app in the database.
    pub async fn remove_client(&self, id: &str) -> AuthResult<bool> {
        Ok(self.store.remove_client(id).await?)
    }
}

impl From<ClientRow> for Client {
    fn from(row: ClientRow) -> Self {
        // Checked when it was registered.
        let allow: Vec<String> = serde_json::from_str(&row.allowed_people).unwrap_or_default();
        Self {
            id: row.id,
            name: row.name,
            redirect_uris: serde_json::from_str(&row.redirect_uris).unwrap_or_default(),
            post_logout_redirect_uris: serde_json::from_str(&row.post_logout_redirect_uris)
                .unwrap_or_default(),
            public: row.secret_hash.is_none(),
            secret_hash: row.secret_hash,
            // Only these two are ever stored.
            id_token_alg: IdTokenAlg::parse(&row.id_token_signed_response_alg).unwrap_or_default(),
            allowed: AllowList::parse(&allow).unwrap_or_default(),
            allow,
        }
    }
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
