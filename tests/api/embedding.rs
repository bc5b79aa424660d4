//! An axum app that mounts BMAuth (`examples/axum_host`): sign-up, the email code
//! and sign-in go through its router, and its protected page knows the person.

use serde_json::json;

use crate::both_backends;
use crate::support::TestApp;

#[path = "../../examples/axum_host/src/app.rs"]
mod axum_host;

async fn an_axum_app_gains_passkey_sign_in(app: TestApp) {
    let app = TestApp::start_serving(app.backend, axum_host::app).await;
    let mut browser = app.browser();
    // The host's own pages are there, and its protected one is closed.
    assert!(
        browser
            .get("/")
            .await
            .body
            .as_str()
            .unwrap()
            .contains("Welcome")
    );
    let closed = browser.get("/account").await;
    assert!(closed.status.is_redirection());
    assert_eq!(closed.headers["location"], "/signin");
    assert!(
        browser
            .get("/signin")
            .await
            .body
            .as_str()
            .unwrap()
            .contains("/auth/register/begin")
    );

    browser.sign_up(&app, "ada@example.com").await;
    let account = browser.get("/account").await;
    assert_eq!(account.status, 200);
    assert!(account.body.as_str().unwrap().contains("ada@example.com"));

    browser.post("/auth/logout", json!({})).await.expect_ok();
    assert!(browser.get("/account").await.status.is_redirection());
    browser.sign_in("ada@example.com").await.expect_ok();
    assert_eq!(browser.get("/account").await.status, 200);
    // The library's headers come with its API, not with the host's pages.
    assert_eq!(
        browser.get("/auth/status").await.headers["x-frame-options"],
        "DENY"
    );
}

/// The part of an example between its `ANCHOR` lines.
fn embed_block(example: &str) -> &str {
    let start = example.find("// ANCHOR: embed\n").unwrap() + "// ANCHOR: embed\n".len();
    let end = example.find("// ANCHOR_END: embed").unwrap();
    &example[start..end]
}

#[test]
fn the_readme_shows_the_examples_as_they_are() {
    let readme = include_str!("../../README.md");
    for (path, example) in [
        (
            "examples/axum_host/src/app.rs",
            include_str!("../../examples/axum_host/src/app.rs"),
        ),
        (
            "examples/leptos_host/src/lib.rs",
            include_str!("../../examples/leptos_host/src/lib.rs"),
        ),
    ] {
        let snippet = embed_block(example);
        assert!(
            readme.contains(snippet),
            "README.md must show {path} between its ANCHOR lines (run scripts/readme-snippets):\n{snippet}"
        );
    }
}

#[test]
fn the_axum_example_adds_at_most_ten_lines() {
    let example = include_str!("../../examples/axum_host/src/app.rs");
    let added = example
        .lines()
        .filter(|l| l.contains("// + BMAuth"))
        .count()
        + include_str!("../../examples/axum_host/src/main.rs")
            .lines()
            .filter(|l| l.contains("// + BMAuth"))
            .count();
    assert!(added <= 10, "{added} lines to add BMAuth");
}

both_backends!(an_axum_app_gains_passkey_sign_in);
