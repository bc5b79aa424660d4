//! The `bmauth` binary as a process manager runs it.

use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

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
