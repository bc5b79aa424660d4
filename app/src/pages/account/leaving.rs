//! "Your data" and leaving: download everything BMAuth keeps about you, and
//! delete your account (what that means said first, then a fresh passkey).

use leptos::prelude::*;

use super::{account_failure, confirm_its_you, ctx, signal_accepted};
use crate::api::routes::DeleteAccount;
use crate::api::{Empty, ErrorCode};
use crate::client::{self, ApiFailure};
use crate::pages::ask_first::AskFirst;

/// Deletes the account, asking for the passkey first if the server wants a fresh
/// one; then the passkey manager may forget its passkeys.
async fn delete_account() -> Result<(), String> {
    let answer = match client::call::<DeleteAccount>(&Empty {}).await {
        Err(ApiFailure::Server(e)) if e.code == ErrorCode::ReauthenticationRequired => {
            confirm_its_you().await?;
            client::call::<DeleteAccount>(&Empty {}).await
        }
        other => other,
    };
    let deleted = answer.map_err(|f| account_failure(&f))?;
    signal_accepted(&deleted.accepted).await;
    Ok(())
}

#[component]
pub(super) fn LeavingSection() -> impl IntoView {
    let ctx = ctx();
    let delete = Action::new_local(move |_: &()| async move {
        match delete_account().await {
            Ok(()) => client::go_to("/auth/login?deleted=1"),
            Err(text) => ctx.fail(text),
        }
    });
    view! {
        <section class="card" aria-labelledby="data-heading">
            <h2 id="data-heading">"Your data"</h2>
            <p>
                "Everything kept about you: your account, your passkeys (without their keys), your sessions, your activity and the apps you let in."
            </p>
            <a class="button secondary" href="/auth/account/export" download="bmauth-account.json">
                "Download your data"
            </a>
        </section>
        <section class="card" aria-labelledby="delete-heading">
            <h2 id="delete-heading">"Delete your account"</h2>
            <AskFirst
                opener="Delete your account\u{2026}"
                warning="This deletes your account for good: your passkeys stop working here, every device and app you signed in to is signed out, and your activity is gone. Nothing can bring it back; you can sign up again with the same address."
                confirm="Delete my account"
                pending=delete.pending()
                on_confirm=move |()| {
                    delete.dispatch_local(());
                }
            />
        </section>
    }
}
