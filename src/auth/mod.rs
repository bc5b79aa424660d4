//! The auth rules, in one place that knows nothing of HTTP or HTML.
//!
//! Server functions, the JSON routes and the axum extractor are thin doors onto
//! [`Auth`]. Where is the PIN checked? `pin.rs`. The passkey verified? `login.rs`
//! and `registration.rs`, by webauthn-rs. Sessions? `session.rs`.

mod account;
mod activity;
mod ceremony;
mod cooldown;
mod device;
mod email;
mod email_change;
mod error;
pub mod forward;
mod geo;
mod invitations;
mod link;
mod login;
mod nearby;
pub(crate) mod oidc;
mod own_account;
mod people;
mod pin;
mod rate_limit;
mod recovery;
mod registration;
mod session;
#[cfg(test)]
mod tests;
mod undo;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use webauthn_rs::prelude::{Url, Webauthn, WebauthnBuilder};

pub use account::{PasskeyInfo, PasskeyList, PasskeyRemoved, SessionInfo};
pub use activity::SecurityEvent;
pub use bmauth_proto::{LinkState as LinkStatus, SecurityEventKind};
pub use email::{Email, mask_email};
pub use email_change::{EmailChanged, EmailUndoDetails};
pub use error::{AuthError, AuthResult, MailError, StorageError};
pub use forward::{ForwardCheck, ForwardIdentity, ForwardStart, ForwardTarget, ForwardedRequest};
pub(crate) use geo::GeoIp;
pub use invitations::{Invitation, InvitationState, NewInvitation};
pub use link::{LinkProgress, LinkRegistration, LinkRequest, NewLink};
pub use oidc::clients::{AppRegistration, Client, NewClient, RegistrationError};
pub use own_account::{
    AcceptedPasskeys, AccountExport, ExportedAccount, ExportedApp, ExportedEvent, ExportedPasskey,
    ExportedSession,
};
pub use people::{Actor, AdminLogEntry, Person, PersonDetails, PersonState};
pub use registration::Registered;
pub use undo::UndoDetails;

pub use crate::model::token;
pub use crate::model::{BrowserToken, CredentialId, SessionToken, Token, UserId};
pub(crate) use crate::model::{CeremonyKind, LinkOrigin, LinkState, PasskeyOrigin, PinPurpose};

use crate::clock::{Clock, UnixTime};
use crate::config::Validated;
use crate::crypto::ServerSecret;
use crate::mail::Outbox;
use crate::store::{Cutoffs, OutboxRow, SessionRow, Store, UserRow};

/// The numbers the rules run on. Those a client shows come from `bmauth_proto::policy`.
pub mod policy {
    use std::time::Duration;

    use bmauth_proto::policy as shared;

    /// A WebAuthn ceremony must finish within this long of starting.
    pub const CEREMONY_TTL: Duration = Duration::from_secs(shared::CEREMONY_TTL_SECS);
    /// An email PIN lives this long.
    pub const PIN_TTL: Duration = Duration::from_secs(shared::PIN_TTL_SECS);
    /// Wrong PINs allowed before the PIN is dead.
    pub const PIN_ATTEMPTS: u32 = shared::PIN_ATTEMPTS;
    /// Wrong PINs allowed for one sign-up across resends; then it must start again.
    pub const PIN_TRIES_PER_SIGN_UP: u32 = shared::PIN_TRIES_PER_SIGN_UP;
    /// At most one PIN mail per account per this interval.
    pub const PIN_RESEND_INTERVAL: Duration = Duration::from_secs(shared::PIN_RESEND_AFTER_SECS);
    /// Unconfirmed sign-ups are deleted after this long.
    pub const UNVERIFIED_ACCOUNT_TTL: Duration = Duration::from_secs(24 * 3600);
    /// The browser-binding cookie lives this long after its last use: long enough to
    /// come back to a sign-up's code page, short next to a session.
    pub const BROWSER_BINDING_TTL: Duration = Duration::from_secs(24 * 3600);
    /// A device link lives this long (and this long again once approved).
    pub const LINK_TTL: Duration = Duration::from_secs(shared::LINK_TTL_SECS);
    /// A "This wasn't me" link in the mail about a new device works this long.
    pub const UNDO_TTL: Duration = Duration::from_secs(24 * 3600);
    /// A security notice is worth sending for this long.
    pub const NOTICE_TTL: Duration = Duration::from_secs(24 * 3600);
    /// A session's last-seen time is written at most this often.
    pub const SESSION_TOUCH_INTERVAL: Duration = Duration::from_secs(60);
    /// Removing a passkey needs a passkey assertion in this session no older than this.
    pub const FRESH_VERIFICATION: Duration = Duration::from_secs(shared::FRESH_VERIFICATION_SECS);
    /// Security events are kept this long.
    pub const ACTIVITY_KEPT: Duration = Duration::from_secs(180 * 24 * 3600);
    /// At most this many of the latest events are shown.
    pub const ACTIVITY_SHOWN: i64 = 50;
    /// The old address can undo a change of address this long.
    pub const EMAIL_UNDO_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
    /// An invitation admits its address this long, unless told otherwise.
    pub const INVITATION_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
    /// A recovery link an administrator sent works this long.
    pub const RECOVERY_LINK_TTL: Duration = Duration::from_secs(24 * 3600);
}

