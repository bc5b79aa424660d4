//! Sessions, looked up by the hash of the cookie value.

use super::{
    CredentialUse, EventRow, SessionUserRow, Store, StoreResult, credential_exists, delete_session,
    insert_event, read_inline, record_passkey_use, transaction, with_pool, with_writer,
};
use crate::clock::UnixTime;
use crate::model::UserId;

/// One of an account's live sessions, for its owner to see.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionListRow {
    pub id_hash: String,
    pub user_agent: Option<String>,
    pub created_at: UnixTime,
    pub last_seen_at: UnixTime,
    /// The passkey that opened it, as named now.
    pub passkey_name: Option<String>,
}

/// How many hex digits of a session's id hash name it to its owner. Half the hash:
/// unique enough among one account's sessions, and no use for making a cookie.
pub const SESSION_HANDLE_LEN: usize = 32;

const LIVE_SESSION_SQL: &str = "SELECT s.id_hash, s.created_at AS session_created_at, \
             s.last_seen_at, s.credential_id, \
             s.verified_at AS session_verified_at, c.held_until AS passkey_held_until, \
             c.backup_eligible AS passkey_synced, \
             u.id AS user_id, u.email, u.verified_at, u.is_admin \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             LEFT JOIN credentials c ON c.id = s.credential_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 \
             AND u.disabled_at IS NULL";

const SESSIONS_OF_SQL: &str = "SELECT s.id_hash, s.user_agent, s.created_at, s.last_seen_at, \
             c.name AS passkey_name FROM sessions s \
             LEFT JOIN credentials c ON c.id = s.credential_id \
             WHERE s.user_id = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 \
             ORDER BY s.last_seen_at DESC, s.created_at DESC";

const TOUCH_SESSION_SQL: &str = "UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1";

impl Store {
    /// The live session with this id hash and its user: not past its lifetime and
    /// used since `idle_cutoff`.
    pub async fn session_user(
        &self,
        id_hash: &str,
        now: UnixTime,
        idle_cutoff: UnixTime,
    ) -> StoreResult<Option<SessionUserRow>> {
        Ok(read_inline!(
            self,
            optional::<SessionUserRow>(LIVE_SESSION_SQL, id_hash, now, idle_cutoff)
        ))
    }

    /// The account's live sessions, most recently used first.
    pub async fn sessions_of(
        &self,
        user_id: &UserId,
        now: UnixTime,
        idle_cutoff: UnixTime,
    ) -> StoreResult<Vec<SessionListRow>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(SESSIONS_OF_SQL)
            .bind(user_id)
            .bind(now)
            .bind(idle_cutoff)
            .fetch_all(pool)
            .await?))
    }

    pub async fn touch_session(&self, id_hash: &str, now: UnixTime) -> StoreResult<()> {
        with_writer!(self, |pool| sqlx::query(TOUCH_SESSION_SQL)
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

    /// Ends the session of `user_id` whose id hash begins with `handle`, and records
    /// it. False if the account has no such session.
    pub async fn end_session_by_handle(
        &self,
        user_id: &UserId,
        handle: &str,
        event: &EventRow,
    ) -> StoreResult<bool> {
        transaction!(self, |tx| {
            // Before an app's refresh under way can mint from this session unseen.
            sqlx::query(super::oidc_tokens::LOCK_ACCOUNT_SQL)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            let ended = sqlx::query(
                "DELETE FROM sessions WHERE user_id = $1 AND substr(id_hash, 1, $3) = $2",
            )
            .bind(user_id)
            .bind(handle)
            .bind(SESSION_HANDLE_LEN as i32)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if ended == 0 {
                return Ok(false);
            }
            // Ending a session from elsewhere is a security action: the apps' tokens
            // from it end too, offline ones included.
            sqlx::query(
                "DELETE FROM oidc_tokens WHERE user_id = $1 AND substr(session_hash, 1, $3) = $2",
            )
            .bind(user_id)
            .bind(handle)
            .bind(SESSION_HANDLE_LEN as i32)
            .execute(&mut *tx)
            .await?;
            insert_event!(&mut *tx, event)?;
            Ok(true)
        })
    }

    /// Ends every session of `user_id` but `keep`, and records it. Returns how many
    /// ended.
    pub async fn end_other_sessions(
        &self,
        user_id: &UserId,
        keep: &str,
        event: &EventRow,
    ) -> StoreResult<u64> {
        transaction!(self, |tx| {
            // Before an app's refresh under way can mint from these sessions unseen.
            sqlx::query(super::oidc_tokens::LOCK_ACCOUNT_SQL)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
                .bind(user_id)
                .bind(keep)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            // The apps' tokens from those sessions, offline ones included.
            sqlx::query("DELETE FROM oidc_tokens WHERE user_id = $1 AND session_hash <> $2")
                .bind(user_id)
                .bind(keep)
                .execute(&mut *tx)
                .await?;
            if ended > 0 {
                insert_event!(&mut *tx, event)?;
            }
            Ok(ended)
        })
    }

    /// The person confirmed it's them in this session with a passkey: its use is
    /// recorded and the session counts as freshly verified from `now`. False if the
    /// session or the passkey is gone.
    pub async fn record_reauthentication(
        &self,
        user_id: &UserId,
        used: &CredentialUse,
        id_hash: &str,
        now: UnixTime,
    ) -> StoreResult<bool> {
        transaction!(self, |tx| {
            // The passkey may have been removed since it was read.
            if !credential_exists!(&mut *tx, user_id, &used.id)? {
                return Ok(false);
            }
            record_passkey_use!(&mut *tx, user_id, used, now)?;
            let updated = sqlx::query(
                "UPDATE sessions SET verified_at = $3 WHERE id_hash = $1 AND user_id = $2",
            )
            .bind(id_hash)
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            Ok(updated == 1)
        })
    }
}
