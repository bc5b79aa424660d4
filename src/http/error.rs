//! The one place where errors become HTTP: status, stable code, message.

use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bmauth_proto::{ErrorBody, ErrorCode, ErrorDetail};

use crate::auth::AuthError;

/// An error answer: `{"error": {"code", "message", …}}` with its status.
///
/// ```
/// use axum::response::IntoResponse;
/// use bmauth::ApiError;
///
/// let response = ApiError::from(bmauth::AuthError::NotSignedIn).into_response();
/// assert_eq!(response.status(), 401);
/// ```
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: ErrorDetail,
}

impl ApiError {
    /// An error answer with this status, code and message.
    ///
    /// ```
    /// use axum::http::StatusCode;
    /// use bmauth_proto::ErrorCode;
    ///
    /// // A host's own route answering in BMAuth's error format.
    /// let error = bmauth::ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such note");
    /// assert_eq!(error.code(), ErrorCode::NotFound);
    /// ```
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            detail: ErrorDetail {
                code,
                message: message.into(),
                attempts_left: None,
                retry_after: None,
            },
        }
    }

    /// Its HTTP status.
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// Its stable code.
    ///
    /// ```
    /// use bmauth_proto::ErrorCode;
    ///
    /// let error = bmauth::ApiError::from(bmauth::AuthError::InvalidEmail);
    /// assert_eq!(error.code(), ErrorCode::InvalidEmail);
    /// ```
    pub fn code(&self) -> ErrorCode {
        self.detail.code
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        use AuthError as E;
        use ErrorCode as C;
        use StatusCode as S;
        let (status, code) = match &e {
            E::InvalidEmail => (S::BAD_REQUEST, C::InvalidEmail),
            E::InvalidCredential(_) => (S::BAD_REQUEST, C::InvalidCredential),
            E::InvalidPinFormat => (S::BAD_REQUEST, C::InvalidPinFormat),
            E::EmailTaken => (S::CONFLICT, C::EmailTaken),
            E::InvitationRequired => (S::FORBIDDEN, C::InvitationRequired),
            E::EmailDomainNotAllowed => (S::FORBIDDEN, C::EmailDomainNotAllowed),
            E::AccountDisabled => (S::FORBIDDEN, C::AccountDisabled),
            E::UserNotFound => (S::NOT_FOUND, C::UserNotFound),
            E::AdminRequired => (S::FORBIDDEN, C::AdminRequired),
            E::InvitationNotFound => (S::NOT_FOUND, C::InvitationNotFound),
            E::NotOnYourself => (S::CONFLICT, C::NotOnYourself),
            E::LastAdministrator => (S::CONFLICT, C::LastAdministrator),
            E::CredentialAlreadyRegistered => (S::CONFLICT, C::CredentialAlreadyRegistered),
            E::CeremonyNotFound => (S::BAD_REQUEST, C::CeremonyNotFound),
            E::CeremonyExpired => (S::BAD_REQUEST, C::CeremonyExpired),
            E::CeremonyMismatch => (S::BAD_REQUEST, C::CeremonyMismatch),
            E::UserVerificationRequired => (S::UNAUTHORIZED, C::UserVerificationRequired),
            E::CredentialNotAllowed => (S::UNAUTHORIZED, C::CredentialNotAllowed),
            E::PossibleClonedCredential => (S::FORBIDDEN, C::PossibleClonedCredential),
            E::CredentialRejected(_) => (S::UNAUTHORIZED, C::CredentialRejected),
            E::EmailNotVerified => (S::FORBIDDEN, C::EmailNotVerified),
            E::NoPendingPin => (S::BAD_REQUEST, C::NoPendingPin),
            E::PinIncorrect { .. } => (S::BAD_REQUEST, C::PinIncorrect),
            E::PinExpired => (S::BAD_REQUEST, C::PinExpired),
            E::PinLocked => (S::FORBIDDEN, C::PinLocked),
            E::AttemptsExhausted => (S::FORBIDDEN, C::AttemptsExhausted),
            E::ResendTooSoon { .. } => (S::TOO_MANY_REQUESTS, C::ResendTooSoon),
            E::RateLimited { .. } => (S::TOO_MANY_REQUESTS, C::RateLimited),
            E::ForwardRequestInvalid => (S::BAD_REQUEST, C::ForwardRequestInvalid),
            E::ForwardHostNotListed => (S::FORBIDDEN, C::ForwardHostNotListed),
            E::ForwardNotAllowed { .. } => (S::FORBIDDEN, C::ForwardNotAllowed),
            E::ForwardCodeInvalid => (S::BAD_REQUEST, C::ForwardCodeInvalid),
            E::LinkNotFound => (S::NOT_FOUND, C::LinkNotFound),
            E::LinkExpired => (S::GONE, C::LinkExpired),
            E::LinkNumberWrong => (S::FORBIDDEN, C::LinkNumberWrong),
            E::LinkNotApproved => (S::CONFLICT, C::LinkNotApproved),
            E::LinkDirectionDisabled => (S::FORBIDDEN, C::LinkDirectionDisabled),
            E::HoldingDeviceRequired => (S::FORBIDDEN, C::HoldingDeviceRequired),
            E::UndoNotFound => (S::NOT_FOUND, C::UndoNotFound),
            E::NotSignedIn => (S::UNAUTHORIZED, C::NotSignedIn),
            E::PasskeyNotFound => (S::NOT_FOUND, C::PasskeyNotFound),
            E::LastPasskey => (S::CONFLICT, C::LastPasskey),
            E::ReauthenticationRequired => (S::FORBIDDEN, C::ReauthenticationRequired),
            E::InvalidName(_) => (S::BAD_REQUEST, C::InvalidName),
            E::SessionNotFound => (S::NOT_FOUND, C::SessionNotFound),
            E::AppNotFound => (S::NOT_FOUND, C::AppNotFound),
            E::NewDeviceCooldown { .. } => (S::FORBIDDEN, C::NewDeviceCooldown),
            E::MailNotSent(_) => (S::SERVICE_UNAVAILABLE, C::MailNotSent),
            E::Store(_) | E::Internal { .. } => (S::INTERNAL_SERVER_ERROR, C::Internal),
        };
        let message = match &e {
            // Server faults are logged in full and answered in general terms.
            E::Store(_) | E::Internal { .. } => {
                tracing::error!(error = %e, cause = ?std::error::Error::source(&e), "internal error");
                "something went wrong on our side; please try again".to_string()
            }
            E::MailNotSent(reason) => {
                tracing::error!(%reason, "mail not sent; it stays queued");
                "we could not send the email just now; it will be retried, or ask for a new PIN in a minute".into()
            }
            // Verification details are logged by the core; the code says enough.
            E::CredentialRejected(_) => "the passkey response did not verify".into(),
            other => other.to_string(),
        };
        let mut error = Self::new(status, code, message);
        match e {
            E::PinIncorrect { attempts_left } => error.detail.attempts_left = Some(attempts_left),
            E::ResendTooSoon { retry_after_secs }
            | E::RateLimited { retry_after_secs }
            | E::NewDeviceCooldown {
                retry_after_secs, ..
            } => {
                error.detail.retry_after = Some(retry_after_secs);
            }
            _ => {}
        }
        error
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                "send JSON with Content-Type: application/json",
            ),
            JsonRejection::BytesRejection(_)
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Self::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::PayloadTooLarge,
                    "the request body is too large",
                )
            }
            other => Self::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidJson,
                other.body_text(),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = self.detail.retry_after;
        let code = super::metrics::AnsweredCode(self.detail.code);
        let mut response =
            (self.status, axum::Json(ErrorBody { error: self.detail })).into_response();
        response.extensions_mut().insert(code);
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
