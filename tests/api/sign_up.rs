use std::time::Duration;

use bmauth::testing::Table;
use serde_json::json;

use crate::both_backends;
use crate::support::TestApp;

async fn sign_up_confirm_sign_out_and_sign_in(app: TestApp) {
    let mut browser = app.browser();
    let email = "ada@example.com";

    let options = browser.register_begin(" Ada@Example.com ").await;
    let pk = &options.expect_ok()["publicKey"];
    assert_eq!(pk["rp"]["id"], "localhost");
    assert_eq!(pk["user"]["name"], email, "the address is normalised");
    let selection = &pk["authenticatorSelection"];
    assert_eq!(selection["authenticatorAttachment"], "platform");
    assert_eq!(selection["residentKey"], "preferred");
    assert_eq!(selection["userVerification"], "required");

    let credential = browser.authenticator.create(&options.body);
    let done = browser.register_complete(email, credential).await;
    assert_eq!(done.status, 201, "{}", done.body);
    assert_eq!(done.body["pin_sent"], true);
    assert_eq!(done.body["user"]["verified"], false);

    // The PIN arrived by SMTP, and is stored only as a keyed hash.
    let mails = app.mail.to(email);
    assert_eq!(mails.len(), 1);
    let pin = mails[0].pin();
    let user_id = bmauth::testing::user_id(done.body["user"]["id"].as_str().unwrap());
    let stored = app
        .store()
        .pin_of(&user_id, bmauth::testing::PinPurpose::VerifyEmail)
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.code_hash.contains(&pin));
    assert_eq!(stored.code_hash.len(), 64);

    browser.me().await.expect_error(401, "not_signed_in");
    let verified = browser.verify(email, &pin).await;
    assert_eq!(verified.expect_ok()["user"]["email"], email);
    assert_eq!(verified.body["user"]["verified"], true);
    let cookie = verified.headers["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("bmauth_session="));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(
        !cookie.contains("Secure"),
        "plain http on localhost cannot use Secure cookies"
    );

    assert_eq!(browser.me().await.expect_ok()["user"]["email"], email);
    let status = browser.get("/auth/status").await;
    assert_eq!(status.expect_ok()["signed_in"], true);

    browser.post("/auth/logout", json!({})).await.expect_ok();
    browser.me().await.expect_error(401, "not_signed_in");
    assert_eq!(
        app.rows(Table::Sessions).await,
        0,
        "sign-out ends the session server-side"
    );
    assert_eq!(browser.get("/auth/status").await.body["signed_in"], false);

    let options = browser.login_begin(email).await;
    let allowed = options["publicKey"]["allowCredentials"].as_array().unwrap();
    assert_eq!(allowed.len(), 1);
    assert_eq!(allowed[0]["id"], browser.authenticator.credential_id(0));
    let credential = browser.authenticator.get(&options).unwrap();
    let signed = browser.login_complete(email, credential).await;
    assert_eq!(signed.expect_ok()["user"]["email"], email);
    assert_eq!(
        browser.me().await.expect_ok()["user"]["id"],
        user_id.as_str()
    );

    assert_eq!(app.rows(Table::Users).await, 1);
    assert_eq!(app.rows(Table::Credentials).await, 1);
    assert_eq!(app.rows(Table::Sessions).await, 1);
    assert_eq!(app.rows(Table::EmailPins).await, 0, "a used PIN is gone");
    assert_eq!(
        app.rows(Table::Ceremonies).await,
        0,
        "finished ceremonies are gone"
    );
    let credential = &app.store().credentials_of(&user_id).await.unwrap()[0];
    assert_eq!(credential.sign_count, 1);
    assert!(credential.last_used_at.is_some());
    assert_eq!(
        credential.aaguid.as_deref(),
        Some("42424242-4242-4242-4242-424242424242")
    );
    assert_eq!(credential.transports.as_deref(), Some("[\"internal\"]"));
}

async fn a_confirmed_address_cannot_be_signed_up_again(app: TestApp) {
    let mut owner = app.browser();
    owner.sign_up(&app, "grace@example.com").await;
    let other = app.browser();
    let again = other.register_begin("GRACE@example.com").await;
    again.expect_error(409, "email_taken");
    assert_eq!(app.rows(Table::Users).await, 1);
    assert_eq!(app.rows(Table::Ceremonies).await, 0);
}

