//! The requests and answers of the JSON API, and its errors.

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
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

/// A device link's token (from the QR code's URL fragment) or its typed code.
///
/// ```
/// let body = bmauth_proto::LinkTokenRequest { token: "ABCDE-FGHJK".into() };
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkTokenRequest {
    /// The token, or the `XXXXX-XXXXX` code a person typed.
    pub token: String,
}

/// The number the new device shows, typed on the approving one.
///
/// ```
/// let body = bmauth_proto::LinkApproveRequest { token: "…".into(), number: "42".into(), holding_device: false };
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkApproveRequest {
    /// The link's token or code.
    pub token: String,
    /// The 2-digit number.
    pub number: String,
    /// The person confirmed they hold the asking device ("I am holding this
    /// device"): needed when `link/details` says `confirm_holding`.
    #[serde(default)]
    pub holding_device: bool,
}

/// A passkey's answer to a ceremony for a device link.
///
/// ```
/// let body = bmauth_proto::LinkCredentialRequest { token: "…".into(), credential: serde_json::json!({}) };
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkCredentialRequest {
    /// The link's token or code.
    pub token: String,
    /// The `PublicKeyCredential`, as WebAuthn JSON.
    pub credential: WebAuthnJson,
}

/// A new device link, to show.
///
/// ```
/// let answer: bmauth_proto::NewLinkResponse = serde_json::from_value(serde_json::json!({
///     "token": "t", "code": "ABCDE-FGHJK", "url": "https://example.com/link#t",
///     "qr_svg": "<svg/>", "number": "42", "expires_in": 300
/// })).unwrap();
/// assert_eq!(answer.number.as_deref(), Some("42"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLinkResponse {
    /// The token (also in `url`'s fragment).
    pub token: String,
    /// The same link as a code to type: `XXXXX-XXXXX`.
    pub code: String,
    /// What the QR code holds: `<public URL>/link#<token>`. A phone's camera app
    /// opens it; the fragment never reaches a server log or a `Referer`.
    pub url: String,
    /// The QR code of `url`, as an SVG image.
    pub qr_svg: String,
    /// The number to show, when this device is the new one.
    pub number: Option<String>,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// Where a device link stands.
///
/// ```
/// let state: bmauth_proto::LinkState = serde_json::from_str("\"approved\"").unwrap();
/// assert_eq!(state, bmauth_proto::LinkState::Approved);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// Offered by a signed-in device; no new device has scanned it yet.
    Waiting,
    /// The new device shows its number; waiting for approval.
    Pending,
    /// Approved: the new device makes its passkey next.
    Approved,
    /// Denied (or refused after a wrong number).
    Denied,
    /// The new device turned it down: not the account it meant to join.
    Declined,
    /// Done: the new device has its passkey.
    Used,
    /// It ran out before it was used.
    Expired,
}

/// Where a device link stands, for the device polling it.
///
/// ```
/// let answer: bmauth_proto::LinkStatusResponse =
///     serde_json::from_str(r#"{"state": "pending", "number": "42"}"#).unwrap();
/// assert_eq!(answer.number.as_deref(), Some("42"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkStatusResponse {
    /// Where it stands.
    pub state: LinkState,
    /// The number to show (to the new device only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// The new device, e.g. "Chrome on Android" (to the signed-in device only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

/// Who is asking, shown before approving.
///
/// ```
/// let answer: bmauth_proto::LinkDetailsResponse = serde_json::from_str(
///     r#"{"state": "pending", "device": "Chrome on Android", "ip": "203.0.113.7",
///         "same_network": false, "age_secs": 20, "expires_in": 280}"#,
/// ).unwrap();
/// assert!(!answer.same_network);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkDetailsResponse {
    /// Where it stands.
    pub state: LinkState,
    /// The new device's browser and system, if it said.
    pub device: Option<String>,
    /// The new device's address.
    pub ip: Option<String>,
    /// Roughly where that address is ("near Lyon, France"), when the server has a
    /// GeoIP database; nothing is guessed otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Whether that address is on this device's network.
    pub same_network: bool,
    /// The new device is on another network: ask the person to confirm they are
    /// holding it, and send `holding_device: true`.
    #[serde(default)]
    pub confirm_holding: bool,
    /// Seconds since the link was begun.
    pub age_secs: u64,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// What an approved new device makes its passkey with: the creation options, and
/// the account it would join, partly masked, to show before making the passkey.
///
/// ```
/// let answer: bmauth_proto::LinkRegistrationOptions = serde_json::from_value(serde_json::json!({
///     "publicKey": { "challenge": "AAAA" }, "account": "an…@example.com"
/// })).unwrap();
/// assert_eq!(answer.account, "an…@example.com");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRegistrationOptions {
    /// The `publicKey` creation options, as WebAuthn JSON.
    #[serde(rename = "publicKey")]
    pub public_key: WebAuthnJson,
    /// The account's address, partly masked (`an…@example.com`). Ask the person
    /// whether to join it; if not, `POST /auth/link/decline`.
    pub account: String,
}

