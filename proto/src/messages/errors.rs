//! What every answer may be: the error body and its stable codes, and the
//! shapes shared by the rest (`Empty`, WebAuthn JSON).

use serde::{Deserialize, Serialize};

/// WebAuthn options or a credential, as the standard WebAuthn JSON
/// (`PublicKeyCredential.toJSON()`, `parseCreationOptionsFromJSON`).
///
/// ```
/// let options: bmauth_proto::WebAuthnJson = serde_json::json!({ "publicKey": { "challenge": "AAAA" } });
/// assert!(options["publicKey"].is_object());
/// ```
pub type WebAuthnJson = serde_json::Value;

/// The body of requests that need none: `{}`.
///
/// ```
/// assert_eq!(serde_json::to_string(&bmauth_proto::Empty {}).unwrap(), "{}");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// Stable error codes. Clients match on these, never on messages.
///
/// ```
/// use bmauth_proto::ErrorCode;
///
/// let code: ErrorCode = serde_json::from_str("\"pin_incorrect\"").unwrap();
/// assert_eq!(code, ErrorCode::PinIncorrect);
/// // A code added by a newer server still parses.
/// let newer: ErrorCode = serde_json::from_str("\"quantum_flux\"").unwrap();
/// assert_eq!(newer, ErrorCode::Unknown);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The body is not JSON, or JSON of the wrong shape.
    InvalidJson,
    /// The body is not `application/json`.
    UnsupportedMediaType,
    /// The body is larger than the API accepts (64 KiB).
    PayloadTooLarge,
    /// Not an email address this service sends mail to.
    InvalidEmail,
    /// The WebAuthn credential is malformed (e.g. bad base64url, not CBOR).
    InvalidCredential,
    /// A PIN must be 6 digits.
    InvalidPinFormat,
    /// A confirmed account already uses this email.
    EmailTaken,
    /// Sign-up here is by invitation and this address has none that is still
    /// good (answered alike whether or not the address has an account).
    InvitationRequired,
    /// Sign-up here is for some email domains only (`allowed_domains`).
    EmailDomainNotAllowed,
    /// An administrator disabled this account.
    AccountDisabled,
    /// No account has this address (administration).
    UserNotFound,
    /// Only administrators may call this route.
    AdminRequired,
    /// An administrator acting on their own account where another must (disable,
    /// delete, take away administration).
    NotOnYourself,
    /// An invitation that is not there, or no longer unused.
    InvitationNotFound,
    /// The last active administrator: make someone else one first.
    LastAdministrator,
    /// This passkey is registered already.
    CredentialAlreadyRegistered,
    /// No ceremony waits for this response in this browser: never started, already
    /// finished (a replay), begun elsewhere, or for another step.
    CeremonyNotFound,
    /// The response came more than 5 minutes after the ceremony began.
    CeremonyExpired,
    /// The response was for another email address.
    CeremonyMismatch,
    /// The device did not verify the person (biometric or device PIN).
    UserVerificationRequired,
    /// The passkey used does not belong to this account.
    CredentialNotAllowed,
    /// The passkey's signature counter went backwards: possibly a cloned key.
    PossibleClonedCredential,
    /// Signature, origin, RP id or challenge did not verify.
    CredentialRejected,
    /// A valid passkey, but the email is not confirmed yet.
    EmailNotVerified,
    /// No PIN waits for this address in this browser (codes work only in the
    /// browser that asked for them).
    NoPendingPin,
    /// Wrong PIN; `attempts_left` says how many tries remain.
    PinIncorrect,
    /// The PIN is older than 10 minutes.
    PinExpired,
    /// Too many wrong tries: the PIN is dead; ask for a new one.
    PinLocked,
    /// Too many wrong PINs for this sign-up across resends: start again.
    AttemptsExhausted,
    /// A PIN was sent moments ago; `retry_after` says when to ask again.
    ResendTooSoon,
    /// Too many requests from this client or for this address.
    RateLimited,
    /// Forward auth: the proxy's `X-Forwarded-…` headers are missing or malformed,
    /// or a return URL is not an absolute http(s) URL.
    ForwardRequestInvalid,
    /// Forward auth: the host is not in `[[forward_auth.hosts]]`.
    ForwardHostNotListed,
    /// Forward auth: the person signed in is not on the host's `allow` list.
    ForwardNotAllowed,
    /// Forward auth: the one-time code that carries a sign-in to the host was used,
    /// expired, or made for another browser.
    ForwardCodeInvalid,
    /// No device link with this token or code, or not one this person may see.
    LinkNotFound,
    /// The device link is more than 5 minutes old: start again.
    LinkExpired,
    /// The number typed is not the one on the new device: the link is refused.
    LinkNumberWrong,
    /// The new device may make its passkey only once the link is approved.
    LinkNotApproved,
    /// New devices showing a code (`/auth/link/request`) is turned off here: the
    /// signed-in device shows the code instead, and the new one scans it.
    LinkDirectionDisabled,
    /// The request comes from another network: approve again with
    /// `holding_device: true` once the person confirmed they hold that device.
    HoldingDeviceRequired,
    /// No live "This wasn't me" link with this token: used, expired (they work for
    /// a day), or its device removed already.
    UndoNotFound,
    /// No live session.
    NotSignedIn,
    /// The account has no passkey with this id.
    PasskeyNotFound,
    /// The account's last passkey cannot be removed (nothing could sign in).
    LastPasskey,
    /// Confirm it's you with a passkey first (`/auth/reauth/…`), then try again.
    ReauthenticationRequired,
    /// A passkey name that is empty, too long or holds control characters.
    InvalidName,
    /// The account has no live session with this id.
    SessionNotFound,
    /// The account never signed in to this app, or revoked it already.
    AppNotFound,
    /// This device joined by a device link moments ago: it cannot yet remove the
    /// account's other passkeys or end their sessions (`retry_after` says for how
    /// long). Do it from a device the account had before, or wait.
    NewDeviceCooldown,
    /// A state-changing request without this site's `Origin`.
    OriginMismatch,
    /// The email could not be sent now; it stays queued and is retried.
    MailNotSent,
    /// No such API route.
    NotFound,
    /// `/readyz`: the server cannot reach its database.
    NotReady,
    /// A fault on the server (details in its log, not in the answer).
    Internal,
    /// A code this version of `bmauth-proto` does not know (a newer server's):
    /// read its `message`, and treat it by its HTTP status.
    #[serde(other)]
    Unknown,
}

/// What went wrong, in an error answer.
///
/// ```
/// let body = r#"{"error": {"code": "pin_incorrect", "message": "Wrong code.", "attempts_left": 4}}"#;
/// let answer: bmauth_proto::ErrorBody = serde_json::from_str(body).unwrap();
/// assert_eq!(answer.error.attempts_left, Some(4));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// The stable code to match on.
    pub code: ErrorCode,
    /// Words for a person; may change.
    pub message: String,
    /// With `pin_incorrect`: tries left before the PIN dies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    /// With `resend_too_soon`, `rate_limited` and `new_device_cooldown`: seconds to
    /// wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// Every error answer: `{"error": {"code": "...", "message": "..."}}`.
///
/// ```
/// use bmauth_proto::{ErrorBody, ErrorCode};
///
/// let body = r#"{"error": {"code": "rate_limited", "message": "Slow down.", "retry_after": 30}}"#;
/// let ErrorBody { error } = serde_json::from_str(body).unwrap();
/// assert_eq!((error.code, error.retry_after), (ErrorCode::RateLimited, Some(30)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}
