//! "Sign in to Acme Notes?" (`/auth/consent`): the first time a person signs in to
//! an app through BMAuth, which app it is, which address it will see, and where it
//! sends them back, with Continue and Cancel. A plain form, rendered on the server
//! (no WASM): the server looked up every word of it (`ConsentDetails`), and checks
//! the request again when the answer comes (`POST /oauth/consent`).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::ConsentDetails;

/// The consent page; the server puts its details in the request.
#[component]
pub fn ConsentPage() -> impl IntoView {
    let details = super::from_server::<ConsentDetails>();
    let Some(details) = details else {
        return view! {
            <Title text="Nothing to approve" />
            <section class="card">
                <h1>"Nothing to approve"</h1>
                <p>
                    "This page is reached from an app's sign-in button. Go back to the app and try again."
                </p>
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
    view! {
        <Title text=format!("Sign in to {}", details.client) />
        <section class="card">
            <p class="eyebrow">"Sign in with BMAuth"</p>
            <h1 data-testid="consent-app">{format!("Sign in to {}?", details.client)}</h1>
            <p class="lead">
                {details.client.clone()} " will see your email address, "
                <strong data-testid="consent-email">{details.email.clone()}</strong> "."
            </p>
            {details
                .offline
                .then(|| {
                    view! {
                        <p data-testid="consent-offline">
                            "It also asks to stay signed in while you are away, until you revoke it on your account page."
                        </p>
                    }
                })}
            <p>
                "You will be sent back to "
                <strong data-testid="consent-returns-to">{details.returns_to.clone()}</strong>
                ". Continue only if you meant to sign in there."
            </p>
            <form class="stack" method="post" action="/oauth/consent">
                {fields}
                <div class="actions">
                    <button type="submit" class="button" name="answer" value="allow">
                        "Continue"
                    </button>
                    <button type="submit" class="button secondary" name="answer" value="deny">
                        "Cancel"
                    </button>
                </div>
            </form>
        </section>
    }
    .into_any()
}
