//! An administrator's recovery link: for a person who lost every device and asked
//! the people running the site for help. The link goes to the account's own
//! address (never to the administrator), works once, for a day, and only the
//! newest one works. Opening it binds the browser that opened it, which then
//! makes its passkey as after a recovery code; the account is told as for any
//! device added by recovery, with its "This wasn't me" link.
//!
//! Unlike a recovery code it is not bound to a browser when sent, since nobody
//! asked from one: what protects it is that only the mailbox receives it, that
//! the page does nothing until the person presses a button (a mail scanner that
//! opens links redeems nothing), and that the token rides in the URL's fragment,
//! which reaches no server log.

use super::{Step, policy, secs};
use crate::auth::rate_limit::{Limit, client_key};
use crate::auth::{
    Actor, Auth, AuthError, AuthResult, ClientInfo, LinkOrigin, LinkState, SecurityEventKind,
};
use crate::store::{Approver, LinkMove};

impl Auth {
    /// Mails the account with this address a one-time link that lets the browser
    /// opening it make a passkey for the account. A link sent before stops working.
    /// Refused for a disabled account (enable it first).
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth) -> Result<(), bmauth::AuthError> {
    /// use bmauth::auth::Actor;
    /// bmauth.auth().send_recovery_link("ada@example.com", &Actor::CommandLine).await?;
    /// # Ok(()) }
    /// ```
    pub async fn send_recovery_link(&self, email: &str, actor: &Actor) -> AuthResult<()> {
        let user = self.account(email).await?;
        if user.disabled_at.is_some() {
            return Err(AuthError::AccountDisabled);
        }
        let now = self.now();
        let (mut link, shown) = self.new_link_row(LinkState::Mailed, Some(&user.id));
        link.origin = LinkOrigin::RecoveryLink;
        // No code: it is opened by its token only, so nothing typed can find it.
        link.code_hash = crate::crypto::hex(&crate::crypto::random_bytes::<32>());
        link.expires_at = now + secs(policy::RECOVERY_LINK_TTL);
        let mut url = self
            .origin()
            .join("/auth/recover")
            .map_err(|e| AuthError::internal("building a recovery link", e))?;
        // In the fragment: never sent to a server, so in no log and no Referer.
        url.set_fragment(Some(&shown.token));
        let mail = crate::mail::recovery_link_mail(&self.settings.rp_name, url.as_str());
        let mail = self
            .outbox()
            .queue(&user.email, &mail, now, link.expires_at);
        let log = self.admin_log_row(actor, "recovery_link_sent", &user.email);
        let event = self.admin_event(&user, SecurityEventKind::RecoveryLinkSent);
        if !self
            .store
            .send_recovery_link(&link, &mail, &log, &event)
            .await?
        {
            return Err(AuthError::UserNotFound); // deleted meanwhile
        }
        tracing::info!(user = %user.id, "recovery link sent");
        self.send_notice(&mail).await;
        Ok(())
    }

    /// The recovery link's token, from the browser that opened it: that browser is
    /// bound to it (the first to press the button; nobody after) and gets a device
    /// link, approved for the account, to make its passkey with
    /// (`begin_link_registration`). Returns the link's token.
    pub async fn redeem_recovery_link(
        &self,
        token: &str,
        client: &ClientInfo,
    ) -> AuthResult<String> {
        self.limit(Limit::PinTriesPerClient, &client_key(client))
            .await?;
        let token = token.trim();
        if token.is_empty() || token.len() > 64 {
            return Err(AuthError::LinkNotFound);
        }
        // By the token only: the typed code of a mailed link was never shown.
        let (id_hash, _) = self.link_keys(token);
        let mut link = self
            .store
            .link(&id_hash, "")
            .await?
            .filter(|link| link.state == LinkState::Mailed)
            .ok_or(AuthError::LinkNotFound)?;
        let user_id = link.user_id.clone().ok_or(AuthError::LinkNotFound)?;
        let now = self.now();
        if link.expires_at <= now {
            return Err(AuthError::LinkExpired);
        }
        Self::bind_new_device(&mut link, client);
        // No approver: the administrator only sent it; the mailbox let it in.
        let nobody = Approver {
            user_agent: None,
            ip: None,
        };
        let step = LinkMove {
            binds: Some(&link),
            approves: Some((&user_id, now + secs(policy::LINK_TTL), &nobody)),
            ..self.step(&link, Step::Redeem)
        };
        if !self.store.move_link(&step).await? {
            return Err(AuthError::LinkNotFound); // redeemed by a racing request
        }
        tracing::info!(user = %user_id, "recovery link opened");
        Ok(token.to_string())
    }
}
