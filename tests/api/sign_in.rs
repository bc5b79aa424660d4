use std::time::Duration;

use bmauth::Clock;
use bmauth::auth::SecurityEventKind;
use bmauth::testing::{
    CeremonyKind, CeremonyRow, CredentialUse, EventRow, SessionRow, Table, credential_id,
};
use serde_json::{Value, json};

use crate::both_backends;
use crate::support::authenticator::{b64, unb64};
use crate::support::{Browser, TestApp};

async fn signed_up_and_out(app: &TestApp, email: &str) -> Browser {
    let mut browser = app.browser();
    browser.sign_up(app, email).await;
    browser.post("/auth/logout", json!({})).await.expect_ok();
    browser
}

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

async fn a_replayed_assertion_is_refused(app: TestApp) {
    let mut browser = signed_up_and_out(&app, "ada@example.com").await;
    let options = browser.login_begin("ada@example.com").await;
    let credential = browser.authenticator.get(&options).unwrap();
    browser
        .login_complete("ada@example.com", credential.clone())
        .await
        .expect_ok();
    let again = browser.login_complete("ada@example.com", credential).await;
    again.expect_error(400, "ceremony_not_found");
    assert_eq!(
        app.rows(Table::Sessions).await,
        1,
        "only the first sign-in made a session"
    );
}

/// One sign-in's answer sent many times at once (a replay racing the real request):
/// the ceremony is taken once, so exactly one session is made.
async fn one_answer_sent_at_once_many_times_signs_in_once(app: TestApp) {
    let email = "ada@example.com";
    let mut browser = signed_up_and_out(&app, email).await;
    let options = browser.login_begin(email).await;
    let credential = browser.authenticator.get(&options).unwrap();
    let answers = futures::future::join_all(
        (0..8).map(|_| browser.login_complete(email, credential.clone())),
    )
    .await;
    let signed_in = answers.iter().filter(|a| a.status.is_success()).count();
    assert_eq!(signed_in, 1, "exactly one of the racing answers signs in");
    for refused in answers.into_iter().filter(|a| !a.status.is_success()) {
        refused.expect_error(400, "ceremony_not_found");
    }
    assert_eq!(app.rows(Table::Sessions).await, 1, "one session");
}

/// The same for autofill, where the counter is checked against the passkey as
/// stored: the copies that lose the race are refused as used, and none of them
/// flags the passkey as cloned (the counter moved on because of its own twin).
async fn one_autofill_answer_sent_at_once_many_times_signs_in_once(app: TestApp) {
    let email = "ada@example.com";
    let mut browser = signed_up_and_out(&app, email).await;
    let options = browser.post("/auth/login/autofill/begin", json!({})).await;
    let options = options.expect_ok().clone();
    let credential = browser.authenticator.get(&options).unwrap();
    let answers = futures::future::join_all((0..8).map(|_| {
        browser.post(
            "/auth/login/autofill/complete",
            json!({ "credential": credential.clone() }),
        )
    }))
    .await;
    let signed_in = answers.iter().filter(|a| a.status.is_success()).count();
    assert_eq!(signed_in, 1, "exactly one of the racing answers signs in");
    for refused in answers.into_iter().filter(|a| !a.status.is_success()) {
        refused.expect_error(400, "ceremony_not_found");
    }
    let user = app
        .store()
        .user_by_confirmed_email(email)
        .await
        .unwrap()
        .unwrap();
    let passkey = &app.store().credentials_of(&user.id).await.unwrap()[0];
    assert_eq!(passkey.counter_regressed_at, None, "not flagged as cloned");
    assert_eq!(app.rows(Table::Sessions).await, 1, "one session");
}

/// `genuine` with one bit of its signature flipped.
fn forged(genuine: &Value) -> Value {
    let mut forged = genuine.clone();
    let mut signature = unb64(forged["response"]["signature"].as_str().unwrap());
    signature[8] ^= 0x01;
    forged["response"]["signature"] = json!(b64(&signature));
    forged
}

/// A forged answer that reaches the server first spends the challenge: the real
/// answer that follows is refused too (one try per challenge), and nothing signs in.
async fn a_forged_answer_first_spends_the_challenge(app: TestApp) {
    let email = "ada@example.com";
    let mut browser = signed_up_and_out(&app, email).await;
    let options = browser.login_begin(email).await;
    let genuine = browser.authenticator.get(&options).unwrap();
    browser
        .login_complete(email, forged(&genuine))
        .await
        .expect_error(401, "credential_rejected");
    browser
        .login_complete(email, genuine)
        .await
        .expect_error(400, "ceremony_not_found");
    assert_eq!(app.rows(Table::Sessions).await, 0);
}

