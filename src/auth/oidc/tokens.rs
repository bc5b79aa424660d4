//! Where a code is exchanged (RFC 6749 §4.1.3) and a refresh token rotated (§6),
//! and what they give: an ID token signed by the provider's key, an opaque access
//! token (stored as its hash, good for userinfo), and with `offline_access` a
//! refresh token. A code presented twice, or a refresh token used twice, is refused
//! and revokes its whole family (§4.1.2; RFC 9700 §4.14.2).

use super::super::{Auth, AuthResult, ClientInfo};
use super::authorize::pkce_matches;
use super::clients::Client;
use super::id_token::{IdTokenFor, has_scope};
use crate::clock::UnixTime;
use crate::model::{AccessToken, AuthorizationCode, CredentialId, RefreshToken, UserId};
use crate::store::{Presented, TokenRow};

/// An ID token lives this long; the access token too.
pub(crate) const TOKEN_TTL_SECS: i64 = 600;
/// A refresh token lives this long unused; each use gives a new one.
pub(crate) const REFRESH_TTL_SECS: i64 = 30 * 86_400;

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
    /// Only `authorization_code` and `refresh_token` are spoken.
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
/// either the `Authorization` header or the form. (No `Debug`: it holds a code or
/// a refresh token.)
#[derive(Clone, Default, serde::Deserialize)]
pub struct TokenRequest {
    /// `authorization_code` or `refresh_token` (missing at revocation).
    #[serde(default)]
    pub grant_type: String,
    /// The code from the redirect.
    pub code: Option<String>,
    /// The same redirect URI as in the authorization request.
    pub redirect_uri: Option<String>,
    /// PKCE's verifier.
    pub code_verifier: Option<String>,
    /// For `refresh_token`.
    pub refresh_token: Option<String>,
}

/// What a good code or refresh token gives. (No `Debug`: it is all secrets.)
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    /// Signed by the provider; for the client. Not given again on a refresh
    /// (OIDC Core §12.2 allows it): the person did not sign in again.
    pub id_token: Option<String>,
    /// Opaque; for userinfo.
    pub access_token: String,
    /// Opaque; with `offline_access` only.
    pub refresh_token: Option<String>,
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

/// The tokens of one authorization, made together: their rows and values.
struct Issued {
    rows: Vec<TokenRow>,
    access_token: AccessToken,
    refresh_token: Option<RefreshToken>,
}

/// Where tokens come from: the authorization (its code, the family) and whose.
struct Grant<'a> {
    client_id: &'a str,
    user_id: &'a UserId,
    session_hash: &'a str,
    credential_id: Option<&'a CredentialId>,
    family: &'a str,
    scope: &'a str,
}

/// A new access token, and with `offline_access` a refresh token, for `grant`.
fn new_tokens(grant: &Grant<'_>, now: UnixTime) -> Issued {
    let offline = has_scope(grant.scope, "offline_access");
    let row = |token_hash: String, kind: &str, lifetime: i64| TokenRow {
        token_hash,
        kind: kind.to_string(),
        client_id: grant.client_id.to_string(),
        user_id: grant.user_id.clone(),
        session_hash: grant.session_hash.to_string(),
        credential_id: grant.credential_id.cloned(),
        code_hash: grant.family.to_string(),
        scope: grant.scope.to_string(),
        offline,
        created_at: now,
        expires_at: now + lifetime,
    };
    let access_token = AccessToken::generate();
    let mut rows = vec![row(access_token.id_hash(), "access", TOKEN_TTL_SECS)];
    let refresh_token = offline.then(RefreshToken::generate);
    if let Some(refresh) = &refresh_token {
        rows.push(row(refresh.id_hash(), "refresh", REFRESH_TTL_SECS));
    }
    Issued {
        rows,
        access_token,
        refresh_token,
    }
}

impl Auth {
    /// The issuer: the public URL, as discovery and every ID token say it (with its
    /// trailing slash, as a URL is written: `iss` must match it exactly).
    pub(crate) fn issuer(&self) -> String {
        self.origin().to_string()
    }

    /// Answers a token request (`authorization_code` or `refresh_token`) from the
    /// client `client_id`, authenticated by `client_secret` or PKCE.
    pub async fn token(
        &self,
        client_id: &str,
        client_secret: Option<&str>,
        request: &TokenRequest,
        from: &ClientInfo,
    ) -> AuthResult<Result<Tokens, TokenError>> {
        let client = match self
            .authenticate_client(client_id, client_secret, from)
            .await?
        {
            Ok(client) => client,
            Err(refused) => return Ok(Err(refused)),
        };
        match request.grant_type.as_str() {
            "authorization_code" => self.exchange_code(&client, request).await,
            "refresh_token" => self.refresh(&client, request).await,
            "" => Ok(Err(TokenError::InvalidRequest)),
            _ => Ok(Err(TokenError::UnsupportedGrantType)),
        }
    }

