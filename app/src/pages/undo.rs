//! "This wasn't me" (`/auth/undo#<token>`), from the mail about a new device: it
//! says which device the link removes, and removes it when asked. No sign-in: the
//! person may have no device they trust left. The token is in the fragment (never
//! sent to a server by the browser), and nothing happens until the button is
//! pressed, so a mail scanner opening the link removes nothing.

use leptos::prelude::*;
use leptos_meta::Title;

use super::account::words::day_and_time;
use super::{Status, failure_message};
use crate::api::routes::{Undo, UndoDetails};
use crate::api::{ErrorCode, UndoDetailsResponse, UndoRequest};
use crate::client::{self, ApiFailure};

/// Where the mail's "This wasn't me" link leads.
#[component]
pub fn UndoPage() -> impl IntoView {
    view! {
        <Title text="Remove a device" />
        <section class="card">
            <UndoFlow />
        </section>
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Loading,
    Ask {
        token: String,
        device: UndoDetailsResponse,
    },
    Done,
    Failed(String),
}

fn undo_failure(failure: &ApiFailure) -> String {
    match failure {
        ApiFailure::Server(e) if e.code == ErrorCode::UndoNotFound => {
            "This link was used already or has expired (they work for a day), or that device \
             was removed already. Sign in on a device you trust to look at your devices, or \
             recover your account by email."
                .into()
        }
        other => failure_message(other),
    }
}

// An island where it is rendered and in the `/link` page's bundle (see `link.rs`).
#[cfg_attr(any(feature = "link", not(feature = "hydrate")), island)]
#[cfg_attr(all(feature = "hydrate", not(feature = "link")), component)]
fn UndoFlow() -> impl IntoView {
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
            match client::call::<UndoDetails>(&request).await {
                Ok(device) => set_step.set(Step::Ask { token, device }),
                Err(failure) => set_step.set(Step::Failed(undo_failure(&failure))),
            }
        });
    });
    let remove = move |token: String| {
        set_busy.set(true);
        leptos::task::spawn_local(async move {
            let removed = client::call::<Undo>(&UndoRequest { token }).await;
            set_busy.set(false);
            match removed {
                Ok(_) => set_step.set(Step::Done),
                Err(failure) => set_step.set(Step::Failed(undo_failure(&failure))),
            }
        });
    };
    view! {
        <div class="stack" data-hydrated=move || hydrated.get().to_string()>
            {move || match step.get() {
                Step::Loading => view! { <p class="status">"Loading…"</p> }.into_any(),
                Step::Ask { token, device } => {
                    let what = device.device.clone().unwrap_or_else(|| "A device".into());
                    let from = device
                        .ip
                        .clone()
                        .map(|ip| format!(", from {ip}"))
                        .unwrap_or_default();
                    view! {
                        <h1>"Remove this device from your account?"</h1>
                        <div class="notice" data-testid="undo-device">
                            <p>
                                <strong>{what}</strong>
                            </p>
                            <p>{format!("Added on {}{from}.", day_and_time(device.added_at))}</p>
                        </div>
                        <p class="lead">
                            "If you didn't add it, remove it: it can no longer sign in, and wherever it is signed in is signed out. Nothing else changes."
                        </p>
                        <div class="actions">
                            <button
                                type="button"
                                class="button danger"
                                disabled=move || busy.get()
                                on:click=move |_| remove(token.clone())
                            >
                                "Remove this device"
                            </button>
                            <a class="button secondary" href="/">
                                "Keep it"
                            </a>
                        </div>
                    }
                        .into_any()
                }
                Step::Done => {
                    view! {
                        <h1>"Removed"</h1>
                        <p class="lead" role="status" data-testid="undo-done">
                            "That device can no longer sign in to your account, and its sessions have ended."
                        </p>
                        <p>
                            "Next, from a device you trust, look at your devices and where you're signed in. If you can't sign in, recover your account by email."
                        </p>
                        <div class="actions">
                            <a class="button" href="/auth/account">
                                "Your devices"
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
                        <h1>"That didn't work"</h1>
                        <Status message=Signal::derive(move || Some(message.clone())) error=true />
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
            }}
        </div>
    }
}
