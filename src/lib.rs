//! BMAuth: passkey sign-in for Rust web apps.
//!
//! People sign up with their email and their device's biometric (a passkey),
//! confirm the email with a 6-digit code, and sign in with the biometric. The
//! library keeps the rules (in [`Auth`]); [`BmAuth::router`] is the JSON API,
//! [`AuthUser`] the extractor for your own routes, and, with the `pages` feature,
//! `BmAuth::app` the whole reference app with its pages.
//!
//! Mount it into any axum app:
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use bmauth::{AuthUser, BmAuth, Config};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let bmauth = BmAuth::start(Config::load("bmauth.toml".as_ref())?).await?;
//! let app: Router = Router::new()
//!     .route("/hello", get(|AuthUser(user): AuthUser| async move { format!("Hi {}", user.email) }))
//!     .merge(bmauth.router())   // the JSON API under /auth
//!     .layer(bmauth.layer());   // lets AuthUser find its sessions
//! # Ok(()) }
//! ```
//!
//! The rules live in [`auth`]; the JSON routes, the extractor and the pages are
//! thin doors onto them.
//!
//! Features, none by default: `pages` (the reference app's Leptos pages; without it
//! the library has no Leptos in its tree), `test-support` (hooks for tests, in the
//! `testing` module). The `bmauth` binary is the `bmauth-server` crate.
//!
//! The layers, and where each rule lives: `docs/architecture.md`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![recursion_limit = "256"]

/// The auth rules: [`Auth`] and what its operations take and give.
pub mod auth;
/// Time, passed in (tests use [`ManualClock`]).
pub mod clock;
/// Configuration: [`Config`], read once into types and validated.
pub mod config;
mod crypto;
mod http;
mod mail;
mod metrics;
mod model;
#[cfg(feature = "pages")]
mod pages;
#[cfg_attr(feature = "test-support", allow(missing_docs))] // test hooks, not the API
mod store;
/// Hooks for tests (the `test-support` feature).
#[cfg(feature = "test-support")]
pub mod testing;
mod worker;

mod cookies;
mod handle;
#[cfg(test)]
mod layers;
mod startup;

pub use crate::auth::{Auth, AuthError, User};
pub use crate::clock::{Clock, ManualClock, SystemClock};
pub use crate::config::{Config, ConfigError};
pub use crate::handle::{BackupError, BmAuth};
pub use crate::http::error::ApiError;
pub use crate::http::extract::AuthUser;
pub use crate::startup::{Builder, StartError};
