//! Storage: one `Store`, two backends (SQLite and PostgreSQL) that stay equal.
//!
//! Every query is written once, in SQL both databases accept (`$1` placeholders work
//! in sqlx's SQLite driver too), and run by `with_pool!` against whichever pool is
//! configured, each with its native driver. The busiest writes are the exception:
//! each is written once per database so as to be one trip (`in_one_trip!`). The
//! domain never sees SQL.

mod accounts;
mod ceremonies;
mod dispatch;
mod email_change;
mod events;
mod forward;
mod inline_reads;
mod invitations;
mod links;
mod oidc;
mod oidc_tokens;
mod outbox;
mod people;
mod pins;
mod rate_limits;
mod readers;
mod rows;
#[cfg(feature = "test-support")]
mod schema;
mod sessions;
mod statements;
mod text_enum;
mod undo;
mod writer;

use std::str::FromStr;
use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};

pub use accounts::{
    AccountOutcome, ConfirmOutcome, CredentialUse, NewAccount, NewCredential, RemoveOutcome,
    UserKey,
};
pub use email_change::{EmailChangeOutcome, EmailUndoOutcome, EmailUndoRow};
pub use forward::{ForwardCodeRow, ForwardCodeTaken};
pub use invitations::InvitationRow;
pub use links::{Approver, JoinedDevice, LinkMove, LinkOutcome};
pub use oidc::{ClientRow, SigningKeyRow};
pub use oidc_tokens::{CodeRow, Presented, Revocation, TokenRow};
pub use people::{AdminLogRow, Change, PersonRow};
pub use rows::*;
#[cfg(feature = "test-support")]
pub use schema::{ColumnInfo, Table};
pub use sessions::SESSION_HANDLE_LEN;

pub(crate) use dispatch::{in_one_trip, read_inline, transaction, with_pool, with_writer};
pub(crate) use people::insert_admin_log;
pub(crate) use statements::{
    bind_event, bind_passkey_use, bind_session, credential_exists, delete_session,
    insert_credential, insert_event, insert_mail, insert_session, record_passkey_use, upsert_pin,
    use_pin,
};

use crate::clock::UnixTime;

/// What `purge_expired` deletes: what expired by `now`, sign-ups made before
/// `unverified_before` and never confirmed, and security events older than
/// `events_before`.
#[derive(Debug, Clone, Copy)]
pub struct Cutoffs {
    pub now: UnixTime,
    pub unverified_before: UnixTime,
    pub events_before: UnixTime,
}

#[derive(Debug, Clone)]
pub(crate) enum Pool {
    /// Readers share a few connections (`readers`); every write goes through one
    /// connection, so writers wait in line (cheaply, sharing commits) rather than
    /// in SQLite's busy handler.
    Sqlite {
        read: std::sync::Arc<readers::Readers>,
        /// For the busiest reads (`read_inline!`): no hand-off to another thread.
        inline: std::sync::Arc<inline_reads::InlineReaders>,
        writer: std::sync::Arc<writer::Writer>,
    },
    Postgres(PgPool),
}

#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: Pool,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the write could not be committed: {0}")]
    Commit(std::sync::Arc<sqlx::Error>),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("could not create the database folder: {0}")]
    Folder(#[from] std::io::Error),
}

impl StoreError {
    /// Another process holds a lock on the SQLite file.
    pub(crate) fn is_busy(&self) -> bool {
        matches!(self, Self::Sqlite(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy))
    }

    pub(crate) fn is_unique_violation(&self) -> bool {
        matches!(self, Self::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }

    /// A row named a row that is gone: e.g. a session for a passkey removed meanwhile.
    pub fn is_foreign_key_violation(&self) -> bool {
        matches!(self, Self::Database(sqlx::Error::Database(e)) if e.is_foreign_key_violation())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

impl Store {
    /// Connects to `sqlite:…` (creating the file and its folder) or `postgres://…`.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let pool = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            if let Some(folder) = options.get_filename().parent()
                && !folder.as_os_str().is_empty()
            {
                std::fs::create_dir_all(folder)?;
            }
            // The writer connects first: it creates the file and switches it to WAL.
            let write = options.connect().await?;
            Pool::Sqlite {
                inline: std::sync::Arc::new(inline_reads::InlineReaders::new(
                    options.get_filename(),
                )),
                read: std::sync::Arc::new(readers::Readers::new(options.read_only(true), 8)),
                writer: std::sync::Arc::new(writer::Writer::new(write)),
            }
        } else {
            let options = PgConnectOptions::from_str(url)?;
            // No `test_before_acquire`: sqlx's pool already pings each connection as
            // it goes back (a broken one is dropped then); pinging again before
            // every query cost a round trip per query.
            Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(16)
                    .test_before_acquire(false)
                    .connect_with(options)
                    .await?,
            )
        };
        Ok(Self { pool })
    }

