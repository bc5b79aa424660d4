//! "This wasn't me": the mail telling an account that a device joined carries a
//! one-time link, valid a day, that removes that device's passkey (and so ends the
//! sessions it opened) without signing in: the owner may have no device left that
//! they trust. It does nothing else. The token (128 random bits, stored as
//! SHA-256) is in the link's `#fragment`, so it reaches no server log, and the page
//! asks before it acts (`POST`), so that a mail scanner following links removes
//! nothing. The cross-device BCP's "detect and remediate" (§6.1.6).

use super::SecurityEventKind;
use super::{Auth, AuthError, AuthResult, ClientInfo, CredentialId, UserId, policy, secs};
use crate::clock::UnixTime;
use crate::crypto::{b64url, hex, random_bytes, sha256};
use crate::store::UndoRow;

/// What an undo link would remove, shown before it does.
///
/// ```no_run
/// # async fn run(bmauth: bmauth::BmAuth) -> Result<(), bmauth::AuthError> {
/// let device = bmauth.auth().undo_details("token from the mail's link").await?;
/// println!("remove {:?}, added at {}?", device.device, device.added_at);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoDetails {
    /// The device's browser and system ("Chrome on Android").
    pub device: Option<String>,
    /// The address it joined from.
    pub ip: Option<String>,
    /// When it joined.
    pub added_at: UnixTime,
}

/// The hash an undo token is stored and found by.
fn undo_key(token: &str) -> String {
    hex(&sha256(token.trim().as_bytes()))
}

impl Auth {
    /// A new undo link for the passkey `credential_id` that the device of `client`
    /// just made: the row to store with it, and the token for the mail.
    pub(crate) fn new_undo(
        &self,
        user_id: &UserId,
        credential_id: &CredentialId,
        client: &ClientInfo,
        now: UnixTime,
    ) -> (UndoRow, String) {
        let token = b64url(&random_bytes::<16>());
        let row = UndoRow {
            id_hash: undo_key(&token),
            user_id: user_id.clone(),
            credential_id: credential_id.clone(),
            user_agent: client.user_agent_to_store(),
            ip: client.ip.map(|ip| ip.to_string()),
            created_at: now,
            expires_at: now + secs(policy::UNDO_TTL),
        };
        (row, token)
    }

    /// The live undo link with this token.
    async fn live_undo(&self, token: &str) -> AuthResult<UndoRow> {
        if token.trim().is_empty() || token.len() > 64 {
            return Err(AuthError::UndoNotFound);
        }
        self.store
            .undo(&undo_key(token))
            .await?
            .filter(|undo| undo.expires_at > self.now())
            .ok_or(AuthError::UndoNotFound)
    }

    /// What the undo link with this token would remove.
    pub async fn undo_details(&self, token: &str) -> AuthResult<UndoDetails> {
        let undo = self.live_undo(token).await?;
        Ok(UndoDetails {
            device: super::device::describe_device(undo.user_agent.as_deref()),
            ip: undo.ip,
            added_at: undo.created_at,
        })
    }

    /// Removes the device the undo link names: its passkey goes, with the sessions
    /// it opened, and the account's activity says so. Once only.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// bmauth.auth().undo_device("token from the mail's link", &client).await?;
    /// # Ok(()) }
    /// ```
    pub async fn undo_device(&self, token: &str, client: &ClientInfo) -> AuthResult<()> {
        let undo = self.live_undo(token).await?;
        let name = self
            .store
            .credentials_of(&undo.user_id)
            .await?
            .into_iter()
            .find(|c| c.id == undo.credential_id)
            .map(|c| c.name);
        let event = self.event(
            &undo.user_id,
            SecurityEventKind::DeviceUndone,
            name.as_deref(),
            client,
        );
        if !self.store.use_undo(&undo, self.now(), &event).await? {
            return Err(AuthError::UndoNotFound);
        }
        tracing::info!(user = %undo.user_id, credential = %undo.credential_id, "device removed from the mail's undo link");
        Ok(())
    }
}
