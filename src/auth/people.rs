//! Looking after accounts (administrators and the command line): list and read
//! them, disable and enable, delete, make administrators. Every change is written
//! to the admin log with who made it. The web's administrators will come through
//! the same doors, each action after a fresh passkey confirmation.

use uuid::Uuid;

use super::account::passkey_info;
use super::activity::security_event;
use super::{
    Auth, AuthError, AuthResult, Email, PasskeyInfo, SecurityEvent, SecurityEventKind,
    SessionToken, UnixTime, UserId,
};
use crate::store::{AdminLogRow, Change, EventRow, PersonRow, UserRow};

/// Who is acting on an account.
///
/// ```
/// let actor = bmauth::auth::Actor::CommandLine;
/// # let _ = actor;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Someone with the server's configuration and database (`bmauth users …`).
    CommandLine,
    /// A signed-in administrator.
    Admin {
        /// Their account.
        id: UserId,
        /// Their address, as the log names them.
        email: String,
    },
}

impl Actor {
    pub(crate) fn user_id(&self) -> Option<&UserId> {
        match self {
            Self::CommandLine => None,
            Self::Admin { id, .. } => Some(id),
        }
    }
}

/// Where an account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonState {
    /// Confirmed, and may sign in.
    Active,
    /// An administrator disabled it: nothing signs in.
    Disabled,
}

/// An account as an administrator sees it in a list.
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct Person {
    /// Its stable id (the OpenID Connect `sub`).
    pub id: UserId,
    /// Its address.
    pub email: String,
    /// Active or disabled.
    pub state: PersonState,
    /// An administrator.
    pub admin: bool,
    /// When the address was confirmed.
    pub created_at: UnixTime,
    /// How many passkeys it has.
    pub passkeys: i64,
    /// The last time one of its passkeys was used.
    pub last_sign_in: Option<UnixTime>,
}

/// One account in full: its passkeys, live sessions and recent activity.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PersonDetails {
    /// The summary.
    pub person: Person,
    /// Oldest first.
    pub passkey_list: Vec<PasskeyInfo>,
    /// How many sessions are live.
    pub live_sessions: usize,
    /// Newest first.
    pub activity: Vec<SecurityEvent>,
}

impl From<PersonRow> for Person {
    fn from(row: PersonRow) -> Self {
        let user = row.user;
        Self {
            state: match user.disabled_at {
                Some(_) => PersonState::Disabled,
                None => PersonState::Active,
            },
            admin: user.is_admin,
            created_at: user.verified_at.unwrap_or(user.created_at),
            id: user.id,
            email: user.email,
            passkeys: row.passkeys,
            last_sign_in: row.last_sign_in,
        }
    }
}

/// One line of the admin log.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AdminLogEntry {
    /// When.
    pub at: UnixTime,
    /// The administrator's address; `None`: the command line.
    pub actor: Option<String>,
    /// What was done: `user_disabled`, `user_enabled`, `user_deleted`,
    /// `admin_granted`, `admin_revoked`, `invitation_created`, `invitation_revoked`,
    /// `recovery_link_sent`.
    pub action: String,
    /// The address it was done to.
    pub subject: String,
}

impl Auth {
    /// The admin log, newest first, at most `limit` lines.
    pub async fn admin_log(&self, limit: i64) -> AuthResult<Vec<AdminLogEntry>> {
        Ok(self
            .store
            .admin_log(limit)
            .await?
            .into_iter()
            .map(|row| AdminLogEntry {
                at: row.at,
                actor: row.actor,
                action: row.action,
                subject: row.subject,
            })
            .collect())
    }

    /// Confirmed accounts whose address contains `search`, by address.
    pub async fn people(&self, search: &str) -> AuthResult<Vec<Person>> {
        let rows = self.store.people(&search.trim().to_lowercase()).await?;
        Ok(rows.into_iter().map(Person::from).collect())
    }

    /// The confirmed account with this address, in full.
    pub async fn person(&self, email: &str) -> AuthResult<PersonDetails> {
        let user = self.account(email).await?;
        let person = self
            .store
            .person(&user.id)
            .await?
            .map(Person::from)
            .ok_or(AuthError::UserNotFound)?;
        let passkey_list = self
            .store
            .credentials_of(&user.id)
            .await?
            .into_iter()
            .map(|row| passkey_info(row, None))
            .collect();
        let now = self.now();
        let live_sessions = self
            .store
            .sessions_of(&user.id, now, now - super::secs(self.settings.session_idle))
            .await?
            .len();
        let activity = self
            .store
            .events_of(&user.id, super::policy::ACTIVITY_SHOWN)
            .await?
            .into_iter()
            .filter_map(security_event)
            .collect();
        Ok(PersonDetails {
            person,
            passkey_list,
            live_sessions,
            activity,
        })
    }

