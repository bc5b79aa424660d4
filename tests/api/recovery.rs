//! Recovering an account when the only device is lost: a code by mail, bound to
//! the browser that asked; then that browser makes its own passkey.

use std::time::Duration;

use bmauth::testing::Table;
use serde_json::json;

use crate::both_backends;
use crate::support::{Answer, Browser, TestApp};

const ADA: &str = "ada@example.com";
const SENT: &str = "If an account exists for this address, we sent it a code.";

async fn ask(browser: &Browser, email: &str) -> Answer {
    browser
        .post("/auth/recover/begin", json!({ "email": email }))
        .await
}

async fn verify(browser: &Browser, email: &str, pin: &str) -> Answer {
    browser
        .post(
            "/auth/recover/verify",
            json!({ "email": email, "pin": pin }),
        )
        .await
}

/// With the link token a recovery code (or an administrator's recovery link) gave:
/// this device's passkey, signed in.
pub(crate) async fn make_passkey(browser: &mut Browser, token: &str) -> Answer {
    let options = browser
        .post("/auth/link/register/begin", json!({ "token": token }))
        .await;
    let credential = browser.authenticator.create(options.expect_ok());
    browser
        .post(
            "/auth/link/register/complete",
            json!({ "token": token, "credential": credential }),
        )
        .await
}

async fn a_lost_device_is_replaced_with_an_email_code(app: TestApp) {
    let mut lost = app.browser();
    lost.sign_up(&app, ADA).await;

    let mut new = app.browser_at("127.0.0.2".parse().unwrap());
    let asked = ask(&new, ADA).await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    assert_eq!(asked.body["message"], SENT);
    let mails = app.mail.wait_for(ADA, 2).await;
    assert!(mails[1].raw.contains("Recover your"), "{}", mails[1].raw);
    let pin = mails[1].pin();

    let token = verify(&new, ADA, &pin).await;
    let token = token.expect_ok()["token"].as_str().unwrap().to_string();
    let joined = make_passkey(&mut new, &token).await;
    assert_eq!(joined.status, 201, "{}", joined.body);
    assert_eq!(new.me().await.expect_ok()["user"]["email"], ADA);
    assert_eq!(app.rows(Table::Credentials).await, 2);
    let notice = app.mail.wait_for(ADA, 3).await.pop().unwrap();
    assert!(
        notice.raw.contains("with a recovery code"),
        "{}",
        notice.raw
    );

    // The code is used up; the new device signs in with its own passkey from now on.
    verify(&new, ADA, &pin)
        .await
        .expect_error(400, "no_pending_pin");
    new.post("/auth/logout", json!({})).await.expect_ok();
    new.sign_in(ADA).await.expect_ok();
}

async fn unknown_addresses_get_the_same_answer_and_no_mail(app: TestApp) {
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    let stranger = app.browser_at("127.0.0.3".parse().unwrap());
    let known = ask(&stranger, ADA).await;
    let unknown = ask(&stranger, "nobody@example.com").await;
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.mail.to("nobody@example.com").is_empty());
    verify(&stranger, "nobody@example.com", "123456")
        .await
        .expect_error(400, "no_pending_pin");
    // A pending sign-up is not an account: nothing to recover.
    let mut pending = app.browser_at("127.0.0.4".parse().unwrap());
    pending.register("grace@example.com").await.expect_ok();
    ask(&pending, "grace@example.com").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.mail.to("grace@example.com").len(),
        1,
        "only the sign-up code"
    );
}

async fn codes_do_not_cross_purposes_or_browsers(app: TestApp) {
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    let sign_up_code = app.mail.last_pin_for(ADA);
    let new = app.browser_at("127.0.0.2".parse().unwrap());
    ask(&new, ADA).await;
    let recovery_code = app.mail.wait_for(ADA, 2).await[1].pin();

    // Typed in another browser: nothing, as if no code were waiting.
    let other = app.browser_at("127.0.0.5".parse().unwrap());
    verify(&other, ADA, &recovery_code)
        .await
        .expect_error(400, "no_pending_pin");
    // A recovery code confirms no sign-up, and a sign-up code recovers nothing.
    new.post(
        "/auth/verify-email",
        json!({ "email": ADA, "pin": recovery_code }),
    )
    .await
    .expect_error(400, "no_pending_pin");
    if sign_up_code != recovery_code {
        verify(&new, ADA, &sign_up_code)
            .await
            .expect_error(400, "pin_incorrect");
    }
    // The right browser, the right code: still good.
    verify(&new, ADA, &recovery_code).await.expect_ok();
    assert_eq!(app.rows(Table::DeviceLinks).await, 1);
}

async fn recovery_mail_is_limited_per_account(app: TestApp) {
    app.advance_to_the_hour();
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    let new = app.browser_at("127.0.0.2".parse().unwrap());
    for _ in 0..8 {
        assert_eq!(ask(&new, ADA).await.status, 202);
        app.advance(Duration::from_secs(61));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The sign-up code counted too: five mails an hour to one address in all.
    assert_eq!(app.mail.to(ADA).len(), 5);
}

both_backends!(
    a_lost_device_is_replaced_with_an_email_code,
    unknown_addresses_get_the_same_answer_and_no_mail,
    codes_do_not_cross_purposes_or_browsers,
    recovery_mail_is_limited_per_account,
);
