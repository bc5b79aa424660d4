//! `/auth/admin/person?email=…`: one person (passkeys, sessions, activity) and what
//! an administrator can do: sign them out everywhere, disable or enable them, make
//! them an administrator or not, mail them a recovery link, delete them (after
//! saying what that means).

use leptos::prelude::*;

use super::{admin_failure, with_fresh_passkey};
use crate::api::routes::{
    AdminDelete, AdminDisable, AdminEnable, AdminEndSessions, AdminGrant, AdminPerson,
    AdminRecoveryLink, AdminRevoke,
};
use crate::api::{PersonRequest, PersonResponse};
use crate::client;
use crate::pages::Status;
use crate::pages::account::activity::event_words;
use crate::pages::account::words::{ago, day_and_time};
use crate::pages::ask_first::AskFirst;

/// What an administrator can do to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    EndSessions,
    SendRecoveryLink,
    Disable,
    Enable,
    Grant,
    Revoke,
    Delete,
}

async fn act(act: Act, email: String) -> Result<String, String> {
    let request = PersonRequest { email };
    let done = match act {
        Act::EndSessions => with_fresh_passkey::<AdminEndSessions>(&request).await,
        Act::SendRecoveryLink => with_fresh_passkey::<AdminRecoveryLink>(&request).await,
        Act::Disable => with_fresh_passkey::<AdminDisable>(&request).await,
        Act::Enable => with_fresh_passkey::<AdminEnable>(&request).await,
        Act::Grant => with_fresh_passkey::<AdminGrant>(&request).await,
        Act::Revoke => with_fresh_passkey::<AdminRevoke>(&request).await,
        Act::Delete => with_fresh_passkey::<AdminDelete>(&request).await,
    }?;
    Ok(done.message)
}

