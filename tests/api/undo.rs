//! "This wasn't me": the mail about a new device carries a one-time link that
//! removes exactly that device, without signing in.

use std::time::Duration;

use bmauth::testing::Table;
use serde_json::json;

use crate::both_backends;
use crate::link::{ada_and_a_device_she_approved, text};
use crate::support::{Browser, TestApp};

const ADA: &str = "ada@example.com";

/// The token of the newest "This wasn't me" link mailed to `email`.
fn undo_token(app: &TestApp, email: &str) -> String {
    let mail = app
        .mail
        .to(email)
        .into_iter()
        .rev()
        .find(|m| m.raw.contains("/auth/undo#"))
        .expect("a mail with an undo link");
    let raw = mail.raw.replace("=\r\n", "");
    let at = raw.find("/auth/undo#").unwrap() + "/auth/undo#".len();
    let token: String = raw[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert_eq!(token.len(), 22, "128 bits, base64url: {token}");
    token
}

async fn the_mail_link_removes_exactly_that_device_once(app: TestApp) {
    let (ada, added) = ada_and_a_device_she_approved(&app, "127.0.0.44").await;
    let token = undo_token(&app, ADA);
    // Anyone with the mail; no session needed.
    let stranger = app.browser_at("127.0.0.99".parse().unwrap());
    let details = stranger
        .post("/auth/link/undo/details", json!({ "token": token }))
        .await;
    assert_eq!(details.expect_ok()["ip"], "127.0.0.44");
    assert!(details.body["added_at"].as_i64().unwrap() > 0);
    // Looking changes nothing.
    assert_eq!(app.rows(Table::Credentials).await, 2);

    stranger
        .post("/auth/link/undo", json!({ "token": token }))
        .await
        .expect_ok();
    added.me().await.expect_error(401, "not_signed_in");
    assert_eq!(app.rows(Table::Credentials).await, 1);
    assert_eq!(
        ada.me().await.expect_ok()["user"]["email"],
        ADA,
        "nothing else"
    );
    let events = ada.get("/auth/activity").await;
    assert_eq!(events.expect_ok()["events"][0]["kind"], "device_undone");

    // Once only.
    for path in ["/auth/link/undo", "/auth/link/undo/details"] {
        stranger
            .post(path, json!({ "token": token }))
            .await
            .expect_error(404, "undo_not_found");
    }
}

async fn the_link_lasts_a_day(app: TestApp) {
    let (_ada, added) = ada_and_a_device_she_approved(&app, "127.0.0.44").await;
    let token = undo_token(&app, ADA);
    app.advance(Duration::from_secs(24 * 3600 + 1));
    let someone = app.browser();
    someone
        .post("/auth/link/undo", json!({ "token": token }))
        .await
        .expect_error(404, "undo_not_found");
    assert_eq!(app.rows(Table::Credentials).await, 2);
    drop(added);
}

async fn a_device_removed_already_cannot_be_undone_again(app: TestApp) {
    let (mut ada, _added) = ada_and_a_device_she_approved(&app, "127.0.0.44").await;
    let token = undo_token(&app, ADA);
    ada.reauthenticate().await.expect_ok();
    let passkeys = ada.get("/auth/passkeys").await;
    let other = passkeys.body["passkeys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["this_device"] == false)
        .map(|p| text(&p["id"]).to_string())
        .unwrap();
    ada.post("/auth/passkeys/remove", json!({ "id": other }))
        .await
        .expect_ok();
    ada.post("/auth/link/undo", json!({ "token": token }))
        .await
        .expect_error(404, "undo_not_found");
    assert_eq!(app.rows(Table::Credentials).await, 1, "Ada's own stays");
    assert_eq!(app.rows(Table::DeviceUndo).await, 0);
}

async fn two_clicks_at_once_remove_it_once(app: TestApp) {
    let (_ada, _added) = ada_and_a_device_she_approved(&app, "127.0.0.44").await;
    let token = undo_token(&app, ADA);
    let clicks: Vec<Browser> = (1..=6)
        .map(|i| app.browser_at(format!("127.0.4.{i}").parse().unwrap()))
        .collect();
    let answers = futures::future::join_all(
        clicks
            .iter()
            .map(|b| b.post("/auth/link/undo", json!({ "token": token }))),
    )
    .await;
    assert_eq!(answers.iter().filter(|a| a.status == 200).count(), 1);
    for other in answers.iter().filter(|a| a.status != 200) {
        other.expect_error(404, "undo_not_found");
    }
    assert_eq!(app.rows(Table::Credentials).await, 1);
}

async fn bad_undo_tokens_are_refused_cleanly(app: TestApp) {
    let someone = app.browser();
    for token in ["", "x", &"A".repeat(10_000), "<script>"] {
        someone
            .post("/auth/link/undo", json!({ "token": token }))
            .await
            .expect_error(404, "undo_not_found");
    }
    someone
        .post("/auth/link/undo", json!({ "token": 7 }))
        .await
        .expect_error(400, "invalid_json");
}

/// The owner may have removed her own older devices; the undo link still removes the
/// device it names, and recovery by email lets her back in with a new passkey.
async fn undoing_the_last_passkey_leaves_recovery_by_email(app: TestApp) {
    let (mut ada, added) = ada_and_a_device_she_approved(&app, "127.0.0.44").await;
    let token = undo_token(&app, ADA);
    // Ada removes her own passkey from her own device (say, she sold it)...
    ada.reauthenticate().await.expect_ok();
    let own = ada.get("/auth/passkeys").await.body["passkeys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["this_device"] == true)
        .map(|p| text(&p["id"]).to_string())
        .unwrap();
    ada.post("/auth/passkeys/remove", json!({ "id": own }))
        .await
        .expect_ok();
    // ...then learns the other one was never hers.
    app.browser()
        .post("/auth/link/undo", json!({ "token": token }))
        .await
        .expect_ok();
    assert_eq!(app.rows(Table::Credentials).await, 0);
    added.me().await.expect_error(401, "not_signed_in");
    let mut back = app.browser_at("127.0.0.45".parse().unwrap());
    back.recover(&app, ADA).await;
    assert_eq!(back.me().await.expect_ok()["user"]["email"], ADA);
    assert_eq!(app.rows(Table::Credentials).await, 1);
}

both_backends!(
    undoing_the_last_passkey_leaves_recovery_by_email,
    the_mail_link_removes_exactly_that_device_once,
    the_link_lasts_a_day,
    a_device_removed_already_cannot_be_undone_again,
    two_clicks_at_once_remove_it_once,
    bad_undo_tokens_are_refused_cleanly,
);
