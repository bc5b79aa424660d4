//! How a query reaches a database: the same code compiled once per backend
//! (`with_pool!` for reads, `with_writer!` for single writes, `transaction!` for
//! several), `in_one_trip!` for the busiest writes, written once per database, and
//! `read_inline!` for the busiest reads, which SQLite runs on the calling thread.

/// Runs `$body` (a read) with `$pool` bound to an executor: on SQLite a reading
/// connection (see `readers`), on PostgreSQL the pool. The body is compiled once
/// per backend, so the same SQL and code serve both.
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite { read, .. } => {
                let mut reader = read.acquire().await?;
                let value = {
                    let $pool = &mut *reader;
                    $body
                };
                reader.finished();
                value
            }
            $crate::store::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// A read of the busiest kind, `$fetch` (`optional` or `all`) rows of `$row` that
/// `$sql` reads with the parameters that follow: on SQLite run on the calling
/// thread (see `inline_reads`), or, while another process locks the file, by a
/// reader of `with_pool!`; on PostgreSQL by sqlx. `$row` implements both sqlx's
/// `FromRow` and `FromInlineRow`, each parameter both drivers' encoding.
macro_rules! read_inline {
    ($store:expr, $fetch:ident::<$row:ty>($sql:expr, $($param:expr),+ $(,)?)) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite { inline, read, .. } => {
                // Bound apart, so that the parameters are gone before any `.await`.
                let rows = inline.$fetch::<$row>($sql, rusqlite::params![$($param),+]);
                match rows {
                    Err(e) if e.is_busy() => {
                        let mut reader = read.acquire().await?;
                        let value = $crate::store::read_inline!(
                            @sqlx $fetch, sqlx::query_as::<_, $row>($sql)$(.bind($param))+,
                            &mut *reader
                        );
                        reader.finished();
                        value
                    }
                    other => other?,
                }
            }
            $crate::store::Pool::Postgres(pool) => $crate::store::read_inline!(
                @sqlx $fetch, sqlx::query_as::<_, $row>($sql)$(.bind($param))+, pool
            ),
        }
    };
    (@sqlx optional, $query:expr, $exec:expr) => { $query.fetch_optional($exec).await? };
    (@sqlx all, $query:expr, $exec:expr) => { $query.fetch_all($exec).await? };
}
pub(crate) use read_inline;

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