async fn an_unconfirmed_sign_up_is_replaced_by_the_real_owner(app: TestApp) {
    // Someone signs up with an address that is not theirs and never confirms it.
    let mut squatter = app.browser();
    squatter.register("linus@example.com").await.expect_ok();
    // The owner signs up: their passkey replaces the squatter's.
    let mut owner = app.browser();
    owner.sign_up(&app, "linus@example.com").await;
    assert_eq!(app.rows(Table::Users).await, 1);
    assert_eq!(app.rows(Table::Credentials).await, 1);

    owner.post("/auth/logout", json!({})).await.expect_ok();
    owner.sign_in("linus@example.com").await.expect_ok();
    // The squatter's passkey is not on the account.
    let options = squatter.login_begin("linus@example.com").await;
    assert!(squatter.authenticator.get(&options).is_err());
    let forced = squatter
        .authenticator
        .sign_with(0, options["publicKey"]["challenge"].as_str().unwrap());
    squatter
        .login_complete("linus@example.com", forced)
        .await
        .expect_error(401, "credential_not_allowed");
}

async fn a_registration_signed_for_another_origin_is_refused(app: TestApp) {
    let mut browser = app.browser();
    browser.authenticator.origin = "http://localhost:1".into();
    browser
        .register("eve@example.com")
        .await
        .expect_error(401, "credential_rejected");
    assert_eq!(app.rows(Table::Users).await, 0);
    assert_eq!(
        app.rows(Table::Ceremonies).await,
        0,
        "a failed try uses up the ceremony"
    );
    assert_eq!(app.mail.to("eve@example.com").len(), 0);
}

async fn a_registration_for_another_rp_id_is_refused(app: TestApp) {
    let mut browser = app.browser();
    browser.authenticator.rp_id_override = Some("evil.example".into());
    browser
        .register("eve@example.com")
        .await
        .expect_error(401, "credential_rejected");
    assert_eq!(app.rows(Table::Users).await, 0);
}

async fn a_registration_without_user_verification_is_refused(app: TestApp) {
    let mut browser = app.browser();
    browser.authenticator.user_verified = false;
    browser
        .register("eve@example.com")
        .await
        .expect_error(401, "user_verification_required");
    assert_eq!(app.rows(Table::Users).await, 0);
    assert_eq!(app.rows(Table::Credentials).await, 0);
}

async fn bad_base64_in_a_credential_is_a_clear_error(app: TestApp) {
    let mut browser = app.browser();
    let options = browser.register_begin("bob@example.com").await;
    let mut credential = browser.authenticator.create(&options.body);
    credential["response"]["attestationObject"] = json!("not*base64!");
    let answer = browser
        .register_complete("bob@example.com", credential)
        .await;
    answer.expect_error(400, "invalid_credential");
    assert_eq!(app.rows(Table::Users).await, 0);
    let mut credential = browser.authenticator.create(&options.body);
    credential["response"]["clientDataJSON"] = json!("%%%");
    browser
        .register_complete("bob@example.com", credential)
        .await
        .expect_error(400, "invalid_credential");
    assert_eq!(app.rows(Table::Users).await, 0);
    // A malformed answer cannot name its ceremony, so the sign-up can still finish.
    let credential = browser.authenticator.create(&options.body);
    let done = browser
        .register_complete("bob@example.com", credential)
        .await;
    assert_eq!(done.status, 201, "{}", done.body);
}

async fn a_registration_finished_for_another_address_is_refused(app: TestApp) {
    let mut browser = app.browser();
    let options = browser.register_begin("bob@example.com").await;
    let credential = browser.authenticator.create(&options.body);
    browser
        .register_complete("mallory@example.com", credential)
        .await
        .expect_error(400, "ceremony_mismatch");
    assert_eq!(app.rows(Table::Users).await, 0);
}

/// The code a mail carried, typed wrong.
fn wrong(pin: &str) -> String {
    format!("{:06}", (pin.parse::<u32>().unwrap() + 1) % 1_000_000)
}

