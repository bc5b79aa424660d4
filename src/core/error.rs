//! What can go wrong in the auth rules. Mapped to HTTP status and stable error codes
//! in one place: `crate::http::error`.

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("that is not a valid email address")]
    InvalidEmail,
    #[error("the credential could not be read: {0}")]
    InvalidCredential(String),
    #[error("the PIN must be 6 digits")]
    InvalidPinFormat,

    #[error("an account with this email already exists; sign in instead")]
    EmailTaken,
    #[error("this passkey is already registered")]
    CredentialAlreadyRegistered,

    #[error("no sign-in or sign-up is in progress for this response; start again")]
    CeremonyNotFound,
    #[error("this sign-in or sign-up took too long; start again")]
    CeremonyExpired,
    #[error("this response belongs to a different email address")]
    CeremonyMismatch,

    #[error("the device did not verify you (fingerprint, face or device PIN); try again")]
    UserVerificationRequired,
    #[error("this passkey is not registered for this account")]
    CredentialNotAllowed,
    #[error(
        "the passkey's signature counter went backwards: this key may have been copied. Sign in with another device or recover your account"
    )]
    PossibleClonedCredential,
    #[error("the passkey response did not verify")]
    CredentialRejected(String),

    #[error("confirm your email first: enter the PIN we sent you, or ask for a new one")]
    EmailNotVerified,
    #[error(
        "no code is waiting for this address in this browser: enter the code on the device where you signed up, or sign up again here"
    )]
    NoPendingPin,
    #[error("that PIN is not right")]
    PinIncorrect { attempts_left: u32 },
    #[error("that PIN has expired; ask for a new one")]
    PinExpired,
    #[error("too many wrong tries; ask for a new PIN")]
    PinLocked,
    #[error("too many wrong codes for this sign-up; start again")]
    AttemptsExhausted,
    #[error("a PIN was sent moments ago; wait before asking for another")]
    ResendTooSoon { retry_after_secs: u64 },
    #[error("too many requests; try again later")]
    RateLimited { retry_after_secs: u64 },

    #[error("not signed in")]
    NotSignedIn,

    #[error("the email could not be sent")]
    MailNotSent(#[source] crate::mail::DeliveryError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A fault on the server: `what` failed, for the reason in `source`.
    #[error("internal error: {what}")]
    Internal {
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

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
