//! Where an authorization request is judged and a code issued: the client and its
//! redirect URI (an unknown client or a URI that does not match exactly is shown
//! on BMAuth and never redirected to, RFC 6749 §4.1.2.1), the response type (the
//! code flow only), PKCE (`S256`, required for public clients, RFC 7636 §4.2 and
//! RFC 9700 §2.1.1), the session (`prompt`, `max_age`: OIDC Core §3.1.2.1), and
//! consent, remembered per account and client.

use subtle::ConstantTimeEq;
use url::Url;

use super::super::{Auth, AuthResult, SessionToken};
use super::clients::{Client, matches_exactly};
use crate::crypto::{b64url, sha256};
use crate::model::AuthorizationCode;
use crate::store::CodeRow;

/// The scopes BMAuth knows; others are left out of what is granted.
/// `offline_access` gives a refresh token (OIDC Core §11); its consent is asked
/// for and remembered like the others'.
pub(crate) const SCOPES: [&str; 4] = ["openid", "email", "profile", "offline_access"];
/// A code must be exchanged within this long (RFC 6749 §4.1.2: "short").
pub(crate) const CODE_TTL_SECS: i64 = 60;

/// An authorization request, as its query says it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AuthorizeRequest {
    /// The app asking.
    pub client_id: String,
    /// Where to send the answer; must match one the app registered, exactly.
    pub redirect_uri: String,
    /// `code`: the only flow BMAuth speaks.
    pub response_type: String,
    /// Space-separated; must include `openid`.
    #[serde(default)]
    pub scope: String,
    /// Returned as given.
    pub state: Option<String>,
    /// Put in the ID token as given.
    pub nonce: Option<String>,
    /// PKCE: base64url of SHA-256 of the verifier.
    pub code_challenge: Option<String>,
    /// PKCE: `S256` (`plain` is refused).
    pub code_challenge_method: Option<String>,
    /// `none`, `login` or `consent`.
    pub prompt: Option<String>,
    /// Seconds since the person last used their passkey, at most.
    pub max_age: Option<i64>,
    /// `query` (the only one BMAuth answers in), if given.
    pub response_mode: Option<String>,
    /// A request object: not supported (OIDC Core §6).
    pub request: Option<String>,
    /// A request object by reference: not supported.
    pub request_uri: Option<String>,
}

