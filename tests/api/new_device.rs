//! A device added by a link is held back for a while, so that whoever talked the
//! owner into approving it cannot lock the owner out; and a new device is shown the
//! account it would join, and may turn it down.

use std::time::Duration;

use bmauth::testing::Table;
use serde_json::json;

use crate::both_backends;
use crate::link::{ada_and_a_device_she_approved, approve, join, post_token, text};
use crate::support::{Answer, Browser, TestApp};

const ADA: &str = "ada@example.com";
const DAY: Duration = Duration::from_secs(24 * 3600);

async fn passkeys(browser: &Browser) -> Answer {
    browser.get("/auth/passkeys").await
}

/// The id of the one passkey of the account that `browser`'s session did not use.
async fn the_other_passkey(browser: &Browser) -> String {
    let list = passkeys(browser).await;
    let others: Vec<String> = list.expect_ok()["passkeys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["this_device"] == false)
        .map(|p| text(&p["id"]).to_string())
        .collect();
    assert_eq!(others.len(), 1, "{}", list.body);
    others[0].clone()
}

async fn the_other_session(browser: &Browser) -> String {
    let list = browser.get("/auth/sessions").await;
    let others: Vec<String> = list.expect_ok()["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["this_session"] == false)
        .map(|s| text(&s["id"]).to_string())
        .collect();
    assert_eq!(others.len(), 1, "{}", list.body);
    others[0].clone()
}

#[track_caller]
fn expect_cooldown(answer: &Answer) {
    answer.expect_error(403, "new_device_cooldown");
    let wait = answer.body["error"]["retry_after"].as_u64().unwrap();
    assert!(
        (24 * 3600 - 60..=24 * 3600).contains(&wait),
        "the time left is said: {wait}"
    );
}

async fn a_device_added_by_a_link_cannot_lock_the_owner_out(app: TestApp) {
    let (ada, mut added) = ada_and_a_device_she_approved(&app, "127.0.0.66").await;
    // The sequence tried against main: confirm it's "you", remove the owner's
    // passkey, end the owner's sessions. Every step that touches the owner is refused.
    added.reauthenticate().await.expect_ok();
    let adas_passkey = the_other_passkey(&added).await;
    expect_cooldown(
        &added
            .post("/auth/passkeys/remove", json!({ "id": adas_passkey }))
            .await,
    );
    expect_cooldown(&added.post("/auth/sessions/end-others", json!({})).await);
    // Nor sign the owner out of the apps they signed in to through BMAuth.
    expect_cooldown(
        &added
            .post("/auth/apps/revoke", json!({ "client_id": "notes" }))
            .await,
    );
    let adas_session = the_other_session(&added).await;
    expect_cooldown(
        &added
            .post("/auth/sessions/end", json!({ "id": adas_session }))
            .await,
    );
    expect_cooldown(
        &added
            .post(
                "/auth/passkeys/rename",
                json!({ "id": adas_passkey, "name": "Lost phone: remove me" }),
            )
            .await,
    );
    // The page can say so before anything is tried.
    let until = passkeys(&added).await.body["cooldown_until"]
        .as_i64()
        .expect("the cool-down is shown");
    assert!(until > bmauth::Clock::now(&app.clock));
    assert!(passkeys(&ada).await.body["cooldown_until"].is_null());

    // Ada is still in, with both her passkey and her session.
    assert_eq!(ada.me().await.expect_ok()["user"]["email"], ADA);
    assert_eq!(app.rows(Table::Credentials).await, 2);
    assert_eq!(app.rows(Table::Sessions).await, 2);

    // The added device still looks after itself: names its own passkey, signs out.
    let own = passkeys(&added).await.body["passkeys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["this_device"] == true)
        .map(|p| text(&p["id"]).to_string())
        .unwrap();
    added
        .post(
            "/auth/passkeys/rename",
            json!({ "id": own, "name": "My tablet" }),
        )
        .await
        .expect_ok();
    let own_session = added.get("/auth/sessions").await.body["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["this_session"] == true)
        .map(|s| text(&s["id"]).to_string())
        .unwrap();
    let ended = added
        .post("/auth/sessions/end", json!({ "id": own_session }))
        .await;
    assert_eq!(ended.expect_ok()["signed_out"], true);
}

async fn the_older_device_removes_the_new_one_at_once(app: TestApp) {
    let (mut ada, added) = ada_and_a_device_she_approved(&app, "127.0.0.66").await;
    ada.reauthenticate().await.expect_ok();
    let newcomer = the_other_passkey(&ada).await;
    let removed = ada
        .post("/auth/passkeys/remove", json!({ "id": newcomer }))
        .await;
    assert_eq!(removed.expect_ok()["signed_out"], false);
    added.me().await.expect_error(401, "not_signed_in");
    assert_eq!(app.rows(Table::Credentials).await, 1);
}

async fn the_cool_down_ends_after_its_time(app: TestApp) {
    let (ada, mut added) = ada_and_a_device_she_approved(&app, "127.0.0.66").await;
    // Ada ends the other sessions at once, without waiting.
    let ended = ada.post("/auth/sessions/end-others", json!({})).await;
    assert_eq!(ended.expect_ok()["ended"], 1);
    // Signing in again with the new passkey does not reset nor skip the cool-down:
    // it belongs to the passkey, not to one session.
    added.sign_in(ADA).await.expect_ok();
    expect_cooldown(&added.post("/auth/sessions/end-others", json!({})).await);
    // Nor sign the owner out of the apps they signed in to through BMAuth.
    expect_cooldown(
        &added
            .post("/auth/apps/revoke", json!({ "client_id": "notes" }))
            .await,
    );
    app.advance(DAY - Duration::from_secs(60));
    added
        .post("/auth/sessions/end-others", json!({}))
        .await
        .expect_error(403, "new_device_cooldown");
    app.advance(Duration::from_secs(61));
    assert!(passkeys(&added).await.body["cooldown_until"].is_null());
    let ended = added.post("/auth/sessions/end-others", json!({})).await;
    assert_eq!(ended.expect_ok()["ended"], 1, "Ada's session");
    added.reauthenticate().await.expect_ok();
    let adas_passkey = the_other_passkey(&added).await;
    added
        .post("/auth/passkeys/remove", json!({ "id": adas_passkey }))
        .await
        .expect_ok();
}

async fn a_recovered_device_removes_the_lost_ones_at_once(app: TestApp) {
    let mut lost = app.browser();
    lost.sign_up(&app, ADA).await;
    let mut fresh = app.browser_at("127.0.0.8".parse().unwrap());
    fresh.recover(&app, ADA).await;
    assert!(passkeys(&fresh).await.body["cooldown_until"].is_null());
    let lost_passkey = the_other_passkey(&fresh).await;
    fresh
        .post("/auth/passkeys/remove", json!({ "id": lost_passkey }))
        .await
        .expect_ok();
    lost.me().await.expect_error(401, "not_signed_in");
}

async fn the_mail_says_where_the_device_was_approved_from(app: TestApp) {
    let (_ada, _added) = ada_and_a_device_she_approved(&app, "127.0.0.66").await;
    let notice = app
        .mail
        .to(ADA)
        .into_iter()
        .find(|m| m.raw.contains("was added to your"))
        .expect("a notice");
    let text = notice.raw.replace("=\r\n", "").replace("\r\n", " ");
    assert!(text.contains("(from 127.0.0.66)"), "{text}");
    assert!(
        text.contains("approved on a device (from 127.0.0.1)"),
        "{text}"
    );
}

async fn the_new_device_is_shown_the_account_and_may_turn_it_down(app: TestApp) {
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    let phone = app.browser_at("127.0.0.2".parse().unwrap());
    let shown = phone.post("/auth/link/request", json!({})).await;
    let token = text(&shown.body["token"]).to_string();
    let number = text(&shown.body["number"]).to_string();
    approve(&mut ada, &token, &number).await.expect_ok();

    let options = post_token(&phone, "/auth/link/register/begin", &token).await;
    assert_eq!(options.expect_ok()["account"], "ad…@example.com");
    assert!(options.body["publicKey"]["challenge"].is_string());
    post_token(&phone, "/auth/link/decline", &token)
        .await
        .expect_ok();
    // Ended on both sides.
    for device in [&phone, &ada] {
        let status = post_token(device, "/auth/link/status", &token).await;
        assert_eq!(status.expect_ok()["state"], "declined");
    }
    let mut phone = phone;
    let credential = phone.authenticator.create(&options.body);
    phone
        .post(
            "/auth/link/register/complete",
            json!({ "token": token, "credential": credential }),
        )
        .await
        .expect_error(404, "link_not_found");
    assert_eq!(app.rows(Table::Credentials).await, 1);
    phone.me().await.expect_error(401, "not_signed_in");
}

/// Account injection: a stranger who got hold of a new device's code and number
/// approves it into their own account. Whichever of owner and stranger comes
/// first, the new device is told whose account it is, and nothing joins the wrong
/// one unseen.
async fn a_link_approved_into_someone_elses_account_is_seen_and_refused(app: TestApp) {
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    let mut mallory = app.browser_at("127.0.0.5".parse().unwrap());
    mallory.sign_up(&app, "mallory@evil.example").await;

    // The stranger first: Ada's phone is shown Mallory's account, and says no.
    let phone = app.browser_at("127.0.0.2".parse().unwrap());
    let shown = phone.post("/auth/link/request", json!({})).await;
    let token = text(&shown.body["token"]).to_string();
    let number = text(&shown.body["number"]).to_string();
    approve(&mut mallory, &token, &number).await.expect_ok();
    let options = post_token(&phone, "/auth/link/register/begin", &token).await;
    assert_eq!(options.expect_ok()["account"], "ma…@evil.example");
    post_token(&phone, "/auth/link/decline", &token)
        .await
        .expect_ok();
    approve(&mut ada, &token, &number)
        .await
        .expect_error(404, "link_not_found");

    // The owner first: the stranger can no longer approve it.
    let shown = phone.post("/auth/link/request", json!({})).await;
    let token = text(&shown.body["token"]).to_string();
    let number = text(&shown.body["number"]).to_string();
    approve(&mut ada, &token, &number).await.expect_ok();
    approve(&mut mallory, &token, &number)
        .await
        .expect_error(404, "link_not_found");
    let options = post_token(&phone, "/auth/link/register/begin", &token).await;
    assert_eq!(options.expect_ok()["account"], "ad…@example.com");
}

async fn only_the_new_device_may_decline(app: TestApp) {
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    let phone = app.browser_at("127.0.0.2".parse().unwrap());
    let shown = phone.post("/auth/link/request", json!({})).await;
    let token = text(&shown.body["token"]).to_string();
    let number = text(&shown.body["number"]).to_string();
    approve(&mut ada, &token, &number).await.expect_ok();
    let stranger = app.browser_at("127.0.0.9".parse().unwrap());
    post_token(&stranger, "/auth/link/decline", &token)
        .await
        .expect_error(404, "link_not_found");
    post_token(&ada, "/auth/link/decline", &token)
        .await
        .expect_error(404, "link_not_found");
    let status = post_token(&phone, "/auth/link/status", &token).await;
    assert_eq!(status.expect_ok()["state"], "approved");
}

/// A device that is held back signs a second device of its own in with its passkey
/// (the "passkey from a phone nearby" path): the second inherits the hold.
async fn a_held_back_device_cannot_escape_through_a_second_one(app: TestApp) {
    let (mut ada, mut added) = ada_and_a_device_she_approved(&app, "127.0.0.66").await;
    let held_until = passkeys(&added).await.body["cooldown_until"]
        .as_i64()
        .unwrap();
    let mut second = app.browser_at("127.0.0.67".parse().unwrap());
    let_in_by_nearby_passkey(&mut second, &mut added).await;
    assert_eq!(
        passkeys(&second).await.body["cooldown_until"].as_i64(),
        Some(held_until),
        "held back exactly as long"
    );
    second.reauthenticate().await.expect_ok();
    expect_cooldown(&second.post("/auth/sessions/end-others", json!({})).await);
    // Ada's own passkey lets a device in that is not held back.
    let mut third = app.browser_at("127.0.0.68".parse().unwrap());
    let_in_by_nearby_passkey(&mut third, &mut ada).await;
    assert!(passkeys(&third).await.body["cooldown_until"].is_null());
}

/// `new` asks for a passkey from a phone nearby; `phone`'s authenticator answers;
/// `new` makes its own passkey.
async fn let_in_by_nearby_passkey(new: &mut Browser, phone: &mut Browser) {
    let options = new.post("/auth/link/nearby/begin", json!({})).await;
    let credential = phone.authenticator.get(options.expect_ok()).unwrap();
    let answer = new
        .post(
            "/auth/link/nearby/complete",
            json!({ "credential": credential }),
        )
        .await;
    let token = text(&answer.expect_ok()["token"]).to_string();
    join(new, &token).await.expect_ok();
}

/// The new device's passkey and its "no" sent at the same moment (two tabs): one
/// wins, the link ends once, and the account has the passkey only if "no" lost.
async fn joining_and_declining_at_once_end_the_link_once(app: TestApp) {
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    for round in 0..6 {
        let mut phone = app.browser_at(format!("127.0.5.{round}").parse().unwrap());
        let shown = phone.post("/auth/link/request", json!({})).await;
        let token = text(&shown.body["token"]).to_string();
        let number = text(&shown.body["number"]).to_string();
        approve(&mut ada, &token, &number).await.expect_ok();
        let options = post_token(&phone, "/auth/link/register/begin", &token).await;
        let credential = phone.authenticator.create(options.expect_ok());
        let before = app.rows(Table::Credentials).await;
        let (joined, declined) = tokio::join!(
            phone.post(
                "/auth/link/register/complete",
                json!({ "token": token, "credential": credential }),
            ),
            post_token(&phone, "/auth/link/decline", &token),
        );
        let after = app.rows(Table::Credentials).await;
        let status = post_token(&ada, "/auth/link/status", &token).await;
        match (joined.status.is_success(), declined.status.is_success()) {
            (true, false) => {
                declined.expect_error(404, "link_not_found");
                assert_eq!(after, before + 1);
                assert_eq!(status.body["state"], "used");
            }
            (false, true) => {
                joined.expect_error(404, "link_not_found");
                assert_eq!(after, before);
                assert_eq!(status.body["state"], "declined");
            }
            outcome => panic!("round {round}: both or neither won: {outcome:?}"),
        }
    }
}

/// The owner and a stranger who both hold the new device's code and number approve
/// at the same moment: exactly one account wins the link, and the new device is
/// shown that one.
async fn two_accounts_approving_at_once_leave_one_owner(app: TestApp) {
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    let mut mallory = app.browser_at("127.0.0.5".parse().unwrap());
    mallory.sign_up(&app, "mallory@evil.example").await;
    let phone = app.browser_at("127.0.0.2".parse().unwrap());
    let shown = phone.post("/auth/link/request", json!({})).await;
    let token = text(&shown.body["token"]).to_string();
    let number = text(&shown.body["number"]).to_string();
    let mut signed = Vec::new();
    for approver in [&mut ada, &mut mallory] {
        let begun = approver
            .post(
                "/auth/link/approve/begin",
                json!({ "token": token, "number": number, "holding_device": true }),
            )
            .await;
        signed.push(approver.authenticator.get(begun.expect_ok()).unwrap());
    }
    let (for_ada, for_mallory) = tokio::join!(
        ada.post(
            "/auth/link/approve/complete",
            json!({ "token": token, "credential": signed[0] }),
        ),
        mallory.post(
            "/auth/link/approve/complete",
            json!({ "token": token, "credential": signed[1] }),
        ),
    );
    let winner = match (for_ada.status.is_success(), for_mallory.status.is_success()) {
        (true, false) => "ad…@example.com",
        (false, true) => "ma…@evil.example",
        outcome => panic!("both or neither approved: {outcome:?}"),
    };
    for lost in [&for_ada, &for_mallory]
        .into_iter()
        .filter(|a| !a.status.is_success())
    {
        lost.expect_error(404, "link_not_found");
    }
    let options = post_token(&phone, "/auth/link/register/begin", &token).await;
    assert_eq!(options.expect_ok()["account"], winner);
}

both_backends!(
    two_accounts_approving_at_once_leave_one_owner,
    joining_and_declining_at_once_end_the_link_once,
    a_held_back_device_cannot_escape_through_a_second_one,
    a_device_added_by_a_link_cannot_lock_the_owner_out,
    the_older_device_removes_the_new_one_at_once,
    the_cool_down_ends_after_its_time,
    a_recovered_device_removes_the_lost_ones_at_once,
    the_mail_says_where_the_device_was_approved_from,
    the_new_device_is_shown_the_account_and_may_turn_it_down,
    a_link_approved_into_someone_elses_account_is_seen_and_refused,
    only_the_new_device_may_decline,
);
