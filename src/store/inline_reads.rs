//! SQLite's busiest reads, run on the calling thread (rusqlite).
//!
//! sqlx-sqlite runs each statement on its connection's own thread: a hand-off
//! there and back, two thread wake-ups, which cost more CPU than reading a few
//! indexed rows does. The reads that every sign-in, every signed-in request and
//! every forward-auth check make run here instead, where they are called (see
//! `read_inline!`): a read takes microseconds and does not wait for the writer,
//! as SQLite's readers never do in WAL mode. Only another process can make it
//! wait (holding the file exclusively, recovering its log after a crash): then
//! the read gives up after a moment (`BUSY_TIMEOUT`) and is done by sqlx's
//! readers, which wait off the runtime's threads. The same SQL serves PostgreSQL through sqlx (`$n`
//! parameters are numbered alike in both).
//!
//! A read never awaits, so no more connections are open at once than threads
//! read at once (the runtime's workers): they are opened when first needed and
//! kept, read-only, for the next read.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Params, Row};

use super::accounts::OwnedCredentialRow;
use super::forward::ForwardIdentityRow;
use super::{CeremonyRow, CredentialRow, SessionUserRow, StoreError, StoreResult};
use crate::model::{CredentialId, UserId};

/// How long a read waits for another process's lock before sqlx's readers take
/// it over: long enough for a passing lock, short enough not to stall the runtime.
const BUSY_TIMEOUT: Duration = Duration::from_millis(20);

pub(crate) struct InlineReaders {
    path: PathBuf,
    /// More idle connections than this are closed: at least the runtime's
    /// workers (one per core), which are the threads that read.
    idle_kept: usize,
    idle: Mutex<Vec<Connection>>,
    /// Set by `close`: every read fails from then on.
    closed: AtomicBool,
}

impl InlineReaders {
    /// Readers of the database at `path`, which must exist: the path is resolved
    /// now, so a later change of working folder cannot point them elsewhere.
    pub(crate) fn new(path: &Path) -> Self {
        let idle_kept = std::thread::available_parallelism().map_or(8, |n| n.get().max(8));
        Self {
            path: std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
            idle_kept,
            idle: Mutex::new(Vec::with_capacity(idle_kept)),
            closed: AtomicBool::new(false),
        }
    }

    /// The idle connections. Nothing panics while holding the lock, so a poisoned
    /// one still holds a sound list.
    fn idle(&self) -> MutexGuard<'_, Vec<Connection>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn connect(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(conn)
    }

    /// Runs `read` on a free connection, then keeps the connection for the next.
    fn with<T>(&self, read: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> StoreResult<T> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StoreError::Database(sqlx::Error::PoolClosed));
        }
        let idle = self.idle().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.connect()?,
        };
        let result = read(&conn);
        let mut idle = self.idle();
        if idle.len() < self.idle_kept && !self.closed.load(Ordering::Acquire) {
            idle.push(conn);
        }
        Ok(result?)
    }

    /// The first row `sql` reads, if any.
    pub(crate) fn optional<T: FromInlineRow>(
        &self,
        sql: &str,
        params: impl Params,
    ) -> StoreResult<Option<T>> {
        self.with(|conn| {
            conn.prepare_cached(sql)?
                .query_row(params, T::from_row)
                .optional()
        })
    }

    /// Every row `sql` reads.
    pub(crate) fn all<T: FromInlineRow>(
        &self,
        sql: &str,
        params: impl Params,
    ) -> StoreResult<Vec<T>> {
        self.with(|conn| {
            conn.prepare_cached(sql)?
                .query_map(params, T::from_row)?
                .collect()
        })
    }

    /// Closes the connections: every read fails from now on (tests of failure).
    #[cfg(feature = "test-support")]
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.idle().clear();
    }
}

impl std::fmt::Debug for InlineReaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InlineReaders")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// A row type these reads decode, by column name, as sqlx's `FromRow` does.
pub(crate) trait FromInlineRow: Sized {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self>;
}

impl FromInlineRow for CredentialRow {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            passkey: row.get("passkey")?,
            name: row.get("name")?,
            aaguid: row.get("aaguid")?,
            transports: row.get("transports")?,
            backup_eligible: row.get("backup_eligible")?,
            backup_state: row.get("backup_state")?,
            sign_count: row.get("sign_count")?,
            counter_regressed_at: row.get("counter_regressed_at")?,
            created_at: row.get("created_at")?,
            last_used_at: row.get("last_used_at")?,
            held_until: row.get("held_until")?,
        })
    }
}

