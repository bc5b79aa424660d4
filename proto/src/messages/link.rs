//! Adding a device (QR code, typed code, a phone nearby), recovery, and the
//! "This wasn't me" link.

use serde::{Deserialize, Serialize};

use super::WebAuthnJson;

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
