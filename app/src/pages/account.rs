//! The signed-in person's account (`/auth/account`): their passkeys (rename, remove),
//! their sessions (end one, end all others) and recent activity. After recovery the
//! same page opens on "Remove the devices you no longer have" (`?recovered=1`).
//!
//! Removing a passkey needs a fresh biometric: when the server answers
//! `reauthentication_required`, the page asks this device's passkey, then tries
//! again. Loads with the `/link` page's bundle, so the sign-in page does not carry it.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{Status, failure_message, query};
use crate::api::routes::{
    Activity, EndOtherSessions, EndSession, Passkeys, ReauthBegin, ReauthComplete, RemovePasskey,
    RenamePasskey, Sessions,
};
use crate::api::{
    Empty, ErrorCode, PasskeyRequest, PasskeyView, ReauthRequest, RenamePasskeyRequest,
    SecurityEventKind, SecurityEventView, SessionRequest, SessionView,
};
use crate::client::{self, ApiFailure};

/// The account page; `?recovered=1` after a recovery.
#[component]
pub fn AccountPage() -> impl IntoView {
    let recovered = query("recovered") == "1";
    view! {
        <Title text=if recovered { "Remove lost devices" } else { "Your devices" }/>
        <AccountPanel recovered=recovered/>
    }
}

