//! The approved new device: it is shown the account (masked) and makes its own
//! passkey for it, or declines; the account is told by mail, with a one-time undo
//! link.

use webauthn_rs::prelude::{PasskeyRegistration, RegisterPublicKeyCredential};

use super::super::ceremony::verification_error;
use super::super::login::parse_passkeys;
use super::super::registration::{ask_for_this_device, new_credential};
use super::super::{
    Auth, AuthError, AuthResult, CeremonyKind, ClientInfo, LinkOrigin, LinkState,
    SecurityEventKind, SessionToken, SignedIn, mask_email,
};
use super::steps::Step;
use super::{ForLink, LinkRegistration, passkey_origin};
use crate::store::{JoinedDevice, LinkMove, LinkOutcome, UserKey};

impl Auth {
    /// The approved new device makes its passkey: creation options for the account,
    /// leaving out the passkeys it has (this device may hold one already), and the
    /// account's address, masked, to show before the passkey is made.
    pub async fn begin_link_registration(
        &self,
        token_or_code: &str,
        client: &ClientInfo,
    ) -> AuthResult<LinkRegistration> {
        let link = self.find_link(token_or_code).await?;
        if link.new_browser_hash.as_deref() != Some(&*client.browser.id_hash()) {
            return Err(AuthError::LinkNotFound);
        }
        let user_id = match (link.state, &link.user_id) {
            (LinkState::Approved, Some(user_id)) => user_id.clone(),
            (LinkState::Waiting | LinkState::Pending, _) => {
                return Err(AuthError::LinkNotApproved);
            }
            _ => return Err(AuthError::LinkNotFound),
        };
        let (user, rows) = match self
            .store
            .user_with_credentials(UserKey::Id(&user_id))
            .await?
        {
            Some(account) => account,
            // An account left without passkeys (its last removed with the mail's
            // undo link) gets its first again by recovery.
            None => (
                self.store
                    .user_by_id(&user_id)
                    .await?
                    .ok_or(AuthError::LinkNotFound)?,
                Vec::new(),
            ),
        };
        if user.disabled_at.is_some() {
            return Err(AuthError::AccountDisabled);
        }
        let handle = uuid::Uuid::parse_str(user.id.as_str())
            .map_err(|e| AuthError::internal("reading a user handle", e))?;
        let existing = parse_passkeys(&rows)?
            .iter()
            .map(|p| p.cred_id().clone())
            .collect();
        let (mut options, state) = self
            .webauthn
            .start_passkey_registration(handle, &user.email, &user.email, Some(existing))
            .map_err(|e| AuthError::internal("starting a link registration", e))?;
        ask_for_this_device(&mut options);
        let state = ForLink {
            link: link.id_hash,
            webauthn: state,
        };
        self.save_ceremony(
            CeremonyKind::LinkRegister,
            &options.public_key.challenge,
            Some(&user_id),
            None,
            &state,
            client,
        )
        .await?;
        Ok(LinkRegistration {
            options,
            account: mask_email(&user.email),
        })
    }

    /// The new device turns the link down: it is not the account it meant to join
    /// (or it changed its mind while waiting). The link ends; the device that
    /// approved it sees `declined`.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// let joining = bmauth.auth().begin_link_registration("token", &client).await?;
    /// if !joining.account.ends_with("@example.com") {
    ///     bmauth.auth().decline_link("token", &client).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn decline_link(&self, token_or_code: &str, client: &ClientInfo) -> AuthResult<()> {
        let link = self.find_link(token_or_code).await?;
        let browser = client.browser.id_hash();
        let step = LinkMove {
            only_browser: Some(&browser),
            ..self.step(&link, Step::Decline)
        };
        if !self.store.move_link(&step).await? {
            return Err(AuthError::LinkNotFound);
        }
        tracing::info!("device link declined by the new device");
        Ok(())
    }

    /// The new device's passkey: stored for the account, the link used up, the
    /// device signed in, and the account told by mail.
    pub async fn finish_link_registration(
        &self,
        token_or_code: &str,
        credential: serde_json::Value,
        client: &ClientInfo,
        previous_session: Option<&SessionToken>,
    ) -> AuthResult<SignedIn> {
        let (response, ceremony): (RegisterPublicKeyCredential, _) = self
            .take_answer(CeremonyKind::LinkRegister, credential, client)
            .await?;
        let link = self.find_link(token_or_code).await?;
        let state: ForLink<PasskeyRegistration> = ceremony.state()?;
        let user_id = ceremony
            .user_id
            .clone()
            .ok_or(AuthError::CeremonyMismatch)?;
        if state.link != link.id_hash || link.user_id.as_ref() != Some(&user_id) {
            return Err(AuthError::CeremonyMismatch);
        }
        let user = self
            .store
            .user_by_id(&user_id)
            .await?
            .ok_or(AuthError::LinkNotFound)?;
        if user.disabled_at.is_some() {
            return Err(AuthError::AccountDisabled);
        }
        let passkey = self
            .webauthn
            .finish_passkey_registration(&response, &state.webauthn)
            .map_err(verification_error)?;
        let now = self.now();
        let mut credential = new_credential(
            &passkey,
            &response,
            client,
            now,
            passkey_origin(link.origin),
        )?;
        credential.held_until = self.hold_for(link.origin, link.inherited_hold, now);
        let (session, token) = self.new_session(&user_id, Some(&credential.id), true, client);
        let (undo, undo_token) = self.new_undo(&user_id, &credential.id, client, now);
        let notice = self.device_added_notice(&link, client, now, &undo_token)?;
        let notice = self.security_notice(&user.email, &notice);
        let previous = previous_session.map(SessionToken::id_hash);
        let kind = match link.origin {
            LinkOrigin::Device | LinkOrigin::Nearby => SecurityEventKind::DeviceAdded,
            LinkOrigin::Recovery | LinkOrigin::RecoveryLink => SecurityEventKind::DeviceRecovered,
        };
        let event = self.event(&user_id, kind, Some(&credential.name), client);
        let outcome = match self
            .store
            .finish_link(
                &LinkMove {
                    now: session.created_at,
                    only_browser: Some(&client.browser.id_hash()),
                    only_user: Some(&user_id),
                    ..self.step(&link, Step::Use)
                },
                &JoinedDevice {
                    credential: &credential,
                    session: &session,
                    notice: &notice,
                    event: &event,
                    undo: &undo,
                },
                previous.as_deref(),
            )
            .await
        {
            Err(e) if e.is_unique_violation() => LinkOutcome::CredentialExists,
            other => other?,
        };
        match outcome {
            LinkOutcome::Added => {}
            LinkOutcome::Gone => return Err(AuthError::LinkNotFound),
            LinkOutcome::CredentialExists => return Err(AuthError::CredentialAlreadyRegistered),
        }
        tracing::info!(user = %user_id, "device added by link");
        self.send_notice(&notice).await;
        Ok(SignedIn::new(user, token, &session))
    }
}