/// An answer sent with another address than the one it began with is refused, and
/// its challenge is spent: the right address cannot use it afterwards.
async fn an_answer_under_another_address_spends_the_challenge(app: TestApp) {
    let email = "ada@example.com";
    let mut browser = signed_up_and_out(&app, email).await;
    let options = browser.login_begin(email).await;
    let genuine = browser.authenticator.get(&options).unwrap();
    browser
        .login_complete("eve@example.com", genuine.clone())
        .await
        .expect_error(400, "ceremony_mismatch");
    browser
        .login_complete(email, genuine)
        .await
        .expect_error(400, "ceremony_not_found");
    assert_eq!(app.rows(Table::Sessions).await, 0);
}

/// The same for autofill: a refused answer uses up the challenge it answered.
async fn a_refused_autofill_answer_spends_the_challenge(app: TestApp) {
    let mut browser = signed_up_and_out(&app, "ada@example.com").await;
    let options = browser.post("/auth/login/autofill/begin", json!({})).await;
    let genuine = browser
        .authenticator
        .get(&options.expect_ok().clone())
        .unwrap();
    for (credential, status, code) in [
        (forged(&genuine), 401, "credential_rejected"),
        (genuine, 400, "ceremony_not_found"),
    ] {
        browser
            .post(
                "/auth/login/autofill/complete",
                json!({ "credential": credential }),
            )
            .await
            .expect_error(status, code);
    }
    assert_eq!(app.rows(Table::Sessions).await, 0);
}

async fn a_tampered_signature_is_refused(app: TestApp) {
    let mut browser = signed_up_and_out(&app, "ada@example.com").await;
    let options = browser.login_begin("ada@example.com").await;
    let mut credential = browser.authenticator.get(&options).unwrap();
    let mut signature = unb64(credential["response"]["signature"].as_str().unwrap());
    let last = signature.len() - 1;
    signature[last] ^= 0x01;
    credential["response"]["signature"] = json!(b64(&signature));
    browser
        .login_complete("ada@example.com", credential)
        .await
        .expect_error(401, "credential_rejected");
    browser.me().await.expect_error(401, "not_signed_in");
    assert_eq!(app.rows(Table::Sessions).await, 0);
}

async fn an_assertion_from_another_origin_is_refused(app: TestApp) {
    let mut browser = signed_up_and_out(&app, "ada@example.com").await;
    let options = browser.login_begin("ada@example.com").await;
    browser.authenticator.origin = "https://phishing.example".into();
    let credential = browser.authenticator.get(&options).unwrap();
    browser
        .login_complete("ada@example.com", credential)
        .await
        .expect_error(401, "credential_rejected");
    assert_eq!(app.rows(Table::Sessions).await, 0);
}

async fn an_assertion_for_another_rp_id_is_refused(app: TestApp) {
    let mut browser = signed_up_and_out(&app, "ada@example.com").await;
    let options = browser.login_begin("ada@example.com").await;
    browser.authenticator.rp_id_override = Some("phishing.example".into());
    let credential = browser.authenticator.get(&options).unwrap();
    browser
        .login_complete("ada@example.com", credential)
        .await
        .expect_error(401, "credential_rejected");
}

async fn an_assertion_without_user_verification_is_refused(app: TestApp) {
    let mut browser = signed_up_and_out(&app, "ada@example.com").await;
    let options = browser.login_begin("ada@example.com").await;
    browser.authenticator.user_verified = false;
    let credential = browser.authenticator.get(&options).unwrap();
    browser
        .login_complete("ada@example.com", credential)
        .await
        .expect_error(401, "user_verification_required");
}

