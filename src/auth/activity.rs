//! Recent activity: the account's security events, kept in the database and shown
//! to its owner, so that a sign-in or a device they don't recognise stands out.

use uuid::Uuid;

use super::device::describe_device;
use super::{Auth, AuthResult, ClientInfo, SecurityEventKind, User, UserId, policy};
use crate::clock::UnixTime;
use crate::store::EventRow;

/// One entry of an account's recent activity.
///
/// ```no_run
/// # async fn run(bmauth: bmauth::BmAuth, user: bmauth::auth::User) -> Result<(), bmauth::AuthError> {
/// use bmauth::auth::SecurityEventKind;
///
/// let sign_ins = bmauth.auth().recent_activity(&user).await?.into_iter().filter(|e| e.kind == SecurityEventKind::SignedIn);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityEvent {
    /// What happened.
    pub kind: SecurityEventKind,
    /// When.
    pub at: UnixTime,
    /// The passkey concerned, as it was named then.
    pub passkey_name: Option<String>,
    /// The browser and system that did it ("Chrome on Android").
    pub device: Option<String>,
    /// The address it came from.
    pub ip: Option<String>,
}

impl Auth {
    /// An event to store with whatever it records, in the same transaction.
    pub(crate) fn event(
        &self,
        user_id: &UserId,
        kind: SecurityEventKind,
        passkey_name: Option<&str>,
        client: &ClientInfo,
    ) -> EventRow {
        EventRow {
            // Time-ordered, so that events of the same second keep their order.
            id: Uuid::now_v7().to_string(),
            user_id: user_id.clone(),
            kind: kind.as_str().into(),
            passkey_name: passkey_name.map(Into::into),
            // Described when shown: parsing it here would cost every sign-in.
            user_agent: client.user_agent_to_store(),
            ip: client.ip.map(|ip| ip.to_string()),
            created_at: self.now(),
        }
    }

    /// The account's latest security events, newest first.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, user: bmauth::auth::User) -> Result<(), bmauth::AuthError> {
    /// for event in bmauth.auth().recent_activity(&user).await? {
    ///     println!("{} {:?} from {:?}", event.at, event.kind, event.device);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn recent_activity(&self, user: &User) -> AuthResult<Vec<SecurityEvent>> {
        let rows = self
            .store
            .events_of(&user.id, policy::ACTIVITY_SHOWN)
            .await?;
        Ok(rows.into_iter().filter_map(security_event).collect())
    }
}

/// A stored event as it is shown; `None` for a kind this version does not know
/// (written by a newer one), which is left out.
pub(crate) fn security_event(row: EventRow) -> Option<SecurityEvent> {
    Some(SecurityEvent {
        kind: SecurityEventKind::from_name(&row.kind)?,
        at: row.created_at,
        passkey_name: row.passkey_name,
        device: describe_device(row.user_agent.as_deref()),
        ip: row.ip,
    })
}
