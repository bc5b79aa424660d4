//! Adding a device with a passkey from a phone nearby (the platform's hybrid
//! transport): the phone signs, the new device gets an approved link bound to its
//! browser and makes its own passkey.

use serde_json::json;

use crate::both_backends;
use crate::link::text;
use crate::support::{Answer, Browser, TestApp};

const ADA: &str = "ada@example.com";

/// The new device asks; Ada's phone (its authenticator) signs, as the browser's
/// hybrid transport would carry it.
async fn phone_signs_for(laptop: &Browser, phone: &mut Browser) -> Answer {
    let options = laptop.post("/auth/link/nearby/begin", json!({})).await;
    let options = options.expect_ok();
    assert_eq!(options["publicKey"]["hints"], json!(["hybrid"]));
    assert_eq!(options["publicKey"]["userVerification"], "required");
    let credential = phone
        .authenticator
        .get(options)
        .expect("the phone has a passkey");
    laptop
        .post(
            "/auth/link/nearby/complete",
            json!({ "credential": credential }),
        )
        .await
}

async fn a_passkey_from_a_phone_nearby_lets_a_new_device_make_its_own(app: TestApp) {
    let mut phone = app.browser();
    phone.sign_up(&app, ADA).await;
    let mut laptop = app.browser_at("127.0.0.12".parse().unwrap());
    let answer = phone_signs_for(&laptop, &mut phone).await;
    let token = text(&answer.expect_ok()["token"]).to_string();
    // Not signed in yet: first, this device's own passkey.
    laptop.me().await.expect_error(401, "not_signed_in");
    let options = laptop
        .post("/auth/link/register/begin", json!({ "token": token }))
        .await;
    assert_eq!(options.expect_ok()["account"], "ad…@example.com");
    let credential = laptop.authenticator.create(&options.body);
    let joined = laptop
        .post(
            "/auth/link/register/complete",
            json!({ "token": token, "credential": credential }),
        )
        .await;
    assert_eq!(joined.status, 201, "{}", joined.body);
    assert_eq!(laptop.me().await.expect_ok()["user"]["email"], ADA);
    // The laptop signs in alone from now on, with a passkey of its own.
    laptop.post("/auth/logout", json!({})).await.expect_ok();
    laptop.sign_in(ADA).await.expect_ok();
    let passkeys = laptop.get("/auth/passkeys").await;
    assert_eq!(
        passkeys.expect_ok()["passkeys"].as_array().unwrap().len(),
        2
    );
    assert!(
        passkeys.body["cooldown_until"].is_null(),
        "the phone proved it was near: no cool-down"
    );
    let notice = app
        .mail
        .to(ADA)
        .into_iter()
        .find(|m| m.raw.contains("was added to your"))
        .expect("the account is told");
    assert!(
        notice
            .raw
            .replace("=\r\n", "")
            .contains("from a phone or security key beside it"),
        "{}",
        notice.raw
    );
}

async fn the_phones_answer_only_counts_in_the_browser_that_asked(app: TestApp) {
    let mut phone = app.browser();
    phone.sign_up(&app, ADA).await;
    let laptop = app.browser_at("127.0.0.12".parse().unwrap());
    let options = laptop.post("/auth/link/nearby/begin", json!({})).await;
    let credential = phone.authenticator.get(options.expect_ok()).unwrap();
    let elsewhere = app.browser_at("127.0.0.13".parse().unwrap());
    elsewhere
        .post(
            "/auth/link/nearby/complete",
            json!({ "credential": credential }),
        )
        .await
        .expect_error(400, "ceremony_not_found");
    // Nor twice in the browser that asked.
    laptop
        .post(
            "/auth/link/nearby/complete",
            json!({ "credential": credential }),
        )
        .await
        .expect_ok();
    laptop
        .post(
            "/auth/link/nearby/complete",
            json!({ "credential": credential }),
        )
        .await
        .expect_error(400, "ceremony_not_found");
}

async fn a_passkey_without_an_account_gets_nothing(app: TestApp) {
    let mut stranger = app.browser();
    let laptop = app.browser_at("127.0.0.12".parse().unwrap());
    // A passkey for this site that no account holds (made for a sign-up never stored).
    let options = stranger
        .post(
            "/auth/register/begin",
            json!({ "email": "who@example.com" }),
        )
        .await;
    stranger.authenticator.create(options.expect_ok());
    let options = laptop.post("/auth/link/nearby/begin", json!({})).await;
    let credential = stranger.authenticator.get(options.expect_ok()).unwrap();
    laptop
        .post(
            "/auth/link/nearby/complete",
            json!({ "credential": credential }),
        )
        .await
        .expect_error(401, "credential_not_allowed");
}

both_backends!(
    a_passkey_from_a_phone_nearby_lets_a_new_device_make_its_own,
    the_phones_answer_only_counts_in_the_browser_that_asked,
    a_passkey_without_an_account_gets_nothing,
);
