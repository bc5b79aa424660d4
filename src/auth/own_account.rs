//! A person's whole account in their own hands: their data to download, and
//! leaving (deleting the account, after a fresh passkey, with a last mail).

use serde::Serialize;

use super::device::describe_device;
use super::{Auth, AuthError, AuthResult, ClientInfo, SessionToken, UnixTime, User};
use crate::store::Change;

/// Everything BMAuth keeps about a person, as they download it
/// (`GET /auth/account/export`). Passkeys without their public keys (those are
/// for signature checks, not for people); times in Unix seconds.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct AccountExport {
    /// When this was made.
    pub exported_at: UnixTime,
    /// The account.
    pub account: ExportedAccount,
    /// Its passkeys, oldest first.
    pub passkeys: Vec<ExportedPasskey>,
    /// Its live sessions, most recently used first.
    pub sessions: Vec<ExportedSession>,
    /// Its recent security events, newest first.
    pub activity: Vec<ExportedEvent>,
    /// The apps it signed in to through BMAuth.
    pub apps: Vec<ExportedApp>,
}

/// The account itself.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct ExportedAccount {
    pub id: String,
    pub email: String,
    pub admin: bool,
}

/// A passkey, without its key.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct ExportedPasskey {
    pub id: String,
    pub name: String,
    pub provider: Option<String>,
    pub synced: bool,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
}

/// A live session.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct ExportedSession {
    pub device: Option<String>,
    pub created_at: UnixTime,
    pub last_seen_at: UnixTime,
    pub passkey_name: Option<String>,
}

/// A security event.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct ExportedEvent {
    pub kind: &'static str,
    pub at: UnixTime,
    pub passkey_name: Option<String>,
    pub device: Option<String>,
    pub ip: Option<String>,
}

/// An app it let in.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct ExportedApp {
    pub client_id: String,
    pub name: String,
    pub scope: String,
    pub last_signed_in_at: UnixTime,
}

/// What the browser's passkey manager is told after a change, where it can be
/// (WebAuthn Level 3 §5.1.10, `signalAllAcceptedCredentials`): the account's
/// user handle and the passkeys that still count.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AcceptedPasskeys {
    /// The WebAuthn RP id.
    pub rp_id: String,
    /// The user handle, base64url.
    pub user_handle: String,
    /// The credential ids that still sign in (base64url); none after a deletion.
    pub credential_ids: Vec<String>,
}

impl Auth {
    /// Everything kept about the signed-in person, to download.
    pub async fn export_account(&self, token: &SessionToken) -> AuthResult<AccountExport> {
        let session = self.signed_in_session(token).await?;
        let user = User {
            id: session.user_id.clone(),
            email: session.email.clone(),
            verified: true,
            admin: session.is_admin,
        };
        // One look at the session, shared by every part of the export.
        let passkeys = self.passkeys_seen_from(&session).await?.passkeys;
        let sessions = self.sessions_seen_from(&session).await?;
        let activity = self.recent_activity(&user).await?;
        let apps = self.signed_in_apps(&user).await?;
        Ok(AccountExport {
            exported_at: self.now(),
            account: ExportedAccount {
                id: user.id.as_str().into(),
                email: user.email,
                admin: user.admin,
            },
            passkeys: passkeys
                .into_iter()
                .map(|p| ExportedPasskey {
                    id: p.id.as_str().into(),
                    name: p.name,
                    provider: p.provider,
                    synced: p.synced,
                    created_at: p.created_at,
                    last_used_at: p.last_used_at,
                })
                .collect(),
            sessions: sessions
                .into_iter()
                .map(|s| ExportedSession {
                    device: s.device,
                    created_at: s.created_at,
                    last_seen_at: s.last_seen_at,
                    passkey_name: s.passkey_name,
                })
                .collect(),
            activity: activity
                .into_iter()
                .map(|e| ExportedEvent {
                    kind: e.kind.as_str(),
                    at: e.at,
                    passkey_name: e.passkey_name,
                    device: e.device,
                    ip: e.ip,
                })
                .collect(),
            apps: apps
                .into_iter()
                .map(|a| ExportedApp {
                    client_id: a.client_id,
                    name: a.name,
                    scope: a.scope,
                    last_signed_in_at: a.last_signed_in_at,
                })
                .collect(),
        })
    }

    /// Deletes the signed-in person's account and everything of it, and mails
    /// them a last notice. Needs a passkey confirmation in this session from the
    /// last few minutes, and not from a device still held back after joining by a
    /// link (which could otherwise take the whole account from its owner). What the
    /// browser's passkey manager may be told: none of the account's passkeys count.
    pub async fn delete_own_account(
        &self,
        token: &SessionToken,
        client: &ClientInfo,
    ) -> AuthResult<AcceptedPasskeys> {
        let session = self.signed_in_session(token).await?;
        self.past_cooldown(&session)?;
        self.confirmed_lately(&session)?;
        let user = self
            .store
            .user_by_id(&session.user_id)
            .await?
            .ok_or(AuthError::NotSignedIn)?;
        let farewell = crate::mail::account_deleted_mail(
            &self.settings.rp_name,
            describe_device(client.user_agent.as_deref()).as_deref(),
        );
        let farewell = self.security_notice(&user.email, &farewell);
        match self.store.delete_user(&user, None, Some(&farewell)).await? {
            Change::Done => {}
            Change::NoSuchAccount => return Err(AuthError::NotSignedIn),
            Change::LastAdministrator => return Err(AuthError::LastAdministrator),
        }
        tracing::info!(user = %user.id, "account deleted by its owner");
        self.send_notice(&farewell).await;
        Ok(self.accepted_passkeys(&user.id, Vec::new()))
    }

    /// The signal for `user_id` with these passkeys still counting.
    pub(crate) fn accepted_passkeys(
        &self,
        user_id: &super::UserId,
        credential_ids: Vec<String>,
    ) -> AcceptedPasskeys {
        let handle = uuid::Uuid::parse_str(user_id.as_str())
            .map(|u| crate::crypto::b64url(u.as_bytes()))
            .unwrap_or_default();
        AcceptedPasskeys {
            rp_id: self.settings.rp_id.clone(),
            user_handle: handle,
            credential_ids,
        }
    }
}
