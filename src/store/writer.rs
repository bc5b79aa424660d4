//! SQLite's one writer, with group commit.
//!
//! SQLite lets one connection write at a time, and a durable commit waits for an
//! fsync of the log (about a millisecond here). Committing each request's write on
//! its own would cap the whole server at one fsync per write. So writers queue for
//! the one connection and share commits: each runs its statements inside the open
//! batch transaction (a transaction of its own runs in a savepoint, so its failure
//! undoes only its own work), and the batch is committed, with one fsync, once
//! nobody else is waiting to join it. No write returns before its batch is
//! committed: every write is as durable as if it had committed alone.
//!
//! The connection is owned here, not borrowed from a pool of one: a pool pings a
//! connection each time it goes back (one more trip to the connection's thread per
//! batch), and a SQLite file does not drop a connection the way a server can. The
//! batch is begun and committed by sqlx's transaction manager all the same, which
//! sees a `BEGIN` or `COMMIT` whose caller went away through, and nested
//! transactions (`transaction!`) are its savepoints, as in a pooled connection.
//!
//! Committing is done by a spawned task, so a request dropped half-way (its client
//! went away) can neither leave the batch open nor lose the others' writes.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::migrate::Migrator;
use sqlx::query::Query;
use sqlx::sqlite::{
    Sqlite, SqliteArguments, SqliteConnection, SqliteRow, SqliteTransactionManager,
};
use sqlx::{Connection, Executor, SqlSafeStr};
use sqlx_core::transaction::TransactionManager;
use tokio::sync::{Mutex, OwnedMutexGuard};
use tokio::task::JoinHandle;

use super::{StoreError, StoreResult};

/// How many committed batches' outcomes are remembered for writers that have not
/// come back for theirs yet; far more than can be waiting at once.
const OUTCOMES_KEPT: usize = 256;

pub(crate) struct Writer {
    batch: Arc<Mutex<Batch>>,
    /// Writers waiting for the connection: while any are, a batch stays open for them.
    waiting: Arc<AtomicUsize>,
}

struct Batch {
    /// The one connection, in a transaction while a batch is open; `None` once closed.
    conn: Option<SqliteConnection>,
    /// The open batch's number, or the next one's.
    number: u64,
    /// Recently committed batches: their number, and the error if the commit failed.
    outcomes: VecDeque<(u64, Option<Arc<sqlx::Error>>)>,
}

