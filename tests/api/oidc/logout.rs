//! RP-initiated logout: an app's ID token signs the browser out at once and sends
//! it back to a registered address with its state; without one the person is
//! asked on BMAuth's own page; no address that was not registered is ever
//! redirected to, and no other site can sign anyone out.

use serde_json::{Value, json};

use super::{ADA, NOTES_LOGOUT, VERIFIER, code_for_notes, exchange, location, page_at, param};
use crate::support::{Backend, Browser, TestApp};

fn logout_url(app: &TestApp, params: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&format!("{}/oauth/logout", app.base())).unwrap();
    for (k, v) in params {
        url.query_pairs_mut().append_pair(k, v);
    }
    url.to_string()
}

async fn id_token(app: &TestApp, ada: &Browser) -> String {
    let code = code_for_notes(app, ada).await;
    let (status, tokens) = exchange(app, &code, VERIFIER).await;
    assert_eq!(status, 200);
    tokens["id_token"].as_str().unwrap().to_string()
}

async fn signed_in(ada: &Browser) -> bool {
    ada.me().await.status == 200
}

async fn an_app_signs_the_person_out(backend: Backend) {
    let app = TestApp::start_with(backend, super::with_clients).await;
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    let hint = id_token(&app, &ada).await;

    // An address not registered for the app: a page on BMAuth, no redirect, and
    // still signed in.
    for bad in [
        "https://evil.example/",
        "http://localhost:9999/signed-out/../x",
    ] {
        let answer = ada
            .http
            .get(logout_url(
                &app,
                &[("id_token_hint", &hint), ("post_logout_redirect_uri", bad)],
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400, "{bad}");
        assert!(answer.headers().get("location").is_none());
        assert!(signed_in(&ada).await);
    }
    // A hint that is not BMAuth's (here, its signature broken): refused.
    let forged = format!("{}x", &hint[..hint.len() - 1]);
    let answer = ada
        .http
        .get(logout_url(&app, &[("id_token_hint", &forged)]))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    assert!(signed_in(&ada).await);
    // `alg: none` with the same claims: refused too (RFC 8725 §3.1).
    let claims = hint.split('.').nth(1).unwrap();
    let none = format!("eyJhbGciOiJub25lIn0.{claims}.");
    let answer = ada
        .http
        .get(logout_url(&app, &[("id_token_hint", &none)]))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    assert!(signed_in(&ada).await);

    // An ID token from an earlier sign-in (kept by some app, or in a browser's
    // history) proves nothing about this one: the person is asked.
    ada.post("/auth/logout", json!({})).await.expect_ok();
    app.advance(std::time::Duration::from_secs(60));
    ada.sign_in(ADA).await.expect_ok();
    let answer = ada
        .http
        .get(logout_url(&app, &[("id_token_hint", &hint)]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&answer).path(),
        "/auth/logout",
        "asked, not signed out"
    );
    assert!(signed_in(&ada).await);
    let hint = id_token(&app, &ada).await;

    // With the app's own ID token for this sign-in: signed out at once, and back
    // to the registered address with the state.
    let answer = ada
        .http
        .get(logout_url(
            &app,
            &[
                ("id_token_hint", &hint),
                ("post_logout_redirect_uri", NOTES_LOGOUT),
                ("state", "bye-1"),
            ],
        ))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_redirection());
    let back = location(&answer);
    assert!(back.as_str().starts_with(NOTES_LOGOUT), "{back}");
    assert_eq!(param(&back, "state").as_deref(), Some("bye-1"));
    assert!(!signed_in(&ada).await, "signed out of BMAuth");
}

async fn without_a_hint_the_person_is_asked(backend: Backend) {
    let app = TestApp::start_with(backend, super::with_clients).await;
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    let asked = [
        ("client_id", "notes"),
        ("post_logout_redirect_uri", NOTES_LOGOUT),
        ("state", "bye-2"),
    ];
    // A link on any page: the person is asked, not signed out.
    let answer = ada.http.get(logout_url(&app, &asked)).send().await.unwrap();
    let to = location(&answer);
    assert_eq!(to.path(), "/auth/logout");
    assert!(signed_in(&ada).await);
    let html = page_at(&app, &ada, &to).await;
    assert!(html.contains("Sign out of BMAuth?"), "{html}");
    assert!(html.contains("Acme Notes asked to sign you out."), "{html}");

    let mut form: Vec<(&str, &str)> = asked.to_vec();
    form.push(("confirm", "yes"));
    // Another site posting the answer: refused, still signed in.
    let answer = ada
        .http
        .post(format!("{}/oauth/logout", app.base()))
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 403);
    assert!(signed_in(&ada).await);
    // "Stay signed in": back to the app, still signed in.
    let mut stay: Vec<(&str, &str)> = asked.to_vec();
    stay.push(("confirm", "no"));
    let answer = ada
        .http
        .post(format!("{}/oauth/logout", app.base()))
        .header("origin", &app.origin)
        .form(&stay)
        .send()
        .await
        .unwrap();
    assert!(location(&answer).as_str().starts_with(NOTES_LOGOUT));
    assert!(signed_in(&ada).await);
    // "Sign out", from BMAuth's own page.
    let answer = ada
        .http
        .post(format!("{}/oauth/logout", app.base()))
        .header("origin", &app.origin)
        .form(&form)
        .send()
        .await
        .unwrap();
    let back = location(&answer);
    assert!(back.as_str().starts_with(NOTES_LOGOUT), "{back}");
    assert_eq!(param(&back, "state").as_deref(), Some("bye-2"));
    assert!(!signed_in(&ada).await);
    let me: Value = ada.me().await.body;
    assert_ne!(me["user"]["email"], json!(ADA));
}

#[tokio::test]
async fn logout_with_hint_sqlite() {
    an_app_signs_the_person_out(Backend::Sqlite).await;
}

#[tokio::test]
async fn logout_with_hint_postgres() {
    an_app_signs_the_person_out(Backend::Postgres).await;
}

#[tokio::test]
async fn logout_asks_sqlite() {
    without_a_hint_the_person_is_asked(Backend::Sqlite).await;
}

#[tokio::test]
async fn logout_asks_postgres() {
    without_a_hint_the_person_is_asked(Backend::Postgres).await;
}
