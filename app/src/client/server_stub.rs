//! Server-side stand-ins: islands render on the server but only run in the browser.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{ApiFailure, PasskeyFailure};

pub async fn post_json<B: Serialize, R: DeserializeOwned>(
    _path: &str,
    _body: &B,
) -> Result<R, ApiFailure> {
    Err(ApiFailure::Network)
}

pub async fn get_json<R: DeserializeOwned>(_path: &str) -> Result<R, ApiFailure> {
    Err(ApiFailure::Network)
}

pub async fn sleep(_millis: i32) {}

pub fn location_origin_and_fragment() -> (String, String) {
    (String::new(), String::new())
}

pub fn forget_fragment() {}

pub async fn scan_qr(_element_id: &str) -> Result<String, super::ScanFailure> {
    Err(super::ScanFailure::Unavailable)
}

pub async fn create_passkey(_options: &Value) -> Result<Value, PasskeyFailure> {
    Err(PasskeyFailure::Unsupported)
}

pub async fn get_passkey(
    _options: &Value,
    _abort: Option<&Abort>,
) -> Result<Value, PasskeyFailure> {
    Err(PasskeyFailure::Unsupported)
}

pub fn passkeys_supported() -> bool {
    false
}

pub async fn hybrid_available() -> bool {
    false
}

pub async fn autofill_available() -> bool {
    false
}

pub fn next_page() -> String {
    "/".into()
}

pub async fn signal_passkey_manager(_method: &str, _details: &serde_json::Value) {}

pub fn go_to(_path: &str) {}

pub fn now_secs() -> i64 {
    0
}

/// Stops a pending passkey request.
#[derive(Clone)]
pub struct Abort;

impl Abort {
    pub fn new() -> Option<Self> {
        None
    }

    pub fn abort(&self) {}
}
