//! Ceremony state in the database, keyed by its challenge, taken once.
//!
//! The browser's response carries the challenge inside `clientDataJSON`, so the
//! response alone finds its ceremony: no extra handle, and any instance can finish
//! what another began.

use serde::Serialize;
use serde::de::DeserializeOwned;
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

use super::rate_limit::{Limit, client_key};
use super::{Auth, AuthError, AuthResult, CeremonyKind, ClientInfo, UserId, policy, secs};
use crate::crypto::{HashPurpose, from_b64url, hex};
use crate::store::CeremonyRow;

/// A passkey's answer to a ceremony: a new credential or an assertion.
pub(crate) trait PasskeyAnswer: DeserializeOwned {
    /// The `clientDataJSON` the browser signed, which names the challenge.
    fn client_data_json(&self) -> &[u8];
}

impl PasskeyAnswer for RegisterPublicKeyCredential {
    fn client_data_json(&self) -> &[u8] {
        &self.response.client_data_json
    }
}

impl PasskeyAnswer for PublicKeyCredential {
    fn client_data_json(&self) -> &[u8] {
        &self.response.client_data_json
    }
}

/// A ceremony taken (or, for a sign-in, read) from the store, still to be checked
/// against the response.
pub(crate) struct TakenCeremony {
    /// Its key in the store.
    pub id: String,
    pub kind: CeremonyKind,
    pub user_id: Option<UserId>,
    pub email: Option<String>,
    pub state: String,
}

impl TakenCeremony {
    pub fn state<T: DeserializeOwned>(&self) -> AuthResult<T> {
        serde_json::from_str(&self.state)
            .map_err(|e| AuthError::internal("reading ceremony state", e))
    }
}

impl Auth {
    fn ceremony_key(&self, challenge: &[u8]) -> String {
        hex(&self
            .secret
            .keyed_hash(HashPurpose::CeremonyKey, &[challenge]))
    }

    pub(crate) async fn save_ceremony(
        &self,
        kind: CeremonyKind,
        challenge: &[u8],
        user_id: Option<&UserId>,
        email: Option<&str>,
        state: &impl Serialize,
        client: &ClientInfo,
    ) -> AuthResult<()> {
        let row = self.ceremony_row(kind, challenge, user_id, email, state, client)?;
        self.store.insert_ceremony(&row).await?;
        Ok(())
    }

    /// Stores a ceremony that starts a sign-in, counted against the client's
    /// ceremony limit in the same write: refused, and not stored, once the window's
    /// allowance is spent. For steps that start a ceremony and touch nothing else,
    /// so that counting costs no write of its own.
    pub(crate) async fn save_counted_ceremony(
        &self,
        kind: CeremonyKind,
        challenge: &[u8],
        user_id: Option<&UserId>,
        state: &impl Serialize,
        client: &ClientInfo,
    ) -> AuthResult<()> {
        let row = self.ceremony_row(kind, challenge, user_id, None, state, client)?;
        let window = self.window(Limit::CeremoniesPerClient, &client_key(client));
        let hits = self
            .store
            .insert_ceremony_counted(&row, &window.bucket, window.start, window.allowed)
            .await?;
        window.judge(hits)
    }

    /// The row that keeps a ceremony's state until its answer comes.
    fn ceremony_row(
        &self,
        kind: CeremonyKind,
        challenge: &[u8],
        user_id: Option<&UserId>,
        email: Option<&str>,
        state: &impl Serialize,
        client: &ClientInfo,
    ) -> AuthResult<CeremonyRow> {
        let now = self.now();
        let state = serde_json::to_string(state)
            .map_err(|e| AuthError::internal("saving ceremony state", e))?;
        Ok(CeremonyRow {
            id: self.ceremony_key(challenge),
            kind,
            browser_hash: client.browser.id_hash(),
            user_id: user_id.cloned(),
            email: email.map(Into::into),
            state,
            created_at: now,
            expires_at: now + secs(policy::CEREMONY_TTL),
        })
    }

    /// Reads a passkey's answer (WebAuthn JSON) and takes the ceremony of `kind` it
    /// answers, if this browser began it.
    pub(crate) async fn take_answer<R: PasskeyAnswer>(
        &self,
        kind: CeremonyKind,
        credential: serde_json::Value,
        client: &ClientInfo,
    ) -> AuthResult<(R, TakenCeremony)> {
        let answer: R = parse_answer(credential)?;
        let ceremony = self
            .take_ceremony(kind, answer.client_data_json(), client)
            .await?;
        Ok((answer, ceremony))
    }