async fn a_passkey_of_another_account_is_refused(app: TestApp) {
    let _ada = signed_up_and_out(&app, "ada@example.com").await;
    let mut mallory = signed_up_and_out(&app, "mallory@example.com").await;
    // Mallory answers Ada's challenge with Mallory's own (valid) passkey.
    let options = mallory.login_begin("ada@example.com").await;
    assert!(
        mallory.authenticator.get(&options).is_err(),
        "the device holds none of Ada's passkeys"
    );
    let challenge = options["publicKey"]["challenge"].as_str().unwrap();
    let credential = mallory.authenticator.sign_with(0, challenge);
    mallory
        .login_complete("ada@example.com", credential)
        .await
        .expect_error(401, "credential_not_allowed");
    mallory.me().await.expect_error(401, "not_signed_in");
}

async fn an_expired_ceremony_is_refused(app: TestApp) {
    let mut browser = signed_up_and_out(&app, "ada@example.com").await;
    let options = browser.login_begin("ada@example.com").await;
    let credential = browser.authenticator.get(&options).unwrap();
    app.advance(Duration::from_secs(5 * 60 + 1));
    browser
        .login_complete("ada@example.com", credential)
        .await
        .expect_error(400, "ceremony_expired");
    assert_eq!(app.rows(Table::Sessions).await, 0);
    assert_eq!(app.rows(Table::Ceremonies).await, 0);
}

async fn an_unconfirmed_account_cannot_sign_in(app: TestApp) {
    let mut browser = app.browser();
    browser.register("ada@example.com").await.expect_ok();
    let answer = browser.sign_in("ada@example.com").await;
    answer.expect_error(403, "email_not_verified");
    assert!(
        answer.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("PIN")
    );
    assert_eq!(app.rows(Table::Sessions).await, 0);
    // The way on: a new PIN, then the account works.
    app.advance(Duration::from_secs(61));
    browser
        .post("/auth/resend-pin", json!({ "email": "ada@example.com" }))
        .await
        .expect_ok();
    let pin = app.mail.last_pin_for("ada@example.com");
    browser.verify("ada@example.com", &pin).await.expect_ok();
    browser.sign_in("ada@example.com").await.expect_ok();
}

async fn an_unknown_address_gets_an_answer_of_the_same_shape(app: TestApp) {
    // Real passkeys report several transports; the answer must not show them.
    let mut browser = app.browser();
    browser.authenticator.transports = vec!["hybrid", "internal"];
    browser.sign_up(&app, "ada@example.com").await;
    browser.post("/auth/logout", json!({})).await.expect_ok();
    let known = browser.login_begin("ada@example.com").await;
    let unknown = browser.login_begin("nobody@example.com").await;
    let unknown_again = browser.login_begin("nobody@example.com").await;
    assert_eq!(keys(&known), keys(&unknown));
    assert_eq!(keys(&known["publicKey"]), keys(&unknown["publicKey"]));
    let known_allowed = &known["publicKey"]["allowCredentials"][0];
    let unknown_allowed = &unknown["publicKey"]["allowCredentials"][0];
    assert_eq!(keys(known_allowed), keys(unknown_allowed));
    assert_eq!(known_allowed["transports"], unknown_allowed["transports"]);
    assert_eq!(
        known_allowed["transports"],
        Value::Null,
        "no transports to tell them apart"
    );
    assert_eq!(
        known["publicKey"]["userVerification"],
        unknown["publicKey"]["userVerification"]
    );
    assert_eq!(
        unknown_allowed["id"], unknown_again["publicKey"]["allowCredentials"][0]["id"],
        "the made-up credential id is stable"
    );
    assert_ne!(
        unknown["publicKey"]["challenge"],
        unknown_again["publicKey"]["challenge"]
    );
    // Answering it goes nowhere.
    let mut device = app.browser();
    device.sign_up(&app, "eve@example.com").await;
    let unknown = device.login_begin("nobody@example.com").await;
    let forged = device
        .authenticator
        .sign_with(0, unknown["publicKey"]["challenge"].as_str().unwrap());
    device
        .login_complete("nobody@example.com", forged)
        .await
        .expect_error(401, "credential_not_allowed");
    assert_eq!(app.rows(Table::Users).await, 2);
}

async fn a_counter_going_backwards_is_flagged_and_refused(app: TestApp) {
    let mut browser = signed_up_and_out(&app, "ada@example.com").await;
    browser.sign_in("ada@example.com").await.expect_ok();
    browser.sign_in("ada@example.com").await.expect_ok();
    browser.authenticator.set_counter(0, 0); // a clone, behind the original
    let answer = browser.sign_in("ada@example.com").await;
    answer.expect_error(403, "possible_cloned_credential");
    let user = app
        .store()
        .user_by_confirmed_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    let credential = &app.store().credentials_of(&user.id).await.unwrap()[0];
    assert!(credential.counter_regressed_at.is_some());
    assert_eq!(credential.sign_count, 2);
}

