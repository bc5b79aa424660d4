//! The ids of accounts and passkeys, as types: one cannot be passed for the other,
//! and neither for an email or a hash.

use std::fmt;

use uuid::Uuid;

/// An account's id: a random UUID, also its WebAuthn user handle.
///
/// ```no_run
/// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
/// # let credential = serde_json::Value::Null;
/// # let session: Option<bmauth::auth::SessionToken> = None;
/// let user = bmauth.auth().session_user(&session.unwrap()).await?.unwrap();
/// let key: &str = user.id.as_str(); // a UUID
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, sqlx::Type)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct UserId(String);

/// A passkey's credential id, in base64url as browsers send it.
///
/// ```
/// // Shown on the devices page and in logs; never secret.
/// fn short(id: &bmauth::auth::CredentialId) -> &str {
///     &id.as_str()[..8]
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, sqlx::Type)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct CredentialId(String);

impl UserId {
    /// The id of an account being made, which is also its passkeys' user handle.
    pub(crate) fn from_uuid(handle: Uuid) -> Self {
        Self(handle.to_string())
    }

    /// An id as stored or sent (unchecked: look it up).
    pub(crate) fn from_text(text: &str) -> Self {
        Self(text.to_owned())
    }

    /// A passkey's user handle, as the id it names (unchecked: look it up).
    pub(crate) fn from_handle(handle: &Uuid) -> Self {
        Self::from_uuid(*handle)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl CredentialId {
    /// The id of a passkey from its raw bytes.
    pub(crate) fn from_raw(raw: &[u8]) -> Self {
        Self(crate::crypto::b64url(raw))
    }

    /// An id as the store read it.
    pub(crate) fn from_stored(text: &str) -> Self {
        Self(text.to_owned())
    }

    /// A credential id as sent by a client: base64url of at most 1023 bytes (the
    /// WebAuthn limit), or `None` (unchecked otherwise: look it up).
    pub(crate) fn from_text(text: &str) -> Option<Self> {
        let well_formed = !text.is_empty()
            && text.len() <= 1364
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        well_formed.then(|| Self(text.to_owned()))
    }

    /// The id as text (base64url).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<UserId> for String {
    fn from(id: UserId) -> Self {
        id.0
    }
}
