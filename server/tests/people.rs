//! `bmauth users|invites|admin|backup`: what an operator types, against the same
//! database `serve` uses; JSON for scripts, a failing exit for a mistake.

mod common;

use std::process::{Command, Output};

use common::stdout;

fn bmauth(data: &std::path::Path, args: &[&str]) -> Output {
    common::bmauth_with(data, &[("BMAUTH_SIGNUP", "invite")], args)
}

fn json(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

fn fails_saying(output: &Output, words: &str) {
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(words), "{stderr}");
}

#[test]
fn an_operator_invites_lists_and_revokes() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    assert_eq!(
        json(&bmauth(dir, &["users", "list", "--json"])),
        serde_json::json!([])
    );

    let created = bmauth(
        dir,
        &["invites", "create", " Ana@Example.org ", "--days", "3"],
    );
    assert!(created.status.success(), "{created:?}");
    let link = stdout(&created).trim().to_string();
    assert!(
        link.starts_with("http://localhost:3000/auth/register?invitation="),
        "{link}"
    );
    assert!(
        link.contains("email=ana%40example.org"),
        "normalised: {link}"
    );

    let listed = json(&bmauth(dir, &["invites", "list", "--json"]));
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["email"], "ana@example.org");
    assert_eq!(listed[0]["state"], "pending");
    let id = listed[0]["id"].as_str().unwrap().to_string();
    let token = link
        .split_once("invitation=")
        .and_then(|(_, rest)| rest.split('&').next())
        .unwrap();
    assert_eq!(token.len(), 43, "a 256-bit token: {link}");
    assert!(
        !listed[0].to_string().contains(token),
        "the token is never listed"
    );

    let revoked = bmauth(dir, &["invites", "revoke", &id]);
    assert!(revoked.status.success(), "{revoked:?}");
    assert_eq!(
        json(&bmauth(dir, &["invites", "list", "--json"]))[0]["state"],
        "revoked"
    );
    fails_saying(
        &bmauth(dir, &["invites", "revoke", &id]),
        "no unused invitation",
    );
}

#[test]
fn mistakes_fail_with_the_reason() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    fails_saying(
        &bmauth(dir, &["users", "show", "nobody@example.org"]),
        "no account has this email address",
    );
    fails_saying(
        &bmauth(dir, &["users", "disable", "nobody@example.org"]),
        "no account has this email address",
    );
    fails_saying(
        &bmauth(dir, &["users", "send-recovery-link", "nobody@example.org"]),
        "no account has this email address",
    );
    fails_saying(
        &bmauth(dir, &["admin", "grant", "nobody@example.org"]),
        "no account has this email address",
    );
    fails_saying(
        &bmauth(dir, &["invites", "create", "not an address"]),
        "not a valid email address",
    );
    fails_saying(
        &bmauth(dir, &["invites", "create", "a@example.org", "--days", "0"]),
        "--days",
    );
    fails_saying(&bmauth(dir, &["users", "delete", "a@example.org"]), "--yes");
}

#[test]
fn a_backup_is_a_database_and_never_overwrites() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    let made = bmauth(dir, &["invites", "create", "ana@example.org"]);
    assert!(made.status.success());
    let copy = dir.join("copy.db");
    let copy_text = copy.to_str().unwrap();
    let backed_up = bmauth(dir, &["backup", copy_text]);
    assert!(backed_up.status.success(), "{backed_up:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "it holds every account: this user's only"
        );
    }
    fails_saying(&bmauth(dir, &["backup", copy_text]), "exists already");

    // The copy is a whole database: a server on it has the invitation.
    let restored = Command::new(env!("CARGO_BIN_EXE_bmauth"))
        .args(["invites", "list", "--json"])
        .current_dir(dir)
        .env("RUST_LOG", "error")
        .env("BMAUTH_DATABASE_URL", format!("sqlite://{copy_text}"))
        .env("BMAUTH_DATA_DIR", dir)
        .output()
        .unwrap();
    assert_eq!(json(&restored)[0]["email"], "ana@example.org");
}

#[test]
fn json_logs_for_shippers_and_no_colour_codes_in_a_file() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    let run = |format: &str| {
        Command::new(env!("CARGO_BIN_EXE_bmauth"))
            .args(["invites", "create", "ana@example.org"])
            .current_dir(dir)
            .env("RUST_LOG", "info")
            .env("BMAUTH_LOG_FORMAT", format)
            .env(
                "BMAUTH_DATABASE_URL",
                format!("sqlite://{}/bmauth.db", dir.display()),
            )
            .env("BMAUTH_DATA_DIR", dir)
            .output()
            .unwrap()
    };
    let stderr = |output: &Output| String::from_utf8_lossy(&output.stderr).into_owned();
    let text = run("text");
    let lines = stderr(&text);
    assert!(lines.contains("invitation created"), "{lines}");
    assert!(
        !lines.contains('\u{1b}'),
        "no escape codes when not a terminal"
    );
    assert!(
        !stdout(&text).contains("invitation created"),
        "the log stays out of what the command prints"
    );

    let json_run = run("json");
    let logged: Vec<serde_json::Value> = stderr(&json_run)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each log line is JSON"))
        .collect();
    assert!(
        logged
            .iter()
            .any(|l| l["fields"]["message"] == "invitation created"),
        "{logged:?}"
    );
    let token = stdout(&json_run)
        .lines()
        .find_map(|l| l.split("invitation=").nth(1))
        .and_then(|rest| rest.split('&').next())
        .expect("the link is printed")
        .to_string();
    assert!(
        logged.iter().all(|l| !l.to_string().contains(&token)),
        "the invitation's token is never logged"
    );
}
