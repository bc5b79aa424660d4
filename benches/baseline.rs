//! The benchmark's yardstick: webauthn-rs with no storage, the shape of the crate's
//! own axum tutorial. Passkeys, ceremony states and sessions live in memory maps;
//! nothing is written anywhere, no rate limit is counted, no event recorded, no
//! email confirmed. It speaks the four routes the load generator calls with
//! BMAuth's request and answer shapes, so the same virtual people, authenticator
//! and HTTP client measure both, side by side in one run.
//!
//! `load --baseline-server ADDRESS ORIGIN` runs it (the load generator starts it
//! as a process of its own, so its CPU is read apart from the generator's).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};

/// Everything the server knows, in memory.
#[derive(Default)]
struct Memory {
    /// email → (user handle, passkeys)
    accounts: HashMap<String, (Uuid, Vec<Passkey>)>,
    registrations: HashMap<String, (Uuid, PasskeyRegistration)>,
    authentications: HashMap<String, PasskeyAuthentication>,
    /// session id → user handle, as the tutorial's in-memory session store keeps it.
    sessions: HashMap<u128, Uuid>,
}

struct Baseline {
    webauthn: Webauthn,
    memory: Mutex<Memory>,
}

#[derive(Deserialize)]
struct Begin {
    email: String,
}

#[derive(Deserialize)]
struct Complete<C> {
    email: String,
    credential: C,
}

/// BMAuth's error shape, so the load generator tallies both servers' failures alike.
fn refused(code: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": { "code": code } })),
    )
        .into_response()
}

async fn register_begin(State(server): State<Arc<Baseline>>, Json(begin): Json<Begin>) -> Response {
    let handle = Uuid::new_v4();
    let Ok((options, state)) =
        server
            .webauthn
            .start_passkey_registration(handle, &begin.email, &begin.email, None)
    else {
        return refused("registration_failed");
    };
    let mut memory = server.memory.lock().expect("the memory lock");
    memory.registrations.insert(begin.email, (handle, state));
    Json(options).into_response()
}

async fn register_complete(
    State(server): State<Arc<Baseline>>,
    Json(complete): Json<Complete<RegisterPublicKeyCredential>>,
) -> Response {
    let Some((handle, state)) = server
        .memory
        .lock()
        .expect("the memory lock")
        .registrations
        .remove(&complete.email)
    else {
        return refused("ceremony_not_found");
    };
    let Ok(passkey) = server
        .webauthn
        .finish_passkey_registration(&complete.credential, &state)
    else {
        return refused("invalid_credential");
    };
    let mut memory = server.memory.lock().expect("the memory lock");
    let account = memory
        .accounts
        .entry(complete.email)
        .or_insert_with(|| (handle, Vec::new()));
    account.1.push(passkey);
    Json(json!({})).into_response()
}

async fn login_begin(State(server): State<Arc<Baseline>>, Json(begin): Json<Begin>) -> Response {
    let passkeys = match server
        .memory
        .lock()
        .expect("the memory lock")
        .accounts
        .get(&begin.email)
    {
        Some((_, passkeys)) => passkeys.clone(),
        None => return refused("no_account"),
    };
    let Ok((options, state)) = server.webauthn.start_passkey_authentication(&passkeys) else {
        return refused("authentication_failed");
    };
    let mut memory = server.memory.lock().expect("the memory lock");
    memory.authentications.insert(begin.email, state);
    Json(options).into_response()
}

async fn login_complete(
    State(server): State<Arc<Baseline>>,
    Json(complete): Json<Complete<PublicKeyCredential>>,
) -> Response {
    let Some(state) = server
        .memory
        .lock()
        .expect("the memory lock")
        .authentications
        .remove(&complete.email)
    else {
        return refused("ceremony_not_found");
    };
    let Ok(result) = server
        .webauthn
        .finish_passkey_authentication(&complete.credential, &state)
    else {
        return refused("invalid_credential");
    };
    let session: u128 = rand::random();
    let mut memory = server.memory.lock().expect("the memory lock");
    let Some((handle, passkeys)) = memory.accounts.get_mut(&complete.email) else {
        return refused("no_account");
    };
    // The counter and backup state, as the tutorial keeps them.
    for passkey in passkeys.iter_mut() {
        passkey.update_credential(&result);
    }
    let handle = *handle;
    memory.sessions.insert(session, handle);
    let mut headers = HeaderMap::new();
    let cookie = format!("id={session:032x}; HttpOnly; SameSite=Strict; Path=/");
    headers.insert(header::SET_COOKIE, cookie.parse().expect("a cookie header"));
    (headers, Json(Value::Object(Default::default()))).into_response()
}

/// Serves the baseline on `address` for `origin` until the process is killed.
pub async fn serve(address: &str, origin: &str) {
    let origin = Url::parse(origin).expect("an origin URL");
    let rp_id = origin
        .host_str()
        .expect("an origin with a host")
        .to_string();
    let webauthn = WebauthnBuilder::new(&rp_id, &origin)
        .and_then(|b| b.rp_name("Baseline").build())
        .expect("a relying party");
    let server = Arc::new(Baseline {
        webauthn,
        memory: Mutex::default(),
    });
    let app = Router::new()
        .route("/readyz", get(|| async { "ok" }))
        .route("/auth/register/begin", post(register_begin))
        .route("/auth/register/complete", post(register_complete))
        .route("/auth/login/begin", post(login_begin))
        .route("/auth/login/complete", post(login_complete))
        .with_state(server);
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .expect("the baseline's address");
    axum::serve(listener, app)
        .await
        .expect("the baseline serves");
}
