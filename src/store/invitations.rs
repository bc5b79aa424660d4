//! Invitations: one address, one use, expiring. A sign-up names the invitation it
//! came with (`users.invitation_id`); confirming that sign-up spends it.

use super::{
    AdminLogRow, Store, StoreResult, insert_admin_log, transaction, with_pool, with_writer,
};
use crate::clock::UnixTime;
use crate::model::UserId;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: String,
    pub token_hash: String,
    pub email: String,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    /// The administrator's address; `None` when made on the command line.
    #[sqlx(default)]
    pub created_by_email: Option<String>,
    pub revoked_at: Option<UnixTime>,
    pub accepted_at: Option<UnixTime>,
}

/// `SELECT` of `InvitationRow`, then the condition and order given.
macro_rules! invitations_sql {
    ($rest:literal) => {
        concat!(
            "SELECT i.id, i.token_hash, i.email, i.created_at, i.expires_at, \
             a.email AS created_by_email, i.revoked_at, i.accepted_at \
             FROM invitations i LEFT JOIN users a ON a.id = i.created_by ",
            $rest
        )
    };
}

/// Spends the invitation a sign-up came with, in the confirming transaction (`$1`
/// the user): refused (no row) once spent or revoked, whatever happened since the
/// sign-up began.
pub(crate) const SPEND_INVITATION_SQL: &str = "UPDATE invitations SET accepted_at = $2, \
     accepted_by = $1 WHERE id = (SELECT invitation_id FROM users WHERE id = $1) \
     AND accepted_at IS NULL AND revoked_at IS NULL";

impl Store {
    /// Stores a new invitation and its line in the admin log.
    pub async fn insert_invitation(
        &self,
        row: &InvitationRow,
        created_by: Option<&UserId>,
        log: &AdminLogRow,
    ) -> StoreResult<()> {
        transaction!(self, |tx| {
            sqlx::query(
                "INSERT INTO invitations (id, token_hash, email, created_at, expires_at, \
                 created_by) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&row.id)
            .bind(&row.token_hash)
            .bind(&row.email)
            .bind(row.created_at)
            .bind(row.expires_at)
            .bind(created_by)
            .execute(&mut *tx)
            .await?;
            insert_admin_log!(&mut *tx, log)?;
            Ok(())
        })
    }

    /// The invitation with this token, if it can still admit its address at `now`.
    pub async fn live_invitation(
        &self,
        token_hash: &str,
        now: UnixTime,
    ) -> StoreResult<Option<InvitationRow>> {
        let sql = invitations_sql!(
            "WHERE i.token_hash = $1 AND i.expires_at > $2 \
             AND i.revoked_at IS NULL AND i.accepted_at IS NULL"
        );
        Ok(with_pool!(self, |pool| sqlx::query_as(sql)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?))
    }

    /// Whether the invitation can still be spent (not spent, not revoked; its
    /// expiry counted when the sign-up began).
    pub async fn invitation_unspent(&self, id: &str) -> StoreResult<bool> {
        let found: Option<String> = with_pool!(self, |pool| {
            sqlx::query_scalar(
            "SELECT id FROM invitations WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL"
        )
        .bind(id)
        .fetch_optional(pool)
        .await?
        });
        Ok(found.is_some())
    }

    /// Every invitation, newest first.
    pub async fn invitations(&self) -> StoreResult<Vec<InvitationRow>> {
        let sql = invitations_sql!("ORDER BY i.created_at DESC, i.id");
        Ok(with_pool!(self, |pool| sqlx::query_as(sql)
            .fetch_all(pool)
            .await?))
    }

    /// Revokes the unspent invitations with this id, or for this address: the
    /// addresses they were for (none if nothing was live).
    pub async fn revoke_invitations(
        &self,
        id_or_email: &str,
        now: UnixTime,
    ) -> StoreResult<Vec<String>> {
        Ok(with_writer!(self, |pool| sqlx::query_scalar(
            "UPDATE invitations SET revoked_at = $2 WHERE (id = $1 OR email = $1) \
             AND revoked_at IS NULL AND accepted_at IS NULL RETURNING email"
        )
        .bind(id_or_email)
        .bind(now)
        .fetch_all(pool)
        .await)?)
    }
}
