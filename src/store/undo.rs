//! "This wasn't me" links: one use, a day, each for one new device's passkey.

use super::{EventRow, Store, StoreResult, UndoRow, insert_event, transaction, with_pool};
use crate::clock::UnixTime;

const UNDO_BY_ID_SQL: &str = "SELECT id_hash, user_id, credential_id, user_agent, ip, \
     created_at, expires_at FROM device_undo WHERE id_hash = $1";

/// Stores `$undo` (a `&UndoRow`) with `$exec`.
macro_rules! insert_undo {
    ($exec:expr, $undo:expr) => {{
        let undo: &$crate::store::UndoRow = $undo;
        sqlx::query(
            "INSERT INTO device_undo (id_hash, user_id, credential_id, user_agent, ip, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&undo.id_hash)
        .bind(&undo.user_id)
        .bind(&undo.credential_id)
        .bind(&undo.user_agent)
        .bind(&undo.ip)
        .bind(undo.created_at)
        .bind(undo.expires_at)
        .execute($exec)
        .await
    }};
}
pub(crate) use insert_undo;

impl Store {
    /// The undo link with this token hash, if its passkey is still there (expired
    /// or not: the caller judges).
    pub async fn undo(&self, id_hash: &str) -> StoreResult<Option<UndoRow>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(UNDO_BY_ID_SQL)
            .bind(id_hash)
            .fetch_optional(pool)
            .await?))
    }

    /// Uses the undo link up and removes its passkey (the sessions it opened go
    /// with it), recording `event`, all or nothing. False if the link was used,
    /// expired or its passkey removed meanwhile: of two clicks racing, one wins.
    pub async fn use_undo(
        &self,
        undo: &UndoRow,
        now: UnixTime,
        event: &EventRow,
    ) -> StoreResult<bool> {
        transaction!(self, |tx| {
            let used =
                sqlx::query("DELETE FROM device_undo WHERE id_hash = $1 AND expires_at > $2")
                    .bind(&undo.id_hash)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if used != 1 {
                return Ok(false);
            }
            let removed = sqlx::query("DELETE FROM credentials WHERE id = $1 AND user_id = $2")
                .bind(&undo.credential_id)
                .bind(&undo.user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if removed != 1 {
                return Ok(false);
            }
            insert_event!(&mut *tx, event)?;
            Ok(true)
        })
    }
}
