//! A signed-in person's own account: their passkeys (named, renamed, removed with a
//! fresh biometric, never the last), their sessions (listed, ended) and the
//! account's recent activity.

use std::time::Duration;

use bmauth::testing::Table;
use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Browser, TestApp};

const ADA: &str = "ada@example.com";
const EVE: &str = "eve@example.com";

async fn passkeys(browser: &Browser) -> Vec<Value> {
    browser.get("/auth/passkeys").await.expect_ok()["passkeys"]
        .as_array()
        .unwrap()
        .clone()
}

async fn sessions(browser: &Browser) -> Vec<Value> {
    browser.get("/auth/sessions").await.expect_ok()["sessions"]
        .as_array()
        .unwrap()
        .clone()
}

async fn activity(browser: &Browser) -> Vec<String> {
    browser.get("/auth/activity").await.expect_ok()["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

/// The id of the passkey that opened `browser`'s session (`this_device`), or of
/// another one.
async fn passkey_id(browser: &Browser, this_device: bool) -> String {
    let all = passkeys(browser).await;
    let found = all
        .iter()
        .find(|p| p["this_device"] == this_device)
        .unwrap_or_else(|| panic!("no passkey with this_device = {this_device}: {all:?}"));
    found["id"].as_str().unwrap().to_string()
}

/// Ada with two devices: the one she signed up on, and one added by recovery
/// (whose session is fresh: it just made its passkey).
async fn ada_with_two_devices(app: &TestApp) -> (Browser, Browser) {
    app.advance_to_the_hour();
    two_devices(app, ADA, 1).await
}

/// `email`'s account on two devices of its own, on addresses 127.0.`net`.1 and .2.
async fn two_devices(app: &TestApp, email: &str, net: u8) -> (Browser, Browser) {
    let mut first = app.browser_at([127, 0, net, 1].into());
    first.sign_up(app, email).await;
    let mut second = app.browser_at([127, 0, net, 2].into());
    second.recover(app, email).await;
    (first, second)
}

async fn the_owner_sees_their_passkeys_and_sessions(app: TestApp) {
    let (first, second) = ada_with_two_devices(&app).await;
    let seen = passkeys(&second).await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen.iter().filter(|p| p["this_device"] == true).count(), 1);
    for passkey in &seen {
        assert!(!passkey["name"].as_str().unwrap().is_empty());
        assert!(passkey["created_at"].as_i64().unwrap() > 0);
        assert_eq!(passkey["counter_went_back_at"], Value::Null);
    }
    let listed = sessions(&first).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(
        listed.iter().filter(|s| s["this_session"] == true).count(),
        1
    );
    // Without a session there is nothing to see.
    let stranger = app.browser_at("127.0.0.9".parse().unwrap());
    for path in ["/auth/passkeys", "/auth/sessions", "/auth/activity"] {
        stranger.get(path).await.expect_error(401, "not_signed_in");
    }
}

async fn passkeys_are_renamed_and_names_are_checked(app: TestApp) {
    let (first, _second) = ada_with_two_devices(&app).await;
    let id = passkey_id(&first, true).await;
    let name_now = |all: Vec<Value>| {
        let found = all.into_iter().find(|p| p["this_device"] == true).unwrap();
        found["name"].clone()
    };
    let rename = |name: Value| {
        let id = id.clone();
        let first = &first;
        async move {
            first
                .post("/auth/passkeys/rename", json!({ "id": id, "name": name }))
                .await
        }
    };
    // HTML is text: stored as typed, and it is the page's job to show it escaped.
    let html = "<img src=x onerror=alert(1)> Ada's <b>key</b>";
    rename(json!(format!("  {html} "))).await.expect_ok();
    assert_eq!(name_now(passkeys(&first).await), html);

    for bad in [
        json!("x".repeat(10 * 1024)),
        json!("bell\u{7}"),
        json!("line\nbreak"),
        json!("right-to-left\u{202E}fdp.exe"),
        json!("   "),
    ] {
        rename(bad).await.expect_error(400, "invalid_name");
    }
    rename(json!(42)).await.expect_error(400, "invalid_json");
    assert_eq!(name_now(passkeys(&first).await), html, "nothing changed");

    // Another account's passkey cannot be renamed: it is simply not found.
    let mut eve = app.browser_at("127.0.0.3".parse().unwrap());
    eve.sign_up(&app, EVE).await;
    eve.post(
        "/auth/passkeys/rename",
        json!({ "id": id, "name": "mine now" }),
    )
    .await
    .expect_error(404, "passkey_not_found");
    for id in ["", "not base64url!", &"A".repeat(5000)] {
        eve.post("/auth/passkeys/rename", json!({ "id": id, "name": "x" }))
            .await
            .expect_error(404, "passkey_not_found");
    }
    assert_eq!(name_now(passkeys(&first).await), html);
    assert!(activity(&first).await.contains(&"passkey_renamed".into()));
}

async fn the_last_passkey_cannot_be_removed(app: TestApp) {
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    ada.reauthenticate().await.expect_ok();
    let id = passkey_id(&ada, true).await;
    let refused = ada.post("/auth/passkeys/remove", json!({ "id": id })).await;
    refused.expect_error(409, "last_passkey");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("only passkey")
    );
    assert_eq!(app.rows(Table::Credentials).await, 1);
    ada.me().await.expect_ok();
}

