//! Recent activity: the account's security events, kept in the database and shown
//! to its owner, so that a sign-in or a device they don't recognise stands out.

use uuid::Uuid;

use super::link::describe_device;
use super::{Auth, AuthResult, ClientInfo, User, UserId, policy};
use crate::clock::UnixTime;
use crate::store::EventRow;

/// What happened.
///
/// ```
/// use bmauth::core::SecurityEventKind;
///
/// assert_eq!(SecurityEventKind::from_name("passkey_removed"), Some(SecurityEventKind::PasskeyRemoved));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// A passkey was removed (and the sessions it opened ended).
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

const KINDS: [SecurityEventKind; 10] = [
    SecurityEventKind::SignedUp,
    SecurityEventKind::SignedIn,
    SecurityEventKind::DeviceAdded,
    SecurityEventKind::DeviceRecovered,
    SecurityEventKind::PasskeyRenamed,
    SecurityEventKind::PasskeyRemoved,
    SecurityEventKind::CounterWentBack,
    SecurityEventKind::SessionEnded,
    SecurityEventKind::OtherSessionsEnded,
    SecurityEventKind::DeviceUndone,
];

impl SecurityEventKind {
    /// How it is stored and sent.
    ///
    /// ```
    /// assert_eq!(bmauth::core::SecurityEventKind::SignedIn.as_str(), "signed_in");
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

    /// The kind stored as `name`.
    ///
    /// ```
    /// assert_eq!(bmauth::core::SecurityEventKind::from_name("nonsense"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        KINDS.into_iter().find(|k| k.as_str() == name)
    }
}

/// One entry of an account's recent activity.
///
/// ```no_run
/// # async fn run(bmauth: bmauth::BmAuth, user: bmauth::core::User) -> Result<(), bmauth::AuthError> {
/// use bmauth::core::SecurityEventKind;
///
/// let sign_ins = bmauth.core().recent_activity(&user).await?.into_iter().filter(|e| e.kind == SecurityEventKind::SignedIn);
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
            kind,
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
    /// # async fn run(bmauth: bmauth::BmAuth, user: bmauth::core::User) -> Result<(), bmauth::AuthError> {
    /// for event in bmauth.core().recent_activity(&user).await? {
    ///     println!("{} {:?} from {:?}", event.at, event.kind, event.device);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn recent_activity(&self, user: &User) -> AuthResult<Vec<SecurityEvent>> {
        let rows = self
            .store
            .events_of(&user.id, policy::ACTIVITY_SHOWN)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| SecurityEvent {
                kind: row.kind,
                at: row.created_at,
                passkey_name: row.passkey_name,
                device: describe_device(row.user_agent.as_deref()),
                ip: row.ip,
            })
            .collect())
    }
}
