//! The probes a process manager or load balancer asks: alive, and ready (the
//! database answers).

use crate::both_backends;
use crate::support::TestApp;

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

both_backends!(probes_say_alive_and_ready_until_the_database_is_gone);
