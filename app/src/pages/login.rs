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

/// Sign-in (`/auth/login`): email, then the passkey; `?next=` is where to go after.
#[component]
pub fn LoginPage() -> impl IntoView {
    let next = safe_next(Some(&query("next")));
    let email = query("email");
    // An app asked for the passkey again (`prompt=login`, `max_age`), though a
    // session is open: say so, rather than look signed out.
    let again = query("again") == "1";
    let deleted = query("deleted") == "1";
    let (title, lead) = if again {
        (
            "Confirm it's you",
            "The app you are signing in to asks you to use your passkey again.",
        )
    } else {
        (
            "Sign in",
            "With your fingerprint, face or screen lock. No password.",
        )
    };
    view! {
        <Title text=title />
        <section class="card">
            <h1>{title}</h1>
            <p class="lead">{lead}</p>
            {deleted
                .then(|| {
                    view! {
                        <p class="notice" role="status">
                            "Your account is deleted, with everything of it. You can sign up again at any time."
                        </p>
                    }
                })}
            <LoginForm next=next.clone() email=email />
            <p class="switch">
                "New here? "
                <a href=with_query("/auth/register", &[("next", &next)])>"Create an account"</a>
            </p>
        </section>
    }
}

/// Why a sign-in did not go through, as the person is told.
#[derive(Debug, Clone, PartialEq)]
enum Refused {
    /// No passkey of this account was used on this device.
    NoPasskeyHere,
    /// A real passkey, but the email was never confirmed.
    NotVerified,
    Failed(String),
}

/// One sign-in: with the email typed, or with a passkey picked from autofill.
#[derive(Debug, Clone)]
enum Attempt {
    Typed(String),
    /// The passkey picked, and the RP id its options named.
    Picked(serde_json::Value, String),
}

/// Runs a sign-in to its end: the session cookie is set, or it is refused.
async fn sign_in(attempt: Attempt) -> Result<UserResponse, Refused> {
    let signed = match attempt {
        Attempt::Picked(credential, rp_id) => {
            let id = credential["id"].clone();
            let signed = client::call::<AutofillComplete>(&AutofillRequest { credential }).await;
            if matches!(&signed, Err(ApiFailure::Server(e)) if e.code == ErrorCode::CredentialNotAllowed)
            {
                // A passkey this site no longer knows (removed, or its account
                // deleted): the passkey manager may stop offering it.
                client::signal_passkey_manager(
                    "signalUnknownCredential",
                    &serde_json::json!({ "rpId": rp_id, "credentialId": id }),
                )
                .await;
            }
            signed
        }
        Attempt::Typed(email) => {
            let request = EmailRequest {
                email: email.clone(),
            };
            let options = client::call::<LoginBegin>(&request)
                .await
                .map_err(|failure| Refused::Failed(failure_message(&failure)))?;
            let credential = match client::get_passkey(&options, None).await {
                Ok(credential) => credential,
                Err(PasskeyFailure::NotAllowed) => return Err(Refused::NoPasskeyHere),
                Err(failure) => {
                    return Err(Refused::Failed(
                        client::passkey_failure_message(&failure).into(),
                    ));
                }
            };
            client::call::<LoginComplete>(&CredentialRequest { email, credential }).await
        }
    };
    signed.map_err(|failure| match failure {
        ApiFailure::Server(e) if e.code == ErrorCode::EmailNotVerified => Refused::NotVerified,
        failure => Refused::Failed(failure_message(&failure)),
    })
}

#[island]
fn LoginForm(next: String, email: String) -> impl IntoView {
    let (email, set_email) = signal(email);
    let (supported, set_supported) = signal(true);
    let (hydrated, set_hydrated) = signal(false);
    let autofill = StoredValue::new_local(None::<Abort>);
    let next = StoredValue::new(next);

    let attempt = Action::new_local(|attempt: &Attempt| sign_in(attempt.clone()));
    let waiting = attempt.pending();
    Effect::new(move |_| {
        if let Some(Ok(_)) = attempt.value().get() {
            client::go_to(&next.get_value());
        }
    });
    // What the last attempt said, hidden while the next one runs.
    let refused = move || {
        (!waiting.get())
            .then(|| attempt.value().get())
            .flatten()
            .and_then(Result::err)
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
            let rp_id = options["publicKey"]["rpId"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if let Ok(credential) = client::get_passkey(&options, abort.as_ref()).await {
                attempt.dispatch_local(Attempt::Picked(credential, rp_id));
            }
        });
    });

    let sign_in_typed = move || {
        if let Some(abort) = autofill.get_value() {
            abort.abort(); // one passkey request at a time
        }
        attempt.dispatch_local(Attempt::Typed(email.get_untracked().trim().to_string()));
    };
    let message = Signal::derive(move || {
        waiting
            .get()
            .then(|| "Confirm with your fingerprint, face or screen lock…".to_string())
    });
    let error = Signal::derive(move || match refused() {
        Some(Refused::Failed(message)) => Some(message),
        _ => None,
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        sign_in_typed();
    };

    view! {
        <form class="stack" on:submit=on_submit data-hydrated=move || hydrated.get().to_string()>
            <UnsupportedNotice supported=supported />
            // `webauthn` in autocomplete: the browser offers passkeys here (autofill).
            <EmailField email=email set_email=set_email autocomplete="username webauthn" />
            <button type="submit" class="button" disabled=move || waiting.get()>
                "Sign in with passkey"
            </button>
            <Status message=message />
            <Status message=error error=true />
            <Show when=move || refused() == Some(Refused::NoPasskeyHere)>
                <div class="notice" role="alert" data-testid="no-passkey">
                    <h2>"No passkey for this account was used on this device"</h2>
                    <p>
                        "If you cancelled, try again. If this device has no passkey for "
                        <strong>{move || email.get()}</strong>", sign in another way:"
                    </p>
                    <div class="actions">
                        <button type="button" class="button" on:click=move |_| sign_in_typed()>
                            "Try again"
                        </button>
                        <a
                            class="button secondary"
                            href=move || {
                                with_query(
                                    "/link",
                                    &[("email", &email.get()), ("next", &next.get_value())],
                                )
                            }
                        >
                            "Sign in with another device"
                        </a>
                        <a
                            class="button secondary"
                            href=move || {
                                with_query(
                                    "/auth/recover",
                                    &[("email", &email.get()), ("next", &next.get_value())],
                                )
                            }
                        >
                            "Lost my device"
                        </a>
                    </div>
                </div>
            </Show>
            <Show when=move || refused() == Some(Refused::NotVerified)>
                <div class="notice" role="alert" data-testid="not-verified">
                    <h2>"Confirm your email first"</h2>
                    <p>
                        "Enter the 6-digit code we emailed you when you signed up, or get a new one."
                    </p>
                    <a
                        class="button"
                        href=move || with_query(
                            "/auth/verify",
                            &[("email", &email.get()), ("next", &next.get_value())],
                        )
                    >
                        "Enter the code"
                    </a>
                </div>
            </Show>
        </form>
    }
}
