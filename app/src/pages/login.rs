//! Sign-in: email, then the device's biometric. Passkey autofill is offered in the
//! email field for people who'd rather not type.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{EmailField, Status, UnsupportedNotice, failure_message, query, safe_next, with_query};
use crate::api::routes::{AutofillBegin, AutofillComplete, LoginBegin, LoginComplete};
use crate::api::{
    AutofillRequest, CredentialRequest, EmailRequest, Empty, ErrorCode, UserResponse,
};
use crate::client::{self, Abort, ApiFailure, PasskeyFailure};

#[component]
pub fn LoginPage() -> impl IntoView {
    let next = safe_next(Some(&query("next")));
    let email = query("email");
    view! {
        <Title text="Sign in"/>
        <section class="card">
            <h1>"Sign in"</h1>
            <p class="lead">"With your fingerprint, face or screen lock. No password."</p>
            <LoginForm next=next.clone() email=email/>
            <p class="switch">"New here? " <a href=with_query("/auth/register", &[("next", &next)])>"Create an account"</a></p>
        </section>
    }
}

/// Where a sign-in stands, as the person sees it.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Idle,
    /// Waiting for the biometric.
    Waiting,
    /// No passkey of this account was used on this device.
    NoPasskeyHere,
    /// A real passkey, but the email was never confirmed.
    NotVerified,
    Failed(String),
}

#[island]
fn LoginForm(next: String, email: String) -> impl IntoView {
    let (email, set_email) = signal(email);
    let (step, set_step) = signal(Step::Idle);
    let (supported, set_supported) = signal(true);
    let (hydrated, set_hydrated) = signal(false);
    let autofill = StoredValue::new_local(None::<Abort>);
    let next = StoredValue::new(next);

    let finish = move |signed: Result<UserResponse, ApiFailure>| match signed {
        Ok(_) => client::go_to(&next.get_value()),
        Err(ApiFailure::Server(e)) if e.code == ErrorCode::EmailNotVerified => {
            set_step.set(Step::NotVerified)
        }
        Err(failure) => set_step.set(Step::Failed(failure_message(&failure))),
    };

    // Passkey autofill: offered as soon as the page is interactive.
    Effect::new(move |_| {
        set_hydrated.set(true);
        if !client::passkeys_supported() {
            set_supported.set(false);
            return;
        }
        leptos::task::spawn_local(async move {
            if !client::autofill_available().await {
                return;
            }
            let Ok(options) = client::call::<AutofillBegin>(&Empty {}).await else {
                return;
            };
            let abort = Abort::new();
            autofill.set_value(abort.clone());
            // Resolves only when the person picks a passkey from the autofill list.
            if let Ok(credential) = client::get_passkey(&options, abort.as_ref()).await {
                set_step.set(Step::Waiting);
                let signed =
                    client::call::<AutofillComplete>(&AutofillRequest { credential }).await;
                finish(signed);
            }
        });
    });

    let sign_in = move || {
        let email = email.get_untracked().trim().to_string();
        if let Some(abort) = autofill.get_value() {
            abort.abort(); // one passkey request at a time
        }
        set_step.set(Step::Waiting);
        leptos::task::spawn_local(async move {
            let request = EmailRequest {
                email: email.clone(),
            };
            let options = match client::call::<LoginBegin>(&request).await {
                Ok(options) => options,
                Err(failure) => return set_step.set(Step::Failed(failure_message(&failure))),
            };
            match client::get_passkey(&options, None).await {
                Ok(credential) => {
                    let body = CredentialRequest { email, credential };
                    finish(client::call::<LoginComplete>(&body).await);
                }
                Err(PasskeyFailure::NotAllowed) => set_step.set(Step::NoPasskeyHere),
                Err(failure) => set_step.set(Step::Failed(
                    client::passkey_failure_message(&failure).into(),
                )),
            }
        });
    };

    let message = Signal::derive(move || match step.get() {
        Step::Waiting => Some("Confirm with your fingerprint, face or screen lock…".to_string()),
        _ => None,
    });
    let error = Signal::derive(move || match step.get() {
        Step::Failed(message) => Some(message),
        _ => None,
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        sign_in();
    };

    view! {
        <form class="stack" on:submit=on_submit data-hydrated=move || hydrated.get().to_string()>
            <UnsupportedNotice supported=supported/>
            // `webauthn` in autocomplete: the browser offers passkeys here (autofill).
            <EmailField email=email set_email=set_email autocomplete="username webauthn"/>
            <button type="submit" class="button" disabled=move || { step.get() == Step::Waiting }>
                "Sign in with passkey"
            </button>
            <Status message=message/>
            <Status message=error error=true/>
            <Show when=move || step.get() == Step::NoPasskeyHere>
                <div class="notice" role="alert" data-testid="no-passkey">
                    <h2>"No passkey for this account was used on this device"</h2>
                    <p>"If you cancelled, try again. If this device has no passkey for "
                        <strong>{move || email.get()}</strong>", sign in another way:"</p>
                    <div class="actions">
                        <button type="button" class="button" on:click=move |_| sign_in()>"Try again"</button>
                        <a class="button secondary" href=move || with_query("/link", &[("email", &email.get())])>
                            "Sign in with another device"
                        </a>
                        <a class="button secondary" href=move || with_query("/auth/recover", &[("email", &email.get())])>
                            "Lost my device"
                        </a>
                    </div>
                </div>
            </Show>
            <Show when=move || step.get() == Step::NotVerified>
                <div class="notice" role="alert" data-testid="not-verified">
                    <h2>"Confirm your email first"</h2>
                    <p>"Enter the 6-digit code we emailed you when you signed up, or get a new one."</p>
                    <a class="button" href=move || with_query("/auth/verify", &[("email", &email.get()), ("next", &next.get_value())])>
                        "Enter the code"
                    </a>
                </div>
            </Show>
        </form>
    }
}
