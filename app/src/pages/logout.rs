//! "Sign out of BMAuth?" (`/auth/logout`): an app asked BMAuth to sign the person
//! out without proving which sign-in it meant, so the person says yes or no (OpenID
//! Connect RP-Initiated Logout §2). A plain form, rendered on the server (no WASM):
//! the server judged the request (`LogoutDetails`) and judges it again when the
//! answer comes (`POST /oauth/logout`).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::LogoutDetails;

/// The logout confirmation page; the server puts its details in the request.
#[component]
pub fn LogoutPage() -> impl IntoView {
    let details = super::from_server::<LogoutDetails>();
    let Some(details) = details else {
        return view! {
            <Title text="Nothing to sign out of" />
            <section class="card">
                <h1>"Nothing to sign out of"</h1>
                <p>"You are not signed in here."</p>
                <a class="button" href="/auth/login">
                    "Sign in"
                </a>
            </section>
        }
        .into_any();
    };
    let fields = details
        .fields
        .iter()
        .map(
            |(name, value)| view! { <input type="hidden" name=name.clone() value=value.clone() /> },
        )
        .collect_view();
    let asked_by = match &details.app {
        Some(app) => format!("{app} asked to sign you out."),
        None => "An app asked to sign you out.".to_string(),
    };
    view! {
        <Title text="Sign out?" />
        <section class="card">
            <p class="eyebrow">"Sign out"</p>
            <h1>"Sign out of BMAuth?"</h1>
            <p class="lead" data-testid="logout-asked-by">
                {asked_by}
            </p>
            <p>
                "You are signed in here as " <strong>{details.email.clone()}</strong>
                ". Signing out here means using your passkey again next time, here and in the apps you sign in to with it."
            </p>
            <form class="stack" method="post" action="/oauth/logout">
                {fields}
                <div class="actions">
                    <button type="submit" class="button" name="confirm" value="yes">
                        "Sign out"
                    </button>
                    <button type="submit" class="button secondary" name="confirm" value="no">
                        "Stay signed in"
                    </button>
                </div>
            </form>
        </section>
    }
    .into_any()
}
