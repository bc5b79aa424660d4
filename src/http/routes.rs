//! The sign-up, code and sign-in routes (the original BMAuth's, with its paths and
//! bodies, now with real checks). Each handler only translates between HTTP and
//! `crate::auth::Auth`.

use axum::Extension;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum_extra::extract::cookie::CookieJar;
use bmauth_proto::{
    AutofillRequest, CredentialRequest, EmailRequest, MessageResponse, RegisteredResponse,
    SignUpRequest, StatusResponse, UserResponse, VerifyEmailRequest,
};

use super::error::ApiError;
use super::extract::{ApiJson, AuthUser, Client};
use crate::BmAuth;
use crate::auth::SignedIn;

type ApiResult<T> = Result<T, ApiError>;

/// The session cookie for a fresh sign-in, and the user as JSON.
fn signed_in(
    bmauth: &BmAuth,
    jar: CookieJar,
    signed: SignedIn,
) -> (CookieJar, axum::Json<UserResponse>) {
    let jar = jar.add(bmauth.session_cookie(&signed.token));
    (
        jar,
        axum::Json(UserResponse {
            user: signed.user.into(),
        }),
    )
}

pub async fn register_begin(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<SignUpRequest>,
) -> ApiResult<impl IntoResponse> {
    let options = bm
        .auth()
        .begin_invited_registration(&req.email, req.invitation.as_deref(), &client.info)
        .await?;
    Ok(axum::Json(options))
}

pub async fn register_complete(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<CredentialRequest>,
) -> ApiResult<impl IntoResponse> {
    let registered = bm
        .auth()
        .finish_registration(&req.email, req.credential, &client.info)
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(RegisteredResponse {
            user: registered.user.into(),
            pin_sent: true,
        }),
    ))
}

pub async fn verify_email(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    jar: CookieJar,
    ApiJson(req): ApiJson<VerifyEmailRequest>,
) -> ApiResult<impl IntoResponse> {
    let signed = bm
        .auth()
        .verify_email(&req.email, &req.pin, &client.info, client.session.as_ref())
        .await?;
    Ok(signed_in(&bm, jar, signed))
}

pub async fn resend_pin(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<EmailRequest>,
) -> ApiResult<impl IntoResponse> {
    bm.auth().resend_pin(&req.email, &client.info).await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(MessageResponse {
            message: "If a sign-up is waiting for this address, a new PIN is on its way.".into(),
        }),
    ))
}

pub async fn login_begin(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<EmailRequest>,
) -> ApiResult<impl IntoResponse> {
    let options = bm.auth().begin_login(&req.email, &client.info).await?;
    Ok(axum::Json(options))
}

pub async fn login_complete(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    jar: CookieJar,
    ApiJson(req): ApiJson<CredentialRequest>,
) -> ApiResult<impl IntoResponse> {
    let signed = bm
        .auth()
        .finish_login(
            &req.email,
            req.credential,
            &client.info,
            client.session.as_ref(),
        )
        .await?;
    Ok(signed_in(&bm, jar, signed))
}

pub async fn autofill_begin(
    Extension(bm): Extension<BmAuth>,
    client: Client,
) -> ApiResult<impl IntoResponse> {
    let options = bm.auth().begin_autofill_login(&client.info).await?;
    Ok(axum::Json(options))
}

pub async fn autofill_complete(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    jar: CookieJar,
    ApiJson(req): ApiJson<AutofillRequest>,
) -> ApiResult<impl IntoResponse> {
    let signed = bm
        .auth()
        .finish_autofill_login(req.credential, &client.info, client.session.as_ref())
        .await?;
    Ok(signed_in(&bm, jar, signed))
}

pub async fn logout(
    Extension(bm): Extension<BmAuth>,
    headers: HeaderMap,
) -> ApiResult<impl IntoResponse> {
    let clear_cookie = bm.sign_out(&headers).await?;
    Ok((
        [(header::SET_COOKIE, clear_cookie)],
        axum::Json(MessageResponse {
            message: "Signed out.".into(),
        }),
    ))
}

pub async fn me(AuthUser(user): AuthUser) -> impl IntoResponse {
    axum::Json(UserResponse { user: user.into() })
}

pub async fn status(user: Option<AuthUser>) -> impl IntoResponse {
    axum::Json(StatusResponse {
        signed_in: user.is_some(),
        user: user.map(|AuthUser(u)| u.into()),
    })
}

pub async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        bmauth_proto::ErrorCode::NotFound,
        "no such API route",
    )
}
