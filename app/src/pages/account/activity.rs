//! The account's recent security events, in words.

use leptos::prelude::*;

use super::ctx;
use super::words::ago;
use crate::api::{SecurityEventKind, SecurityEventView};

/// An event's kind as the API names it (`signed_in`).
fn kind_name(kind: SecurityEventKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// What an event says, in words.
pub(crate) fn event_words(event: &SecurityEventView) -> String {
    let passkey = event
        .passkey_name
        .as_deref()
        .map(|n| format!(" \u{201c}{n}\u{201d}"))
        .unwrap_or_default();
    match event.kind {
        SecurityEventKind::SignedUp => "Account created".into(),
        SecurityEventKind::SignedIn => "Signed in with a passkey".into(),
        SecurityEventKind::DeviceAdded => {
            format!("Device added{passkey}, approved on a signed-in device")
        }
        SecurityEventKind::DeviceRecovered => {
            format!("Device added{passkey} by recovery through your email")
        }
        SecurityEventKind::PasskeyRenamed => format!("Passkey renamed to{passkey}"),
        SecurityEventKind::PasskeyRemoved => format!("Passkey{passkey} removed"),
        SecurityEventKind::CounterWentBack => {
            format!("Warning: passkey{passkey} may have been copied (its counter went backwards)")
        }
        SecurityEventKind::SessionEnded => "A session was ended".into(),
        SecurityEventKind::OtherSessionsEnded => "Signed out everywhere else".into(),
        SecurityEventKind::DeviceUndone => {
            format!(
                "Device{passkey} removed with the \u{201c}This wasn\u{2019}t me\u{201d} link in the email"
            )
        }
        SecurityEventKind::AccountDisabled => "Account disabled by an administrator".into(),
        SecurityEventKind::AccountEnabled => "Account enabled again by an administrator".into(),
        SecurityEventKind::SessionsEndedByAdmin => {
            "Signed out everywhere by an administrator".into()
        }
        SecurityEventKind::EmailChanged => "Email address changed".into(),
        SecurityEventKind::RecoveryLinkSent => "Recovery link sent by an administrator".into(),
        SecurityEventKind::EmailChangeUndone => {
            "Email address change undone from the old address; signed out everywhere".into()
        }
    }
}

/// The account's security events.
#[component]
pub(super) fn ActivitySection() -> impl IntoView {
    let ctx = ctx();
    let events = move || {
        ctx.account
            .with(|a| a.as_ref().map(|a| a.events.clone()).unwrap_or_default())
    };
    view! {
        <section class="card">
            <h2>"Recent activity"</h2>
            <p class="lead">
                "If something here wasn't you, remove the passkey you don't recognise and sign out everywhere else."
            </p>
            <ul class="items activity">
                {move || {
                    events()
                        .into_iter()
                        .map(|event| {
                            let whence = [
                                Some(ago(ctx.now.get(), event.at)),
                                event.device.clone(),
                                event.ip.clone(),
                            ]
                                .into_iter()
                                .flatten()
                                .collect::<Vec<_>>()
                                .join(" · ");
                            view! {
                                <li
                                    class="item"
                                    data-testid="event"
                                    data-kind=kind_name(event.kind)
                                >
                                    <span>{event_words(&event)}</span>
                                    <span class="meta">{whence}</span>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </section>
    }
}