/// What a "This wasn't me" link would remove, shown before it does.
///
/// ```
/// let answer: bmauth_proto::UndoDetailsResponse = serde_json::from_value(serde_json::json!({
///     "device": "Chrome on Android", "ip": "203.0.113.7", "added_at": 1764400000
/// })).unwrap();
/// assert_eq!(answer.device.as_deref(), Some("Chrome on Android"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndoDetailsResponse {
    /// The device's browser and system, if it said.
    pub device: Option<String>,
    /// The address it joined from.
    pub ip: Option<String>,
    /// When it joined (Unix seconds).
    pub added_at: i64,
}

/// The token of a "This wasn't me" link (from its `#fragment`).
///
/// ```
/// let body = bmauth_proto::UndoRequest { token: "…".into() };
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UndoRequest {
    /// The token.
    pub token: String,
}

/// A recovery code accepted: this browser's link to make its passkey with.
///
/// ```
/// let answer: bmauth_proto::RecoveredResponse = serde_json::from_str(r#"{"token": "t"}"#).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveredResponse {
    /// The token of an approved device link, bound to this browser.
    pub token: String,
}

/// One of the account's passkeys.
///
/// ```
/// let passkey: bmauth_proto::PasskeyView = serde_json::from_value(serde_json::json!({
///     "id": "qFw3", "name": "Work laptop", "provider": "Windows Hello", "synced": false,
///     "backup_eligible": false, "created_at": 1764400000, "last_used_at": null,
///     "this_device": true, "counter_went_back_at": null
/// })).unwrap();
/// assert!(passkey.this_device);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyView {
    /// The credential id (base64url): names it to rename or remove it.
    pub id: String,
    /// Its name: the owner's, or the provider's or device's at creation.
    pub name: String,
    /// The passkey provider, from its AAGUID ("iCloud Keychain"), if known.
    pub provider: Option<String>,
    /// Backed up (synced) to the provider's cloud.
    pub synced: bool,
    /// May be synced; false for a passkey bound to one device.
    pub backup_eligible: bool,
    /// When it was made (Unix seconds).
    pub created_at: i64,
    /// When it was last used (Unix seconds).
    pub last_used_at: Option<i64>,
    /// It opened the session asking.
    pub this_device: bool,
    /// When its signature counter went backwards (it may have been copied), if ever.
    pub counter_went_back_at: Option<i64>,
}

/// The account's passkeys, oldest first.
///
/// ```
/// let answer: bmauth_proto::PasskeysResponse = serde_json::from_str(r#"{"passkeys": []}"#).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeysResponse {
    /// The passkeys.
    pub passkeys: Vec<PasskeyView>,
    /// Set when this device joined by a device link moments ago: until then (Unix
    /// seconds) it cannot remove the other passkeys or end other sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown_until: Option<i64>,
}

/// Names one of the account's passkeys.
///
/// ```
/// let body = bmauth_proto::PasskeyRequest { id: "qFw3".into() };
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasskeyRequest {
    /// Its credential id.
    pub id: String,
}

/// A passkey's new name.
///
/// ```
/// let body = bmauth_proto::RenamePasskeyRequest { id: "qFw3".into(), name: "Work laptop".into() };
/// assert!(body.name.chars().count() <= bmauth_proto::policy::PASSKEY_NAME_MAX_CHARS);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenamePasskeyRequest {
    /// Its credential id.
    pub id: String,
    /// At most 64 characters, without control or invisible characters.
    pub name: String,
}

/// A passkey removed.
///
/// ```
/// let answer: bmauth_proto::PasskeyRemovedResponse =
///     serde_json::from_str(r#"{"message": "Removed.", "signed_out": false}"#).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyRemovedResponse {
    /// Words for a person.
    pub message: String,
    /// This session was opened by that passkey, so it ended too.
    pub signed_out: bool,
}

/// A passkey's answer to a confirmation (`/auth/reauth/begin`).
///
/// ```
/// let body = bmauth_proto::ReauthRequest { credential: serde_json::json!({ "id": "…" }) };
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReauthRequest {
    /// The `PublicKeyCredential`, as WebAuthn JSON.
    pub credential: WebAuthnJson,
}

/// One of the account's live sessions.
///
/// ```
/// let session: bmauth_proto::SessionView = serde_json::from_value(serde_json::json!({
///     "id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "device": "Chrome on Android",
///     "created_at": 1764400000, "last_seen_at": 1764403600, "this_session": false,
///     "passkey_name": "Pixel"
/// })).unwrap();
/// assert_eq!(session.device.as_deref(), Some("Chrome on Android"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// Names the session to end it (not its cookie).
    pub id: String,
    /// The browser and system, if its user agent said.
    pub device: Option<String>,
    /// When it began (Unix seconds).
    pub created_at: i64,
    /// When it was last used (Unix seconds, to the minute).
    pub last_seen_at: i64,
    /// The session asking.
    pub this_session: bool,
    /// The passkey that opened it.
    pub passkey_name: Option<String>,
}

