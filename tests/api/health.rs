//! What operators watch: the probes a process manager or load balancer asks (alive,
//! ready: the database answers), and the Prometheus metrics.

use crate::both_backends;
use crate::support::{TestApp, reference_app};

async fn probes_say_alive_and_ready_until_the_database_is_gone(app: TestApp) {
    let browser = app.browser();
    let alive = browser.get("/healthz").await;
    assert_eq!(
        (alive.status.as_u16(), alive.body.as_str()),
        (200, Some("ok\n"))
    );
    let ready = browser.get("/readyz").await;
    assert_eq!(
        (ready.status.as_u16(), ready.body.as_str()),
        (200, Some("ready\n"))
    );

    app.store().close().await;
    browser.get("/readyz").await.expect_error(503, "not_ready");
    let alive = browser.get("/healthz").await;
    assert_eq!(alive.status.as_u16(), 200, "alive, though not ready");
}

/// The value of the sample named exactly `series` (name and labels) in the
/// OpenMetrics text, if it is there.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.parse().ok())
}

async fn metrics_count_ceremonies_by_outcome_and_mail_sent(app: TestApp) {
    let app = TestApp::start_serving(app.backend, |bmauth| {
        reference_app(bmauth).merge(bmauth.metrics_router())
    })
    .await;
    let mut ada = app.browser();
    ada.sign_up(&app, "ada@example.com").await;
    ada.sign_in("ada@example.com").await.expect_ok();
    ada.sign_in("ada@example.com").await.expect_ok();
    let stranger = app.browser();
    stranger
        .verify("nobody@example.com", "123456")
        .await
        .expect_error(400, "no_pending_pin");

    let answer = stranger.get("/metrics").await;
    assert_eq!(answer.status.as_u16(), 200);
    assert_eq!(
        answer.headers["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let text = answer.body.as_str().expect("metrics are text");
    let count = |series: &str| sample(text, series);
    assert_eq!(
        count(r#"bmauth_requests_total{route="/auth/login/complete",outcome="ok"}"#),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        count(r#"bmauth_requests_total{route="/auth/verify-email",outcome="ok"}"#),
        Some(1.0)
    );
    assert_eq!(
        count(r#"bmauth_requests_total{route="/auth/verify-email",outcome="no_pending_pin"}"#),
        Some(1.0)
    );
    assert_eq!(
        count(r#"bmauth_request_duration_seconds_count{route="/auth/login/complete"}"#),
        Some(2.0)
    );
    assert_eq!(count("bmauth_mail_sent_total"), Some(1.0));
    assert_eq!(count("bmauth_mail_failed_total"), Some(0.0));
    assert_eq!(count("bmauth_mail_queue_depth"), Some(0.0));
}

both_backends!(
    probes_say_alive_and_ready_until_the_database_is_gone,
    metrics_count_ceremonies_by_outcome_and_mail_sent,
);
