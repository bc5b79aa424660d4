//! Queued mail. Any instance may send it; a claim (a lease on `next_attempt_at`)
//! keeps two instances from sending the same message at once.

use super::{OutboxRow, Store, StoreResult, with_pool, with_writer};
use crate::clock::UnixTime;

/// The columns of `OutboxRow`, for `concat!`.
macro_rules! outbox_columns {
    () => {
        "id, recipient, subject, sealed_body, attempts, created_at, next_attempt_at, expires_at"
    };
}

const DUE_MAIL_SQL: &str = "SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 AND expires_at > $1 \
             ORDER BY next_attempt_at LIMIT $2";

const QUEUE_DEPTH_SQL: &str = "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL";

const MARK_SENT_SQL: &str =
    "UPDATE outbox SET sent_at = $2, sealed_body = $3, last_error = NULL WHERE id = $1";

const MARK_FAILED_SQL: &str =
    "UPDATE outbox SET last_error = $2, next_attempt_at = $3 WHERE id = $1";

impl Store {
    pub async fn due_mail(&self, now: UnixTime, limit: i64) -> StoreResult<Vec<String>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar(DUE_MAIL_SQL)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Messages not sent yet (waiting, retrying or being sent), for the metrics.
    pub async fn mail_queue_depth(&self) -> StoreResult<i64> {
        Ok(with_pool!(self, |pool| sqlx::query_scalar(QUEUE_DEPTH_SQL)
            .fetch_one(pool)
            .await?))
    }

    /// Takes a lease on a message that is due, until `lease_until`.
    pub async fn claim_mail(
        &self,
        id: &str,
        now: UnixTime,
        lease_until: UnixTime,
    ) -> StoreResult<Option<OutboxRow>> {
        let sql = concat!(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $3 \
             WHERE id = $1 AND sent_at IS NULL AND next_attempt_at <= $2 AND expires_at > $2 \
             RETURNING ",
            outbox_columns!()
        );
        Ok(with_writer!(self, |pool| sqlx::query_as(sql)
            .bind(id)
            .bind(now)
            .bind(lease_until)
            .fetch_optional(pool)
            .await?))
    }

    /// Sent: the body (which carries a PIN) is wiped.
    pub async fn mark_mail_sent(&self, id: &str, now: UnixTime) -> StoreResult<()> {
        with_writer!(self, |pool| sqlx::query(MARK_SENT_SQL)
            .bind(id)
            .bind(now)
            .bind(Vec::<u8>::new())
            .execute(pool)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn mark_mail_failed(
        &self,
        id: &str,
        error: &str,
        retry_at: UnixTime,
    ) -> StoreResult<()> {
        with_writer!(self, |pool| sqlx::query(MARK_FAILED_SQL)
            .bind(id)
            .bind(error)
            .bind(retry_at)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(())
    }
}