    /// Applies the migrations under `migrations/<backend>` (embedded in the binary).
    pub async fn migrate(&self) -> StoreResult<()> {
        match &self.pool {
            Pool::Sqlite { writer, .. } => {
                writer.migrate(&sqlx::migrate!("migrations/sqlite")).await?
            }
            Pool::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Writes a consistent copy of a live SQLite database to `path` (which must not
    /// exist, or be empty) with `VACUUM INTO`, from a reading connection: writers
    /// carry on meanwhile. `false` on PostgreSQL, which has `pg_dump` for this.
    pub async fn backup_into(&self, path: &str) -> StoreResult<bool> {
        match &self.pool {
            Pool::Sqlite { read, .. } => {
                let mut reader = read.acquire().await?;
                sqlx::query("VACUUM INTO $1")
                    .bind(path)
                    .execute(&mut *reader)
                    .await?;
                reader.finished();
                Ok(true)
            }
            Pool::Postgres(_) => Ok(false),
        }
    }

    /// One round trip to the database.
    pub async fn ping(&self) -> StoreResult<()> {
        let _: i32 = with_pool!(self, |pool| sqlx::query_scalar("SELECT 1")
            .fetch_one(pool)
            .await?);
        Ok(())
    }

    /// Closes the connections: every query fails from now on (tests of failure).
    #[cfg(feature = "test-support")]
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite {
                read,
                inline,
                writer,
            } => {
                inline.close();
                read.close().await;
                writer.close().await;
            }
            Pool::Postgres(pool) => pool.close().await,
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite { .. } => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Deletes what has expired: ceremonies, PINs, sessions, old rate-limit windows,
    /// mail that was sent or is no longer worth sending, old security events, and
    /// sign-ups never confirmed. The rules say how old is too old (`Cutoffs`).
    pub async fn purge_expired(&self, cutoffs: &Cutoffs) -> StoreResult<u64> {
        let Cutoffs {
            now,
            unverified_before,
            events_before,
        } = *cutoffs;
        let statements: [(&str, UnixTime); 17] = [
            ("DELETE FROM ceremonies WHERE expires_at <= $1", now),
            // Kept a while after expiry, so the waiting device hears "expired".
            (
                "DELETE FROM device_links WHERE expires_at <= $1",
                now - 3600,
            ),
            ("DELETE FROM device_undo WHERE expires_at <= $1", now),
            ("DELETE FROM email_undo WHERE expires_at <= $1", now),
            ("DELETE FROM forward_codes WHERE expires_at <= $1", now),
            (
                "DELETE FROM email_changes WHERE created_at <= $1",
                unverified_before,
            ),
            // PINs stay (dead) as long as their sign-up, so that resending keeps the
            // browser binding and the count of wrong tries.
            (
                "DELETE FROM email_pins WHERE expires_at <= $1",
                unverified_before,
            ),
            ("DELETE FROM sessions WHERE expires_at <= $1", now),
            (
                "DELETE FROM rate_limits WHERE window_start <= $1",
                now - 86_400,
            ),
            ("DELETE FROM outbox WHERE expires_at <= $1", now),
            // A used refresh token stays until it expires, to catch its reuse; a
            // code stays 30 days, to catch its replay and date "last signed in".
            ("DELETE FROM oidc_tokens WHERE expires_at <= $1", now),
            (
                "DELETE FROM oidc_codes WHERE expires_at <= $1",
                now - 30 * 86_400,
            ),
            // A retired signing key stays published 30 days: longer than any token
            // it signed lives, and long enough for an old `id_token_hint`.
            (
                "DELETE FROM oidc_keys WHERE retired_at <= $1",
                now - 30 * 86_400,
            ),
            (
                "DELETE FROM security_events WHERE created_at <= $1",
                events_before,
            ),
            // Kept as long as the activity it goes with.
            ("DELETE FROM admin_log WHERE at <= $1", events_before),
            (
                "DELETE FROM invitations WHERE expires_at <= $1",
                events_before,
            ),
            (
                "DELETE FROM users WHERE verified_at IS NULL AND created_at <= $1",
                unverified_before,
            ),
        ];
        let mut purged = 0;
        for (sql, at) in statements {
            purged += with_writer!(self, |pool| sqlx::query(sql)
                .bind(at)
                .execute(pool)
                .await?
                .rows_affected());
        }
        Ok(purged)
    }
}
