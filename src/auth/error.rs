//! What can go wrong in the auth rules. Mapped to HTTP status and stable error codes
//! in one place: `crate::http::error`.

use crate::store::StoreError;

/// What can go wrong in the auth rules. Each becomes an HTTP status and a stable
/// code in one place (`ApiError`); the messages are for people.
///
/// ```no_run
/// # async fn run(bmauth: bmauth::BmAuth, client: bmauth::auth::ClientInfo) -> Result<(), bmauth::AuthError> {
/// # let credential = serde_json::Value::Null;
/// # let session: Option<bmauth::auth::SessionToken> = None;
/// match bmauth.auth().begin_registration("ada@example.com", &client).await {
///     Err(bmauth::AuthError::EmailTaken) => println!("sign in instead"),
///     Err(bmauth::AuthError::RateLimited { retry_after_secs }) => println!("wait {retry_after_secs} s"),
///     other => { other?; }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Not an address this service sends mail to.
    #[error("that is not a valid email address")]
    InvalidEmail,
    /// The WebAuthn response is malformed.
    #[error("the credential could not be read: {0}")]
    InvalidCredential(String),
    /// A PIN is 6 digits.
    #[error("the PIN must be 6 digits")]
    InvalidPinFormat,

    /// A confirmed account has this address.
    #[error("an account with this email already exists; sign in instead")]
    EmailTaken,
    /// Sign-up here is by invitation, and this address has no live one (the same
    /// answer whether or not the address has an account).
    #[error(
        "sign-up here is by invitation: open the link in the invitation you were sent, or ask the people who run this site for one"
    )]
    InvitationRequired,
    /// Sign-up here is for addresses at some domains only, and this is not one.
    #[error(
        "sign-up here is open to some email domains only, and this address is not at one of them: ask the people who run this site for an invitation"
    )]
    EmailDomainNotAllowed,
    /// An administrator disabled this account.
    #[error("this account is disabled: ask the people who run this site")]
    AccountDisabled,
    /// No account has this address (administration).
    #[error("no account has this email address")]
    UserNotFound,
    /// The last active administrator cannot be removed, disabled or deleted:
    /// nobody could administer from the web.
    #[error("this is the last administrator: make someone else an administrator first")]
    LastAdministrator,
    /// No unused invitation with this id.
    #[error("no unused invitation with this id")]
    InvitationNotFound,
    /// Only administrators may do this.
    #[error("only administrators can do this")]
    AdminRequired,
    /// An administrator cannot disable or delete themselves, nor take away their
    /// own administration, here: another administrator must.
    #[error("you can't do this to your own account here: ask another administrator")]
    NotOnYourself,
    /// This passkey is registered already.
    #[error("this passkey is already registered")]
    CredentialAlreadyRegistered,

    /// No ceremony of this browser waits for this response.
    #[error("no sign-in or sign-up is in progress for this response; start again")]
    CeremonyNotFound,
    /// The ceremony is more than 5 minutes old.
    #[error("this sign-in or sign-up took too long; start again")]
    CeremonyExpired,
    /// The response was begun for another address.
    #[error("this response belongs to a different email address")]
    CeremonyMismatch,

    /// The device did not verify the person.
    #[error("the device did not verify you (fingerprint, face or device PIN); try again")]
    UserVerificationRequired,
    /// The passkey is not one of this account's.
    #[error("this passkey is not registered for this account")]
    CredentialNotAllowed,
    #[error(
        "the passkey's signature counter went backwards: this key may have been copied. Sign in with another device or recover your account"
    )]
    /// The passkey's counter went backwards.
    PossibleClonedCredential,
    /// Signature, origin, RP id or challenge did not verify.
    #[error("the passkey response did not verify")]
    CredentialRejected(String),

    /// The passkey is right but the email is not confirmed yet.
    #[error("confirm your email first: enter the PIN we sent you, or ask for a new one")]
    EmailNotVerified,
    #[error(
        "no code is waiting for this address in this browser: enter the code on the device where you signed up, or sign up again here"
    )]
    /// No PIN waits for this address in this browser.
    NoPendingPin,
    /// A wrong PIN; `attempts_left` tries remain.
    #[error("that PIN is not right")]
    PinIncorrect {
        /// Tries left before the PIN dies.
        attempts_left: u32,
    },
    /// The PIN is older than 10 minutes.
    #[error("that PIN has expired; ask for a new one")]
    PinExpired,
    /// The PIN had too many wrong tries.
    #[error("too many wrong tries; ask for a new PIN")]
    PinLocked,
    /// The sign-up had too many wrong PINs across resends.
    #[error("too many wrong codes for this sign-up; start again")]
    AttemptsExhausted,
    /// A PIN was sent moments ago.
    #[error("a PIN was sent moments ago; wait before asking for another")]
    ResendTooSoon {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// A rate limit is spent for now.
    #[error("too many requests; try again later")]
    RateLimited {
        /// Seconds to wait.
        retry_after_secs: u64,
    },

    /// Forward auth: the proxy's headers are missing or malformed, or a return URL
    /// is not an absolute http(s) URL.
    #[error("the proxy's request is incomplete or malformed (X-Forwarded-Host, -Proto, -Uri)")]
    ForwardRequestInvalid,
    /// Forward auth: the host is not in `[[forward_auth.hosts]]`.
    #[error("this sign-in service does not protect that host")]
    ForwardHostNotListed,
    /// Forward auth: the person signed in is not on the host's `allow` list.
    #[error("{email} may not use this site")]
    ForwardNotAllowed {
        /// Who is signed in.
        email: String,
    },
    /// Forward auth: the one-time code was used, expired, or made for another browser.
    #[error("this sign-in did not start in this browser, or took too long: open the site again")]
    ForwardCodeInvalid,
    /// No link request with this token or code (or not one this person may see).
    #[error("that code is not valid here; start again on the new device")]
    LinkNotFound,
    /// The link request is more than 5 minutes old.
    #[error("that code has expired; start again on the new device")]
    LinkExpired,
    /// The number typed is not the one the new device shows: the request is refused.
    #[error("that is not the number on the other device; the request was refused")]
    LinkNumberWrong,
    /// The operator turned off new devices showing a code (`link.new_device_shows_code`).
    #[error(
        "this site doesn't let a new device show a code: on your signed-in device, open the add-a-device page and scan its code with this one"
    )]
    LinkDirectionDisabled,
    /// The request comes from another network: approving needs the person to
    /// confirm they hold the device.
    #[error(
        "this request comes from another network: confirm that you are holding that device and started this yourself"
    )]
    HoldingDeviceRequired,
    /// The new device may make its passkey only once the request is approved.
    #[error("the request has not been approved yet")]
    LinkNotApproved,

    /// No live "This wasn't me" link with this token: used, expired, or its device
    /// removed already.
    #[error(
        "this link was used already, has expired (links work for a day), or the device was removed already"
    )]
    UndoNotFound,

    /// No live session.
    #[error("not signed in")]
    NotSignedIn,

    /// The account has no passkey with this id.
    #[error("no such passkey on your account")]
    PasskeyNotFound,
    /// The account's last passkey cannot be removed: nothing could sign in.
    #[error("this is your only passkey: add another device first, or you could not sign in again")]
    LastPasskey,
    /// The change needs a passkey assertion in this session from the last few minutes.
    #[error("confirm it's you with your passkey first")]
    ReauthenticationRequired,
    /// A name that cannot be used; the reason says why.
    #[error("{0}")]
    InvalidName(&'static str),
    /// This session's passkey joined by a device link moments ago: until `until`
    /// it may not remove the account's other devices or end their sessions.
    #[error(
        "you added this device recently: remove other devices from one you already had, or wait until the cool-down ends"
    )]
    NewDeviceCooldown {
        /// When the cool-down ends (Unix seconds).
        until: crate::clock::UnixTime,
        /// Seconds until then.
        retry_after_secs: u64,
    },
    /// The account has no live session with this handle.
    #[error("no such session on your account")]
    SessionNotFound,
    /// The account never let this app in (or it was revoked already).
    #[error("no such app on your account")]
    AppNotFound,

    /// The mail could not be sent now (it stays queued).
    #[error("the email could not be sent")]
    MailNotSent(#[source] MailError),
    /// The database failed.
    #[error(transparent)]
    Store(StorageError),
    /// A fault on the server: `what` failed, for the reason in `source`.
    #[error("internal error: {what}")]
    Internal {
        /// What was being done.
        what: &'static str,
        /// Why it failed.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// The database failed: what happened is for the log (its `Display` and `source`);
/// callers match on [`AuthError::Store`], not on this.
///
/// ```no_run
/// # async fn run(bmauth: bmauth::BmAuth) {
/// if let Err(bmauth::AuthError::Store(fault)) = bmauth.auth().ready().await {
///     tracing::error!(%fault, "the database is not answering");
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct StorageError(StoreError);

impl From<StoreError> for StorageError {
    fn from(e: StoreError) -> Self {
        Self(e)
    }
}

impl From<StoreError> for AuthError {
    fn from(e: StoreError) -> Self {
        Self::Store(StorageError(e))
    }
}

/// A message could not be handed to the mail server now (it stays queued and is
/// retried): what happened is for the log.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct MailError(crate::mail::DeliveryError);

impl From<crate::mail::DeliveryError> for MailError {
    fn from(e: crate::mail::DeliveryError) -> Self {
        Self(e)
    }
}

/// A result of the auth rules.
///
/// ```
/// fn check(email: &str) -> bmauth::auth::AuthResult<bmauth::auth::Email> {
///     bmauth::auth::Email::parse(email)
/// }
/// assert!(check("not an address").is_err());
/// ```
pub type AuthResult<T> = Result<T, AuthError>;

impl AuthError {
    /// A server fault, with its cause. (There is deliberately no blanket `From`:
    /// a parse error of client input must become a 4xx where it happens, not a 500.)
    pub(crate) fn internal(
        what: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Internal {
            what,
            source: source.into(),
        }
    }
}
