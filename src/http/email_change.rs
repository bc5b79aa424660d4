//! Changing the account's address, and undoing it from the old one. Translations
//! between HTTP and `crate::auth` only.

use axum::Extension;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use bmauth_proto::{
    EmailChangedResponse, EmailCodeRequest, EmailRequest, EmailUndoDetailsResponse,
    MessageResponse, UndoRequest,
};

use super::error::ApiError;
use super::extract::{ApiJson, Client};
use crate::BmAuth;
use crate::auth::AuthError;

type ApiResult<T> = Result<T, ApiError>;

pub async fn begin(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<EmailRequest>,
) -> ApiResult<impl IntoResponse> {
    let token = client.session.as_ref().ok_or(AuthError::NotSignedIn)?;
    bm.auth()
        .begin_email_change(token, &req.email, &client.info)
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(MessageResponse {
            message: "We sent a code to the new address: type it here to make the change.".into(),
        }),
    ))
}

pub async fn confirm(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<EmailCodeRequest>,
) -> ApiResult<impl IntoResponse> {
    let token = client.session.as_ref().ok_or(AuthError::NotSignedIn)?;
    let changed = bm
        .auth()
        .confirm_email_change(token, &req.pin, &client.info)
        .await?;
    Ok(axum::Json(EmailChangedResponse {
        email: changed.email,
        rp_id: changed.rp_id,
        user_id: changed.user_handle,
    }))
}

pub async fn undo_details(
    Extension(bm): Extension<BmAuth>,
    ApiJson(req): ApiJson<UndoRequest>,
) -> ApiResult<impl IntoResponse> {
    let details = bm.auth().email_undo_details(&req.token).await?;
    Ok(axum::Json(EmailUndoDetailsResponse {
        old_email: details.old_email,
        new_email: details.new_email,
        changed_at: details.changed_at,
    }))
}

pub async fn undo(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<UndoRequest>,
) -> ApiResult<impl IntoResponse> {
    bm.auth()
        .undo_email_change(&req.token, &client.info)
        .await?;
    Ok(axum::Json(MessageResponse {
        message: "Done: the address is back, and every session of the account is signed out."
            .into(),
    }))
}
