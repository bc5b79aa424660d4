//! Sign-in: email → a challenge naming that account's passkeys (`allowCredentials`)
//! → the device signs with its biometric → webauthn-rs verifies signature, origin,
//! RP id, user verification and counter → a new session.

use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PublicKeyCredential, RequestChallengeResponse, WebauthnError,
};
use webauthn_rs_proto::AllowCredentials;

use super::CeremonyKind;
use super::SecurityEventKind;
use super::ceremony::{TakenCeremony, verification_error};
use super::{
    Auth, AuthError, AuthResult, ClientInfo, CredentialId, Email, SessionToken, SignedIn, UserId,
};
use crate::crypto::HashPurpose;
use crate::store::{CredentialRow, CredentialUse, UserKey, UserRow};

/// An answer judged by webauthn-rs: the account, its passkeys the answer may have
/// been made with, and the verdict.
type Judged = (
    UserRow,
    Vec<Passkey>,
    Result<AuthenticationResult, WebauthnError>,
);

/// What `judge_discoverable` found: the account, its stored passkey that answered,
/// that passkey as webauthn-rs reads it, and webauthn-rs's verdict.
pub(crate) struct DiscoverableAnswer {
    pub user: UserRow,
    pub row: CredentialRow,
    pub passkey: Passkey,
    pub outcome: Result<AuthenticationResult, WebauthnError>,
}

impl Auth {
    /// Request options for signing in as `email`. An address with no account gets
    /// an answer of the same shape, with a stable made-up credential id, so the
    /// answer does not tell whether the account exists.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// # let credential = serde_json::Value::Null;
    /// # let session: Option<bmauth::auth::SessionToken> = None;
    /// let options = bmauth.auth().begin_login("ada@example.com", &client).await?;
    /// // Unknown addresses get options too, indistinguishable from real ones.
    /// # Ok(()) }
    /// ```
    pub async fn begin_login(
        &self,
        email: &str,
        client: &ClientInfo,
    ) -> AuthResult<RequestChallengeResponse> {
        let email = Email::parse(email)?;
        // The client's ceremony count is written with the ceremony
        // (`save_counted_ceremony`), on the real path and the decoy alike.
        // The account; or, in the browser that signed up, its pending sign-up (whose
        // sign-in then answers "confirm your email first"). Nobody else learns of it.
        let account = match self
            .store
            .user_with_credentials(UserKey::ConfirmedEmail(email.as_str()))
            .await?
        {
            Some(account) => Some(account),
            None => match self
                .store
                .pending_sign_up(email.as_str(), &client.browser.id_hash())
                .await?
            {
                Some(pending) => {
                    self.store
                        .user_with_credentials(UserKey::Id(&pending.id))
                        .await?
                }
                None => None,
            },
        };
        // `user_with_credentials` reads an account without passkeys as none.
        if let Some((user, rows)) = &account {
            let passkeys = parse_passkeys(rows)?;
            let (mut options, state) = self
                .webauthn
                .start_passkey_authentication(&passkeys)
                .map_err(|e| AuthError::internal("starting a sign-in", e))?;
            // No transports, here or in the decoy: what the browser reported at
            // registration would tell real entries from made-up ones.
            for allowed in &mut options.public_key.allow_credentials {
                allowed.transports = None;
            }
            self.save_counted_ceremony(
                CeremonyKind::Login,
                &options.public_key.challenge,
                Some(&user.id),
                &state,
                client,
            )
            .await?;
            return Ok(options);
        }
        self.decoy_login(&email, client).await
    }