    /// The administrator whose session this is: `NotSignedIn` without a live
    /// session, `AdminRequired` for anyone else. With `fresh`, for a change: a
    /// passkey confirmation in this session from the last few minutes too, or
    /// `ReauthenticationRequired`.
    pub async fn administrator(&self, token: &SessionToken, fresh: bool) -> AuthResult<Actor> {
        let session = self.signed_in_session(token).await?;
        if !session.is_admin {
            return Err(AuthError::AdminRequired);
        }
        // A device that joined an administrator's account by a link moments ago
        // may be a phisher's: it administers nothing, reads included, until its
        // cool-down ends (see `cooldown.rs`).
        self.past_cooldown(&session)?;
        if fresh {
            self.confirmed_lately(&session)?;
        }
        Ok(Actor::Admin {
            id: session.user_id,
            email: session.email,
        })
    }

    /// Disables the account: its sessions and app tokens end at once, and nothing
    /// signs in (passkey, recovery, device link, app) until it is enabled again.
    pub async fn disable_person(&self, email: &str, actor: &Actor) -> AuthResult<()> {
        let user = self.account(email).await?;
        not_on_yourself(actor, &user)?;
        let log = self.admin_log_row(actor, "user_disabled", &user.email);
        let event = self.admin_event(&user, SecurityEventKind::AccountDisabled);
        changed(
            self.store
                .disable_user(&user.id, self.now(), &log, &event)
                .await?,
        )?;
        tracing::info!(user = %user.id, "account disabled");
        Ok(())
    }

    /// Lets a disabled account sign in again (its old sessions stay ended).
    pub async fn enable_person(&self, email: &str, actor: &Actor) -> AuthResult<()> {
        let user = self.account(email).await?;
        let log = self.admin_log_row(actor, "user_enabled", &user.email);
        let event = self.admin_event(&user, SecurityEventKind::AccountEnabled);
        if !self.store.enable_user(&user.id, &log, &event).await? {
            return Err(AuthError::UserNotFound);
        }
        tracing::info!(user = %user.id, "account enabled");
        Ok(())
    }

    /// Signs the account out everywhere: every session, and every token its apps
    /// hold. How many sessions ended.
    pub async fn end_sessions_of_person(&self, email: &str, actor: &Actor) -> AuthResult<u64> {
        let user = self.account(email).await?;
        let log = self.admin_log_row(actor, "sessions_ended", &user.email);
        let event = self.admin_event(&user, SecurityEventKind::SessionsEndedByAdmin);
        Ok(self.store.end_sessions_of(&user.id, &log, &event).await?)
    }

    /// Deletes the account and everything of it; its address is free again.
    pub async fn delete_person(&self, email: &str, actor: &Actor) -> AuthResult<()> {
        let user = self.account(email).await?;
        not_on_yourself(actor, &user)?;
        let log = self.admin_log_row(actor, "user_deleted", &user.email);
        changed(self.store.delete_user(&user, Some(&log), None).await?)?;
        tracing::info!(user = %user.id, "account deleted");
        Ok(())
    }

    /// Makes the account an administrator (`admin`), or not.
    pub async fn set_admin(&self, email: &str, admin: bool, actor: &Actor) -> AuthResult<()> {
        let user = self.account(email).await?;
        if !admin {
            not_on_yourself(actor, &user)?;
        }
        let action = if admin {
            "admin_granted"
        } else {
            "admin_revoked"
        };
        let log = self.admin_log_row(actor, action, &user.email);
        changed(self.store.set_admin(&user.id, admin, &log).await?)?;
        Ok(())
    }

    /// The confirmed account with this address, or `UserNotFound`.
    pub(super) async fn account(&self, email: &str) -> AuthResult<UserRow> {
        let email = Email::parse(email)?;
        self.store
            .user_by_confirmed_email(email.as_str())
            .await?
            .ok_or(AuthError::UserNotFound)
    }

    /// An event on the person's own activity for what an administrator did: no
    /// device or address of theirs, since it was not them.
    pub(super) fn admin_event(&self, user: &UserRow, kind: SecurityEventKind) -> EventRow {
        EventRow {
            id: Uuid::now_v7().to_string(),
            user_id: user.id.clone(),
            kind: kind.as_str().into(),
            passkey_name: None,
            user_agent: None,
            ip: None,
            created_at: self.now(),
        }
    }

    pub(crate) fn admin_log_row(&self, actor: &Actor, action: &str, subject: &str) -> AdminLogRow {
        AdminLogRow {
            id: Uuid::now_v7().to_string(),
            at: self.now(),
            actor: match actor {
                Actor::CommandLine => None,
                Actor::Admin { email, .. } => Some(email.clone()),
            },
            action: action.into(),
            subject: subject.into(),
        }
    }
}

/// An administrator may not lock themselves out from the web: disabling or
/// deleting their own account, or taking away their own administration, is for
/// another administrator (or the command line).
fn not_on_yourself(actor: &Actor, user: &UserRow) -> AuthResult<()> {
    match actor {
        Actor::Admin { id, .. } if *id == user.id => Err(AuthError::NotOnYourself),
        _ => Ok(()),
    }
}

/// A change's outcome as the rules say it.
pub(crate) fn changed(outcome: Change) -> AuthResult<()> {
    match outcome {
        Change::Done => Ok(()),
        Change::NoSuchAccount => Err(AuthError::UserNotFound),
        Change::LastAdministrator => Err(AuthError::LastAdministrator),
    }
}
