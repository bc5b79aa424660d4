//! The device-link routes (adding a device by QR code, and recovery, which ends in
//! a device link): translations between HTTP and `crate::auth`, and the QR code's
//! picture.

use axum::Extension;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum_extra::extract::cookie::CookieJar;
use bmauth_proto::{
    AutofillRequest, EmailRequest, Empty, LinkApproveRequest, LinkCredentialRequest,
    LinkDetailsResponse, LinkRegistrationOptions, LinkStatusResponse, LinkTokenRequest,
    MessageResponse, NewLinkResponse, RecoveredResponse, UndoDetailsResponse, UndoRequest,
    UserResponse, VerifyEmailRequest,
};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

use super::error::ApiError;
use super::extract::{ApiJson, AuthUser, Client};
use crate::BmAuth;
use crate::auth::{LinkProgress, NewLink};

type ApiResult<T> = Result<T, ApiError>;

/// The QR code of `url` as SVG: crisp at any size, with the 4-module quiet zone
/// readers need, at level L: a code on a screen is not scratched, and L gives the
/// fewest, largest modules, which cameras read quickest. Each module is a whole
/// number of pixels at its natural size (no blurry edges for the decoder).
fn qr_svg(url: &str) -> ApiResult<String> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::L)
        .map_err(|e| crate::auth::AuthError::internal("drawing a QR code", e))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .quiet_zone(true)
        .module_dimensions(7, 7)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

fn new_link_response(bm: &BmAuth, link: NewLink) -> ApiResult<axum::Json<NewLinkResponse>> {
    let mut url = bm
        .auth()
        .origin()
        .join("/link")
        .map_err(|e| crate::auth::AuthError::internal("building a link URL", e))?;
    // In the fragment: browsers never send it, so it reaches no log and no Referer.
    url.set_fragment(Some(&link.token));
    let now = bm.auth().now();
    Ok(axum::Json(NewLinkResponse {
        qr_svg: qr_svg(url.as_str())?,
        url: url.into(),
        token: link.token,
        code: link.code,
        number: link.number,
        expires_in: (link.expires_at - now).max(0) as u64,
    }))
}

fn status_response(progress: LinkProgress) -> axum::Json<LinkStatusResponse> {
    axum::Json(LinkStatusResponse {
        state: progress.state,
        number: progress.number,
        device: progress.device,
    })
}

pub async fn recover_begin(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<EmailRequest>,
) -> ApiResult<impl IntoResponse> {
    bm.auth().begin_recovery(&req.email, &client.info).await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(MessageResponse {
            message: "If an account exists for this address, we sent it a code.".into(),
        }),
    ))
}

pub async fn recover_verify(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<VerifyEmailRequest>,
) -> ApiResult<impl IntoResponse> {
    let token = bm
        .auth()
        .finish_recovery(&req.email, &req.pin, &client.info)
        .await?;
    Ok(axum::Json(RecoveredResponse { token }))
}

pub async fn recover_by_link(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<LinkTokenRequest>,
) -> ApiResult<impl IntoResponse> {
    let token = bm
        .auth()
        .redeem_recovery_link(&req.token, &client.info)
        .await?;
    Ok(axum::Json(RecoveredResponse { token }))
}

pub async fn request(
    Extension(bm): Extension<BmAuth>,
    client: Client,
) -> ApiResult<impl IntoResponse> {
    let link = bm.auth().request_link(&client.info).await?;
    Ok((StatusCode::CREATED, new_link_response(&bm, link)?))
}

pub async fn offer(
    Extension(bm): Extension<BmAuth>,
    AuthUser(user): AuthUser,
    client: Client,
) -> ApiResult<impl IntoResponse> {
    let link = bm.auth().offer_link(&user, &client.info).await?;
    Ok((StatusCode::CREATED, new_link_response(&bm, link)?))
}

pub async fn claim(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<LinkTokenRequest>,
) -> ApiResult<impl IntoResponse> {
    let progress = bm.auth().claim_link(&req.token, &client.info).await?;
    Ok(status_response(progress))
}

pub async fn details(
    Extension(bm): Extension<BmAuth>,
    AuthUser(user): AuthUser,
    client: Client,
    ApiJson(req): ApiJson<LinkTokenRequest>,
) -> ApiResult<impl IntoResponse> {
    let request = bm
        .auth()
        .link_to_approve(&req.token, &user, &client.info)
        .await?;
    let now = bm.auth().now();
    Ok(axum::Json(LinkDetailsResponse {
        state: request.state,
        device: request.device,
        ip: request.ip,
        location: request.location,
        same_network: request.same_network,
        confirm_holding: request.confirm_holding,
        age_secs: (now - request.created_at).max(0) as u64,
        expires_in: (request.expires_at - now).max(0) as u64,
    }))
}

