use std::time::Duration;

use bmauth::config::{HeaderName, Rate};
use bmauth::testing::Table;
use serde_json::json;

use crate::both_backends;
use crate::support::{Browser, TestApp};

async fn malformed_requests_get_clear_errors(app: TestApp) {
    let browser = app.browser();
    let url = format!("{}/auth/register/begin", browser.base);
    let post = || browser.http.post(&url).header("origin", &browser.origin);

    let answer = browser
        .send(
            post()
                .header("content-type", "application/json")
                .body("{\"email\":"),
        )
        .await;
    answer.expect_error(400, "invalid_json");
    let answer = browser
        .send(post().json(&json!({ "mail": "ada@example.com" })))
        .await;
    answer.expect_error(400, "invalid_json");
    let answer = browser.send(post().json(&json!({ "email": 42 }))).await;
    answer.expect_error(400, "invalid_json");
    let answer = browser.send(post().body("email=ada@example.com")).await;
    answer.expect_error(415, "unsupported_media_type");
    let huge = json!({ "email": "a".repeat(100 * 1024) });
    browser
        .send(post().json(&huge))
        .await
        .expect_error(413, "payload_too_large");
    browser
        .register_begin("not an address")
        .await
        .expect_error(400, "invalid_email");
    browser
        .post(
            "/auth/login/complete",
            json!({ "email": "ada@example.com", "credential": "nope" }),
        )
        .await
        .expect_error(400, "invalid_credential");
    browser
        .get("/auth/nothing-here")
        .await
        .expect_error(404, "not_found");
    assert_eq!(app.rows(Table::Ceremonies).await, 0);
    assert_eq!(app.rows(Table::Users).await, 0);
}

async fn cross_origin_posts_are_refused(app: TestApp) {
    let browser = app.browser();
    let url = format!("{}/auth/register/begin", browser.base);
    let body = json!({ "email": "ada@example.com" });
    for origin in [
        Some("https://evil.example"),
        Some("http://localhost:1"),
        None,
    ] {
        let mut request = browser.http.post(&url).json(&body);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        browser
            .send(request)
            .await
            .expect_error(403, "origin_mismatch");
    }
    assert_eq!(app.rows(Table::Ceremonies).await, 0);
    // Reading needs no Origin.
    browser.get("/auth/status").await.expect_ok();
}

async fn limits_come_from_configuration_and_count_each_client_apart(app: TestApp) {
    let app = TestApp::start_with(app.backend, |c| {
        c.limits.ceremonies_per_client = Rate::new(3, 60);
    })
    .await;
    let browser = app.browser_at(ip("127.0.10.1"));
    for _ in 0..3 {
        browser.login_begin("ada@example.com").await;
    }
    let answer = browser
        .post("/auth/login/begin", json!({ "email": "ada@example.com" }))
        .await;
    answer.expect_error(429, "rate_limited");
    let wait: u64 = answer.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    // Someone else, from their own address, is not held back.
    app.browser_at(ip("127.0.10.2"))
        .login_begin("ada@example.com")
        .await;
    app.advance(Duration::from_secs(61));
    browser.login_begin("ada@example.com").await;
}

async fn the_proxy_header_is_believed_only_from_trusted_proxies(app: TestApp) {
    let app = TestApp::start_with(app.backend, |c| {
        c.limits.ceremonies_per_client = Rate::new(2, 60);
        c.client_ip_header = Some(HeaderName(axum::http::HeaderName::from_static(
            "x-forwarded-for",
        )));
        c.trusted_proxies = vec!["127.0.20.0/24".parse().unwrap()];
    })
    .await;
    async fn begin(browser: &Browser, forwarded: &str) -> u16 {
        let request = browser
            .http
            .post(format!("{}/auth/login/begin", browser.base))
            .header("origin", &browser.origin)
            .header("x-forwarded-for", forwarded)
            .json(&json!({ "email": "ada@example.com" }));
        browser.send(request).await.status.as_u16()
    }
    // Through our proxy: the client's address is the right-most entry that is
    // not one of our proxies, whatever the client wrote to its left.
    let proxy = app.browser_at(ip("127.0.20.1"));
    assert_eq!(begin(&proxy, "1.1.1.1, 203.0.113.9").await, 200);
    assert_eq!(begin(&proxy, "2.2.2.2, 203.0.113.9, 127.0.20.7").await, 200);
    assert_eq!(
        begin(&proxy, "3.3.3.3, 203.0.113.9").await,
        429,
        "spoofed left entries change nothing"
    );
    assert_eq!(
        begin(&proxy, "203.0.113.10").await,
        200,
        "another client behind the proxy"
    );
    // IPv6 clients count by their /64.
    assert_eq!(begin(&proxy, "2001:db8:1:2::1").await, 200);
    assert_eq!(begin(&proxy, "2001:db8:1:2::ffff").await, 200);
    assert_eq!(begin(&proxy, "2001:db8:1:2:abcd::1").await, 429);
    assert_eq!(begin(&proxy, "2001:db8:1:3::1").await, 200);
    // Not from a trusted proxy: the header is ignored, the peer address counts.
    let direct = app.browser_at(ip("127.0.30.1"));
    assert_eq!(begin(&direct, "198.51.100.1").await, 200);
    assert_eq!(begin(&direct, "198.51.100.2").await, 200);
    assert_eq!(begin(&direct, "198.51.100.3").await, 429);
}

