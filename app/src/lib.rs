//! BMAuth's Leptos app (pages, rendered on the server and hydrated in the browser)
//! and the wire types the server and the browser share.

pub mod api;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// The HTML document around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let _ = options; // hydration scripts join when the WASM bundle does
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" href="/pkg/bmauth.css"/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="BMAuth"/>
        <Router>
            <main class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Welcome/>
                </Routes>
            </main>
        </Router>
    }
}

#[component]
fn Welcome() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"BMAuth"</h1>
            <p class="lead">"Passkey sign-in: your fingerprint, face or device PIN instead of a password."</p>
            <p>"The sign-in pages are on their way. The JSON API is live under "<code>"/auth"</code>
               "; see the README for the routes."</p>
        </section>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Page not found"</h1>
            <p><a href="/">"Go to the start page"</a></p>
        </section>
    }
}
