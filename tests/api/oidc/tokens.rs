//! Refresh tokens (rotated, a reused one revokes its family), revocation (RFC
//! 7009), and what else ends an app's tokens: signing out everywhere, removing the
//! passkey, revoking the app on the account page. Attacked in both orders where
//! the order matters, and raced.

use serde_json::{Value, json};

use super::{ADA, VERIFIER, code_for_notes, code_for_notes_with, exchange};
use crate::support::{Backend, Browser, TestApp};

const OFFLINE: &[(&str, &str)] = &[("scope", "openid email offline_access")];

async fn token_request(
    app: &TestApp,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new().post(format!("{}/oauth/token", app.base()));
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let answer = request.form(form).send().await.unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

async fn refresh(app: &TestApp, refresh_token: &str) -> (u16, Value) {
    token_request(
        app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", "notes"),
        ],
        None,
    )
    .await
}

async fn userinfo_status(app: &TestApp, access_token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/oauth/userinfo", app.base()))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn revoke(app: &TestApp, token: &str, client: (&str, Option<&str>)) -> u16 {
    let mut form = vec![("token", token), ("client_id", client.0)];
    if let Some(secret) = client.1 {
        form.push(("client_secret", secret));
    }
    reqwest::Client::new()
        .post(format!("{}/oauth/revoke", app.base()))
        .form(&form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Ada's tokens for Acme Notes, with offline access.
async fn offline_tokens(app: &TestApp, ada: &Browser) -> Value {
    let code = code_for_notes_with(app, ada, OFFLINE).await;
    let (status, tokens) = exchange(app, &code, VERIFIER).await;
    assert_eq!(status, 200, "{tokens}");
    assert!(
        tokens["refresh_token"].is_string(),
        "offline_access gives one: {tokens}"
    );
    tokens
}

fn text(value: &Value) -> String {
    value.as_str().unwrap().to_string()
}

async fn refresh_tokens_rotate_and_a_reused_one_revokes_its_family(backend: Backend) {
    let app = TestApp::start_with(backend, super::with_clients).await;
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    // Without offline_access: no refresh token.
    let code = code_for_notes(&app, &ada).await;
    let (_, plain) = exchange(&app, &code, VERIFIER).await;
    assert!(plain["refresh_token"].is_null(), "{plain}");

    // offline_access is asked for: consent again (the grant grows), then a refresh
    // token.
    let tokens = offline_tokens(&app, &ada).await;
    let first = text(&tokens["refresh_token"]);
    let (status, rotated) = refresh(&app, &first).await;
    assert_eq!(status, 200, "{rotated}");
    let second = text(&rotated["refresh_token"]);
    assert_ne!(first, second, "rotated on use");
    assert_eq!(rotated["token_type"], "Bearer");
    assert_eq!(
        userinfo_status(&app, rotated["access_token"].as_str().unwrap()).await,
        200
    );

    // Another client cannot use it, and trying does not spend it.
    let (status, error) = token_request(
        &app,
        &[("grant_type", "refresh_token"), ("refresh_token", &second)],
        Some(("wiki", "wiki-secret")),
    )
    .await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // The first one again (a thief's copy, or the app's): refused, and the whole
    // family ends, the newest refresh token and access token too.
    let (status, error) = refresh(&app, &first).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _) = refresh(&app, &second).await;
    assert_eq!(status, 400, "the family is revoked");
    assert_eq!(
        userinfo_status(&app, rotated["access_token"].as_str().unwrap()).await,
        401
    );

    // The other order: the thief uses the newest first; then the app's use of the
    // same token ends the family for both.
    let tokens = offline_tokens(&app, &ada).await;
    let stolen = text(&tokens["refresh_token"]);
    let (status, thief) = refresh(&app, &stolen).await;
    assert_eq!(status, 200);
    let (status, _) = refresh(&app, &stolen).await;
    assert_eq!(status, 400, "the owner's use is refused");
    let (status, _) = refresh(&app, thief["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 400, "and the thief's successor is dead");
}

async fn what_ends_an_apps_tokens(backend: Backend) {
    let app = TestApp::start_with(backend, super::with_clients).await;
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;

    // Signing out of BMAuth: tokens without offline access end with the session;
    // offline ones are what offline access is for, and live on.
    let online = exchange(&app, &code_for_notes(&app, &ada).await, VERIFIER)
        .await
        .1;
    let offline = offline_tokens(&app, &ada).await;
    ada.post("/auth/logout", json!({})).await.expect_ok();
    assert_eq!(
        userinfo_status(&app, online["access_token"].as_str().unwrap()).await,
        401
    );
    assert_eq!(
        userinfo_status(&app, offline["access_token"].as_str().unwrap()).await,
        200
    );
    let (status, kept) = refresh(&app, offline["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{kept}");

    // Signing out everywhere (from a new session) ends them too.
    ada.sign_in(ADA).await.expect_ok();
    ada.post("/auth/sessions/end-others", json!({}))
        .await
        .expect_ok();
    let (status, _) = refresh(&app, kept["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 400, "signed out everywhere");
    assert_eq!(
        userinfo_status(&app, kept["access_token"].as_str().unwrap()).await,
        401
    );

    // Revoking the app on the account page: its tokens end, and it must ask again.
    let offline = offline_tokens(&app, &ada).await;
    let apps = ada.get("/auth/apps").await;
    let listed = &apps.expect_ok()["apps"];
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["name"], "Acme Notes");
    assert_eq!(listed[0]["client_id"], "notes");
    ada.post("/auth/apps/revoke", json!({ "client_id": "notes" }))
        .await
        .expect_ok();
    assert_eq!(
        userinfo_status(&app, offline["access_token"].as_str().unwrap()).await,
        401
    );
    let (status, _) = refresh(&app, offline["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 400);
    assert_eq!(ada.get("/auth/apps").await.body["apps"], json!([]));
    ada.post("/auth/apps/revoke", json!({ "client_id": "notes" }))
        .await
        .expect_error(404, "app_not_found");
    let again = ada
        .http
        .get(super::authorize_url(&app, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        super::location(&again).path(),
        "/auth/consent",
        "asks again"
    );

    // Removing the passkey that signed in ends even offline tokens: Ada loses this
    // device, recovers on another and removes the lost one there.
    let offline = offline_tokens(&app, &ada).await;
    let mut other_device = app.browser();
    other_device.recover(&app, ADA).await;
    let passkeys = other_device.get("/auth/passkeys").await;
    let lost = passkeys.expect_ok()["passkeys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["this_device"] != json!(true))
        .map(|p| p["id"].clone())
        .expect("the lost passkey");
    other_device.reauthenticate().await.expect_ok();
    other_device
        .post("/auth/passkeys/remove", json!({ "id": lost }))
        .await
        .expect_ok();
    assert_eq!(
        userinfo_status(&app, offline["access_token"].as_str().unwrap()).await,
        401
    );
    let (status, _) = refresh(&app, offline["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 400, "the passkey that signed in is gone");
}

async fn revocation_follows_rfc_7009(backend: Backend) {
    let app = TestApp::start_with(backend, super::with_clients).await;
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    let tokens = offline_tokens(&app, &ada).await;
    let access = text(&tokens["access_token"]);
    let refresh_token = text(&tokens["refresh_token"]);

    // Another client may not revoke it (§2.1), and its try changes nothing.
    assert_eq!(
        revoke(&app, &access, ("wiki", Some("wiki-secret"))).await,
        400
    );
    assert_eq!(userinfo_status(&app, &access).await, 200);
    // A wrong secret is no client at all.
    assert_eq!(revoke(&app, &access, ("wiki", Some("guess"))).await, 401);
    // An unknown token is no error (§2.2).
    assert_eq!(revoke(&app, "never-issued", ("notes", None)).await, 200);

    // The access token alone: userinfo refuses it; the refresh token still works.
    assert_eq!(revoke(&app, &access, ("notes", None)).await, 200);
    assert_eq!(userinfo_status(&app, &access).await, 401);
    let (status, rotated) = refresh(&app, &refresh_token).await;
    assert_eq!(status, 200);
    // The refresh token: its whole family ends (§2.1), the access token beside it
    // too.
    assert_eq!(
        revoke(
            &app,
            rotated["refresh_token"].as_str().unwrap(),
            ("notes", None)
        )
        .await,
        200
    );
    assert_eq!(
        userinfo_status(&app, rotated["access_token"].as_str().unwrap()).await,
        401
    );
    let (status, _) = refresh(&app, rotated["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 400);
}

async fn a_code_raced_from_many_places_gives_tokens_once(backend: Backend) {
    let app = TestApp::start_with(backend, super::with_clients).await;
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    let code = code_for_notes(&app, &ada).await;
    let attempts = (0..8).map(|_| exchange(&app, &code, VERIFIER));
    let answers = futures::future::join_all(attempts).await;
    let won: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == 200)
        .map(|(_, t)| t)
        .collect();
    assert_eq!(won.len(), 1, "exactly one exchange wins: {answers:?}");
    for (status, body) in answers.iter().filter(|(s, _)| *s != 200) {
        assert_eq!(
            (*status, body["error"].as_str()),
            (400, Some("invalid_grant"))
        );
    }
    // A replay revokes what the winner got (RFC 6749 §4.1.2). The racing losers
    // may have come before the winner's tokens were stored, so replay once more now.
    let (status, _) = exchange(&app, &code, VERIFIER).await;
    assert_eq!(status, 400);
    assert_eq!(
        userinfo_status(&app, won[0]["access_token"].as_str().unwrap()).await,
        401
    );
}

async fn guessing_a_client_secret_is_rate_limited(backend: Backend) {
    let app = TestApp::start_with(backend, super::with_clients).await;
    // Each guesser on its own loopback address, as the server sees clients.
    let guess = |from: [u8; 4], secret: &'static str| {
        let http = reqwest::Client::builder()
            .local_address(std::net::IpAddr::from(from))
            .build()
            .unwrap();
        let url = format!("{}/oauth/token", app.base());
        async move {
            let answer = http
                .post(url)
                .basic_auth("wiki", Some(secret))
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("code", "x"),
                    ("redirect_uri", "https://wiki.example.com/oidc"),
                ])
                .send()
                .await
                .unwrap();
            let status = answer.status().as_u16();
            let retry_after = answer.headers().get("retry-after").is_some();
            let body: Value = answer.json().await.unwrap_or(Value::Null);
            (status, body, retry_after)
        }
    };
    let attacker = [127, 0, 0, 7];
    let mut statuses = Vec::new();
    for _ in 0..21 {
        statuses.push(guess(attacker, "guess").await.0);
    }
    assert!(statuses[..20].iter().all(|s| *s == 401), "{statuses:?}");
    let (status, body, retry_after) = guess(attacker, "guess").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("temporarily_unavailable"))
    );
    assert!(retry_after, "says when to try again");
    // Even the right secret waits there: a guesser cannot tell when they hit it.
    assert_eq!(guess(attacker, "wiki-secret").await.0, 429);
    // The wiki itself, elsewhere, is not locked out by someone naming its id.
    let (status, body, _) = guess([127, 0, 0, 8], "wiki-secret").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "authenticated: only the code is wrong"
    );
    // The window passes.
    app.advance(std::time::Duration::from_secs(601));
    let (status, _, _) = guess(attacker, "wiki-secret").await;
    assert_eq!(status, 400);
}

/// A code someone saw (in a log, a browser's history) is no lever: presented by
/// another client it does nothing, not even revoke the sign-in it came from.
async fn a_seen_code_cannot_revoke_anything(backend: Backend) {
    let app = TestApp::start_with(backend, super::with_clients).await;
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    let code = code_for_notes(&app, &ada).await;
    let (status, tokens) = exchange(&app, &code, VERIFIER).await;
    assert_eq!(status, 200);
    let (status, error) = token_request(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://wiki.example.com/oidc"),
        ],
        Some(("wiki", "wiki-secret")),
    )
    .await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(
        userinfo_status(&app, tokens["access_token"].as_str().unwrap()).await,
        200,
        "Ada's sign-in to Acme Notes stands"
    );
    // A client must authenticate one way only (RFC 6749 §2.3).
    let (status, error) = token_request(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("redirect_uri", "https://wiki.example.com/oidc"),
            ("client_secret", "wiki-secret"),
        ],
        Some(("wiki", "wiki-secret")),
    )
    .await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("invalid_request"))
    );
    // No grant_type at all.
    let (status, error) = token_request(&app, &[("client_id", "notes")], None).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("invalid_request"))
    );
}