impl Writer {
    pub(crate) fn new(conn: SqliteConnection) -> Self {
        Self {
            batch: Arc::new(Mutex::new(Batch {
                conn: Some(conn),
                number: 0,
                outcomes: VecDeque::with_capacity(OUTCOMES_KEPT),
            })),
            waiting: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Applies `migrations`, which run transactions of their own: before any write.
    pub(crate) async fn migrate(&self, migrations: &Migrator) -> StoreResult<()> {
        let mut batch = self.batch.lock().await;
        let conn = batch.conn.as_mut().ok_or(sqlx::Error::PoolClosed)?;
        migrations.run(conn).await?;
        Ok(())
    }

    /// Closes the connection: every write fails from now on (tests of failure).
    #[cfg(feature = "test-support")]
    pub(crate) async fn close(&self) {
        if let Some(conn) = self.batch.lock().await.conn.take() {
            let _ = conn.close().await;
        }
    }

    /// Runs `sql`, a script (see `Lease::run_script`), with `arguments` in the open
    /// batch: all of it or none, committed before it returns. It runs in a task of
    /// its own: once sent, a script is seen through even if its caller is dropped, so
    /// a client hanging up mid-request can neither cut it in half nor (the undo of a
    /// script already released failing) make its batch, with everyone else's
    /// writes, roll back.
    pub(crate) async fn run_script(
        self: &Arc<Self>,
        sql: &'static str,
        arguments: SqliteArguments,
    ) -> StoreResult<Vec<SqliteRow>> {
        let writer = Arc::clone(self);
        tokio::spawn(async move {
            let mut lease = writer.lease().await?;
            let rows = lease.run_script(sqlx::query_with(sql, arguments)).await;
            lease.finish(rows).await
        })
        .await
        .map_err(|join| {
            StoreError::Commit(Arc::new(sqlx::Error::Protocol(format!(
                "the write task ended: {join}"
            ))))
        })?
    }

    /// Waits for the connection, inside an open batch. Finish with `Lease::finish`.
    pub(crate) async fn lease(&self) -> StoreResult<Lease> {
        let mut guard = lock(&self.batch, &self.waiting).await;
        let conn = guard.conn.as_mut().ok_or(sqlx::Error::PoolClosed)?;
        if !conn.is_in_transaction() {
            let begin = Some("BEGIN IMMEDIATE".into_sql_str());
            SqliteTransactionManager::begin(conn, begin).await?;
        }
        Ok(Lease {
            number: guard.number,
            guard: Some(guard),
            script_running: false,
            batch: Arc::clone(&self.batch),
            waiting: Arc::clone(&self.waiting),
        })
    }
}

impl fmt::Debug for Writer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

/// The connection, held inside the open batch.
pub(crate) struct Lease {
    guard: Option<OwnedMutexGuard<Batch>>,
    number: u64,
    /// A script (`run_script`) was sent and has not answered: if the lease is
    /// dropped now, its work must be undone before the batch commits.
    script_running: bool,
    batch: Arc<Mutex<Batch>>,
    waiting: Arc<AtomicUsize>,
}

impl Lease {
    pub(crate) fn conn(&mut self) -> StoreResult<&mut SqliteConnection> {
        match self.guard.as_mut().and_then(|batch| batch.conn.as_mut()) {
            Some(conn) => Ok(conn),
            None => Err(StoreError::Database(sqlx::Error::PoolClosed)),
        }
    }

    /// Runs a script, statements between `SAVEPOINT script` and `RELEASE script` that
    /// share one argument list (`$n` means the same value throughout), in one trip to
    /// the connection's thread: all of it or, on error, none. Its rows, in order.
    /// Callers go through `Writer::run_script`, which cannot be dropped half-way.
    /// If the undo itself fails, or a lease is still dropped while its script runs
    /// (the runtime shutting down), settling the lease undoes the script or, failing
    /// that, rolls the batch back.
    pub(crate) async fn run_script(
        &mut self,
        script: Query<'_, Sqlite, SqliteArguments>,
    ) -> StoreResult<Vec<SqliteRow>> {
        self.script_running = true;
        let result = script.fetch_all(self.conn()?).await;
        if result.is_err() {
            // It stopped at the failing statement, before its RELEASE.
            undo_script(self.conn()?).await?;
        }
        self.script_running = false;
        Ok(result?)
    }

    /// Hands the connection on and returns `result` once this lease's writes are
    /// committed (an error if its batch failed to commit). A failed `result` has
    /// nothing to commit (its savepoint was rolled back) and returns at once.
    pub(crate) async fn finish<T>(mut self, result: StoreResult<T>) -> StoreResult<T> {
        // A failed write returns at once; dropping the lease settles the batch.
        let value = result?;
        match self.settle_apart().await {
            Ok(Ok(())) => Ok(value),
            Ok(Err(error)) => Err(StoreError::Commit(error)),
            Err(join) => Err(StoreError::Commit(Arc::new(sqlx::Error::Protocol(
                format!("the commit task ended: {join}"),
            )))),
        }
    }

    /// Settles this lease's batch in a task of its own, which runs to the end even
    /// if the caller is dropped meanwhile.
    fn settle_apart(&mut self) -> JoinHandle<Result<(), Arc<sqlx::Error>>> {
        tokio::spawn(settle(
            self.guard.take(),
            std::mem::take(&mut self.script_running),
            self.number,
            self.batch.clone(),
            self.waiting.clone(),
        ))
    }
}

impl Drop for Lease {
    /// Dropped unfinished (its request was dropped): someone must still commit what
    /// the batch holds.
    fn drop(&mut self) {
        if self.guard.is_some() {
            self.settle_apart();
        }
    }
}

/// Undoes a script that did not reach its `RELEASE`.
async fn undo_script(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    conn.execute("ROLLBACK TO script; RELEASE script").await?;
    Ok(())
}

/// Sees batch `number` committed. Holding the connection (`guard`), it commits at once
/// if nobody is waiting to join; otherwise it lets them in first, comes back, and
/// commits the batch if none of them has. First, if the lease was dropped while its
/// script ran, it undoes the script; if even that fails, the batch is rolled back
/// whole rather than committed with half a script in it.
async fn settle(
    mut guard: Option<OwnedMutexGuard<Batch>>,
    script_running: bool,
    number: u64,
    batch: Arc<Mutex<Batch>>,
    waiting: Arc<AtomicUsize>,
) -> Result<(), Arc<sqlx::Error>> {
    if script_running
        && let Some(held) = guard.as_mut()
        && let Some(conn) = held.conn.as_mut()
        && let Err(error) = undo_script(conn).await
    {
        tracing::error!(%error, "could not undo an interrupted write; rolling back its batch");
        let error = Arc::new(error);
        let _ = SqliteTransactionManager::rollback(conn).await;
        record_outcome(held, Some(error.clone()));
        return Err(error);
    }
    let guard = match guard {
        Some(guard) if waiting.load(Ordering::Acquire) == 0 => guard,
        held => {
            drop(held);
            lock(&batch, &waiting).await
        }
    };
    commit(guard, number).await
}

/// Commits batch `number` if it is still open; else reads how its commit went.
async fn commit(mut guard: OwnedMutexGuard<Batch>, number: u64) -> Result<(), Arc<sqlx::Error>> {
    if guard.number == number {
        let outcome = match guard.conn.as_mut() {
            Some(conn) if conn.is_in_transaction() => {
                match SqliteTransactionManager::commit(conn).await {
                    Ok(()) => None,
                    Err(error) => {
                        // A COMMIT that failed (SQLITE_BUSY) leaves the transaction
                        // open: end it, so that the next batch begins afresh.
                        let _ = SqliteTransactionManager::rollback(conn).await;
                        Some(Arc::new(error))
                    }
                }
            }
            _ => None,
        };
        record_outcome(&mut guard, outcome);
    }
    match guard.outcomes.iter().find(|(n, _)| *n == number) {
        Some((_, None)) => Ok(()),
        Some((_, Some(error))) => Err(error.clone()),
        None => Err(Arc::new(sqlx::Error::Protocol(
            "the outcome of a commit was forgotten".into(),
        ))),
    }
}

/// Closes the open batch's number with how it ended.
fn record_outcome(batch: &mut Batch, outcome: Option<Arc<sqlx::Error>>) {
    if batch.outcomes.len() == OUTCOMES_KEPT {
        batch.outcomes.pop_front();
    }
    let number = batch.number;
    batch.outcomes.push_back((number, outcome));
    batch.number += 1;
}

/// Takes the connection, counted among the waiting while it waits.
async fn lock(batch: &Arc<Mutex<Batch>>, waiting: &Arc<AtomicUsize>) -> OwnedMutexGuard<Batch> {
    struct Waiting<'a>(&'a AtomicUsize);
    impl Drop for Waiting<'_> {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::AcqRel);
        }
    }
    waiting.fetch_add(1, Ordering::AcqRel);
    let _waiting = Waiting(waiting);
    Arc::clone(batch).lock_owned().await
}