/// "3 minutes ago", from Unix seconds.
pub(crate) fn ago(now: i64, at: i64) -> String {
    let secs = (now - at).max(0);
    let (n, unit) = match secs {
        0..60 => return "just now".into(),
        60..3600 => (secs / 60, "minute"),
        3600..86_400 => (secs / 3600, "hour"),
        86_400..2_592_000 => (secs / 86_400, "day"),
        2_592_000..31_536_000 => (secs / 2_592_000, "month"),
        _ => (secs / 31_536_000, "year"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

/// What an account change failing means, in the person's words.
fn account_failure(failure: &ApiFailure) -> String {
    match failure {
        ApiFailure::Server(e) if e.code == ErrorCode::NotSignedIn => {
            "You're signed out. Sign in again to manage your devices.".into()
        }
        other => failure_message(other),
    }
}

/// Confirms it's the owner with this device's passkey: the session is fresh for a
/// few minutes.
async fn confirm_its_you() -> Result<(), String> {
    let options = client::call::<ReauthBegin>(&Empty {})
        .await
        .map_err(|f| account_failure(&f))?;
    let credential = client::get_passkey(&options, None)
        .await
        .map_err(|f| client::passkey_failure_message(&f).to_string())?;
    client::call::<ReauthComplete>(&ReauthRequest { credential })
        .await
        .map_err(|f| account_failure(&f))?;
    Ok(())
}

/// Removes a passkey, asking for the biometric first if the server wants a fresh
/// one. True if this session ended with it.
async fn remove_passkey(id: String) -> Result<bool, String> {
    let request = PasskeyRequest { id };
    let answer = match client::call::<RemovePasskey>(&request).await {
        Err(ApiFailure::Server(e)) if e.code == ErrorCode::ReauthenticationRequired => {
            confirm_its_you().await?;
            client::call::<RemovePasskey>(&request).await
        }
        other => other,
    };
    answer
        .map(|removed| removed.signed_out)
        .map_err(|f| account_failure(&f))
}

/// Everything the page shows, fetched together.
#[derive(Clone, Default)]
struct Account {
    passkeys: Vec<PasskeyView>,
    /// This device joined by a link moments ago: until then it cannot remove the
    /// others (Unix seconds).
    cooldown_until: Option<i64>,
    sessions: Vec<SessionView>,
    events: Vec<SecurityEventView>,
}

async fn load_account() -> Result<Account, ApiFailure> {
    let passkeys = client::read::<Passkeys>().await?;
    Ok(Account {
        passkeys: passkeys.passkeys,
        cooldown_until: passkeys.cooldown_until,
        sessions: client::read::<Sessions>().await?.sessions,
        events: client::read::<Activity>().await?.events,
    })
}

// An island where it is rendered and in the `/link` page's bundle (see `link.rs`).
#[cfg_attr(any(feature = "link", not(feature = "hydrate")), island)]
#[cfg_attr(all(feature = "hydrate", not(feature = "link")), component)]
fn AccountPanel(recovered: bool) -> impl IntoView {
    let account = RwSignal::new(None::<Account>);
    let (message, set_message) = signal(None::<String>);
    let (error, set_error) = signal(None::<String>);
    let (cleaning_up, set_cleaning_up) = signal(recovered);
    let reload = Action::new_local(move |_: &()| async move {
        match load_account().await {
            Ok(loaded) => account.set(Some(loaded)),
            Err(ApiFailure::Server(e)) if e.code == ErrorCode::NotSignedIn => {
                client::go_to("/auth/login?next=%2Fauth%2Faccount")
            }
            Err(failure) => set_error.set(Some(account_failure(&failure))),
        }
    });
    Effect::new(move |_| {
        reload.dispatch_local(());
    });
    let now = Signal::derive(move || {
        // Re-read whenever the account is, so that "ago" stays about right.
        account.track();
        client::now_secs()
    });
    let ctx = Ctx {
        account,
        now,
        reload,
        set_message,
        set_error,
    };
    provide_context(ctx);

    view! {
        <div class="account" data-hydrated=move || account.with(Option::is_some).to_string()>
            <Status message=message/>
            <Status message=error error=true/>
            <Show
                when=move || cleaning_up.get()
                fallback=move || view! {
                    <CooldownNotice/>
                    <PasskeysSection/>
                    <SessionsSection/>
                    <ActivitySection/>
                }
            >
                <LostDevices done=move || set_cleaning_up.set(false)/>
            </Show>
        </div>
    }
}

/// What the sections share.
#[derive(Clone, Copy)]
struct Ctx {
    account: RwSignal<Option<Account>>,
    now: Signal<i64>,
    reload: Action<(), ()>,
    set_message: WriteSignal<Option<String>>,
    set_error: WriteSignal<Option<String>>,
}

impl Ctx {
    fn say(&self, text: impl Into<String>) {
        self.set_error.set(None);
        self.set_message.set(Some(text.into()));
    }

    fn fail(&self, text: String) {
        self.set_message.set(None);
        self.set_error.set(Some(text));
    }

    fn passkeys(&self) -> Vec<PasskeyView> {
        self.account
            .with(|a| a.as_ref().map(|a| a.passkeys.clone()).unwrap_or_default())
    }

    /// Until when this device may not remove the others, if it is held back.
    fn cooldown_until(&self) -> Option<i64> {
        self.account
            .with(|a| a.as_ref().and_then(|a| a.cooldown_until))
    }
}

/// "7 December at 14:03 UTC", from Unix seconds (the browser's clock is in UTC terms
/// here too: one wording for every visitor).
pub(crate) fn day_and_time(at: i64) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let days = at.div_euclid(86_400);
    let secs = at.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    format!(
        "{day} {} at {:02}:{:02} UTC",
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs % 3600 / 60
    )
}

/// Shown while this device is held back after joining by a link.
#[component]
fn CooldownNotice() -> impl IntoView {
    let ctx = ctx();
    view! {
        {move || ctx.cooldown_until().map(|until| view! {
            <p class="notice" role="status" data-testid="cooldown">
                {format!("You added this device recently: remove other devices from one you already had, or wait until {}.", day_and_time(until))}
            </p>
        })}
    }
}

fn ctx() -> Ctx {
    expect_context::<Ctx>()
}

/// After recovery: the other passkeys, to pick the lost ones and remove them.
#[component]
fn LostDevices(done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
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
                fallback=move || view! {
                    <p class="lead" data-testid="no-other-passkeys">"Only this device's passkey can sign in to your account now."</p>
                    <button type="button" class="button" on:click=move |_| done()>"See your devices"</button>
                }
            >
                <p class="lead">"Your account still trusts these passkeys. Pick any on a device you've lost, so that whoever finds it can't sign in."</p>
                <ul class="items">
                    {move || others().into_iter().map(|passkey| {
                        let id = passkey.id.clone();
                        let checkbox_id = format!("lost-{}", passkey.id);
                        let last_used = passkey.last_used_at.map(|at| format!("last used {}", ago(ctx.now.get(), at)))
                            .unwrap_or_else(|| "never used to sign in".into());
                        view! {
                            <li class="item pick" data-testid="lost-passkey">
                                <input type="checkbox" id=checkbox_id.clone()
                                    prop:checked={let id = id.clone(); move || picked.with(|p| p.contains(&id))}
                                    on:change=move |ev| toggle(id.clone(), event_target_checked(&ev))/>
                                <label for=checkbox_id>
                                    <strong>{passkey.name.clone()}</strong>
                                    <span class="meta">{format!("Added {}, {last_used}", ago(ctx.now.get(), passkey.created_at))}</span>
                                </label>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <div class="actions">
                    <button type="button" class="button danger"
                        disabled=move || picked.with(Vec::is_empty) || remove.pending().get()
                        on:click=move |_| { remove.dispatch_local(picked.get_untracked()); }>
                        {move || match picked.with(Vec::len) {
                            0 => "Remove selected".to_string(),
                            1 => "Remove 1 passkey".to_string(),
                            n => format!("Remove {n} passkeys"),
                        }}
                    </button>
                    <button type="button" class="button secondary" on:click=move |_| done()>"I still have them all"</button>
                </div>
            </Show>
        </section>
    }
}

/// Every passkey, to rename or remove.
#[component]
fn PasskeysSection() -> impl IntoView {
    let ctx = ctx();
    let (renaming, set_renaming) = signal(None::<String>);
    let (confirming, set_confirming) = signal(None::<String>);
    let (new_name, set_new_name) = signal(String::new());
    let rename = Action::new_local(move |(id, name): &(String, String)| {
        let request = RenamePasskeyRequest {
            id: id.clone(),
            name: name.clone(),
        };
        async move {
            match client::call::<RenamePasskey>(&request).await {
                Ok(_) => {
                    set_renaming.set(None);
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
                    set_confirming.set(None);
                    ctx.say(
                        "Removed. That passkey can no longer sign in, and its sessions have ended.",
                    );
                    ctx.reload.dispatch_local(());
                }
                Err(message) => ctx.fail(message),
            }
        }
    });
    let only_one = move || ctx.passkeys().len() == 1;
    let held_back = move || ctx.cooldown_until().is_some();

    view! {
        <section class="card">
            <h1>"Your passkeys"</h1>
            <p class="lead">"Each device you sign in with has its own passkey. Remove any you no longer use."</p>
            <ul class="items">
                {move || ctx.passkeys().into_iter().map(|passkey| {
                    let id = passkey.id.clone();
                    let (id_a, id_b, id_c, id_d, id_e) = (id.clone(), id.clone(), id.clone(), id.clone(), id.clone());
                    let name = passkey.name.clone();
                    let kind = match (passkey.synced, passkey.backup_eligible) {
                        (true, _) => "Synced",
                        (false, true) => "Not synced yet",
                        (false, false) => "This device only",
                    };
                    let used = passkey.last_used_at
                        .map(|at| format!("last used {}", ago(ctx.now.get(), at)))
                        .unwrap_or_else(|| "not used to sign in yet".into());
                    view! {
                        <li class="item" data-testid="passkey" data-this-device=passkey.this_device.to_string()>
                            <div class="item-head">
                                <strong class="name">{name.clone()}</strong>
                                {passkey.this_device.then(|| view! { <span class="badge">"This device"</span> })}
                                <span class="badge quiet">{kind}</span>
                            </div>
                            <p class="meta">
                                {passkey.provider.clone().filter(|p| *p != name).map(|p| format!("{p} · "))}
                                {format!("Added {}, {used}", ago(ctx.now.get(), passkey.created_at))}
                            </p>
                            {passkey.counter_went_back_at.map(|at| view! {
                                <p class="notice error" role="alert">
                                    {format!("Warning: {} this passkey answered with a signature count lower than before. That happens when a passkey has been copied. If you didn't expect it, remove it and add your device again.", ago(ctx.now.get(), at))}
                                </p>
                            })}
                            <Show when=move || renaming.get().as_deref() == Some(id_a.as_str())>
                                <form class="inline-form" on:submit={let id = id_b.clone(); move |ev: leptos::ev::SubmitEvent| {
                                    ev.prevent_default();
                                    rename.dispatch_local((id.clone(), new_name.get_untracked()));
                                }}>
                                    <label class="visually-hidden" for="passkey-name">"New name"</label>
                                    <input id="passkey-name" maxlength="64" required
                                        prop:value=move || new_name.get()
                                        on:input=move |ev| set_new_name.set(event_target_value(&ev))/>
                                    <button type="submit" class="button small">"Save"</button>
                                    <button type="button" class="button small secondary" on:click=move |_| set_renaming.set(None)>"Cancel"</button>
                                </form>
                            </Show>
                            <Show when=move || confirming.get().as_deref() == Some(id_c.as_str())>
                                <div class="confirm" role="group" aria-label="Confirm removal">
                                    <p>{format!("Remove \u{201c}{}\u{201d}? It will no longer sign in, and the sessions it opened end.", passkey.name)}</p>
                                    <button type="button" class="button small danger" disabled=move || remove.pending().get()
                                        on:click={let id = id_d.clone(); move |_| { remove.dispatch_local(id.clone()); }}>"Remove"</button>
                                    <button type="button" class="button small secondary" on:click=move |_| set_confirming.set(None)>"Cancel"</button>
                                </div>
                            </Show>
                            <div class="item-actions">
                                <Show when=move || !held_back() || passkey.this_device>
                                    <button type="button" class="link" on:click={let name = name.clone(); let id = id_e.clone(); move |_| {
                                        set_new_name.set(name.clone());
                                        set_confirming.set(None);
                                        set_renaming.set(Some(id.clone()));
                                    }}>"Rename"</button>
                                </Show>
                                {move || if only_one() {
                                    view! { <span class="meta">"Your only passkey: add another device before removing it."</span> }.into_any()
                                } else if held_back() && !passkey.this_device {
                                    view! { <span class="meta">"Change it from a device you already had."</span> }.into_any()
                                } else {
                                    let id = id.clone();
                                    view! { <button type="button" class="link danger" on:click=move |_| {
                                        set_renaming.set(None);
                                        set_confirming.set(Some(id.clone()));
                                    }>"Remove"</button> }.into_any()
                                }}
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <a class="button secondary" href="/link">"Add a device"</a>
        </section>
    }
}

/// Every live session, to end.
#[component]
fn SessionsSection() -> impl IntoView {
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
                {move || sessions().into_iter().map(|session| {
                    let id = session.id.clone();
                    let device = session.device.clone().unwrap_or_else(|| "An unknown browser".into());
                    let passkey = session.passkey_name.clone().map(|p| format!(" with the passkey \u{201c}{p}\u{201d}")).unwrap_or_default();
                    view! {
                        <li class="item" data-testid="session" data-this-session=session.this_session.to_string()>
                            <div class="item-head">
                                <strong>{device}</strong>
                                {session.this_session.then(|| view! { <span class="badge">"This session"</span> })}
                            </div>
                            <p class="meta">{format!("Signed in {}{passkey}, active {}", ago(ctx.now.get(), session.created_at), ago(ctx.now.get(), session.last_seen_at))}</p>
                            <Show when=move || session.this_session || ctx.cooldown_until().is_none()>
                                <div class="item-actions">
                                    <button type="button" class="link danger" disabled=move || end.pending().get()
                                        on:click={let id = id.clone(); move |_| { end.dispatch_local(id.clone()); }}>
                                        {if session.this_session { "Sign out" } else { "End session" }}
                                    </button>
                                </div>
                            </Show>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <Show when=move || { sessions().len() > 1 && ctx.cooldown_until().is_none() }>
                <button type="button" class="button secondary" disabled=move || end_others.pending().get()
                    on:click=move |_| { end_others.dispatch_local(()); }>"Sign out everywhere else"</button>
            </Show>
        </section>
    }
}

/// An event's kind as the API names it (`signed_in`).
fn kind_name(kind: SecurityEventKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// What an event says, in words.
fn event_words(event: &SecurityEventView) -> String {
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
        SecurityEventKind::DeviceRecovered => format!("Device added{passkey} with a recovery code"),
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
    }
}

/// The account's security events.
#[component]
fn ActivitySection() -> impl IntoView {
    let ctx = ctx();
    let events = move || {
        ctx.account
            .with(|a| a.as_ref().map(|a| a.events.clone()).unwrap_or_default())
    };
    view! {
        <section class="card">
            <h2>"Recent activity"</h2>
            <p class="lead">"If something here wasn't you, remove the passkey you don't recognise and sign out everywhere else."</p>
            <ul class="items activity">
                {move || events().into_iter().map(|event| {
                    let whence = [Some(ago(ctx.now.get(), event.at)), event.device.clone(), event.ip.clone()]
                        .into_iter().flatten().collect::<Vec<_>>().join(" · ");
                    view! {
                        <li class="item" data-testid="event" data-kind=kind_name(event.kind)>
                            <span>{event_words(&event)}</span>
                            <span class="meta">{whence}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_said_in_words() {
        assert_eq!(ago(1000, 990), "just now");
        assert_eq!(ago(1000, 2000), "just now", "a clock a little ahead");
        assert_eq!(ago(3600, 3540), "1 minute ago");
        assert_eq!(ago(7200, 0), "2 hours ago");
        assert_eq!(ago(86_400 * 3, 0), "3 days ago");
        assert_eq!(ago(31_536_000 * 2, 0), "2 years ago");
    }

    #[test]
    fn dates_are_said_in_words() {
        assert_eq!(day_and_time(0), "1 January at 00:00 UTC");
        // 2026-12-07 14:03:00 UTC
        assert_eq!(day_and_time(1_796_652_180), "7 December at 14:03 UTC");
        assert_eq!(day_and_time(951_782_400), "29 February at 00:00 UTC");
    }
}
