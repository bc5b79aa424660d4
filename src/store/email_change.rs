//! A person changing their address: the new one waits for its code, and the old
//! one keeps a way back (and its claim on the address) for a while.

use super::{
    EventRow, OutboxRow, PinRow, Store, StoreResult, insert_event, insert_mail, transaction,
    upsert_pin, use_pin, with_pool,
};
use crate::clock::UnixTime;
use crate::model::UserId;

/// A change of address that can still be undone from the old address.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EmailUndoRow {
    pub id_hash: String,
    pub user_id: UserId,
    pub old_email: String,
    pub new_email: String,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

/// How confirming a new address ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailChangeOutcome {
    /// Changed from this address.
    Changed { old_email: String },
    /// The code was used already, or no change waits.
    Gone,
    /// Another account has the new address now (or an undo keeps it for its owner).
    Taken,
}

/// How undoing ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailUndoOutcome {
    Undone,
    /// Used, expired, or the address changed again since.
    Gone,
    /// Someone else has the old address now.
    Taken,
}

impl Store {
    /// Keeps `new_email` waiting for the code in `pin` (mailed by `mail` to it),
    /// replacing any change under way.
    pub async fn begin_email_change(
        &self,
        user_id: &UserId,
        new_email: &str,
        pin: &PinRow,
        mail: &OutboxRow,
    ) -> StoreResult<()> {
        transaction!(self, |tx| {
            sqlx::query("DELETE FROM email_changes WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO email_changes (user_id, new_email, created_at) VALUES ($1, $2, $3)",
            )
            .bind(user_id)
            .bind(new_email)
            .bind(pin.created_at)
            .execute(&mut *tx)
            .await?;
            upsert_pin!(&mut *tx, pin)?;
            insert_mail!(&mut *tx, mail)?;
            Ok(())
        })
    }

    /// The address waiting for its code, if any.
    pub async fn email_change_of(&self, user_id: &UserId) -> StoreResult<Option<String>> {
        Ok(with_pool!(self, |pool| sqlx::query_scalar(
            "SELECT new_email FROM email_changes WHERE user_id = $1"
        )
        .bind(user_id)
        .fetch_optional(pool)
        .await?))
    }

    /// Whether `email` is in use: a confirmed account's, or kept for an owner who
    /// moved away from it and may still undo that (`email_undo`). One statement.
    pub async fn email_in_use(&self, email: &str, now: UnixTime) -> StoreResult<bool> {
        let found: Option<String> = with_pool!(self, |pool| sqlx::query_scalar(
            "SELECT id FROM users WHERE email = $1 AND verified_at IS NOT NULL \
             UNION ALL SELECT id_hash FROM email_undo WHERE old_email = $1 AND expires_at > $2 \
             LIMIT 1"
        )
        .bind(email)
        .bind(now)
        .fetch_optional(pool)
        .await?);
        Ok(found.is_some())
    }

