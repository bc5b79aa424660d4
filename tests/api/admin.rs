//! Who may sign up (invitations, allowed domains) and looking after accounts
//! (disable, enable, delete, backup), on both databases, attacked in both orders.

use std::time::Duration;

use bmauth::Config;
use bmauth::auth::{Actor, InvitationState};
use bmauth::config::SignUp;
use bmauth::testing::Table;
use serde_json::json;

use crate::support::{Backend, TestApp};
use crate::{both_backends, both_backends_with};

const ANA: &str = "ana@example.org";
const BOB: &str = "bob@example.org";

fn invite_only(config: &mut Config) {
    config.signup = SignUp::Invite;
}

fn example_com_only(config: &mut Config) {
    config.signup = SignUp::Domains;
    config.allowed_domains = vec!["example.com".into()];
}

/// Invites `email` from the command line's door: the link's token.
async fn invite(app: &TestApp, email: &str) -> String {
    let invitation = app
        .bmauth()
        .auth()
        .invite(email, None, &Actor::CommandLine)
        .await
        .unwrap();
    assert!(invitation.link.as_str().starts_with(&app.origin));
    assert_eq!(invitation.link.path(), "/auth/register");
    invitation
        .link
        .query_pairs()
        .find(|(k, _)| k == "invitation")
        .map(|(_, v)| v.into_owned())
        .expect("the link carries the invitation")
}

async fn uninvited_sign_ups_are_refused_alike_in_either_order(app: TestApp) {
    // Before any invitation: refused, and nothing stored.
    let mut ana = app.browser();
    ana.register_begin(ANA)
        .await
        .expect_error(403, "invitation_required");
    ana.register_invited(ANA, "made-up")
        .await
        .expect_error(403, "invitation_required");

    // Invited afterwards: the same address now signs up with its link.
    let token = invite(&app, ANA).await;
    assert_eq!(
        app.store().count_rows(Table::Users).await.unwrap(),
        0,
        "an invitation makes no account"
    );
    ana.register_invited(ANA, &token).await.expect_ok();
    let pin = app.mail.last_pin_for(ANA);
    ana.verify(ANA, &pin).await.expect_ok();
    assert_eq!(ana.me().await.expect_ok()["user"]["email"], ANA);

    // The same answer for an address with an account as for one without, with or
    // without a token: nothing tells a stranger who is here.
    let stranger = app.browser_at("127.0.0.9".parse().unwrap());
    for email in [ANA, BOB] {
        stranger
            .register_begin(email)
            .await
            .expect_error(403, "invitation_required");
    }

    // The invitation is spent: a second use, even by its own address in another
    // browser, is refused; and it never admitted anyone else.
    let mut again = app.browser_at("127.0.0.10".parse().unwrap());
    again
        .register_invited(ANA, &token)
        .await
        .expect_error(403, "invitation_required");
    let mut bob = app.browser_at("127.0.0.11".parse().unwrap());
    bob.register_invited(BOB, &token)
        .await
        .expect_error(403, "invitation_required");

    // Invited first, signing up after: fine too; and it lists as accepted.
    let bobs = invite(&app, BOB).await;
    bob.sign_up_invited(&app, BOB, &bobs).await;
    let states: Vec<_> = app
        .bmauth()
        .auth()
        .invitations()
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.email, i.state))
        .collect();
    assert!(states.contains(&(ANA.to_string(), InvitationState::Accepted)));
    assert!(states.contains(&(BOB.to_string(), InvitationState::Accepted)));
}

async fn an_invitation_revoked_or_expired_admits_nobody(app: TestApp) {
    // Revoked between the passkey and the code: the code no longer confirms.
    let token = invite(&app, ANA).await;
    let mut ana = app.browser();
    ana.register_invited(ANA, &token).await.expect_ok();
    let revoked = app
        .bmauth()
        .auth()
        .revoke_invitation(ANA, &Actor::CommandLine)
        .await
        .unwrap();
    assert_eq!(revoked, vec![ANA.to_string()]);
    let pin = app.mail.last_pin_for(ANA);
    ana.verify(ANA, &pin)
        .await
        .expect_error(403, "invitation_required");
    ana.me().await.expect_error(401, "not_signed_in");
    assert!(
        app.bmauth().auth().people("").await.unwrap().is_empty(),
        "no account was made"
    );

    // Expired: 7 days by default.
    let token = invite(&app, BOB).await;
    app.advance(Duration::from_secs(7 * 24 * 3600 + 1));
    let mut bob = app.browser_at("127.0.0.12".parse().unwrap());
    bob.register_invited(BOB, &token)
        .await
        .expect_error(403, "invitation_required");
    let listed = app.bmauth().auth().invitations().await.unwrap();
    assert!(
        listed
            .iter()
            .any(|i| i.email == BOB && i.state == InvitationState::Expired)
    );
}

