//! Sessions: 256-bit random tokens in an HttpOnly cookie, stored only as a hash,
//! a new one at every sign-in, ended server-side at sign-out.

use super::{Auth, AuthResult, ClientInfo, CredentialId, SessionToken, User, UserId, policy, secs};
use crate::clock::UnixTime;
use crate::store::{SessionRow, SessionUserRow};

impl Auth {
    /// A session row and its token, not yet stored: the caller stores it in the same
    /// transaction as whatever signed the person in.
    /// `credential_id` is the passkey that opened it; `by_assertion`, whether that
    /// happened just now with a user-verified passkey (the session starts fresh).
    pub(crate) fn new_session(
        &self,
        user_id: &UserId,
        credential_id: Option<&CredentialId>,
        by_assertion: bool,
        client: &ClientInfo,
    ) -> (SessionRow, SessionToken) {
        let token = SessionToken::generate();
        let now = self.now();
        let row = SessionRow {
            id_hash: token.id_hash(),
            user_id: user_id.clone(),
            credential_id: credential_id.cloned(),
            user_agent: client.user_agent_to_store(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + secs(self.settings.session_lifetime),
            verified_at: by_assertion.then_some(now),
        };
        (row, token)
    }

    /// The signed-in user for a session token, if the session is alive.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// # let credential = serde_json::Value::Null;
    /// # let session: Option<bmauth::auth::SessionToken> = None;
    /// let token = bmauth::auth::SessionToken::parse("cookie value").expect("a well-formed token");
    /// let user = bmauth.auth().session_user(&token).await?;
    /// # Ok(()) }
    /// ```
    pub async fn session_user(&self, token: &SessionToken) -> AuthResult<Option<User>> {
        let Some(row) = self.live_session(token).await? else {
            return Ok(None);
        };
        let now = self.now();
        if now - row.last_seen_at >= secs(policy::SESSION_TOUCH_INTERVAL) {
            self.store.touch_session(&row.id_hash, now).await?;
        }
        Ok(Some(User {
            id: row.user_id,
            email: row.email,
            verified: row.verified_at.is_some(),
            admin: row.is_admin,
        }))
    }

    /// The session a token opens and its user, if it is alive: not past its
    /// lifetime, and used within the idle limit.
    pub(crate) async fn live_session(
        &self,
        token: &SessionToken,
    ) -> AuthResult<Option<SessionUserRow>> {
        let now = self.now();
        Ok(self
            .store
            .session_user(&token.id_hash(), now, self.idle_cutoff(now))
            .await?)
    }

    /// Sessions unused since this moment have ended.
    pub(crate) fn idle_cutoff(&self, now: UnixTime) -> UnixTime {
        now - secs(self.settings.session_idle)
    }

    /// Signs out: the session is deleted, so the cookie is worthless even if kept.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// # let credential = serde_json::Value::Null;
    /// # let session: Option<bmauth::auth::SessionToken> = None;
    /// if let Some(token) = &session {
    ///     bmauth.auth().sign_out(token).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn sign_out(&self, token: &SessionToken) -> AuthResult<()> {
        self.store.end_session(&token.id_hash()).await?;
        Ok(())
    }

    /// A session's absolute lifetime, in seconds.
    ///
    /// ```no_run
    /// # fn run(bmauth: bmauth::BmAuth) {
    /// let max_age = bmauth.auth().session_lifetime_secs(); // 30 days by default
    /// # }
    /// ```
    pub fn session_lifetime_secs(&self) -> i64 {
        secs(self.settings.session_lifetime)
    }
}
