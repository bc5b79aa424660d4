//! Taking back what an app was given: a token the app hands in (RFC 7009), and an
//! app as a whole from the account page ("Apps you signed in to": consent, codes
//! and every token).

use super::super::{Auth, AuthError, AuthResult, ClientInfo, SessionToken, User};
use super::tokens::TokenError;
use crate::clock::UnixTime;
use crate::model::AccessToken;
use crate::store::Revocation;

/// An app the person signed in to, for the account page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInApp {
    /// Its `client_id`.
    pub client_id: String,
    /// Its registered name (or its id, if it was removed since).
    pub name: String,
    /// What it may see (the granted scope).
    pub scope: String,
    /// When the person last signed in to it (or first allowed it).
    pub last_signed_in_at: UnixTime,
}

impl Auth {
    /// `POST /oauth/revoke` (RFC 7009): the client `client_id`, authenticated,
    /// revokes one of its tokens. An unknown token is no error (§2.2); another
    /// client's is refused and left alone (§2.1).
    pub async fn revoke_token(
        &self,
        client_id: &str,
        client_secret: Option<&str>,
        token: &str,
        from: &ClientInfo,
    ) -> AuthResult<Result<(), TokenError>> {
        let client = match self
            .authenticate_client(client_id, client_secret, from)
            .await?
        {
            Ok(client) => client,
            Err(refused) => return Ok(Err(refused)),
        };
        // Access and refresh tokens are made and hashed alike, so one parse reads
        // either; `token_type_hint` is only a hint (§2.1) and is not needed.
        let Some(token) = AccessToken::parse(token.trim()) else {
            return Ok(Ok(()));
        };
        match self
            .store
            .revoke_token(&token.id_hash(), &client.id)
            .await?
        {
            Revocation::Revoked | Revocation::Unknown => Ok(Ok(())),
            Revocation::OtherClient => Ok(Err(TokenError::InvalidRequest)),
        }
    }

    /// The apps `user` let in, most recently allowed first.
    pub async fn signed_in_apps(&self, user: &User) -> AuthResult<Vec<SignedInApp>> {
        let rows = self.store.apps_of(&user.id).await?;
        let mut apps = Vec::with_capacity(rows.len());
        for row in rows {
            let name = self
                .client(&row.client_id)
                .await?
                .map(|client| client.name)
                .unwrap_or_else(|| row.client_id.clone());
            apps.push(SignedInApp {
                last_signed_in_at: row.last_signed_in_at.unwrap_or(row.created_at),
                client_id: row.client_id,
                name,
                scope: row.scope,
            });
        }
        Ok(apps)
    }

    /// Revokes an app for the account signed in with `session`: it must ask again,
    /// and every token it holds for them ends now. Like ending other sessions, not
    /// from a device still held back after joining by a link (its own tokens
    /// aside, it would end the owner's).
    pub async fn revoke_app(&self, session: &SessionToken, client_id: &str) -> AuthResult<()> {
        let session = self.signed_in_session(session).await?;
        self.past_cooldown(&session)?;
        if self.store.revoke_app(&session.user_id, client_id).await? {
            Ok(())
        } else {
            Err(AuthError::AppNotFound)
        }
    }
}
