//! "Apps you signed in to": the apps the person let in through BMAuth (OpenID
//! Connect), when they last signed in to each, and Revoke, which makes the app ask
//! again and ends every token it holds for them. Shown only when there is one.

use leptos::prelude::*;

use super::account_failure;
use super::ctx;
use super::words::ago;
use crate::api::AppRequest;
use crate::api::routes::RevokeApp;
use crate::client;

/// What an app may see, in words.
fn sees(scope: &str) -> &'static str {
    let has = |s: &str| scope.split(' ').any(|granted| granted == s);
    match (has("email"), has("offline_access")) {
        (true, true) => "Sees your email address, and stays signed in while you are away",
        (true, false) => "Sees your email address",
        (false, true) => "Stays signed in while you are away",
        (false, false) => "Knows it is you",
    }
}

/// The apps, to revoke.
#[component]
pub(super) fn AppsSection() -> impl IntoView {
    let ctx = ctx();
    let apps = move || {
        ctx.account
            .with(|a| a.as_ref().map(|a| a.apps.clone()).unwrap_or_default())
    };
    let revoke = Action::new_local(move |(client_id, name): &(String, String)| {
        let request = AppRequest {
            client_id: client_id.clone(),
        };
        let name = name.clone();
        async move {
            match client::call::<RevokeApp>(&request).await {
                Ok(_) => {
                    ctx.say(format!(
                        "{name} is signed out and must ask again before it sees your account."
                    ));
                    ctx.reload.dispatch_local(());
                }
                Err(failure) => ctx.fail(account_failure(&failure)),
            }
        }
    });
    view! {
        <Show when=move || !apps().is_empty()>
            <section class="card" aria-labelledby="apps-heading">
                <h2 id="apps-heading">"Apps you signed in to"</h2>
                <ul class="items">
                    {move || {
                        apps()
                            .into_iter()
                            .map(|app| {
                                let key = (app.client_id.clone(), app.name.clone());
                                let label = format!("Revoke {}", app.name);
                                view! {
                                    <li class="item" data-testid="app">
                                        <div class="item-head">
                                            <strong>{app.name.clone()}</strong>
                                        </div>
                                        <p class="meta">
                                            {format!(
                                                "Last signed in {}. {}.",
                                                ago(ctx.now.get(), app.last_signed_in_at),
                                                sees(&app.scope),
                                            )}
                                        </p>
                                        // A device held back after joining by a link may
                                        // not sign the owner out of their apps.
                                        <Show when=move || ctx.cooldown_until().is_none()>
                                            <div class="item-actions">
                                                <button
                                                    type="button"
                                                    class="link danger"
                                                    aria-label=label.clone()
                                                    disabled=move || revoke.pending().get()
                                                    on:click={
                                                        let key = key.clone();
                                                        move |_| {
                                                            revoke.dispatch_local(key.clone());
                                                        }
                                                    }
                                                >
                                                    "Revoke"
                                                </button>
                                            </div>
                                        </Show>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </section>
        </Show>
    }
}