/// The account's live sessions, most recently used first.
///
/// ```
/// let answer: bmauth_proto::SessionsResponse = serde_json::from_str(r#"{"sessions": []}"#).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionsResponse {
    /// The sessions.
    pub sessions: Vec<SessionView>,
}

/// Names one of the account's sessions.
///
/// ```
/// let body = bmauth_proto::SessionRequest { id: "0f1e2d3c4b5a69788796a5b4c3d2e1f0".into() };
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionRequest {
    /// Its id, from the sessions list.
    pub id: String,
}

/// Sessions ended.
///
/// ```
/// let answer: bmauth_proto::SessionsEndedResponse =
///     serde_json::from_str(r#"{"ended": 2, "signed_out": false}"#).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionsEndedResponse {
    /// How many ended.
    pub ended: u64,
    /// This session was one of them.
    pub signed_out: bool,
}

/// What happened, in an account's recent activity.
///
/// ```
/// let kind: bmauth_proto::SecurityEventKind = serde_json::from_str("\"device_recovered\"").unwrap();
/// assert_eq!(kind, bmauth_proto::SecurityEventKind::DeviceRecovered);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityEventKind {
    /// The account was made (its email confirmed).
    SignedUp,
    /// A sign-in with a passkey.
    SignedIn,
    /// A device was added, approved on a signed-in one.
    DeviceAdded,
    /// A device was added with a recovery code from the account's email.
    DeviceRecovered,
    /// A passkey was renamed.
    PasskeyRenamed,
    /// A passkey was removed.
    PasskeyRemoved,
    /// A passkey's signature counter went backwards: it may have been copied.
    CounterWentBack,
    /// A session was ended from the sessions list.
    SessionEnded,
    /// Every other session was ended.
    OtherSessionsEnded,
    /// A device was removed with the "This wasn't me" link in the mail about it.
    DeviceUndone,
}

impl SecurityEventKind {
    /// Every kind.
    pub const ALL: [Self; 10] = [
        Self::SignedUp,
        Self::SignedIn,
        Self::DeviceAdded,
        Self::DeviceRecovered,
        Self::PasskeyRenamed,
        Self::PasskeyRemoved,
        Self::CounterWentBack,
        Self::SessionEnded,
        Self::OtherSessionsEnded,
        Self::DeviceUndone,
    ];

    /// Its name on the wire and in storage (`signed_in`).
    ///
    /// ```
    /// assert_eq!(bmauth_proto::SecurityEventKind::DeviceUndone.as_str(), "device_undone");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedUp => "signed_up",
            Self::SignedIn => "signed_in",
            Self::DeviceAdded => "device_added",
            Self::DeviceRecovered => "device_recovered",
            Self::PasskeyRenamed => "passkey_renamed",
            Self::PasskeyRemoved => "passkey_removed",
            Self::CounterWentBack => "counter_went_back",
            Self::SessionEnded => "session_ended",
            Self::OtherSessionsEnded => "other_sessions_ended",
            Self::DeviceUndone => "device_undone",
        }
    }

    /// The kind named `name`, if any.
    ///
    /// ```
    /// use bmauth_proto::SecurityEventKind;
    ///
    /// assert_eq!(SecurityEventKind::from_name("signed_in"), Some(SecurityEventKind::SignedIn));
    /// assert_eq!(SecurityEventKind::from_name("nonsense"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// One entry of an account's recent activity.
///
/// ```
/// let event: bmauth_proto::SecurityEventView = serde_json::from_value(serde_json::json!({
///     "kind": "signed_in", "at": 1764400000, "passkey_name": null,
///     "device": "Safari on iOS", "ip": "203.0.113.7"
/// })).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEventView {
    /// What happened.
    pub kind: SecurityEventKind,
    /// When (Unix seconds).
    pub at: i64,
    /// The passkey concerned, as it was named then.
    pub passkey_name: Option<String>,
    /// The browser and system that did it.
    pub device: Option<String>,
    /// The address it came from.
    pub ip: Option<String>,
}

/// The account's latest security events, newest first.
///
/// ```
/// let answer: bmauth_proto::ActivityResponse = serde_json::from_str(r#"{"events": []}"#).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityResponse {
    /// The events.
    pub events: Vec<SecurityEventView>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_kind_names_are_their_wire_names() {
        for kind in SecurityEventKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
            assert_eq!(SecurityEventKind::from_name(kind.as_str()), Some(kind));
        }
    }
}
