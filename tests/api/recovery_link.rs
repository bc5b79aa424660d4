//! An administrator's recovery link, for a person who lost every device: it goes to
//! the account's address, works once, for a day, only the newest one, only for the
//! browser that opened it first; and the account is told when a device comes in.

use std::time::Duration;

use bmauth::auth::Actor;
use bmauth::testing::Table;
use serde_json::json;

use crate::both_backends;
use crate::recovery::make_passkey;
use crate::support::{Answer, Browser, TestApp};

const ANA: &str = "ana@example.org";
const BOSS: &str = "boss@example.com";

/// The token of the recovery link in the newest mail to `email`.
fn link_token(app: &TestApp, email: &str) -> String {
    let mail = app.mail.to(email).pop().expect("a mail");
    let raw = mail.raw.replace("=\r\n", "");
    let start = raw.find("/auth/recover#").expect("a recovery link") + "/auth/recover#".len();
    raw[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn open(browser: &Browser, token: &str) -> Answer {
    browser
        .post("/auth/recover/link", json!({ "token": token }))
        .await
}

async fn send(app: &TestApp, email: &str) -> Result<(), bmauth::AuthError> {
    app.bmauth()
        .auth()
        .send_recovery_link(email, &Actor::CommandLine)
        .await
}

async fn a_person_who_lost_everything_gets_back_in_by_the_administrator_s_link(app: TestApp) {
    let mut lost = app.browser();
    lost.sign_up(&app, ANA).await;
    let mut boss = app.browser_at("127.0.0.70".parse().unwrap());
    boss.sign_up(&app, BOSS).await;
    app.bmauth()
        .auth()
        .set_admin(BOSS, true, &Actor::CommandLine)
        .await
        .unwrap();

    let request = json!({ "email": ANA });
    boss.post("/auth/admin/person/recovery-link", request.clone())
        .await
        .expect_error(403, "reauthentication_required");
    assert_eq!(app.mail.to(ANA).len(), 1, "only her sign-up code so far");
    boss.reauthenticate().await.expect_ok();
    let sent = boss
        .post("/auth/admin/person/recovery-link", request.clone())
        .await;
    assert!(
        sent.expect_ok()["message"]
            .as_str()
            .unwrap()
            .contains("24 hours")
    );
    let mail = app.mail.wait_for(ANA, 2).await.pop().unwrap();
    assert!(mail.raw.contains("get back into your"), "{}", mail.raw);
    assert!(
        app.mail.to(BOSS).len() == 1,
        "the administrator is sent nothing but their own sign-up code"
    );
    let token = link_token(&app, ANA);
    assert!(token.len() >= 22, "128 bits at least: {token}");

    // A guess, or the link opened where it was not meant to be, gets nothing.
    let stranger = app.browser_at("127.0.0.9".parse().unwrap());
    open(&stranger, "made-up-token-of-22-chr")
        .await
        .expect_error(404, "link_not_found");

    // Her new phone opens it: its own passkey, signed in; the account is told.
    let mut phone = app.browser_at("127.0.0.2".parse().unwrap());
    let device_link = open(&phone, &token).await;
    let device_link = device_link.expect_ok()["token"]
        .as_str()
        .unwrap()
        .to_string();
    // Only the browser that opened it may make the passkey with it.
    stranger
        .post(
            "/auth/link/register/begin",
            json!({ "token": &device_link }),
        )
        .await
        .expect_error(404, "link_not_found");
    let joined = make_passkey(&mut phone, &device_link).await;
    assert_eq!(joined.status, 201, "{}", joined.body);
    assert_eq!(phone.me().await.expect_ok()["user"]["email"], ANA);
    assert_eq!(app.rows(Table::Credentials).await, 3);
    let notice = app.mail.wait_for(ANA, 3).await.pop().unwrap();
    assert!(
        notice
            .raw
            .replace("=\r\n", "")
            .contains("recovery link an administrator sent"),
        "{}",
        notice.raw
    );

    // Once: neither she nor anyone else opens it again.
    for browser in [&phone, &stranger] {
        open(browser, &token)
            .await
            .expect_error(404, "link_not_found");
    }

    // Like a device recovered by code, it is not held back: it removes the lost one.
    phone.reauthenticate().await.expect_ok();
    let passkeys = phone.get("/auth/passkeys").await;
    let lost_one = passkeys.expect_ok()["passkeys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["this_device"] != true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    phone
        .post("/auth/passkeys/remove", json!({ "id": lost_one }))
        .await
        .expect_ok();
    lost.me().await.expect_error(401, "not_signed_in");

    // Written down: her activity, and the admin log with who sent it.
    let person = boss.post("/auth/admin/person", request).await;
    let kinds: Vec<&str> = person.expect_ok()["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"recovery_link_sent"), "{kinds:?}");
    assert!(kinds.contains(&"device_recovered"), "{kinds:?}");
    let log = boss.get("/auth/admin/log").await;
    assert_eq!(
        log.expect_ok()["entries"][0]["action"],
        "recovery_link_sent"
    );
    assert_eq!(log.body["entries"][0]["actor"], BOSS);
    assert_eq!(log.body["entries"][0]["subject"], ANA);
}

async fn only_the_newest_link_works_for_a_day_and_never_for_a_disabled_account(app: TestApp) {
    let mut ana = app.browser();
    ana.sign_up(&app, ANA).await;
    send(&app, "nobody@example.org")
        .await
        .expect_err("no such account");

    send(&app, ANA).await.unwrap();
    app.mail.wait_for(ANA, 2).await;
    let first = link_token(&app, ANA);
    send(&app, ANA).await.unwrap();
    app.mail.wait_for(ANA, 3).await;
    let second = link_token(&app, ANA);
    assert_ne!(first, second);
    let phone = app.browser_at("127.0.0.2".parse().unwrap());
    open(&phone, &first)
        .await
        .expect_error(404, "link_not_found");

    // A day later, the newest is dead too.
    app.advance(Duration::from_secs(24 * 3600 + 1));
    open(&phone, &second)
        .await
        .expect_error(410, "link_expired");

    // Disabling ends a link sent before; a disabled account gets none.
    send(&app, ANA).await.unwrap();
    app.mail.wait_for(ANA, 4).await;
    let third = link_token(&app, ANA);
    app.bmauth()
        .auth()
        .disable_person(ANA, &Actor::CommandLine)
        .await
        .unwrap();
    open(&phone, &third)
        .await
        .expect_error(404, "link_not_found");
    assert!(matches!(
        send(&app, ANA).await,
        Err(bmauth::AuthError::AccountDisabled)
    ));
}

async fn a_link_to_an_address_the_account_left_opens_nothing(app: TestApp) {
    let mut ana = app.browser();
    ana.sign_up(&app, ANA).await;
    send(&app, ANA).await.unwrap();
    app.mail.wait_for(ANA, 2).await;
    let to_old_address = link_token(&app, ANA);

    // The address changes: the link mailed to the old one is dead.
    ana.reauthenticate().await.expect_ok();
    let moved = "ana.new@example.org";
    ana.post("/auth/account/email", json!({ "email": moved }))
        .await
        .expect_ok();
    let pin = app.mail.last_pin_for(moved);
    ana.post("/auth/account/email/confirm", json!({ "pin": pin }))
        .await
        .expect_ok();
    let phone = app.browser_at("127.0.0.2".parse().unwrap());
    open(&phone, &to_old_address)
        .await
        .expect_error(404, "link_not_found");

    // An administrator signing the account out everywhere ends one too.
    send(&app, moved).await.unwrap();
    app.mail.wait_for(moved, 2).await;
    let token = link_token(&app, moved);
    app.bmauth()
        .auth()
        .end_sessions_of_person(moved, &Actor::CommandLine)
        .await
        .unwrap();
    open(&phone, &token)
        .await
        .expect_error(404, "link_not_found");
}

async fn eight_browsers_racing_for_one_link_let_one_in(app: TestApp) {
    let mut ana = app.browser();
    ana.sign_up(&app, ANA).await;
    send(&app, ANA).await.unwrap();
    app.mail.wait_for(ANA, 2).await;
    let token = link_token(&app, ANA);
    let browsers: Vec<Browser> = (0..8)
        .map(|i| app.browser_at(format!("127.0.1.{}", i + 1).parse().unwrap()))
        .collect();
    let answers =
        futures::future::join_all(browsers.iter().map(|browser| open(browser, &token))).await;
    let won: Vec<_> = answers.iter().filter(|a| a.status == 200).collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    for lost in answers.iter().filter(|a| a.status != 200) {
        assert_eq!(lost.status, 404, "{}", lost.body);
    }
}

both_backends!(
    a_person_who_lost_everything_gets_back_in_by_the_administrator_s_link,
    only_the_newest_link_works_for_a_day_and_never_for_a_disabled_account,
    eight_browsers_racing_for_one_link_let_one_in,
    a_link_to_an_address_the_account_left_opens_nothing,
);
