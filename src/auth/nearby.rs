//! Adding a device with a passkey from a phone nearby: the platform's own
//! cross-device sign-in (FIDO's hybrid transport). The new device asks for a
//! passkey with `hints: ["hybrid"]`; the browser shows its own QR code, the phone
//! scans it and proves it is near over Bluetooth, and signs with the account's
//! passkey. A phishing page cannot relay that: the proximity check fails far
//! away (the cross-device BCP prefers this protocol, §6.2.3; proximity, §6.1.1).
//!
//! BMAuth sees only an assertion by one of the account's passkeys, like a sign-in:
//! that it came over the hybrid transport, with its proximity check, is the
//! browser's to enforce (`hints` are advice). So the device it lets in inherits
//! whatever cool-down that passkey has (`cooldown.rs`).
//!
//! The assertion does not open a session here. It gives this browser a device
//! link, approved for the account and bound to the browser, exactly as a recovery
//! code does, with which the new device makes its own passkey and is signed in
//! (`begin_link_registration`), so that it need not find the phone again.

use webauthn_rs::prelude::{PublicKeyCredential, RequestChallengeResponse};
use webauthn_rs_proto::PublicKeyCredentialHints;

use super::{Auth, AuthError, AuthResult, CeremonyKind, ClientInfo, LinkOrigin, LinkState};

impl Auth {
    /// Request options for a passkey from a phone nearby: discoverable (the phone's
    /// passkey names the account), user verification required, hinting the hybrid
    /// transport so that the browser offers its own QR code first.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// let options = bmauth.auth().begin_nearby_link(&client).await?;
    /// // navigator.credentials.get(options): the browser shows a QR code for the phone.
    /// # Ok(()) }
    /// ```
    pub async fn begin_nearby_link(
        &self,
        client: &ClientInfo,
    ) -> AuthResult<RequestChallengeResponse> {
        let (mut options, state) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(|e| AuthError::internal("starting a sign-in from a phone", e))?;
        // A modal request (not autofill), for a passkey on another device.
        options.mediation = None;
        options.public_key.hints = Some(vec![PublicKeyCredentialHints::Hybrid]);
        self.save_counted_ceremony(
            CeremonyKind::LinkNearby,
            &options.public_key.challenge,
            None,
            &state,
            client,
        )
        .await?;
        Ok(options)
    }

    /// The phone's assertion: verified like a sign-in (signature, user
    /// verification, counter), for a confirmed account. Answers the token of a
    /// device link approved for that account and bound to this browser, to make
    /// this device's own passkey with.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// # let credential = serde_json::Value::Null;
    /// let token = bmauth.auth().finish_nearby_link(credential, &client).await?;
    /// let joining = bmauth.auth().begin_link_registration(&token, &client).await?;
    /// # Ok(()) }
    /// ```
    pub async fn finish_nearby_link(
        &self,
        credential: serde_json::Value,
        client: &ClientInfo,
    ) -> AuthResult<String> {
        let (response, ceremony): (PublicKeyCredential, _) = self
            .take_answer(CeremonyKind::LinkNearby, credential, client)
            .await?;
        let judged = self
            .judge_discoverable(&response, ceremony.state()?)
            .await?;
        // A passkey that is held back passes its hold on to the device it lets in.
        let inherited_hold = judged.row.held_until;
        let user = judged.user;
        let used = self
            .passkey_used(
                &user,
                vec![judged.passkey],
                &response,
                judged.outcome,
                client,
            )
            .await?;
        if user.verified_at.is_none() {
            return Err(AuthError::EmailNotVerified);
        }
        let (mut link, shown) = self.new_link_row(LinkState::Approved, Some(&user.id));
        link.origin = LinkOrigin::Nearby;
        link.inherited_hold = inherited_hold;
        Self::bind_new_device(&mut link, client);
        if !self.store.approve_nearby(&link, &used, self.now()).await? {
            // The passkey was removed while it signed.
            return Err(AuthError::CredentialNotAllowed);
        }
        tracing::info!(user = %user.id, "a passkey from a phone nearby approved a new device");
        Ok(shown.token)
    }
}
