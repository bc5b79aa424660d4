//! A person's own account: downloading everything kept about them, and deleting
//! it (a fresh passkey, not from a device held back after joining by a link, a
//! last mail), with what the browser's passkey manager is told.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bmauth::testing::Table;
use serde_json::json;

use crate::both_backends;
use crate::link::ada_and_a_device_she_approved;
use crate::support::TestApp;

const ADA: &str = "ada@example.com";

async fn the_download_holds_everything_but_keys(app: TestApp) {
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    ada.sign_in(ADA).await.expect_ok();
    let file = ada.get("/auth/account/export").await;
    assert_eq!(
        file.headers["content-disposition"],
        "attachment; filename=\"bmauth-account.json\""
    );
    let data = file.expect_ok();
    assert_eq!(data["account"]["email"], ADA);
    let passkeys = data["passkeys"].as_array().unwrap();
    assert_eq!(passkeys.len(), 1);
    assert_eq!(passkeys[0]["id"], ada.authenticator.credential_id(0));
    let keys: Vec<&String> = passkeys[0].as_object().unwrap().keys().collect();
    assert!(
        !keys.iter().any(|k| k.contains("key") || *k == "passkey"),
        "no key material: {keys:?}"
    );
    assert!(!data.to_string().contains("\"cred\""), "{data}");
    assert_eq!(data["sessions"].as_array().unwrap().len(), 1);
    let kinds: Vec<&str> = data["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["signed_in", "signed_up"]);

    app.browser_at("127.0.0.81".parse().unwrap())
        .get("/auth/account/export")
        .await
        .expect_error(401, "not_signed_in");
}

async fn deleting_needs_a_fresh_passkey_and_leaves_nothing(app: TestApp) {
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    ada.post("/auth/account/delete", json!({}))
        .await
        .expect_error(403, "reauthentication_required");
    ada.me().await.expect_ok();

    ada.reauthenticate().await.expect_ok();
    let deleted = ada.post("/auth/account/delete", json!({})).await;
    let body = deleted.expect_ok();
    let cookie = deleted.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("bmauth_session=;"), "{cookie}");
    // The passkey manager may hide her passkey: none of hers counts now.
    assert_eq!(body["accepted"]["rp_id"], "localhost");
    assert_eq!(body["accepted"]["all_accepted_credential_ids"], json!([]));
    let handle = URL_SAFE_NO_PAD
        .decode(body["accepted"]["user_id"].as_str().unwrap())
        .unwrap();
    assert_eq!(handle.len(), 16, "the user handle: a UUID's bytes");

    ada.me().await.expect_error(401, "not_signed_in");
    for table in [Table::Users, Table::Credentials, Table::Sessions] {
        assert_eq!(app.rows(table).await, 0, "{table:?}");
    }
    let farewell = app.mail.wait_for(ADA, 2).await.pop().unwrap();
    assert!(farewell.raw.contains("was deleted"), "{}", farewell.raw);
    // Her passkey opens nothing; the address may sign up again.
    let options = ada.login_begin(ADA).await;
    assert!(
        ada.authenticator.get(&options).is_err(),
        "an unknown address names no passkey"
    );
    app.browser_at("127.0.0.82".parse().unwrap())
        .sign_up(&app, ADA)
        .await;
}

async fn a_device_held_back_cannot_delete_the_account(app: TestApp) {
    let (ada, mut added) = ada_and_a_device_she_approved(&app, "127.0.0.83").await;
    added.reauthenticate().await.expect_ok();
    added
        .post("/auth/account/delete", json!({}))
        .await
        .expect_error(403, "new_device_cooldown");
    ada.me().await.expect_ok();
    assert_eq!(app.rows(Table::Users).await, 1);
}

async fn removing_a_passkey_says_which_still_count(app: TestApp) {
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    let mut second = app.browser_at("127.0.0.84".parse().unwrap());
    second.recover(&app, ADA).await;
    let lost = second.authenticator.credential_id(0);
    ada.reauthenticate().await.expect_ok();
    let removed = ada
        .post("/auth/passkeys/remove", json!({ "id": lost }))
        .await;
    assert_eq!(
        removed.expect_ok()["accepted"]["all_accepted_credential_ids"],
        json!([ada.authenticator.credential_id(0)])
    );
}

both_backends!(
    the_download_holds_everything_but_keys,
    deleting_needs_a_fresh_passkey_and_leaves_nothing,
    a_device_held_back_cannot_delete_the_account,
    removing_a_passkey_says_which_still_count,
);
