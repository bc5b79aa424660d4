//! Changing the account's address: a fresh passkey, a code to the new address in
//! this browser, a mail to the old one that undoes it (and signs everyone out), and
//! the old address kept for its owner meanwhile. In both orders where it matters.

use std::time::Duration;

use serde_json::json;

use crate::both_backends;
use crate::link::ada_and_a_device_she_approved;
use crate::support::{Browser, TestApp};

const ADA: &str = "ada@example.com";
const NEW: &str = "ada@new.example.org";

/// Ada asks for `new` (after confirming it's her) and types the code it got.
async fn change(app: &TestApp, ada: &mut Browser, new: &str) -> crate::support::Answer {
    ada.reauthenticate().await.expect_ok();
    let asked = ada
        .post("/auth/account/email", json!({ "email": new }))
        .await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    let pin = app.mail.last_pin_for(new);
    ada.post("/auth/account/email/confirm", json!({ "pin": pin }))
        .await
}

/// The token of the undo link in the newest mail to `old`.
fn undo_token(app: &TestApp, old: &str) -> String {
    let mail = app.mail.to(old).pop().expect("a mail to the old address");
    let raw = mail.raw.replace("=\r\n", "");
    let start = raw.find("/auth/email-undo#").expect("an undo link") + "/auth/email-undo#".len();
    raw[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn a_person_moves_to_a_new_address(app: TestApp) {
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    ada.post("/auth/account/email", json!({ "email": NEW }))
        .await
        .expect_error(403, "reauthentication_required");
    ada.reauthenticate().await.expect_ok();
    ada.post("/auth/account/email", json!({ "email": NEW }))
        .await;
    // The code works only in this browser, and a wrong one says so.
    let pin = app.mail.last_pin_for(NEW);
    let elsewhere = app.browser_at("127.0.0.101".parse().unwrap());
    elsewhere
        .post("/auth/account/email/confirm", json!({ "pin": pin }))
        .await
        .expect_error(401, "not_signed_in");
    let wrong = if pin == "000000" { "111111" } else { "000000" };
    ada.post("/auth/account/email/confirm", json!({ "pin": wrong }))
        .await
        .expect_error(400, "pin_incorrect");
    let changed = ada
        .post("/auth/account/email/confirm", json!({ "pin": pin }))
        .await;
    assert_eq!(changed.expect_ok()["email"], NEW);
    assert_eq!(changed.body["rp_id"], "localhost");
    assert_eq!(ada.me().await.expect_ok()["user"]["email"], NEW);
    let told = app.mail.to(ADA).pop().unwrap();
    assert!(told.raw.contains("was changed"), "{}", told.raw);

    // She signs in with the new address; the old one names no account.
    ada.post("/auth/logout", json!({})).await.expect_ok();
    ada.sign_in(NEW).await.expect_ok();
    let options = ada.login_begin(ADA).await;
    assert!(ada.authenticator.get(&options).is_err());
    let kinds = ada.get("/auth/activity").await;
    assert_eq!(kinds.expect_ok()["events"][1]["kind"], "email_changed");
}

async fn taken_addresses_are_refused_and_the_old_one_is_kept(app: TestApp) {
    let mut bob = app.browser_at("127.0.0.102".parse().unwrap());
    bob.sign_up(&app, "bob@example.com").await;
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    ada.reauthenticate().await.expect_ok();
    for taken in ["bob@example.com", ADA] {
        ada.post("/auth/account/email", json!({ "email": taken }))
            .await
            .expect_error(409, "email_taken");
    }
    change(&app, &mut ada, NEW).await.expect_ok();
    // Her old address stays hers while she may undo: nobody signs up with it...
    let mut taker = app.browser_at("127.0.0.103".parse().unwrap());
    taker
        .post("/auth/register/begin", json!({ "email": ADA }))
        .await
        .expect_error(409, "email_taken");
    // ...nor moves to it; after the week it is free.
    bob.reauthenticate().await.expect_ok();
    bob.post("/auth/account/email", json!({ "email": ADA }))
        .await
        .expect_error(409, "email_taken");
    app.advance(Duration::from_secs(7 * 24 * 3600 + 1));
    taker.sign_up(&app, ADA).await;
}

async fn the_old_address_undoes_the_change_and_signs_everyone_out(app: TestApp) {
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    change(&app, &mut ada, NEW).await.expect_ok();
    let token = undo_token(&app, ADA);
    let stranger = app.browser_at("127.0.0.104".parse().unwrap());
    let details = stranger
        .post(
            "/auth/account/email/undo/details",
            json!({ "token": token }),
        )
        .await;
    assert_eq!(details.expect_ok()["old_email"], ADA);
    assert_eq!(details.body["new_email"], NEW);
    stranger
        .post("/auth/account/email/undo", json!({ "token": token }))
        .await
        .expect_ok();
    ada.me().await.expect_error(401, "not_signed_in");
    ada.sign_in(ADA).await.expect_ok();
    stranger
        .post("/auth/account/email/undo", json!({ "token": token }))
        .await
        .expect_error(404, "undo_not_found");
    stranger
        .post("/auth/account/email/undo", json!({ "token": "made-up" }))
        .await
        .expect_error(404, "undo_not_found");
}

async fn a_device_held_back_cannot_change_the_address(app: TestApp) {
    let (_ada, mut added) = ada_and_a_device_she_approved(&app, "127.0.0.105").await;
    added.reauthenticate().await.expect_ok();
    added
        .post("/auth/account/email", json!({ "email": NEW }))
        .await
        .expect_error(403, "new_device_cooldown");
    assert!(app.mail.to(NEW).is_empty());
}

both_backends!(
    a_person_moves_to_a_new_address,
    taken_addresses_are_refused_and_the_old_one_is_kept,
    the_old_address_undoes_the_change_and_signs_everyone_out,
    a_device_held_back_cannot_change_the_address,
);
