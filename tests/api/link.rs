//! Adding a device by QR code, over the JSON API: both directions, the number
//! check, the fresh assertion, the browser binding, expiry, and two instances.

use std::time::Duration;

use bmauth::testing::Table;
use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Answer, Browser, TestApp};

const ADA: &str = "ada@example.com";

/// A signed-in device: Ada's, with her passkey.
async fn trusted_device(app: &TestApp) -> Browser {
    let mut ada = app.browser();
    ada.sign_up(app, ADA).await;
    ada
}

pub(crate) async fn post_token(browser: &Browser, path: &str, token: &str) -> Answer {
    browser.post(path, json!({ "token": token })).await
}

/// The signed-in person types the number, says they hold the device (asked when it
/// is on another network), and approves with their passkey.
pub(crate) async fn approve(trusted: &mut Browser, token: &str, number: &str) -> Answer {
    let begun = trusted
        .post(
            "/auth/link/approve/begin",
            json!({ "token": token, "number": number, "holding_device": true }),
        )
        .await;
    if !begun.status.is_success() {
        return begun;
    }
    let credential = trusted.authenticator.get(&begun.body).expect("a passkey");
    trusted
        .post(
            "/auth/link/approve/complete",
            json!({ "token": token, "credential": credential }),
        )
        .await
}

/// The approved new device makes its own passkey and is signed in.
pub(crate) async fn join(new: &mut Browser, token: &str) -> Answer {
    let options = post_token(new, "/auth/link/register/begin", token).await;
    if !options.status.is_success() {
        return options;
    }
    let credential = new.authenticator.create(&options.body);
    new.post(
        "/auth/link/register/complete",
        json!({ "token": token, "credential": credential }),
    )
    .await
}

/// Ada (`ADA`), signed in on her own device, and a device at `address` that asked
/// for a link which she approved: joined, and signed in as her.
pub(crate) async fn ada_and_a_device_she_approved(
    app: &TestApp,
    address: &str,
) -> (Browser, Browser) {
    let mut ada = trusted_device(app).await;
    let mut added = app.browser_at(address.parse().unwrap());
    let shown = added.post("/auth/link/request", json!({})).await;
    let token = text(&shown.body["token"]).to_string();
    let number = text(&shown.body["number"]).to_string();
    approve(&mut ada, &token, &number).await.expect_ok();
    join(&mut added, &token).await.expect_ok();
    (ada, added)
}

pub(crate) fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

async fn a_new_device_shows_a_code_and_a_signed_in_one_approves(app: TestApp) {
    let mut ada = trusted_device(&app).await;
    let mut phone = app.browser_at("127.0.0.2".parse().unwrap());

    let shown = phone.post("/auth/link/request", json!({})).await;
    assert_eq!(shown.status, 201, "{}", shown.body);
    let token = text(&shown.body["token"]).to_string();
    let number = text(&shown.body["number"]).to_string();
    assert_eq!(token.len(), 22, "128 bits, base64url");
    assert_eq!(number.len(), 2);
    assert_eq!(
        text(&shown.body["url"]),
        format!("{}/link#{token}", app.origin)
    );
    assert!(text(&shown.body["qr_svg"]).starts_with("<?xml"));
    assert_eq!(text(&shown.body["code"]).len(), 11, "XXXXX-XXXXX");

    // Ada's device opens the URL: who is asking.
    let details = post_token(&ada, "/auth/link/details", &token).await;
    let details = details.expect_ok();
    assert_eq!(details["state"], "pending");
    assert_eq!(details["ip"], "127.0.0.2");
    assert_eq!(details["same_network"], false);
    let waiting = post_token(&phone, "/auth/link/status", &token).await;
    assert_eq!(waiting.expect_ok()["state"], "pending");
    assert_eq!(waiting.body["number"], number.as_str());

    approve(&mut ada, &token, &number).await.expect_ok();
    let approved = post_token(&phone, "/auth/link/status", &token).await;
    assert_eq!(approved.expect_ok()["state"], "approved");

    let joined = join(&mut phone, &token).await;
    assert_eq!(joined.status, 201, "{}", joined.body);
    assert_eq!(joined.body["user"]["email"], ADA);
    assert_eq!(phone.me().await.expect_ok()["user"]["email"], ADA);
    assert_eq!(app.rows(Table::Credentials).await, 2);
    let notice = app.mail.to(ADA).pop().expect("a notice");
    assert!(notice.raw.contains("was added to your"), "{}", notice.raw);

    // Used once: the token does nothing more, even in the same browser.
    post_token(&phone, "/auth/link/register/begin", &token)
        .await
        .expect_error(404, "link_not_found");
    assert_eq!(
        post_token(&phone, "/auth/link/status", &token).await.body["state"],
        "used"
    );
    // Each device now signs in alone with its own passkey.
    phone.post("/auth/logout", json!({})).await.expect_ok();
    phone.sign_in(ADA).await.expect_ok();
    ada.sign_in(ADA).await.expect_ok();
}

