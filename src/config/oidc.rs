//! The OpenID Connect provider's configuration (`[oidc]`).

use serde::{Deserialize, Serialize};

use super::{ConfigError, invalid};

/// An app that signs its people in through BMAuth, declared in the configuration
/// (`[[oidc.clients]]`).
///
/// ```
/// use bmauth::config::{Config, OidcClient};
///
/// let mut config = Config::default();
/// config.oidc.clients.push(OidcClient {
///     id: "notes".into(),
///     name: "Acme Notes".into(),
///     redirect_uris: vec!["https://notes.example.com/auth/callback".into()],
///     post_logout_redirect_uris: vec![],
///     secret_hash: None,
///     public: true,
///     id_token_signed_response_alg: Default::default(),
///     allow: vec!["*@example.com".into()],
/// });
/// assert!(config.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcClient {
    /// Its `client_id`.
    pub id: String,
    /// What the consent page calls it.
    pub name: String,
    /// Where it may be sent back, matched exactly: https, or http to a loopback host.
    pub redirect_uris: Vec<String>,
    /// Where it may be sent after signing out, matched exactly.
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// SHA-256 (hex) of its `client_secret`, for a confidential client.
    #[serde(default)]
    pub secret_hash: Option<String>,
    /// A public client (a browser or native app): no secret, PKCE required.
    #[serde(default)]
    pub public: bool,
    /// How its ID tokens are signed: `ES256` (the default) or `RS256`, for an app
    /// whose library knows no other (OIDC Dynamic Client Registration §2's name).
    #[serde(default)]
    pub id_token_signed_response_alg: IdTokenAlg,
    /// Who may sign in to it: addresses and `*@domain` entries; empty (the
    /// default) lets everyone with an account in.
    #[serde(default)]
    pub allow: Vec<String>,
}

/// How an app's ID tokens are signed.
///
/// ```
/// let alg: bmauth::config::IdTokenAlg = serde_json::from_str("\"RS256\"").unwrap();
/// assert_eq!(alg.as_str(), "RS256");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[allow(clippy::upper_case_acronyms)]
pub enum IdTokenAlg {
    /// ECDSA with P-256 and SHA-256: small and fast; every current library has it.
    #[default]
    ES256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RSA 2048), for older libraries.
    RS256,
}

impl IdTokenAlg {
    /// Its name in JOSE (`alg`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ES256 => "ES256",
            Self::RS256 => "RS256",
        }
    }

    /// The algorithm named `name` (as stored), if BMAuth signs with it.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "ES256" => Some(Self::ES256),
            "RS256" => Some(Self::RS256),
            _ => None,
        }
    }
}

/// The OpenID Connect provider (`[oidc]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct OidcConfig {
    /// Clients declared here (`[[oidc.clients]]`).
    pub clients: Vec<OidcClient>,
}

impl OidcConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let mut ids = std::collections::HashSet::new();
        for client in &self.clients {
            if client.id.trim().is_empty() || !ids.insert(client.id.as_str()) {
                return Err(invalid(
                    "oidc.clients",
                    "every client needs an id of its own",
                ));
            }
            if client.public == client.secret_hash.is_some() {
                return Err(invalid(
                    "oidc.clients",
                    format!(
                        "client `{}`: give either secret_hash or public = true",
                        client.id
                    ),
                ));
            }
            let well_formed = |hash: &String| {
                hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            };
            if client.secret_hash.as_ref().is_some_and(|h| !well_formed(h)) {
                return Err(invalid(
                    "oidc.clients",
                    format!(
                        "client `{}`: secret_hash must be the SHA-256 of the secret in 64 lowercase hex digits (`printf %s \"$SECRET\" | sha256sum`)",
                        client.id
                    ),
                ));
            }
            if let Err(reason) = super::AllowList::parse(&client.allow) {
                return Err(invalid(
                    "oidc.clients",
                    format!("client `{}`: allow: {reason}", client.id),
                ));
            }
            if client.redirect_uris.is_empty() {
                return Err(invalid(
                    "oidc.clients",
                    format!("client `{}` has no redirect_uris", client.id),
                ));
            }
            for uri in client
                .redirect_uris
                .iter()
                .chain(&client.post_logout_redirect_uris)
            {
                if crate::model::redirect::registrable(uri).is_err() {
                    return Err(invalid(
                        "oidc.clients",
                        format!(
                            "client `{}`: `{uri}` must be https (http only to a loopback host), without a fragment",
                            client.id
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}
