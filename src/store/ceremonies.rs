//! WebAuthn ceremony state, shared by every instance through the database.

use super::{CeremonyRow, Store, StoreResult, with_pool};

impl Store {
    pub async fn insert_ceremony(&self, c: &CeremonyRow) -> StoreResult<()> {
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO ceremonies (id, kind, user_id, email, state, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&c.id).bind(&c.kind).bind(&c.user_id).bind(&c.email).bind(&c.state)
        .bind(c.created_at).bind(c.expires_at)
        .execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Removes and returns the ceremony in one statement, so that of two requests
    /// racing to finish it exactly one gets it. Expiry is the caller's to judge, so
    /// that it can say "expired" rather than "unknown".
    pub async fn take_ceremony(&self, id: &str, kind: &str) -> StoreResult<Option<CeremonyRow>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "DELETE FROM ceremonies WHERE id = $1 AND kind = $2 \
             RETURNING id, kind, user_id, email, state, created_at, expires_at",
        )
        .bind(id).bind(kind)
        .fetch_optional(pool).await?))
    }
}
