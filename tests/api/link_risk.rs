//! The direction a phishing page can relay (a new device shows its code and
//! number; the signed-in person approves): where the request comes from leads,
//! another network needs a second confirmation, it is rate limited, and the
//! operator can turn it off.

use serde_json::json;

use crate::both_backends;
use crate::link::{approve, join, post_token, text};
use crate::support::{Backend, Browser, TestApp};

const ADA: &str = "ada@example.com";

async fn signed_in_ada(app: &TestApp) -> Browser {
    let mut ada = app.browser();
    ada.sign_up(app, ADA).await;
    ada
}

/// A new device asks for a link: its token and number.
async fn request(device: &Browser) -> (String, String) {
    let shown = device.post("/auth/link/request", json!({})).await;
    assert_eq!(shown.status, 201, "{}", shown.body);
    (
        text(&shown.body["token"]).to_string(),
        text(&shown.body["number"]).to_string(),
    )
}

async fn approve_begin(
    ada: &Browser,
    token: &str,
    number: &str,
    holding: bool,
) -> crate::support::Answer {
    ada.post(
        "/auth/link/approve/begin",
        json!({ "token": token, "number": number, "holding_device": holding }),
    )
    .await
}

async fn a_request_from_another_network_needs_a_second_confirmation(app: TestApp) {
    let mut ada = signed_in_ada(&app).await;
    let mut far = app.browser_at("127.0.0.2".parse().unwrap());
    let (token, number) = request(&far).await;
    let details = post_token(&ada, "/auth/link/details", &token).await;
    assert_eq!(details.expect_ok()["same_network"], false);
    assert_eq!(details.body["confirm_holding"], true);
    assert!(
        details.body["location"].is_null(),
        "no GeoIP database: nothing guessed"
    );

    // Without "I am holding this device": refused, and the link lives on (a missing
    // tick is not a wrong number).
    approve_begin(&ada, &token, &number, false)
        .await
        .expect_error(403, "holding_device_required");
    let status = post_token(&far, "/auth/link/status", &token).await;
    assert_eq!(status.expect_ok()["state"], "pending");
    let options = approve_begin(&ada, &token, &number, true).await;
    let credential = ada.authenticator.get(options.expect_ok()).unwrap();
    ada.post(
        "/auth/link/approve/complete",
        json!({ "token": token, "credential": credential }),
    )
    .await
    .expect_ok();
    join(&mut far, &token).await.expect_ok();
}

async fn the_same_network_needs_no_second_confirmation_in_either_direction(app: TestApp) {
    let mut ada = signed_in_ada(&app).await;
    // A new device beside Ada's, on her network.
    let mut near = app.browser();
    let (token, number) = request(&near).await;
    let details = post_token(&ada, "/auth/link/details", &token).await;
    assert_eq!(details.expect_ok()["same_network"], true);
    assert_eq!(details.body["confirm_holding"], false);
    approve(&mut ada, &token, &number).await.expect_ok();
    join(&mut near, &token).await.expect_ok();

    // Ada shows the code and a device beside her scans it.
    let offered = ada.post("/auth/link/offer", json!({})).await;
    let token = text(&offered.body["token"]).to_string();
    let beside = app.browser();
    let claimed = post_token(&beside, "/auth/link/claim", &token).await;
    let number = text(&claimed.expect_ok()["number"]).to_string();
    let details = post_token(&ada, "/auth/link/details", &token).await;
    assert_eq!(details.expect_ok()["confirm_holding"], false);
    approve_begin(&ada, &token, &number, false)
        .await
        .expect_ok();
}

/// A phishing page can also ask for the owner's own code ("type the code on your
/// screen here") and show the number back: a device elsewhere that claimed her
/// offer needs the second confirmation too.
async fn an_offer_claimed_from_another_network_needs_it_too(app: TestApp) {
    let ada = signed_in_ada(&app).await;
    let offered = ada.post("/auth/link/offer", json!({})).await;
    let token = text(&offered.body["token"]).to_string();
    let far = app.browser_at("127.0.0.3".parse().unwrap());
    let claimed = post_token(&far, "/auth/link/claim", &token).await;
    let number = text(&claimed.expect_ok()["number"]).to_string();
    let details = post_token(&ada, "/auth/link/details", &token).await;
    assert_eq!(details.expect_ok()["confirm_holding"], true);
    approve_begin(&ada, &token, &number, false)
        .await
        .expect_error(403, "holding_device_required");
    approve_begin(&ada, &token, &number, true).await.expect_ok();
}