async fn removing_needs_a_fresh_biometric(app: TestApp) {
    let (mut first, second) = ada_with_two_devices(&app).await;
    let lost = passkey_id(&first, false).await;

    // The sign-up's session was opened by an email code: not a fresh biometric.
    first
        .post("/auth/passkeys/remove", json!({ "id": lost }))
        .await
        .expect_error(403, "reauthentication_required");
    first.reauthenticate().await.expect_ok();
    // Fresh for five minutes, then no longer.
    app.advance(Duration::from_secs(5 * 60 + 1));
    first
        .post("/auth/passkeys/remove", json!({ "id": lost }))
        .await
        .expect_error(403, "reauthentication_required");
    assert_eq!(app.rows(Table::Credentials).await, 2);
    second.me().await.expect_ok();

    // A confirmation by another account's passkey does not count.
    let mut eve = app.browser_at("127.0.0.3".parse().unwrap());
    eve.sign_up(&app, EVE).await;
    let options = first.post("/auth/reauth/begin", json!({})).await;
    let challenge = options.expect_ok()["publicKey"]["challenge"]
        .as_str()
        .unwrap()
        .to_string();
    let foreign = eve.authenticator.sign_with(0, &challenge);
    first
        .post("/auth/reauth/complete", json!({ "credential": foreign }))
        .await
        .expect_error(401, "credential_not_allowed");
    first
        .post("/auth/passkeys/remove", json!({ "id": lost }))
        .await
        .expect_error(403, "reauthentication_required");
    // Nor does a device that fails its biometric.
    first.authenticator.user_verified = false;
    first
        .reauthenticate()
        .await
        .expect_error(401, "user_verification_required");
    first.authenticator.user_verified = true;

    first.reauthenticate().await.expect_ok();
    let removed = first
        .post("/auth/passkeys/remove", json!({ "id": lost }))
        .await;
    assert_eq!(removed.expect_ok()["signed_out"], false);
    assert_eq!(passkeys(&first).await.len(), 1);
    let notice = app.mail.wait_for(ADA, 4).await.pop().unwrap();
    assert!(notice.raw.contains("was removed"), "{}", notice.raw);
}

async fn removing_a_passkey_ends_its_sessions(app: TestApp) {
    let (first, mut second) = ada_with_two_devices(&app).await;
    // The second device signs in again elsewhere in its browser: two sessions.
    let mut third = app.browser_at("127.0.0.4".parse().unwrap());
    std::mem::swap(&mut third.authenticator, &mut second.authenticator);
    third.sign_in(ADA).await.expect_ok();
    std::mem::swap(&mut third.authenticator, &mut second.authenticator);
    assert_eq!(sessions(&first).await.len(), 3);

    // The second device removes the first device's passkey: its session ends.
    let first_id = passkey_id(&second, false).await;
    second
        .post("/auth/passkeys/remove", json!({ "id": first_id }))
        .await
        .expect_ok();
    first.me().await.expect_error(401, "not_signed_in");
    assert_eq!(sessions(&second).await.len(), 2);
    third.me().await.expect_ok();

    // Ada's only passkey now: still refused.
    let own = passkey_id(&second, true).await;
    second
        .post("/auth/passkeys/remove", json!({ "id": own }))
        .await
        .expect_error(409, "last_passkey");
    let kinds = activity(&second).await;
    assert_eq!(kinds[0], "passkey_removed", "{kinds:?}");
    assert!(kinds.contains(&"device_recovered".into()), "{kinds:?}");
    assert!(kinds.contains(&"signed_up".into()), "{kinds:?}");
    assert!(kinds.contains(&"signed_in".into()), "{kinds:?}");
}

async fn removing_this_devices_passkey_signs_it_out(app: TestApp) {
    let (first, second) = ada_with_two_devices(&app).await;
    let own = passkey_id(&second, true).await;
    let removed = second
        .post("/auth/passkeys/remove", json!({ "id": own }))
        .await;
    assert_eq!(removed.expect_ok()["signed_out"], true);
    let cookie = removed.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
    second.me().await.expect_error(401, "not_signed_in");
    first.me().await.expect_ok();
}

