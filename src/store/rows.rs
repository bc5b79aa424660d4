//! Rows as stored. Plain data: the auth rules give them meaning.

use crate::model::{
    CeremonyKind, CredentialId, LinkOrigin, LinkState, PinPurpose, UnixTime, UserId,
};
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub created_at: UnixTime,
    pub verified_at: Option<UnixTime>,
    /// The invitation a pending sign-up came with; confirming it spends it.
    pub invitation_id: Option<String>,
    pub is_admin: bool,
    /// Set by an administrator: nothing signs in while it is.
    pub disabled_at: Option<UnixTime>,
}

/// A passkey as read back.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CredentialRow {
    pub id: CredentialId,
    pub user_id: UserId,
    pub passkey: String,
    pub name: String,
    pub aaguid: Option<String>,
    /// What the browser reported at registration (JSON), for operators and tests;
    /// never sent back in sign-in options, where it would tell real accounts from
    /// made-up ones.
    #[cfg_attr(not(feature = "test-support"), allow(dead_code))]
    pub transports: Option<String>,
    pub backup_eligible: bool,
    pub backup_state: bool,
    /// The counter as of the last use (webauthn-rs keeps its own in `passkey`).
    #[cfg_attr(not(feature = "test-support"), allow(dead_code))]
    pub sign_count: i64,
    pub counter_regressed_at: Option<UnixTime>,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
    /// Until when the sessions it opens cannot remove the account's other devices.
    pub held_until: Option<UnixTime>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CeremonyRow {
    pub id: String,
    pub kind: CeremonyKind,
    /// SHA-256 of the browser-binding cookie of the browser that began it.
    pub browser_hash: String,
    pub user_id: Option<UserId>,
    pub email: Option<String>,
    pub state: String,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PinRow {
    pub user_id: UserId,
    pub purpose: PinPurpose,
    /// SHA-256 of the browser-binding cookie of the browser that asked for it.
    pub browser_hash: String,
    pub code_hash: String,
    /// Wrong tries left for this PIN.
    pub attempts_left: i64,
    /// Wrong tries left across resends.
    pub tries_left: i64,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: UserId,
    pub credential_id: Option<CredentialId>,
    pub user_agent: Option<String>,
    pub created_at: UnixTime,
    pub last_seen_at: UnixTime,
    pub expires_at: UnixTime,
    /// When the person last proved, in this session, that they were there: a
    /// user-verified passkey assertion or a new passkey. NULL if never.
    pub verified_at: Option<UnixTime>,
}

/// A session with the user it belongs to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUserRow {
    pub id_hash: String,
    /// When the person signed in (the session began).
    pub session_created_at: UnixTime,
    pub last_seen_at: UnixTime,
    pub credential_id: Option<CredentialId>,
    /// The session's `verified_at`.
    pub session_verified_at: Option<UnixTime>,
    /// Until when the passkey that opened the session is held back (see
    /// `core::cooldown`), if it is.
    pub passkey_held_until: Option<UnixTime>,
    /// Whether that passkey may be synced to other devices (`backup_eligible`).
    pub passkey_synced: Option<bool>,
    pub user_id: UserId,
    pub email: String,
    pub verified_at: Option<UnixTime>,
    pub is_admin: bool,
}

/// Something that happened to an account's security, kept for its owner to see.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: String,
    pub user_id: UserId,
    /// What happened, by name (`signed_in`: `bmauth_proto::SecurityEventKind`).
    pub kind: String,
    /// The passkey concerned, as it was named then.
    pub passkey_name: Option<String>,
    /// The `User-Agent` of the browser that did it (described when shown).
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: UnixTime,
}

/// A queued message. (When it was sent and the last error are written by the
/// store's statements for operators reading the table; no rule reads them.)
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub sealed_body: Vec<u8>,
    pub attempts: i64,
    pub created_at: UnixTime,
    pub next_attempt_at: UnixTime,
    pub expires_at: UnixTime,
}

/// A request to add a device to an account (see `crate::auth::link`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkRow {
    /// SHA-256 of the token the QR code carries.
    pub id_hash: String,
    /// Keyed hash of the code a person can type instead of scanning.
    pub code_hash: String,
    /// The account: set by an offer from a signed-in device, or at approval.
    pub user_id: Option<UserId>,
    /// Approved on a signed-in device, or by a recovery code.
    pub origin: LinkOrigin,
    pub state: LinkState,
    /// SHA-256 of the new device's browser-binding cookie, once it is known.
    pub new_browser_hash: Option<String>,
    pub new_user_agent: Option<String>,
    pub new_ip: Option<String>,
    /// The number the new device shows, to be typed on the approving one.
    pub number: Option<String>,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    /// Where it was approved from (a signed-in device's user agent and address),
    /// kept for the mail that tells of the new device.
    pub approver_user_agent: Option<String>,
    pub approver_ip: Option<String>,
    /// The cool-down the new device's passkey inherits from the passkey that let it
    /// in, if that one is held back.
    pub inherited_hold: Option<UnixTime>,
}

/// "This wasn't me": a one-time link, in the mail about a new device, that removes
/// that device's passkey.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UndoRow {
    /// SHA-256 of the token in the mail's link.
    pub id_hash: String,
    pub user_id: UserId,
    /// The new device's passkey.
    pub credential_id: CredentialId,
    /// The new device's browser and address, to show on the page.
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}