async fn signing_in_replaces_the_session_the_browser_had(app: TestApp) {
    let mut browser = app.browser();
    browser.sign_up(&app, "ada@example.com").await;
    assert_eq!(app.rows(Table::Sessions).await, 1);
    browser.sign_in("ada@example.com").await.expect_ok();
    assert_eq!(
        app.rows(Table::Sessions).await,
        1,
        "the old session was ended, not kept"
    );
    browser.me().await.expect_ok();
}

async fn sessions_end_after_idling(app: TestApp) {
    let mut browser = app.browser();
    browser.sign_up(&app, "ada@example.com").await;
    app.advance(Duration::from_secs(6 * 24 * 3600));
    browser.me().await.expect_ok();
    app.advance(Duration::from_secs(6 * 24 * 3600));
    browser.me().await.expect_ok();
    app.advance(Duration::from_secs(7 * 24 * 3600 + 1));
    browser.me().await.expect_error(401, "not_signed_in");
}

async fn passkey_autofill_signs_in_without_an_email(app: TestApp) {
    let mut browser = signed_up_and_out(&app, "ada@example.com").await;
    let options = browser.post("/auth/login/autofill/begin", json!({})).await;
    let options = options.expect_ok().clone();
    assert_eq!(options["mediation"], "conditional");
    assert_eq!(options["publicKey"]["allowCredentials"], json!([]));
    let credential = browser.authenticator.get(&options).unwrap();
    let signed = browser
        .post(
            "/auth/login/autofill/complete",
            json!({ "credential": credential.clone() }),
        )
        .await;
    assert_eq!(signed.expect_ok()["user"]["email"], "ada@example.com");
    browser.me().await.expect_ok();
    browser
        .post(
            "/auth/login/autofill/complete",
            json!({ "credential": credential }),
        )
        .await
        .expect_error(400, "ceremony_not_found");
}

async fn parallel_sign_ins_never_move_the_counter_back(app: TestApp) {
    let email = "ada@example.com";
    let mut browser = signed_up_and_out(&app, email).await;
    // Sign-ins begun one after another (counters 1, 2, 3, …) and finished at once.
    let mut answers = Vec::new();
    for _ in 0..12 {
        let options = browser.login_begin(email).await;
        answers.push(browser.authenticator.get(&options).unwrap());
    }
    let counter_of = |credential: &Value| {
        let data = unb64(
            credential["response"]["authenticatorData"]
                .as_str()
                .unwrap(),
        );
        i64::from(u32::from_be_bytes(data[33..37].try_into().unwrap()))
    };
    let finished = futures::future::join_all(
        answers
            .iter()
            .map(|credential| browser.login_complete(email, credential.clone())),
    )
    .await;
    let highest = answers
        .iter()
        .zip(&finished)
        .filter(|(_, answer)| answer.status.is_success())
        .map(|(credential, _)| counter_of(credential))
        .max()
        .expect("some sign-in went through");
    let user = app
        .store()
        .user_by_confirmed_email(email)
        .await
        .unwrap()
        .unwrap();
    let stored = app.store().credentials_of(&user.id).await.unwrap()[0].sign_count;
    assert_eq!(stored, highest, "the highest counter seen stays");
}

