//! Where a code is exchanged (RFC 6749 §4.1.3) and what it gives: an ID token
//! signed by the provider's key (OIDC Core §3.1.3.7's claims) and an opaque access
//! token, stored as its hash, good for userinfo while the session it came from
//! lives. A code presented twice is refused and revokes what it gave (§4.1.2).

use std::collections::BTreeMap;

use compact_jwt::{JwsSigner, OidcSubject, OidcToken};
use subtle::ConstantTimeEq;

use super::super::{Auth, AuthResult};
use super::authorize::pkce_matches;
use crate::crypto::{hex, sha256};
use crate::model::{AccessToken, AuthorizationCode};
use crate::store::{CodeUse, TokenRow};

/// An ID token lives this long; the access token too.
pub(crate) const TOKEN_TTL_SECS: i64 = 600;

/// Why a token request was refused, as RFC 6749 §5.2 names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// A parameter is missing or malformed.
    InvalidRequest,
    /// The client is unknown, or its secret is wrong or missing (401).
    InvalidClient,
    /// The code is unknown, used, expired, someone else's, for another redirect
    /// URI, or its PKCE verifier is wrong; or its session has ended.
    InvalidGrant,
    /// Only `authorization_code` is spoken.
    UnsupportedGrantType,
}

impl TokenError {
    /// Its name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnsupportedGrantType => "unsupported_grant_type",
        }
    }
}

/// A token request (form fields), after the client's credentials are read from
/// either the `Authorization` header or the form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TokenRequest {
    /// `authorization_code`.
    pub grant_type: String,
    /// The code from the redirect.
    pub code: Option<String>,
    /// The same redirect URI as in the authorization request.
    pub redirect_uri: Option<String>,
    /// PKCE's verifier.
    pub code_verifier: Option<String>,
}

/// What a good code gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    /// Signed by the provider; for the client.
    pub id_token: String,
    /// Opaque; for userinfo.
    pub access_token: String,
    /// Seconds.
    pub expires_in: i64,
    /// What was granted.
    pub scope: String,
}

/// What userinfo says (OIDC Core §5.3.2).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserInfo {
    /// The account's stable id.
    pub sub: String,
    /// With the `email` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// With the `email` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
}

impl Auth {
    /// The issuer: the public URL, as discovery and every ID token say it (with its
    /// trailing slash, as a URL is written: `iss` must match it exactly).
    pub(crate) fn issuer(&self) -> String {
        self.origin().to_string()
    }

    /// Checks the client: a confidential one by its secret (compared as SHA-256,
    /// in constant time), a public one by having none.
    async fn authenticate_client(
        &self,
        client_id: &str,
        secret: Option<&str>,
    ) -> Result<super::clients::Client, TokenError> {
        let client = self
            .client(client_id)
            .await
            .map_err(|_| TokenError::InvalidClient)?
            .ok_or(TokenError::InvalidClient)?;
        let proven = match (&client.secret_hash, secret) {
            (Some(expected), Some(given)) => {
                let given = hex(&sha256(given.as_bytes()));
                bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
            }
            (None, None) => client.public,
            _ => false,
        };
        if proven {
            Ok(client)
        } else {
            Err(TokenError::InvalidClient)
        }
    }

