//! Sign-up: email, then the device makes a passkey; next, the emailed PIN.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{EmailField, Status, UnsupportedNotice, failure_message, query, safe_next, with_query};
use crate::SignUpRule;
use crate::api::routes::{RegisterBegin, RegisterComplete};
use crate::api::{CredentialRequest, ErrorCode, SignUpRequest};
use crate::client::{self, ApiFailure, PasskeyFailure};

/// Sign-up (`/auth/register`): email, then the device makes a passkey.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let next = safe_next(Some(&query("next")));
    let invitation = Some(query("invitation")).filter(|t| !t.is_empty());
    let rule = crate::page_settings().sign_up;
    // By invitation, and none in the link: say so, and offer no form that could
    // only be refused.
    let form = match (rule, &invitation) {
        (SignUpRule::Invitation, None) => view! {
            <div class="notice" role="status">
                <p>
                    <strong>"Sign-up here is by invitation."</strong>
                    " Open the link in the invitation you were sent, or ask the people who run this site for one."
                </p>
            </div>
        }
            .into_any(),
        _ => view! {
            {(rule == SignUpRule::Domains && invitation.is_none())
                .then(|| {
                    view! {
                        <p class="hint">
                            "Sign-up here is open to addresses at some email domains; others need an invitation."
                        </p>
                    }
                })}
            <RegisterForm next=next.clone() invitation=invitation.clone() email=query("email") />
        }
            .into_any(),
    };
    view! {
        <Title text="Create your account" />
        <section class="card">
            <h1>"Create your account"</h1>
            <p class="lead">
                "Your device keeps a passkey, unlocked by your fingerprint, face or screen lock. Nothing to remember."
            </p>
            {form}
            <p class="switch">
                "Have an account? "
                <a href=with_query("/auth/login", &[("next", &next)])>"Sign in"</a>
            </p>
        </section>
    }
}

/// Why a sign-up did not move on to the code page.
#[derive(Debug, Clone, PartialEq)]
enum Refused {
    EmailTaken,
    Failed(String),
}

/// Sign-up up to the code page: options, the device's passkey, stored.
async fn sign_up(email: String, invitation: Option<String>, next: String) -> Result<(), Refused> {
    let verify = with_query("/auth/verify", &[("email", &email), ("next", &next)]);
    let request = SignUpRequest {
        email: email.clone(),
        invitation,
    };
    let options = match client::call::<RegisterBegin>(&request).await {
        Ok(options) => options,
        Err(ApiFailure::Server(e)) if e.code == ErrorCode::EmailTaken => {
            return Err(Refused::EmailTaken);
        }
        Err(failure) => return Err(Refused::Failed(failure_message(&failure))),
    };
    let credential = client::create_passkey(&options)
        .await
        .map_err(|failure| {
            Refused::Failed(match failure {
                PasskeyFailure::NotAllowed => {
                    "No passkey was made: the request was cancelled, timed out, or your device didn't confirm it's you. Try again.".to_string()
                }
                other => client::passkey_failure_message(&other).to_string(),
            })
        })?;
    let body = CredentialRequest { email, credential };
    match client::call::<RegisterComplete>(&body).await {
        Ok(_) => client::go_to(&verify),
        // The sign-up is stored; the code will follow (or can be resent) on the next page.
        Err(ApiFailure::Server(e)) if e.code == ErrorCode::MailNotSent => client::go_to(&verify),
        Err(ApiFailure::Server(e)) if e.code == ErrorCode::EmailTaken => {
            return Err(Refused::EmailTaken);
        }
        Err(failure) => return Err(Refused::Failed(failure_message(&failure))),
    }
    Ok(())
}

#[island]
fn RegisterForm(next: String, invitation: Option<String>, email: String) -> impl IntoView {
    let (email, set_email) = signal(email);
    let invitation = StoredValue::new(invitation);
    let (supported, set_supported) = signal(true);
    let (hydrated, set_hydrated) = signal(false);
    let next = StoredValue::new(next);
    Effect::new(move |_| {
        set_hydrated.set(true);
        set_supported.set(client::passkeys_supported());
    });

    let register = Action::new_local(move |email: &String| {
        sign_up(email.clone(), invitation.get_value(), next.get_value())
    });
    let waiting = register.pending();
    // What the last attempt said, hidden while the next one runs.
    let refused = move || {
        (!waiting.get())
            .then(|| register.value().get())
            .flatten()
            .and_then(Result::err)
    };
    let error = Signal::derive(move || match refused() {
        Some(Refused::Failed(message)) => Some(message),
        _ => None,
    });
    let email_taken = move || refused() == Some(Refused::EmailTaken);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        register.dispatch_local(email.get_untracked().trim().to_string());
    };
    let progress = Signal::derive(move || {
        waiting
            .get()
            .then(|| "Follow your device's prompt to create a passkey…".to_string())
    });

    view! {
        <form class="stack" on:submit=on_submit data-hydrated=move || hydrated.get().to_string()>
            <UnsupportedNotice supported=supported />
            <EmailField email=email set_email=set_email autocomplete="username" />
            <button type="submit" class="button" disabled=move || waiting.get()>
                "Create account with passkey"
            </button>
            <Status message=progress />
            <Status message=error error=true />
            <Show when=email_taken>
                <div class="notice" role="alert">
                    <p>"An account with this email already exists."</p>
                    <a
                        class="button"
                        href=move || with_query(
                            "/auth/login",
                            &[("email", &email.get()), ("next", &next.get_value())],
                        )
                    >
                        "Sign in instead"
                    </a>
                </div>
            </Show>
        </form>
    }
}