async fn a_later_sign_up_never_replaces_the_owners(app: TestApp) {
    let email = "ada@example.com";
    // The owner signs up and is on the code page.
    let mut owner = app.browser();
    owner.register(email).await.expect_ok();
    let owners_pin = app.mail.last_pin_for(email);
    // Someone else signs up with the address and their own passkey.
    let mut attacker = app.browser();
    attacker.register(email).await.expect_ok();
    let attackers_pin = app.mail.last_pin_for(email);
    assert_eq!(app.mail.to(email).len(), 2);
    assert_eq!(
        app.rows(Table::Users).await,
        2,
        "two pending sign-ups side by side"
    );

    // The newest code is the attacker's: in the owner's browser it is wrong.
    if attackers_pin != owners_pin {
        owner
            .verify(email, &attackers_pin)
            .await
            .expect_error(400, "pin_incorrect");
    }
    // The owner's own code still works, in the owner's browser.
    let signed = owner.verify(email, &owners_pin).await;
    signed.expect_ok();
    owner.me().await.expect_ok();
    assert_eq!(
        app.rows(Table::Users).await,
        1,
        "the other pending sign-up is gone"
    );
    assert_eq!(app.rows(Table::Credentials).await, 1);

    // The attacker's passkey opens nothing; their code confirms nothing.
    attacker
        .verify(email, &attackers_pin)
        .await
        .expect_error(400, "no_pending_pin");
    let options = attacker.login_begin(email).await;
    assert!(
        attacker.authenticator.get(&options).is_err(),
        "their passkey is not on the account"
    );
    let forced = attacker
        .authenticator
        .sign_with(0, options["publicKey"]["challenge"].as_str().unwrap());
    attacker
        .login_complete(email, forced)
        .await
        .expect_error(401, "credential_not_allowed");
    attacker.me().await.expect_error(401, "not_signed_in");
    owner.post("/auth/logout", json!({})).await.expect_ok();
    owner.sign_in(email).await.expect_ok();
}

async fn a_pin_typed_in_another_browser_does_nothing(app: TestApp) {
    let email = "ada@example.com";
    let mut owner = app.browser();
    owner.register(email).await.expect_ok();
    let pin = app.mail.last_pin_for(email);
    let elsewhere = app.browser();
    let answer = elsewhere.verify(email, &pin).await;
    answer.expect_error(400, "no_pending_pin");
    assert!(
        answer.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("device where you signed up")
    );
    // The same answer as for an address with nothing pending at all.
    let nothing = elsewhere.verify("nobody@example.com", &pin).await;
    assert_eq!(
        (nothing.status, &nothing.body),
        (answer.status, &answer.body)
    );
    elsewhere.me().await.expect_error(401, "not_signed_in");
    assert_eq!(app.rows(Table::Sessions).await, 0);
    // Resending from there sends nothing, and says what it says to everyone.
    app.advance(Duration::from_secs(61));
    elsewhere
        .post("/auth/resend-pin", json!({ "email": email }))
        .await
        .expect_ok();
    assert_eq!(app.mail.to(email).len(), 1);
    // Strangers burned none of the owner's tries.
    for _ in 0..5 {
        elsewhere
            .verify(email, &wrong(&pin))
            .await
            .expect_error(400, "no_pending_pin");
    }
    owner.verify(email, &pin).await.expect_ok();
}

async fn a_sign_up_allows_fifteen_wrong_codes_across_resends(app: TestApp) {
    let email = "ada@example.com";
    let mut browser = app.browser();
    browser.register(email).await.expect_ok();
    for round in 0..3 {
        let pin = app.mail.last_pin_for(email);
        for _ in 0..4 {
            browser
                .verify(email, &wrong(&pin))
                .await
                .expect_error(400, "pin_incorrect");
        }
        let last = browser.verify(email, &wrong(&pin)).await;
        if round < 2 {
            last.expect_error(403, "pin_locked");
            app.advance(Duration::from_secs(61));
            browser
                .post("/auth/resend-pin", json!({ "email": email }))
                .await
                .expect_ok();
        } else {
            last.expect_error(403, "attempts_exhausted");
        }
    }
    // Dead: no new code, and the right one does nothing.
    app.advance(Duration::from_secs(61));
    browser
        .post("/auth/resend-pin", json!({ "email": email }))
        .await
        .expect_error(403, "attempts_exhausted");
    assert_eq!(app.mail.to(email).len(), 3);
    let pin = app.mail.last_pin_for(email);
    browser
        .verify(email, &pin)
        .await
        .expect_error(403, "attempts_exhausted");
    browser.me().await.expect_error(401, "not_signed_in");
    // Starting again works.
    browser.authenticator = crate::support::Authenticator::new(&app.origin);
    app.advance(Duration::from_secs(3600));
    browser.sign_up(&app, email).await;
}

