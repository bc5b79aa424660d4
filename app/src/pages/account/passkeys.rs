//! Every passkey, to rename or remove: the section, and one item per passkey.

use leptos::prelude::*;

use super::words::ago;
use super::{account_failure, ctx, remove_passkey};
use crate::api::routes::RenamePasskey;
use crate::api::{PasskeyView, RenamePasskeyRequest};
use crate::client;

/// What the items share: which one is being renamed or confirmed for removal, the
/// name being typed, and the two actions.
#[derive(Clone, Copy)]
struct Editing {
    renaming: RwSignal<Option<String>>,
    confirming: RwSignal<Option<String>>,
    new_name: RwSignal<String>,
    rename: Action<(String, String), ()>,
    remove: Action<String, ()>,
}

/// Every passkey, to rename or remove.
#[component]
pub(super) fn PasskeysSection() -> impl IntoView {
    let ctx = ctx();
    let renaming = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(None::<String>);
    let rename = Action::new_local(move |(id, name): &(String, String)| {
        let request = RenamePasskeyRequest {
            id: id.clone(),
            name: name.clone(),
        };
        async move {
            match client::call::<RenamePasskey>(&request).await {
                Ok(_) => {
                    renaming.set(None);
                    ctx.say("Renamed.");
                    ctx.reload.dispatch_local(());
                }
                Err(failure) => ctx.fail(account_failure(&failure)),
            }
        }
    });
    let remove = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move {
            match remove_passkey(id).await {
                Ok(true) => client::go_to("/auth/login"),
                Ok(false) => {
                    confirming.set(None);
                    ctx.say(
                        "Removed. That passkey can no longer sign in, and its sessions have ended.",
                    );
                    ctx.reload.dispatch_local(());
                }
                Err(message) => ctx.fail(message),
            }
        }
    });
    let editing = Editing {
        renaming,
        confirming,
        new_name: RwSignal::new(String::new()),
        rename,
        remove,
    };
    view! {
        <section class="card">
            <h1>"Your passkeys"</h1>
            <p class="lead">
                "Each device you sign in with has its own passkey. Remove any you no longer use."
            </p>
            <ul class="items">
                {move || {
                    ctx.passkeys()
                        .into_iter()
                        .map(|passkey| view! { <PasskeyItem passkey=passkey editing=editing /> })
                        .collect_view()
                }}
            </ul>
            <a class="button secondary" href="/link">
                "Add a device"
            </a>
        </section>
    }
}

/// "Synced", "Not synced yet" or "This device only".
fn kind_of(passkey: &PasskeyView) -> &'static str {
    match (passkey.synced, passkey.backup_eligible) {
        (true, _) => "Synced",
        (false, true) => "Not synced yet",
        (false, false) => "This device only",
    }
}

/// One passkey: what it is, and Rename and Remove (with their forms).
#[component]
fn PasskeyItem(passkey: PasskeyView, editing: Editing) -> impl IntoView {
    let ctx = ctx();
    let id = StoredValue::new(passkey.id.clone());
    let name = StoredValue::new(passkey.name.clone());
    let this_device = passkey.this_device;
    let is = move |which: RwSignal<Option<String>>| {
        which.with(|open| id.with_value(|id| open.as_deref() == Some(id.as_str())))
    };
    // A device held back changes only its own passkey (see the server's cool-down).
    let may_change = move || ctx.cooldown_until().is_none() || this_device;
    let only_one = move || ctx.passkeys().len() == 1;
    let used = passkey
        .last_used_at
        .map(|at| format!("last used {}", ago(ctx.now.get(), at)))
        .unwrap_or_else(|| "not used to sign in yet".into());
    view! {
        <li class="item" data-testid="passkey" data-this-device=this_device.to_string()>
            <div class="item-head">
                <strong class="name">{passkey.name.clone()}</strong>
                {this_device.then(|| view! { <span class="badge">"This device"</span> })}
                <span class="badge quiet">{kind_of(&passkey)}</span>
            </div>
            <p class="meta">
                {passkey
                    .provider
                    .clone()
                    .filter(|p| *p != passkey.name)
                    .map(|p| format!("{p} · "))}
                {format!("Added {}, {used}", ago(ctx.now.get(), passkey.created_at))}
            </p>
            {passkey
                .counter_went_back_at
                .map(|at| {
                    view! {
                        <p class="notice error" role="alert">
                            {format!(
                                "Warning: {} this passkey answered with a signature count lower than before. That happens when a passkey has been copied. If you didn't expect it, remove it and add your device again.",
                                ago(ctx.now.get(), at),
                            )}
                        </p>
                    }
                })}
            <Show when=move || is(editing.renaming)>
                <form
                    class="inline-form"
                    on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        editing
                            .rename
                            .dispatch_local((id.get_value(), editing.new_name.get_untracked()));
                    }
                >
                    <label class="visually-hidden" for="passkey-name">
                        "New name"
                    </label>
                    <input
                        id="passkey-name"
                        maxlength="64"
                        required
                        prop:value=move || editing.new_name.get()
                        on:input=move |ev| editing.new_name.set(event_target_value(&ev))
                    />
                    <button type="submit" class="button small">
                        "Save"
                    </button>
                    <button
                        type="button"
                        class="button small secondary"
                        on:click=move |_| editing.renaming.set(None)
                    >
                        "Cancel"
                    </button>
                </form>
            </Show>
            <Show when=move || is(editing.confirming)>
                <div class="confirm" role="group" aria-label="Confirm removal">
                    <p>
                        {move || {
                            format!(
                                "Remove \u{201c}{}\u{201d}? It will no longer sign in, and the sessions it opened end.",
                                name.get_value(),
                            )
                        }}
                    </p>
                    <button
                        type="button"
                        class="button small danger"
                        disabled=move || editing.remove.pending().get()
                        on:click=move |_| {
                            editing.remove.dispatch_local(id.get_value());
                        }
                    >
                        "Remove"
                    </button>
                    <button
                        type="button"
                        class="button small secondary"
                        on:click=move |_| editing.confirming.set(None)
                    >
                        "Cancel"
                    </button>
                </div>
            </Show>
            <div class="item-actions">
                <Show when=may_change>
                    <button
                        type="button"
                        class="link"
                        on:click=move |_| {
                            editing.new_name.set(name.get_value());
                            editing.confirming.set(None);
                            editing.renaming.set(Some(id.get_value()));
                        }
                    >
                        "Rename"
                    </button>
                </Show>
                {move || {
                    if only_one() {
                        view! {
                            <span class="meta">
                                "Your only passkey: add another device before removing it."
                            </span>
                        }
                            .into_any()
                    } else if !may_change() {
                        view! {
                            <span class="meta">"Change it from a device you already had."</span>
                        }
                            .into_any()
                    } else {
                        view! {
                            <button
                                type="button"
                                class="link danger"
                                on:click=move |_| {
                                    editing.renaming.set(None);
                                    editing.confirming.set(Some(id.get_value()));
                                }
                            >
                                "Remove"
                            </button>
                        }
                            .into_any()
                    }
                }}
            </div>
        </li>
    }
}