    /// Takes the ceremony that `client_data_json` answers, if this browser began it.
    /// It is gone afterwards, whether or not the response then verifies: one try
    /// per challenge.
    pub(crate) async fn take_ceremony(
        &self,
        kind: CeremonyKind,
        client_data_json: &[u8],
        client: &ClientInfo,
    ) -> AuthResult<TakenCeremony> {
        let id = self.ceremony_key(&challenge_of(client_data_json)?);
        let row = self
            .store
            .take_ceremony(&id, kind, &client.browser.id_hash())
            .await?;
        self.unexpired(row)
    }

    /// Reads a passkey's answer and the ceremony of `kind` it answers, if this
    /// browser began it, leaving the ceremony in place: a sign-in's one write takes
    /// it (`Store::record_sign_in`) once the answer is judged right. Whatever else
    /// comes of the answer must spend it (`spend_unless_ok`): one try per challenge.
    pub(crate) async fn read_answer<R: PasskeyAnswer>(
        &self,
        kind: CeremonyKind,
        credential: serde_json::Value,
        client: &ClientInfo,
    ) -> AuthResult<(R, TakenCeremony)> {
        let answer: R = parse_answer(credential)?;
        let id = self.ceremony_key(&challenge_of(answer.client_data_json())?);
        let browser_hash = client.browser.id_hash();
        let row = self.store.read_ceremony(&id, kind, &browser_hash).await?;
        let ceremony = self.unexpired(row);
        if let Err(AuthError::CeremonyExpired) = ceremony {
            self.store.take_ceremony(&id, kind, &browser_hash).await?;
        }
        Ok((answer, ceremony?))
    }

    /// Passes `outcome` on, having taken the ceremony (read by `read_answer`) unless
    /// it succeeded, which took it itself.
    pub(crate) async fn spend_unless_ok<T>(
        &self,
        ceremony: &TakenCeremony,
        client: &ClientInfo,
        outcome: AuthResult<T>,
    ) -> AuthResult<T> {
        if outcome.is_err() {
            self.spend(ceremony, client).await?;
        }
        outcome
    }

    /// Takes a ceremony read by `read_answer`: false if another request took it
    /// first.
    pub(crate) async fn spend(
        &self,
        ceremony: &TakenCeremony,
        client: &ClientInfo,
    ) -> AuthResult<bool> {
        let taken = self
            .store
            .take_ceremony(&ceremony.id, ceremony.kind, &client.browser.id_hash())
            .await?;
        Ok(taken.is_some())
    }

    /// The ceremony found, if any and still in time.
    fn unexpired(&self, row: Option<CeremonyRow>) -> AuthResult<TakenCeremony> {
        let row = row.ok_or(AuthError::CeremonyNotFound)?;
        if row.expires_at <= self.now() {
            return Err(AuthError::CeremonyExpired);
        }
        Ok(TakenCeremony {
            id: row.id,
            kind: row.kind,
            user_id: row.user_id,
            email: row.email,
            state: row.state,
        })
    }
}

/// A passkey's answer, read from WebAuthn JSON.
fn parse_answer<R: PasskeyAnswer>(credential: serde_json::Value) -> AuthResult<R> {
    serde_json::from_value(credential).map_err(|e| AuthError::InvalidCredential(e.to_string()))
}

/// The challenge the browser signed, read from `clientDataJSON`. webauthn-rs checks it
/// again against the stored state; here it only finds that state.
fn challenge_of(client_data_json: &[u8]) -> AuthResult<Vec<u8>> {
    #[derive(serde::Deserialize)]
    struct ClientData {
        challenge: String,
    }
    let data: ClientData = serde_json::from_slice(client_data_json)
        .map_err(|_| AuthError::InvalidCredential("clientDataJSON has no challenge".into()))?;
    from_b64url(&data.challenge)
        .ok_or_else(|| AuthError::InvalidCredential("the challenge is not base64url".into()))
}

/// What a failed WebAuthn verification means for the person. Details go to the log
/// (they help operators, and say nothing secret); the client gets a stable code.
pub(crate) fn verification_error(e: webauthn_rs::prelude::WebauthnError) -> AuthError {
    use webauthn_rs::prelude::WebauthnError as W;
    tracing::info!(error = ?e, "passkey response rejected");
    match e {
        W::UserNotVerified => AuthError::UserVerificationRequired,
        W::CredentialNotFound => AuthError::CredentialNotAllowed,
        W::CredentialPossibleCompromise => AuthError::PossibleClonedCredential,
        W::ParseCBORFailure(_)
        | W::ParseJSONFailure(_)
        | W::ParseNOMFailure
        | W::ParseInsufficientBytesAvailable
        | W::MissingAttestationCredentialData
        | W::COSEKeyInvalidCBORValue
        | W::COSEKeyInvalidType => AuthError::InvalidCredential(e.to_string()),
        other => AuthError::CredentialRejected(other.to_string()),
    }
}