async fn a_confirmation_racing_a_new_sign_up_keeps_the_account(app: TestApp) {
    // A sign-up finishing while the owner confirms must never delete the owner's
    // account, whichever commits first.
    for round in 0..8 {
        let email = format!("owner{round}@example.com");
        let mut owner = app.browser();
        owner.register(&email).await.expect_ok();
        let pin = app.mail.last_pin_for(&email);
        let mut other = app.browser();
        let options = other.register_begin(&email).await;
        let credential = other.authenticator.create(options.expect_ok());
        let (confirmed, _) = tokio::join!(
            owner.verify(&email, &pin),
            other.register_complete(&email, credential),
        );
        confirmed.expect_ok();
        owner.me().await.expect_ok();
        owner.post("/auth/logout", json!({})).await.expect_ok();
        owner.sign_in(&email).await.expect_ok();
        let account = app
            .store()
            .user_by_confirmed_email(&email)
            .await
            .unwrap()
            .expect("the account stays");
        assert!(account.verified_at.is_some());
    }
}

async fn a_sign_up_must_finish_in_the_browser_that_began_it(app: TestApp) {
    let mut browser = app.browser();
    let options = browser.register_begin("ada@example.com").await;
    let credential = browser.authenticator.create(options.expect_ok());
    let body = json!({ "email": "ada@example.com", "credential": credential });
    // A captured response, sent from elsewhere.
    app.browser()
        .post("/auth/register/complete", body.clone())
        .await
        .expect_error(400, "ceremony_not_found");
    assert_eq!(app.rows(Table::Users).await, 0);
    // It did not use the ceremony up: the real browser finishes.
    let done = browser.post("/auth/register/complete", body).await;
    assert_eq!(done.status, 201, "{}", done.body);
    let cookie = done
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("bmauth_browser="))
        .expect("the binding cookie");
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Max-Age=86400")
    );
}

async fn addresses_are_normalised_and_only_real_domains_accepted(app: TestApp) {
    let mut browser = app.browser();
    browser.register(" Ada@BÜCHER.example").await.expect_ok();
    let email = "ada@xn--bcher-kva.example";
    browser
        .verify("ada@bücher.example", &app.mail.last_pin_for(email))
        .await
        .expect_ok();
    assert_eq!(browser.me().await.expect_ok()["user"]["email"], email);
    // The same address written another way is the same account.
    let again = app
        .browser()
        .register_begin("ADA@xn--BCHER-kva.example")
        .await;
    again.expect_error(409, "email_taken");
    for bad in [
        "x@[10.0.0.5]",
        "x@localhost",
        "x@intranet",
        "a\u{7}@example.com",
    ] {
        app.browser()
            .register_begin(bad)
            .await
            .expect_error(400, "invalid_email");
    }
    assert_eq!(app.rows(Table::Ceremonies).await, 0);
}

both_backends!(
    sign_up_confirm_sign_out_and_sign_in,
    a_confirmed_address_cannot_be_signed_up_again,
    an_unconfirmed_sign_up_is_replaced_by_the_real_owner,
    a_registration_signed_for_another_origin_is_refused,
    a_registration_for_another_rp_id_is_refused,
    a_registration_without_user_verification_is_refused,
    bad_base64_in_a_credential_is_a_clear_error,
    a_registration_finished_for_another_address_is_refused,
    a_later_sign_up_never_replaces_the_owners,
    a_pin_typed_in_another_browser_does_nothing,
    a_sign_up_allows_fifteen_wrong_codes_across_resends,
    a_confirmation_racing_a_new_sign_up_keeps_the_account,
    a_sign_up_must_finish_in_the_browser_that_began_it,
    addresses_are_normalised_and_only_real_domains_accepted,
);