#[tokio::test]
async fn refresh_rotation_sqlite() {
    refresh_tokens_rotate_and_a_reused_one_revokes_its_family(Backend::Sqlite).await;
}

#[tokio::test]
async fn refresh_rotation_postgres() {
    refresh_tokens_rotate_and_a_reused_one_revokes_its_family(Backend::Postgres).await;
}

#[tokio::test]
async fn tokens_end_sqlite() {
    what_ends_an_apps_tokens(Backend::Sqlite).await;
}

#[tokio::test]
async fn tokens_end_postgres() {
    what_ends_an_apps_tokens(Backend::Postgres).await;
}

#[tokio::test]
async fn revocation_sqlite() {
    revocation_follows_rfc_7009(Backend::Sqlite).await;
}

#[tokio::test]
async fn revocation_postgres() {
    revocation_follows_rfc_7009(Backend::Postgres).await;
}

#[tokio::test]
async fn code_race_sqlite() {
    a_code_raced_from_many_places_gives_tokens_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn code_race_postgres() {
    a_code_raced_from_many_places_gives_tokens_once(Backend::Postgres).await;
}

#[tokio::test]
async fn seen_code_sqlite() {
    a_seen_code_cannot_revoke_anything(Backend::Sqlite).await;
}

#[tokio::test]
async fn seen_code_postgres() {
    a_seen_code_cannot_revoke_anything(Backend::Postgres).await;
}

#[tokio::test]
async fn client_secret_guessing_sqlite() {
    guessing_a_client_secret_is_rate_limited(Backend::Sqlite).await;
}

#[tokio::test]
async fn client_secret_guessing_postgres() {
    guessing_a_client_secret_is_rate_limited(Backend::Postgres).await;
}

/// Disabling an account ends what its apps hold at once, offline tokens too: what
/// a refresh made before gave ends with it, a refresh tried after is refused, and
/// a code issued before cannot be exchanged.
async fn disabling_an_account_ends_its_app_tokens(backend: Backend) {
    use bmauth::auth::Actor;
    let app = TestApp::start_with(backend, super::with_clients).await;
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    let tokens = offline_tokens(&app, &ada).await;
    let (status, rotated) = refresh(&app, &text(&tokens["refresh_token"])).await;
    assert_eq!(status, 200);
    let code = code_for_notes_with(&app, &ada, OFFLINE).await;

    app.bmauth()
        .auth()
        .disable_person(ADA, &Actor::CommandLine)
        .await
        .unwrap();
    for access in [&tokens["access_token"], &rotated["access_token"]] {
        assert_eq!(userinfo_status(&app, &text(access)).await, 401);
    }
    let (status, error) = refresh(&app, &text(&rotated["refresh_token"])).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _) = exchange(&app, &code, VERIFIER).await;
    assert_eq!(status, 400, "a code issued before is worthless");

    // Enabled again: nothing old comes back to life.
    app.bmauth()
        .auth()
        .enable_person(ADA, &Actor::CommandLine)
        .await
        .unwrap();
    assert_eq!(
        userinfo_status(&app, &text(&rotated["access_token"])).await,
        401
    );
}

#[tokio::test]
async fn disabled_account_tokens_sqlite() {
    disabling_an_account_ends_its_app_tokens(Backend::Sqlite).await;
}

#[tokio::test]
async fn disabled_account_tokens_postgres() {
    disabling_an_account_ends_its_app_tokens(Backend::Postgres).await;
}
