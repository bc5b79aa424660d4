//! Who may sign up: the `signup` mode, `allowed_domains`, and invitations. An
//! invitation is checked here when a sign-up begins and finishes, and spent when
//! that sign-up's email code is confirmed (`Store::confirm_email`), so that one
//! abandoned try does not use it up, and two cannot both become accounts.

use std::time::Duration;

use uuid::Uuid;

use super::people::Actor;
use super::{Auth, AuthError, AuthResult, Email, UnixTime, policy};
use crate::config::{SignUp, Url};
use crate::model::token::InvitationToken;
use crate::store::InvitationRow;

/// A new invitation: send `link` to `email` (it is shown this once).
///
/// ```no_run
/// # async fn run(bmauth: bmauth::BmAuth) -> Result<(), bmauth::AuthError> {
/// use bmauth::auth::Actor;
///
/// let invitation = bmauth.auth().invite("ana@example.org", None, &Actor::CommandLine).await?;
/// println!("send {} to {}", invitation.link, invitation.email);
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct NewInvitation {
    /// Names it to `invitations` and `revoke_invitation`.
    pub id: String,
    /// The one address it admits.
    pub email: String,
    /// The sign-up page with the invitation's token: the secret that admits.
    pub link: Url,
    /// After this it admits nobody.
    pub expires_at: UnixTime,
}

/// The link holds the token: never printed.
impl std::fmt::Debug for NewInvitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewInvitation")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("link", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    /// Not used yet, and still good.
    Pending,
    /// The sign-up it admitted was confirmed.
    Accepted,
    /// An administrator took it back.
    Revoked,
    /// Never used, and too old now.
    Expired,
}

/// An invitation as administrators see it (never its token).
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct Invitation {
    /// Its id.
    pub id: String,
    /// The one address it admits.
    pub email: String,
    /// Where it stands now.
    pub state: InvitationState,
    /// When it was made.
    pub created_at: UnixTime,
    /// When it stops admitting.
    pub expires_at: UnixTime,
    /// The administrator who made it; `None`: the command line.
    pub created_by: Option<String>,
}

impl Auth {
    /// Who may sign up here.
    pub fn sign_up_mode(&self) -> SignUp {
        self.settings.signup
    }

    /// Whether `email` may begin a sign-up, given the invitation token it came with:
    /// the invitation's id to keep with the sign-up, if one was needed. Checked
    /// before anything about the address's account is looked at, so that the answer
    /// is the same whether or not it has one.
    pub(crate) async fn may_sign_up(
        &self,
        email: &Email,
        invitation: Option<&str>,
    ) -> AuthResult<Option<String>> {
        // An invitation that came along is kept and spent whatever the rule, so
        // that it never stays "pending" to admit again once sign-up is closed.
        let invited = match invitation.and_then(InvitationToken::parse) {
            Some(token) => self
                .store
                .live_invitation(&token.id_hash(), self.now())
                .await?
                // Another address's invitation admits nobody else.
                .filter(|row| row.email == email.as_str())
                .map(|row| row.id),
            None => None,
        };
        match (invited, self.admits_uninvited(email)) {
            (Some(id), _) => Ok(Some(id)),
            (None, admitted) => admitted.map(|()| None),
        }
    }

    /// Whether `email` may sign up without an invitation under today's rule: also
    /// asked again when a sign-up without one finishes and is confirmed, so that
    /// closing sign-up stops those under way.
    pub(crate) fn admits_uninvited(&self, email: &Email) -> AuthResult<()> {
        match self.settings.signup {
            SignUp::Open => Ok(()),
            SignUp::Domains if self.domain_allowed(email) => Ok(()),
            SignUp::Domains => Err(AuthError::EmailDomainNotAllowed),
            SignUp::Invite => Err(AuthError::InvitationRequired),
        }
    }

    fn domain_allowed(&self, email: &Email) -> bool {
        let domain = email.as_str().rsplit_once('@').map_or("", |(_, d)| d);
        self.settings.allowed_domains.iter().any(|d| d == domain)
    }

    /// Invites `email` to sign up: a one-time link, good for `valid_for` (7 days
    /// by default). Refused for an address that has an account already.
    pub async fn invite(
        &self,
        email: &str,
        valid_for: Option<Duration>,
        actor: &Actor,
    ) -> AuthResult<NewInvitation> {
        let email = Email::parse(email)?;
        if self
            .store
            .user_by_confirmed_email(email.as_str())
            .await?
            .is_some()
        {
            return Err(AuthError::EmailTaken);
        }
        let token = InvitationToken::generate();
        let now = self.now();
        let row = InvitationRow {
            id: Uuid::new_v4().to_string(),
            token_hash: token.id_hash(),
            email: email.as_str().into(),
            created_at: now,
            expires_at: now + super::secs(valid_for.unwrap_or(policy::INVITATION_TTL)),
            created_by_email: None,
            revoked_at: None,
            accepted_at: None,
        };
        let log = self.admin_log_row(actor, "invitation_created", email.as_str());
        self.store
            .insert_invitation(&row, actor.user_id(), &log)
            .await?;
        let mut link = self
            .settings
            .public_url
            .join("/auth/register")
            .map_err(|e| AuthError::internal("making an invitation link", e))?;
        link.query_pairs_mut()
            .append_pair("invitation", token.as_str())
            .append_pair("email", email.as_str());
        tracing::info!(invitation = %row.id, "invitation created");
        Ok(NewInvitation {
            id: row.id,
            email: row.email,
            link,
            expires_at: row.expires_at,
        })
    }

    /// Every invitation, newest first.
    pub async fn invitations(&self) -> AuthResult<Vec<Invitation>> {
        let now = self.now();
        Ok(self
            .store
            .invitations()
            .await?
            .into_iter()
            .map(|row| Invitation {
                state: match (row.accepted_at, row.revoked_at) {
                    (Some(_), _) => InvitationState::Accepted,
                    (None, Some(_)) => InvitationState::Revoked,
                    _ if row.expires_at <= now => InvitationState::Expired,
                    _ => InvitationState::Pending,
                },
                id: row.id,
                email: row.email,
                created_at: row.created_at,
                expires_at: row.expires_at,
                created_by: row.created_by_email,
            })
            .collect())
    }

    /// Takes back the unused invitation with this id, or every unused one for this
    /// address: a sign-up begun with it can no longer be confirmed. The addresses
    /// they were for; `InvitationNotFound` if none was unused.
    pub async fn revoke_invitation(
        &self,
        id_or_email: &str,
        actor: &Actor,
    ) -> AuthResult<Vec<String>> {
        let key = match Email::parse(id_or_email) {
            Ok(email) => email.as_str().to_string(),
            Err(_) => Uuid::parse_str(id_or_email.trim())
                .map_err(|_| AuthError::InvitationNotFound)?
                .to_string(),
        };
        let revoked = self.store.revoke_invitations(&key, self.now()).await?;
        for email in &revoked {
            let log = self.admin_log_row(actor, "invitation_revoked", email);
            self.store.insert_admin_log(&log).await?;
        }
        if revoked.is_empty() {
            return Err(AuthError::InvitationNotFound);
        }
        Ok(revoked)
    }
}
