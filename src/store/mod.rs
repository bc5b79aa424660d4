//! Storage: one `Store`, two backends (SQLite and PostgreSQL) that stay equal.
//!
//! Every query is written once, in SQL both databases accept (`$1` placeholders work
//! in sqlx's SQLite driver too), and run by `with_pool!` against whichever pool is
//! configured, each with its native driver. The busiest writes are the exception:
//! each is written once per database so as to be one trip (`in_one_trip!`). The
//! domain never sees SQL.

mod accounts;
mod ceremonies;
mod events;
mod links;
mod outbox;
mod pins;
mod rate_limits;
mod rows;
mod sessions;
mod text_enum;
mod undo;
mod writer;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

pub use accounts::{
    AccountOutcome, ConfirmOutcome, CredentialUse, NewAccount, NewCredential, RemoveOutcome,
    UserKey,
};
pub use links::{Approver, JoinedDevice, LinkMove, LinkOutcome};
pub use rows::*;
pub use sessions::SESSION_HANDLE_LEN;

use crate::clock::UnixTime;

/// Runs `$body` (a read) with `$pool` bound to the concrete pool. The body is
/// compiled once per backend, so the same SQL and code serve both.
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite { read: $pool, .. } => $body,
            $crate::store::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Like `with_pool!`, for a single statement that writes. On SQLite that is the one
/// writer connection (see `writer`): writers queue there instead of fighting for
/// SQLite's lock, and share commits.
macro_rules! with_writer {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite { writer, .. } => {
                let mut lease = writer.lease().await?;
                let result: $crate::store::StoreResult<_> = async {
                    let $pool = lease.conn()?;
                    Ok($body)
                }
                .await;
                lease.finish(result).await?
            }
            $crate::store::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_writer;

/// Runs `$body` in a write transaction bound to `$tx`: committed if the body returns
/// `Ok`, rolled back if it returns `Err`. On SQLite it is a savepoint in the writer's
/// batch, which holds the write lock from its start (`BEGIN IMMEDIATE`), so a read
/// followed by a write can never fail with `SQLITE_BUSY_SNAPSHOT` because another
/// writer got in between.
macro_rules! transaction {
    ($store:expr, |$tx:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite { writer, .. } => {
                let mut lease = writer.lease().await?;
                let result: $crate::store::StoreResult<_> = async {
                    #[allow(unused_mut)]
                    let mut $tx = sqlx::Connection::begin(lease.conn()?).await?;
                    let result: $crate::store::StoreResult<_> = async { $body }.await;
                    if result.is_ok() {
                        $tx.commit().await?;
                    }
                    result
                }
                .await;
                lease.finish(result).await
            }
            $crate::store::Pool::Postgres(pool) => {
                #[allow(unused_mut)]
                let mut $tx = pool.begin().await?;
                let result: $crate::store::StoreResult<_> = async { $body }.await;
                if result.is_ok() {
                    $tx.commit().await?;
                }
                result
            }
        }
    };
}
pub(crate) use transaction;

/// Runs a write of several statements in one trip to the database, all or nothing:
/// on SQLite a script (`$sqlite`, a `&'static str`; see `writer::Writer::run_script`),
/// on PostgreSQL one statement (`$postgres`, its parts as data-modifying `WITH`
/// queries). Both take the same `$n` arguments, bound by `$bind` to the query
/// `$query`. Returns the first column of the first row, if any (a count).
///
/// For the busiest writes (a sign-in, a counted ceremony): on SQLite each statement
/// is a round trip to the connection's thread, and on PostgreSQL to the server.
macro_rules! in_one_trip {
    ($store:expr, sqlite: $sqlite:expr, postgres: $postgres:expr, |$query:ident| $bind:expr) => {{
        use sqlx::Row as _;
        match &$store.pool {
            $crate::store::Pool::Sqlite { writer, .. } => {
                let $query = sqlx::query::<sqlx::Sqlite>($sqlite);
                let mut script = $bind;
                let arguments = sqlx::Execute::take_arguments(&mut script)
                    .map_err(sqlx::Error::Encode)?
                    .unwrap_or_default();
                let rows = writer.run_script($sqlite, arguments).await?;
                rows.first()
                    .map(|row| row.try_get::<i64, _>(0))
                    .transpose()?
            }
            $crate::store::Pool::Postgres(pool) => {
                let $query = sqlx::query($postgres);
                let row = $bind.fetch_optional(pool).await?;
                row.map(|row| row.try_get::<i64, _>(0)).transpose()?
            }
        }
    }};
}
pub(crate) use in_one_trip;