    /// Exchanges a code for tokens.
    pub async fn exchange_code(
        &self,
        client_id: &str,
        client_secret: Option<&str>,
        request: &TokenRequest,
    ) -> AuthResult<Result<Tokens, TokenError>> {
        let client = match self.authenticate_client(client_id, client_secret).await {
            Ok(client) => client,
            Err(e) => return Ok(Err(e)),
        };
        if request.grant_type != "authorization_code" {
            return Ok(Err(TokenError::UnsupportedGrantType));
        }
        let (Some(code), Some(redirect_uri)) = (&request.code, &request.redirect_uri) else {
            return Ok(Err(TokenError::InvalidRequest));
        };
        // Anything `generate` could not have made is no code (RFC 6749 §5.2).
        let Some(code) = AuthorizationCode::parse(code) else {
            return Ok(Err(TokenError::InvalidGrant));
        };
        let now = self.now();
        let code_hash = code.id_hash();
        let issued = match self.store.use_code(&code_hash, now).await? {
            CodeUse::First(issued) => issued,
            CodeUse::Replayed => {
                tracing::warn!(client = %client.id, "a code was presented twice; its tokens are revoked");
                return Ok(Err(TokenError::InvalidGrant));
            }
            CodeUse::Unknown => return Ok(Err(TokenError::InvalidGrant)),
        };
        let pkce_ok = match (&issued.code_challenge, &request.code_verifier) {
            (Some(challenge), Some(verifier)) => pkce_matches(challenge, verifier),
            (None, None) => true,
            // A verifier for a code issued without a challenge, or none for one
            // issued with it (RFC 9700 §4.8.2: PKCE downgrade).
            _ => false,
        };
        let session_lives = self
            .store
            .session_user(&issued.session_hash, now, self.idle_cutoff(now))
            .await?;
        let Some(session) = session_lives else {
            return Ok(Err(TokenError::InvalidGrant));
        };
        if issued.client_id != client.id
            || &issued.redirect_uri != redirect_uri
            || issued.expires_at <= now
            || !pkce_ok
            || session.user_id != issued.user_id
        {
            return Ok(Err(TokenError::InvalidGrant));
        }
        let access_token = AccessToken::generate();
        self.store
            .insert_token(&TokenRow {
                token_hash: access_token.id_hash(),
                client_id: client.id.clone(),
                user_id: issued.user_id.clone(),
                session_hash: issued.session_hash.clone(),
                code_hash,
                scope: issued.scope.clone(),
                created_at: now,
                expires_at: now + TOKEN_TTL_SECS,
            })
            .await?;
        let mut claims = BTreeMap::new();
        if issued.scope.split(' ').any(|s| s == "email") {
            claims.insert("email".to_string(), serde_json::json!(session.email));
            claims.insert(
                "email_verified".to_string(),
                serde_json::json!(session.verified_at.is_some()),
            );
        }
        let token = OidcToken {
            iss: self
                .issuer()
                .parse()
                .map_err(|e| super::super::AuthError::internal("the issuer URL", e))?,
            sub: OidcSubject::U(
                uuid::Uuid::parse_str(issued.user_id.as_str())
                    .map_err(|e| super::super::AuthError::internal("a subject", e))?,
            ),
            aud: client.id.clone(),
            iat: now,
            nbf: None,
            exp: now + TOKEN_TTL_SECS,
            auth_time: Some(issued.auth_time),
            nonce: issued.nonce.clone(),
            at_hash: None,
            acr: None,
            // RFC 8176: a hardware-bound key, with the user verified.
            amr: Some(vec!["hwk".into(), "user".into()]),
            azp: None,
            jti: None,
            s_claims: Default::default(),
            claims,
        };
        let signer = self.current_signing_key().await?;
        let id_token = signer
            .sign(&token)
            .map_err(|e| {
                super::super::AuthError::internal("signing an ID token", format!("{e:?}"))
            })?
            .to_string();
        Ok(Ok(Tokens {
            id_token,
            access_token: access_token.as_str().to_string(),
            expires_in: TOKEN_TTL_SECS,
            scope: issued.scope,
        }))
    }

    /// What an access token may see (`None`: not a live token).
    pub async fn user_info(&self, access_token: &str) -> AuthResult<Option<UserInfo>> {
        let Some(token) = AccessToken::parse(access_token.trim()) else {
            return Ok(None);
        };
        let Some(owner) = self.store.token_owner(&token.id_hash(), self.now()).await? else {
            return Ok(None);
        };
        let email = owner.scope.split(' ').any(|s| s == "email");
        Ok(Some(UserInfo {
            sub: owner.user_id.as_str().to_string(),
            email: email.then(|| owner.email.clone()),
            email_verified: email.then_some(owner.verified_at.is_some()),
        }))
    }
}
