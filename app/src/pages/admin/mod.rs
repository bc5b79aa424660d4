//! The administrators' pages: people and invitations (`/auth/admin`), and one
//! person (`/auth/admin/person?email=…`). Reading needs an administrator; every
//! change a fresh passkey, asked for when the server says so. Load with the
//! `/link` page's bundle, so the sign-in page does not carry them.

use leptos::prelude::*;
use leptos_meta::Title;

mod people;
mod person;

use people::AdminPanel;
use person::PersonPanel;

use super::{failure_message, query};
use crate::api::ErrorCode;
use crate::api::routes::Endpoint;
use crate::client::{self, ApiFailure};

/// `/auth/admin`: people, invitations, the admin log.
#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <Title text="Administration" />
        <AdminPanel />
    }
}

/// `/auth/admin/person?email=…`: one person, and what can be done to them.
#[component]
pub fn PersonPage() -> impl IntoView {
    let email = query("email");
    view! {
        <Title text="Person" />
        <PersonPanel email=email />
    }
}

/// What a failing administration call means, in words.
fn admin_failure(failure: &ApiFailure) -> String {
    match failure {
        ApiFailure::Server(e) if e.code == ErrorCode::NotSignedIn => {
            client::go_to("/auth/login?next=%2Fauth%2Fadmin");
            "You're signed out.".into()
        }
        ApiFailure::Server(e) if e.code == ErrorCode::AdminRequired => {
            "Only administrators can see this page: ask one to make you one.".into()
        }
        other => failure_message(other),
    }
}

/// Calls an administration endpoint that changes something: when the server
/// wants a fresh passkey first, asks this device's, then tries again.
async fn with_fresh_passkey<E: Endpoint>(request: &E::Request) -> Result<E::Response, String> {
    let answer = match client::call::<E>(request).await {
        Err(ApiFailure::Server(e)) if e.code == ErrorCode::ReauthenticationRequired => {
            super::account::confirm_its_you().await?;
            client::call::<E>(request).await
        }
        other => other,
    };
    answer.map_err(|f| admin_failure(&f))
}