impl FromInlineRow for CeremonyRow {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            kind: row.get("kind")?,
            browser_hash: row.get("browser_hash")?,
            user_id: row.get("user_id")?,
            email: row.get("email")?,
            state: row.get("state")?,
            created_at: row.get("created_at")?,
            expires_at: row.get("expires_at")?,
        })
    }
}

impl FromInlineRow for SessionUserRow {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id_hash: row.get("id_hash")?,
            session_created_at: row.get("session_created_at")?,
            last_seen_at: row.get("last_seen_at")?,
            credential_id: row.get("credential_id")?,
            session_verified_at: row.get("session_verified_at")?,
            passkey_held_until: row.get("passkey_held_until")?,
            passkey_synced: row.get("passkey_synced")?,
            user_id: row.get("user_id")?,
            email: row.get("email")?,
            verified_at: row.get("verified_at")?,
            is_admin: row.get("is_admin")?,
        })
    }
}

impl FromInlineRow for OwnedCredentialRow {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            credential: CredentialRow::from_row(row)?,
            owner_email: row.get("owner_email")?,
            owner_created_at: row.get("owner_created_at")?,
            owner_verified_at: row.get("owner_verified_at")?,
            owner_disabled_at: row.get("owner_disabled_at")?,
            owner_is_admin: row.get("owner_is_admin")?,
        })
    }
}

impl FromInlineRow for ForwardIdentityRow {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            session_id: row.get("session_id")?,
            last_seen_at: row.get("last_seen_at")?,
            user_id: row.get("user_id")?,
            email: row.get("email")?,
        })
    }
}

impl ToSql for UserId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for UserId {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value.as_str().map(UserId::from_text)
    }
}

impl FromSql for CredentialId {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value.as_str().map(CredentialId::from_stored)
    }
}

/// Reads a text enum (`text_enum!`) from its stored name.
pub(crate) fn text_enum_from_sql<T>(
    value: ValueRef<'_>,
    from_name: impl FnOnce(&str) -> Option<T>,
) -> FromSqlResult<T> {
    let name = value.as_str()?;
    from_name(name).ok_or_else(|| FromSqlError::Other(format!("unknown value `{name}`").into()))
}

#[cfg(test)]
mod tests {
    use rusqlite::Row;

    use super::FromInlineRow;
    use crate::store::writer::tests::{insert, scratch_store};
    use crate::store::{Store, StoreResult, read_inline};

    impl FromInlineRow for (i64,) {
        fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
            Ok((row.get(0)?,))
        }
    }

    async fn numbers_from(store: &Store, from: i64) -> StoreResult<Vec<i64>> {
        let rows = read_inline!(
            store,
            all::<(i64,)>("SELECT n FROM scratch WHERE n >= $1 ORDER BY n", from)
        );
        Ok(rows.into_iter().map(|(n,)| n).collect())
    }

    /// What a write committed, a read on any thread sees as soon as the write
    /// returns (a sign-in reads the ceremony its begin stored a moment before).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_sees_every_write_that_returned_from_any_thread() {
        let folder = tempfile::tempdir().unwrap();
        let store = scratch_store(&folder).await.unwrap();
        let writers = (0..4).map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                for n in (0..25).map(|i| w * 100 + i) {
                    insert(&store, n, false).await.unwrap();
                    assert_eq!(numbers_from(&store, n).await.unwrap()[0], n);
                }
            })
        });
        for writer in writers {
            writer.await.unwrap();
        }
        assert_eq!(numbers_from(&store, 0).await.unwrap().len(), 100);
        assert_eq!(numbers_from(&store, 1000).await.unwrap(), Vec::<i64>::new());
    }

    #[cfg(feature = "test-support")]
    #[tokio::test]
    async fn reads_fail_once_the_store_is_closed() {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/closed.db", folder.path().display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        assert!(store.session_user("a", 0, 0).await.unwrap().is_none());
        store.close().await;
        assert!(store.session_user("a", 0, 0).await.is_err());
    }
}
