//! What the tests ask of the store about itself (the `test-support` feature): the
//! schema as each database reports it, and row counts.

use super::{Pool, Store, StoreResult, with_pool};

/// A column as the database describes it: table, name, and whether it may be NULL.
pub type ColumnInfo = (String, String, bool);

impl Store {
    /// Row counts per table, for tests.
    #[cfg(feature = "test-support")]
    pub async fn count_rows(&self, table: Table) -> StoreResult<i64> {
        let sql = table.count_sql();
        let count: i64 = with_pool!(self, |pool| sqlx::query_scalar(sql).fetch_one(pool).await?);
        Ok(count)
    }

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
                .fetch_all(&mut *read.acquire().await?)
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
                .fetch_all(&mut *read.acquire().await?)
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
