//! The signed-in person's own account: their passkeys (named, renamed, removed) and
//! their sessions (listed, ended). Removing a passkey needs a fresh biometric: a
//! user-verified passkey assertion in this session within the last few minutes
//! (`reauthenticate`), so that a session cookie alone — left open on a shared
//! computer, or stolen — cannot take the owner's devices away.

use webauthn_rs::prelude::{PasskeyAuthentication, PublicKeyCredential, RequestChallengeResponse};

use super::CeremonyKind;
use super::SecurityEventKind;
use super::device::{describe_device, provider_name};
use super::rate_limit::{Limit, client_key};
use super::{Auth, AuthError, AuthResult, ClientInfo, CredentialId, SessionToken, policy, secs};
use crate::clock::UnixTime;
use crate::store::{CredentialRow, RemoveOutcome, SESSION_HANDLE_LEN, SessionUserRow};

/// A passkey removed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PasskeyRemoved {
    /// This session was opened by it, so it ended too.
    pub signed_out: bool,
    /// The account's passkeys left, read in the removal's own transaction, for the
    /// browser's passkey manager (`signalAllAcceptedCredentials`).
    pub accepted: super::AcceptedPasskeys,
}
/// One of the account's passkeys, as its owner sees it.
///
/// ```no_run
/// # async fn run(bmauth: bmauth::BmAuth, session: bmauth::auth::SessionToken) -> Result<(), bmauth::AuthError> {
/// let copied = bmauth.auth().passkeys(&session).await?.passkeys.into_iter().filter(|p| p.counter_went_back_at.is_some());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyInfo {
    /// The credential id.
    pub id: CredentialId,
    /// Its name: the owner's, or the provider's or device's at creation.
    pub name: String,
    /// The passkey provider, from its AAGUID ("Google Password Manager"), if known.
    pub provider: Option<String>,
    /// Backed up (synced) to the provider's cloud now.
    pub synced: bool,
    /// May be synced; false for a passkey bound to one device (a security key).
    pub backup_eligible: bool,
    /// When it was made.
    pub created_at: UnixTime,
    /// When it last signed in or approved something.
    pub last_used_at: Option<UnixTime>,
    /// It opened the session asking.
    pub this_device: bool,
    /// When its signature counter went backwards, if ever: it may have been copied.
    pub counter_went_back_at: Option<UnixTime>,
}

/// The account's passkeys, and whether this session is held back (see
/// `cooldown.rs`): then the page says until when, and offers no removal.
///
/// ```no_run
/// # async fn run(bmauth: bmauth::BmAuth, session: bmauth::auth::SessionToken) -> Result<(), bmauth::AuthError> {
/// let list = bmauth.auth().passkeys(&session).await?;
/// if let Some(until) = list.cooldown_until {
///     println!("this device was added recently: it may remove others from {until}");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyList {
    /// Oldest first.
    pub passkeys: Vec<PasskeyInfo>,
    /// Until when this session may not remove other passkeys or end other sessions,
    /// because its passkey joined by a device link moments ago.
    pub cooldown_until: Option<UnixTime>,
}

/// One of the account's live sessions, as its owner sees it.
///
/// ```no_run
/// # async fn run(bmauth: bmauth::BmAuth, session: bmauth::auth::SessionToken) -> Result<(), bmauth::AuthError> {
/// let others = bmauth.auth().sessions(&session).await?.into_iter().filter(|s| !s.this_session).count();
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// Names the session to `end_session_by_handle` (not its cookie, nor enough to make one).
    pub handle: String,
    /// The browser and system ("Firefox on Windows"), from its user agent.
    pub device: Option<String>,
    /// When it began.
    pub created_at: UnixTime,
    /// When it was last used (to the minute).
    pub last_seen_at: UnixTime,
    /// The session asking.
    pub this_session: bool,
    /// The passkey that opened it.
    pub passkey_name: Option<String>,
}

/// A passkey's name as given: trimmed, not empty, at most 64 characters, and no
/// control, zero-width or direction-changing characters (which can make one name
/// look like another). Anything else, HTML included, is kept as text: pages escape it.
fn passkey_name(input: &str) -> AuthResult<String> {
    let name = input.trim();
    if name.is_empty() {
        return Err(AuthError::InvalidName("give the passkey a name"));
    }
    if name.chars().count() > bmauth_proto::policy::PASSKEY_NAME_MAX_CHARS {
        return Err(AuthError::InvalidName(
            "a passkey's name can be at most 64 characters",
        ));
    }
    // Control (Cc), format (Cf), line and paragraph separators, fillers that show as
    // nothing, and private-use characters.
    let invisible = |c: char| {
        c.is_control()
            || matches!(c,
                '\u{00AD}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{180E}' | '\u{3164}'
                | '\u{FEFF}' | '\u{FFA0}'
                | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}'
                | '\u{FFF9}'..='\u{FFFB}' | '\u{E000}'..='\u{F8FF}' | '\u{E0000}'..)
    };
    if name.chars().any(invisible) {
        return Err(AuthError::InvalidName(
            "a passkey's name can't contain control or invisible characters",
        ));
    }
    Ok(name.to_string())
}

