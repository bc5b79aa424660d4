//! The ID token: what it says (OIDC Core §2, §3.1.3.7), signed by the provider's
//! current key; and reading one back when an app hands it in as `id_token_hint`
//! (RP-Initiated Logout §2), checked against every published key.

use std::collections::BTreeMap;
use std::str::FromStr;

use compact_jwt::crypto::JwsRs256Verifier;
use compact_jwt::oidc::OidcExpUnverified;
use compact_jwt::{Jwk, JwsEs256Verifier, JwsVerifier, OidcSubject, OidcToken, OidcUnverified};

use super::super::{Auth, AuthError, AuthResult};
use crate::clock::UnixTime;
use crate::config::IdTokenAlg;
use crate::model::UserId;

/// What an ID token is issued for.
pub(crate) struct IdTokenFor<'a> {
    pub(crate) user_id: &'a UserId,
    pub(crate) client_id: &'a str,
    /// How the app asked for its ID tokens to be signed.
    pub(crate) alg: IdTokenAlg,
    pub(crate) scope: &'a str,
    pub(crate) email: &'a str,
    pub(crate) email_verified: bool,
    pub(crate) auth_time: UnixTime,
    pub(crate) nonce: Option<String>,
    pub(crate) lifetime_secs: i64,
    /// The passkey that signed in may be synced to other devices (so its key is
    /// not bound to one piece of hardware).
    pub(crate) synced_passkey: bool,
}

/// What an `id_token_hint` says, once its signature is checked.
pub(crate) struct HintRead {
    pub(crate) user_id: UserId,
    pub(crate) client_id: String,
    pub(crate) issued_at: UnixTime,
}

/// Whether a space-separated scope names `wanted`.
pub(crate) fn has_scope(scope: &str, wanted: &str) -> bool {
    scope.split(' ').any(|s| s == wanted)
}

impl Auth {
    /// An ID token, signed now with the current key.
    pub(crate) async fn sign_id_token(&self, what: IdTokenFor<'_>) -> AuthResult<String> {
        let now = self.now();
        let mut claims = BTreeMap::new();
        if has_scope(what.scope, "email") {
            claims.insert("email".to_string(), serde_json::json!(what.email));
            claims.insert(
                "email_verified".to_string(),
                serde_json::json!(what.email_verified),
            );
        }
        let subject = uuid::Uuid::parse_str(what.user_id.as_str())
            .map_err(|e| AuthError::internal("a subject", e))?;
        let token = OidcToken {
            iss: self
                .issuer()
                .parse()
                .map_err(|e| AuthError::internal("the issuer URL", e))?,
            sub: OidcSubject::U(subject),
            aud: what.client_id.to_string(),
            iat: now,
            nbf: None,
            exp: now + what.lifetime_secs,
            auth_time: Some(what.auth_time),
            nonce: what.nonce,
            at_hash: None,
            acr: None,
            // RFC 8176: proof of a key held in hardware (a device-bound passkey) or
            // in software (a synced one), with the user verified (BMAuth requires
            // user verification for every passkey).
            amr: Some(vec![
                if what.synced_passkey { "swk" } else { "hwk" }.into(),
                "user".into(),
            ]),
            azp: None,
            jti: None,
            s_claims: Default::default(),
            claims,
        };
        let signer = self.current_signing_key(what.alg).await?;
        signer
            .sign(&token)
            .map_err(|e| AuthError::internal("signing an ID token", e))
    }

    /// An ID token this provider signed (with any key still published), read back:
    /// its account, its app and when it was issued. Expired ones count
    /// (RP-Initiated Logout §2: the hint is often old); anything else is `None`.
    pub(crate) async fn read_id_token_hint(&self, hint: &str) -> AuthResult<Option<HintRead>> {
        let Ok(unverified) = OidcUnverified::from_str(hint.trim()) else {
            return Ok(None);
        };
        let keys: Vec<Jwk> = self.public_keys().await?;
        for key in &keys {
            // Each key's verifier refuses any `alg` but its own (no `none`, no HS256
            // keyed with the public key: RFC 8725 §3.1).
            let checked: Option<OidcExpUnverified> = match key {
                Jwk::EC { .. } => JwsEs256Verifier::try_from(key)
                    .ok()
                    .and_then(|v| v.verify(&unverified).ok()),
                Jwk::RSA { .. } => JwsRs256Verifier::try_from(key)
                    .ok()
                    .and_then(|v| v.verify(&unverified).ok()),
            };
            let Some(checked) = checked else {
                continue;
            };
            // 0: no expiry check, on purpose (see above).
            let Ok(token) = checked.verify_exp(0) else {
                continue;
            };
            let issued_here = token.iss.as_str() == self.issuer();
            let user_id = match &token.sub {
                OidcSubject::U(id) => uuid::Uuid::parse_str(&id.to_string())
                    .ok()
                    .map(UserId::from_uuid),
                OidcSubject::S(_) => None,
            };
            return Ok(match (issued_here, user_id) {
                (true, Some(user_id)) => Some(HintRead {
                    user_id,
                    client_id: token.aud,
                    issued_at: token.iat,
                }),
                _ => None,
            });
        }
        Ok(None)
    }
}