async fn a_signed_in_device_offers_and_the_new_one_scans(app: TestApp) {
    let mut ada = trusted_device(&app).await;
    let offered = ada.post("/auth/link/offer", json!({})).await;
    assert_eq!(offered.status, 201, "{}", offered.body);
    assert!(offered.body["number"].is_null(), "the new device shows it");
    let token = text(&offered.body["token"]).to_string();
    // The new device types the code instead of scanning (dashes and case forgiven).
    let code = text(&offered.body["code"]).to_lowercase().replace('-', " ");

    let mut laptop = app.browser_at("127.0.0.3".parse().unwrap());
    let claimed = post_token(&laptop, "/auth/link/claim", &code).await;
    let number = text(&claimed.expect_ok()["number"]).to_string();
    assert_eq!(claimed.body["state"], "pending");
    // Claimed once: a photo of the QR opened on a third device gets nothing.
    let mut third = app.browser_at("127.0.0.4".parse().unwrap());
    post_token(&third, "/auth/link/claim", &token)
        .await
        .expect_error(404, "link_not_found");

    // Ada's page, polling, sees the new device and no number.
    let seen = post_token(&ada, "/auth/link/status", &token).await;
    assert_eq!(seen.expect_ok()["state"], "pending");
    assert!(seen.body["number"].is_null());
    approve(&mut ada, &token, &number).await.expect_ok();
    join(&mut laptop, &token).await.expect_ok();
    assert_eq!(laptop.me().await.expect_ok()["user"]["email"], ADA);
    join(&mut third, &token)
        .await
        .expect_error(404, "link_not_found");
}

async fn a_wrong_number_refuses_the_link(app: TestApp) {
    let mut ada = trusted_device(&app).await;
    let mut phone = app.browser_at("127.0.0.2".parse().unwrap());
    let shown = phone.post("/auth/link/request", json!({})).await;
    let token = text(&shown.body["token"]).to_string();
    let number = text(&shown.body["number"]).to_string();
    let wrong = format!("{:02}", (number.parse::<u8>().unwrap() + 1) % 100);

    approve(&mut ada, &token, &wrong)
        .await
        .expect_error(403, "link_number_wrong");
    // Refused for good: the right number no longer helps.
    approve(&mut ada, &token, &number)
        .await
        .expect_error(404, "link_not_found");
    let status = post_token(&phone, "/auth/link/status", &token).await;
    assert_eq!(status.expect_ok()["state"], "denied");
    join(&mut phone, &token)
        .await
        .expect_error(404, "link_not_found");
    assert_eq!(app.rows(Table::Credentials).await, 1);
}

