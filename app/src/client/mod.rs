//! What islands call in the browser: the JSON API and `navigator.credentials`.
//!
//! Compiled for real only in the hydrate (WASM) build. On the server, islands are
//! rendered but never run their handlers, so the same functions exist as stubs that
//! report themselves unavailable: island code needs no `cfg`.

use crate::api::ErrorDetail;
use crate::api::routes::{Endpoint, Method};

#[cfg(feature = "hydrate")]
mod browser;
#[cfg(feature = "hydrate")]
pub use browser::*;
#[cfg(feature = "hydrate")]
mod scanner;
#[cfg(feature = "hydrate")]
pub use scanner::scan_qr;

#[cfg(not(feature = "hydrate"))]
mod server_stub;
#[cfg(not(feature = "hydrate"))]
pub use server_stub::*;

/// Calls an endpoint of the JSON API (a POST: the browser adds `Origin` and the
/// cookies), with its request type, and reads its answer type.
pub async fn call<E: Endpoint>(request: &E::Request) -> Result<E::Response, ApiFailure> {
    debug_assert_eq!(E::METHOD, Method::Post, "islands only change state");
    post_json(E::PATH, request).await
}

/// Reads an endpoint of the JSON API that is a GET.
pub async fn read<E: Endpoint>() -> Result<E::Response, ApiFailure> {
    debug_assert_eq!(E::METHOD, Method::Get, "reads only");
    get_json(E::PATH).await
}

/// Why the camera gave no QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanFailure {
    /// The person (or the browser's settings) refused the camera.
    Refused,
    /// This device has no camera.
    NoCamera,
    /// The scanner could not start (not loaded, or the camera is busy).
    Unavailable,
}

/// How a call to the JSON API failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// The server answered with an error.
    Server(ErrorDetail),
    /// No answer (offline, server down) or an answer that was not ours.
    Network,
}

/// How a passkey ceremony failed in the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasskeyFailure {
    /// Cancelled, timed out, refused, or no passkey on this device for the account.
    /// Browsers say the same "NotAllowedError" for all of these, on purpose.
    NotAllowed,
    /// This device already holds a passkey for the account (creation only).
    AlreadyRegistered,
    /// The request was aborted by the page (e.g. autofill gave way to the form).
    Aborted,
    /// Passkeys are not available here (old browser, or not https / localhost).
    Unsupported,
    Other(String),
}

/// The states a passkey sign-in or sign-up can end in, in the person's words.
pub fn passkey_failure_message(failure: &PasskeyFailure) -> &'static str {
    match failure {
        PasskeyFailure::NotAllowed => "The passkey request was cancelled or timed out.",
        PasskeyFailure::AlreadyRegistered => {
            "This device already has a passkey for this account. Sign in instead."
        }
        PasskeyFailure::Aborted => "The request was stopped.",
        PasskeyFailure::Unsupported => UNSUPPORTED_MESSAGE,
        PasskeyFailure::Other(_) => "Something went wrong with the passkey. Please try again.",
    }
}

pub const UNSUPPORTED_MESSAGE: &str = "This browser can't use passkeys on this page. Use an up-to-date browser, and open the site over https (or on localhost).";

pub const NETWORK_MESSAGE: &str = "We can't reach the server. Check your connection and try again.";
