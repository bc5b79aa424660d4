//! Email PINs: one live PIN per account and purpose.

use super::{
    OutboxRow, PinRow, SessionRow, Store, StoreResult, insert_mail, insert_session, upsert_pin,
    with_pool,
};
use crate::clock::UnixTime;

const PIN_COLUMNS: &str = "user_id, purpose, code_hash, attempts_left, created_at, expires_at";

impl Store {
    /// Replaces the account's PIN for this purpose and queues the mail carrying it.
    pub async fn replace_pin(&self, pin: &PinRow, mail: &OutboxRow) -> StoreResult<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            upsert_pin!(&mut *tx, pin)?;
            insert_mail!(&mut *tx, mail)?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn pin_of(&self, user_id: &str, purpose: &str) -> StoreResult<Option<PinRow>> {
        let sql =
            format!("SELECT {PIN_COLUMNS} FROM email_pins WHERE user_id = $1 AND purpose = $2");
        Ok(
            with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(user_id).bind(purpose).fetch_optional(pool).await?),
        )
    }

    /// Uses up one attempt *before* the PIN is compared, in one statement, so that
    /// parallel guesses cannot get more tries than the PIN allows. Returns the PIN as
    /// it is after the attempt, or nothing if it is missing, expired or used up.
    pub async fn spend_pin_attempt(
        &self,
        user_id: &str,
        purpose: &str,
        now: UnixTime,
    ) -> StoreResult<Option<PinRow>> {
        let sql = format!(
            "UPDATE email_pins SET attempts_left = attempts_left - 1 \
             WHERE user_id = $1 AND purpose = $2 AND attempts_left > 0 AND expires_at > $3 \
             RETURNING {PIN_COLUMNS}"
        );
        Ok(
            with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(user_id).bind(purpose).bind(now).fetch_optional(pool).await?),
        )
    }

    /// The right email-verification PIN was entered: the PIN is used up, the email
    /// marked verified and a session opened, all or nothing. Returns false if the PIN
    /// was already used (a parallel request got there first).
    pub async fn confirm_email(
        &self,
        pin: &PinRow,
        session: &SessionRow,
        previous_session: Option<&str>,
    ) -> StoreResult<bool> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let used = sqlx::query("DELETE FROM email_pins WHERE user_id = $1 AND purpose = $2 AND code_hash = $3")
                .bind(&pin.user_id).bind(&pin.purpose).bind(&pin.code_hash)
                .execute(&mut *tx).await?.rows_affected();
            if used != 1 {
                return Ok(false);
            }
            sqlx::query("UPDATE users SET verified_at = COALESCE(verified_at, $2) WHERE id = $1")
                .bind(&pin.user_id).bind(session.created_at)
                .execute(&mut *tx).await?;
            if let Some(previous) = previous_session {
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(previous).execute(&mut *tx).await?;
            }
            insert_session!(&mut *tx, session)?;
            tx.commit().await?;
            Ok(true)
        })
    }
}
