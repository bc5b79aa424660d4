//! `/auth/admin`: the people (searchable), invitations (make one, see its link
//! once, revoke), and what administrators did lately.

use leptos::prelude::*;

use super::{admin_failure, with_fresh_passkey};
use crate::api::routes::{
    AdminApps, AdminInvitations, AdminInvite, AdminLog, AdminPeople, AdminRevokeInvitation,
};
use crate::api::{
    AdminAppView, AdminLogView, InvitationRequest, InvitationView, PersonRequest, PersonView,
};
use crate::client;
use crate::pages::account::words::{ago, day_and_time};
use crate::pages::{Status, with_query};

/// Everything the page shows, fetched together.
#[derive(Clone, Default)]
struct Overview {
    people: Vec<PersonView>,
    invitations: Vec<InvitationView>,
    apps: Vec<AdminAppView>,
    log: Vec<AdminLogView>,
}

async fn load() -> Result<Overview, String> {
    let failed = |f| admin_failure(&f);
    Ok(Overview {
        people: client::read::<AdminPeople>().await.map_err(failed)?.people,
        invitations: client::read::<AdminInvitations>()
            .await
            .map_err(failed)?
            .invitations,
        apps: client::read::<AdminApps>().await.map_err(failed)?.apps,
        log: client::read::<AdminLog>().await.map_err(failed)?.entries,
    })
}

/// A line of the admin log, in words.
fn log_words(entry: &AdminLogView) -> String {
    let who = entry.actor.as_deref().unwrap_or("The command line");
    let did = match entry.action.as_str() {
        "user_disabled" => "disabled",
        "user_enabled" => "enabled",
        "user_deleted" => "deleted",
        "sessions_ended" => "signed out everywhere",
        "admin_granted" => "made an administrator:",
        "admin_revoked" => "took administration from",
        "invitation_created" => "invited",
        "invitation_revoked" => "revoked the invitation for",
        other => other,
    };
    format!("{who} {did} {}", entry.subject)
}

