//! Running the `bmauth` binary as an operator would, on a data folder of its own.

use std::path::Path;
use std::process::{Command, Output};

/// `bmauth ARGS` in `data`, with that folder's SQLite database, the given
/// settings on top (`BMAUTH_…` variables), and only errors logged.
pub fn bmauth_with(data: &Path, settings: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bmauth"))
        .args(args)
        .current_dir(data)
        .env("RUST_LOG", "error")
        .env("BMAUTH_PUBLIC_URL", "http://localhost:3000")
        .env(
            "BMAUTH_DATABASE_URL",
            format!("sqlite://{}/bmauth.db", data.display()),
        )
        .env("BMAUTH_DATA_DIR", data)
        .envs(settings.iter().copied())
        .output()
        .unwrap()
}

/// What it printed on its standard output.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}