    /// The answer for an address without passkeys: a real challenge (stored, so the
    /// response takes the same path) naming a credential that does not exist.
    async fn decoy_login(
        &self,
        email: &Email,
        client: &ClientInfo,
    ) -> AuthResult<RequestChallengeResponse> {
        let (mut options, state) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(|e| AuthError::internal("starting a sign-in", e))?;
        // Make it look exactly like start_passkey_authentication's answer.
        options.mediation = None;
        options.public_key.extensions = None;
        let fake_id = self
            .secret
            .keyed_hash(HashPurpose::DecoyCredential, &[email.as_str().as_bytes()]);
        options.public_key.allow_credentials = vec![AllowCredentials {
            type_: "public-key".into(),
            id: fake_id[..16].to_vec(),
            transports: None,
        }];
        self.save_counted_ceremony(
            CeremonyKind::Login,
            &options.public_key.challenge,
            None,
            &state,
            client,
        )
        .await?;
        Ok(options)
    }

    pub(crate) async fn passkeys_of(&self, user_id: &UserId) -> AuthResult<Vec<Passkey>> {
        parse_passkeys(&self.store.credentials_of(user_id).await?)
    }

    /// Request options for a user-verified assertion by one of `user_id`'s own
    /// passkeys (approving a device, confirming it's them), saved as a ceremony of
    /// `kind` holding what `wrap` makes of webauthn-rs's state.
    pub(crate) async fn begin_assertion<S: serde::Serialize>(
        &self,
        kind: CeremonyKind,
        user_id: &UserId,
        client: &ClientInfo,
        wrap: impl FnOnce(PasskeyAuthentication) -> S,
    ) -> AuthResult<RequestChallengeResponse> {
        let passkeys = self.passkeys_of(user_id).await?;
        let (options, state) = self
            .webauthn
            .start_passkey_authentication(&passkeys)
            .map_err(|e| AuthError::internal("starting an assertion", e))?;
        self.save_ceremony(
            kind,
            &options.public_key.challenge,
            Some(user_id),
            None,
            &wrap(state),
            client,
        )
        .await?;
        Ok(options)
    }

    /// Checks an assertion begun by `begin_assertion` for `user_id`: the passkey that
    /// made it, as it is after this use.
    pub(crate) async fn check_assertion(
        &self,
        user_id: &UserId,
        response: &PublicKeyCredential,
        state: &PasskeyAuthentication,
        client: &ClientInfo,
    ) -> AuthResult<CredentialUse> {
        let (account, rows) = self
            .store
            .user_with_credentials(UserKey::Id(user_id))
            .await?
            .ok_or(AuthError::NotSignedIn)?;
        let passkeys = parse_passkeys(&rows)?;
        let outcome = self.webauthn.finish_passkey_authentication(response, state);
        self.passkey_used(&account, passkeys, response, outcome, client)
            .await
    }