async fn a_denied_link_is_told_to_the_new_device(app: TestApp) {
    let ada = trusted_device(&app).await;
    let mut phone = app.browser_at("127.0.0.2".parse().unwrap());
    let shown = phone.post("/auth/link/request", json!({})).await;
    let token = text(&shown.body["token"]).to_string();
    post_token(&ada, "/auth/link/deny", &token)
        .await
        .expect_ok();
    let status = post_token(&phone, "/auth/link/status", &token).await;
    assert_eq!(status.expect_ok()["state"], "denied");
    join(&mut phone, &token)
        .await
        .expect_error(404, "link_not_found");
}

async fn links_expire_after_five_minutes(app: TestApp) {
    let mut ada = trusted_device(&app).await;
    let phone = app.browser_at("127.0.0.2".parse().unwrap());
    let shown = phone.post("/auth/link/request", json!({})).await;
    let token = text(&shown.body["token"]).to_string();
    let number = text(&shown.body["number"]).to_string();
    app.advance(Duration::from_secs(5 * 60 + 1));
    post_token(&ada, "/auth/link/details", &token)
        .await
        .expect_error(410, "link_expired");
    approve(&mut ada, &token, &number)
        .await
        .expect_error(410, "link_expired");
    let status = post_token(&phone, "/auth/link/status", &token).await;
    assert_eq!(status.expect_ok()["state"], "expired");
}

async fn the_token_does_nothing_in_another_browser(app: TestApp) {
    let mut ada = trusted_device(&app).await;
    let mut phone = app.browser_at("127.0.0.2".parse().unwrap());
    let shown = phone.post("/auth/link/request", json!({})).await;
    let token = text(&shown.body["token"]).to_string();
    let number = text(&shown.body["number"]).to_string();
    approve(&mut ada, &token, &number).await.expect_ok();

    // Someone who photographed the QR code, on their own device.
    let mut thief = app.browser_at("127.0.0.9".parse().unwrap());
    post_token(&thief, "/auth/link/status", &token)
        .await
        .expect_error(404, "link_not_found");
    join(&mut thief, &token)
        .await
        .expect_error(404, "link_not_found");
    assert!(thief.me().await.status.is_client_error());
    // The phone still can.
    join(&mut phone, &token).await.expect_ok();
}

async fn approval_needs_a_passkey_of_the_same_account(app: TestApp) {
    let ada = trusted_device(&app).await;
    let mut mallory = app.browser_at("127.0.0.5".parse().unwrap());
    mallory.sign_up(&app, "mallory@example.com").await;

    // Ada's offer is hers alone.
    let offered = ada.post("/auth/link/offer", json!({})).await;
    let offer = text(&offered.body["token"]).to_string();
    post_token(&mallory, "/auth/link/details", &offer)
        .await
        .expect_error(404, "link_not_found");
    post_token(&mallory, "/auth/link/status", &offer)
        .await
        .expect_error(404, "link_not_found");

    // A session alone approves nothing: the assertion must come from one of the
    // signed-in account's passkeys. Ada's session, Mallory's key: refused.
    let phone = app.browser_at("127.0.0.2".parse().unwrap());
    let shown = phone.post("/auth/link/request", json!({})).await;
    let token = text(&shown.body["token"]).to_string();
    let number = text(&shown.body["number"]).to_string();
    let options = ada
        .post(
            "/auth/link/approve/begin",
            json!({ "token": token, "number": number, "holding_device": true }),
        )
        .await;
    let challenge = text(&options.expect_ok()["publicKey"]["challenge"]).to_string();
    let forged = mallory.authenticator.sign_with(0, &challenge);
    let refused = ada
        .post(
            "/auth/link/approve/complete",
            json!({ "token": token, "credential": forged }),
        )
        .await;
    assert!(refused.status.is_client_error(), "{}", refused.body);
    assert_eq!(
        post_token(&phone, "/auth/link/status", &token).await.body["state"],
        "pending"
    );

    // Not signed in: nothing to offer or approve with.
    let stranger = app.browser_at("127.0.0.6".parse().unwrap());
    stranger
        .post("/auth/link/offer", json!({}))
        .await
        .expect_error(401, "not_signed_in");
    post_token(&stranger, "/auth/link/details", &token)
        .await
        .expect_error(401, "not_signed_in");
}

