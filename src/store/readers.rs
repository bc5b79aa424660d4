//! SQLite's reading connections, handed out without sqlx's pool.
//!
//! sqlx's pool pings every connection it takes back, in a task of its own: on
//! SQLite a second trip to the connection's thread after every read, to test a
//! connection that cannot have broken (it is a file, not a socket). Here taking a
//! connection is a permit and a pop, and giving it back a push, so a read costs
//! one trip to the connection's thread: its statement's. Connections open as they
//! are first needed, up to `max`.

use std::collections::VecDeque;
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use tokio::sync::{Semaphore, SemaphorePermit};

use super::StoreResult;

/// How long a read waits for a free connection before it fails, as sqlx's pool.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) struct Readers {
    options: SqliteConnectOptions,
    /// Taken from the back. A connection whose read finished goes back at the back;
    /// one whose read was dropped half-way, at the front: its thread may still be
    /// finishing the statement (a `VACUUM INTO` takes a while), so the others go
    /// first.
    idle: Mutex<VecDeque<SqliteConnection>>,
    /// One per connection; closed by `close`, after which every read fails.
    permits: Semaphore,
}

impl Readers {
    pub(crate) fn new(options: SqliteConnectOptions, max: usize) -> Self {
        Self {
            options,
            idle: Mutex::new(VecDeque::with_capacity(max)),
            permits: Semaphore::new(max),
        }
    }

    /// The idle list. Nothing panics while holding it, so a poisoned lock still
    /// holds a sound list.
    fn idle(&self) -> MutexGuard<'_, VecDeque<SqliteConnection>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A connection, once one is free. A read dropped half-way gives its connection
    /// back as it is: the connection's thread finishes or resets the statement
    /// before it takes the next one, and no read opens a transaction.
    pub(crate) async fn acquire(&self) -> StoreResult<Reader<'_>> {
        let permit = tokio::time::timeout(ACQUIRE_TIMEOUT, self.permits.acquire())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.idle().pop_back();
        let conn = match idle {
            Some(conn) => conn,
            None => self.options.connect().await?,
        };
        Ok(Reader {
            conn: Some(conn),
            finished: false,
            readers: self,
            _permit: permit,
        })
    }

    /// Closes the connections: every read fails from now on (tests of failure).
    #[cfg(feature = "test-support")]
    pub(crate) async fn close(&self) {
        let idle = {
            let mut idle = self.idle();
            self.permits.close();
            std::mem::take(&mut *idle)
        };
        for conn in idle {
            let _ = sqlx::Connection::close(conn).await;
        }
    }
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers")
            .field("free", &self.permits.available_permits())
            .finish()
    }
}

/// A reading connection, given back when dropped.
pub(crate) struct Reader<'a> {
    conn: Option<SqliteConnection>,
    /// Its read ran to the end (see `Readers::idle`).
    finished: bool,
    readers: &'a Readers,
    _permit: SemaphorePermit<'a>,
}

impl Reader<'_> {
    /// The read ran to the end: the connection is free at once.
    pub(crate) fn finished(mut self) {
        self.finished = true;
    }
}

impl Deref for Reader<'_> {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        self.conn
            .as_ref()
            .expect("a reader holds its connection until dropped")
    }
}

impl DerefMut for Reader<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.conn
            .as_mut()
            .expect("a reader holds its connection until dropped")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        let mut idle = self.readers.idle();
        // After `close`, the connection is dropped, which closes it. Checked under
        // the lock, so that `close` cannot empty the list between check and push.
        if self.readers.permits.is_closed() {
            return;
        }
        if self.finished {
            idle.push_back(conn);
        } else {
            idle.push_front(conn);
        }
    }
}
