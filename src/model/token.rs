//! Random 256-bit tokens that are stored only as hashes: the cookies (sessions,
//! the browser binding) and what the OpenID Connect provider hands to apps
//! (authorization codes, access and refresh tokens).

use std::marker::PhantomData;

use crate::crypto::{b64url, from_b64url, hex, random_bytes, sha256};

/// A cookie value: 32 random bytes, base64url. Never logged: `Debug` is redacted.
///
/// ```
/// use bmauth::auth::SessionToken;
///
/// let token = SessionToken::generate();
/// assert_eq!(format!("{token:?}"), "Token(<redacted>)");
/// assert_eq!(SessionToken::parse(token.as_str()), Some(token));
/// ```
pub struct Token<Kind>(String, PhantomData<Kind>);

/// Marks a session token (the session cookie).
#[derive(Debug)]
pub enum Session {}

/// Marks a browser token: a short-lived HttpOnly cookie that ties ceremonies,
/// sign-ups and PINs to the browser that began them, so that a captured passkey
/// response, or a PIN typed in another browser, does nothing.
#[derive(Debug)]
pub enum Browser {}

/// The session cookie's value.
///
/// ```
/// assert!(bmauth::auth::SessionToken::parse("guess").is_none());
/// ```
pub type SessionToken = Token<Session>;
/// The browser-binding cookie's value.
///
/// ```
/// let browser = bmauth::auth::BrowserToken::generate();
/// assert_eq!(browser.as_str().len(), 43);
/// ```
pub type BrowserToken = Token<Browser>;

/// Marks an authorization code the provider sends back to an app.
#[derive(Debug)]
pub enum Code {}

/// Marks an access token the provider gives an app for `userinfo`.
#[derive(Debug)]
pub enum Access {}

/// Marks a refresh token the provider gives an app with `offline_access`.
#[derive(Debug)]
pub enum Refresh {}

/// Marks the token in an invitation link.
#[derive(Debug)]
pub enum Invite {}

/// The secret part of an invitation link (used once, for one address).
pub type InvitationToken = Token<Invite>;
/// An authorization code (used once, within a minute).
pub type AuthorizationCode = Token<Code>;
/// An OAuth access token.
pub type AccessToken = Token<Access>;
/// An OAuth refresh token (used once: each use gives the next).
pub type RefreshToken = Token<Refresh>;

impl<K> Clone for Token<K> {
    fn clone(&self) -> Self {
        Self(self.0.clone(), PhantomData)
    }
}

impl<K> PartialEq for Token<K> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<K> Eq for Token<K> {}

impl<K> std::fmt::Debug for Token<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl<K> Token<K> {
    /// 32 fresh random bytes.
    ///
    /// ```
    /// let a = bmauth::auth::SessionToken::generate();
    /// assert_ne!(a, bmauth::auth::SessionToken::generate());
    /// ```
    pub fn generate() -> Self {
        Self(b64url(&random_bytes::<32>()), PhantomData)
    }

    /// Accepts only what `generate` makes: anything else is no token.
    ///
    /// ```
    /// assert!(bmauth::auth::BrowserToken::parse("").is_none());
    /// ```
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == 43 && from_b64url(text).is_some_and(|b| b.len() == 32))
            .then(|| Self(text.to_string(), PhantomData))
    }

    /// The cookie value. Never log it.
    ///
    /// ```
    /// let token = bmauth::auth::SessionToken::generate();
    /// let cookie = format!("bmauth_session={}", token.as_str());
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What is stored: SHA-256, hex. The token itself never is.
    pub(crate) fn id_hash(&self) -> String {
        hex(&sha256(self.0.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_parse_only_what_generate_makes_and_never_print() {
        let token = BrowserToken::generate();
        assert_eq!(BrowserToken::parse(token.as_str()), Some(token.clone()));
        for bad in [
            "",
            "short",
            &"A".repeat(44),
            &format!("{}!", &token.as_str()[..42]),
        ] {
            assert!(BrowserToken::parse(bad).is_none(), "{bad:?}");
        }
        assert_eq!(format!("{token:?}"), "Token(<redacted>)");
        assert_eq!(token.id_hash().len(), 64);
    }
}