// Statements that several transactions share, written once. Macros rather than
// functions because each expands inside `with_pool!` for one concrete backend.

/// Stores a PIN, replacing the account's previous PIN for the same purpose. The
/// count of wrong tries left across resends (`tries_left`) is kept from the old one.
macro_rules! upsert_pin {
    ($exec:expr, $pin:expr) => {{
        let pin: &$crate::store::PinRow = $pin;
        sqlx::query(
            "INSERT INTO email_pins (user_id, purpose, browser_hash, code_hash, attempts_left, \
             tries_left, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (user_id, purpose) DO UPDATE SET browser_hash = excluded.browser_hash, \
             code_hash = excluded.code_hash, attempts_left = excluded.attempts_left, \
             created_at = excluded.created_at, expires_at = excluded.expires_at",
        )
        .bind(&pin.user_id)
        .bind(pin.purpose)
        .bind(&pin.browser_hash)
        .bind(&pin.code_hash)
        .bind(pin.attempts_left)
        .bind(pin.tries_left)
        .bind(pin.created_at)
        .bind(pin.expires_at)
        .execute($exec)
        .await
    }};
}
pub(crate) use upsert_pin;

/// Deletes the PIN `$pin` (a `&PinRow`) if it is still the one stored, bound to its
/// browser: true if this call used it up (of racing requests, exactly one does).
macro_rules! use_pin {
    ($exec:expr, $pin:expr) => {{
        let pin: &$crate::store::PinRow = $pin;
        sqlx::query(
            "DELETE FROM email_pins WHERE user_id = $1 AND purpose = $2 AND code_hash = $3 \
             AND browser_hash = $4",
        )
        .bind(&pin.user_id)
        .bind(pin.purpose)
        .bind(&pin.code_hash)
        .bind(&pin.browser_hash)
        .execute($exec)
        .await
        .map(|done| done.rows_affected() == 1)
    }};
}
pub(crate) use use_pin;

