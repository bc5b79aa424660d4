//! Email PINs: one live PIN per account and purpose, bound to the browser that
//! asked for it.

use super::{
    OutboxRow, PinRow, Store, StoreResult, insert_mail, transaction, upsert_pin, with_pool,
    with_writer,
};
use crate::clock::UnixTime;
use crate::model::{PinPurpose, UserId};

/// The columns of `PinRow`, for `concat!`.
macro_rules! pin_columns {
    () => {
        "user_id, purpose, browser_hash, code_hash, attempts_left, tries_left, created_at, expires_at"
    };
}

impl Store {
    /// Replaces the account's PIN for this purpose and queues the mail carrying it.
    /// The count of wrong tries left across resends carries over.
    pub async fn replace_pin(&self, pin: &PinRow, mail: &OutboxRow) -> StoreResult<()> {
        transaction!(self, |tx| {
            upsert_pin!(&mut *tx, pin)?;
            insert_mail!(&mut *tx, mail)?;
            Ok(())
        })
    }

    pub async fn pin_of(
        &self,
        user_id: &UserId,
        purpose: PinPurpose,
    ) -> StoreResult<Option<PinRow>> {
        let sql = concat!(
            "SELECT ",
            pin_columns!(),
            " FROM email_pins WHERE user_id = $1 AND purpose = $2"
        );
        Ok(with_pool!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .bind(purpose)
            .fetch_optional(pool)
            .await?))
    }

    /// Uses up one attempt *before* the PIN is compared, in one statement, so that
    /// parallel guesses cannot get more tries than the PIN allows. Returns the PIN as
    /// it is after the attempt, or nothing if it is missing, bound to another
    /// browser, expired or used up.
    pub async fn spend_pin_attempt(
        &self,
        user_id: &UserId,
        purpose: PinPurpose,
        browser_hash: &str,
        now: UnixTime,
    ) -> StoreResult<Option<PinRow>> {
        let sql = concat!(
            "UPDATE email_pins SET attempts_left = attempts_left - 1, tries_left = tries_left - 1 \
             WHERE user_id = $1 AND purpose = $2 AND browser_hash = $3 AND attempts_left > 0 \
             AND tries_left > 0 AND expires_at > $4 RETURNING ",
            pin_columns!()
        );
        Ok(with_writer!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .bind(purpose)
            .bind(browser_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?))
    }
}
