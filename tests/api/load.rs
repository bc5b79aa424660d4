//! Many people at once against one server: sign-ups, codes, sign-ins and sign-outs
//! in parallel, each person from their own address. Nothing may fail.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use bmauth::testing::Table;
use futures::StreamExt;
use serde_json::json;

use crate::both_backends;
use crate::support::TestApp;

const PEOPLE: usize = 256;
const AT_ONCE: usize = 32;

/// One person's day: sign up, confirm the code, sign out, sign in, sign out.
/// Returns the failures, as "step: status body".
async fn person(app: &TestApp, n: usize) -> Vec<String> {
    let address = IpAddr::V4(Ipv4Addr::new(127, 1, (n / 200) as u8, (n % 200) as u8 + 1));
    let mut browser = app.browser_at(address);
    let email = format!("person{n}@example.com");
    let mut failures = Vec::new();
    let mut check = |step: &str, answer: crate::support::Answer| {
        if !answer.status.is_success() {
            failures.push(format!("{step}: {} {}", answer.status, answer.body));
        }
    };
    check("register", browser.register(&email).await);
    let pin = app.mail.last_pin_for(&email);
    check("verify", browser.verify(&email, &pin).await);
    check("me", browser.me().await);
    check("logout", browser.post("/auth/logout", json!({})).await);
    check("sign in", browser.sign_in(&email).await);
    check("me again", browser.me().await);
    check(
        "logout again",
        browser.post("/auth/logout", json!({})).await,
    );
    failures
}

async fn many_people_at_once_and_no_errors(app: TestApp) {
    let started = Instant::now();
    let failures: Vec<String> = futures::stream::iter(0..PEOPLE)
        .map(|n| person(&app, n))
        .buffer_unordered(AT_ONCE)
        .flat_map(futures::stream::iter)
        .collect()
        .await;
    let elapsed = started.elapsed();
    assert!(
        failures.is_empty(),
        "{} failures, e.g. {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert_eq!(app.rows(Table::Users).await, PEOPLE as i64);
    assert_eq!(app.rows(Table::Credentials).await, PEOPLE as i64);
    assert_eq!(app.rows(Table::Sessions).await, 0, "everyone signed out");
    assert_eq!(app.rows(Table::Ceremonies).await, 0);
    // Two passkey ceremonies and one code per person (debug build, test harness
    // in the same process): for the record, not a benchmark.
    eprintln!(
        "{:?}: {PEOPLE} people, {AT_ONCE} at a time, in {:.2} s: {:.0} passkey ceremonies/s, 0 errors",
        app.backend,
        elapsed.as_secs_f64(),
        (2 * PEOPLE) as f64 / elapsed.as_secs_f64()
    );
}

both_backends!(many_people_at_once_and_no_errors,);