macro_rules! insert_mail {
    ($exec:expr, $mail:expr) => {{
        let mail: &$crate::store::OutboxRow = $mail;
        sqlx::query(
            "INSERT INTO outbox (id, recipient, subject, sealed_body, attempts, created_at, \
             next_attempt_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&mail.id)
        .bind(&mail.recipient)
        .bind(&mail.subject)
        .bind(&mail.sealed_body)
        .bind(mail.attempts)
        .bind(mail.created_at)
        .bind(mail.next_attempt_at)
        .bind(mail.expires_at)
        .execute($exec)
        .await
    }};
}
pub(crate) use insert_mail;

macro_rules! insert_session {
    ($exec:expr, $session:expr) => {
        $crate::store::bind_session!(
            sqlx::query(
                "INSERT INTO sessions (id_hash, user_id, credential_id, user_agent, created_at, \
                 last_seen_at, expires_at, verified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            ),
            $session
        )
        .execute($exec)
        .await
    };
}
pub(crate) use insert_session;

/// Binds a `&SessionRow`'s columns to `$query`, next, in `insert_session!`'s order.
macro_rules! bind_session {
    ($query:expr, $session:expr) => {{
        let s: &$crate::store::SessionRow = $session;
        $query
            .bind(&s.id_hash)
            .bind(&s.user_id)
            .bind(&s.credential_id)
            .bind(&s.user_agent)
            .bind(s.created_at)
            .bind(s.last_seen_at)
            .bind(s.expires_at)
            .bind(s.verified_at)
    }};
}
pub(crate) use bind_session;

/// Records a security event (a `&EventRow`) for the account's recent activity.
macro_rules! insert_event {
    ($exec:expr, $event:expr) => {
        $crate::store::bind_event!(
            sqlx::query(
                "INSERT INTO security_events (id, user_id, kind, passkey_name, user_agent, ip, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            ),
            $event
        )
        .execute($exec)
        .await
    };
}
pub(crate) use insert_event;

/// Binds an `&EventRow`'s columns to `$query`, next, in `insert_event!`'s order.
macro_rules! bind_event {
    ($query:expr, $event:expr) => {{
        let e: &$crate::store::EventRow = $event;
        $query
            .bind(&e.id)
            .bind(&e.user_id)
            .bind(&e.kind)
            .bind(&e.passkey_name)
            .bind(&e.user_agent)
            .bind(&e.ip)
            .bind(e.created_at)
    }};
}
pub(crate) use bind_event;

/// Stores the new passkey `$credential` (a `&NewCredential`) for `$user_id`.
macro_rules! insert_credential {
    ($exec:expr, $user_id:expr, $credential:expr) => {{
        let c: &$crate::store::NewCredential = $credential;
        sqlx::query(
            "INSERT INTO credentials (id, user_id, passkey, name, aaguid, transports, \
             backup_eligible, backup_state, sign_count, created_at, added_by, held_until) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&c.id)
        .bind($user_id)
        .bind(&c.passkey)
        .bind(&c.name)
        .bind(&c.aaguid)
        .bind(&c.transports)
        .bind(c.backup_eligible)
        .bind(c.backup_state)
        .bind(c.sign_count)
        .bind(c.created_at)
        .bind(c.added_by)
        .bind(c.held_until)
        .execute($exec)
        .await
    }};
}
pub(crate) use insert_credential;

/// Records a use of `$user_id`'s passkey `$used` (a `&CredentialUse`) at `$now`: its
/// counter and backup state. The counter only moves forwards: of two uses finishing
/// in parallel, the later counter stays.
macro_rules! record_passkey_use {
    ($exec:expr, $user_id:expr, $used:expr, $now:expr) => {
        $crate::store::bind_passkey_use!(
            sqlx::query(
                "UPDATE credentials SET passkey = $2, sign_count = $3, backup_eligible = $4, \
                 backup_state = $5, last_used_at = $6 WHERE id = $1 AND user_id = $7 \
                 AND sign_count <= $3",
            ),
            $user_id,
            $used,
            $now
        )
        .execute($exec)
        .await
    };
}
pub(crate) use record_passkey_use;

/// Binds `record_passkey_use!`'s seven arguments to `$query`, next, in its order.
macro_rules! bind_passkey_use {
    ($query:expr, $user_id:expr, $used:expr, $now:expr) => {{
        let used: &$crate::store::CredentialUse = $used;
        $query
            .bind(&used.id)
            .bind(&used.passkey)
            .bind(used.sign_count)
            .bind(used.backup_eligible)
            .bind(used.backup_state)
            .bind($now)
            .bind($user_id)
    }};
}
pub(crate) use bind_passkey_use;

/// Whether `$user_id` still has the passkey `$credential_id`: checked inside a
/// transaction before a write that relies on a passkey read earlier.
macro_rules! credential_exists {
    ($exec:expr, $user_id:expr, $credential_id:expr) => {
        sqlx::query_scalar::<_, String>("SELECT id FROM credentials WHERE id = $1 AND user_id = $2")
            .bind($credential_id)
            .bind($user_id)
            .fetch_optional($exec)
            .await
            .map(|found| found.is_some())
    };
}
pub(crate) use credential_exists;

macro_rules! delete_session {
    ($exec:expr, $id_hash:expr) => {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind($id_hash)
            .execute($exec)
            .await
    };
}
pub(crate) use delete_session;

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
    /// Readers share a pool; every write goes through one connection, so writers
    /// wait in line (cheaply, sharing commits) rather than in SQLite's busy handler.
    Sqlite {
        read: SqlitePool,
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
    #[error("the write could not be committed: {0}")]
    Commit(std::sync::Arc<sqlx::Error>),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("could not create the database folder: {0}")]
    Folder(#[from] std::io::Error),
}

impl StoreError {
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
        // No `test_before_acquire`: sqlx already pings each connection as it goes
        // back to the pool (a broken one is dropped then); pinging again before every
        // query cost a round trip per query.
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
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .test_before_acquire(false)
                .connect_with(options.clone())
                .await?;
            let read = SqlitePoolOptions::new()
                .max_connections(8)
                .test_before_acquire(false)
                .connect_with(options.read_only(true))
                .await?;
            Pool::Sqlite {
                read,
                writer: std::sync::Arc::new(writer::Writer::new(write)),
            }
        } else {
            let options = PgConnectOptions::from_str(url)?;
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
                sqlx::migrate!("migrations/sqlite")
                    .run(writer.pool())
                    .await?
            }
            Pool::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
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
            Pool::Sqlite { read, writer } => {
                read.close().await;
                writer.pool().close().await;
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
        let statements: [(&str, UnixTime); 9] = [
            ("DELETE FROM ceremonies WHERE expires_at <= $1", now),
            // Kept a while after expiry, so the waiting device hears "expired".
            (
                "DELETE FROM device_links WHERE expires_at <= $1",
                now - 3600,
            ),
            ("DELETE FROM device_undo WHERE expires_at <= $1", now),
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
            (
                "DELETE FROM security_events WHERE created_at <= $1",
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

    /// Row counts per table, for tests.
    #[cfg(feature = "test-support")]
    pub async fn count_rows(&self, table: Table) -> StoreResult<i64> {
        let sql = table.count_sql();
        let count: i64 = with_pool!(self, |pool| sqlx::query_scalar(sql).fetch_one(pool).await?);
        Ok(count)
    }
}

/// A column as the database describes it: table, name, and whether it may be NULL.
#[cfg(feature = "test-support")]
pub type ColumnInfo = (String, String, bool);

#[cfg(feature = "test-support")]
impl Store {
    /// Every column of BMAuth's tables, sorted, as the database itself reports them
    /// (to check that the two backends' migrations end in the same schema).
    pub async fn columns(&self) -> StoreResult<Vec<ColumnInfo>> {
        Ok(match &self.pool {
            // SQLite lets a TEXT primary key hold NULL unless told otherwise; the
            // code never writes one, so it counts as NOT NULL here, as in PostgreSQL.
            Pool::Sqlite { read, .. } => {
                sqlx::query_as(
                    "SELECT m.name, p.name, NOT (p.\"notnull\" OR p.pk > 0) FROM sqlite_master m \
                     JOIN pragma_table_info(m.name) p WHERE m.type = 'table' \
                     AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' ORDER BY 1, 2",
                )
                .fetch_all(read)
                .await?
            }
            Pool::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text, is_nullable = 'YES' \
                     FROM information_schema.columns WHERE table_schema = current_schema() \
                     AND table_name NOT LIKE '_sqlx%' ORDER BY 1, 2",
                )
                .fetch_all(pool)
                .await?
            }
        })
    }

    /// The names of the indexes the migrations made (not the ones the databases make
    /// for primary keys and UNIQUE), sorted.
    pub async fn index_names(&self) -> StoreResult<Vec<String>> {
        Ok(match &self.pool {
            Pool::Sqlite { read, .. } => {
                sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                     ORDER BY 1",
                )
                .fetch_all(read)
                .await?
            }
            Pool::Postgres(pool) => {
                sqlx::query_scalar(
                    "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() \
                     AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key' \
                     AND tablename NOT LIKE '_sqlx%' ORDER BY 1",
                )
                .fetch_all(pool)
                .await?
            }
        })
    }
}

/// The tables, named for `Store::count_rows`.
#[cfg(feature = "test-support")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Users,
    Credentials,
    Ceremonies,
    EmailPins,
    Sessions,
    Outbox,
    DeviceLinks,
    DeviceUndo,
    SecurityEvents,
}

#[cfg(feature = "test-support")]
impl Table {
    fn count_sql(self) -> &'static str {
        match self {
            Self::Users => "SELECT COUNT(*) FROM users",
            Self::Credentials => "SELECT COUNT(*) FROM credentials",
            Self::Ceremonies => "SELECT COUNT(*) FROM ceremonies",
            Self::EmailPins => "SELECT COUNT(*) FROM email_pins",
            Self::Sessions => "SELECT COUNT(*) FROM sessions",
            Self::Outbox => "SELECT COUNT(*) FROM outbox",
            Self::DeviceLinks => "SELECT COUNT(*) FROM device_links",
            Self::DeviceUndo => "SELECT COUNT(*) FROM device_undo",
            Self::SecurityEvents => "SELECT COUNT(*) FROM security_events",
        }
    }
}
