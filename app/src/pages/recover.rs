//! Recovery (`/auth/recover`): the email, a code from it typed here, then this
//! device's own passkey (the step a device approved by QR code takes too). Loads
//! with the `/link` page's bundle, so the sign-in page does not carry it.
//!
//! With a token in the fragment (`/auth/recover#…`), it is the recovery link an
//! administrator mailed: nothing happens until the button is pressed, so a mail
//! scanner opening the link uses nothing up.

use leptos::prelude::*;
use leptos_meta::Title;

use super::link::make_this_devices_passkey;
use super::{EmailField, Status, failure_message, query};
use crate::api::policy::PIN_DIGITS;
use crate::api::routes::{RecoverBegin, RecoverLink, RecoverVerify};
use crate::api::{EmailRequest, ErrorCode, LinkTokenRequest, VerifyEmailRequest};
use crate::client::{self, ApiFailure};

/// Where "Lost my device" leads.
#[component]
pub fn RecoverPage() -> impl IntoView {
    let email = query("email");
    view! {
        <Title text="Lost my device" />
        <section class="card">
            <h1>"Lost your device?"</h1>
            <p class="lead">
                "Get back in with a code sent to your email. This device then gets its own passkey."
            </p>
            <RecoverForm email=email />
            <p class="switch">
                <a href="/auth/login">"Back to sign in"</a>
            </p>
        </section>
    }
}

// An island where it is rendered and in the `/link` page's bundle (see `link.rs`).
#[cfg_attr(any(feature = "link", not(feature = "hydrate")), island)]
#[cfg_attr(all(feature = "hydrate", not(feature = "link")), component)]
fn RecoverForm(email: String) -> impl IntoView {
    let (email, set_email) = signal(email);
    let (pin, set_pin) = signal(String::new());
    let (sent, set_sent) = signal(false);
    let (message, set_message) = signal(None::<String>);
    let (error, set_error) = signal(None::<String>);
    let (hydrated, set_hydrated) = signal(false);
    let (mailed_link, set_mailed_link) = signal(None::<String>);
    Effect::new(move |_| {
        let (_, token) = client::location_origin_and_fragment();
        if !token.is_empty() {
            client::forget_fragment();
            set_mailed_link.set(Some(token));
        }
        set_hydrated.set(true);
    });

    let ask = Action::new_local(move |_: &()| {
        let body = EmailRequest {
            email: email.get_untracked().trim().to_string(),
        };
        async move {
            set_error.set(None);
            match client::call::<RecoverBegin>(&body).await {
                Ok(answer) => {
                    set_message.set(Some(answer.message));
                    set_sent.set(true);
                }
                Err(failure) => set_error.set(Some(failure_message(&failure))),
            }
        }
    });
    let recover = Action::new_local(move |code: &String| {
        let body = VerifyEmailRequest {
            email: email.get_untracked().trim().to_string(),
            pin: code.clone(),
        };
        async move {
            set_error.set(None);
            let token = match client::call::<RecoverVerify>(&body).await {
                Ok(answer) => answer.token,
                Err(ApiFailure::Server(e)) => {
                    set_pin.set(String::new());
                    return set_error.set(Some(match e.code {
                        ErrorCode::NoPendingPin => "No recovery code is waiting in this browser. \
                            Send yourself one from this page, on this device."
                            .into(),
                        _ => super::verify::code_message(&e),
                    }));
                }
                Err(failure) => return set_error.set(Some(failure_message(&failure))),
            };
            set_message.set(Some(
                "Code accepted. Confirm with your fingerprint, face or screen lock to make this device's passkey…"
                    .into(),
            ));
            match make_this_devices_passkey(token).await {
                // Next: remove the devices that were lost; then on to where the
                // person was going.
                Ok(()) => {
                    let next = client::next_page();
                    let next = if next == "/" { "" } else { next.as_str() };
                    client::go_to(&super::with_query(
                        "/auth/account",
                        &[("recovered", "1"), ("next", next)],
                    ))
                }
                Err(problem) => set_error.set(Some(problem)),
            }
        }
    });
    let open_link = Action::new_local(move |_: &()| async move {
        set_error.set(None);
        let request = LinkTokenRequest {
            token: mailed_link.get_untracked().unwrap_or_default(),
        };
        let token = match client::call::<RecoverLink>(&request).await {
            Ok(answer) => answer.token,
            Err(ApiFailure::Server(e))
                if matches!(e.code, ErrorCode::LinkNotFound | ErrorCode::LinkExpired) =>
            {
                return set_error.set(Some(
                    "This link was used already, has expired (they work for 24 hours) or \
                     was replaced by a newer one. Ask your administrator for a new one, or \
                     send yourself a code from this page."
                        .into(),
                ));
            }
            Err(failure) => return set_error.set(Some(failure_message(&failure))),
        };
        match make_this_devices_passkey(token).await {
            Ok(()) => client::go_to("/auth/account?recovered=1"),
            Err(problem) => set_error.set(Some(problem)),
        }
    });
    let busy = Signal::derive(move || {
        ask.pending().get() || recover.pending().get() || open_link.pending().get()
    });
    let on_code = move |ev| {
        let digits: String = event_target_value(&ev)
            .chars()
            .filter(char::is_ascii_digit)
            .take(PIN_DIGITS)
            .collect();
        set_pin.set(digits.clone());
        if digits.len() == PIN_DIGITS && !busy.get_untracked() {
            recover.dispatch_local(digits);
        }
    };

    view! {
        <Show when=move || mailed_link.with(Option::is_some)>
            <div class="stack" data-testid="recovery-link">
                <p class="notice">
                    "Your administrator sent you this link. Make a passkey on this device and you\u{2019}re back in. Use it only on a device of your own."
                </p>
                <button
                    type="button"
                    class="button"
                    disabled=move || busy.get()
                    on:click=move |_| {
                        open_link.dispatch_local(());
                    }
                >
                    "Make this device\u{2019}s passkey"
                </button>
                <Status message=error error=true />
                <p class="switch">
                    <button type="button" class="link" on:click=move |_| set_mailed_link.set(None)>
                        "Use a code from my email instead"
                    </button>
                </p>
            </div>
        </Show>
        <form
            class="stack"
            hidden=move || mailed_link.with(Option::is_some)
            data-hydrated=move || hydrated.get().to_string()
            on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                ask.dispatch_local(());
            }
        >
            <EmailField email=email set_email=set_email autocomplete="username" />
            <button
                type="submit"
                class="button"
                class:secondary=move || sent.get()
                disabled=move || busy.get()
            >
                {move || if sent.get() { "Send a new code" } else { "Send me a code" }}
            </button>
            <Show when=move || sent.get()>
                <label for="recovery-code">"6-digit code from the email"</label>
                <input
                    id="recovery-code"
                    name="code"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    maxlength="12"
                    prop:value=move || pin.get()
                    on:input=on_code
                />
            </Show>
            <Status message=message />
            <Status message=error error=true />
        </form>
    }
}
