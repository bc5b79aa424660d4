use std::time::Duration;

use bmauth::config::Rate;
use bmauth::testing::Table;
use serde_json::json;

use crate::both_backends;
use crate::support::TestApp;

fn wrong(pin: &str) -> String {
    format!("{:06}", (pin.parse::<u32>().unwrap() + 1) % 1_000_000)
}

async fn five_wrong_pins_kill_the_pin(app: TestApp) {
    let mut browser = app.browser();
    let email = "ada@example.com";
    browser.register(email).await.expect_ok();
    let pin = app.mail.last_pin_for(email);
    for left in (1..=4).rev() {
        let answer = browser.verify(email, &wrong(&pin)).await;
        answer.expect_error(400, "pin_incorrect");
        assert_eq!(answer.body["error"]["attempts_left"], left);
    }
    browser
        .verify(email, &wrong(&pin))
        .await
        .expect_error(403, "pin_locked");
    // Even the right PIN is now refused.
    browser
        .verify(email, &pin)
        .await
        .expect_error(403, "pin_locked");
    browser.me().await.expect_error(401, "not_signed_in");
    assert!(
        app.store()
            .user_by_confirmed_email(email)
            .await
            .unwrap()
            .is_none(),
        "not confirmed"
    );
    assert_eq!(app.rows(Table::Sessions).await, 0);
}

async fn an_expired_pin_is_refused(app: TestApp) {
    let mut browser = app.browser();
    browser.register("ada@example.com").await.expect_ok();
    let pin = app.mail.last_pin_for("ada@example.com");
    app.advance(Duration::from_secs(10 * 60 + 1));
    browser
        .verify("ada@example.com", &pin)
        .await
        .expect_error(400, "pin_expired");
    assert_eq!(app.rows(Table::Sessions).await, 0);
}

async fn a_pin_must_look_like_a_pin(app: TestApp) {
    let mut browser = app.browser();
    browser.register("ada@example.com").await.expect_ok();
    let pin = app.mail.last_pin_for("ada@example.com");
    for bad in ["12345", "1234567", "abcdef", ""] {
        browser
            .verify("ada@example.com", bad)
            .await
            .expect_error(400, "invalid_pin_format");
    }
    // Malformed PINs use up no tries; pasted spaces are forgiven.
    browser
        .verify("ada@example.com", &format!(" {pin} "))
        .await
        .expect_ok();
}

async fn resending_is_throttled_and_a_new_pin_voids_the_old(app: TestApp) {
    let mut browser = app.browser();
    let email = "ada@example.com";
    browser.register(email).await.expect_ok();
    let first = app.mail.last_pin_for(email);

    let too_soon = browser
        .post("/auth/resend-pin", json!({ "email": email }))
        .await;
    too_soon.expect_error(429, "resend_too_soon");
    let wait: u64 = too_soon.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    assert_eq!(too_soon.body["error"]["retry_after"], wait);
    assert_eq!(app.mail.to(email).len(), 1);

    app.advance(Duration::from_secs(61));
    let resent = browser
        .post("/auth/resend-pin", json!({ "email": email }))
        .await;
    assert_eq!(resent.status, 202);
    assert_eq!(app.mail.to(email).len(), 2);
    let second = app.mail.last_pin_for(email);
    if first != second {
        browser
            .verify(email, &first)
            .await
            .expect_error(400, "pin_incorrect");
    }
    browser.verify(email, &second).await.expect_ok();
}

async fn mail_to_one_address_is_limited_per_hour(app: TestApp) {
    app.advance_to_the_hour();
    let mut browser = app.browser();
    let email = "ada@example.com";
    browser.register(email).await.expect_ok();
    for _ in 0..4 {
        app.advance(Duration::from_secs(61));
        browser
            .post("/auth/resend-pin", json!({ "email": email }))
            .await
            .expect_ok();
    }
    app.advance(Duration::from_secs(61));
    browser
        .post("/auth/resend-pin", json!({ "email": email }))
        .await
        .expect_error(429, "rate_limited");
    assert_eq!(app.mail.to(email).len(), 5);
}

async fn resending_to_an_unknown_or_confirmed_address_looks_the_same_and_sends_nothing(
    app: TestApp,
) {
    let mut browser = app.browser();
    browser.sign_up(&app, "ada@example.com").await;
    let confirmed = browser
        .post("/auth/resend-pin", json!({ "email": "ada@example.com" }))
        .await;
    let unknown = browser
        .post("/auth/resend-pin", json!({ "email": "nobody@example.com" }))
        .await;
    assert_eq!(
        (confirmed.status, &confirmed.body),
        (unknown.status, &unknown.body)
    );
    assert_eq!(app.mail.to("ada@example.com").len(), 1);
    assert_eq!(app.mail.to("nobody@example.com").len(), 0);
    browser
        .verify("nobody@example.com", "123456")
        .await
        .expect_error(400, "no_pending_pin");
    browser
        .verify("ada@example.com", "123456")
        .await
        .expect_error(400, "no_pending_pin");
}

async fn mail_that_fails_is_reported_kept_and_retried(app: TestApp) {
    // Mail goes to a port where nothing listens yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::start_with_smtp_port(app.backend, port, app.mail).await;
    let mut browser = app.browser();
    browser
        .register("ada@example.com")
        .await
        .expect_error(503, "mail_not_sent");
    assert_eq!(app.rows(Table::Users).await, 1, "the sign-up is kept");
    assert_eq!(app.rows(Table::Outbox).await, 1, "the mail is queued");

    // The mail server comes up; the worker's next round delivers.
    let sink = crate::support::MailSink::start_on(port);
    app.advance(Duration::from_secs(16));
    assert_eq!(app.bmauth().auth().deliver_queued_mail().await.unwrap(), 1);
    let pin = sink.last_pin_for("ada@example.com");
    browser.verify("ada@example.com", &pin).await.expect_ok();
    assert_eq!(
        app.bmauth().auth().deliver_queued_mail().await.unwrap(),
        0,
        "sent once"
    );
}

async fn only_a_browser_with_a_sign_up_spends_the_address_allowance_of_codes(app: TestApp) {
    let app = TestApp::start_with(app.backend, |c| {
        c.limits.pin_tries_per_account = Rate::new(3, 24 * 3600);
    })
    .await;
    let email = "ada@example.com";
    let mut owner = app.browser();
    owner.register(email).await.expect_ok();
    let pin = app.mail.last_pin_for(email);
    // A stranger sending codes for the address spends nothing of it.
    let stranger = app.browser();
    for _ in 0..10 {
        stranger
            .verify(email, &wrong(&pin))
            .await
            .expect_error(400, "no_pending_pin");
    }
    for _ in 0..3 {
        owner
            .verify(email, &wrong(&pin))
            .await
            .expect_error(400, "pin_incorrect");
    }
    // The address's allowance for the day is spent, even for the right code.
    owner
        .verify(email, &pin)
        .await
        .expect_error(429, "rate_limited");
    owner.me().await.expect_error(401, "not_signed_in");
}

both_backends!(
    only_a_browser_with_a_sign_up_spends_the_address_allowance_of_codes,
    five_wrong_pins_kill_the_pin,
    an_expired_pin_is_refused,
    a_pin_must_look_like_a_pin,
    resending_is_throttled_and_a_new_pin_voids_the_old,
    mail_to_one_address_is_limited_per_hour,
    resending_to_an_unknown_or_confirmed_address_looks_the_same_and_sends_nothing,
    mail_that_fails_is_reported_kept_and_retried,
);
