//! "Email address": the account's address, and changing it (a fresh passkey, then
//! the code mailed to the new address). Afterwards the browser's passkey manager
//! is told the new name, where it can be (`signalCurrentUserDetails`).

use leptos::prelude::*;

use super::{account_failure, confirm_its_you, ctx};
use crate::api::routes::{EmailChangeBegin, EmailChangeConfirm};
use crate::api::{EmailCodeRequest, EmailRequest, ErrorCode};
use crate::client::{self, ApiFailure};

/// Asks for a code at `email`, confirming it's the owner first if the server
/// wants a fresh passkey.
async fn ask_for_code(email: String) -> Result<(), String> {
    let request = EmailRequest { email };
    let answer = match client::call::<EmailChangeBegin>(&request).await {
        Err(ApiFailure::Server(e)) if e.code == ErrorCode::ReauthenticationRequired => {
            confirm_its_you().await?;
            client::call::<EmailChangeBegin>(&request).await
        }
        other => other,
    };
    answer.map(|_| ()).map_err(|f| match f {
        ApiFailure::Server(e) if e.code == ErrorCode::EmailTaken => {
            "That address is taken: another account has it, or it is yours already.".into()
        }
        other => account_failure(&other),
    })
}

async fn confirm(pin: String) -> Result<String, String> {
    let changed = client::call::<EmailChangeConfirm>(&EmailCodeRequest { pin })
        .await
        .map_err(|f| account_failure(&f))?;
    client::signal_passkey_manager(
        "signalCurrentUserDetails",
        &serde_json::json!({
            "rpId": changed.rp_id,
            "userId": changed.user_id,
            "name": changed.email,
            "displayName": changed.email,
        }),
    )
    .await;
    Ok(changed.email)
}

#[component]
pub(super) fn EmailSection() -> impl IntoView {
    let ctx = ctx();
    let (new_email, set_new_email) = signal(String::new());
    let (pin, set_pin) = signal(String::new());
    let (sent_to, set_sent_to) = signal(None::<String>);
    let ask = Action::new_local(move |email: &String| {
        let email = email.clone();
        async move {
            match ask_for_code(email.clone()).await {
                Ok(()) => {
                    ctx.say(format!("We sent a code to {email}: type it below."));
                    set_sent_to.set(Some(email));
                }
                Err(text) => ctx.fail(text),
            }
        }
    });
    let finish = Action::new_local(move |pin: &String| {
        let pin = pin.clone();
        async move {
            match confirm(pin).await {
                Ok(email) => {
                    ctx.say(format!(
                        "Your address is now {email}. The old one was told, with a way to undo it."
                    ));
                    set_sent_to.set(None);
                    set_new_email.set(String::new());
                    set_pin.set(String::new());
                    ctx.reload.dispatch_local(());
                }
                Err(text) => ctx.fail(text),
            }
        }
    });
    let current = move || {
        let email = ctx.account.with(|a| a.as_ref().map(|a| a.email.clone()))?;
        Some(format!("Mail about your account goes to {email}."))
    };
    view! {
        <section class="card" aria-labelledby="email-heading">
            <h2 id="email-heading">"Email address"</h2>
            <p data-testid="current-email">{current}</p>
            <Show
                when=move || sent_to.get().is_some()
                fallback=move || {
                    view! {
                        <form
                            class="stack"
                            on:submit=move |ev: leptos::ev::SubmitEvent| {
                                ev.prevent_default();
                                ask.dispatch_local(new_email.get_untracked().trim().to_string());
                            }
                        >
                            <label for="new-email">"New email address"</label>
                            <input
                                id="new-email"
                                type="email"
                                required
                                autocomplete="email"
                                prop:value=move || new_email.get()
                                on:input=move |ev| set_new_email.set(event_target_value(&ev))
                            />
                            <button
                                type="submit"
                                class="button secondary"
                                disabled=move || ask.pending().get()
                            >
                                "Change email"
                            </button>
                        </form>
                    }
                }
            >
                <form
                    class="stack"
                    on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        finish.dispatch_local(pin.get_untracked().trim().to_string());
                    }
                >
                    <label for="email-code">"Code from the new address"</label>
                    <input
                        id="email-code"
                        inputmode="numeric"
                        autocomplete="one-time-code"
                        maxlength="6"
                        required
                        prop:value=move || pin.get()
                        on:input=move |ev| set_pin.set(event_target_value(&ev))
                    />
                    <button type="submit" class="button" disabled=move || finish.pending().get()>
                        "Confirm the new address"
                    </button>
                </form>
            </Show>
        </section>
    }
}