async fn one_invitation_raced_from_two_browsers_makes_one_account(app: TestApp) {
    let token = invite(&app, ANA).await;
    let mut first = app.browser_at("127.0.0.21".parse().unwrap());
    let mut second = app.browser_at("127.0.0.22".parse().unwrap());
    first.register_invited(ANA, &token).await.expect_ok();
    let first_pin = app.mail.last_pin_for(ANA);
    second.register_invited(ANA, &token).await.expect_ok();
    let second_pin = app.mail.last_pin_for(ANA);
    let (a, b) = tokio::join!(
        first.verify(ANA, &first_pin),
        second.verify(ANA, &second_pin)
    );
    let won = [&a, &b].iter().filter(|r| r.status.is_success()).count();
    assert_eq!(won, 1, "{} / {}", a.body, b.body);
    assert_eq!(app.bmauth().auth().people("").await.unwrap().len(), 1);
}

async fn domains_admit_their_addresses_and_invitations_the_rest(app: TestApp) {
    let mut ada = app.browser();
    ada.sign_up(&app, "ada@example.com").await;
    for outsider in [
        "eve@evil.test",
        "eve@example.com.evil.test",
        "eve@sub.example.com",
    ] {
        app.browser_at("127.0.0.31".parse().unwrap())
            .register_begin(outsider)
            .await
            .expect_error(403, "email_domain_not_allowed");
    }
    // The same answer for an outsider's address that has an account.
    let token = invite(&app, ANA).await;
    let mut ana = app.browser_at("127.0.0.32".parse().unwrap());
    ana.sign_up_invited(&app, ANA, &token).await;
    app.browser_at("127.0.0.33".parse().unwrap())
        .register_begin(ANA)
        .await
        .expect_error(403, "email_domain_not_allowed");
}

async fn a_disabled_person_is_refused_everywhere_at_once(app: TestApp) {
    let mut ana = app.browser();
    ana.sign_up(&app, ANA).await;
    let mut other_device = app.browser_at("127.0.0.41".parse().unwrap());
    other_device.authenticator = std::mem::replace(
        &mut ana.authenticator,
        crate::support::authenticator::Authenticator::new(&app.origin),
    );
    other_device.sign_in(ANA).await.expect_ok();
    ana.authenticator = std::mem::replace(
        &mut other_device.authenticator,
        crate::support::authenticator::Authenticator::new(&app.origin),
    );

    app.bmauth()
        .auth()
        .disable_person(ANA, &Actor::CommandLine)
        .await
        .unwrap();
    ana.me().await.expect_error(401, "not_signed_in");
    other_device.me().await.expect_error(401, "not_signed_in");
    assert_eq!(app.rows(Table::Sessions).await, 0, "sessions ended");

    // Her passkey still signs, but opens nothing; and she is told why.
    let options = ana.login_begin(ANA).await;
    let credential = ana.authenticator.get(&options).unwrap();
    ana.login_complete(ANA, credential)
        .await
        .expect_error(403, "account_disabled");
    ana.me().await.expect_error(401, "not_signed_in");
    // No recovery code either, with the same quiet answer as any address.
    let mails = app.mail.to(ANA).len();
    ana.post("/auth/recover/begin", json!({ "email": ANA }))
        .await
        .expect_ok();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.mail.to(ANA).len(),
        mails,
        "no code for a disabled account"
    );
    let listed = app.bmauth().auth().people("ana").await.unwrap();
    assert_eq!(
        serde_json::to_value(listed[0].state).unwrap(),
        json!("disabled")
    );

    // Enabled again: her passkey signs her in; the old sessions stay ended.
    app.bmauth()
        .auth()
        .enable_person(ANA, &Actor::CommandLine)
        .await
        .unwrap();
    other_device.me().await.expect_error(401, "not_signed_in");
    ana.sign_in(ANA).await.expect_ok();
    assert_eq!(ana.me().await.expect_ok()["user"]["email"], ANA);
}

