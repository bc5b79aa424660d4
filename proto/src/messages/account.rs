//! The signed-in person's account: passkeys, sessions and recent activity.

use serde::{Deserialize, Serialize};

use super::WebAuthnJson;

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
    /// For the browser's passkey manager: the passkeys that still count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted: Option<AcceptedPasskeysView>,
}

/// What the browser's passkey manager may be told after a change (WebAuthn Level 3
/// `PublicKeyCredential.signalAllAcceptedCredentials`): which of the account's
/// passkeys still count, so that it can hide the others.
///
/// ```
/// let signal = bmauth_proto::AcceptedPasskeysView {
///     rp_id: "example.com".into(),
///     user_id: "AAAAAAAAAAAAAAAAAAAAAA".into(),
///     all_accepted_credential_ids: vec![],
/// };
/// assert!(signal.all_accepted_credential_ids.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedPasskeysView {
    /// The WebAuthn RP id.
    pub rp_id: String,
    /// The user handle, base64url.
    pub user_id: String,
    /// The credential ids that still sign in, base64url.
    pub all_accepted_credential_ids: Vec<String>,
}

/// The signed-in person's account, deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDeletedResponse {
    /// Words for a person.
    pub message: String,
    /// For the browser's passkey manager: none of the account's passkeys count.
    pub accepted: AcceptedPasskeysView,
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
    /// An administrator disabled the account (its sessions ended).
    AccountDisabled,
    /// An administrator enabled the account again.
    AccountEnabled,
    /// An administrator ended the account's sessions.
    SessionsEndedByAdmin,
    /// The account's address was changed (confirmed from the new one).
    EmailChanged,
    /// A change of address was undone from the old address; every session ended.
    EmailChangeUndone,
    /// An administrator sent a recovery link to the account's address.
    RecoveryLinkSent,
}

impl SecurityEventKind {
    /// Every kind.
    pub const ALL: [Self; 16] = [
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
        Self::AccountDisabled,
        Self::AccountEnabled,
        Self::SessionsEndedByAdmin,
        Self::EmailChanged,
        Self::EmailChangeUndone,
        Self::RecoveryLinkSent,
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
            Self::AccountDisabled => "account_disabled",
            Self::AccountEnabled => "account_enabled",
            Self::SessionsEndedByAdmin => "sessions_ended_by_admin",
            Self::EmailChanged => "email_changed",
            Self::EmailChangeUndone => "email_change_undone",
            Self::RecoveryLinkSent => "recovery_link_sent",
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

/// An app the account signed in to through BMAuth.
///
/// ```
/// let app: bmauth_proto::AppView = serde_json::from_value(serde_json::json!({
///     "client_id": "notes", "name": "Acme Notes", "scope": "openid email",
///     "last_signed_in_at": 1764400000
/// })).unwrap();
/// assert_eq!(app.name, "Acme Notes");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppView {
    /// Names the app to revoke it.
    pub client_id: String,
    /// Its registered name.
    pub name: String,
    /// What it may see (OAuth scopes, space-separated).
    pub scope: String,
    /// When the account last signed in to it (Unix seconds).
    pub last_signed_in_at: i64,
}

/// The apps the account signed in to, most recently allowed first.
///
/// ```
/// let answer: bmauth_proto::AppsResponse = serde_json::from_str(r#"{"apps": []}"#).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppsResponse {
    /// The apps.
    pub apps: Vec<AppView>,
}

/// Names an app the account signed in to.
///
/// ```
/// let body = bmauth_proto::AppRequest { client_id: "notes".into() };
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppRequest {
    /// Its `client_id`, from the apps list.
    pub client_id: String,
}

/// The code mailed to the new address.
///
/// ```
/// let body = bmauth_proto::EmailCodeRequest { pin: "123456".into() };
/// assert_eq!(body.pin.len(), bmauth_proto::policy::PIN_DIGITS);
/// ```
#[derive(Clone, Serialize, Deserialize)]
pub struct EmailCodeRequest {
    /// 6 digits.
    pub pin: String,
}

/// A code is a secret: never printed.
impl std::fmt::Debug for EmailCodeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EmailCodeRequest { pin: <redacted> }")
    }
}

/// The address changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailChangedResponse {
    /// The new address.
    pub email: String,
    /// For `PublicKeyCredential.signalCurrentUserDetails`: the RP id.
    pub rp_id: String,
    /// For the same: the user handle, base64url.
    pub user_id: String,
}

/// What an email undo link would put back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailUndoDetailsResponse {
    /// The address it comes back to.
    pub old_email: String,
    /// The address it was changed to.
    pub new_email: String,
    /// When (Unix seconds).
    pub changed_at: i64,
}
