//! The operator's commands beside `serve`, each against the same configuration and
//! database, also while the server runs.

pub mod clients;
pub mod invites;
pub mod users;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A Unix time as people and scripts read it (RFC 3339, UTC).
pub fn when(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// Prints `value` as pretty JSON (`--json`).
pub fn print_json(value: &impl serde::Serialize) -> Result<(), Box<dyn std::error::Error>> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