pub async fn approve_begin(
    Extension(bm): Extension<BmAuth>,
    AuthUser(user): AuthUser,
    client: Client,
    ApiJson(req): ApiJson<LinkApproveRequest>,
) -> ApiResult<impl IntoResponse> {
    let options = bm
        .auth()
        .begin_link_approval(
            &req.token,
            &req.number,
            req.holding_device,
            &user,
            &client.info,
        )
        .await?;
    Ok(axum::Json(options))
}

pub async fn approve_complete(
    Extension(bm): Extension<BmAuth>,
    AuthUser(user): AuthUser,
    client: Client,
    ApiJson(req): ApiJson<LinkCredentialRequest>,
) -> ApiResult<impl IntoResponse> {
    bm.auth()
        .finish_link_approval(&req.token, req.credential, &user, &client.info)
        .await?;
    Ok(axum::Json(MessageResponse {
        message: "Approved. The new device is making its passkey.".into(),
    }))
}

pub async fn deny(
    Extension(bm): Extension<BmAuth>,
    AuthUser(user): AuthUser,
    client: Client,
    ApiJson(req): ApiJson<LinkTokenRequest>,
) -> ApiResult<impl IntoResponse> {
    bm.auth().deny_link(&req.token, &user, &client.info).await?;
    Ok(axum::Json(MessageResponse {
        message: "Denied. The other device was told.".into(),
    }))
}

pub async fn status(
    Extension(bm): Extension<BmAuth>,
    user: Option<AuthUser>,
    client: Client,
    ApiJson(req): ApiJson<LinkTokenRequest>,
) -> ApiResult<impl IntoResponse> {
    let user = user.map(|AuthUser(user)| user);
    let progress = bm
        .auth()
        .link_progress(&req.token, &client.info, user.as_ref())
        .await?;
    Ok(status_response(progress))
}

pub async fn register_begin(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<LinkTokenRequest>,
) -> ApiResult<impl IntoResponse> {
    let joining = bm
        .auth()
        .begin_link_registration(&req.token, &client.info)
        .await?;
    let public_key = serde_json::to_value(&joining.options.public_key)
        .map_err(|e| crate::auth::AuthError::internal("writing creation options", e))?;
    Ok(axum::Json(LinkRegistrationOptions {
        public_key,
        account: joining.account,
    }))
}

pub async fn nearby_begin(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<impl IntoResponse> {
    Ok(axum::Json(bm.auth().begin_nearby_link(&client.info).await?))
}

pub async fn nearby_complete(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<AutofillRequest>,
) -> ApiResult<impl IntoResponse> {
    let token = bm
        .auth()
        .finish_nearby_link(req.credential, &client.info)
        .await?;
    Ok(axum::Json(RecoveredResponse { token }))
}

pub async fn undo_details(
    Extension(bm): Extension<BmAuth>,
    ApiJson(req): ApiJson<UndoRequest>,
) -> ApiResult<impl IntoResponse> {
    let details = bm.auth().undo_details(&req.token).await?;
    Ok(axum::Json(UndoDetailsResponse {
        device: details.device,
        ip: details.ip,
        added_at: details.added_at,
    }))
}

pub async fn undo(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<UndoRequest>,
) -> ApiResult<impl IntoResponse> {
    bm.auth().undo_device(&req.token, &client.info).await?;
    Ok(axum::Json(MessageResponse {
        message: "Removed. That device can no longer sign in, and its sessions have ended.".into(),
    }))
}

pub async fn decline(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<LinkTokenRequest>,
) -> ApiResult<impl IntoResponse> {
    bm.auth().decline_link(&req.token, &client.info).await?;
    Ok(axum::Json(MessageResponse {
        message: "Declined. This device was not added to that account.".into(),
    }))
}

pub async fn register_complete(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    jar: CookieJar,
    ApiJson(req): ApiJson<LinkCredentialRequest>,
) -> ApiResult<impl IntoResponse> {
    let signed = bm
        .auth()
        .finish_link_registration(
            &req.token,
            req.credential,
            &client.info,
            client.session.as_ref(),
        )
        .await?;
    let jar = jar.add(bm.session_cookie(&signed.token));
    Ok((
        StatusCode::CREATED,
        jar,
        axum::Json(UserResponse {
            user: signed.user.into(),
        }),
    ))
}
