//! Sessions, looked up by the hash of the cookie value.

use super::{SessionUserRow, Store, StoreResult, delete_session, with_pool, with_writer};
use crate::clock::UnixTime;

impl Store {
    /// The live session with this id hash and its user: not past its lifetime and
    /// used since `idle_cutoff`.
    pub async fn session_user(
        &self,
        id_hash: &str,
        now: UnixTime,
        idle_cutoff: UnixTime,
    ) -> StoreResult<Option<SessionUserRow>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(
            "SELECT s.id_hash, s.last_seen_at, u.id AS user_id, u.email, u.verified_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3",
        )
        .bind(id_hash)
        .bind(now)
        .bind(idle_cutoff)
        .fetch_optional(pool)
        .await?))
    }

    pub async fn touch_session(&self, id_hash: &str, now: UnixTime) -> StoreResult<()> {
        with_writer!(self, |pool| sqlx::query(
            "UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1"
        )
        .bind(id_hash)
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    pub async fn end_session(&self, id_hash: &str) -> StoreResult<()> {
        with_writer!(self, |pool| delete_session!(pool, id_hash)?.rows_affected());
        Ok(())
    }
}
