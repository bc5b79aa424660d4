//! Sign-up: email, then the device makes a passkey; next, the emailed PIN.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{EmailField, Status, UnsupportedNotice, failure_message, query, safe_next, with_query};
use crate::api::routes::{RegisterBegin, RegisterComplete};
use crate::api::{CredentialRequest, EmailRequest, ErrorCode};
use crate::client::{self, ApiFailure, PasskeyFailure};

#[component]
pub fn RegisterPage() -> impl IntoView {
    let next = safe_next(Some(&query("next")));
    view! {
        <Title text="Create your account"/>
        <section class="card">
            <h1>"Create your account"</h1>
            <p class="lead">"Your device keeps a passkey, unlocked by your fingerprint, face or screen lock. Nothing to remember."</p>
            <RegisterForm next=next.clone()/>
            <p class="switch">"Have an account? " <a href=with_query("/auth/login", &[("next", &next)])>"Sign in"</a></p>
        </section>
    }
}

#[island]
fn RegisterForm(next: String) -> impl IntoView {
    let (email, set_email) = signal(String::new());
    let (waiting, set_waiting) = signal(false);
    let (error, set_error) = signal(None::<String>);
    let (email_taken, set_email_taken) = signal(false);
    let (supported, set_supported) = signal(true);
    let (hydrated, set_hydrated) = signal(false);
    let next = StoredValue::new(next);
    Effect::new(move |_| {
        set_hydrated.set(true);
        set_supported.set(client::passkeys_supported());
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let email = email.get_untracked().trim().to_string();
        set_error.set(None);
        set_email_taken.set(false);
        set_waiting.set(true);
        leptos::task::spawn_local(async move {
            let verify = with_query(
                "/auth/verify",
                &[("email", &email), ("next", &next.get_value())],
            );
            let request = EmailRequest {
                email: email.clone(),
            };
            let options = match client::call::<RegisterBegin>(&request).await {
                Ok(options) => options,
                Err(ApiFailure::Server(e)) if e.code == ErrorCode::EmailTaken => {
                    set_waiting.set(false);
                    return set_email_taken.set(true);
                }
                Err(failure) => {
                    set_waiting.set(false);
                    return set_error.set(Some(failure_message(&failure)));
                }
            };
            let credential = match client::create_passkey(&options).await {
                Ok(credential) => credential,
                Err(failure) => {
                    set_waiting.set(false);
                    let message = match failure {
                        PasskeyFailure::NotAllowed => {
                            "No passkey was made: the request was cancelled, timed out, or your device didn't confirm it's you. Try again.".to_string()
                        }
                        other => client::passkey_failure_message(&other).to_string(),
                    };
                    return set_error.set(Some(message));
                }
            };
            let body = CredentialRequest { email, credential };
            match client::call::<RegisterComplete>(&body).await {
                Ok(_) => client::go_to(&verify),
                // The account exists; the code will follow (or can be resent) on the next page.
                Err(ApiFailure::Server(e)) if e.code == ErrorCode::MailNotSent => {
                    client::go_to(&verify)
                }
                Err(ApiFailure::Server(e)) if e.code == ErrorCode::EmailTaken => {
                    set_waiting.set(false);
                    set_email_taken.set(true);
                }
                Err(failure) => {
                    set_waiting.set(false);
                    set_error.set(Some(failure_message(&failure)));
                }
            }
        });
    };
    let progress = Signal::derive(move || {
        waiting
            .get()
            .then(|| "Follow your device's prompt to create a passkey…".to_string())
    });

    view! {
        <form class="stack" on:submit=on_submit data-hydrated=move || hydrated.get().to_string()>
            <UnsupportedNotice supported=supported/>
            <EmailField email=email set_email=set_email autocomplete="username"/>
            <button type="submit" class="button" disabled=move || waiting.get()>"Create account with passkey"</button>
            <Status message=progress/>
            <Status message=error error=true/>
            <Show when=move || email_taken.get()>
                <div class="notice" role="alert">
                    <p>"An account with this email already exists."</p>
                    <a class="button" href=move || with_query("/auth/login", &[("email", &email.get()), ("next", &next.get_value())])>"Sign in instead"</a>
                </div>
            </Show>
        </form>
    }
}
