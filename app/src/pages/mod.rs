//! The pages. Each is rendered on the server; its form is an island.

mod account;
mod admin;
mod ask_first;
mod consent;
mod email_undo;
mod link;
mod login;
mod logout;
mod recover;
mod register;
mod undo;
mod verify;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

pub use account::AccountPage;
pub use admin::{AdminPage, PersonPage};
pub use consent::ConsentPage;
pub use email_undo::EmailUndoPage;
pub use link::LinkPage;
pub use login::LoginPage;
pub use logout::LogoutPage;
pub use recover::RecoverPage;
pub use register::RegisterPage;
pub use undo::UndoPage;
pub use verify::VerifyPage;

use crate::api::routes::Logout;
pub use crate::api::safe_next;
use crate::api::{Empty, ErrorCode, ErrorDetail};
use crate::client::{self, ApiFailure, NETWORK_MESSAGE};

/// What the server put in this request for a page rendered without WASM (the
/// consent and logout questions); nothing in the browser.
fn from_server<T: Clone + Send + Sync + 'static>() -> Option<T> {
    #[cfg(feature = "ssr")]
    return use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<T>().cloned());
    #[cfg(not(feature = "ssr"))]
    None
}

/// A query parameter of the current request.
fn query(name: &'static str) -> String {
    use_query_map()
        .read_untracked()
        .get(name)
        .unwrap_or_default()
}

fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| {
            format!(
                "{k}={}",
                form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            )
        })
        .collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// What the person sees for an API failure.
fn failure_message(failure: &ApiFailure) -> String {
    match failure {
        ApiFailure::Network => NETWORK_MESSAGE.to_string(),
        ApiFailure::Server(detail) => server_message(detail),
    }
}

fn server_message(detail: &ErrorDetail) -> String {
    let wait = detail.retry_after.unwrap_or(60);
    match detail.code {
        ErrorCode::InvalidEmail => "Enter your email address, like name@example.com.".into(),
        ErrorCode::UserVerificationRequired => {
            "Your device didn't confirm it's you (fingerprint, face or screen lock). Try again."
                .into()
        }
        ErrorCode::CeremonyExpired | ErrorCode::CeremonyNotFound => {
            "That took too long. Please try again.".into()
        }
        ErrorCode::RateLimited => {
            format!("Too many attempts. Please wait {wait} seconds and try again.")
        }
        ErrorCode::Internal => "Something went wrong on our side. Please try again.".into(),
        _ => detail.message.clone(),
    }
}

/// A status line that screen readers announce.
#[component]
fn Status(
    #[prop(into)] message: Signal<Option<String>>,
    #[prop(optional)] error: bool,
) -> impl IntoView {
    view! {
        <p
            class="status"
            class:error=error
            role=if error { "alert" } else { "status" }
            aria-live="polite"
        >
            {move || message.get()}
        </p>
    }
}

/// The email field of the sign-in and sign-up forms.
#[component]
fn EmailField(
    email: ReadSignal<String>,
    set_email: WriteSignal<String>,
    autocomplete: &'static str,
) -> impl IntoView {
    view! {
        <label for="email">"Email"</label>
        <input
            id="email"
            name="email"
            type="email"
            required
            autocomplete=autocomplete
            inputmode="email"
            placeholder="name@example.com"
            prop:value=move || email.get()
            on:input=move |ev| set_email.set(event_target_value(&ev))
        />
    }
}

/// Shown when this browser cannot use passkeys here.
#[component]
fn UnsupportedNotice(supported: ReadSignal<bool>) -> impl IntoView {
    view! {
        <Show when=move || !supported.get()>
            <p class="notice error" role="alert">
                {client::UNSUPPORTED_MESSAGE}
            </p>
        </Show>
    }
}

/// For addresses that lead nowhere.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Title text="Page not found" />
        <section class="card">
            <h1>"Page not found"</h1>
            <p>"There's nothing at this address."</p>
            <a class="button" href="/">
                "Go to the start page"
            </a>
        </section>
    }
}

/// The app a person is brought to once signed in. The server only lets signed-in
/// visitors reach it (others go to sign-in and come back).
#[component]
pub fn HomePage() -> impl IntoView {
    // The server puts the user in the request (see `bmauth::pages`).
    // Only ever rendered on the server: `HomePage` is not an island.
    #[cfg(feature = "ssr")]
    let user = use_context::<http::request::Parts>().and_then(|p| {
        p.extensions
            .get::<crate::SignedInUser>()
            .map(|u| u.0.clone())
    });
    #[cfg(not(feature = "ssr"))]
    let user: Option<crate::api::UserView> = None;
    let admin = user.as_ref().is_some_and(|u| u.admin);
    let email = user.map(|u| u.email).unwrap_or_default();
    view! {
        <Title text="Home" />
        <section class="card">
            <p class="eyebrow">"Signed in"</p>
            <h1>"Welcome"</h1>
            <p class="lead">
                "You're signed in as " <strong data-testid="signed-in-email">{email}</strong> "."
            </p>
            <p>"No password was involved: your device's passkey proved it's you."</p>
            <p>
                <a href="/auth/account">"Your devices, sessions and recent activity"</a>
            </p>
            {admin
                .then(|| {
                    view! {
                        <p>
                            <a href="/auth/admin">"Administration: people and invitations"</a>
                        </p>
                    }
                })}
            <SignOut />
        </section>
    }
}

#[island]
fn SignOut() -> impl IntoView {
    let (message, set_message) = signal(None::<String>);
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            match client::call::<Logout>(&Empty {}).await {
                Ok(_) => client::go_to("/auth/login"),
                Err(failure) => set_message.set(Some(failure_message(&failure))),
            }
        });
    };
    view! {
        <button type="button" class="button secondary" on:click=sign_out>
            "Sign out"
        </button>
        <Status message=message error=true />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            with_query(
                "/auth/verify",
                &[("email", "a+b@x.com"), ("next", "/"), ("skip", "")]
            ),
            "/auth/verify?email=a%2Bb%40x.com&next=%2F"
        );
    }
}
