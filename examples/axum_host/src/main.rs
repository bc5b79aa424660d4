//! Runs the example on http://localhost:3000 (SQLite in ./data, the development
//! mailer: codes appear in the log). `cargo run -p axum-host`.

use std::net::SocketAddr;

use bmauth::{BmAuth, Config};

mod app;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bmauth = BmAuth::start(Config::load("bmauth.toml".as_ref())?).await?; // + BMAuth
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("the example app is on http://localhost:3000");
    // Rate limits see each client's address: serve with connect info.
    let service = app::app(&bmauth).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service).await?;
    Ok(())
}
