//! A person changing their address: a fresh passkey, then a code mailed to the new
//! address, typed in the same browser; the old address is told, with a link that
//! undoes the change for 7 days (and signs every session out), and no one else may
//! sign up with it meanwhile.

use super::rate_limit::{Limit, client_key};
use super::{
    Auth, AuthError, AuthResult, ClientInfo, Email, PinPurpose, SecurityEventKind, SessionToken,
    UnixTime, policy, secs,
};
use crate::config::SignUp;
use crate::crypto::{b64url, hex, random_bytes, sha256};
use crate::store::{EmailChangeOutcome, EmailUndoOutcome, EmailUndoRow};

/// An address changed: what the browser's passkey manager may be told
/// (`signalCurrentUserDetails`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmailChanged {
    /// The new address.
    pub email: String,
    /// The WebAuthn RP id.
    pub rp_id: String,
    /// The user handle, base64url.
    pub user_handle: String,
}

/// What an undo link would put back.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmailUndoDetails {
    /// The address it comes back to.
    pub old_email: String,
    /// The address it was changed to.
    pub new_email: String,
    /// When it was changed.
    pub changed_at: UnixTime,
}

fn undo_key(token: &str) -> String {
    hex(&sha256(token.as_bytes()))
}

impl Auth {
    /// Mails a code to `new_email` for the signed-in person, after a passkey
    /// confirmation in this session from the last few minutes, and not from a
    /// device still held back after joining by a link (which could take the
    /// account away with its address).
    pub async fn begin_email_change(
        &self,
        token: &SessionToken,
        new_email: &str,
        client: &ClientInfo,
    ) -> AuthResult<()> {
        let session = self.signed_in_session(token).await?;
        self.past_cooldown(&session)?;
        self.confirmed_lately(&session)?;
        let new_email = Email::parse(new_email)?;
        // With sign-up for some domains only, an address may not move outside them.
        if self.settings.signup == SignUp::Domains {
            self.admits_uninvited(&new_email)?;
        }
        let now = self.now();
        if new_email.as_str() == session.email
            || self.store.email_in_use(new_email.as_str(), now).await?
        {
            return Err(AuthError::EmailTaken);
        }
        self.allow_pin_mail(&new_email, client).await?;
        let (pin, mail) = self.new_pin(
            &session.user_id,
            &new_email,
            PinPurpose::ChangeEmail,
            client,
        );
        self.store
            .begin_email_change(&session.user_id, new_email.as_str(), &pin, &mail)
            .await?;
        self.deliver_now(&mail.id).await?;
        Ok(())
    }

    /// The code from the new address, typed in the browser that asked: the address
    /// changes, and the old one is mailed a way to undo it.
    pub async fn confirm_email_change(
        &self,
        token: &SessionToken,
        pin: &str,
        client: &ClientInfo,
    ) -> AuthResult<EmailChanged> {
        let session = self.signed_in_session(token).await?;
        super::pin::parse_pin(pin)?;
        self.limit(Limit::PinTriesPerClient, &client_key(client))
            .await?;
        let pin_row = self
            .check_pin(&session.user_id, PinPurpose::ChangeEmail, pin, client)
            .await?;
        let waiting = self
            .store
            .email_change_of(&session.user_id)
            .await?
            .ok_or(AuthError::NoPendingPin)?;
        let now = self.now();
        let undo_token = b64url(&random_bytes::<16>());
        let undo = EmailUndoRow {
            id_hash: undo_key(&undo_token),
            user_id: session.user_id.clone(),
            old_email: session.email.clone(),
            new_email: waiting.clone(),
            created_at: now,
            expires_at: now + secs(policy::EMAIL_UNDO_TTL),
        };
        let mut undo_url = self
            .origin()
            .join("/auth/email-undo")
            .map_err(|e| AuthError::internal("building an undo link", e))?;
        // In the fragment: never sent to a server, so in no log and no Referer.
        undo_url.set_fragment(Some(&undo_token));
        let notice =
            crate::mail::email_changed_mail(&self.settings.rp_name, &waiting, undo_url.as_str());
        let notice = self.security_notice(&session.email, &notice);
        let event = self.event(
            &session.user_id,
            SecurityEventKind::EmailChanged,
            None,
            client,
        );
        match self
            .store
            .confirm_email_change(&pin_row, &undo, &event, &notice)
            .await?
        {
            EmailChangeOutcome::Changed { .. } => {}
            EmailChangeOutcome::Gone => return Err(AuthError::NoPendingPin),
            EmailChangeOutcome::Taken => return Err(AuthError::EmailTaken),
        }
        tracing::info!(user = %session.user_id, "email address changed");
        self.send_notice(&notice).await;
        let accepted = self.accepted_passkeys(&session.user_id, Vec::new());
        Ok(EmailChanged {
            email: waiting,
            rp_id: accepted.rp_id,
            user_handle: accepted.user_handle,
        })
    }

    async fn live_email_undo(&self, token: &str) -> AuthResult<EmailUndoRow> {
        if token.trim().is_empty() || token.len() > 64 {
            return Err(AuthError::UndoNotFound);
        }
        self.store
            .email_undo(&undo_key(token.trim()))
            .await?
            .filter(|undo| undo.expires_at > self.now())
            .ok_or(AuthError::UndoNotFound)
    }

    /// What the undo link with this token would put back.
    pub async fn email_undo_details(&self, token: &str) -> AuthResult<EmailUndoDetails> {
        let undo = self.live_email_undo(token).await?;
        Ok(EmailUndoDetails {
            old_email: undo.old_email,
            new_email: undo.new_email,
            changed_at: undo.created_at,
        })
    }

    /// Puts the old address back and signs every session of the account out, once.
    pub async fn undo_email_change(&self, token: &str, client: &ClientInfo) -> AuthResult<()> {
        let undo = self.live_email_undo(token).await?;
        let event = self.event(
            &undo.user_id,
            SecurityEventKind::EmailChangeUndone,
            None,
            client,
        );
        match self
            .store
            .undo_email_change(&undo, self.now(), &event)
            .await?
        {
            EmailUndoOutcome::Undone => {}
            EmailUndoOutcome::Gone => return Err(AuthError::UndoNotFound),
            EmailUndoOutcome::Taken => return Err(AuthError::EmailTaken),
        }
        tracing::info!(user = %undo.user_id, "email change undone from the old address");
        Ok(())
    }
}