#[cfg(test)]
pub(super) mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::Writer;
    use crate::store::{Store, StoreResult, transaction, with_pool, with_writer};

    /// A store with one table, `scratch (n INTEGER PRIMARY KEY)`.
    pub(in crate::store) async fn scratch_store(folder: &tempfile::TempDir) -> StoreResult<Store> {
        let url = format!("sqlite://{}/writer.db", folder.path().display());
        let store = Store::connect(&url).await?;
        with_writer!(store, |conn| sqlx::query(
            "CREATE TABLE scratch (n INTEGER PRIMARY KEY)"
        )
        .execute(conn)
        .await?
        .rows_affected());
        Ok(store)
    }

    async fn stored(store: &Store) -> Vec<i64> {
        let read = async {
            StoreResult::Ok(with_pool!(store, |pool| sqlx::query_scalar(
                "SELECT n FROM scratch ORDER BY n"
            )
            .fetch_all(pool)
            .await?))
        };
        read.await.unwrap()
    }

    /// Inserts `n` in a transaction that, if `fail`, fails after writing.
    pub(in crate::store) async fn insert(store: &Store, n: i64, fail: bool) -> StoreResult<()> {
        transaction!(store, |tx| {
            sqlx::query("INSERT INTO scratch (n) VALUES ($1)")
                .bind(n)
                .execute(&mut *tx)
                .await?;
            if fail {
                // The same key again: this transaction fails after writing.
                sqlx::query("INSERT INTO scratch (n) VALUES ($1)")
                    .bind(n)
                    .execute(&mut *tx)
                    .await?;
            }
            Ok(())
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writers_sharing_a_commit_keep_their_own_outcomes() {
        let folder = tempfile::tempdir().unwrap();
        let store = scratch_store(&folder).await.unwrap();
        let writers = (0..64).map(|n| {
            let store = store.clone();
            tokio::spawn(async move { (n, insert(&store, n, n % 4 == 0).await) })
        });
        let mut succeeded = Vec::new();
        for writer in writers {
            let (n, result) = writer.await.unwrap();
            match result {
                Ok(()) => succeeded.push(n),
                Err(e) => assert!(n % 4 == 0 && e.is_unique_violation(), "{n}: {e}"),
            }
        }
        let expected: Vec<i64> = (0..64).filter(|n| n % 4 != 0).collect();
        assert_eq!(succeeded, expected);
        // Every write that returned is committed, and none of the failed ones is.
        assert_eq!(stored(&store).await, expected);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_writer_dropped_half_way_neither_blocks_nor_loses_the_others() {
        let folder = tempfile::tempdir().unwrap();
        let store = scratch_store(&folder).await.unwrap();
        let slow = {
            let store = store.clone();
            tokio::spawn(async move {
                transaction!(store, |tx| {
                    sqlx::query("INSERT INTO scratch (n) VALUES (1)")
                        .execute(&mut *tx)
                        .await?;
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    Ok(())
                })
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let waiting = {
            let store = store.clone();
            tokio::spawn(async move { insert(&store, 2, false).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        // The request holding the writer goes away (its client hung up).
        slow.abort();
        assert!(slow.await.unwrap_err().is_cancelled());
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the next writer gets the connection")
            .unwrap()
            .unwrap();
        insert(&store, 3, false).await.unwrap();
        assert_eq!(stored(&store).await, vec![2, 3]);
    }

    /// Writes `$1`, counts for a second or so, then writes `$1 + 1`.
    const SLOW_SCRIPT: &str = "SAVEPOINT script; INSERT INTO scratch (n) VALUES ($1); \
        WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < 10000000) \
        SELECT count(*) FROM k; INSERT INTO scratch (n) VALUES ($1 + 1); RELEASE script";

    fn writer(store: &Store) -> &Arc<Writer> {
        let crate::store::Pool::Sqlite { writer, .. } = &store.pool else {
            unreachable!("a SQLite store")
        };
        writer
    }

    /// Runs the script `sql` with `$1` = `n`, as the store runs its scripts.
    async fn run_script(store: &Store, sql: &'static str, n: i64) -> StoreResult<()> {
        let mut arguments = sqlx::sqlite::SqliteArguments::default();
        sqlx::Arguments::add(&mut arguments, n).unwrap();
        writer(store).run_script(sql, arguments).await.map(drop)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_script_leaves_nothing_and_the_batch_commits() {
        let folder = tempfile::tempdir().unwrap();
        let store = scratch_store(&folder).await.unwrap();
        insert(&store, 10, false).await.unwrap();
        // Writes n + 1, then n: for 10 it fails half-way, and 11 must not stay.
        let script = "SAVEPOINT script; INSERT INTO scratch (n) VALUES ($1 + 1); \
                      INSERT INTO scratch (n) VALUES ($1); RELEASE script";
        let error = run_script(&store, script, 10).await.unwrap_err();
        assert!(error.is_unique_violation(), "{error}");
        run_script(&store, script, 20).await.unwrap();
        assert_eq!(stored(&store).await, vec![10, 20, 21]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_dropped_while_its_script_runs_neither_cuts_it_nor_fails_the_others() {
        let folder = tempfile::tempdir().unwrap();
        let store = scratch_store(&folder).await.unwrap();
        let dropped = {
            let store = store.clone();
            tokio::spawn(async move { run_script(&store, SLOW_SCRIPT, 1).await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        let waiting = {
            let store = store.clone();
            tokio::spawn(async move { insert(&store, 5, false).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        // The client hangs up while the slow count runs, with another writer waiting.
        dropped.abort();
        assert!(dropped.await.unwrap_err().is_cancelled());
        waiting.await.unwrap().unwrap();
        insert(&store, 7, false).await.unwrap();
        assert_eq!(stored(&store).await, vec![1, 2, 5, 7]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_script_dropped_half_way_is_undone() {
        let folder = tempfile::tempdir().unwrap();
        let store = scratch_store(&folder).await.unwrap();
        let dropped = {
            let store = store.clone();
            // On a lease held here, which `Writer::run_script` never exposes.
            tokio::spawn(async move {
                let mut lease = writer(&store).lease().await?;
                let rows = lease.run_script(sqlx::query(SLOW_SCRIPT).bind(1)).await;
                lease.finish(rows).await.map(drop)
            })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Its lease is dropped while the slow count runs (only a runtime shutting
        // down can do that to `Writer::run_script`): 1 is written, 2 is not yet.
        dropped.abort();
        assert!(dropped.await.unwrap_err().is_cancelled());
        insert(&store, 5, false).await.unwrap();
        assert_eq!(stored(&store).await, vec![5]);
    }
}
