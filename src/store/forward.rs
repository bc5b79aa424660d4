//! Forward auth: the one-time codes that carry a BMAuth session to a protected
//! host, and the host's own cookie they become. Both hang on the BMAuth session
//! (`ON DELETE CASCADE`): when it ends, by sign-out, sign-out everywhere, a removed
//! passkey or a disabled account, so does every protected host's.

use super::{Store, StoreResult, read_inline, transaction, with_writer};
use crate::clock::UnixTime;
use crate::model::UserId;

/// A one-time code, before it is stored.
#[derive(Debug, Clone)]
pub struct ForwardCodeRow {
    pub code_hash: String,
    /// The BMAuth session it carries.
    pub session_id: String,
    /// The host it is for, as configured.
    pub host: String,
    /// SHA-256 of the state cookie the host set in the browser that asked.
    pub state_hash: String,
    pub expires_at: UnixTime,
}

/// Who a protected host's cookie signs in, while its session lives.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ForwardIdentityRow {
    /// The BMAuth session's id hash.
    pub session_id: String,
    pub last_seen_at: UnixTime,
    pub user_id: UserId,
    pub email: String,
}

/// How taking a code ended.
#[derive(Debug, PartialEq, Eq)]
pub enum ForwardCodeTaken {
    /// Taken for this host and state; the cookie's row is stored.
    Taken,
    /// No such live code, or it was for another host or another browser's state.
    /// Either way it is gone now: a code is tried once.
    Refused,
}

const FORWARD_IDENTITY_SQL: &str = "SELECT s.id_hash AS session_id, s.last_seen_at, \
     u.id AS user_id, u.email FROM forward_sessions f \
     JOIN sessions s ON s.id_hash = f.session_id JOIN users u ON u.id = s.user_id \
     WHERE f.token_hash = $1 AND f.host = $2 AND s.expires_at > $3 AND s.last_seen_at > $4 \
     AND u.verified_at IS NOT NULL AND u.disabled_at IS NULL";

impl Store {
    pub async fn insert_forward_code(&self, code: &ForwardCodeRow) -> StoreResult<()> {
        with_writer!(self, |pool| sqlx::query(
            "INSERT INTO forward_codes (code_hash, session_id, host, state_hash, expires_at) \
             VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(&code.code_hash)
        .bind(&code.session_id)
        .bind(&code.host)
        .bind(&code.state_hash)
        .bind(code.expires_at)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Takes the code with this hash, once, and if it is live and for this host
    /// and state, stores the host's cookie (`token_hash`) on its session.
    pub async fn take_forward_code(
        &self,
        code_hash: &str,
        host: &str,
        state_hash: &str,
        token_hash: &str,
        now: UnixTime,
    ) -> StoreResult<ForwardCodeTaken> {
        transaction!(self, |tx| {
            let found: Option<(String, String, String, UnixTime)> = sqlx::query_as(
                "SELECT session_id, host, state_hash, expires_at FROM forward_codes \
                 WHERE code_hash = $1",
            )
            .bind(code_hash)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((session_id, for_host, for_state, expires_at)) = found else {
                return Ok(ForwardCodeTaken::Refused);
            };
            let taken = sqlx::query("DELETE FROM forward_codes WHERE code_hash = $1")
                .bind(code_hash)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            // Compared after the delete, so that a wrong try burns the code. Hashes
            // of random values: timing tells nothing that forges a state.
            let fits = for_host == host && for_state == state_hash && expires_at > now;
            if taken != 1 || !fits {
                return Ok(ForwardCodeTaken::Refused);
            }
            sqlx::query(
                "INSERT INTO forward_sessions (token_hash, session_id, host, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(token_hash)
            .bind(&session_id)
            .bind(host)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Ok(ForwardCodeTaken::Taken)
        })
    }

    /// Who the host's cookie with this hash signs in, if its session is live.
    pub async fn forward_identity(
        &self,
        token_hash: &str,
        host: &str,
        now: UnixTime,
        idle_cutoff: UnixTime,
    ) -> StoreResult<Option<ForwardIdentityRow>> {
        Ok(read_inline!(
            self,
            optional::<ForwardIdentityRow>(
                FORWARD_IDENTITY_SQL,
                token_hash,
                host,
                now,
                idle_cutoff
            )
        ))
    }
}
