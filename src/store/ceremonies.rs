//! WebAuthn ceremony state, shared by every instance through the database.

use super::{CeremonyRow, Store, StoreResult, in_one_trip, read_inline, with_writer};
use crate::clock::UnixTime;
use crate::model::CeremonyKind;

/// Binds a `&CeremonyRow`'s columns to `$query`, next, in the order of
/// the ceremonies' insert column lists.
macro_rules! bind_ceremony {
    ($query:expr, $ceremony:expr) => {{
        let c: &CeremonyRow = $ceremony;
        $query
            .bind(&c.id)
            .bind(c.kind)
            .bind(&c.browser_hash)
            .bind(&c.user_id)
            .bind(&c.email)
            .bind(&c.state)
            .bind(c.created_at)
            .bind(c.expires_at)
    }};
}

/// The columns of `CeremonyRow`, and the condition that finds a ceremony by its
/// key, kind and browser, for `concat!` (SQL text stays a literal).
macro_rules! ceremony_columns {
    () => {
        "id, kind, browser_hash, user_id, email, state, created_at, expires_at"
    };
}
macro_rules! this_browsers_ceremony {
    () => {
        "id = $1 AND kind = $2 AND browser_hash = $3"
    };
}

const TAKE_CEREMONY_SQL: &str = concat!(
    "DELETE FROM ceremonies WHERE ",
    this_browsers_ceremony!(),
    " RETURNING ",
    ceremony_columns!()
);

const READ_CEREMONY_SQL: &str = concat!(
    "SELECT ",
    ceremony_columns!(),
    " FROM ceremonies WHERE ",
    this_browsers_ceremony!()
);

impl Store {
    pub async fn insert_ceremony(&self, c: &CeremonyRow) -> StoreResult<()> {
        with_writer!(self, |pool| bind_ceremony!(
            sqlx::query(
                "INSERT INTO ceremonies (id, kind, browser_hash, user_id, email, state, \
                 created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            ),
            c
        )
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Counts one hit in `bucket`'s window starting at `window_start` and, if the
    /// hits so far are at most `allowed`, stores the ceremony: one write, in one trip.
    /// Returns the hits so far.
    pub async fn insert_ceremony_counted(
        &self,
        c: &CeremonyRow,
        bucket: &str,
        window_start: UnixTime,
        allowed: i64,
    ) -> StoreResult<i64> {
        let hits = in_one_trip!(
            self,
            sqlite: "SAVEPOINT script; \
                INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
                ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1 \
                RETURNING hits; \
                INSERT INTO ceremonies (id, kind, browser_hash, user_id, email, state, \
                created_at, expires_at) SELECT $4, $5, $6, $7, $8, $9, $10, $11 \
                WHERE (SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start = $2) \
                <= $3; \
                RELEASE script",
            postgres: "WITH hit AS (INSERT INTO rate_limits (bucket, window_start, hits) \
                VALUES ($1, $2, 1) ON CONFLICT (bucket, window_start) \
                DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits), \
                saved AS (INSERT INTO ceremonies (id, kind, browser_hash, user_id, email, \
                state, created_at, expires_at) SELECT $4, $5, $6, $7, $8, $9, $10, $11 \
                FROM hit WHERE hit.hits <= $3) \
                SELECT hits FROM hit",
            |query| bind_ceremony!(query.bind(bucket).bind(window_start).bind(allowed), c)
        );
        hits.ok_or_else(|| sqlx::Error::RowNotFound.into())
    }

    /// Removes and returns the ceremony in one statement, so that of two requests
    /// racing to finish it exactly one gets it. Only the browser that began it can
    /// take it. Expiry is the caller's to judge, so that it can say "expired" rather
    /// than "unknown".
    pub async fn take_ceremony(
        &self,
        id: &str,
        kind: CeremonyKind,
        browser_hash: &str,
    ) -> StoreResult<Option<CeremonyRow>> {
        Ok(with_writer!(self, |pool| sqlx::query_as(TAKE_CEREMONY_SQL)
            .bind(id)
            .bind(kind)
            .bind(browser_hash)
            .fetch_optional(pool)
            .await?))
    }

    /// Reads the ceremony without taking it, for a step whose write takes it only if
    /// the answer was right (`record_sign_in`); a wrong answer must take it still.
    pub async fn read_ceremony(
        &self,
        id: &str,
        kind: CeremonyKind,
        browser_hash: &str,
    ) -> StoreResult<Option<CeremonyRow>> {
        Ok(read_inline!(
            self,
            optional::<CeremonyRow>(READ_CEREMONY_SQL, id, kind, browser_hash)
        ))
    }
}
