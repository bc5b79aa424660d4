//! The browser side: fetch to the JSON API, and WebAuthn through
//! `navigator.credentials`, converting between the server's WebAuthn JSON (base64url)
//! and the browser's ArrayBuffers here and nowhere else.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use js_sys::{Array, Function, JSON, Promise, Reflect, Uint8Array};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::{ApiFailure, PasskeyFailure};
use crate::api::ErrorBody;

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// POSTs JSON to the API (same origin: the browser adds `Origin` and the cookie).
pub async fn post_json<B: Serialize, R: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<R, ApiFailure> {
    let window = window().ok_or(ApiFailure::Network)?;
    let body = serde_json::to_string(body).map_err(|_| ApiFailure::Network)?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(&body));
    let headers = web_sys::Headers::new().map_err(|_| ApiFailure::Network)?;
    headers
        .set("content-type", "application/json")
        .map_err(|_| ApiFailure::Network)?;
    init.set_headers(&headers);
    answer_of(JsFuture::from(window.fetch_with_str_and_init(path, &init)).await).await
}

/// GETs JSON from the API.
pub async fn get_json<R: DeserializeOwned>(path: &str) -> Result<R, ApiFailure> {
    let window = window().ok_or(ApiFailure::Network)?;
    answer_of(JsFuture::from(window.fetch_with_str(path)).await).await
}

/// The API's answer: its JSON on success, its error otherwise.
async fn answer_of<R: DeserializeOwned>(
    fetched: Result<JsValue, JsValue>,
) -> Result<R, ApiFailure> {
    let response: web_sys::Response = fetched.map_err(|_| ApiFailure::Network)?.unchecked_into();
    let text = JsFuture::from(response.text().map_err(|_| ApiFailure::Network)?)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or(ApiFailure::Network)?;
    if response.ok() {
        serde_json::from_str(&text).map_err(|_| ApiFailure::Network)
    } else {
        Err(serde_json::from_str::<ErrorBody>(&text)
            .map(|e| ApiFailure::Server(e.error))
            .unwrap_or(ApiFailure::Network))
    }
}

/// The browser's clock, in Unix seconds.
pub fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// Waits `millis` milliseconds.
pub async fn sleep(millis: i32) {
    let Some(window) = window() else { return };
    let wait = Promise::new(&mut |resolve, _| {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, millis);
    });
    let _ = JsFuture::from(wait).await;
}

/// This page's origin and `#fragment` (without the `#`).
pub fn location_origin_and_fragment() -> (String, String) {
    let Some(location) = window().map(|w| w.location()) else {
        return (String::new(), String::new());
    };
    let origin = location.origin().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    (origin, hash.trim_start_matches('#').to_string())
}

/// Removes the `#fragment` from the address bar (and from history).
pub fn forget_fragment() {
    if let Some(window) = window()
        && let Ok(history) = window.history()
    {
        let path = window.location().pathname().unwrap_or_default();
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&path));
    }
}

/// Where to go after signing in, from this page's own address (`?next=`), made
/// safe (a path on this site, or `/`). Islands have no router to ask.
pub fn next_page() -> String {
    let search = window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let next = form_urlencoded::parse(search.trim_start_matches('?').as_bytes())
        .find(|(key, _)| key == "next")
        .map(|(_, value)| value.into_owned());
    crate::api::safe_next(next.as_deref())
}

/// Tells the browser's passkey manager something about this site's passkeys
/// (WebAuthn Level 3 §5.1.10: `signalUnknownCredential`,
/// `signalAllAcceptedCredentials`), so that it stops offering passkeys that no
/// longer sign in. Where the browser lacks the method, nothing happens; a refusal
/// changes nothing here either.
pub async fn signal_passkey_manager(method: &str, details: &Value) {
    let Some(window) = window() else { return };
    let Ok(class) = Reflect::get(&window, &"PublicKeyCredential".into()) else {
        return;
    };
    let Ok(function) = Reflect::get(&class, &method.into()) else {
        return;
    };
    let (Ok(function), Ok(details)) = (
        function.dyn_into::<Function>(),
        JSON::parse(&details.to_string()),
    ) else {
        return;
    };
    if let Ok(answer) = function.call1(&class, &details)
        && let Ok(promise) = answer.dyn_into::<Promise>()
    {
        let _ = JsFuture::from(promise).await;
    }
}