/// A stored passkey as its owner (or an administrator) sees it; `this_device`
/// when it opened the session asking.
pub(crate) fn passkey_info(
    row: CredentialRow,
    session_passkey: Option<&CredentialId>,
) -> PasskeyInfo {
    PasskeyInfo {
        this_device: session_passkey == Some(&row.id),
        provider: provider_name(row.aaguid.as_deref()).map(Into::into),
        id: row.id,
        name: row.name,
        synced: row.backup_state,
        backup_eligible: row.backup_eligible,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        counter_went_back_at: row.counter_regressed_at,
    }
}

impl Auth {
    /// `ReauthenticationRequired` unless this session confirmed it's the person
    /// with a passkey (sign-in, a new passkey, or `reauthenticate`) in the last few
    /// minutes: what removing a passkey, deleting the account and every
    /// administrator's change need.
    pub(crate) fn confirmed_lately(&self, session: &SessionUserRow) -> AuthResult<()> {
        let now = self.now();
        let fresh = session
            .session_verified_at
            .is_some_and(|at| now - at <= secs(policy::FRESH_VERIFICATION));
        if fresh {
            Ok(())
        } else {
            Err(AuthError::ReauthenticationRequired)
        }
    }

    /// The live session a token opens, with its user, or `NotSignedIn`.
    pub(crate) async fn signed_in_session(
        &self,
        token: &SessionToken,
    ) -> AuthResult<SessionUserRow> {
        self.live_session(token)
            .await?
            .ok_or(AuthError::NotSignedIn)
    }

