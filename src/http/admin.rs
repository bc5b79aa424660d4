//! The administrators' routes (`/auth/admin/…`): people, invitations, the admin
//! log. Reading needs an administrator's session; every change a fresh passkey
//! confirmation too. Translations between HTTP and `crate::auth` only.

use axum::Extension;
use axum::response::IntoResponse;
use bmauth_proto::{
    AdminAppView, AdminAppsResponse, AdminLogResponse, AdminLogView, InvitationCreatedResponse,
    InvitationRequest, InvitationView, InvitationsResponse, MessageResponse, PeopleResponse,
    PersonRequest, PersonResponse, PersonView,
};

use super::error::ApiError;
use super::extract::{ApiJson, Client};
use crate::BmAuth;
use crate::auth::{Actor, AuthError, Invitation, Person, PersonState};

type ApiResult<T> = Result<T, ApiError>;

/// A read: any administrator's session.
async fn reader(bm: &BmAuth, client: &Client) -> Result<Actor, AuthError> {
    let token = client.session.as_ref().ok_or(AuthError::NotSignedIn)?;
    bm.auth().administrator(token, false).await
}

/// A change: an administrator who confirmed it's them moments ago.
async fn changer(bm: &BmAuth, client: &Client) -> Result<Actor, AuthError> {
    let token = client.session.as_ref().ok_or(AuthError::NotSignedIn)?;
    bm.auth().administrator(token, true).await
}

fn said(message: impl Into<String>) -> axum::Json<MessageResponse> {
    axum::Json(MessageResponse {
        message: message.into(),
    })
}

impl From<Person> for PersonView {
    fn from(p: Person) -> Self {
        Self {
            id: p.id.into(),
            email: p.email,
            state: match p.state {
                PersonState::Active => "active",
                PersonState::Disabled => "disabled",
            }
            .into(),
            admin: p.admin,
            created_at: p.created_at,
            passkeys: p.passkeys,
            last_sign_in: p.last_sign_in,
        }
    }
}

impl From<Invitation> for InvitationView {
    fn from(i: Invitation) -> Self {
        Self {
            state: serde_json::to_value(i.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            id: i.id,
            email: i.email,
            created_at: i.created_at,
            expires_at: i.expires_at,
            created_by: i.created_by,
        }
    }
}

pub async fn people(
    Extension(bm): Extension<BmAuth>,
    client: Client,
) -> ApiResult<impl IntoResponse> {
    reader(&bm, &client).await?;
    let people = bm.auth().people("").await?;
    Ok(axum::Json(PeopleResponse {
        people: people.into_iter().map(Into::into).collect(),
    }))
}

pub async fn person(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<PersonRequest>,
) -> ApiResult<impl IntoResponse> {
    reader(&bm, &client).await?;
    let details = bm.auth().person(&req.email).await?;
    Ok(axum::Json(PersonResponse {
        person: details.person.into(),
        passkeys: details.passkey_list.into_iter().map(Into::into).collect(),
        live_sessions: details.live_sessions as u64,
        activity: details.activity.into_iter().map(Into::into).collect(),
    }))
}

pub async fn disable(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<PersonRequest>,
) -> ApiResult<impl IntoResponse> {
    let actor = changer(&bm, &client).await?;
    bm.auth().disable_person(&req.email, &actor).await?;
    Ok(said("Disabled: their sessions and app tokens have ended."))
}

pub async fn enable(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<PersonRequest>,
) -> ApiResult<impl IntoResponse> {
    let actor = changer(&bm, &client).await?;
    bm.auth().enable_person(&req.email, &actor).await?;
    Ok(said("Enabled: they can sign in again."))
}

pub async fn end_sessions(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<PersonRequest>,
) -> ApiResult<impl IntoResponse> {
    let actor = changer(&bm, &client).await?;
    let ended = bm.auth().end_sessions_of_person(&req.email, &actor).await?;
    Ok(said(format!("Signed out everywhere ({ended} sessions).")))
}

pub async fn recovery_link(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<PersonRequest>,
) -> ApiResult<impl IntoResponse> {
    let actor = changer(&bm, &client).await?;
    bm.auth().send_recovery_link(&req.email, &actor).await?;
    Ok(said(format!(
        "Sent {} a recovery link, good for 24 hours.",
        req.email.trim()
    )))
}

pub async fn delete(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<PersonRequest>,
) -> ApiResult<impl IntoResponse> {
    let actor = changer(&bm, &client).await?;
    bm.auth().delete_person(&req.email, &actor).await?;
    Ok(said("Deleted, with everything of theirs."))
}

pub async fn grant_admin(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<PersonRequest>,
) -> ApiResult<impl IntoResponse> {
    let actor = changer(&bm, &client).await?;
    bm.auth().set_admin(&req.email, true, &actor).await?;
    Ok(said("They are an administrator now."))
}

pub async fn revoke_admin(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<PersonRequest>,
) -> ApiResult<impl IntoResponse> {
    let actor = changer(&bm, &client).await?;
    bm.auth().set_admin(&req.email, false, &actor).await?;
    Ok(said("They are no longer an administrator."))
}

pub async fn invitations(
    Extension(bm): Extension<BmAuth>,
    client: Client,
) -> ApiResult<impl IntoResponse> {
    reader(&bm, &client).await?;
    let invitations = bm.auth().invitations().await?;
    Ok(axum::Json(InvitationsResponse {
        invitations: invitations.into_iter().map(Into::into).collect(),
    }))
}

pub async fn invite(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<PersonRequest>,
) -> ApiResult<impl IntoResponse> {
    let actor = changer(&bm, &client).await?;
    let made = bm.auth().invite(&req.email, None, &actor).await?;
    let listed = bm
        .auth()
        .invitations()
        .await?
        .into_iter()
        .find(|i| i.id == made.id)
        .ok_or(AuthError::InvitationNotFound)?;
    Ok((
        axum::http::StatusCode::CREATED,
        axum::Json(InvitationCreatedResponse {
            invitation: listed.into(),
            link: made.link.into(),
        }),
    ))
}

pub async fn revoke_invitation(
    Extension(bm): Extension<BmAuth>,
    client: Client,
    ApiJson(req): ApiJson<InvitationRequest>,
) -> ApiResult<impl IntoResponse> {
    let actor = changer(&bm, &client).await?;
    // By id only here: an address would revoke every invitation it has.
    if req.id.contains('@') {
        return Err(AuthError::InvitationNotFound.into());
    }
    bm.auth().revoke_invitation(&req.id, &actor).await?;
    Ok(said("Revoked: the link no longer admits anyone."))
}

pub async fn log(Extension(bm): Extension<BmAuth>, client: Client) -> ApiResult<impl IntoResponse> {
    reader(&bm, &client).await?;
    let entries = bm.auth().admin_log(200).await?;
    Ok(axum::Json(AdminLogResponse {
        entries: entries
            .into_iter()
            .map(|e| AdminLogView {
                at: e.at,
                actor: e.actor,
                action: e.action,
                subject: e.subject,
            })
            .collect(),
    }))
}

pub async fn apps(
    Extension(bm): Extension<BmAuth>,
    client: Client,
) -> ApiResult<impl IntoResponse> {
    reader(&bm, &client).await?;
    let apps = bm.auth().clients().await?;
    Ok(axum::Json(AdminAppsResponse {
        apps: apps
            .into_iter()
            .map(|app| AdminAppView {
                client_id: app.id,
                name: app.name,
                public: app.public,
                redirect_uris: app.redirect_uris,
                allow: app.allow,
            })
            .collect(),
    }))
}
