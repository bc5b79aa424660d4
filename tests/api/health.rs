//! What operators watch: the probes a process manager or load balancer asks (alive,
//! ready: the database answers), and the Prometheus metrics.

use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

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

/// `bmauth serve`, stopped with SIGTERM as a process manager stops it, finishes the
/// request it is in the middle of, and then exits cleanly.
#[tokio::test]
async fn the_server_finishes_requests_in_flight_when_told_to_stop() {
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_bmauth"))
        .arg("serve")
        .current_dir(data.path())
        .env("RUST_LOG", "error")
        .env("BMAUTH_LISTEN", format!("127.0.0.1:{port}"))
        .env("BMAUTH_PUBLIC_URL", format!("http://localhost:{port}"))
        .env(
            "BMAUTH_DATABASE_URL",
            format!("sqlite://{}/bmauth.db", data.path().display()),
        )
        .env("BMAUTH_DATA_DIR", data.path())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let ready = format!("http://127.0.0.1:{port}/readyz");
    let mut tries = 0;
    while !reqwest::get(&ready)
        .await
        .is_ok_and(|answer| answer.status().is_success())
    {
        tries += 1;
        assert!(tries < 400, "the server did not become ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A sign-in whose body is half sent when the server is told to stop.
    let body = br#"{"email":"ada@example.com"}"#;
    let mut connection = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let head = format!(
        "POST /auth/login/begin HTTP/1.1\r\nHost: localhost:{port}\r\n\
         Origin: http://localhost:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    connection.write_all(head.as_bytes()).await.unwrap();
    connection.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopped = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        server.try_wait().unwrap().is_none(),
        "it waits for the request in flight"
    );

    connection.write_all(&body[10..]).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        connection.read_to_string(&mut answer),
    )
    .await
    .expect("the answer, then the connection closed")
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"challenge\""), "{answer}");

    let mut waited = 0;
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        waited += 1;
        assert!(waited < 200, "the server did not exit");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status}");
}

both_backends!(
    probes_say_alive_and_ready_until_the_database_is_gone,
    metrics_count_ceremonies_by_outcome_and_mail_sent,
);
