//! Sign-up: email → the device makes a passkey (user verification required) → the
//! server stores the public key and mails a PIN (see `pin.rs` for the rest).

use uuid::Uuid;
use webauthn_rs::prelude::{
    AuthenticatorAttachment, CreationChallengeResponse, Credential, Passkey, PasskeyRegistration,
    RegisterPublicKeyCredential,
};
use webauthn_rs_proto::{ResidentKeyRequirement, UserVerificationPolicy};

use super::CeremonyKind;
use super::ceremony::verification_error;
use super::device::describe_device;
use super::device::provider_name;
use super::rate_limit::{Limit, client_key};
use super::{
    Auth, AuthError, AuthResult, ClientInfo, CredentialId, Email, PasskeyOrigin, PinPurpose, User,
    UserId,
};
use crate::clock::UnixTime;
use crate::store::{AccountOutcome, NewAccount, NewCredential, UserRow};

/// What a sign-up keeps between its two steps.
#[derive(serde::Serialize, serde::Deserialize)]
struct SignUpState {
    passkey: PasskeyRegistration,
    /// The invitation that admitted the address, to be spent on confirmation.
    invitation_id: Option<String>,
}

/// A stored sign-up, waiting for its PIN.
#[derive(Debug)]
#[non_exhaustive]
pub struct Registered {
    /// The pending account (not confirmed yet).
    pub user: User,
}

impl Auth {
    /// Creation options for a new account's first passkey.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// # let credential = serde_json::Value::Null;
    /// # let session: Option<bmauth::auth::SessionToken> = None;
    /// let options = bmauth.auth().begin_registration("ada@example.com", &client).await?;
    /// // Send `options` to the browser for `navigator.credentials.create`.
    /// # Ok(()) }
    /// ```
    pub async fn begin_registration(
        &self,
        email: &str,
        client: &ClientInfo,
    ) -> AuthResult<CreationChallengeResponse> {
        self.begin_invited_registration(email, None, client).await
    }

    /// [`Auth::begin_registration`] with the token of the invitation the person
    /// came with (the `invitation` of the link), for `signup = "invite"` or
    /// `"domains"`: without a good one for this address, `InvitationRequired` or
    /// `EmailDomainNotAllowed`, whether or not the address has an account.
    pub async fn begin_invited_registration(
        &self,
        email: &str,
        invitation: Option<&str>,
        client: &ClientInfo,
    ) -> AuthResult<CreationChallengeResponse> {
        let email = Email::parse(email)?;
        self.limit(Limit::CeremoniesPerClient, &client_key(client))
            .await?;
        let invitation_id = self.may_sign_up(&email, invitation).await?;
        // Taken by an account, or kept for an owner who moved away from it moments
        // ago and may still undo the change.
        if self.store.email_in_use(email.as_str(), self.now()).await? {
            return Err(AuthError::EmailTaken);
        }
        let user_id = Uuid::new_v4();
        let (mut options, state) = self
            .webauthn
            .start_passkey_registration(user_id, email.as_str(), email.as_str(), None)
            .map_err(|e| AuthError::internal("starting a registration", e))?;
        ask_for_this_device(&mut options);

        let user_id = UserId::from_uuid(user_id);
        self.save_ceremony(
            CeremonyKind::Register,
            &options.public_key.challenge,
            Some(&user_id),
            Some(email.as_str()),
            &SignUpState {
                passkey: state,
                invitation_id,
            },
            client,
        )
        .await?;
        Ok(options)
    }

