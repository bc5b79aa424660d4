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

/// What ends with a disabled account (`$1`): its sessions, what its apps hold,
/// and device links under way into it.
const END_EVERYTHING_SQL: [&str; 4] = [
    "DELETE FROM sessions WHERE user_id = $1",
    "DELETE FROM oidc_tokens WHERE user_id = $1",
    "DELETE FROM oidc_codes WHERE user_id = $1",
    "DELETE FROM device_links WHERE user_id = $1",
];

/// How a change to an account ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Done,
    /// No such (confirmed) account.
    NoSuchAccount,
    /// It is the last active administrator: kept, so that someone can still
    /// administer from the web. Nothing was written.
    LastAdministrator,
}

/// Whether `$user` is the only active administrator left, asked once every
/// administrator's row is locked (PostgreSQL; SQLite holds the write lock
/// already), so that two administrators taking each other's role at once cannot
/// both win and leave none.
macro_rules! last_administrator {
    ($tx:expr, $user:expr) => {{
        sqlx::query("UPDATE users SET is_admin = is_admin WHERE is_admin")
            .execute(&mut *$tx)
            .await?;
        let others: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE is_admin AND disabled_at IS NULL AND id <> $1",
        )
        .bind($user)
        .fetch_one(&mut *$tx)
        .await?;
        let active_admin: Option<bool> =
            sqlx::query_scalar("SELECT is_admin FROM users WHERE id = $1 AND disabled_at IS NULL")
                .bind($user)
                .fetch_optional(&mut *$tx)
                .await?;
        active_admin == Some(true) && others == 0
    }};
}

/// An account with what an administrator scans a list for.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PersonRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub passkeys: i64,
    /// The latest use of any of its passkeys.
    pub last_sign_in: Option<UnixTime>,
}

/// Confirmed accounts with their passkeys' count and latest use, chosen by `$1`.
macro_rules! people_where {
    ($condition:literal) => {
        concat!(
            "SELECT u.id, u.email, u.created_at, u.verified_at, u.invitation_id, u.is_admin, \
             u.disabled_at, COUNT(c.id) AS passkeys, MAX(c.last_used_at) AS last_sign_in \
             FROM users u LEFT JOIN credentials c ON c.user_id = u.id \
             WHERE u.verified_at IS NOT NULL AND ",
            $condition,
            " GROUP BY u.id, u.email, u.created_at, u.verified_at, u.invitation_id, u.is_admin, \
             u.disabled_at ORDER BY u.email"
        )
    };
}

impl Store {
    /// Confirmed accounts whose address contains `search` (lower-case), by address.
    pub async fn people(&self, search: &str) -> StoreResult<Vec<PersonRow>> {
        // The search is text, not a pattern: its `%`, `_` and `\` stand for themselves.
        let mut pattern = String::from("%");
        for c in search.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        Ok(with_pool!(self, |pool| sqlx::query_as(people_where!(
            "u.email LIKE $1 ESCAPE '\\'"
        ))
        .bind(&pattern)
        .fetch_all(pool)
        .await?))
    }

    /// The confirmed account with this id, as `people` lists it.
    pub async fn person(&self, user_id: &UserId) -> StoreResult<Option<PersonRow>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(people_where!(
            "u.id = $1"
        ))
        .bind(user_id)
        .fetch_optional(pool)
        .await?))
    }

    /// Disables the account, ending its sessions, every token its apps hold and
    /// device links into it, all at once.
    pub async fn disable_user(
        &self,
        user_id: &UserId,
        now: UnixTime,
        log: &AdminLogRow,
        event: &EventRow,
    ) -> StoreResult<Change> {
        transaction!(self, |tx| {
            if last_administrator!(tx, user_id) {
                return Ok(Change::LastAdministrator);
            }
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
                return Ok(Change::NoSuchAccount);
            }
            for sql in END_EVERYTHING_SQL {
                sqlx::query(sql).bind(user_id).execute(&mut *tx).await?;
            }
            insert_admin_log!(&mut *tx, log)?;
            insert_event!(&mut *tx, event)?;
            Ok(Change::Done)
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
                // Whatever a sign-in racing the disabling stored, dead while the
                // account was disabled, stays dead.
                for sql in END_EVERYTHING_SQL {
                    sqlx::query(sql).bind(user_id).execute(&mut *tx).await?;
                }
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
            for sql in [
                "DELETE FROM oidc_tokens WHERE user_id = $1",
                "DELETE FROM oidc_codes WHERE user_id = $1",
                // "Everywhere" includes a recovery link not yet used.
                super::links::END_RECOVERY_LINKS_SQL,
            ] {
                sqlx::query(sql).bind(user_id).execute(&mut *tx).await?;
            }
            insert_admin_log!(&mut *tx, log)?;
            insert_event!(&mut *tx, event)?;
            Ok(ended)
        })
    }

    /// Deletes the account and everything of it (passkeys, sessions, tokens, PINs,
    /// mail still queued for it, events, invitations for its address), then
    /// queues `farewell`, if any.
    pub async fn delete_user(
        &self,
        user: &UserRow,
        log: Option<&AdminLogRow>,
        farewell: Option<&OutboxRow>,
    ) -> StoreResult<Change> {
        transaction!(self, |tx| {
            if last_administrator!(tx, &user.id) {
                return Ok(Change::LastAdministrator);
            }
            // Invitations for the address go with it: nothing of it stays behind
            // but the admin log's lines.
            sqlx::query("DELETE FROM invitations WHERE email = $1")
                .bind(&user.email)
                .execute(&mut *tx)
                .await?;
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
                return Ok(Change::NoSuchAccount);
            }
            if let Some(log) = log {
                insert_admin_log!(&mut *tx, log)?;
            }
            if let Some(mail) = farewell {
                insert_mail!(&mut *tx, mail)?;
            }
            Ok(Change::Done)
        })
    }

    /// Makes the account an administrator, or not.
    pub async fn set_admin(
        &self,
        user_id: &UserId,
        admin: bool,
        log: &AdminLogRow,
    ) -> StoreResult<Change> {
        transaction!(self, |tx| {
            if !admin && last_administrator!(tx, user_id) {
                return Ok(Change::LastAdministrator);
            }
            let changed = sqlx::query("UPDATE users SET is_admin = $2 WHERE id = $1")
                .bind(user_id)
                .bind(admin)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed != 1 {
                return Ok(Change::NoSuchAccount);
            }
            insert_admin_log!(&mut *tx, log)?;
            Ok(Change::Done)
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
