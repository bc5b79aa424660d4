//! The account's security events: what its owner sees as recent activity.

use super::{EventRow, Store, StoreResult, with_pool};
use crate::model::UserId;

const EVENTS_OF_SQL: &str = "SELECT id, user_id, kind, passkey_name, user_agent, ip, created_at \
             FROM security_events WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2";

impl Store {
    /// The account's latest events, newest first.
    pub async fn events_of(&self, user_id: &UserId, limit: i64) -> StoreResult<Vec<EventRow>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(EVENTS_OF_SQL)
            .bind(user_id)
            .bind(limit)
            .fetch_all(pool)
            .await?))
    }
}