#[cfg_attr(any(feature = "manage", not(feature = "hydrate")), island)]
#[cfg_attr(all(feature = "hydrate", not(feature = "manage")), component)]
pub(super) fn PersonPanel(email: String) -> impl IntoView {
    let details = RwSignal::new(None::<PersonResponse>);
    let (message, set_message) = signal(None::<String>);
    let (error, set_error) = signal(None::<String>);
    let (deleted, set_deleted) = signal(false);
    let email = StoredValue::new(email);
    let reload = Action::new_local(move |_: &()| async move {
        let request = PersonRequest {
            email: email.get_value(),
        };
        match client::call::<AdminPerson>(&request).await {
            Ok(loaded) => details.set(Some(loaded)),
            Err(failure) => set_error.set(Some(admin_failure(&failure))),
        }
    });
    Effect::new(move |_| {
        reload.dispatch_local(());
    });
    let run = Action::new_local(move |what: &Act| {
        let what = *what;
        async move {
            match act(what, email.get_value()).await {
                Ok(text) => {
                    set_error.set(None);
                    set_message.set(Some(text));
                    if what == Act::Delete {
                        set_deleted.set(true);
                        details.set(None);
                    } else {
                        reload.dispatch_local(());
                    }
                }
                Err(text) => {
                    set_message.set(None);
                    set_error.set(Some(text));
                }
            }
        }
    });
    let now = Signal::derive(move || {
        details.track();
        client::now_secs()
    });
    let button = move |what: Act, label: &'static str, class: &'static str| {
        view! {
            <button
                type="button"
                class=class
                disabled=move || run.pending().get()
                on:click=move |_| {
                    run.dispatch_local(what);
                }
            >
                {label}
            </button>
        }
    };

    view! {
        <div
            class="account"
            data-hydrated=move || {
                (details.with(Option::is_some) || error.with(Option::is_some)).to_string()
            }
        >
            <p>
                <a href="/auth/admin">"\u{2190} Administration"</a>
            </p>
            <h1>{move || email.get_value()}</h1>
            <Status message=message />
            <Status message=error error=true />
            <Show when=move || deleted.get()>
                <p>"This account no longer exists."</p>
            </Show>
            {move || {
                details
                    .get()
                    .map(|d| {
                        let person = d.person.clone();
                        let disabled = person.state == "disabled";
                        view! {
                            <section class="card" aria-labelledby="summary-heading">
                                <h2 id="summary-heading">"Account"</h2>
                                <p data-testid="person-state">
                                    {if disabled {
                                        "Disabled: nothing signs in."
                                    } else {
                                        "Active."
                                    }} {if person.admin { " An administrator." } else { "" }}
                                </p>
                                <p class="meta">
                                    {format!(
                                        "Created {}. {} live session{}.",
                                        day_and_time(person.created_at),
                                        d.live_sessions,
                                        if d.live_sessions == 1 { "" } else { "s" },
                                    )}
                                </p>
                                <div class="actions">
                                    {button(
                                        Act::EndSessions,
                                        "Sign out everywhere",
                                        "button secondary",
                                    )}
                                    {if disabled {
                                        button(Act::Enable, "Enable", "button secondary")
                                    } else {
                                        button(Act::Disable, "Disable", "button secondary")
                                    }}
                                    {if person.admin {
                                        button(
                                            Act::Revoke,
                                            "Remove administrator",
                                            "button secondary",
                                        )
                                    } else {
                                        button(Act::Grant, "Make administrator", "button secondary")
                                    }}
                                </div>
                            </section>
                            <section class="card" aria-labelledby="recovery-heading">
                                <h2 id="recovery-heading">"Lost every device?"</h2>
                                <p class="meta">
                                    "A link to their address lets the device that opens it make a passkey. It works once, for 24 hours; a new one replaces it."
                                </p>
                                <div class="actions">
                                    {if disabled {
                                        view! { <p class="meta">"Enable the account first."</p> }
                                            .into_any()
                                    } else {
                                        button(
                                                Act::SendRecoveryLink,
                                                "Send a recovery link",
                                                "button secondary",
                                            )
                                            .into_any()
                                    }}
                                </div>
                            </section>
                            <section class="card" aria-labelledby="passkeys-heading">
                                <h2 id="passkeys-heading">"Passkeys"</h2>
                                <ul class="items">
                                    {d
                                        .passkeys
                                        .iter()
                                        .map(|p| {
                                            let used = p
                                                .last_used_at
                                                .map(|at| format!("used {}", ago(now.get(), at)))
                                                .unwrap_or_else(|| "never used".into());
                                            view! {
                                                <li class="item">
                                                    <strong>{p.name.clone()}</strong>
                                                    <p class="meta">
                                                        {format!("Added {}, {used}", day_and_time(p.created_at))}
                                                    </p>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            </section>
                            <section class="card" aria-labelledby="activity-heading">
                                <h2 id="activity-heading">"Recent activity"</h2>
                                <ul class="items">
                                    {d
                                        .activity
                                        .iter()
                                        .map(|e| {
                                            view! {
                                                <li class="item">
                                                    <span>{event_words(e)}</span>
                                                    <p class="meta">
                                                        {format!(
                                                            "{}{}",
                                                            day_and_time(e.at),
                                                            e
                                                                .device
                                                                .as_deref()
                                                                .map(|d| format!(", {d}"))
                                                                .unwrap_or_default(),
                                                        )}
                                                    </p>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            </section>
                            <section class="card" aria-labelledby="delete-heading">
                                <h2 id="delete-heading">"Delete"</h2>
                                <AskFirst
                                    opener="Delete this account\u{2026}"
                                    warning="Their passkeys, sessions, app sign-ins and activity go, for good. They can sign up again with the same address."
                                    confirm="Delete for good"
                                    pending=run.pending()
                                    on_confirm=move |()| {
                                        run.dispatch_local(Act::Delete);
                                    }
                                />
                            </section>
                        }
                    })
            }}
        </div>
    }
}