pub fn go_to(path: &str) {
    if let Some(window) = window() {
        let _ = window.location().set_href(path);
    }
}

/// Passkeys need `PublicKeyCredential` and a secure context (https or localhost).
pub fn passkeys_supported() -> bool {
    window().is_some_and(|w| {
        w.is_secure_context()
            && Reflect::get(&w, &"PublicKeyCredential".into()).is_ok_and(|v| !v.is_undefined())
    })
}

/// Whether the browser can offer passkeys in the email field's autofill.
pub async fn autofill_available() -> bool {
    let Some(window) = window() else { return false };
    let Ok(class) = Reflect::get(&window, &"PublicKeyCredential".into()) else {
        return false;
    };
    let Ok(check) = Reflect::get(&class, &"isConditionalMediationAvailable".into()) else {
        return false;
    };
    let Some(check) = check.dyn_ref::<Function>() else {
        return false;
    };
    match check.call0(&class) {
        Ok(promise) => JsFuture::from(Promise::from(promise))
            .await
            .is_ok_and(|v| v.is_truthy()),
        Err(_) => false,
    }
}

/// Whether the browser can use a passkey from a phone nearby (the hybrid transport,
/// with its Bluetooth proximity check): `PublicKeyCredential.getClientCapabilities()`
/// says `hybridTransport`. Browsers without that method (or saying no) get
/// BMAuth's own QR codes instead, never a dead button.
pub async fn hybrid_available() -> bool {
    let Some(window) = window() else { return false };
    let Ok(class) = Reflect::get(&window, &"PublicKeyCredential".into()) else {
        return false;
    };
    let Ok(ask) = Reflect::get(&class, &"getClientCapabilities".into()) else {
        return false;
    };
    let Some(ask) = ask.dyn_ref::<Function>() else {
        return false;
    };
    let Ok(promise) = ask.call0(&class) else {
        return false;
    };
    match JsFuture::from(Promise::from(promise)).await {
        Ok(capabilities) => Reflect::get(&capabilities, &"hybridTransport".into())
            .is_ok_and(|v| v.as_bool() == Some(true)),
        Err(_) => false,
    }
}

/// Stops a pending passkey request (an `AbortController`).
#[derive(Clone)]
pub struct Abort(web_sys::AbortController);

impl Abort {
    pub fn new() -> Option<Self> {
        web_sys::AbortController::new().ok().map(Self)
    }

    pub fn abort(&self) {
        self.0.abort();
    }
}

/// `navigator.credentials.create()` with the server's creation options.
pub async fn create_passkey(options: &Value) -> Result<Value, PasskeyFailure> {
    let options = to_js(options)?;
    let public_key = get(&options, "publicKey");
    decode_field(&public_key, "challenge")?;
    decode_field(&get(&public_key, "user"), "id")?;
    decode_list(&public_key, "excludeCredentials")?;
    let credential = call_credentials("create", &options).await?;
    let response = get(&credential, "response");
    Ok(credential_json(
        &credential,
        json!({
            "clientDataJSON": encode(&get(&response, "clientDataJSON")),
            "attestationObject": encode(&get(&response, "attestationObject")),
            "transports": transports(&response),
        }),
    ))
}

/// `navigator.credentials.get()` with the server's request options. With
/// `"mediation": "conditional"` in them, this waits for the person to pick a passkey
/// from the email field's autofill.
pub async fn get_passkey(options: &Value, abort: Option<&Abort>) -> Result<Value, PasskeyFailure> {
    let options = to_js(options)?;
    let public_key = get(&options, "publicKey");
    decode_field(&public_key, "challenge")?;
    decode_list(&public_key, "allowCredentials")?;
    if let Some(abort) = abort {
        let _ = Reflect::set(&options, &"signal".into(), &abort.0.signal());
    }
    let credential = call_credentials("get", &options).await?;
    let response = get(&credential, "response");
    let user_handle = get(&response, "userHandle");
    Ok(credential_json(
        &credential,
        json!({
            "clientDataJSON": encode(&get(&response, "clientDataJSON")),
            "authenticatorData": encode(&get(&response, "authenticatorData")),
            "signature": encode(&get(&response, "signature")),
            "userHandle": (!user_handle.is_null() && !user_handle.is_undefined()).then(|| encode(&user_handle)),
        }),
    ))
}