/// Who is asking: used for rate limits and shown later on the sessions page.
///
/// ```
/// use bmauth::auth::{BrowserToken, ClientInfo};
///
/// // The browser token comes from BMAuth's `bmauth_browser` cookie; without one,
/// // nothing begun elsewhere can be finished.
/// let client = ClientInfo {
///     ip: Some("203.0.113.7".parse().unwrap()),
///     user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0".into()),
///     browser: BrowserToken::generate(),
/// };
/// ```
#[derive(Debug, Clone)]
pub struct ClientInfo {
    /// The client's address, if known (rate limits count by it).
    pub ip: Option<IpAddr>,
    /// The browser's `User-Agent`.
    pub user_agent: Option<String>,
    /// The browser's binding cookie: ceremonies, sign-ups and PINs begun here can
    /// only be finished here.
    pub browser: BrowserToken,
}

impl ClientInfo {
    /// The user agent as sessions and events keep it: its first 256 characters.
    pub(crate) fn user_agent_to_store(&self) -> Option<String> {
        device::user_agent_to_store(self.user_agent.as_deref())
    }
}

/// An account as the outside world sees it.
///
/// ```no_run
/// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
/// # let credential = serde_json::Value::Null;
/// # let session: Option<bmauth::auth::SessionToken> = None;
/// if let Some(user) = bmauth.auth().session_user(&session.unwrap()).await? {
///     println!("{} ({}), confirmed: {}", user.email, user.id, user.verified);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    /// Stable id; also the WebAuthn user handle.
    pub id: UserId,
    /// The normalised address.
    pub email: String,
    /// Whether the address is confirmed.
    pub verified: bool,
    /// Whether they administer this BMAuth.
    pub admin: bool,
}

/// What the browser is told about an account.
impl From<User> for bmauth_proto::UserView {
    fn from(user: User) -> Self {
        Self {
            id: user.id.into(),
            email: user.email,
            verified: user.verified,
            admin: user.admin,
        }
    }
}

/// A fresh session: the token goes into a cookie and is never stored.
///
/// ```no_run
/// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
/// # let credential = serde_json::Value::Null;
/// # let session: Option<bmauth::auth::SessionToken> = None;
/// let signed = bmauth.auth().verify_email("ada@example.com", "123456", &client, None).await?;
/// // Put `signed.token` in the session cookie; it is stored only as a hash.
/// println!("session for {} until {}", signed.user.email, signed.expires_at);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct SignedIn {
    /// Who signed in.
    pub user: User,
    /// The session cookie's value.
    pub token: SessionToken,
    /// When the session ends at the latest.
    pub expires_at: UnixTime,
}

