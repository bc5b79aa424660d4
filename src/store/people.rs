//! Accounts as administrators see them: listed with a summary, disabled and
//! enabled, deleted, made administrators; and the admin log.

use super::{
    EventRow, OutboxRow, Store, StoreResult, UserRow, insert_event, insert_mail, transaction,
    with_pool, with_writer,
};
use crate::clock::UnixTime;
use crate::model::UserId;

/// One line of the admin log: who did what to whom.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AdminLogRow {
    pub id: String,
    pub at: UnixTime,
    /// The administrator's address; `None`: the command line.
    pub actor: Option<String>,
    pub action: String,
    /// The address acted on.
    pub subject: String,
}

/// Stores `$log` (a `&AdminLogRow`) with `$exec`.
macro_rules! insert_admin_log {
    ($exec:expr, $log:expr) => {{
        let log: &$crate::store::AdminLogRow = $log;
        sqlx::query(
            "INSERT INTO admin_log (id, at, actor, action, subject) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&log.id)
        .bind(log.at)
        .bind(&log.actor)
        .bind(&log.action)
        .bind(&log.subject)
        .execute($exec)
        .await
    }};
}
pub(crate) use insert_admin_log;

/// An account with what an administrator scans a list for.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PersonRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub passkeys: i64,
    /// The latest use of any of its passkeys.
    pub last_sign_in: Option<UnixTime>,
}

const PEOPLE_SQL: &str = "SELECT u.id, u.email, u.created_at, u.verified_at, u.invitation_id, \
     u.is_admin, u.disabled_at, COUNT(c.id) AS passkeys, MAX(c.last_used_at) AS last_sign_in \
     FROM users u LEFT JOIN credentials c ON c.user_id = u.id \
     WHERE u.verified_at IS NOT NULL AND u.email LIKE $1 \
     GROUP BY u.id, u.email, u.created_at, u.verified_at, u.invitation_id, u.is_admin, \
     u.disabled_at ORDER BY u.email";

impl Store {
    /// Confirmed accounts whose address contains `search` (lower-case), by address.
    pub async fn people(&self, search: &str) -> StoreResult<Vec<PersonRow>> {
        let pattern = format!("%{}%", search.replace(['\\', '%', '_'], ""));
        Ok(with_pool!(self, |pool| sqlx::query_as(PEOPLE_SQL)
            .bind(&pattern)
            .fetch_all(pool)
            .await?))
    }

    /// Disables the account, ending its sessions and every token its apps hold,
    /// all at once: false if it has no confirmed account by this id.
    pub async fn disable_user(
        &self,
        user_id: &UserId,
        now: UnixTime,
        log: &AdminLogRow,
        event: &EventRow,
    ) -> StoreResult<bool> {
        transaction!(self, |tx| {
            // The same row lock token minting takes (`LOCK_ACCOUNT_SQL`): a refresh
            // racing this either ends before (and its tokens go below) or sees it.
            let disabled = sqlx::query(
                "UPDATE users SET disabled_at = COALESCE(disabled_at, $2) \
                 WHERE id = $1 AND verified_at IS NOT NULL",
            )
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if disabled != 1 {
                return Ok(false);
            }
            for sql in [
                "DELETE FROM sessions WHERE user_id = $1",
                "DELETE FROM oidc_tokens WHERE user_id = $1",
                "DELETE FROM oidc_codes WHERE user_id = $1",
            ] {
                sqlx::query(sql).bind(user_id).execute(&mut *tx).await?;
            }
            insert_admin_log!(&mut *tx, log)?;
            insert_event!(&mut *tx, event)?;
            Ok(true)
        })
    }

    /// Lets a disabled account sign in again: false if no such account.
    pub async fn enable_user(
        &self,
        user_id: &UserId,
        log: &AdminLogRow,
        event: &EventRow,
    ) -> StoreResult<bool> {
        transaction!(self, |tx| {
            let enabled = sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if enabled == 1 {
                insert_admin_log!(&mut *tx, log)?;
                insert_event!(&mut *tx, event)?;
            }
            Ok(enabled == 1)
        })
    }

    /// Ends every session of the account and the app tokens that live by them
    /// (offline ones too: an administrator signing someone out means everywhere).
    pub async fn end_sessions_of(
        &self,
        user_id: &UserId,
        log: &AdminLogRow,
        event: &EventRow,
    ) -> StoreResult<u64> {
        transaction!(self, |tx| {
            sqlx::query(super::oidc_tokens::LOCK_ACCOUNT_SQL)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM oidc_tokens WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            insert_admin_log!(&mut *tx, log)?;
            insert_event!(&mut *tx, event)?;
            Ok(ended)
        })
    }

    /// Deletes the account and everything of it (passkeys, sessions, tokens, PINs,
    /// mail still queued for it, events), then queues `farewell`, if any: false if
    /// no such account.
    pub async fn delete_user(
        &self,
        user: &UserRow,
        log: Option<&AdminLogRow>,
        farewell: Option<&OutboxRow>,
    ) -> StoreResult<bool> {
        transaction!(self, |tx| {
            // Queued mail names its recipient, not the account: it goes by address.
            sqlx::query("DELETE FROM outbox WHERE recipient = $1")
                .bind(&user.email)
                .execute(&mut *tx)
                .await?;
            let deleted = sqlx::query("DELETE FROM users WHERE id = $1")
                .bind(&user.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if deleted != 1 {
                return Ok(false);
            }
            if let Some(log) = log {
                insert_admin_log!(&mut *tx, log)?;
            }
            if let Some(mail) = farewell {
                insert_mail!(&mut *tx, mail)?;
            }
            Ok(true)
        })
    }

    /// Makes the account an administrator, or not: false if no such account.
    pub async fn set_admin(
        &self,
        user_id: &UserId,
        admin: bool,
        log: &AdminLogRow,
    ) -> StoreResult<bool> {
        transaction!(self, |tx| {
            let changed = sqlx::query("UPDATE users SET is_admin = $2 WHERE id = $1")
                .bind(user_id)
                .bind(admin)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 1 {
                insert_admin_log!(&mut *tx, log)?;
            }
            Ok(changed == 1)
        })
    }

    pub async fn insert_admin_log(&self, log: &AdminLogRow) -> StoreResult<()> {
        with_writer!(self, |pool| insert_admin_log!(pool, log).map(|_| ()))?;
        Ok(())
    }

    /// The admin log, newest first.
    pub async fn admin_log(&self, limit: i64) -> StoreResult<Vec<AdminLogRow>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
            "SELECT id, at, actor, action, subject FROM admin_log ORDER BY at DESC, id DESC LIMIT $1"
        )
        .bind(limit)
        .fetch_all(pool)
        .await?
        }))
    }
}