    /// Verifies the new passkey and stores the account, its passkey and a PIN in one
    /// transaction, then mails the PIN.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// # let credential = serde_json::Value::Null;
    /// # let session: Option<bmauth::auth::SessionToken> = None;
    /// let registered = bmauth.auth().finish_registration("ada@example.com", credential, &client).await?;
    /// // The PIN mail is on its way; the account is pending until it is typed.
    /// # Ok(()) }
    /// ```
    pub async fn finish_registration(
        &self,
        email: &str,
        credential: serde_json::Value,
        client: &ClientInfo,
    ) -> AuthResult<Registered> {
        let email = Email::parse(email)?;
        let (response, ceremony): (RegisterPublicKeyCredential, _) = self
            .take_answer(CeremonyKind::Register, credential, client)
            .await?;
        if ceremony.email.as_deref() != Some(email.as_str()) {
            return Err(AuthError::CeremonyMismatch);
        }
        let user_id = ceremony.user_id.clone().ok_or_else(|| {
            AuthError::internal("reading a registration ceremony", "it has no user")
        })?;
        let state: SignUpState = ceremony.state()?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(&response, &state.passkey)
            .map_err(verification_error)?;
        match &state.invitation_id {
            Some(id) if !self.store.invitation_unspent(id).await? => {
                return Err(AuthError::InvitationRequired);
            }
            Some(_) => {}
            None => self.admits_uninvited(&email)?,
        }
        self.allow_pin_mail(&email, client).await?;

        let now = self.now();
        let (pin, mail) = self.new_pin(&user_id, &email, PinPurpose::VerifyEmail, client);
        let account = NewAccount {
            user: UserRow {
                id: user_id.clone(),
                email: email.as_str().into(),
                created_at: now,
                verified_at: None,
                invitation_id: state.invitation_id,
                is_admin: false,
                disabled_at: None,
            },
            credential: new_credential(&passkey, &response, client, now, PasskeyOrigin::SignUp)?,
            pin,
            mail,
        };
        let outcome = match self.store.create_account(&account).await {
            // Two sign-ups with one passkey raced, and the other one won.
            Err(e) if e.is_unique_violation() => AccountOutcome::CredentialExists,
            other => other?,
        };
        match outcome {
            AccountOutcome::Created => {}
            AccountOutcome::EmailTaken => return Err(AuthError::EmailTaken),
            AccountOutcome::CredentialExists => return Err(AuthError::CredentialAlreadyRegistered),
        }
        tracing::info!(user = %user_id, "sign-up stored; PIN queued");
        self.deliver_now(&account.mail.id).await?;
        Ok(Registered {
            user: User {
                id: user_id,
                email: email.to_string(),
                verified: false,
                admin: false,
            },
        })
    }
}

/// Asks for this device's own authenticator (fingerprint, face, device PIN) with
/// the person verified, and a discoverable credential where it can, so that passkey
/// autofill works later.
pub(crate) fn ask_for_this_device(options: &mut CreationChallengeResponse) {
    let selection = options
        .public_key
        .authenticator_selection
        .get_or_insert_with(Default::default);
    selection.authenticator_attachment = Some(AuthenticatorAttachment::Platform);
    selection.resident_key = Some(ResidentKeyRequirement::Preferred);
    selection.require_resident_key = false;
    selection.user_verification = UserVerificationPolicy::Required;
}

/// A verified new passkey, as it is stored.
pub(crate) fn new_credential(
    passkey: &Passkey,
    response: &RegisterPublicKeyCredential,
    client: &ClientInfo,
    now: UnixTime,
    added_by: PasskeyOrigin,
) -> AuthResult<NewCredential> {
    let details = Credential::from(passkey.clone());
    let aaguid = aaguid_of(&response.response.attestation_object);
    Ok(NewCredential {
        id: CredentialId::from_raw(passkey.cred_id()),
        passkey: serde_json::to_string(passkey)
            .map_err(|e| AuthError::internal("storing a passkey", e))?,
        name: default_passkey_name(aaguid.as_deref(), client),
        aaguid,
        transports: response
            .response
            .transports
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| AuthError::internal("storing transports", e))?,
        backup_eligible: details.backup_eligible,
        backup_state: details.backup_state,
        sign_count: i64::from(details.counter),
        created_at: now,
        added_by,
        held_until: None,
    })
}

/// A name the person will recognise on the devices page until they rename it: the
/// passkey provider's ("iCloud Keychain") when its AAGUID is a known one, else the
/// browser and system it was made on ("Chrome on Android").
fn default_passkey_name(aaguid: Option<&str>, client: &ClientInfo) -> String {
    provider_name(aaguid)
        .map(str::to_string)
        .or_else(|| describe_device(client.user_agent.as_deref()))
        .unwrap_or_else(|| "Passkey".into())
}

/// The authenticator model id (AAGUID) from the attestation object's authenticator
/// data, when the authenticator gives one (many synced passkeys give all zeros).
fn aaguid_of(attestation_object: &[u8]) -> Option<String> {
    use ciborium::Value;
    let Value::Map(entries) = ciborium::from_reader::<Value, _>(attestation_object).ok()? else {
        return None;
    };
    let auth_data = entries.into_iter().find_map(|(k, v)| match (k, v) {
        (Value::Text(k), Value::Bytes(v)) if k == "authData" => Some(v),
        _ => None,
    })?;
    // rpIdHash (32) | flags (1) | signCount (4) | AAGUID (16) …, present when AT is set.
    const ATTESTED_CREDENTIAL_DATA: u8 = 0x40;
    let flags = *auth_data.get(32)?;
    let aaguid = auth_data
        .get(37..53)
        .filter(|_| flags & ATTESTED_CREDENTIAL_DATA != 0)?;
    Uuid::from_slice(aaguid)
        .ok()
        .filter(|u| !u.is_nil())
        .map(|u| u.to_string())
}