async fn api_answers_carry_protective_headers(app: TestApp) {
    let browser = app.browser();
    let answer = browser.get("/auth/status").await;
    let header = |name: &str| answer.headers[name].to_str().unwrap().to_string();
    assert_eq!(header("cache-control"), "no-store");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "no-referrer");
    assert_eq!(header("x-frame-options"), "DENY");
    assert!(header("content-security-policy").contains("frame-ancestors 'none'"));
    assert!(
        !answer.headers.contains_key("strict-transport-security"),
        "not on plain http"
    );
    let page = browser.get("/auth/login").await;
    assert_eq!(page.status, 200);
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"));
    assert!(
        page.headers["permissions-policy"]
            .to_str()
            .unwrap()
            .contains("publickey-credentials-get=(self)")
    );
}

async fn the_library_router_alone_sends_the_same_headers_and_hsts_on_https(app: TestApp) {
    use tower::ServiceExt;
    let folder = tempfile::tempdir().unwrap();
    let config = bmauth::Config {
        public_url: "https://app.example.com".parse().unwrap(),
        mode: Some(bmauth::config::Mode::Development),
        database_url: format!("sqlite://{}/alone.db", folder.path().display()).into(),
        data_dir: folder.path().to_path_buf(),
        server_secret: Some(bmauth::config::ServerSecret::generate()),
        ..bmauth::Config::default()
    };
    let bmauth = bmauth::BmAuth::builder(config)
        .background_worker(false)
        .start()
        .await
        .unwrap();
    // An embedding app that mounts only the JSON API.
    let host: axum::Router = axum::Router::new().merge(bmauth.router());
    let request = axum::http::Request::get("/auth/status")
        .body(axum::body::Body::empty())
        .unwrap();
    let answer = host.oneshot(request).await.unwrap();
    let header = |name: &str| answer.headers()[name].to_str().unwrap().to_string();
    assert_eq!(
        header("strict-transport-security"),
        "max-age=31536000; includeSubDomains"
    );
    assert_eq!(header("x-frame-options"), "DENY");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "no-referrer");
    drop(app);
}

async fn next_never_leaves_the_site(app: TestApp) {
    let mut browser = app.browser();
    browser.sign_up(&app, "ada@example.com").await;
    for (next, expected) in [
        ("/account?tab=2", "/account?tab=2"),
        ("/%09/evil.example/", "/"),
        ("%2F%09%2Fevil.example%2F", "/"),
        ("%2F%0A%2Fevil.example", "/"),
        ("%2F%0D%2Fevil.example", "/"),
        ("%2F%5Cevil.example", "/"),
        ("%5C%5Cevil.example", "/"),
        ("%2F%2Fevil.example", "/"),
        ("%2F%2F%2Fevil.example", "/"),
        ("https:evil.example", "/"),
        ("https%3A%2F%2Fevil.example", "/"),
        ("%2F%2520%2Fevil.example", "/%20/evil.example"),
        ("%2F%252F%2Fevil.example", "/%2F/evil.example"),
        ("%20%2F%2Fevil.example", "/"),
        ("javascript%3Aalert(1)", "/"),
    ] {
        let answer = browser.get(&format!("/auth/login?next={next}")).await;
        assert!(answer.status.is_redirection(), "{next}: {}", answer.status);
        let location = answer.headers["location"].to_str().unwrap();
        assert_eq!(location, expected, "next={next}");
    }
}

fn ip(text: &str) -> std::net::IpAddr {
    text.parse().unwrap()
}

both_backends!(
    malformed_requests_get_clear_errors,
    cross_origin_posts_are_refused,
    limits_come_from_configuration_and_count_each_client_apart,
    the_proxy_header_is_believed_only_from_trusted_proxies,
    api_answers_carry_protective_headers,
    the_library_router_alone_sends_the_same_headers_and_hsts_on_https,
    next_never_leaves_the_site,
);
