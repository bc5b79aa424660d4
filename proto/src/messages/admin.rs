//! What administrators read and send (`/auth/admin/…`): people, invitations and
//! the admin log.

use serde::{Deserialize, Serialize};

use super::{PasskeyView, SecurityEventView};

/// An account in the administrators' list.
///
/// ```
/// let person: bmauth_proto::PersonView = serde_json::from_value(serde_json::json!({
///     "id": "5f0c…", "email": "ana@example.org", "state": "active", "admin": false,
///     "created_at": 1764400000, "passkeys": 2, "last_sign_in": null
/// })).unwrap();
/// assert_eq!(person.state, "active");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonView {
    /// Stable id (the OpenID Connect `sub`).
    pub id: String,
    /// Their address.
    pub email: String,
    /// `active` or `disabled`.
    pub state: String,
    /// An administrator.
    pub admin: bool,
    /// When the account was made (Unix seconds).
    pub created_at: i64,
    /// How many passkeys it has.
    pub passkeys: i64,
    /// The last use of any of its passkeys.
    pub last_sign_in: Option<i64>,
}

/// Every account, by address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeopleResponse {
    /// By address.
    pub people: Vec<PersonView>,
}

/// Names an account by its address.
///
/// ```
/// let body = bmauth_proto::PersonRequest { email: "ana@example.org".into() };
/// assert_eq!(serde_json::to_value(&body).unwrap()["email"], "ana@example.org");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRequest {
    /// Their address.
    pub email: String,
}

/// One account in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonResponse {
    /// The summary.
    pub person: PersonView,
    /// Its passkeys, oldest first.
    pub passkeys: Vec<PasskeyView>,
    /// How many sessions are live.
    pub live_sessions: u64,
    /// Its recent activity, newest first.
    pub activity: Vec<SecurityEventView>,
}

/// An invitation (never its token, which only the link carries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    /// Names it to revoke.
    pub id: String,
    /// The one address it admits.
    pub email: String,
    /// `pending`, `accepted`, `revoked` or `expired`.
    pub state: String,
    /// When it was made.
    pub created_at: i64,
    /// When it stops admitting.
    pub expires_at: i64,
    /// The administrator who made it (`null`: the command line).
    pub created_by: Option<String>,
}

/// Every invitation, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationsResponse {
    /// Newest first.
    pub invitations: Vec<InvitationView>,
}

/// A new invitation: the link to send, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationCreatedResponse {
    /// The invitation.
    pub invitation: InvitationView,
    /// The sign-up link with its token.
    pub link: String,
}

/// Names an invitation by its id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRequest {
    /// Its id.
    pub id: String,
}

/// One line of the admin log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminLogView {
    /// When (Unix seconds).
    pub at: i64,
    /// The administrator (`null`: the command line).
    pub actor: Option<String>,
    /// What was done (`user_disabled`, `invitation_created`, …).
    pub action: String,
    /// The address it was done to.
    pub subject: String,
}

/// The admin log, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminLogResponse {
    /// Newest first.
    pub entries: Vec<AdminLogView>,
}

/// An app that signs people in through BMAuth, as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAppView {
    /// Its `client_id`.
    pub client_id: String,
    /// Its name.
    pub name: String,
    /// A browser or native app (no secret, PKCE).
    pub public: bool,
    /// Where it may send people back.
    pub redirect_uris: Vec<String>,
    /// Who may sign in to it (addresses and `*@domain`); empty: everyone.
    pub allow: Vec<String>,
}

/// Every app, the configuration's first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAppsResponse {
    /// The configuration's, then those added with `bmauth clients add`.
    pub apps: Vec<AdminAppView>,
}