async fn a_link_crosses_instances(app: TestApp) {
    let second = app.second_instance().await;
    let mut ada = trusted_device(&app).await;
    let mut phone = app.browser_at("127.0.0.2".parse().unwrap());
    let shown = phone.post("/auth/link/request", json!({})).await;
    let token = text(&shown.body["token"]).to_string();
    let number = text(&shown.body["number"]).to_string();

    ada.base = second.base.clone();
    approve(&mut ada, &token, &number).await.expect_ok();
    // The phone, still on the first instance, hears it and joins there.
    let status = post_token(&phone, "/auth/link/status", &token).await;
    assert_eq!(status.expect_ok()["state"], "approved");
    join(&mut phone, &token).await.expect_ok();
}

async fn many_devices_claiming_one_offer_at_once_leave_one_winner(app: TestApp) {
    let ada = trusted_device(&app).await;
    let offered = ada.post("/auth/link/offer", json!({})).await;
    let token = text(&offered.body["token"]).to_string();
    let claimants: Vec<Browser> = (1..=8)
        .map(|i| app.browser_at(format!("127.0.3.{i}").parse().unwrap()))
        .collect();
    let answers = futures::future::join_all(
        claimants
            .iter()
            .map(|device| post_token(device, "/auth/link/claim", &token)),
    )
    .await;
    let won: Vec<&Answer> = answers.iter().filter(|a| a.status == 200).collect();
    assert_eq!(won.len(), 1, "exactly one device holds the link");
    for lost in answers.iter().filter(|a| a.status != 200) {
        lost.expect_error(404, "link_not_found");
    }
}

async fn joining_ends_the_session_the_new_device_had(app: TestApp) {
    let mut ada = trusted_device(&app).await;
    let mut shared = app.browser_at("127.0.0.7".parse().unwrap());
    shared.sign_up(&app, "mallory@example.com").await;
    let shown = shared.post("/auth/link/request", json!({})).await;
    let token = text(&shown.body["token"]).to_string();
    let number = text(&shown.body["number"]).to_string();
    approve(&mut ada, &token, &number).await.expect_ok();
    join(&mut shared, &token).await.expect_ok();
    // Signed in as Ada now, and Mallory's session is gone, not just replaced.
    assert_eq!(shared.me().await.expect_ok()["user"]["email"], ADA);
    assert_eq!(app.rows(Table::Sessions).await, 2, "Ada's two devices only");
}

async fn bad_link_input_is_refused_cleanly(app: TestApp) {
    let ada = trusted_device(&app).await;
    for token in ["", "x", &"A".repeat(10_000), "ABCDE-FGHJK", "<script>"] {
        post_token(&ada, "/auth/link/details", token)
            .await
            .expect_error(404, "link_not_found");
        post_token(&ada, "/auth/link/claim", token)
            .await
            .expect_error(404, "link_not_found");
    }
    ada.post("/auth/link/status", json!({ "token": 42 }))
        .await
        .expect_error(400, "invalid_json");
    ada.post(
        "/auth/link/approve/complete",
        json!({ "token": "x", "credential": { "id": 1 } }),
    )
    .await
    .expect_error(400, "invalid_credential");
    assert_eq!(app.rows(Table::DeviceLinks).await, 0);
}

both_backends!(
    a_new_device_shows_a_code_and_a_signed_in_one_approves,
    a_signed_in_device_offers_and_the_new_one_scans,
    a_wrong_number_refuses_the_link,
    a_denied_link_is_told_to_the_new_device,
    links_expire_after_five_minutes,
    the_token_does_nothing_in_another_browser,
    approval_needs_a_passkey_of_the_same_account,
    a_link_crosses_instances,
    many_devices_claiming_one_offer_at_once_leave_one_winner,
    joining_ends_the_session_the_new_device_had,
    bad_link_input_is_refused_cleanly,
);
