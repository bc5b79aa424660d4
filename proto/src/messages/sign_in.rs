//! Sign-up, the email code and sign-in (the original BMAuth's routes).

use serde::{Deserialize, Serialize};

use super::WebAuthnJson;

/// A request naming an account by its email address.
///
/// ```
/// let body = bmauth_proto::EmailRequest { email: "ada@example.com".into() };
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"email":"ada@example.com"}"#);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmailRequest {
    /// The address, as typed (the server normalises it).
    pub email: String,
}

/// The start of a sign-up: the address, and the token of the invitation the
/// person came with, where sign-up is by invitation.
///
/// ```
/// let body: bmauth_proto::SignUpRequest = serde_json::from_str(r#"{"email":"ana@example.org"}"#).unwrap();
/// assert_eq!(body.invitation, None);
/// ```
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct SignUpRequest {
    /// The address, as typed (the server normalises it).
    pub email: String,
    /// The `invitation` of the invitation link, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation: Option<String>,
}

/// The invitation's token is a secret: never printed.
impl std::fmt::Debug for SignUpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignUpRequest")
            .field("email", &self.email)
            .field(
                "invitation",
                &self.invitation.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// A passkey's answer to a ceremony for `email`.
///
/// ```
/// let body = bmauth_proto::CredentialRequest {
///     email: "ada@example.com".into(),
///     credential: serde_json::json!({ "id": "…", "response": {} }),
/// };
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CredentialRequest {
    /// The account's address.
    pub email: String,
    /// The `PublicKeyCredential`, as WebAuthn JSON.
    pub credential: WebAuthnJson,
}

/// A passkey-autofill sign-in: the passkey itself names the account.
///
/// ```
/// let body = bmauth_proto::AutofillRequest { credential: serde_json::json!({ "id": "…" }) };
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AutofillRequest {
    /// The `PublicKeyCredential`, as WebAuthn JSON.
    pub credential: WebAuthnJson,
}

/// The emailed code for a sign-up.
///
/// ```
/// let body = bmauth_proto::VerifyEmailRequest { email: "ada@example.com".into(), pin: "123456".into() };
/// assert_eq!(body.pin.len(), bmauth_proto::policy::PIN_DIGITS);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VerifyEmailRequest {
    /// The address signed up with.
    pub email: String,
    /// The 6-digit code (spaces around are forgiven).
    pub pin: String,
}

/// An account as clients see it.
///
/// ```
/// let answer = r#"{"user": {"id": "5f0c…", "email": "ada@example.com", "verified": true}}"#;
/// let bmauth_proto::UserResponse { user } = serde_json::from_str(answer).unwrap();
/// assert!(user.verified);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    /// Stable id (a UUID; also the WebAuthn user handle).
    pub id: String,
    /// The normalised address.
    pub email: String,
    /// Whether the address is confirmed.
    pub verified: bool,
    /// Whether they administer this BMAuth (the admin pages are theirs).
    #[serde(default)]
    pub admin: bool,
}

/// An answer naming the signed-in user.
///
/// ```
/// let answer = r#"{"user": {"id": "5f0c…", "email": "ada@example.com", "verified": true}}"#;
/// let signed_in: bmauth_proto::UserResponse = serde_json::from_str(answer).unwrap();
/// assert_eq!(signed_in.user.email, "ada@example.com");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserResponse {
    /// The user.
    pub user: UserView,
}

/// The answer to a stored sign-up.
///
/// ```
/// let answer = r#"{"user": {"id": "5f0c…", "email": "ada@example.com", "verified": false}, "pin_sent": true}"#;
/// let stored: bmauth_proto::RegisteredResponse = serde_json::from_str(answer).unwrap();
/// assert!(stored.pin_sent && !stored.user.verified);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredResponse {
    /// The pending account.
    pub user: UserView,
    /// A PIN is on its way to the address: next, `POST /auth/verify-email`.
    pub pin_sent: bool,
}

/// An answer that only says something.
///
/// ```
/// let answer: bmauth_proto::MessageResponse = serde_json::from_str(r#"{"message": "Signed out."}"#).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageResponse {
    /// Words for a person.
    pub message: String,
}

/// Whether anyone is signed in.
///
/// ```
/// let answer: bmauth_proto::StatusResponse =
///     serde_json::from_str(r#"{"signed_in": false, "user": null}"#).unwrap();
/// assert!(answer.user.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusResponse {
    /// True with a live session.
    pub signed_in: bool,
    /// The signed-in user, if any.
    pub user: Option<UserView>,
}
