//! The JSON API's wire types, shared by the server and the browser client.
//!
//! WebAuthn options and credentials travel as the standard WebAuthn JSON
//! (base64url for binary fields); they are `serde_json::Value` here so the browser
//! side need not compile webauthn-rs.

use serde::{Deserialize, Serialize};

/// Stable error codes. Clients match on these, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not JSON, or JSON of the wrong shape.
    InvalidJson,
    /// The body is not `application/json`.
    UnsupportedMediaType,
    /// The body is larger than the API accepts (64 KiB).
    PayloadTooLarge,
    InvalidEmail,
    /// The WebAuthn credential is malformed (e.g. bad base64url, not CBOR).
    InvalidCredential,
    /// A PIN must be 6 digits.
    InvalidPinFormat,
    /// A confirmed account already uses this email.
    EmailTaken,
    CredentialAlreadyRegistered,
    /// No ceremony waits for this response: never started, already finished
    /// (a replay), or for another step.
    CeremonyNotFound,
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
    EmailNotVerified,
    /// No PIN waits for this address in this browser (codes work only in the
    /// browser that asked for them).
    NoPendingPin,
    PinIncorrect,
    PinExpired,
    PinLocked,
    /// Too many wrong PINs for this sign-up across resends: start again.
    AttemptsExhausted,
    ResendTooSoon,
    RateLimited,
    NotSignedIn,
    /// A state-changing request without this site's `Origin`.
    OriginMismatch,
    /// The email could not be sent now; it stays queued and is retried.
    MailNotSent,
    NotFound,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    /// With `pin_incorrect`: tries left before the PIN dies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    /// With `resend_too_soon` and `rate_limited`: seconds to wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// Every error answer: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmailRequest {
    pub email: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CredentialRequest {
    pub email: String,
    pub credential: serde_json::Value,
}

/// A passkey-autofill sign-in: the passkey itself names the account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AutofillRequest {
    pub credential: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VerifyEmailRequest {
    pub email: String,
    pub pin: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserResponse {
    pub user: UserView,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredResponse {
    pub user: UserView,
    /// A PIN is on its way to the address: next, `POST /auth/verify-email`.
    pub pin_sent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageResponse {
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusResponse {
    pub signed_in: bool,
    pub user: Option<UserView>,
}
