//! The rules without HTTP: PIN tries and expiry, and ceremonies, on SQLite with a
//! manual clock.

use std::sync::Arc;
use std::time::Duration;

use super::CeremonyKind;
use super::{AuthError, BrowserToken, ClientInfo, CredentialId, Email, PinPurpose, UserId};
use crate::store::{AccountOutcome, NewAccount, NewCredential, UserRow};
use crate::{BmAuth, Config, ManualClock};

struct World {
    bmauth: BmAuth,
    clock: ManualClock,
    _folder: tempfile::TempDir,
}

impl World {
    async fn new() -> Self {
        let folder = tempfile::tempdir().unwrap();
        let config = Config {
            database_url: format!("sqlite://{}/core.db", folder.path().display()).into(),
            data_dir: folder.path().to_path_buf(),
            ..Config::default()
        };
        let clock = ManualClock::new(1_800_000_000);
        let bmauth = BmAuth::builder(config)
            .clock(Arc::new(clock.clone()))
            .background_worker(false)
            .start()
            .await
            .unwrap();
        Self {
            bmauth,
            clock,
            _folder: folder,
        }
    }

    /// A pending sign-up of `email` in the browser of `client`, waiting for `pin`.
    async fn pending_sign_up(&self, email: &str, pin: &str, client: &ClientInfo) -> UserId {
        let auth = self.bmauth.auth();
        let handle = uuid::Uuid::new_v4();
        let user_id = UserId::from_uuid(handle);
        let now = auth.now();
        let email = Email::parse(email).unwrap();
        let mail = crate::mail::pin_mail("BMAuth", PinPurpose::VerifyEmail, pin, Duration::ZERO);
        let account = NewAccount {
            user: UserRow {
                id: user_id.clone(),
                email: email.to_string(),
                created_at: now,
                verified_at: None,
                invitation_id: None,
                is_admin: false,
                disabled_at: None,
            },
            credential: NewCredential {
                id: CredentialId::from_raw(handle.as_bytes()),
                passkey: "{}".into(),
                name: "Passkey".into(),
                aaguid: None,
                transports: None,
                backup_eligible: false,
                backup_state: false,
                sign_count: 0,
                created_at: now,
                added_by: crate::auth::PasskeyOrigin::SignUp,
                held_until: None,
            },
            pin: auth.pin_row(&user_id, PinPurpose::VerifyEmail, pin, client),
            mail: auth.outbox().queue(email.as_str(), &mail, now, now + 600),
        };
        let stored = auth.store.create_account(&account).await.unwrap();
        assert_eq!(stored, AccountOutcome::Created);
        user_id
    }
}

fn browser() -> ClientInfo {
    ClientInfo {
        ip: Some("192.0.2.1".parse().unwrap()),
        user_agent: None,
        browser: BrowserToken::generate(),
    }
}

#[tokio::test]
async fn a_pin_dies_after_five_wrong_tries_and_a_sign_up_after_fifteen() {
    let world = World::new().await;
    let auth = world.bmauth.auth();
    let client = browser();
    let user = world
        .pending_sign_up("ada@example.com", "123456", &client)
        .await;
    let verify = |pin: &'static str| auth.check_pin(&user, PinPurpose::VerifyEmail, pin, &client);
    for left in (1..=4).rev() {
        assert!(
            matches!(verify("000000").await, Err(AuthError::PinIncorrect { attempts_left }) if attempts_left == left)
        );
    }
    assert!(matches!(verify("000000").await, Err(AuthError::PinLocked)));
    assert!(
        matches!(verify("123456").await, Err(AuthError::PinLocked)),
        "even the right one"
    );
    // Two more codes: the tries across resends run out at fifteen.
    for round in 0..2 {
        let row = auth.pin_row(&user, PinPurpose::VerifyEmail, "654321", &client);
        auth.store
            .replace_pin(
                &row,
                &auth.outbox().queue(
                    "ada@example.com",
                    &crate::mail::pin_mail(
                        "BMAuth",
                        PinPurpose::VerifyEmail,
                        "654321",
                        Duration::ZERO,
                    ),
                    0,
                    1,
                ),
            )
            .await
            .unwrap();
        for _ in 0..4 {
            assert!(matches!(
                verify("000000").await,
                Err(AuthError::PinIncorrect { .. })
            ));
        }
        let last = verify("000000").await;
        if round == 0 {
            assert!(matches!(last, Err(AuthError::PinLocked)), "{last:?}");
        } else {
            assert!(
                matches!(last, Err(AuthError::AttemptsExhausted)),
                "{last:?}"
            );
        }
    }
    assert!(matches!(
        verify("654321").await,
        Err(AuthError::AttemptsExhausted)
    ));
}