/// A sign-in's writes are one unit, with the taking of its ceremony: when its
/// ceremony is gone (another request took it), or its session cannot be stored
/// because the passkey was removed meanwhile (a foreign-key violation, which the
/// sign-in turns into `401 credential_not_allowed`), neither its session, its event
/// nor the new counter stays.
async fn a_sign_in_whose_passkey_is_gone_writes_nothing(app: TestApp) {
    signed_up_and_out(&app, "ada@example.com").await;
    let store = app.store();
    let user = store
        .user_by_confirmed_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    let passkey = store.credentials_of(&user.id).await.unwrap().remove(0);
    let (sessions, events) = (
        app.rows(Table::Sessions).await,
        app.rows(Table::SecurityEvents).await,
    );
    let now = app.clock.now();
    let used = CredentialUse {
        id: passkey.id.clone(),
        passkey: passkey.passkey.clone(),
        sign_count: passkey.sign_count + 10,
        backup_eligible: passkey.backup_eligible,
        backup_state: passkey.backup_state,
    };
    let session = SessionRow {
        id_hash: "0".repeat(64),
        user_id: user.id.clone(),
        credential_id: Some(credential_id(b"a passkey removed meanwhile")),
        user_agent: None,
        created_at: now,
        last_seen_at: now,
        expires_at: now + 3600,
        verified_at: Some(now),
    };
    let event = EventRow {
        id: "0197a1b2-0000-7000-8000-000000000000".into(),
        user_id: user.id.clone(),
        kind: SecurityEventKind::SignedIn.as_str().into(),
        passkey_name: None,
        user_agent: None,
        ip: None,
        created_at: now,
    };
    let ceremony = CeremonyRow {
        id: "c".repeat(64),
        kind: CeremonyKind::Login,
        browser_hash: "b".repeat(64),
        user_id: Some(user.id.clone()),
        email: None,
        state: "{}".into(),
        created_at: now,
        expires_at: now + 300,
    };
    let ceremonies = app.rows(Table::Ceremonies).await;
    let unchanged = || async {
        assert_eq!(app.rows(Table::Sessions).await, sessions);
        assert_eq!(app.rows(Table::SecurityEvents).await, events);
        let after = store.credentials_of(&user.id).await.unwrap().remove(0);
        assert_eq!(after.sign_count, passkey.sign_count);
    };
    // No ceremony to take: nothing is written.
    let taken = store
        .record_sign_in(&ceremony.id, &used, &session, None, &event)
        .await
        .unwrap();
    assert!(!taken);
    unchanged().await;

    store.insert_ceremony(&ceremony).await.unwrap();
    let error = store
        .record_sign_in(&ceremony.id, &used, &session, None, &event)
        .await
        .unwrap_err();
    assert!(error.is_foreign_key_violation(), "{error}");
    unchanged().await;
    assert_eq!(
        app.rows(Table::Ceremonies).await,
        ceremonies + 1,
        "the ceremony stays"
    );

    // The same writes for the passkey that exists all stay, and take the ceremony.
    let session = SessionRow {
        credential_id: Some(passkey.id.clone()),
        ..session
    };
    let taken = store
        .record_sign_in(&ceremony.id, &used, &session, None, &event)
        .await
        .unwrap();
    assert!(taken);
    assert_eq!(app.rows(Table::Sessions).await, sessions + 1);
    assert_eq!(app.rows(Table::SecurityEvents).await, events + 1);
    assert_eq!(app.rows(Table::Ceremonies).await, ceremonies);
    let after = store.credentials_of(&user.id).await.unwrap().remove(0);
    assert_eq!(after.sign_count, passkey.sign_count + 10);

    // Again with the ceremony gone: the session it would end stays, and nothing
    // else is written.
    let again = SessionRow {
        id_hash: "1".repeat(64),
        ..session.clone()
    };
    let taken = store
        .record_sign_in(&ceremony.id, &used, &again, Some(&session.id_hash), &event)
        .await
        .unwrap();
    assert!(!taken);
    assert_eq!(app.rows(Table::Sessions).await, sessions + 1);
    assert_eq!(app.rows(Table::SecurityEvents).await, events + 1);
}

both_backends!(
    a_sign_in_whose_passkey_is_gone_writes_nothing,
    a_replayed_assertion_is_refused,
    one_answer_sent_at_once_many_times_signs_in_once,
    one_autofill_answer_sent_at_once_many_times_signs_in_once,
    a_forged_answer_first_spends_the_challenge,
    an_answer_under_another_address_spends_the_challenge,
    a_refused_autofill_answer_spends_the_challenge,
    a_tampered_signature_is_refused,
    an_assertion_from_another_origin_is_refused,
    an_assertion_for_another_rp_id_is_refused,
    an_assertion_without_user_verification_is_refused,
    a_passkey_of_another_account_is_refused,
    an_expired_ceremony_is_refused,
    an_unconfirmed_account_cannot_sign_in,
    an_unknown_address_gets_an_answer_of_the_same_shape,
    a_counter_going_backwards_is_flagged_and_refused,
    signing_in_replaces_the_session_the_browser_had,
    sessions_end_after_idling,
    passkey_autofill_signs_in_without_an_email,
    parallel_sign_ins_never_move_the_counter_back,
);