    /// Exchanges a code for tokens.
    async fn exchange_code(
        &self,
        client: &Client,
        request: &TokenRequest,
    ) -> AuthResult<Result<Tokens, TokenError>> {
        let (Some(code), Some(redirect_uri)) = (&request.code, &request.redirect_uri) else {
            return Ok(Err(TokenError::InvalidRequest));
        };
        // Anything `generate` could not have made is no code (RFC 6749 §5.2).
        let Some(code) = AuthorizationCode::parse(code) else {
            return Ok(Err(TokenError::InvalidGrant));
        };
        let now = self.now();
        let code_hash = code.id_hash();
        // Another client's code, or none: refused, and nothing else happens (a code
        // seen in a log cannot be used to revoke anyone's sign-in).
        let Some(issued) = self.store.code(&code_hash).await? else {
            return Ok(Err(TokenError::InvalidGrant));
        };
        if issued.client_id != client.id {
            return Ok(Err(TokenError::InvalidGrant));
        }
        if issued.used_at.is_some() {
            self.store.revoke_code_family(&code_hash).await?;
            tracing::warn!(client = %client.id, "a code was presented twice; its tokens are revoked");
            return Ok(Err(TokenError::InvalidGrant));
        }
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
        if &issued.redirect_uri != redirect_uri
            || issued.expires_at <= now
            || !pkce_ok
            || session.user_id != issued.user_id
        {
            return Ok(Err(TokenError::InvalidGrant));
        }
        let tokens = new_tokens(
            &Grant {
                client_id: &client.id,
                user_id: &issued.user_id,
                session_hash: &issued.session_hash,
                credential_id: session.credential_id.as_ref(),
                family: &code_hash,
                scope: &issued.scope,
            },
            now,
        );
        // Used once, only now that every check passed (so that whoever holds a code
        // without its verifier cannot spend it), together with what it gives.
        match self.store.redeem_code(&issued, &tokens.rows, now).await? {
            Presented::First(_) => {}
            Presented::Replayed => {
                tracing::warn!(client = %client.id, "a code was presented twice at once; its tokens are revoked");
                return Ok(Err(TokenError::InvalidGrant));
            }
            Presented::Unknown => return Ok(Err(TokenError::InvalidGrant)),
        }
        let id_token = self
            .sign_id_token(IdTokenFor {
                synced_passkey: session.passkey_synced.unwrap_or(false),
                user_id: &issued.user_id,
                client_id: &client.id,
                alg: client.id_token_alg,
                scope: &issued.scope,
                email: &session.email,
                email_verified: session.verified_at.is_some(),
                auth_time: issued.auth_time,
                nonce: issued.nonce.clone(),
                lifetime_secs: TOKEN_TTL_SECS,
            })
            .await?;
        Ok(Ok(Tokens {
            id_token: Some(id_token),
            access_token: tokens.access_token.as_str().to_string(),
            refresh_token: tokens.refresh_token.map(|t| t.as_str().to_string()),
            expires_in: TOKEN_TTL_SECS,
            scope: issued.scope,
        }))
    }

    /// Rotates a refresh token: it is used up, and a new access token and refresh
    /// token take its place, in one transaction.
    async fn refresh(
        &self,
        client: &Client,
        request: &TokenRequest,
    ) -> AuthResult<Result<Tokens, TokenError>> {
        let Some(presented) = &request.refresh_token else {
            return Ok(Err(TokenError::InvalidRequest));
        };
        let Some(presented) = RefreshToken::parse(presented) else {
            return Ok(Err(TokenError::InvalidGrant));
        };
        let now = self.now();
        let mut made = None;
        let outcome = self
            .store
            .rotate_refresh_token(&presented.id_hash(), &client.id, now, |old| {
                let issued = new_tokens(
                    &Grant {
                        client_id: &old.client_id,
                        user_id: &old.user_id,
                        session_hash: &old.session_hash,
                        credential_id: old.credential_id.as_ref(),
                        family: &old.code_hash,
                        scope: &old.scope,
                    },
                    now,
                );
                let rows = issued.rows.clone();
                made = Some(issued);
                rows
            })
            .await?;
        match outcome {
            Presented::First(old) => {
                let Some(made) = made else {
                    return Ok(Err(TokenError::InvalidGrant));
                };
                Ok(Ok(Tokens {
                    id_token: None,
                    access_token: made.access_token.as_str().to_string(),
                    refresh_token: made.refresh_token.map(|t| t.as_str().to_string()),
                    expires_in: TOKEN_TTL_SECS,
                    scope: old.scope,
                }))
            }
            Presented::Replayed => {
                tracing::warn!(client = %client.id, "a refresh token was used twice; its family is revoked");
                Ok(Err(TokenError::InvalidGrant))
            }
            Presented::Unknown => Ok(Err(TokenError::InvalidGrant)),
        }
    }

    /// What an access token may see (`None`: not a live token).
    pub async fn user_info(&self, access_token: &str) -> AuthResult<Option<UserInfo>> {
        let Some(token) = AccessToken::parse(access_token.trim()) else {
            return Ok(None);
        };
        let now = self.now();
        let owner = self
            .store
            .token_owner(&token.id_hash(), now, self.idle_cutoff(now))
            .await?;
        let Some(owner) = owner else {
            return Ok(None);
        };
        let email = has_scope(&owner.scope, "email");
        Ok(Some(UserInfo {
            sub: owner.user_id.as_str().to_string(),
            email: email.then(|| owner.email.clone()),
            email_verified: email.then_some(owner.verified_at.is_some()),
        }))
    }
}
