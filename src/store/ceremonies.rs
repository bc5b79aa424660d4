//! WebAuthn ceremony state, shared by every instance through the database.

use super::{CeremonyRow, Store, StoreResult, hit_rate_limit, transaction, with_writer};
use crate::clock::UnixTime;
use crate::core::CeremonyKind;

macro_rules! insert_ceremony {
    ($exec:expr, $ceremony:expr) => {{
        let c: &CeremonyRow = $ceremony;
        sqlx::query(
            "INSERT INTO ceremonies (id, kind, browser_hash, user_id, email, state, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&c.id)
        .bind(c.kind)
        .bind(&c.browser_hash)
        .bind(&c.user_id)
        .bind(&c.email)
        .bind(&c.state)
        .bind(c.created_at)
        .bind(c.expires_at)
        .execute($exec)
        .await
    }};
}

impl Store {
    pub async fn insert_ceremony(&self, c: &CeremonyRow) -> StoreResult<()> {
        with_writer!(self, |pool| insert_ceremony!(pool, c)?.rows_affected());
        Ok(())
    }

    /// Counts one hit in `bucket`'s window starting at `window_start` and, if the
    /// hits so far are at most `allowed`, stores the ceremony: one write. Returns the
    /// hits so far.
    pub async fn insert_ceremony_counted(
        &self,
        c: &CeremonyRow,
        bucket: &str,
        window_start: UnixTime,
        allowed: i64,
    ) -> StoreResult<i64> {
        transaction!(self, |tx| {
            let hits: i64 = hit_rate_limit!(&mut *tx, bucket, window_start)?;
            if hits <= allowed {
                insert_ceremony!(&mut *tx, c)?;
            }
            Ok(hits)
        })
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
        Ok(with_writer!(self, |pool| sqlx::query_as(
            "DELETE FROM ceremonies WHERE id = $1 AND kind = $2 AND browser_hash = $3 \
             RETURNING id, kind, browser_hash, user_id, email, state, created_at, expires_at",
        )
        .bind(id)
        .bind(kind)
        .bind(browser_hash)
        .fetch_optional(pool)
        .await?))
    }
}
