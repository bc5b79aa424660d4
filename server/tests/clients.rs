//! `bmauth clients add|list|remove`: what an operator types to register an app,
//! against the same database `serve` uses.

mod common;

use std::process::Output;

use common::stdout;

fn bmauth(data: &std::path::Path, args: &[&str]) -> Output {
    common::bmauth_with(data, &[], args)
}

/// The value of `key=…` in the command's output.
fn value(output: &Output, key: &str) -> Option<String> {
    stdout(output)
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{key}=")).map(str::to_string))
}

#[test]
fn an_operator_registers_lists_and_removes_apps() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    let added = bmauth(
        dir,
        &[
            "clients",
            "add",
            "--name",
            "Acme Notes",
            "--redirect-uri",
            "https://notes.example.com/cb",
            "--redirect-uri",
            "http://localhost:8000/auth",
        ],
    );
    assert!(added.status.success(), "{added:?}");
    let id = value(&added, "client_id").expect("client_id=…");
    let secret = value(&added, "client_secret").expect("client_secret=… for a confidential app");
    assert!(secret.len() >= 43, "a 256-bit secret");

    let public = bmauth(
        dir,
        &[
            "clients",
            "add",
            "--name",
            "SPA",
            "--redirect-uri",
            "http://127.0.0.1:5173/cb",
            "--public",
        ],
    );
    assert!(public.status.success());
    assert!(
        value(&public, "client_secret").is_none(),
        "a public app has no secret"
    );
    let public_id = value(&public, "client_id").unwrap();

    let staff = bmauth(
        dir,
        &[
            "clients",
            "add",
            "--name",
            "Staff Wiki",
            "--redirect-uri",
            "https://wiki.example.com/cb",
            "--allow",
            "*@Example.com",
            "--allow",
            "ana@example.org",
        ],
    );
    assert!(staff.status.success(), "{staff:?}");

    let listed = stdout(&bmauth(dir, &["clients", "list"]));
    assert!(
        listed.contains(&id) && listed.contains("Acme Notes"),
        "{listed}"
    );
    let staff_line = listed.lines().find(|l| l.contains("Staff Wiki")).unwrap();
    assert!(
        staff_line.ends_with("*@Example.com ana@example.org"),
        "who may use it: {staff_line}"
    );
    assert!(
        listed
            .lines()
            .find(|l| l.contains("Acme Notes"))
            .unwrap()
            .ends_with("everyone"),
        "{listed}"
    );
    assert!(
        listed.contains(&public_id) && listed.contains("public"),
        "{listed}"
    );
    assert!(
        !listed.contains(&secret),
        "the secret is shown once, never again"
    );

    let removed = bmauth(dir, &["clients", "remove", &id]);
    assert!(removed.status.success());
    assert!(!stdout(&bmauth(dir, &["clients", "list"])).contains(&id));
}

#[test]
fn bad_registrations_fail_clearly() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    // Plain http to a host on the network, a fragment, not a URL at all.
    for uri in [
        "http://notes.example.com/cb",
        "https://notes.example.com/cb#x",
        "notes",
    ] {
        let refused = bmauth(
            dir,
            &["clients", "add", "--name", "Notes", "--redirect-uri", uri],
        );
        assert!(!refused.status.success(), "{uri}");
        let error = String::from_utf8_lossy(&refused.stderr);
        assert!(error.contains("cannot be registered"), "{uri}: {error}");
    }
    for allow in ["*@*", "nobody", "a*@example.com"] {
        let refused = bmauth(
            dir,
            &[
                "clients",
                "add",
                "--name",
                "Notes",
                "--redirect-uri",
                "https://a.example/cb",
                "--allow",
                allow,
            ],
        );
        assert!(!refused.status.success(), "{allow}");
        let error = String::from_utf8_lossy(&refused.stderr);
        assert!(error.contains("--allow"), "{allow}: {error}");
    }
    let nameless = bmauth(
        dir,
        &[
            "clients",
            "add",
            "--name",
            " ",
            "--redirect-uri",
            "https://a.example/cb",
        ],
    );
    assert!(!nameless.status.success());
    let unknown = bmauth(dir, &["clients", "remove", "no-such-app"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no client `no-such-app`"));
    assert!(
        stdout(&bmauth(dir, &["clients", "list"])).is_empty(),
        "nothing was added"
    );
}
