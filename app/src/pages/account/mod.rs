//! The signed-in person's account (`/auth/account`): their passkeys (rename, remove),
//! their sessions (end one, end all others), the apps they signed in to through
//! BMAuth (revoke) and recent activity. After recovery the
//! same page opens on "Remove the devices you no longer have" (`?recovered=1`).
//!
//! Removing a passkey needs a fresh biometric: when the server answers
//! `reauthentication_required`, the page asks this device's passkey, then tries
//! again. Loads with the `/link` page's bundle, so the sign-in page does not carry it.

use leptos::prelude::*;
use leptos_meta::Title;

pub(crate) mod activity;
mod apps;
mod cooldown;
mod email;
mod leaving;
mod lost_devices;
mod passkeys;
mod sessions;
pub(crate) mod words;

use activity::ActivitySection;
use apps::AppsSection;
use cooldown::CooldownNotice;
use email::EmailSection;
use leaving::LeavingSection;
use lost_devices::LostDevices;
use passkeys::PasskeysSection;
use sessions::SessionsSection;

use super::{Status, failure_message, query, safe_next};
use crate::api::routes::{
    Activity, Apps, Me, Passkeys, ReauthBegin, ReauthComplete, RemovePasskey, Sessions,
};
use crate::api::{
    AcceptedPasskeysView, AppView, Empty, ErrorCode, PasskeyRequest, PasskeyView, ReauthRequest,
    SecurityEventView, SessionView,
};
use crate::client::{self, ApiFailure};

/// The account page; `?recovered=1` after a recovery.
#[component]
pub fn AccountPage() -> impl IntoView {
    let recovered = query("recovered") == "1";
    // After a recovery that began at an app's sign-in: back to it when done.
    let next = safe_next(Some(&query("next")));
    view! {
        <Title text=if recovered { "Remove lost devices" } else { "Your devices" } />
        <AccountPanel recovered=recovered next=next />
    }
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
pub(crate) async fn confirm_its_you() -> Result<(), String> {
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
    let removed = answer.map_err(|f| account_failure(&f))?;
    if let Some(accepted) = &removed.accepted {
        signal_accepted(accepted).await;
    }
    Ok(removed.signed_out)
}

/// Tells the browser's passkey manager which of the account's passkeys still
/// count, where it can (it may then hide the others).
async fn signal_accepted(accepted: &AcceptedPasskeysView) {
    client::signal_passkey_manager(
        "signalAllAcceptedCredentials",
        &serde_json::json!({
            "rpId": accepted.rp_id,
            "userId": accepted.user_id,
            "allAcceptedCredentialIds": accepted.all_accepted_credential_ids,
        }),
    )
    .await;
}

/// Everything the page shows, fetched together.
#[derive(Clone, Default)]
struct Account {
    /// The account's address.
    email: String,
    passkeys: Vec<PasskeyView>,
    /// This device joined by a link moments ago: until then it cannot remove the
    /// others (Unix seconds).
    cooldown_until: Option<i64>,
    sessions: Vec<SessionView>,
    apps: Vec<AppView>,
    events: Vec<SecurityEventView>,
}

async fn load_account() -> Result<Account, ApiFailure> {
    let passkeys = client::read::<Passkeys>().await?;
    Ok(Account {
        email: client::read::<Me>().await?.user.email,
        passkeys: passkeys.passkeys,
        cooldown_until: passkeys.cooldown_until,
        sessions: client::read::<Sessions>().await?.sessions,
        apps: client::read::<Apps>().await?.apps,
        events: client::read::<Activity>().await?.events,
    })
}

// An island where it is rendered and in the `/link` page's bundle (see `link.rs`).
#[cfg_attr(any(feature = "manage", not(feature = "hydrate")), island)]
#[cfg_attr(all(feature = "hydrate", not(feature = "manage")), component)]
fn AccountPanel(recovered: bool, next: String) -> impl IntoView {
    let account = RwSignal::new(None::<Account>);
    let (message, set_message) = signal(None::<String>);
    let (error, set_error) = signal(None::<String>);
    let (cleaning_up, set_cleaning_up) = signal(recovered);
    let goes_on = next != "/";
    let next = StoredValue::new(next);
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
            <Status message=message />
            <Status message=error error=true />
            <Show
                when=move || cleaning_up.get()
                fallback=move || {
                    view! {
                        <CooldownNotice />
                        <PasskeysSection />
                        <SessionsSection />
                        <AppsSection />
                        <ActivitySection />
                        <EmailSection />
                        <LeavingSection />
                    }
                }
            >
                <LostDevices
                    done=move || {
                        if goes_on {
                            client::go_to(&next.get_value())
                        } else {
                            set_cleaning_up.set(false)
                        }
                    }
                    goes_on=goes_on
                />
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

fn ctx() -> Ctx {
    expect_context::<Ctx>()
}