    /// The account's passkeys, oldest first, and whether this session is held back.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, session: bmauth::auth::SessionToken) -> Result<(), bmauth::AuthError> {
    /// for passkey in bmauth.auth().passkeys(&session).await?.passkeys {
    ///     println!("{} (synced: {})", passkey.name, passkey.synced);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn passkeys(&self, token: &SessionToken) -> AuthResult<PasskeyList> {
        let session = self.signed_in_session(token).await?;
        self.passkeys_seen_from(&session).await
    }

    /// The passkeys of `session`'s account, marking the one that opened it.
    pub(crate) async fn passkeys_seen_from(
        &self,
        session: &SessionUserRow,
    ) -> AuthResult<PasskeyList> {
        let rows = self.store.credentials_of(&session.user_id).await?;
        let passkeys = rows
            .into_iter()
            .map(|row| passkey_info(row, session.credential_id.as_ref()))
            .collect();
        Ok(PasskeyList {
            passkeys,
            cooldown_until: self.cooldown_until(session),
        })
    }

    /// Renames one of the account's passkeys.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, session: bmauth::auth::SessionToken, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// bmauth.auth().rename_passkey(&session, "qFw3…", "Work laptop", &client).await?;
    /// # Ok(()) }
    /// ```
    pub async fn rename_passkey(
        &self,
        token: &SessionToken,
        id: &str,
        name: &str,
        client: &ClientInfo,
    ) -> AuthResult<()> {
        let session = self.signed_in_session(token).await?;
        // Each change writes an event: bounded, so that a flood cannot push a
        // stranger's sign-in out of the owner's view.
        self.limit(Limit::CeremoniesPerClient, &client_key(client))
            .await?;
        let name = passkey_name(name)?;
        let id = CredentialId::from_text(id).ok_or(AuthError::PasskeyNotFound)?;
        // A device held back names its own passkey only: renaming the owner's
        // ("Lost phone, remove me") would be a way to have them remove it.
        if session.credential_id.as_ref() != Some(&id) {
            self.past_cooldown(&session)?;
        }
        let event = self.event(
            &session.user_id,
            SecurityEventKind::PasskeyRenamed,
            Some(&name),
            client,
        );
        if !self
            .store
            .rename_credential(&session.user_id, &id, &name, &event)
            .await?
        {
            return Err(AuthError::PasskeyNotFound);
        }
        Ok(())
    }

    /// Request options for confirming it's the account's owner: a user-verified
    /// assertion by one of the account's passkeys, which makes the session fresh
    /// for a few minutes (see `remove_passkey`).
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, session: bmauth::auth::SessionToken, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// let options = bmauth.auth().begin_reauthentication(&session, &client).await?;
    /// // For `navigator.credentials.get`; send its answer to `finish_reauthentication`.
    /// # Ok(()) }
    /// ```
    pub async fn begin_reauthentication(
        &self,
        token: &SessionToken,
        client: &ClientInfo,
    ) -> AuthResult<RequestChallengeResponse> {
        let session = self.signed_in_session(token).await?;
        self.limit(Limit::CeremoniesPerClient, &client_key(client))
            .await?;
        self.begin_assertion(CeremonyKind::Reauth, &session.user_id, client, |state| {
            state
        })
        .await
    }

    /// Checks the assertion; the session is then fresh for a few minutes.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, session: bmauth::auth::SessionToken, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// # let credential = serde_json::Value::Null;
    /// bmauth.auth().finish_reauthentication(&session, credential, &client).await?;
    /// # Ok(()) }
    /// ```
    pub async fn finish_reauthentication(
        &self,
        token: &SessionToken,
        credential: serde_json::Value,
        client: &ClientInfo,
    ) -> AuthResult<()> {
        let session = self.signed_in_session(token).await?;
        let (response, ceremony): (PublicKeyCredential, _) = self
            .take_answer(CeremonyKind::Reauth, credential, client)
            .await?;
        if ceremony.user_id.as_ref() != Some(&session.user_id) {
            return Err(AuthError::CeremonyMismatch);
        }
        let state: PasskeyAuthentication = ceremony.state()?;
        let used = self
            .check_assertion(&session.user_id, &response, &state, client)
            .await?;
        if !self
            .store
            .record_reauthentication(&session.user_id, &used, &session.id_hash, self.now())
            .await?
        {
            // The session ended, or the passkey was removed, meanwhile.
            return Err(AuthError::CredentialNotAllowed);
        }
        Ok(())
    }

    /// Removes one of the account's passkeys and ends every session it opened. It
    /// needs a fresh biometric in this session (`ReauthenticationRequired`
    /// otherwise), is refused for the account's last passkey (`LastPasskey`: the
    /// account would be locked) and, for another device's passkey, from a session
    /// held back (`NewDeviceCooldown`), and mails the account. Says whether this
    /// session was one of those ended (it was opened by that passkey), and the
    /// passkeys left, for the browser's passkey manager.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, session: bmauth::auth::SessionToken, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// match bmauth.auth().remove_passkey(&session, "qFw3…", &client).await {
    ///     Err(bmauth::AuthError::ReauthenticationRequired) => { /* confirm with a passkey, then again */ }
    ///     other => { let removed = other?; println!("signed out: {}", removed.signed_out); }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn remove_passkey(
        &self,
        token: &SessionToken,
        id: &str,
        client: &ClientInfo,
    ) -> AuthResult<PasskeyRemoved> {
        let session = self.signed_in_session(token).await?;
        let id = CredentialId::from_text(id).ok_or(AuthError::PasskeyNotFound)?;
        let rows = self.store.credentials_of(&session.user_id).await?;
        let removed = rows
            .iter()
            .find(|row| row.id == id)
            .ok_or(AuthError::PasskeyNotFound)?;
        if session.credential_id.as_ref() != Some(&id) {
            self.past_cooldown(&session)?;
        }
        if rows.len() == 1 {
            return Err(AuthError::LastPasskey);
        }
        self.confirmed_lately(&session)?;
        let event = self.event(
            &session.user_id,
            SecurityEventKind::PasskeyRemoved,
            Some(&removed.name),
            client,
        );
        // Named by when it was added, not by its name: a name is anyone's text, and
        // this mail comes from us.
        let notice = crate::mail::passkey_removed_mail(
            &self.settings.rp_name,
            removed.created_at,
            describe_device(client.user_agent.as_deref()).as_deref(),
        );
        let notice = self.security_notice(&session.email, &notice);
        match self
            .store
            .remove_credential(&session.user_id, &id, &event, &notice)
            .await?
        {
            RemoveOutcome::Removed { remaining } => {
                tracing::info!(user = %session.user_id, credential = %id, "passkey removed");
                self.send_notice(&notice).await;
                let ids = remaining.iter().map(|c| c.as_str().to_string()).collect();
                Ok(PasskeyRemoved {
                    signed_out: session.credential_id.as_ref() == Some(&id),
                    accepted: self.accepted_passkeys(&session.user_id, ids),
                })
            }
            RemoveOutcome::NotFound => Err(AuthError::PasskeyNotFound),
            RemoveOutcome::Last => Err(AuthError::LastPasskey),
        }
    }

    /// The account's live sessions, most recently used first.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, session: bmauth::auth::SessionToken) -> Result<(), bmauth::AuthError> {
    /// for s in bmauth.auth().sessions(&session).await? {
    ///     println!("{:?} since {}{}", s.device, s.created_at, if s.this_session { " (this one)" } else { "" });
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn sessions(&self, token: &SessionToken) -> AuthResult<Vec<SessionInfo>> {
        let session = self.signed_in_session(token).await?;
        self.sessions_seen_from(&session).await
    }

    /// The live sessions of `session`'s account, marking `session` itself.
    pub(crate) async fn sessions_seen_from(
        &self,
        session: &SessionUserRow,
    ) -> AuthResult<Vec<SessionInfo>> {
        let now = self.now();
        let rows = self
            .store
            .sessions_of(&session.user_id, now, self.idle_cutoff(now))
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| SessionInfo {
                handle: row
                    .id_hash
                    .get(..SESSION_HANDLE_LEN)
                    .unwrap_or(&row.id_hash)
                    .to_string(),
                device: describe_device(row.user_agent.as_deref()),
                created_at: row.created_at,
                last_seen_at: row.last_seen_at,
                this_session: row.id_hash == session.id_hash,
                passkey_name: row.passkey_name,
            })
            .collect())
    }

    /// Ends one of the account's sessions, named by its handle. True if it was this
    /// one (which is then signed out).
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, session: bmauth::auth::SessionToken, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// let handle = bmauth.auth().sessions(&session).await?[1].handle.clone();
    /// bmauth.auth().end_session_by_handle(&session, &handle, &client).await?;
    /// # Ok(()) }
    /// ```
    pub async fn end_session_by_handle(
        &self,
        token: &SessionToken,
        handle: &str,
        client: &ClientInfo,
    ) -> AuthResult<bool> {
        let session = self.signed_in_session(token).await?;
        let well_formed = handle.len() == SESSION_HANDLE_LEN
            && handle
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !well_formed {
            return Err(AuthError::SessionNotFound);
        }
        if !session.id_hash.starts_with(handle) {
            self.past_cooldown(&session)?;
        }
        self.limit(Limit::CeremoniesPerClient, &client_key(client))
            .await?;
        let event = self.event(
            &session.user_id,
            SecurityEventKind::SessionEnded,
            None,
            client,
        );
        if !self
            .store
            .end_session_by_handle(&session.user_id, handle, &event)
            .await?
        {
            return Err(AuthError::SessionNotFound);
        }
        Ok(session.id_hash.starts_with(handle))
    }

    /// Ends every session of the account but this one. Returns how many ended.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, session: bmauth::auth::SessionToken, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// let ended = bmauth.auth().end_other_sessions(&session, &client).await?;
    /// # Ok(()) }
    /// ```
    pub async fn end_other_sessions(
        &self,
        token: &SessionToken,
        client: &ClientInfo,
    ) -> AuthResult<u64> {
        let session = self.signed_in_session(token).await?;
        self.past_cooldown(&session)?;
        self.limit(Limit::CeremoniesPerClient, &client_key(client))
            .await?;
        let event = self.event(
            &session.user_id,
            SecurityEventKind::OtherSessionsEnded,
            None,
            client,
        );
        Ok(self
            .store
            .end_other_sessions(&session.user_id, &session.id_hash, &event)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(passkey_name("  Work laptop ").unwrap(), "Work laptop");
        assert_eq!(
            passkey_name("<b>Ada's</b> key").unwrap(),
            "<b>Ada's</b> key"
        );
        for bad in [
            "",
            "   ",
            "tab\there",
            "bell\u{7}",
            "evil\u{202E}gpj.exe",
            "zero\u{200B}width",
            "soft\u{AD}hyphen",
            "tag\u{E0041}",
            "filler\u{3164}",
        ] {
            assert!(
                matches!(passkey_name(bad), Err(AuthError::InvalidName(_))),
                "{bad:?}"
            );
        }
        assert!(passkey_name(&"x".repeat(64)).is_ok());
        assert!(passkey_name(&"x".repeat(65)).is_err());
        assert!(
            passkey_name(&"é".repeat(64)).is_ok(),
            "characters, not bytes"
        );
    }
}
