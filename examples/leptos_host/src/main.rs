//! Runs Acme Notes on http://localhost:3000 (SQLite in ./data, the development
//! mailer: codes appear in the log). Build the browser part first:
//! `scripts/build-site leptos-host`, then `cargo run -p leptos-host --features ssr`.
//! `BMAUTH_*` variables configure BMAuth; `ACME_LISTEN` and `ACME_SITE_DIR` the app.

#![recursion_limit = "256"]

use std::net::SocketAddr;

use axum::Router;
use bmauth::{BmAuth, Config};
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use leptos_host::{App, shell};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listen = std::env::var("ACME_LISTEN").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let site = std::env::var("ACME_SITE_DIR").unwrap_or_else(|_| "target/leptos-host-site".into());
    let bmauth = BmAuth::start(Config::load("bmauth.toml".as_ref())?).await?;

    let options = LeptosOptions::builder()
        .output_name("leptos_host")
        .site_root(site.as_str())
        .build();
    let app = Router::new()
        // Acme's pages, BMAuth's among them, and the server functions.
        .leptos_routes(&options, generate_route_list(App), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
        .merge(bmauth.router()) // BMAuth's JSON API, which its pages call
        .layer(bmauth.layer()); // lets AuthUser (and the server functions) find the session

    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("Acme Notes is on http://{listen}");
    // Rate limits see each client's address: serve with connect info.
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service).await?;
    Ok(())
}