    /// Verifies the signed challenge and opens a session (a new one: the session the
    /// browser had before, if any, is ended).
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// # let credential = serde_json::Value::Null;
    /// # let session: Option<bmauth::auth::SessionToken> = None;
    /// let signed = bmauth.auth().finish_login("ada@example.com", credential, &client, session.as_ref()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn finish_login(
        &self,
        email: &str,
        credential: serde_json::Value,
        client: &ClientInfo,
        previous_session: Option<&SessionToken>,
    ) -> AuthResult<SignedIn> {
        let email = Email::parse(email)?;
        let (response, ceremony): (PublicKeyCredential, _) = self
            .read_answer(CeremonyKind::Login, credential, client)
            .await?;
        let outcome = self
            .judge_login(&email, &response, &ceremony, client, previous_session)
            .await;
        self.spend_unless_ok(&ceremony, client, outcome).await
    }

    /// `finish_login` once the ceremony is read: the answer judged and, if right,
    /// the sign-in recorded (which takes the ceremony).
    async fn judge_login(
        &self,
        email: &Email,
        response: &PublicKeyCredential,
        ceremony: &TakenCeremony,
        client: &ClientInfo,
        previous_session: Option<&SessionToken>,
    ) -> AuthResult<SignedIn> {
        // A decoy ceremony has no user: no credential can be right for it.
        let user_id = ceremony
            .user_id
            .as_ref()
            .ok_or(AuthError::CredentialNotAllowed)?;
        let (user, rows) = self
            .store
            .user_with_credentials(UserKey::Id(user_id))
            .await?
            .filter(|(u, _)| u.email == email.as_str())
            .ok_or(AuthError::CeremonyMismatch)?;
        let state: PasskeyAuthentication = ceremony.state()?;
        let passkeys = parse_passkeys(&rows)?;

        let outcome = self
            .webauthn
            .finish_passkey_authentication(response, &state);
        let judged = (user, passkeys, outcome);
        self.complete_sign_in(ceremony, judged, response, client, previous_session)
            .await
    }

    /// Request options for passkey autofill (conditional mediation): no email, the
    /// browser offers the person's discoverable passkeys for this site.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// # let credential = serde_json::Value::Null;
    /// # let session: Option<bmauth::auth::SessionToken> = None;
    /// let options = bmauth.auth().begin_autofill_login(&client).await?;
    /// // For `navigator.credentials.get({ mediation: "conditional" })`.
    /// # Ok(()) }
    /// ```
    pub async fn begin_autofill_login(
        &self,
        client: &ClientInfo,
    ) -> AuthResult<RequestChallengeResponse> {
        let (options, state) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(|e| AuthError::internal("starting a sign-in", e))?;
        self.save_counted_ceremony(
            CeremonyKind::Autofill,
            &options.public_key.challenge,
            None,
            &state,
            client,
        )
        .await?;
        Ok(options)
    }

    /// Finishes an autofill sign-in: the passkey names its account (user handle),
    /// which must hold that passkey.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// # let credential = serde_json::Value::Null;
    /// # let session: Option<bmauth::auth::SessionToken> = None;
    /// let signed = bmauth.auth().finish_autofill_login(credential, &client, session.as_ref()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn finish_autofill_login(
        &self,
        credential: serde_json::Value,
        client: &ClientInfo,
        previous_session: Option<&SessionToken>,
    ) -> AuthResult<SignedIn> {
        let (response, ceremony): (PublicKeyCredential, _) = self
            .read_answer(CeremonyKind::Autofill, credential, client)
            .await?;
        let outcome = async {
            let judged = self
                .judge_discoverable(&response, ceremony.state()?)
                .await?;
            let judged = (judged.user, vec![judged.passkey], judged.outcome);
            self.complete_sign_in(&ceremony, judged, &response, client, previous_session)
                .await
        }
        .await;
        self.spend_unless_ok(&ceremony, client, outcome).await
    }

    /// A discoverable passkey's answer (autofill, a phone nearby), judged: the
    /// account its user handle names, which must hold the passkey that made it, and
    /// webauthn-rs's verdict on it.
    pub(crate) async fn judge_discoverable(
        &self,
        response: &PublicKeyCredential,
        state: DiscoverableAuthentication,
    ) -> AuthResult<DiscoverableAnswer> {
        let (user_id, credential_id) = self
            .webauthn
            .identify_discoverable_authentication(response)
            .map_err(verification_error)?;
        let (user, rows) = self
            .store
            .user_with_credentials(UserKey::Id(&UserId::from_handle(&user_id)))
            .await?
            .ok_or(AuthError::CredentialNotAllowed)?;
        let credential_id = CredentialId::from_raw(credential_id);
        let row = rows
            .into_iter()
            .find(|c| c.id == credential_id)
            .ok_or(AuthError::CredentialNotAllowed)?;
        let passkey: Passkey = serde_json::from_str(&row.passkey)
            .map_err(|e| AuthError::internal("reading a stored passkey", e))?;
        let outcome = self
            .webauthn
            .finish_discoverable_authentication_v2(response, state, &passkey);
        Ok(DiscoverableAnswer {
            user,
            row,
            passkey,
            outcome,
        })
    }

    /// What every passkey sign-in does once webauthn-rs has judged the response
    /// (`judged`: the account, its passkeys the response may have been made with,
    /// the verdict): flag a cloned key, bring the passkey's counter and backup state
    /// up to date, refuse an unconfirmed account, and open a new session, taking
    /// `ceremony` in the same write.
    async fn complete_sign_in(
        &self,
        ceremony: &TakenCeremony,
        (user, candidates, outcome): Judged,
        response: &PublicKeyCredential,
        client: &ClientInfo,
        previous_session: Option<&SessionToken>,
    ) -> AuthResult<SignedIn> {
        // A counter that went backwards flags the passkey as cloned, but only if
        // this answer is the first to its challenge: the same answer sent twice
        // (a double submit) finds the counter already moved on by the first.
        if let Err(WebauthnError::CredentialPossibleCompromise) = outcome
            && !self.spend(ceremony, client).await?
        {
            return Err(AuthError::CeremonyNotFound);
        }
        let used = self
            .passkey_used(&user, candidates, response, outcome, client)
            .await?;
        if user.verified_at.is_none() {
            return Err(AuthError::EmailNotVerified);
        }
        // Said only to whoever proved they hold the account's passkey.
        if user.disabled_at.is_some() {
            return Err(AuthError::AccountDisabled);
        }
        let (session, token) = self.new_session(&user.id, Some(&used.id), true, client);
        let previous = previous_session.map(SessionToken::id_hash);
        let event = self.event(&user.id, SecurityEventKind::SignedIn, None, client);
        let taken = match self
            .store
            .record_sign_in(&ceremony.id, &used, &session, previous.as_deref(), &event)
            .await
        {
            // The passkey was removed while it signed in.
            Err(e) if e.is_foreign_key_violation() => return Err(AuthError::CredentialNotAllowed),
            other => other?,
        };
        // Another request with the same answer signed in first.
        if !taken {
            return Err(AuthError::CeremonyNotFound);
        }
        tracing::info!(user = %user.id, "signed in with a passkey");
        Ok(SignedIn::new(user, token, &session))
    }

    /// The passkey of `user` that made an assertion, as it is after this use (new
    /// counter and backup state), once webauthn-rs has judged the response. A valid
    /// signature with a counter that went backwards flags the passkey as cloned.
    pub(crate) async fn passkey_used(
        &self,
        user: &UserRow,
        mut candidates: Vec<Passkey>,
        response: &PublicKeyCredential,
        outcome: Result<AuthenticationResult, WebauthnError>,
        client: &ClientInfo,
    ) -> AuthResult<CredentialUse> {
        let credential_id = CredentialId::from_raw(&response.raw_id);
        let result = match outcome {
            Ok(result) => result,
            Err(e) => {
                let error = verification_error(e);
                if matches!(error, AuthError::PossibleClonedCredential) {
                    // The signature was valid (webauthn-rs checks the counter last), so
                    // this really is the account's key, used from two places.
                    tracing::warn!(user = %user.id, credential = %credential_id, "signature counter went backwards");
                    let name = self
                        .store
                        .credentials_of(&user.id)
                        .await?
                        .into_iter()
                        .find(|c| c.id == credential_id)
                        .map(|c| c.name);
                    let event = self.event(
                        &user.id,
                        SecurityEventKind::CounterWentBack,
                        name.as_deref(),
                        client,
                    );
                    self.store
                        .flag_counter_regression(&credential_id, &event)
                        .await?;
                }
                return Err(error);
            }
        };
        let passkey = candidates
            .iter_mut()
            .find(|p| p.cred_id() == result.cred_id())
            .ok_or(AuthError::CredentialNotAllowed)?;
        passkey.update_credential(&result);
        Ok(CredentialUse {
            id: credential_id,
            passkey: serde_json::to_string(passkey)
                .map_err(|e| AuthError::internal("storing a passkey", e))?,
            sign_count: i64::from(result.counter()),
            backup_eligible: result.backup_eligible(),
            backup_state: result.backup_state(),
        })
    }
}

/// The stored passkeys as webauthn-rs values.
pub(super) fn parse_passkeys(rows: &[CredentialRow]) -> AuthResult<Vec<Passkey>> {
    rows.iter()
        .map(|row| {
            serde_json::from_str(&row.passkey)
                .map_err(|e| AuthError::internal("reading a stored passkey", e))
        })
        .collect()
}