async fn sessions_are_ended_one_or_all_others(app: TestApp) {
    let (first, second) = ada_with_two_devices(&app).await;
    let mut eve = app.browser_at("127.0.0.3".parse().unwrap());
    eve.sign_up(&app, EVE).await;

    let listed = sessions(&first).await;
    let other = listed.iter().find(|s| s["this_session"] == false).unwrap();
    let other_id = other["id"].as_str().unwrap().to_string();
    // Someone else's session is not theirs to end.
    eve.post("/auth/sessions/end", json!({ "id": other_id }))
        .await
        .expect_error(404, "session_not_found");
    for id in ["", "zz", &"0".repeat(32), &"a".repeat(10_000)] {
        first
            .post("/auth/sessions/end", json!({ "id": id }))
            .await
            .expect_error(404, "session_not_found");
    }
    second.me().await.expect_ok();

    let ended = first
        .post("/auth/sessions/end", json!({ "id": other_id }))
        .await;
    assert_eq!(ended.expect_ok()["signed_out"], false);
    second.me().await.expect_error(401, "not_signed_in");
    first.me().await.expect_ok();

    // Back in on the second device, then everything but this session ends.
    let mut second = second;
    second.sign_in(ADA).await.expect_ok();
    let ended = first.post("/auth/sessions/end-others", json!({})).await;
    assert_eq!(ended.expect_ok()["ended"], 1);
    second.me().await.expect_error(401, "not_signed_in");
    first.me().await.expect_ok();
    eve.me().await.expect_ok();
    let kinds = activity(&first).await;
    assert_eq!(kinds[0], "other_sessions_ended", "{kinds:?}");
    assert!(kinds.contains(&"session_ended".into()), "{kinds:?}");
    // Eve sees her own account's activity only.
    assert_eq!(activity(&eve).await, vec!["signed_up".to_string()]);
}

async fn a_counter_that_went_back_is_shown(app: TestApp) {
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    ada.sign_in(ADA).await.expect_ok();
    ada.sign_in(ADA).await.expect_ok();
    // A copy of the key, still at an older count.
    ada.authenticator.set_counter(0, 1);
    ada.sign_in(ADA)
        .await
        .expect_error(403, "possible_cloned_credential");
    ada.authenticator.set_counter(0, 100);
    ada.sign_in(ADA).await.expect_ok();
    let seen = passkeys(&ada).await;
    assert!(
        seen[0]["counter_went_back_at"].as_i64().is_some(),
        "{seen:?}"
    );
    assert!(activity(&ada).await.contains(&"counter_went_back".into()));
}

/// Two devices, each confirmed fresh, remove each other's passkey at the same
/// moment: one removal wins, and the account always keeps a passkey.
async fn two_removals_at_once_never_remove_the_last_passkey(app: TestApp) {
    app.advance_to_the_hour();
    for net in 10..16 {
        let email = format!("twice{net}@example.com");
        let (mut first, second) = two_devices(&app, &email, net).await;
        first.reauthenticate().await.expect_ok();
        let first_id = passkey_id(&first, true).await;
        let second_id = passkey_id(&second, true).await;
        let (a, b) = tokio::join!(
            first.post("/auth/passkeys/remove", json!({ "id": second_id })),
            second.post("/auth/passkeys/remove", json!({ "id": first_id })),
        );
        let answers = [&a, &b];
        let won = answers.iter().filter(|x| x.status.is_success()).count();
        assert_eq!(won, 1, "{} / {}", a.body, b.body);
        for lost in answers.iter().filter(|x| !x.status.is_success()) {
            // Refused as the last passkey, or its session ended with its passkey first.
            assert!(
                matches!(lost.code(), "last_passkey" | "not_signed_in"),
                "{}",
                lost.body
            );
        }
        let survivor = if a.status.is_success() {
            &first
        } else {
            &second
        };
        assert_eq!(passkeys(survivor).await.len(), 1);
    }
}

both_backends!(
    the_owner_sees_their_passkeys_and_sessions,
    passkeys_are_renamed_and_names_are_checked,
    the_last_passkey_cannot_be_removed,
    removing_needs_a_fresh_biometric,
    removing_a_passkey_ends_its_sessions,
    removing_this_devices_passkey_signs_it_out,
    sessions_are_ended_one_or_all_others,
    a_counter_that_went_back_is_shown,
    two_removals_at_once_never_remove_the_last_passkey,
);
