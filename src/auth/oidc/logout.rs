//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): an app sends the
//! person here to sign out of BMAuth too. The way back, `post_logout_redirect_uri`,
//! must be registered for that app exactly (§3), or nothing is redirected to. The
//! browser is signed out at once only when the app proves which sign-in it means
//! with an ID token of this account (`id_token_hint`); otherwise the person is asked
//! first (§2: "the OP MUST ask"), so that a link on any page cannot sign them out.

use url::Url;

use super::super::{Auth, AuthResult, SessionToken};
use super::clients::Client;

/// A logout request, as its query or form says it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct LogoutRequest {
    /// An ID token BMAuth gave the app (expired ones count).
    pub id_token_hint: Option<String>,
    /// The app, when no hint names it.
    pub client_id: Option<String>,
    /// Where to send the browser afterwards: registered for the app, exactly.
    pub post_logout_redirect_uri: Option<String>,
    /// Returned as given.
    pub state: Option<String>,
}

/// What to do with a logout request.
#[derive(Debug, PartialEq, Eq)]
pub enum Logout {
    /// Show this error on BMAuth: the app or the way back cannot be trusted.
    Refused(&'static str),
    /// Done (signed out, or there was nothing to sign out): send the browser here,
    /// or to BMAuth's sign-in page when the app gave no way back.
    Done(Option<Url>),
    /// The person chose to stay signed in: send the browser here, or home.
    Kept(Option<Url>),
    /// Ask the person whether to sign out of BMAuth.
    Confirm {
        /// The app that asked, if it said.
        app: Option<String>,
        /// Where the answer will send the browser (its origin), if anywhere.
        returns_to_origin: Option<String>,
    },
}

impl Auth {
    /// Judges a logout request for the browser holding `session`; `confirmed` is
    /// the person's answer on BMAuth's own page (`Some(true)`: sign out).
    pub async fn end_session(
        &self,
        request: &LogoutRequest,
        session: Option<&SessionToken>,
        confirmed: Option<bool>,
    ) -> AuthResult<Logout> {
        let hint = match request.id_token_hint.as_deref().filter(|h| !h.is_empty()) {
            Some(hint) => match self.read_id_token_hint(hint).await? {
                Some(read) => Some(read),
                None => return Ok(Logout::Refused("id_token_hint_invalid")),
            },
            None => None,
        };
        let client_id = match (&request.client_id, &hint) {
            (Some(asked), Some(read)) if asked != &read.client_id => {
                return Ok(Logout::Refused("client_mismatch"));
            }
            (Some(asked), _) => Some(asked.clone()),
            (None, Some(read)) => Some(read.client_id.clone()),
            (None, None) => None,
        };
        let client: Option<Client> = match &client_id {
            Some(id) => match self.client(id).await? {
                Some(client) => Some(client),
                None => return Ok(Logout::Refused("unknown_client")),
            },
            None => None,
        };
        let then = match (&request.post_logout_redirect_uri, &client) {
            (None, _) => None,
            (Some(uri), Some(client)) if client.post_logout_redirect_uris.contains(uri) => {
                let mut url = Url::parse(uri)
                    .map_err(|e| super::super::AuthError::internal("a registered URI", e))?;
                if let Some(state) = &request.state {
                    url.query_pairs_mut().append_pair("state", state);
                }
                Some(url)
            }
            (Some(_), _) => return Ok(Logout::Refused("post_logout_redirect_uri_mismatch")),
        };
        let live = match session {
            Some(token) => self.live_session(token).await?,
            None => None,
        };
        let Some(live) = live else {
            return Ok(Logout::Done(then));
        };
        // Proof that the app means this very sign-in: an ID token for this account
        // issued during this session (an older one, kept in some app or a browser's
        // history, proves nothing about it).
        let proven = hint.is_some_and(|read| {
            read.user_id == live.user_id && read.issued_at >= live.session_created_at
        });
        match (proven, confirmed) {
            (true, _) | (false, Some(true)) => {
                if let Some(token) = session {
                    self.sign_out(token).await?;
                }
                Ok(Logout::Done(then))
            }
            (false, Some(false)) => Ok(Logout::Kept(then)),
            (false, None) => Ok(Logout::Confirm {
                app: client.map(|c| c.name),
                returns_to_origin: then.map(|url| url.origin().ascii_serialization()),
            }),
        }
    }
}