impl SignedIn {
    /// A new session for `account`: confirmed, since nobody signs in before their
    /// address is (a sign-up's code confirms it in the same write).
    pub(crate) fn new(account: UserRow, token: SessionToken, session: &SessionRow) -> Self {
        Self {
            user: User {
                id: account.id,
                email: account.email,
                verified: true,
                admin: account.is_admin,
            },
            token,
            expires_at: session.expires_at,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub rp_name: String,
    pub session_lifetime: Duration,
    pub session_idle: Duration,
    pub new_device_cooldown: Duration,
    pub new_device_shows_code: bool,
    pub oidc_clients: Vec<crate::config::OidcClient>,
    /// The hosts forward auth protects, and who may into each.
    pub forward_hosts: Vec<forward::ProtectedHost>,
    pub limits: crate::config::Limits,
    pub signup: crate::config::SignUp,
    /// Lower-case, without `@`.
    pub allowed_domains: Vec<String>,
    /// Where links in mail and invitations point.
    pub public_url: Url,
    /// The WebAuthn RP id, for the browser's passkey manager.
    pub rp_id: String,
}

/// The auth service. Cheap to share: hold it in an `Arc`.
///
/// ```no_run
/// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
/// # let credential = serde_json::Value::Null;
/// # let session: Option<bmauth::auth::SessionToken> = None;
/// let auth = bmauth.auth();
/// let options = auth.begin_login("ada@example.com", &client).await?;
/// // ... the browser signs the challenge with its passkey ...
/// let signed = auth.finish_login("ada@example.com", credential, &client, None).await?;
/// # Ok(()) }
/// ```
pub struct Auth {
    pub(crate) store: Store,
    webauthn: Webauthn,
    secret: ServerSecret,
    clock: Arc<dyn Clock>,
    outbox: Outbox,
    geoip: geo::GeoIp,
    settings: Settings,
    /// The provider's signing keys, opened, for a minute at a time.
    signers: oidc::keys::SignerCache,
}

impl Auth {
    pub(crate) fn new(
        validated: &Validated,
        config: &crate::Config,
        store: Store,
        secret: ServerSecret,
        clock: Arc<dyn Clock>,
        outbox: Outbox,
        geoip: GeoIp,
    ) -> AuthResult<Self> {
        let rp_name = config.rp_name.as_str();
        let webauthn = WebauthnBuilder::new(&validated.rp_id, &validated.origin)
            .and_then(|b| b.rp_name(rp_name).timeout(policy::CEREMONY_TTL).build())
            .map_err(|e| AuthError::internal("configuring WebAuthn", e))?;
        Ok(Self {
            store,
            webauthn,
            secret,
            clock,
            outbox,
            geoip,
            signers: Default::default(),
            settings: Settings {
                rp_name: rp_name.to_string(),
                session_lifetime: validated.session_lifetime,
                session_idle: validated.session_idle,
                new_device_cooldown: validated.new_device_cooldown,
                new_device_shows_code: config.link.new_device_shows_code,
                oidc_clients: config.oidc.clients.clone(),
                forward_hosts: forward::ProtectedHost::all(&config.forward_auth.hosts),
                limits: config.limits.clone(),
                signup: config.signup,
                allowed_domains: crate::config::normalised_domains(&config.allowed_domains),
                public_url: validated.origin.clone(),
                rp_id: validated.rp_id.clone(),
            },
        })
    }

    /// The store, for tests that look at rows.
    #[cfg(feature = "test-support")]
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The WebAuthn origin: the public URL.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let folder = tempfile::tempdir()?;
    /// let config = bmauth::Config {
    ///     public_url: "http://localhost:8080".parse()?,
    ///     database_url: format!("sqlite://{}/bmauth.db", folder.path().display()).into(),
    ///     data_dir: folder.path().into(),
    ///     ..bmauth::Config::default()
    /// };
    /// let bmauth = bmauth::BmAuth::builder(config).background_worker(false).start().await?;
    /// assert_eq!(bmauth.auth().origin().as_str(), "http://localhost:8080/");
    /// # Ok(()) }
    /// ```
    pub fn origin(&self) -> &Url {
        &self.webauthn.get_allowed_origins()[0]
    }

    /// Whether a new device may show a code for a signed-in one to scan
    /// (`link.new_device_shows_code`).
    ///
    /// ```no_run
    /// # fn run(bmauth: bmauth::BmAuth) {
    /// let offer_show_code_button = bmauth.auth().new_device_shows_code();
    /// # }
    /// ```
    pub fn new_device_shows_code(&self) -> bool {
        self.settings.new_device_shows_code
    }

    pub(crate) fn now(&self) -> UnixTime {
        self.clock.now()
    }

    pub(crate) fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// A security notice to `email` (a device added, a passkey removed), queued, for
    /// the caller to store in the same transaction as the change it tells of.
    pub(crate) fn security_notice(&self, email: &str, body: &crate::mail::MailBody) -> OutboxRow {
        let now = self.now();
        self.outbox
            .queue(email, body, now, now + secs(policy::NOTICE_TTL))
    }

    /// Sends a stored notice now. If that fails, it stays queued and the worker
    /// retries: the change it tells of stands either way.
    pub(crate) async fn send_notice(&self, notice: &OutboxRow) {
        if let Err(e) = self.outbox.deliver(&notice.id).await {
            tracing::warn!(error = %e, subject = %notice.subject, "notice not sent yet; it stays queued");
        }
    }

    /// Sends queued mail that is due (new, or waiting for a retry). Returns how
    /// many were sent. Run periodically by the background worker.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// # let credential = serde_json::Value::Null;
    /// # let session: Option<bmauth::auth::SessionToken> = None;
    /// let sent = bmauth.auth().deliver_queued_mail().await?;
    /// # Ok(()) }
    /// ```
    pub async fn deliver_queued_mail(&self) -> AuthResult<usize> {
        Ok(self.outbox.deliver_due().await?)
    }

    /// Whether the database answers: for a readiness probe (`/readyz`).
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth) {
    /// let ready = bmauth.auth().ready().await.is_ok();
    /// # }
    /// ```
    pub async fn ready(&self) -> AuthResult<()> {
        Ok(self.store.ping().await?)
    }

    /// Deletes whatever has expired. Run periodically by the background worker.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
    /// # let credential = serde_json::Value::Null;
    /// # let session: Option<bmauth::auth::SessionToken> = None;
    /// let deleted = bmauth.auth().purge_expired().await?;
    /// # Ok(()) }
    /// ```
    pub async fn purge_expired(&self) -> AuthResult<u64> {
        let now = self.now();
        let cutoffs = Cutoffs {
            now,
            unverified_before: now - secs(policy::UNVERIFIED_ACCOUNT_TTL),
            events_before: now - secs(policy::ACTIVITY_KEPT),
        };
        Ok(self.store.purge_expired(&cutoffs).await?)
    }
}

pub(crate) fn secs(d: Duration) -> i64 {
    d.as_secs() as i64
}
