use bmauth::store::Table;
use serde_json::json;

use crate::on_both_backends;
use crate::support::{Backend, TestApp};

on_both_backends! {
    async fn malformed_requests_get_clear_errors(app: TestApp) {
        let browser = app.browser();
        let url = format!("{}/auth/register/begin", browser.base);
        let post = || browser.http.post(&url).header("origin", &browser.origin);

        let answer = browser.send(post().header("content-type", "application/json").body("{\"email\":")).await;
        answer.expect_error(400, "invalid_json");
        let answer = browser.send(post().json(&json!({ "mail": "ada@example.com" }))).await;
        answer.expect_error(400, "invalid_json");
        let answer = browser.send(post().json(&json!({ "email": 42 }))).await;
        answer.expect_error(400, "invalid_json");
        let answer = browser.send(post().body("email=ada@example.com")).await;
        answer.expect_error(415, "unsupported_media_type");
        let huge = json!({ "email": "a".repeat(100 * 1024) });
        browser.send(post().json(&huge)).await.expect_error(413, "payload_too_large");
        browser
            .post("/auth/register/begin", json!({ "email": "not an address" }))
            .await
            .expect_error(400, "invalid_email");
        browser
            .post("/auth/login/complete", json!({ "email": "ada@example.com", "credential": "nope" }))
            .await
            .expect_error(400, "invalid_credential");
        browser.get("/auth/nothing-here").await.expect_error(404, "not_found");
        assert_eq!(app.rows(Table::Ceremonies).await, 0);
        assert_eq!(app.rows(Table::Users).await, 0);
    }

    async fn cross_origin_posts_are_refused(app: TestApp) {
        let browser = app.browser();
        let url = format!("{}/auth/register/begin", browser.base);
        let body = json!({ "email": "ada@example.com" });
        for origin in [Some("https://evil.example"), Some("http://localhost:1"), None] {
            let mut request = browser.http.post(&url).json(&body);
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            browser.send(request).await.expect_error(403, "origin_mismatch");
        }
        assert_eq!(app.rows(Table::Ceremonies).await, 0);
        // Reading needs no Origin.
        browser.get("/auth/status").await.expect_ok();
    }

    async fn starting_ceremonies_is_rate_limited_per_client(app: TestApp) {
        let browser = app.browser();
        for _ in 0..60 {
            browser.login_begin("ada@example.com").await;
        }
        let answer = browser.post("/auth/login/begin", json!({ "email": "ada@example.com" })).await;
        answer.expect_error(429, "rate_limited");
        assert!(answer.headers.contains_key("retry-after"));
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
        let page = browser.get("/").await;
        assert_eq!(page.status, 200);
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"));
        assert!(page.headers["permissions-policy"].to_str().unwrap().contains("publickey-credentials-get=(self)"));
    }
}
