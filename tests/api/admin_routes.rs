//! The administrators' routes: nobody else gets in, every change needs a fresh
//! passkey confirmation, is written to the admin log and the person's activity,
//! and an administrator cannot lock themselves out.

use bmauth::auth::Actor;
use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Browser, TestApp};

const BOSS: &str = "boss@example.com";
const ANA: &str = "ana@example.org";

/// Every admin route, with a body that would be valid for it.
fn routes() -> Vec<(&'static str, &'static str, Value)> {
    let person = json!({ "email": ANA });
    vec![
        ("GET", "/auth/admin/people", Value::Null),
        ("POST", "/auth/admin/person", person.clone()),
        ("POST", "/auth/admin/person/disable", person.clone()),
        ("POST", "/auth/admin/person/enable", person.clone()),
        ("POST", "/auth/admin/person/end-sessions", person.clone()),
        ("POST", "/auth/admin/person/recovery-link", person.clone()),
        ("POST", "/auth/admin/person/delete", person.clone()),
        ("POST", "/auth/admin/person/grant-admin", person.clone()),
        ("POST", "/auth/admin/person/revoke-admin", person.clone()),
        ("GET", "/auth/admin/invitations", Value::Null),
        (
            "POST",
            "/auth/admin/invitations",
            json!({ "email": "new@example.org" }),
        ),
        (
            "POST",
            "/auth/admin/invitations/revoke",
            json!({ "id": "x" }),
        ),
        ("GET", "/auth/admin/log", Value::Null),
        ("GET", "/auth/admin/apps", Value::Null),
    ]
}

async fn call(browser: &Browser, method: &str, path: &str, body: &Value) -> crate::support::Answer {
    match method {
        "GET" => browser.get(path).await,
        _ => browser.post(path, body.clone()).await,
    }
}

/// An administrator, signed in on their own browser.
async fn boss(app: &TestApp) -> Browser {
    let mut boss = app.browser_at("127.0.0.70".parse().unwrap());
    if app.bmauth().auth().sign_up_mode() == bmauth::config::SignUp::Open {
        boss.sign_up(app, BOSS).await;
    } else {
        // The first administrator of a closed site: invited on the command line.
        let link = app
            .bmauth()
            .auth()
            .invite(BOSS, None, &Actor::CommandLine)
            .await
            .unwrap()
            .link;
        let token = link
            .query_pairs()
            .find(|(k, _)| k == "invitation")
            .unwrap()
            .1;
        boss.sign_up_invited(app, BOSS, &token).await;
    }
    app.bmauth()
        .auth()
        .set_admin(BOSS, true, &Actor::CommandLine)
        .await
        .unwrap();
    boss
}

