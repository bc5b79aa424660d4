//! "This wasn't me" for a change of address (`/auth/email-undo#<token>`), from the
//! mail to the old address: it says what comes back, and puts it back when asked
//! (every session of the account is signed out). No sign-in; the token is in the
//! fragment, and nothing happens until the button is pressed, so a mail scanner
//! opening the link changes nothing.

use leptos::prelude::*;
use leptos_meta::Title;

use super::account::words::day_and_time;
use super::failure_message;
use crate::api::routes::{EmailUndo, EmailUndoDetails};
use crate::api::{EmailUndoDetailsResponse, ErrorCode, UndoRequest};
use crate::client::{self, ApiFailure};

/// Where the old address's "This wasn't me" link leads.
#[component]
pub fn EmailUndoPage() -> impl IntoView {
    view! {
        <Title text="Undo a change of email" />
        <section class="card">
            <EmailUndoFlow />
        </section>
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Loading,
    Ask {
        token: String,
        change: EmailUndoDetailsResponse,
    },
    Done,
    Failed(String),
}

fn undo_failure(failure: &ApiFailure) -> String {
    match failure {
        ApiFailure::Server(e) if e.code == ErrorCode::UndoNotFound => {
            "This link was used already or has expired (they work for 7 days). Sign in on a device you trust, or recover your account by email."
                .into()
        }
        other => failure_message(other),
    }
}

#[cfg_attr(any(feature = "link", not(feature = "hydrate")), island)]
#[cfg_attr(all(feature = "hydrate", not(feature = "link")), component)]
fn EmailUndoFlow() -> impl IntoView {
    let (step, set_step) = signal(Step::Loading);
    let (busy, set_busy) = signal(false);
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| {
        set_hydrated.set(true);
        let (_, token) = client::location_origin_and_fragment();
        client::forget_fragment();
        leptos::task::spawn_local(async move {
            if token.is_empty() {
                return set_step.set(Step::Failed(
                    "This page needs the whole link from the email. Open it from the email again."
                        .into(),
                ));
            }
            let request = UndoRequest {
                token: token.clone(),
            };
            match client::call::<EmailUndoDetails>(&request).await {
                Ok(change) => set_step.set(Step::Ask { token, change }),
                Err(failure) => set_step.set(Step::Failed(undo_failure(&failure))),
            }
        });
    });
    let undo = move |token: String| {
        set_busy.set(true);
        leptos::task::spawn_local(async move {
            let undone = client::call::<EmailUndo>(&UndoRequest { token }).await;
            set_busy.set(false);
            match undone {
                Ok(_) => set_step.set(Step::Done),
                Err(failure) => set_step.set(Step::Failed(undo_failure(&failure))),
            }
        });
    };
    view! {
        <div class="stack" data-hydrated=move || hydrated.get().to_string()>
            {move || match step.get() {
                Step::Loading => view! { <p class="status">"Loading…"</p> }.into_any(),
                Step::Ask { token, change } => {
                    view! {
                        <h1>"Undo the change of email?"</h1>
                        <div class="notice" data-testid="email-undo">
                            <p>
                                {format!(
                                    "On {}, your account's address was changed from {} to {}.",
                                    day_and_time(change.changed_at),
                                    change.old_email,
                                    change.new_email,
                                )}
                            </p>
                        </div>
                        <p class="lead">
                            "If you didn't change it, put it back: the address returns to this one, and wherever the account is signed in is signed out."
                        </p>
                        <div class="actions">
                            <button
                                type="button"
                                class="button danger"
                                disabled=move || busy.get()
                                on:click=move |_| undo(token.clone())
                            >
                                "Put my address back"
                            </button>
                            <a class="button secondary" href="/">
                                "Keep the change"
                            </a>
                        </div>
                    }
                        .into_any()
                }
                Step::Done => {
                    view! {
                        <h1>"Your address is back"</h1>
                        <p class="lead" role="status" data-testid="email-undo-done">
                            "The account uses this address again, and every session of it is signed out. Sign in with your passkey, then look at your devices."
                        </p>
                        <div class="actions">
                            <a class="button" href="/auth/login">
                                "Sign in"
                            </a>
                            <a class="button secondary" href="/auth/recover">
                                "Recover by email"
                            </a>
                        </div>
                    }
                        .into_any()
                }
                Step::Failed(message) => {
                    view! {
                        <h1>"This link can't be used"</h1>
                        <p class="notice error" role="alert">
                            {message}
                        </p>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}
