//! Rebuilds the library when a migration is added or changed: `sqlx::migrate!`
//! embeds the `migrations/` folder at compile time, and cargo does not see a new
//! file there by itself (sqlx's documentation says so).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
