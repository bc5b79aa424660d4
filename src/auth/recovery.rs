//! Recovering an account on a new device, when the old one is lost: a code by
//! mail, typed in the browser that asked for it, gives that browser an approved
//! device link (`link.rs`), with which it makes its own passkey and is signed in,
//! exactly as a device approved by QR code does. The account is told by mail.

use super::rate_limit::{Limit, client_key};
use super::{Auth, AuthResult, ClientInfo, Email, PinPurpose, policy, secs};
use super::{LinkOrigin, LinkState};

impl Auth {
    /// Mails a recovery code to the account with this address, bound to this
    /// browser. The answer is the same, and as quick, whether or not the account
    /// exists: the mail goes out in the background, and no mail goes to addresses
    /// without an account.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// bmauth.auth().begin_recovery("ada@example.com", &client).await?;
    /// // "If an account exists for this address, we sent a code."
    /// # Ok(()) }
    /// ```
    pub async fn begin_recovery(&self, email: &str, client: &ClientInfo) -> AuthResult<()> {
        let email = Email::parse(email)?;
        self.limit(Limit::MailPerClient, &client_key(client))
            .await?;
        // A disabled account gets no code, and the same quiet answer.
        let Some(user) = self
            .store
            .user_by_confirmed_email(email.as_str())
            .await?
            .filter(|u| u.disabled_at.is_none())
        else {
            return Ok(());
        };
        // Spent allowances and a code sent moments ago answer like the rest: saying
        // so would tell who has an account.
        if let Some(current) = self.store.pin_of(&user.id, PinPurpose::Recover).await?
            && current.created_at + secs(policy::PIN_RESEND_INTERVAL) > self.now()
        {
            return Ok(());
        }
        if self
            .limit(Limit::MailPerAccount, email.as_str())
            .await
            .is_err()
        {
            tracing::warn!(user = %user.id, "recovery mail limit reached");
            return Ok(());
        }
        let (pin, mail) = self.new_pin(&user.id, &email, PinPurpose::Recover, client);
        self.store.replace_pin(&pin, &mail).await?;
        let outbox = self.outbox().clone();
        tokio::spawn(async move {
            if let Err(e) = outbox.deliver(&mail.id).await {
                tracing::warn!(error = %e, "recovery code not sent yet; it stays queued");
            }
        });
        Ok(())
    }

    /// The recovery code, typed in the browser that asked for it: the code is used
    /// up and this browser gets a device link, approved for the account, to make
    /// its passkey with (`begin_link_registration`). Returns the link's token.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// let token = bmauth.auth().finish_recovery("ada@example.com", "123456", &client).await?;
    /// let options = bmauth.auth().begin_link_registration(&token, &client).await?;
    /// # Ok(()) }
    /// ```
    pub async fn finish_recovery(
        &self,
        email: &str,
        pin: &str,
        client: &ClientInfo,
    ) -> AuthResult<String> {
        let email = Email::parse(email)?;
        super::pin::parse_pin(pin)?;
        self.limit(Limit::PinTriesPerClient, &client_key(client))
            .await?;
        let user = self
            .store
            .user_by_confirmed_email(email.as_str())
            .await?
            .filter(|u| u.disabled_at.is_none())
            .ok_or(super::AuthError::NoPendingPin)?;
        self.limit(Limit::PinTriesPerAccount, email.as_str())
            .await?;
        let pin_row = self
            .check_pin(&user.id, PinPurpose::Recover, pin, client)
            .await?;
        let (mut link, shown) = self.new_link_row(LinkState::Approved, Some(&user.id));
        link.origin = LinkOrigin::Recovery;
        Self::bind_new_device(&mut link, client);
        if !self.store.recover_with(&pin_row, &link).await? {
            return Err(super::AuthError::NoPendingPin); // used by a racing request
        }
        tracing::info!(user = %user.id, "recovery code accepted");
        Ok(shown.token)
    }
}
