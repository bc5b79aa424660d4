//! The signed-in person's account routes: passkeys, sessions, recent activity, and
//! confirming it's them. Translations between HTTP and `crate::auth` only.

use axum::Extension;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use bmauth_proto::{
    AcceptedPasskeysView, AccountDeletedResponse, ActivityResponse, AppRequest, AppView,
    AppsResponse, Empty, MessageResponse, PasskeyRemovedResponse, PasskeyRequest, PasskeyView,
    PasskeysResponse, ReauthRequest, RenamePasskeyRequest, SecurityEventView, SessionRequest,
    SessionView, SessionsEndedResponse, SessionsResponse,
};

use super::error::ApiError;
use super::extract::{ApiJson, AuthUser, Client};
use crate::BmAuth;
use crate::auth::{
    AcceptedPasskeys, AuthError, PasskeyInfo, SecurityEvent, SessionInfo, SessionToken,
};

type ApiResult<T> = Result<T, ApiError>;

fn session(client: &Client) -> Result<&SessionToken, AuthError> {
    client.session.as_ref().ok_or(AuthError::NotSignedIn)
}

/// The answer, with the session cookie cleared when this session just ended.
fn ending_session<T: IntoResponse>(
    bm: &BmAuth,
    jar: CookieJar,
    signed_out: bool,
    answer: T,
) -> Response {
    if signed_out {
        (jar.add(bm.expired_session_cookie()), answer).into_response()
    } else {
        answer.into_response()
    }
}

impl From<PasskeyInfo> for PasskeyView {
    fn from(p: PasskeyInfo) -> Self {
        Self {
            id: p.id.as_str().to_string(),
            name: p.name,
            provider: p.provider,
            synced: p.synced,
            backup_eligible: p.backup_eligible,
            created_at: p.created_at,
            last_used_at: p.last_used_at,
            this_device: p.this_device,
            counter_went_back_at: p.counter_went_back_at,
        }
    }
}

impl From<SessionInfo> for SessionView {
    fn from(s: SessionInfo) -> Self {
        Self {
            id: s.handle,
            device: s.device,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            this_session: s.this_session,
            passkey_name: s.passkey_name,
        }
    }
}

impl From<SecurityEvent> for SecurityEventView {
    fn from(e: SecurityEvent) -> Self {
        Self {
            kind: e.kind,
            at: e.at,
            passkey_name: e.passkey_name,
            device: e.device,
            ip: e.ip,
        }
    }
}

pub async fn passkeys(
    Extension(bm): Extension<BmAuth>,
    client: Client,
) -> ApiResult<impl IntoResponse> {
    let list = bm.auth().passkeys(session(&client)?).await?;
    Ok(axum::Json(PasskeysResponse {
        passkeys: list.passkeys.into_iter().map(Into::into).collect(),
        cooldown_until: list.cooldown_until,
    }))
}

pub async fn rename_passkey(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<RenamePasskeyRequest>,
) -> ApiResult<impl IntoResponse> {
    bm.auth()
        .rename_passkey(session(&client)?, &req.id, &req.name, &client.info)
        .await?;
    Ok(axum::Json(MessageResponse {
        message: "Renamed.".into(),
    }))
}

pub async fn remove_passkey(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    jar: CookieJar,
    ApiJson(req): ApiJson<PasskeyRequest>,
) -> ApiResult<Response> {
    let token = session(&client)?;
    let removed = bm
        .auth()
        .remove_passkey(token, &req.id, &client.info)
        .await?;
    let answer = axum::Json(PasskeyRemovedResponse {
        message: "Removed. It can no longer sign in, and its sessions have ended.".into(),
        signed_out: removed.signed_out,
        accepted: Some(removed.accepted.into()),
    });
    Ok(ending_session(&bm, jar, removed.signed_out, answer))
}

pub async fn reauth_begin(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<impl IntoResponse> {
    let options = bm
        .auth()
        .begin_reauthentication(session(&client)?, &client.info)
        .await?;
    Ok(axum::Json(options))
}

pub async fn reauth_complete(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<ReauthRequest>,
) -> ApiResult<impl IntoResponse> {
    bm.auth()
        .finish_reauthentication(session(&client)?, req.credential, &client.info)
        .await?;
    Ok(axum::Json(MessageResponse {
        message: "Confirmed.".into(),
    }))
}

pub async fn sessions(
    Extension(bm): Extension<BmAuth>,
    client: Client,
) -> ApiResult<impl IntoResponse> {
    let sessions = bm.auth().sessions(session(&client)?).await?;
    Ok(axum::Json(SessionsResponse {
        sessions: sessions.into_iter().map(Into::into).collect(),
    }))
}

pub async fn end_session(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    jar: CookieJar,
    ApiJson(req): ApiJson<SessionRequest>,
) -> ApiResult<Response> {
    let signed_out = bm
        .auth()
        .end_session_by_handle(session(&client)?, &req.id, &client.info)
        .await?;
    let answer = axum::Json(SessionsEndedResponse {
        ended: 1,
        signed_out,
    });
    Ok(ending_session(&bm, jar, signed_out, answer))
}

pub async fn end_other_sessions(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<impl IntoResponse> {
    let ended = bm
        .auth()
        .end_other_sessions(session(&client)?, &client.info)
        .await?;
    Ok(axum::Json(SessionsEndedResponse {
        ended,
        signed_out: false,
    }))
}

pub async fn activity(
    Extension(bm): Extension<BmAuth>,
    AuthUser(user): AuthUser,
) -> ApiResult<impl IntoResponse> {
    let events = bm.auth().recent_activity(&user).await?;
    Ok(axum::Json(ActivityResponse {
        events: events.into_iter().map(Into::into).collect(),
    }))
}

pub async fn apps(
    Extension(bm): Extension<BmAuth>,
    AuthUser(user): AuthUser,
) -> ApiResult<impl IntoResponse> {
    let apps = bm.auth().signed_in_apps(&user).await?;
    Ok(axum::Json(AppsResponse {
        apps: apps
            .into_iter()
            .map(|app| AppView {
                client_id: app.client_id,
                name: app.name,
                scope: app.scope,
                last_signed_in_at: app.last_signed_in_at,
            })
            .collect(),
    }))
}

pub async fn revoke_app(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<AppRequest>,
) -> ApiResult<impl IntoResponse> {
    bm.auth()
        .revoke_app(session(&client)?, &req.client_id)
        .await?;
    Ok(axum::Json(MessageResponse {
        message: "Revoked. The app must ask again to sign you in.".into(),
    }))
}

impl From<AcceptedPasskeys> for AcceptedPasskeysView {
    fn from(a: AcceptedPasskeys) -> Self {
        Self {
            rp_id: a.rp_id,
            user_id: a.user_handle,
            all_accepted_credential_ids: a.credential_ids,
        }
    }
}

/// Everything kept about the person, as a file to save.
pub async fn export_account(
    Extension(bm): Extension<BmAuth>,
    client: Client,
) -> ApiResult<Response> {
    let export = bm.auth().export_account(session(&client)?).await?;
    Ok((
        [(
            axum::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"bmauth-account.json\"",
        )],
        axum::Json(export),
    )
        .into_response())
}

pub async fn delete_account(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    jar: CookieJar,
    ApiJson(_): ApiJson<Empty>,
) -> ApiResult<Response> {
    let accepted = bm
        .auth()
        .delete_own_account(session(&client)?, &client.info)
        .await?;
    let answer = axum::Json(AccountDeletedResponse {
        message: "Your account is deleted, with everything of it.".into(),
        accepted: accepted.into(),
    });
    Ok(ending_session(&bm, jar, true, answer))
}