    /// The right code for the change waiting for `pin.user_id`: the address changes,
    /// the old one gets `notice` with its undo link (`undo`), and the account's
    /// activity `event`, all or nothing.
    pub async fn confirm_email_change(
        &self,
        pin: &PinRow,
        undo: &EmailUndoRow,
        event: &EventRow,
        notice_to_old: &OutboxRow,
    ) -> StoreResult<EmailChangeOutcome> {
        let changed = transaction!(self, |tx| {
            if !use_pin!(&mut *tx, pin)? {
                return Ok(EmailChangeOutcome::Gone);
            }
            let waiting: Option<String> = sqlx::query_scalar(
                "DELETE FROM email_changes WHERE user_id = $1 RETURNING new_email",
            )
            .bind(&pin.user_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(new_email) = waiting.filter(|e| *e == undo.new_email) else {
                return Ok(EmailChangeOutcome::Gone);
            };
            let kept: Option<String> = sqlx::query_scalar(
                "SELECT id_hash FROM email_undo WHERE old_email = $1 AND expires_at > $2 \
                 AND user_id <> $3 LIMIT 1",
            )
            .bind(&new_email)
            .bind(undo.created_at)
            .bind(&pin.user_id)
            .fetch_optional(&mut *tx)
            .await?;
            if kept.is_some() {
                return Ok(EmailChangeOutcome::Taken);
            }
            // Pending sign-ups of the address lose it; the unique index on confirmed
            // addresses refuses it if another account has it.
            sqlx::query("DELETE FROM users WHERE email = $1 AND verified_at IS NULL")
                .bind(&new_email)
                .execute(&mut *tx)
                .await?;
            // From the address the change began at: not if it changed since.
            let changed = sqlx::query(
                "UPDATE users SET email = $2 WHERE id = $1 AND email = $3 \
                 AND verified_at IS NOT NULL",
            )
            .bind(&pin.user_id)
            .bind(&new_email)
            .bind(&undo.old_email)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed != 1 {
                return Ok(EmailChangeOutcome::Gone);
            }
            // A recovery link mailed to the old address stops working: it let in
            // whoever reads that address, which is no longer the account's.
            sqlx::query(super::links::END_RECOVERY_LINKS_SQL)
                .bind(&pin.user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO email_undo (id_hash, user_id, old_email, new_email, created_at, \
                 expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&undo.id_hash)
            .bind(&undo.user_id)
            .bind(&undo.old_email)
            .bind(&undo.new_email)
            .bind(undo.created_at)
            .bind(undo.expires_at)
            .execute(&mut *tx)
            .await?;
            insert_event!(&mut *tx, event)?;
            insert_mail!(&mut *tx, notice_to_old)?;
            Ok(EmailChangeOutcome::Changed {
                old_email: undo.old_email.clone(),
            })
        });
        match changed {
            Err(e) if e.is_unique_violation() => Ok(EmailChangeOutcome::Taken),
            other => other,
        }
    }

    /// The undo link with this token hash, live or not (the caller judges).
    pub async fn email_undo(&self, id_hash: &str) -> StoreResult<Option<EmailUndoRow>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(
            "SELECT id_hash, user_id, old_email, new_email, created_at, expires_at \
             FROM email_undo WHERE id_hash = $1"
        )
        .bind(id_hash)
        .fetch_optional(pool)
        .await?))
    }

    /// Puts the old address back, once: the link is used up, and every session and
    /// app token of the account ends (whoever changed it may hold one).
    pub async fn undo_email_change(
        &self,
        undo: &EmailUndoRow,
        now: UnixTime,
        event: &EventRow,
    ) -> StoreResult<EmailUndoOutcome> {
        let undone = transaction!(self, |tx| {
            let used = sqlx::query("DELETE FROM email_undo WHERE id_hash = $1 AND expires_at > $2")
                .bind(&undo.id_hash)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if used != 1 {
                return Ok(EmailUndoOutcome::Gone);
            }
            let back = sqlx::query("UPDATE users SET email = $3 WHERE id = $1 AND email = $2")
                .bind(&undo.user_id)
                .bind(&undo.new_email)
                .bind(&undo.old_email)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if back != 1 {
                return Ok(EmailUndoOutcome::Gone);
            }
            for sql in [
                "DELETE FROM sessions WHERE user_id = $1",
                "DELETE FROM oidc_tokens WHERE user_id = $1",
                "DELETE FROM oidc_codes WHERE user_id = $1",
                "DELETE FROM email_changes WHERE user_id = $1",
                // One mailed to the address being undone: whoever changed it.
                super::links::END_RECOVERY_LINKS_SQL,
            ] {
                sqlx::query(sql)
                    .bind(&undo.user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            insert_event!(&mut *tx, event)?;
            Ok(EmailUndoOutcome::Undone)
        });
        match undone {
            Err(e) if e.is_unique_violation() => Ok(EmailUndoOutcome::Taken),
            other => other,
        }
    }
}