async fn a_deleted_account_frees_its_address(app: TestApp) {
    let mut ana = app.browser();
    ana.sign_up(&app, ANA).await;
    app.bmauth()
        .auth()
        .delete_person(ANA, &Actor::CommandLine)
        .await
        .unwrap();
    ana.me().await.expect_error(401, "not_signed_in");
    for table in [Table::Users, Table::Credentials, Table::Sessions] {
        assert_eq!(app.rows(table).await, 0, "{table:?} emptied");
    }
    // Unknown from now on; and the address can sign up afresh.
    let err = app
        .bmauth()
        .auth()
        .delete_person(ANA, &Actor::CommandLine)
        .await
        .unwrap_err();
    assert!(matches!(err, bmauth::AuthError::UserNotFound), "{err:?}");
    let mut again = app.browser_at("127.0.0.51".parse().unwrap());
    again.sign_up(&app, ANA).await;
    let log = app.bmauth().auth().admin_log(10).await.unwrap();
    assert_eq!(log[0].action, "user_deleted");
    assert_eq!(log[0].subject, ANA);
    assert_eq!(log[0].actor, None, "the command line");
}

async fn a_backup_restored_on_a_new_server_signs_the_same_person_in(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut ana = app.browser();
    ana.sign_up(&app, ANA).await;
    let folder = tempfile::tempdir().unwrap();
    let copy = folder.path().join("backup.db");
    app.bmauth().backup(&copy).await.unwrap();
    let again = app.bmauth().backup(&copy).await.unwrap_err();
    assert!(
        matches!(again, bmauth::BackupError::Exists(_)),
        "never overwrites"
    );
    // A sign-up after the backup is not in it.
    app.browser_at("127.0.0.61".parse().unwrap())
        .sign_up(&app, BOB)
        .await;

    let restored = app.restored(format!("sqlite://{}", copy.display())).await;
    let mut on_restored = restored.browser();
    on_restored.authenticator = std::mem::replace(
        &mut ana.authenticator,
        crate::support::authenticator::Authenticator::new(&app.origin),
    );
    on_restored.authenticator.origin = restored.origin.clone();
    on_restored.sign_in(ANA).await.expect_ok();
    assert_eq!(on_restored.me().await.expect_ok()["user"]["email"], ANA);
    let people = restored.bmauth().auth().people("").await.unwrap();
    assert_eq!(people.len(), 1, "BOB came after the backup");
}

#[tokio::test]
async fn backup_restore_sqlite() {
    a_backup_restored_on_a_new_server_signs_the_same_person_in(Backend::Sqlite).await;
}

#[tokio::test]
async fn backup_on_postgres_points_to_pg_dump() {
    let app = TestApp::start(Backend::Postgres).await;
    let folder = tempfile::tempdir().unwrap();
    let err = app
        .bmauth()
        .backup(&folder.path().join("x.db"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("pg_dump"), "{err}");
}

both_backends_with!(invite_only;
    uninvited_sign_ups_are_refused_alike_in_either_order,
    an_invitation_revoked_or_expired_admits_nobody,
    one_invitation_raced_from_two_browsers_makes_one_account,
);
both_backends_with!(example_com_only; domains_admit_their_addresses_and_invitations_the_rest);
/// Closing sign-up stops sign-ups already under way without an invitation: one
/// begun while it was open cannot be confirmed once the server runs closed.
async fn closing_sign_up_stops_sign_ups_under_way(app: TestApp) {
    let mut ana = app.browser();
    ana.register(ANA).await.expect_ok();
    let pin = app.mail.last_pin_for(ANA);
    let closed = app.reconfigured(invite_only).await;
    ana.base = closed.base.clone();
    ana.verify(ANA, &pin)
        .await
        .expect_error(403, "invitation_required");
    ana.me().await.expect_error(401, "not_signed_in");
    assert!(app.bmauth().auth().people("").await.unwrap().is_empty());
}

/// With sign-up open, an invitation used is still spent: it never lingers as
/// "pending", to admit again once sign-up is closed.
async fn an_invitation_used_while_open_is_spent(app: TestApp) {
    let token = invite(&app, ANA).await;
    let mut ana = app.browser();
    ana.sign_up_invited(&app, ANA, &token).await;
    let listed = app.bmauth().auth().invitations().await.unwrap();
    assert_eq!(listed[0].state, InvitationState::Accepted);
}

both_backends!(
    closing_sign_up_stops_sign_ups_under_way,
    an_invitation_used_while_open_is_spent,
    a_disabled_person_is_refused_everywhere_at_once,
    a_deleted_account_frees_its_address,
);
