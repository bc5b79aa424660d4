//! Email PINs: 6 digits from a CSPRNG, 10 minutes to live, 5 tries (15 across
//! resends), stored only as an HMAC-SHA256 under the server secret, compared in
//! constant time, bound to one account, one purpose and the browser that asked for
//! it: a PIN typed in any other browser does nothing. A new PIN replaces the old one.

use rand::Rng;

use super::rate_limit::{Limit, client_key};
use super::{
    Auth, AuthError, AuthResult, ClientInfo, Email, SessionToken, SignedIn, UserId, policy, secs,
};
use super::{PinPurpose, SecurityEventKind};
use crate::crypto::{HashPurpose, from_hex, hex};
use crate::store::{ConfirmOutcome, OutboxRow, PinRow};

/// Six ASCII digits, spaces around (from pasting) ignored.
pub(crate) fn parse_pin(input: &str) -> AuthResult<&str> {
    let pin = input.trim();
    if pin.len() == bmauth_proto::policy::PIN_DIGITS && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(pin)
    } else {
        Err(AuthError::InvalidPinFormat)
    }
}

impl Auth {
    fn pin_mac_parts<'a>(user_id: &'a UserId, purpose: PinPurpose, pin: &'a str) -> [&'a [u8]; 3] {
        [
            user_id.as_str().as_bytes(),
            purpose.as_str().as_bytes(),
            pin.as_bytes(),
        ]
    }

    /// A new PIN and the mail that carries it, ready to store together.
    pub(crate) fn new_pin(
        &self,
        user_id: &UserId,
        email: &Email,
        purpose: PinPurpose,
        client: &ClientInfo,
    ) -> (PinRow, OutboxRow) {
        let pin = format!("{:06}", rand::rng().random_range(0..1_000_000u32)); // PIN_DIGITS
        let row = self.pin_row(user_id, purpose, &pin, client);
        let mail = crate::mail::pin_mail(&self.settings.rp_name, purpose, &pin, policy::PIN_TTL);
        let queued = self
            .outbox()
            .queue(email.as_str(), &mail, row.created_at, row.expires_at);
        (row, queued)
    }

    /// How `pin` is stored: its keyed hash, bound to the account, the purpose and
    /// the browser of `client`.
    pub(crate) fn pin_row(
        &self,
        user_id: &UserId,
        purpose: PinPurpose,
        pin: &str,
        client: &ClientInfo,
    ) -> PinRow {
        let now = self.now();
        let code_hash = self.secret.keyed_hash(
            HashPurpose::Pin,
            &Self::pin_mac_parts(user_id, purpose, pin),
        );
        PinRow {
            user_id: user_id.clone(),
            purpose,
            browser_hash: client.browser.id_hash(),
            code_hash: hex(&code_hash),
            attempts_left: i64::from(policy::PIN_ATTEMPTS),
            // Kept from the previous PIN when this one replaces it.
            tries_left: i64::from(policy::PIN_TRIES_PER_SIGN_UP),
            created_at: now,
            expires_at: now + secs(policy::PIN_TTL),
        }
    }

    /// Limits on sending a PIN mail to `email`.
    pub(crate) async fn allow_pin_mail(
        &self,
        email: &Email,
        client: &ClientInfo,
    ) -> AuthResult<()> {
        self.limit(Limit::MailPerClient, &client_key(client))
            .await?;
        self.limit(Limit::MailPerAccount, email.as_str()).await
    }

    /// Checks a PIN typed in the browser of `client`. One attempt is used up before
    /// comparing, atomically, so no number of parallel guesses gets more than
    /// `PIN_ATTEMPTS` comparisons. On success the PIN is returned for the caller to
    /// consume in its transaction.
    pub(crate) async fn check_pin(
        &self,
        user_id: &UserId,
        purpose: PinPurpose,
        input: &str,
        client: &ClientInfo,
    ) -> AuthResult<PinRow> {
        let pin = parse_pin(input)?;
        let now = self.now();
        let browser_hash = client.browser.id_hash();
        let Some(row) = self
            .store
            .spend_pin_attempt(user_id, purpose, &browser_hash, now)
            .await?
        else {
            return Err(match self.store.pin_of(user_id, purpose).await? {
                Some(p) if p.browser_hash != browser_hash => AuthError::NoPendingPin,
                None => AuthError::NoPendingPin,
                Some(p) if p.tries_left <= 0 => AuthError::AttemptsExhausted,
                Some(p) if p.expires_at <= now => AuthError::PinExpired,
                Some(_) => AuthError::PinLocked,
            });
        };
        let stored = from_hex(&row.code_hash).unwrap_or_default();
        let parts = Self::pin_mac_parts(user_id, purpose, pin);
        if self
            .secret
            .verify_keyed_hash(HashPurpose::Pin, &parts, &stored)
        {
            return Ok(row);
        }
        let left = row.attempts_left.min(row.tries_left);
        Err(match u32::try_from(left) {
            Ok(left) if left > 0 => AuthError::PinIncorrect {
                attempts_left: left,
            },
            _ if row.tries_left <= 0 => AuthError::AttemptsExhausted,
            _ => AuthError::PinLocked,
        })
    }

    /// Sign-up, last step: the PIN from the mail, typed in the browser that signed
    /// up, confirms the address and signs the person in. The address's other
    /// pending sign-ups (made in other browsers) are deleted.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// # let credential = serde_json::Value::Null;
    /// # let session: Option<bmauth::auth::SessionToken> = None;
    /// match bmauth.auth().verify_email("ada@example.com", "123456", &client, None).await {
    ///     Ok(signed) => println!("welcome, {}", signed.user.email),
    ///     Err(bmauth::AuthError::PinIncorrect { attempts_left }) => println!("{attempts_left} tries left"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn verify_email(
        &self,
        email: &str,
        pin: &str,
        client: &ClientInfo,
        previous_session: Option<&SessionToken>,
    ) -> AuthResult<SignedIn> {
        let email = Email::parse(email)?;
        parse_pin(pin)?;
        self.limit(Limit::PinTriesPerClient, &client_key(client))
            .await?;
        // Unknown and confirmed addresses, and sign-ups made in another browser, all
        // answer alike: no PIN is waiting here.
        let user = self
            .store
            .pending_sign_up(email.as_str(), &client.browser.id_hash())
            .await?
            .ok_or(AuthError::NoPendingPin)?;
        // Counted only for a browser with a sign-up of its own here, so that a
        // stranger cannot spend the address's allowance by sending codes.
        self.limit(Limit::PinTriesPerAccount, email.as_str())
            .await?;
        // Sign-up closed since this one began without an invitation: it ends here.
        if user.invitation_id.is_none() {
            self.admits_uninvited(&email)?;
        }
        let pin_row = self
            .check_pin(&user.id, PinPurpose::VerifyEmail, pin, client)
            .await?;
        // The session belongs to the passkey made at sign-up: removing that passkey
        // later ends it.
        let credential = self
            .store
            .credentials_of(&user.id)
            .await?
            .pop()
            .map(|c| c.id);
        // Not fresh: the code proves the mailbox, and the passkey was made a while ago.
        let (session, token) = self.new_session(&user.id, credential.as_ref(), false, client);
        let previous = previous_session.map(SessionToken::id_hash);
        let event = self.event(&user.id, SecurityEventKind::SignedUp, None, client);
        match self
            .store
            .confirm_email(
                &pin_row,
                &session,
                previous.as_deref(),
                &event,
                user.invitation_id.is_some(),
            )
            .await?
        {
            ConfirmOutcome::Confirmed => {}
            ConfirmOutcome::PinGone => return Err(AuthError::NoPendingPin),
            ConfirmOutcome::EmailTaken => return Err(AuthError::EmailTaken),
            ConfirmOutcome::InvitationGone => return Err(AuthError::InvitationRequired),
        }
        tracing::info!(user = %user.id, "email confirmed; signed in");
        Ok(SignedIn::new(user, token, &session))
    }

    /// Sends a new email-confirmation PIN for this browser's pending sign-up.
    /// Unknown and confirmed addresses, and sign-ups made in another browser, get the
    /// same quiet answer as a real resend, and no mail.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// # let credential = serde_json::Value::Null;
    /// # let session: Option<bmauth::auth::SessionToken> = None;
    /// bmauth.auth().resend_pin("ada@example.com", &client).await?;
    /// # Ok(()) }
    /// ```
    pub async fn resend_pin(&self, email: &str, client: &ClientInfo) -> AuthResult<()> {
        let email = Email::parse(email)?;
        let pending = self
            .store
            .pending_sign_up(email.as_str(), &client.browser.id_hash())
            .await?;
        let Some(user) = pending else {
            self.limit(Limit::MailPerClient, &client_key(client))
                .await?;
            return Ok(());
        };
        if let Some(current) = self.store.pin_of(&user.id, PinPurpose::VerifyEmail).await? {
            if current.tries_left <= 0 {
                return Err(AuthError::AttemptsExhausted);
            }
            let wait = current.created_at + secs(policy::PIN_RESEND_INTERVAL) - self.now();
            if wait > 0 {
                return Err(AuthError::ResendTooSoon {
                    retry_after_secs: wait as u64,
                });
            }
        }
        self.allow_pin_mail(&email, client).await?;
        let (pin, mail) = self.new_pin(&user.id, &email, PinPurpose::VerifyEmail, client);
        self.store.replace_pin(&pin, &mail).await?;
        self.deliver_now(&mail.id).await
    }

    /// Sends queued mail now so the caller learns if it failed. It stays queued
    /// either way: the worker retries what failed.
    pub(crate) async fn deliver_now(&self, mail_id: &str) -> AuthResult<()> {
        self.outbox()
            .deliver(mail_id)
            .await
            .map_err(|e| AuthError::MailNotSent(e.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_six_digits() {
        assert_eq!(parse_pin(" 012345 ").unwrap(), "012345");
        for bad in ["12345", "1234567", "12a456", "１２３４５６", ""] {
            assert!(
                matches!(parse_pin(bad), Err(AuthError::InvalidPinFormat)),
                "{bad:?}"
            );
        }
    }
}