/// A `PublicKeyCredential` as WebAuthn JSON, around its already-encoded `response`.
fn credential_json(credential: &JsValue, response: Value) -> Value {
    json!({
        "id": get(credential, "id").as_string(),
        "rawId": encode(&get(credential, "rawId")),
        "type": "public-key",
        "response": response,
        "clientExtensionResults": extension_results(credential),
    })
}

async fn call_credentials(method: &str, options: &JsValue) -> Result<JsValue, PasskeyFailure> {
    if !passkeys_supported() {
        return Err(PasskeyFailure::Unsupported);
    }
    let navigator = window()
        .map(|w| w.navigator())
        .ok_or(PasskeyFailure::Unsupported)?;
    let container = get(&navigator, "credentials");
    let function: Function = Reflect::get(&container, &method.into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or(PasskeyFailure::Unsupported)?;
    let promise = function.call1(&container, options).map_err(classify)?;
    let credential = JsFuture::from(Promise::from(promise))
        .await
        .map_err(classify)?;
    if credential.is_null() {
        return Err(PasskeyFailure::NotAllowed);
    }
    Ok(credential)
}

fn classify(error: JsValue) -> PasskeyFailure {
    let name = error
        .dyn_ref::<web_sys::DomException>()
        .map(|e| e.name())
        .unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" => PasskeyFailure::NotAllowed,
        "InvalidStateError" => PasskeyFailure::AlreadyRegistered,
        "AbortError" => PasskeyFailure::Aborted,
        "NotSupportedError" | "SecurityError" => PasskeyFailure::Unsupported,
        _ => PasskeyFailure::Other(format!("{error:?}")),
    }
}

fn to_js(value: &Value) -> Result<JsValue, PasskeyFailure> {
    let text = serde_json::to_string(value).map_err(|e| PasskeyFailure::Other(e.to_string()))?;
    JSON::parse(&text).map_err(|_| PasskeyFailure::Other("options are not JSON".into()))
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// Replaces a base64url string field with its bytes.
fn decode_field(object: &JsValue, key: &str) -> Result<(), PasskeyFailure> {
    let Some(text) = get(object, key).as_string() else {
        return Ok(());
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| PasskeyFailure::Other(format!("{key} is not base64url")))?;
    Reflect::set(object, &key.into(), &Uint8Array::from(bytes.as_slice()))
        .map(|_| ())
        .map_err(|_| PasskeyFailure::Other(format!("could not set {key}")))
}

/// Decodes the `id` of each credential descriptor in a list.
fn decode_list(object: &JsValue, key: &str) -> Result<(), PasskeyFailure> {
    let list = get(object, key);
    if let Some(list) = list.dyn_ref::<Array>() {
        for item in list.iter() {
            decode_field(&item, "id")?;
        }
    }
    Ok(())
}

fn encode(buffer: &JsValue) -> String {
    URL_SAFE_NO_PAD.encode(Uint8Array::new(buffer).to_vec())
}

fn transports(response: &JsValue) -> Value {
    let list = get(response, "getTransports")
        .dyn_into::<Function>()
        .ok()
        .and_then(|f| f.call0(response).ok());
    match list.and_then(|l| l.dyn_into::<Array>().ok()) {
        Some(list) => Value::Array(
            list.iter()
                .filter_map(|t| t.as_string())
                .map(Value::String)
                .collect(),
        ),
        None => Value::Null,
    }
}

fn extension_results(credential: &JsValue) -> Value {
    get(credential, "getClientExtensionResults")
        .dyn_into::<Function>()
        .ok()
        .and_then(|f| f.call0(credential).ok())
        .and_then(|results| JSON::stringify(&results).ok())
        .and_then(|text| text.as_string())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_else(|| Value::Object(Default::default()))
}