async fn nobody_else_gets_in_and_changes_need_a_fresh_passkey(app: TestApp) {
    let mut ana = app.browser();
    ana.sign_up(&app, ANA).await;
    let stranger = app.browser_at("127.0.0.71".parse().unwrap());
    for (method, path, body) in routes() {
        call(&stranger, method, path, &body)
            .await
            .expect_error(401, "not_signed_in");
        call(&ana, method, path, &body)
            .await
            .expect_error(403, "admin_required");
    }
    assert_eq!(
        ana.me().await.expect_ok()["user"]["email"],
        ANA,
        "nothing was done to her"
    );

    // An administrator reads at once; every change waits for their passkey.
    let mut boss = boss(&app).await;
    assert_eq!(boss.me().await.expect_ok()["user"]["admin"], true);
    assert_eq!(ana.me().await.expect_ok()["user"]["admin"], false);
    for (method, path, body) in routes() {
        let answer = call(&boss, method, path, &body).await;
        if method == "GET" || path == "/auth/admin/person" {
            answer.expect_ok();
        } else {
            answer.expect_error(403, "reauthentication_required");
        }
    }
    let people = boss.get("/auth/admin/people").await;
    let emails: Vec<&str> = people.expect_ok()["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, vec![ANA, BOSS]);

    boss.reauthenticate().await.expect_ok();
    boss.post("/auth/admin/person/disable", json!({ "email": ANA }))
        .await
        .expect_ok();
    ana.me().await.expect_error(401, "not_signed_in");
    let person = boss
        .post("/auth/admin/person", json!({ "email": ANA }))
        .await;
    let person = person.expect_ok();
    assert_eq!(person["person"]["state"], "disabled");
    assert_eq!(person["live_sessions"], 0);
    assert_eq!(person["activity"][0]["kind"], "account_disabled");
    assert!(
        person["activity"][0]["ip"].is_null(),
        "not her device or address"
    );
    let log = boss.get("/auth/admin/log").await;
    assert_eq!(log.expect_ok()["entries"][0]["action"], "user_disabled");
    assert_eq!(log.body["entries"][0]["actor"], BOSS);
    assert_eq!(log.body["entries"][0]["subject"], ANA);

    boss.post("/auth/admin/person/enable", json!({ "email": ANA }))
        .await
        .expect_ok();
    ana.sign_in(ANA).await.expect_ok();
    boss.post("/auth/admin/person/end-sessions", json!({ "email": ANA }))
        .await
        .expect_ok();
    ana.me().await.expect_error(401, "not_signed_in");

    // Unknown people and invitations: 404 with a code.
    boss.post("/auth/admin/person", json!({ "email": "no@example.org" }))
        .await
        .expect_error(404, "user_not_found");
    boss.post("/auth/admin/invitations/revoke", json!({ "id": ANA }))
        .await
        .expect_error(404, "invitation_not_found");
    boss.post("/auth/admin/person", json!({ "email": "not an address" }))
        .await
        .expect_error(400, "invalid_email");
}

async fn an_administrator_cannot_lock_themselves_out(app: TestApp) {
    let mut boss = boss(&app).await;
    boss.reauthenticate().await.expect_ok();
    for path in [
        "/auth/admin/person/disable",
        "/auth/admin/person/delete",
        "/auth/admin/person/revoke-admin",
    ] {
        boss.post(path, json!({ "email": BOSS }))
            .await
            .expect_error(409, "not_on_yourself");
    }
    assert_eq!(boss.me().await.expect_ok()["user"]["admin"], true);

    // Another administrator can; and the first is out at once.
    let mut other = app.browser_at("127.0.0.72".parse().unwrap());
    other.sign_up(&app, ANA).await;
    boss.post("/auth/admin/person/grant-admin", json!({ "email": ANA }))
        .await
        .expect_ok();
    other.reauthenticate().await.expect_ok();
    other
        .post("/auth/admin/person/revoke-admin", json!({ "email": BOSS }))
        .await
        .expect_ok();
    boss.get("/auth/admin/people")
        .await
        .expect_error(403, "admin_required");
}

async fn an_invitation_made_on_the_page_signs_someone_up(app: TestApp) {
    let mut boss = boss(&app).await;
    boss.reauthenticate().await.expect_ok();
    let made = boss
        .post(
            "/auth/admin/invitations",
            json!({ "email": "New@Example.org" }),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(made.body["invitation"]["email"], "new@example.org");
    assert_eq!(made.body["invitation"]["state"], "pending");
    assert_eq!(made.body["invitation"]["created_by"], BOSS);
    let link = url::Url::parse(made.body["link"].as_str().unwrap()).unwrap();
    let token = link
        .query_pairs()
        .find(|(k, _)| k == "invitation")
        .unwrap()
        .1
        .into_owned();
    let listed = boss.get("/auth/admin/invitations").await;
    assert!(
        !listed.body.to_string().contains(&token),
        "the token is shown once, never listed"
    );
    let mut new = app.browser_at("127.0.0.73".parse().unwrap());
    new.sign_up_invited(&app, "new@example.org", &token).await;
    let listed = boss.get("/auth/admin/invitations").await;
    assert_eq!(listed.body["invitations"][0]["state"], "accepted");

    // One for an address with an account: refused.
    boss.post("/auth/admin/invitations", json!({ "email": BOSS }))
        .await
        .expect_error(409, "email_taken");
}

/// Disabling and signing in at once, many times, in both orders: afterwards she
/// is never signed in.
async fn disabling_races_a_sign_in_and_wins(app: TestApp) {
    let mut ana = app.browser();
    ana.sign_up(&app, ANA).await;
    let auth = app.bmauth().auth();
    auth.disable_person(ANA, &Actor::CommandLine).await.unwrap();
    for _ in 0..6 {
        auth.enable_person(ANA, &Actor::CommandLine).await.unwrap();
        // Whatever a sign-in racing the last disabling stored stays dead.
        ana.me().await.expect_error(401, "not_signed_in");
        assert_eq!(app.rows(bmauth::testing::Table::Sessions).await, 0);
        let options = ana.login_begin(ANA).await;
        let credential = ana.authenticator.get(&options).unwrap();
        let disable = auth.disable_person(ANA, &Actor::CommandLine);
        let (signed, disabled) = tokio::join!(ana.login_complete(ANA, credential), disable);
        disabled.unwrap();
        assert!(
            signed.status.is_success() || signed.code() == "account_disabled",
            "{}",
            signed.body
        );
        ana.me().await.expect_error(401, "not_signed_in");
    }
}

/// A device talked into an administrator's account by a link administers nothing
/// until its cool-down ends: not even reading.
async fn a_device_just_added_to_an_administrator_administers_nothing(app: TestApp) {
    let (_ada, mut added) = crate::link::ada_and_a_device_she_approved(&app, "127.0.0.74").await;
    app.bmauth()
        .auth()
        .set_admin("ada@example.com", true, &Actor::CommandLine)
        .await
        .unwrap();
    added.reauthenticate().await.expect_ok();
    for (method, path, body) in routes() {
        call(&added, method, path, &body)
            .await
            .expect_error(403, "new_device_cooldown");
    }
}

/// Someone must still be able to administer from the web: the last active
/// administrator is not disabled, deleted or demoted, from anywhere.
async fn the_last_administrator_stays(app: TestApp) {
    let mut boss = boss(&app).await;
    let auth = app.bmauth().auth();
    let cli = Actor::CommandLine;
    for refused in [
        auth.set_admin(BOSS, false, &cli).await,
        auth.disable_person(BOSS, &cli).await,
        auth.delete_person(BOSS, &cli).await,
    ] {
        assert!(
            matches!(refused, Err(bmauth::AuthError::LastAdministrator)),
            "{refused:?}"
        );
    }
    boss.reauthenticate().await.expect_ok();
    boss.post("/auth/account/delete", json!({}))
        .await
        .expect_error(409, "last_administrator");
    boss.me().await.expect_ok();

    // With a second one, either may go.
    let mut ana = app.browser_at("127.0.0.75".parse().unwrap());
    ana.sign_up(&app, ANA).await;
    auth.set_admin(ANA, true, &cli).await.unwrap();
    boss.post("/auth/account/delete", json!({}))
        .await
        .expect_ok();
    assert!(matches!(
        auth.set_admin(ANA, false, &cli).await,
        Err(bmauth::AuthError::LastAdministrator)
    ));
}

/// Addresses with `_` or `%` are found as they are, not as patterns.
async fn odd_addresses_are_found_as_written(app: TestApp) {
    let mut boss = boss(&app).await;
    for email in ["first_last@example.org", "firstxlast@example.org"] {
        app.browser_at("127.0.0.76".parse().unwrap())
            .sign_up(&app, email)
            .await;
    }
    let person = boss
        .post(
            "/auth/admin/person",
            json!({ "email": "first_last@example.org" }),
        )
        .await;
    assert_eq!(
        person.expect_ok()["person"]["email"],
        "first_last@example.org"
    );
    let found = app.bmauth().auth().people("_").await.unwrap();
    assert_eq!(found.len(), 1, "`_` is a character, not a wildcard");
    boss.reauthenticate().await.expect_ok();
    boss.post("/auth/admin/invitations/revoke", json!({ "id": "\u{0}x" }))
        .await
        .expect_error(404, "invitation_not_found");
}

both_backends!(
    a_device_just_added_to_an_administrator_administers_nothing,
    the_last_administrator_stays,
    odd_addresses_are_found_as_written,
    nobody_else_gets_in_and_changes_need_a_fresh_passkey,
    an_administrator_cannot_lock_themselves_out,
    disabling_races_a_sign_in_and_wins,
);

fn invite_only(config: &mut bmauth::Config) {
    config.signup = bmauth::config::SignUp::Invite;
}

crate::both_backends_with!(invite_only; an_invitation_made_on_the_page_signs_someone_up);
