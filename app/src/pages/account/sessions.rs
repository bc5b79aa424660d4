//! Every live session, to end.

use leptos::prelude::*;

use super::account_failure;
use super::ctx;
use super::words::ago;
use crate::api::routes::{EndOtherSessions, EndSession};
use crate::api::{Empty, SessionRequest};
use crate::client;

/// Every live session, to end.
#[component]
pub(super) fn SessionsSection() -> impl IntoView {
    let ctx = ctx();
    let sessions = move || {
        ctx.account
            .with(|a| a.as_ref().map(|a| a.sessions.clone()).unwrap_or_default())
    };
    let end = Action::new_local(move |id: &String| {
        let request = SessionRequest { id: id.clone() };
        async move {
            match client::call::<EndSession>(&request).await {
                Ok(answer) if answer.signed_out => client::go_to("/auth/login"),
                Ok(_) => {
                    ctx.say("Session ended. That device is signed out.");
                    ctx.reload.dispatch_local(());
                }
                Err(failure) => ctx.fail(account_failure(&failure)),
            }
        }
    });
    let end_others = Action::new_local(move |_: &()| async move {
        match client::call::<EndOtherSessions>(&Empty {}).await {
            Ok(answer) => {
                ctx.say(match answer.ended {
                    1 => "Ended 1 other session.".to_string(),
                    n => format!("Ended {n} other sessions."),
                });
                ctx.reload.dispatch_local(());
            }
            Err(failure) => ctx.fail(account_failure(&failure)),
        }
    });
    view! {
        <section class="card">
            <h2>"Where you're signed in"</h2>
            <ul class="items">
                {move || {
                    sessions()
                        .into_iter()
                        .map(|session| {
                            let id = session.id.clone();
                            let device = session
                                .device
                                .clone()
                                .unwrap_or_else(|| "An unknown browser".into());
                            let passkey = session
                                .passkey_name
                                .clone()
                                .map(|p| format!(" with the passkey \u{201c}{p}\u{201d}"))
                                .unwrap_or_default();
                            view! {
                                <li
                                    class="item"
                                    data-testid="session"
                                    data-this-session=session.this_session.to_string()
                                >
                                    <div class="item-head">
                                        <strong>{device}</strong>
                                        {session
                                            .this_session
                                            .then(|| {
                                                view! { <span class="badge">"This session"</span> }
                                            })}
                                    </div>
                                    <p class="meta">
                                        {format!(
                                            "Signed in {}{passkey}, active {}",
                                            ago(ctx.now.get(), session.created_at),
                                            ago(ctx.now.get(), session.last_seen_at),
                                        )}
                                    </p>
                                    <Show when=move || {
                                        session.this_session || ctx.cooldown_until().is_none()
                                    }>
                                        <div class="item-actions">
                                            <button
                                                type="button"
                                                class="link danger"
                                                disabled=move || end.pending().get()
                                                on:click={
                                                    let id = id.clone();
                                                    move |_| {
                                                        end.dispatch_local(id.clone());
                                                    }
                                                }
                                            >
                                                {if session.this_session {
                                                    "Sign out"
                                                } else {
                                                    "End session"
                                                }}
                                            </button>
                                        </div>
                                    </Show>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <Show when=move || { sessions().len() > 1 && ctx.cooldown_until().is_none() }>
                <button
                    type="button"
                    class="button secondary"
                    disabled=move || end_others.pending().get()
                    on:click=move |_| {
                        end_others.dispatch_local(());
                    }
                >
                    "Sign out everywhere else"
                </button>
            </Show>
        </section>
    }
}
