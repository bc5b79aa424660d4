//! "Acme Notes", a Leptos app (islands) that takes its sign-in from BMAuth the
//! Leptos way: BMAuth's pages sit in Acme's own layout (`<bmauth_app::AuthRoutes/>`),
//! and Acme's pages ask who is signed in through server functions whose answer
//! type (`UserView`) the server and the WASM client share.

#![recursion_limit = "256"]

use bmauth_app::api::UserView;
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

// ANCHOR: embed
/// Who is signed in, if anyone. Runs on the server; the browser calls it over HTTP.
#[server]
pub async fn current_user() -> Result<Option<UserView>, ServerFnError> {
    let user: Option<bmauth::AuthUser> = leptos_axum::extract().await?;
    Ok(user.map(|bmauth::AuthUser(user)| user.into()))
}

/// Ends this browser's session and removes its cookie.
#[server]
pub async fn sign_out() -> Result<(), ServerFnError> {
    use axum::Extension;
    use axum::http::{HeaderMap, header};
    let (Extension(bmauth), headers): (Extension<bmauth::BmAuth>, HeaderMap) =
        leptos_axum::extract().await?;
    let clear_cookie = bmauth
        .sign_out(&headers)
        .await
        .map_err(ServerFnError::new)?;
    expect_context::<leptos_axum::ResponseOptions>()
        .insert_header(header::SET_COOKIE, clear_cookie);
    Ok(())
}

/// Acme's layout around every page, BMAuth's included.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/leptos_host.css" />
        <Title formatter=|page: String| format!("{page} · Acme Notes") />
        <Router>
            <header class="acme-bar">
                <a href="/" class="acme-brand">
                    "Acme Notes"
                </a>
                <a href="/notes">"Your notes"</a>
            </header>
            <main class="page">
                <Routes fallback=bmauth_app::NotFound>
                    <Route path=path!("/") view=Home />
                    // Rendered whole before it is sent, so that its redirect for
                    // visitors who are not signed in is a real 302.
                    <Route path=path!("/notes") view=Notes ssr=SsrMode::Async />
                    <bmauth_app::AuthRoutes />
                </Routes>
            </main>
            <footer class="acme-footer">"Acme Notes · passkeys by BMAuth"</footer>
        </Router>
    }
}
// ANCHOR_END: embed

/// The HTML document.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // BMAuth's policy suits Acme too: its own scripts and WASM, nothing inline.
    #[cfg(feature = "ssr")]
    bmauth_app::send_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
fn Home() -> impl IntoView {
    view! {
        <Title text="Welcome" />
        <section class="card">
            <h1>"Acme Notes"</h1>
            <p class="lead">"Your notes, behind your fingerprint."</p>
            <a class="button" href="/notes">
                "Open your notes"
            </a>
        </section>
    }
}

/// Only for people who are signed in; the others are sent to sign in and back.
#[component]
fn Notes() -> impl IntoView {
    let user = OnceResource::new_blocking(current_user());
    view! {
        <Title text="Your notes" />
        <Suspense>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => {
                        view! {
                            <section class="card">
                                <h1>"Your notes"</h1>
                                <p class="lead">
                                    "Signed in as "
                                    <strong data-testid="acme-user">{user.email}</strong>
                                </p>
                                <SignOutButton />
                            </section>
                        }
                            .into_any()
                    }
                    Ok(None) => view! { <Redirect path="/auth/login?next=%2Fnotes" /> }.into_any(),
                    Err(e) => {
                        view! { <p role="alert">"Something went wrong: " {e.to_string()}</p> }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// The one interactive part of the notes page: its WASM calls the `sign_out`
/// server function.
#[island]
fn SignOutButton() -> impl IntoView {
    let sign_out = Action::new_local(|_: &()| sign_out());
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| {
        set_hydrated.set(true); // effects run only in the browser: the button is live
        if let Some(Ok(())) = sign_out.value().get() {
            bmauth_app::client::go_to("/");
        }
    });
    view! {
        <button
            type="button"
            class="button secondary"
            data-hydrated=move || hydrated.get().to_string()
            disabled=move || sign_out.pending().get()
            on:click=move |_| {
                sign_out.dispatch(());
            }
        >
            "Sign out"
        </button>
        <Show when=move || matches!(sign_out.value().get(), Some(Err(_)))>
            <p role="alert">"We couldn't sign you out. Please try again."</p>
        </Show>
    }
}

/// The browser entry: hydrates the islands, Acme's and BMAuth's.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_islands();
}