async fn the_approval_screen_says_roughly_where_the_request_comes_from(app: TestApp) {
    let ada = signed_in_ada(&app).await;
    let london = app.browser_forwarded_for("198.51.100.7");
    let (token, _) = request(&london).await;
    let details = post_token(&ada, "/auth/link/details", &token).await;
    assert_eq!(details.expect_ok()["ip"], "198.51.100.7");
    assert_eq!(details.body["location"], "near London, United Kingdom");
    let sydney = app.browser_forwarded_for("203.0.113.9");
    let (token, _) = request(&sydney).await;
    let details = post_token(&ada, "/auth/link/details", &token).await;
    assert_eq!(details.expect_ok()["location"], "in Australia");
    let nowhere = app.browser_forwarded_for("192.0.2.1");
    let (token, _) = request(&nowhere).await;
    let details = post_token(&ada, "/auth/link/details", &token).await;
    assert!(details.expect_ok()["location"].is_null());
}

async fn link_requests_are_rate_limited_per_client(app: TestApp) {
    let device = app.browser_at("127.0.0.2".parse().unwrap());
    for _ in 0..10 {
        request(&device).await;
    }
    device
        .post("/auth/link/request", json!({}))
        .await
        .expect_error(429, "rate_limited");
    // Another client is not held back by it.
    request(&app.browser_at("127.0.0.3".parse().unwrap())).await;
}

async fn approvals_are_rate_limited_per_account(app: TestApp) {
    let ada = signed_in_ada(&app).await;
    let device = app.browser();
    let (token, number) = request(&device).await;
    for _ in 0..10 {
        approve_begin(&ada, &token, &number, false)
            .await
            .expect_ok();
    }
    approve_begin(&ada, &token, &number, false)
        .await
        .expect_error(429, "rate_limited");
}

/// The operator turned the relayable direction off: only the signed-in device
/// shows codes now.
async fn the_relayable_direction_can_be_turned_off(backend: Backend) {
    let app = TestApp::start_with(backend, |config| {
        config.link.new_device_shows_code = false;
    })
    .await;
    let mut ada = signed_in_ada(&app).await;
    let mut phone = app.browser_at("127.0.0.2".parse().unwrap());
    phone
        .post("/auth/link/request", json!({}))
        .await
        .expect_error(403, "link_direction_disabled");
    let offered = ada.post("/auth/link/offer", json!({})).await;
    let token = text(&offered.expect_ok()["token"]).to_string();
    let claimed = post_token(&phone, "/auth/link/claim", &token).await;
    let number = text(&claimed.expect_ok()["number"]).to_string();
    approve(&mut ada, &token, &number).await.expect_ok();
    join(&mut phone, &token).await.expect_ok();
}

#[tokio::test]
async fn the_relayable_direction_can_be_turned_off_sqlite() {
    the_relayable_direction_can_be_turned_off(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_relayable_direction_can_be_turned_off_postgres() {
    the_relayable_direction_can_be_turned_off(Backend::Postgres).await;
}

/// With the test GeoIP database, behind a trusted proxy (loopback).
fn with_geoip(config: &mut bmauth::Config) {
    config.geoip_database =
        Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/test-city.mmdb"));
    config.client_ip_header = Some(bmauth::config::HeaderName(
        axum::http::HeaderName::from_static("x-forwarded-for"),
    ));
    config.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
}

#[tokio::test]
async fn the_approval_screen_says_roughly_where_sqlite() {
    let app = TestApp::start_with(Backend::Sqlite, with_geoip).await;
    the_approval_screen_says_roughly_where_the_request_comes_from(app).await;
}

#[tokio::test]
async fn the_approval_screen_says_roughly_where_postgres() {
    let app = TestApp::start_with(Backend::Postgres, with_geoip).await;
    the_approval_screen_says_roughly_where_the_request_comes_from(app).await;
}

#[tokio::test]
async fn a_geoip_database_that_cannot_be_read_stops_start_up() {
    let folder = tempfile::tempdir().unwrap();
    let config = bmauth::Config {
        database_url: format!("sqlite://{}/bmauth.db", folder.path().display()).into(),
        data_dir: folder.path().into(),
        geoip_database: Some(folder.path().join("missing.mmdb")),
        ..bmauth::Config::default()
    };
    match bmauth::BmAuth::builder(config)
        .background_worker(false)
        .start()
        .await
    {
        Err(bmauth::StartError::Config(bmauth::ConfigError::Invalid { key, .. })) => {
            assert_eq!(key, "geoip_database")
        }
        Err(other) => panic!("unexpected error: {other}"),
        Ok(_) => panic!("started without its GeoIP database"),
    }
}

both_backends!(
    a_request_from_another_network_needs_a_second_confirmation,
    the_same_network_needs_no_second_confirmation_in_either_direction,
    an_offer_claimed_from_another_network_needs_it_too,
    link_requests_are_rate_limited_per_client,
    approvals_are_rate_limited_per_account,
);
