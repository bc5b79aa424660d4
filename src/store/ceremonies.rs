//! WebAuthn ceremony state, shared by every instance through the database.

use super::{CeremonyRow, Store, StoreResult, with_writer};
use crate::core::CeremonyKind;

impl Store {
    pub async fn insert_ceremony(&self, c: &CeremonyRow) -> StoreResult<()> {
        with_writer!(self, |pool| {
            sqlx::query(
            "INSERT INTO ceremonies (id, kind, browser_hash, user_id, email, state, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&c.id).bind(c.kind).bind(&c.browser_hash).bind(&c.user_id).bind(&c.email).bind(&c.state)
        .bind(c.created_at).bind(c.expires_at)
        .execute(pool).await?.rows_affected()
        });
        Ok(())
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