/// What to do with an authorization request.
#[derive(Debug, PartialEq, Eq)]
pub enum Authorization {
    /// Show this error on BMAuth's own page: the client or its redirect URI cannot
    /// be trusted with a redirect.
    Refused(&'static str),
    /// Send the browser back to the app: with a code, or with an OAuth error.
    Redirect(Url),
    /// The person must sign in (again, if `fresh`), then come back to this request.
    SignIn {
        /// A passkey must be used now, not only a session held.
        fresh: bool,
    },
    /// Ask the person whether this app may see their address.
    Consent {
        /// The app's name.
        client: String,
        /// Where the app sends them back (its redirect URI's host).
        returns_to: String,
    },
}

/// The granted scope: the known scopes asked for, `openid` first.
fn granted_scope(asked: &str) -> String {
    let asked: Vec<&str> = asked.split_ascii_whitespace().collect();
    SCOPES
        .iter()
        .filter(|scope| asked.contains(scope))
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The redirect URI with `params` added (and `state`), as RFC 6749 §4.1.2 says.
fn answer(redirect_uri: &str, params: &[(&str, &str)], state: Option<&str>) -> Option<Url> {
    let mut url = Url::parse(redirect_uri).ok()?;
    {
        let mut query = url.query_pairs_mut();
        for (key, value) in params {
            query.append_pair(key, value);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    Some(url)
}

/// Whether `verifier` answers `challenge` (PKCE `S256`, RFC 7636 §4.6).
pub(crate) fn pkce_matches(challenge: &str, verifier: &str) -> bool {
    // RFC 7636 §4.1: 43 to 128 unreserved characters.
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    let computed = b64url(&sha256(verifier.as_bytes()));
    well_formed && bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

impl Auth {
    /// Judges an authorization request for the browser holding `session`.
    pub async fn authorize(
        &self,
        request: &AuthorizeRequest,
        session: Option<&SessionToken>,
    ) -> AuthResult<Authorization> {
        let Some(client) = self.client(&request.client_id).await? else {
            return Ok(Authorization::Refused("unknown_client"));
        };
        if !matches_exactly(&request.redirect_uri, &client.redirect_uris) {
            return Ok(Authorization::Refused("redirect_uri_mismatch"));
        }
        let state = request.state.as_deref();
        let error = |code: &str| {
            answer(&request.redirect_uri, &[("error", code)], state)
                .map(Authorization::Redirect)
                .unwrap_or(Authorization::Refused("redirect_uri_mismatch"))
        };
        if request.response_type != "code" {
            return Ok(error("unsupported_response_type"));
        }
        // OIDC Core §6.1, §6.2: request objects are refused by name, not ignored.
        if request.request.is_some() {
            return Ok(error("request_not_supported"));
        }
        if request.request_uri.is_some() {
            return Ok(error("request_uri_not_supported"));
        }
        if request
            .response_mode
            .as_deref()
            .is_some_and(|mode| mode != "query")
        {
            return Ok(error("invalid_request"));
        }
        let scope = granted_scope(&request.scope);
        if !scope.split(' ').any(|s| s == "openid") {
            return Ok(error("invalid_scope"));
        }
        match (
            request.code_challenge.as_deref(),
            request.code_challenge_method.as_deref(),
        ) {
            (Some(challenge), Some("S256")) if challenge.len() == 43 => {}
            // Without PKCE, a confidential client must send a nonce: one or the
            // other stops code injection (RFC 9700 §2.1.1).
            (None, None) if !client.public && request.nonce.is_some() => {}
            _ => return Ok(error("invalid_request")),
        }
        let prompt = request.prompt.as_deref().unwrap_or_default();
        let quiet = prompt.split_ascii_whitespace().any(|p| p == "none");
        // `none` with anything else is a contradiction (OIDC Core §3.1.2.1).
        if quiet && prompt.split_ascii_whitespace().count() > 1 {
            return Ok(error("invalid_request"));
        }
        let live = match session {
            Some(token) => self.live_session(token).await?,
            None => None,
        };
        let Some(live) = live else {
            return Ok(if quiet {
                error("login_required")
            } else {
                Authorization::SignIn { fresh: false }
            });
        };
        let now = self.now();
        // When the person last proved it was them with a passkey in this session; a
        // session opened by an email code (after making a passkey) began then.
        let auth_time = live.session_verified_at.unwrap_or(live.session_created_at);
        // `prompt=login` always asks again (OIDC Core §3.1.2.1); the way back drops
        // `prompt` and `max_age` (see `http::oidc::here`), so it cannot loop.
        let too_old = match (prompt.contains("login"), request.max_age) {
            (true, _) => true,
            (false, Some(max_age)) => now - auth_time > max_age.max(0),
            (false, None) => false,
        };
        if too_old {
            return Ok(if quiet {
                error("login_required")
            } else {
                Authorization::SignIn { fresh: true }
            });
        }
        // Not one of the people this app is for: refused to the app, never a page
        // that would invite asking again (RFC 6749 §4.1.2.1).
        if !client.allowed.admits(&live.email) {
            return Ok(error("access_denied"));
        }
        let granted = self.store.grant(&live.user_id, &client.id).await?;
        let covered = granted
            .is_some_and(|granted| scope.split(' ').all(|s| granted.split(' ').any(|g| g == s)));
        if !covered || prompt.contains("consent") {
            if quiet {
                return Ok(error("consent_required"));
            }
            let returns_to = Url::parse(&request.redirect_uri)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default();
            return Ok(Authorization::Consent {
                client: client.name,
                returns_to,
            });
        }
        let code = self
            .issue_code(
                &client,
                request,
                &scope,
                &live.user_id,
                &live.id_hash,
                auth_time,
            )
            .await?;
        Ok(answer(&request.redirect_uri, &[("code", &code)], state)
            .map(Authorization::Redirect)
            .unwrap_or(Authorization::Refused("redirect_uri_mismatch")))
    }

    /// The person's answer on the consent page: yes remembers the grant and sends a
    /// code back; no sends `access_denied`.
    pub async fn consent(
        &self,
        request: &AuthorizeRequest,
        session: &SessionToken,
        approved: bool,
    ) -> AuthResult<Authorization> {
        match self.authorize(request, Some(session)).await? {
            // "No" is no, whatever the request would have led to otherwise (with
            // `prompt=consent`, a grant held before would give a code).
            Authorization::Redirect(_) | Authorization::Consent { .. } if !approved => Ok(answer(
                &request.redirect_uri,
                &[("error", "access_denied")],
                request.state.as_deref(),
            )
            .map(Authorization::Redirect)
            .unwrap_or(Authorization::Refused("redirect_uri_mismatch"))),
            Authorization::Consent { .. } => {
                let Some(live) = self.live_session(session).await? else {
                    return Ok(Authorization::SignIn { fresh: false });
                };
                let scope = granted_scope(&request.scope);
                self.store
                    .remember_grant(&live.user_id, &request.client_id, &scope, self.now())
                    .await?;
                let mut again = request.clone();
                again.prompt = None;
                self.authorize(&again, Some(session)).await
            }
            other => Ok(other),
        }
    }

    /// A new code for `client`, stored as its hash; the code itself goes to the
    /// browser once.
    async fn issue_code(
        &self,
        client: &Client,
        request: &AuthorizeRequest,
        scope: &str,
        user_id: &crate::model::UserId,
        session_hash: &str,
        auth_time: i64,
    ) -> AuthResult<String> {
        let code = AuthorizationCode::generate();
        let now = self.now();
        self.store
            .insert_code(&CodeRow {
                code_hash: code.id_hash(),
                client_id: client.id.clone(),
                user_id: user_id.clone(),
                session_hash: session_hash.to_string(),
                redirect_uri: request.redirect_uri.clone(),
                code_challenge: request.code_challenge.clone(),
                scope: scope.to_string(),
                nonce: request.nonce.clone(),
                auth_time,
                created_at: now,
                expires_at: now + CODE_TTL_SECS,
                used_at: None,
            })
            .await?;
        Ok(code.as_str().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_scopes_are_granted() {
        assert_eq!(granted_scope("email openid admin"), "openid email");
        assert_eq!(granted_scope(""), "");
    }

    #[test]
    fn pkce_verifiers_are_checked_by_s256() {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(challenge, verifier));
        assert!(!pkce_matches(
            challenge,
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK"
        ));
        assert!(!pkce_matches(challenge, "short"));
    }
}
