//! The emailed PIN: one field, digits only, sent on the 6th digit.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{Status, failure_message, query, safe_next, server_message};
use crate::api::policy::{PIN_DIGITS, PIN_RESEND_AFTER_SECS, PIN_TTL_SECS};
use crate::api::routes::{ResendPin, VerifyEmail};
use crate::api::{EmailRequest, ErrorCode, VerifyEmailRequest};
use crate::client::{self, ApiFailure};

/// The email code (`/auth/verify?email=…`): confirms the address and signs in.
#[component]
pub fn VerifyPage() -> impl IntoView {
    let email = query("email");
    let next = safe_next(Some(&query("next")));
    view! {
        <Title text="Confirm your email" />
        <section class="card">
            <h1>"Check your email"</h1>
            <p class="lead">"We sent a 6-digit code to " <strong>{email.clone()}</strong>"."</p>
            <VerifyForm email=email next=next />
            <p class="switch">
                <a href="/auth/register">"Use a different email"</a>
            </p>
        </section>
    }
}

/// What the person is told when a code is refused.
pub(super) fn code_message(e: &crate::api::ErrorDetail) -> String {
    match e.code {
        ErrorCode::PinIncorrect => match e.attempts_left {
            Some(1) => "That code isn't right. 1 try left.".to_string(),
            Some(n) => format!("That code isn't right. {n} tries left."),
            None => "That code isn't right.".to_string(),
        },
        ErrorCode::PinExpired => "That code has expired. Send yourself a new one.".into(),
        ErrorCode::PinLocked => "Too many wrong tries. Send yourself a new code.".into(),
        ErrorCode::NoPendingPin => "No code is waiting in this browser. Enter the code on the device where you signed up, or sign up again here.".into(),
        ErrorCode::AttemptsExhausted => {
            "Too many wrong codes for this sign-up. Please sign up again.".into()
        }
        _ => server_message(e),
    }
}

#[island]
fn VerifyForm(email: String, next: String) -> impl IntoView {
    let (pin, set_pin) = signal(String::new());
    let (error, set_error) = signal(None::<String>);
    let (info, set_info) = signal(None::<String>);
    let (wait, set_wait) = signal(PIN_RESEND_AFTER_SECS);
    let (hydrated, set_hydrated) = signal(false);
    let email = StoredValue::new(email);
    let next = StoredValue::new(next);

    // The resend countdown.
    Effect::new(move |_| {
        set_hydrated.set(true);
        let _ = set_interval_with_handle(
            move || {
                if wait.get_untracked() > 0 {
                    set_wait.update(|w| *w -= 1);
                }
            },
            std::time::Duration::from_secs(1),
        );
    });

    // Confirming a code: one at a time, and the button waits with it.
    let confirm = Action::new_local(move |code: &String| {
        let body = VerifyEmailRequest {
            email: email.get_value(),
            pin: code.clone(),
        };
        async move {
            match client::call::<VerifyEmail>(&body).await {
                Ok(_) => return client::go_to(&next.get_value()),
                Err(ApiFailure::Server(e)) => set_error.set(Some(code_message(&e))),
                Err(failure) => set_error.set(Some(failure_message(&failure))),
            }
            set_pin.set(String::new());
        }
    });
    let busy = confirm.pending();
    let submit = move || {
        let code = pin.get_untracked();
        if code.len() != PIN_DIGITS || busy.get_untracked() {
            return;
        }
        set_error.set(None);
        set_info.set(None);
        confirm.dispatch_local(code);
    };

    let resend = move |_| {
        set_error.set(None);
        leptos::task::spawn_local(async move {
            let body = EmailRequest {
                email: email.get_value(),
            };
            match client::call::<ResendPin>(&body).await {
                Ok(_) => {
                    set_wait.set(PIN_RESEND_AFTER_SECS);
                    set_info.set(Some(
                        "A new code is on its way. The old one no longer works.".into(),
                    ));
                }
                Err(ApiFailure::Server(e)) if e.code == ErrorCode::ResendTooSoon => {
                    set_wait.set(e.retry_after.unwrap_or(PIN_RESEND_AFTER_SECS));
                }
                Err(ApiFailure::Server(e)) if e.code == ErrorCode::AttemptsExhausted => {
                    set_error.set(Some(code_message(&e)));
                }
                Err(failure) => set_error.set(Some(failure_message(&failure))),
            }
        });
    };

    let on_input = move |ev| {
        // Digits only (pasting "123 456" works), and the 6th digit sends it.
        let digits: String = event_target_value(&ev)
            .chars()
            .filter(char::is_ascii_digit)
            .take(PIN_DIGITS)
            .collect();
        set_pin.set(digits);
        submit();
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit();
    };

    view! {
        <form class="stack" on:submit=on_submit data-hydrated=move || hydrated.get().to_string()>
            <label for="pin">"6-digit code"</label>
            <input
                id="pin"
                name="pin"
                class="pin"
                type="text"
                inputmode="numeric"
                autocomplete="one-time-code"
                pattern="[0-9]{6}"
                maxlength="12"
                required
                prop:value=move || pin.get()
                on:input=on_input
            />
            <button type="submit" class="button" disabled=move || busy.get()>
                "Confirm"
            </button>
            <Status message=info />
            <Status message=error error=true />
            <p class="resend">
                <button
                    type="button"
                    class="link"
                    on:click=resend
                    disabled=move || { wait.get() > 0 }
                    data-testid="resend"
                >
                    {move || match wait.get() {
                        0 => "Send a new code".to_string(),
                        n => format!("Send a new code in {n} s"),
                    }}
                </button>
            </p>
            <p class="hint">
                {format!(
                    "Didn't get it? Check your spam folder. Codes work for {} minutes.",
                    PIN_TTL_SECS / 60,
                )}
            </p>
        </form>
    }
}