#[tokio::test]
async fn a_pin_expires_and_works_only_in_its_browser_and_for_its_purpose() {
    let world = World::new().await;
    let auth = world.bmauth.auth();
    let client = browser();
    let user = world
        .pending_sign_up("ada@example.com", "123456", &client)
        .await;
    let elsewhere = browser();
    assert!(matches!(
        auth.check_pin(&user, PinPurpose::VerifyEmail, "123456", &elsewhere)
            .await,
        Err(AuthError::NoPendingPin)
    ));
    assert!(matches!(
        auth.check_pin(&user, PinPurpose::Recover, "123456", &client)
            .await,
        Err(AuthError::NoPendingPin)
    ));
    world.clock.advance(Duration::from_secs(10 * 60));
    assert!(matches!(
        auth.check_pin(&user, PinPurpose::VerifyEmail, "123456", &client)
            .await,
        Err(AuthError::PinExpired)
    ));
    // The tries the stranger, the wrong purpose and the late try made: none.
    let row = auth
        .store
        .pin_of(&user, PinPurpose::VerifyEmail)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.attempts_left, 5);
}

#[tokio::test]
async fn a_ceremony_is_taken_once_by_its_kind_and_browser_before_it_expires() {
    let world = World::new().await;
    let auth = world.bmauth.auth();
    let client = browser();
    let client_data = |challenge: &[u8]| {
        serde_json::to_vec(&serde_json::json!({ "challenge": crate::crypto::b64url(challenge) }))
            .unwrap()
    };
    auth.save_ceremony(
        CeremonyKind::Register,
        b"first",
        None,
        None,
        &"state",
        &client,
    )
    .await
    .unwrap();
    let taken = |kind, challenge: &'static [u8], client: ClientInfo| {
        let data = client_data(challenge);
        async move {
            auth.take_ceremony(kind, &data, &client)
                .await
                .map(|c| c.state)
        }
    };
    assert!(
        matches!(
            taken(CeremonyKind::Login, b"first", client.clone()).await,
            Err(AuthError::CeremonyNotFound)
        ),
        "another kind"
    );
    assert!(
        matches!(
            taken(CeremonyKind::Register, b"first", browser()).await,
            Err(AuthError::CeremonyNotFound)
        ),
        "another browser"
    );
    assert_eq!(
        taken(CeremonyKind::Register, b"first", client.clone())
            .await
            .unwrap(),
        "\"state\""
    );
    assert!(
        matches!(
            taken(CeremonyKind::Register, b"first", client.clone()).await,
            Err(AuthError::CeremonyNotFound)
        ),
        "taken once"
    );

    auth.save_ceremony(
        CeremonyKind::Autofill,
        b"second",
        None,
        None,
        &"state",
        &client,
    )
    .await
    .unwrap();
    world.clock.advance(Duration::from_secs(5 * 60));
    assert!(matches!(
        taken(CeremonyKind::Autofill, b"second", client.clone()).await,
        Err(AuthError::CeremonyExpired)
    ));
}

#[tokio::test]
async fn the_provider_signs_with_one_key_until_it_is_rotated_and_keeps_the_old_in_its_jwks() {
    let world = World::new().await;
    let auth = world.bmauth.auth();
    use crate::config::IdTokenAlg::ES256;
    let first = auth.current_signing_key(ES256).await.unwrap();
    let first_kid = first.kid().to_string();
    // Made once: asked again (as another instance would), the same key.
    assert_eq!(
        auth.current_signing_key(ES256).await.unwrap().kid(),
        first_kid
    );
    world.clock.advance(Duration::from_secs(60));
    let second_kid = auth.rotate_signing_key().await.unwrap();
    assert_ne!(second_kid, first_kid);
    assert_eq!(
        auth.current_signing_key(ES256).await.unwrap().kid(),
        second_kid
    );
    assert_eq!(
        auth.public_keys().await.unwrap().len(),
        2,
        "the old key stays published"
    );
}