#[cfg_attr(any(feature = "manage", not(feature = "hydrate")), island)]
#[cfg_attr(all(feature = "hydrate", not(feature = "manage")), component)]
pub(super) fn AdminPanel() -> impl IntoView {
    let overview = RwSignal::new(None::<Overview>);
    let (message, set_message) = signal(None::<String>);
    let (error, set_error) = signal(None::<String>);
    let (search, set_search) = signal(String::new());
    let (invitee, set_invitee) = signal(String::new());
    let (new_link, set_new_link) = signal(None::<String>);
    let reload = Action::new_local(move |_: &()| async move {
        match load().await {
            Ok(loaded) => overview.set(Some(loaded)),
            Err(text) => set_error.set(Some(text)),
        }
    });
    Effect::new(move |_| {
        reload.dispatch_local(());
    });
    let now = Signal::derive(move || {
        overview.track();
        client::now_secs()
    });
    let invite = Action::new_local(move |email: &String| {
        let request = PersonRequest {
            email: email.clone(),
        };
        async move {
            match with_fresh_passkey::<AdminInvite>(&request).await {
                Ok(made) => {
                    set_error.set(None);
                    set_message.set(Some(format!(
                        "Invitation made for {}. Send them the link below: it is shown only now.",
                        made.invitation.email
                    )));
                    set_new_link.set(Some(made.link));
                    set_invitee.set(String::new());
                    reload.dispatch_local(());
                }
                Err(text) => set_error.set(Some(text)),
            }
        }
    });
    let revoke = Action::new_local(move |id: &String| {
        let request = InvitationRequest { id: id.clone() };
        async move {
            match with_fresh_passkey::<AdminRevokeInvitation>(&request).await {
                Ok(done) => {
                    set_error.set(None);
                    set_message.set(Some(done.message));
                    reload.dispatch_local(());
                }
                Err(text) => set_error.set(Some(text)),
            }
        }
    });
    let people = move || {
        let wanted = search.get().trim().to_lowercase();
        overview.with(|o| {
            o.as_ref()
                .map(|o| {
                    o.people
                        .iter()
                        .filter(|p| p.email.contains(&wanted))
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let invitations = move || {
        overview.with(|o| {
            o.as_ref()
                .map(|o| o.invitations.clone())
                .unwrap_or_default()
        })
    };
    let log = move || overview.with(|o| o.as_ref().map(|o| o.log.clone()).unwrap_or_default());
    let apps = move || overview.with(|o| o.as_ref().map(|o| o.apps.clone()).unwrap_or_default());

    view! {
        <div class="account" data-hydrated=move || overview.with(Option::is_some).to_string()>
            <h1>"Administration"</h1>
            <Status message=message />
            <Status message=error error=true />
            <section class="card" aria-labelledby="people-heading">
                <h2 id="people-heading">"People"</h2>
                <label for="search">"Search by email"</label>
                <input
                    id="search"
                    type="search"
                    autocomplete="off"
                    prop:value=move || search.get()
                    on:input=move |ev| set_search.set(event_target_value(&ev))
                />
                <ul class="items" aria-live="polite">
                    {move || {
                        people()
                            .into_iter()
                            .map(|person| {
                                let href = with_query(
                                    "/auth/admin/person",
                                    &[("email", &person.email)],
                                );
                                let last = person
                                    .last_sign_in
                                    .map(|at| format!("last signed in {}", ago(now.get(), at)))
                                    .unwrap_or_else(|| "never signed in with a passkey".into());
                                view! {
                                    <li class="item" data-testid="person">
                                        <div class="item-head">
                                            <a href=href>{person.email.clone()}</a>
                                            {(person.state == "disabled")
                                                .then(|| {
                                                    view! { <span class="badge warning">"Disabled"</span> }
                                                })}
                                            {person
                                                .admin
                                                .then(|| {
                                                    view! { <span class="badge">"Administrator"</span> }
                                                })}
                                        </div>
                                        <p class="meta">
                                            {format!(
                                                "{} passkey{}, {last}",
                                                person.passkeys,
                                                if person.passkeys == 1 { "" } else { "s" },
                                            )}
                                        </p>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </section>
            <section class="card" aria-labelledby="invitations-heading">
                <h2 id="invitations-heading">"Invitations"</h2>
                <form
                    class="stack"
                    on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        invite.dispatch_local(invitee.get_untracked().trim().to_string());
                    }
                >
                    <label for="invitee">"Invite someone by email"</label>
                    <input
                        id="invitee"
                        type="email"
                        required
                        autocomplete="off"
                        placeholder="name@example.com"
                        prop:value=move || invitee.get()
                        on:input=move |ev| set_invitee.set(event_target_value(&ev))
                    />
                    <button type="submit" class="button" disabled=move || invite.pending().get()>
                        "Make an invitation link"
                    </button>
                </form>
                <Show when=move || new_link.get().is_some()>
                    <label for="new-link">"Invitation link (good for 7 days, once)"</label>
                    <input
                        id="new-link"
                        type="text"
                        readonly
                        data-testid="invitation-link"
                        prop:value=move || new_link.get().unwrap_or_default()
                    />
                </Show>
                <ul class="items">
                    {move || {
                        invitations()
                            .into_iter()
                            .map(|invitation| {
                                let pending = invitation.state == "pending";
                                let id = invitation.id.clone();
                                let label = format!(
                                    "Revoke the invitation for {}",
                                    invitation.email,
                                );
                                view! {
                                    <li class="item" data-testid="invitation">
                                        <div class="item-head">
                                            <strong>{invitation.email.clone()}</strong>
                                            <span class="badge">{invitation.state.clone()}</span>
                                        </div>
                                        <p class="meta">
                                            {format!(
                                                "Made {}{}; good until {}",
                                                ago(now.get(), invitation.created_at),
                                                invitation
                                                    .created_by
                                                    .as_deref()
                                                    .map(|by| format!(" by {by}"))
                                                    .unwrap_or_default(),
                                                day_and_time(invitation.expires_at),
                                            )}
                                        </p>
                                        {pending
                                            .then(|| {
                                                view! {
                                                    <div class="item-actions">
                                                        <button
                                                            type="button"
                                                            class="link danger"
                                                            aria-label=label
                                                            on:click=move |_| {
                                                                revoke.dispatch_local(id.clone());
                                                            }
                                                        >
                                                            "Revoke"
                                                        </button>
                                                    </div>
                                                }
                                            })}
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </section>
            <Show when=move || !apps().is_empty()>
                <section class="card" aria-labelledby="apps-heading">
                    <h2 id="apps-heading">"Apps"</h2>
                    <p class="hint">
                        "Apps are added in the configuration or with bmauth clients add; who may use each is set there (allow)."
                    </p>
                    <ul class="items">
                        {move || {
                            apps()
                                .into_iter()
                                .map(|app| {
                                    let who = if app.allow.is_empty() {
                                        "Everyone with an account".to_string()
                                    } else {
                                        format!("Only {}", app.allow.join(", "))
                                    };
                                    view! {
                                        <li class="item" data-testid="app">
                                            <strong>{app.name.clone()}</strong>
                                            <p class="meta">{who}</p>
                                        </li>
                                    }
                                })
                                .collect_view()
                        }}
                    </ul>
                </section>
            </Show>
            <section class="card" aria-labelledby="log-heading">
                <h2 id="log-heading">"What administrators did"</h2>
                <ul class="items">
                    {move || {
                        log()
                            .into_iter()
                            .take(30)
                            .map(|entry| {
                                view! {
                                    <li class="item">
                                        <p>{log_words(&entry)}</p>
                                        <p class="meta">{day_and_time(entry.at)}</p>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </section>
        </div>
    }
}
