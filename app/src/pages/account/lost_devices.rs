//! After recovery: remove the devices you no longer have.

use leptos::prelude::*;

use super::ctx;
use super::remove_passkey;
use super::words::ago;

/// After recovery: the other passkeys, to pick the lost ones and remove them.
/// `goes_on`: `done` continues to where the person was going (an app's sign-in),
/// not to their devices.
#[component]
pub(super) fn LostDevices(
    done: impl Fn() + Copy + Send + Sync + 'static,
    goes_on: bool,
) -> impl IntoView {
    let ctx = ctx();
    let (picked, set_picked) = signal(Vec::<String>::new());
    let others = move || {
        ctx.passkeys()
            .into_iter()
            .filter(|p| !p.this_device)
            .collect::<Vec<_>>()
    };
    let remove = Action::new_local(move |ids: &Vec<String>| {
        let ids = ids.clone();
        async move {
            let mut removed = 0;
            for id in ids {
                match remove_passkey(id).await {
                    Ok(_) => removed += 1,
                    Err(message) => {
                        ctx.fail(message);
                        break;
                    }
                }
            }
            set_picked.set(Vec::new());
            if removed > 0 {
                ctx.say(if removed == 1 {
                    "Removed 1 passkey. It can no longer sign in to your account.".to_string()
                } else {
                    format!(
                        "Removed {removed} passkeys. They can no longer sign in to your account."
                    )
                });
            }
            ctx.reload.dispatch_local(());
        }
    });
    let toggle = move |id: String, on: bool| {
        set_picked.update(|picked| {
            picked.retain(|p| *p != id);
            if on {
                picked.push(id);
            }
        })
    };
    view! {
        <section class="card">
            <p class="eyebrow">"You're back in"</p>
            <h1>"Remove the devices you no longer have"</h1>
            <Show
                when=move || !others().is_empty()
                fallback=move || {
                    view! {
                        <p class="lead" data-testid="no-other-passkeys">
                            "Only this device's passkey can sign in to your account now."
                        </p>
                        <button type="button" class="button" on:click=move |_| done()>
                            {if goes_on { "Continue" } else { "See your devices" }}
                        </button>
                    }
                }
            >
                <p class="lead">
                    "Your account still trusts these passkeys. Pick any on a device you've lost, so that whoever finds it can't sign in."
                </p>
                <ul class="items">
                    {move || {
                        others()
                            .into_iter()
                            .map(|passkey| {
                                let id = passkey.id.clone();
                                let checkbox_id = format!("lost-{}", passkey.id);
                                let last_used = passkey
                                    .last_used_at
                                    .map(|at| format!("last used {}", ago(ctx.now.get(), at)))
                                    .unwrap_or_else(|| "never used to sign in".into());
                                view! {
                                    <li class="item pick" data-testid="lost-passkey">
                                        <input
                                            type="checkbox"
                                            id=checkbox_id.clone()
                                            prop:checked={
                                                let id = id.clone();
                                                move || picked.with(|p| p.contains(&id))
                                            }
                                            on:change=move |ev| toggle(
                                                id.clone(),
                                                event_target_checked(&ev),
                                            )
                                        />
                                        <label for=checkbox_id>
                                            <strong>{passkey.name.clone()}</strong>
                                            <span class="meta">
                                                {format!(
                                                    "Added {}, {last_used}",
                                                    ago(ctx.now.get(), passkey.created_at),
                                                )}
                                            </span>
                                        </label>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
                <div class="actions">
                    <button
                        type="button"
                        class="button danger"
                        disabled=move || picked.with(Vec::is_empty) || remove.pending().get()
                        on:click=move |_| {
                            remove.dispatch_local(picked.get_untracked());
                        }
                    >
                        {move || match picked.with(Vec::len) {
                            0 => "Remove selected".to_string(),
                            1 => "Remove 1 passkey".to_string(),
                            n => format!("Remove {n} passkeys"),
                        }}
                    </button>
                    <button type="button" class="button secondary" on:click=move |_| done()>
                        "I still have them all"
                    </button>
                </div>
            </Show>
        </section>
    }
}
