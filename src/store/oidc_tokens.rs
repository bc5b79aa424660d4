//! Authorization codes and the tokens they give, stored as hashes. Every token of
//! one authorization names the code it came from (`code_hash`): that is its family,
//! which a replayed code or a reused refresh token revokes whole.

use super::{Store, StoreResult, transaction, with_pool, with_writer};
use crate::clock::UnixTime;
use crate::model::{CredentialId, UserId};

/// An authorization code as stored (its hash), with what it was issued for.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CodeRow {
    pub code_hash: String,
    pub client_id: String,
    pub user_id: UserId,
    pub session_hash: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub scope: String,
    pub nonce: Option<String>,
    pub auth_time: UnixTime,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    /// When it was exchanged; a code is exchanged once.
    pub used_at: Option<UnixTime>,
}

/// How presenting a code or a refresh token ended.
#[derive(Debug)]
pub enum Presented<T> {
    /// Its first use: here is what it was issued for.
    First(Box<T>),
    /// Used before: its whole family is revoked now (RFC 6749 §4.1.2, RFC 9700
    /// §4.14.2).
    Replayed,
    /// No such code or token (or not this client's, or expired), or the consent
    /// it was given under has been taken back.
    Unknown,
}

/// A token as stored (its hash), with whose it is and where it came from.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub token_hash: String,
    /// `access` or `refresh`.
    pub kind: String,
    pub client_id: String,
    pub user_id: UserId,
    /// The BMAuth session that signed in.
    pub session_hash: String,
    /// The passkey that opened that session, if one did.
    pub credential_id: Option<CredentialId>,
    /// The family: the code it all came from.
    pub code_hash: String,
    pub scope: String,
    /// Granted with `offline_access`: outlives its session's sign-out.
    pub offline: bool,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

/// What userinfo reads: a live access token's account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenOwnerRow {
    pub user_id: UserId,
    pub email: String,
    pub verified_at: Option<UnixTime>,
    pub scope: String,
}

/// What revoking a token did (RFC 7009 §2.1).
#[derive(Debug, PartialEq, Eq)]
pub enum Revocation {
    /// Revoked: an access token alone, a refresh token with its family.
    Revoked,
    /// Another client's token: left alone.
    OtherClient,
    /// No such token: nothing to do (§2.2: still a success for the client).
    Unknown,
}

const INSERT_CODE_SQL: &str = "INSERT INTO oidc_codes (code_hash, client_id, user_id, \
     session_hash, redirect_uri, code_challenge, scope, nonce, auth_time, created_at, expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
const CODE_SQL: &str = "SELECT code_hash, client_id, user_id, session_hash, redirect_uri, \
     code_challenge, scope, nonce, auth_time, created_at, expires_at, used_at \
     FROM oidc_codes WHERE code_hash = $1";
const USE_CODE_SQL: &str =
    "UPDATE oidc_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL";
/// Taken first by everything that mints or ends an account's tokens (a no-op write:
/// PostgreSQL takes the row's lock, SQLite holds the write lock already), so that a
/// revocation and a rotation at once cannot each miss the other's rows.
pub(super) const LOCK_ACCOUNT_SQL: &str =
    "UPDATE users SET verified_at = verified_at WHERE id = $1";
/// The consent stands and the account is not disabled: nothing is minted otherwise.
const GRANT_LIVES_SQL: &str = "SELECT g.client_id FROM oidc_grants g \
     JOIN users u ON u.id = g.user_id AND u.disabled_at IS NULL \
     WHERE g.user_id = $1 AND g.client_id = $2";
const REVOKE_FAMILY_SQL: &str = "DELETE FROM oidc_tokens WHERE code_hash = $1";
const INSERT_TOKEN_SQL: &str = "INSERT INTO oidc_tokens (token_hash, kind, client_id, user_id, \
     session_hash, credential_id, code_hash, scope, offline, created_at, expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
/// A refresh token is taken once, by its own client, before it expires.
const USE_REFRESH_SQL: &str = "UPDATE oidc_tokens SET used_at = $2 WHERE token_hash = $1 \
     AND kind = 'refresh' AND client_id = $3 AND used_at IS NULL AND expires_at > $2 \
     RETURNING token_hash, kind, client_id, user_id, session_hash, credential_id, code_hash, \
     scope, offline, created_at, expires_at";
const REFRESH_OWNER_SQL: &str =
    "SELECT user_id FROM oidc_tokens WHERE token_hash = $1 AND kind = 'refresh'";
const REFRESH_USED_SQL: &str = "SELECT code_hash FROM oidc_tokens WHERE token_hash = $1 \
     AND kind = 'refresh' AND client_id = $2 AND used_at IS NOT NULL";
/// A token counts while it has not expired and either the session it came from
/// lives (not past its lifetime, used since the idle cutoff), or it was granted
/// offline access (whose end is a revocation, the passkey
/// removed, or signing out everywhere).
const TOKEN_OWNER_SQL: &str = "SELECT u.id AS user_id, u.email, u.verified_at, t.scope \
     FROM oidc_tokens t JOIN users u ON u.id = t.user_id AND u.disabled_at IS NULL \
     WHERE t.token_hash = $1 AND t.kind = 'access' AND t.expires_at > $2 AND (t.offline \
     OR EXISTS (SELECT 1 FROM sessions s WHERE s.id_hash = t.session_hash \
     AND s.expires_at > $2 AND s.last_seen_at > $3))";
const TOKEN_SQL: &str =
    "SELECT kind, client_id, code_hash, user_id FROM oidc_tokens WHERE token_hash = $1";
const REVOKE_ONE_SQL: &str = "DELETE FROM oidc_tokens WHERE token_hash = $1";

/// Stores tokens, within a transaction.
macro_rules! insert_tokens {
    ($tx:expr, $tokens:expr) => {
        async {
            for token in $tokens {
                sqlx::query(INSERT_TOKEN_SQL)
                    .bind(&token.token_hash)
                    .bind(&token.kind)
                    .bind(&token.client_id)
                    .bind(&token.user_id)
                    .bind(&token.session_hash)
                    .bind(&token.credential_id)
                    .bind(&token.code_hash)
                    .bind(&token.scope)
                    .bind(token.offline)
                    .bind(token.created_at)
                    .bind(token.expires_at)
                    .execute(&mut *$tx)
                    .await?;
            }
            StoreResult::Ok(())
        }
    };
}

impl Store {
    pub async fn insert_code(&self, code: &CodeRow) -> StoreResult<()> {
        with_writer!(self, |pool| sqlx::query(INSERT_CODE_SQL)
            .bind(&code.code_hash)
            .bind(&code.client_id)
            .bind(&code.user_id)
            .bind(&code.session_hash)
            .bind(&code.redirect_uri)
            .bind(&code.code_challenge)
            .bind(&code.scope)
            .bind(&code.nonce)
            .bind(code.auth_time)
            .bind(code.created_at)
            .bind(code.expires_at)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(())
    }

    /// The code with this hash, used or not.
    pub async fn code(&self, code_hash: &str) -> StoreResult<Option<CodeRow>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(CODE_SQL)
            .bind(code_hash)
            .fetch_optional(pool)
            .await?))
    }

    /// Exchanges a code that passed every check for `tokens`, in one transaction:
    /// of two requests racing, one gets it, and the other revokes what it got
    /// (a replay); nothing is minted once the consent is taken back.
    pub async fn redeem_code(
        &self,
        code: &CodeRow,
        tokens: &[TokenRow],
        now: UnixTime,
    ) -> StoreResult<Presented<()>> {
        transaction!(self, |tx| {
            sqlx::query(LOCK_ACCOUNT_SQL)
                .bind(&code.user_id)
                .execute(&mut *tx)
                .await?;
            let consented: Option<String> = sqlx::query_scalar(GRANT_LIVES_SQL)
                .bind(&code.user_id)
                .bind(&code.client_id)
                .fetch_optional(&mut *tx)
                .await?;
            if consented.is_none() {
                return Ok(Presented::Unknown);
            }
            let first = sqlx::query(USE_CODE_SQL)
                .bind(&code.code_hash)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if first == 0 {
                sqlx::query(REVOKE_FAMILY_SQL)
                    .bind(&code.code_hash)
                    .execute(&mut *tx)
                    .await?;
                return Ok(Presented::Replayed);
            }
            insert_tokens!(tx, tokens).await?;
            Ok(Presented::First(Box::new(())))
        })
    }

    /// A used code presented again by its own client: what it gave is revoked.
    pub async fn revoke_code_family(&self, code_hash: &str) -> StoreResult<()> {
        with_writer!(self, |pool| sqlx::query(REVOKE_FAMILY_SQL)
            .bind(code_hash)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Rotates a refresh token of `client_id`: marks it used and stores its
    /// successors (made by `successors` from it), in one transaction. A token used
    /// before revokes its family (RFC 9700 §4.14.2).
    pub async fn rotate_refresh_token(
        &self,
        token_hash: &str,
        client_id: &str,
        now: UnixTime,
        successors: impl FnOnce(&TokenRow) -> Vec<TokenRow> + Send,
    ) -> StoreResult<Presented<TokenRow>> {
        transaction!(self, |tx| {
            let owner: Option<UserId> = sqlx::query_scalar(REFRESH_OWNER_SQL)
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(owner) = owner else {
                return Ok(Presented::Unknown);
            };
            sqlx::query(LOCK_ACCOUNT_SQL)
                .bind(&owner)
                .execute(&mut *tx)
                .await?;
            let consented: Option<String> = sqlx::query_scalar(GRANT_LIVES_SQL)
                .bind(&owner)
                .bind(client_id)
                .fetch_optional(&mut *tx)
                .await?;
            if consented.is_none() {
                return Ok(Presented::Unknown);
            }
            let taken: Option<TokenRow> = sqlx::query_as(USE_REFRESH_SQL)
                .bind(token_hash)
                .bind(now)
                .bind(client_id)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(taken) = taken {
                let next = successors(&taken);
                insert_tokens!(tx, &next).await?;
                return Ok(Presented::First(Box::new(taken)));
            }
            let family: Option<String> = sqlx::query_scalar(REFRESH_USED_SQL)
                .bind(token_hash)
                .bind(client_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(family) = family else {
                return Ok(Presented::Unknown);
            };
            sqlx::query(REVOKE_FAMILY_SQL)
                .bind(&family)
                .execute(&mut *tx)
                .await?;
            Ok(Presented::Replayed)
        })
    }

    /// The account a live access token is for, and its scope.
    pub async fn token_owner(
        &self,
        token_hash: &str,
        now: UnixTime,
        idle_cutoff: UnixTime,
    ) -> StoreResult<Option<TokenOwnerRow>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(TOKEN_OWNER_SQL)
            .bind(token_hash)
            .bind(now)
            .bind(idle_cutoff)
            .fetch_optional(pool)
            .await?))
    }

    /// Revokes a token `client_id` holds (RFC 7009): an access token alone, a
    /// refresh token with every token of its family (§2.1).
    pub async fn revoke_token(&self, token_hash: &str, client_id: &str) -> StoreResult<Revocation> {
        transaction!(self, |tx| {
            let found: Option<(String, String, String, UserId)> = sqlx::query_as(TOKEN_SQL)
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((kind, owner, family, user_id)) = found else {
                return Ok(Revocation::Unknown);
            };
            if owner != client_id {
                return Ok(Revocation::OtherClient);
            }
            // After a rotation under way has stored its successors, so that the
            // family's delete below sees them.
            sqlx::query(LOCK_ACCOUNT_SQL)
                .bind(&user_id)
                .execute(&mut *tx)
                .await?;
            let (sql, key) = if kind == "refresh" {
                (REVOKE_FAMILY_SQL, family)
            } else {
                (REVOKE_ONE_SQL, token_hash.to_string())
            };
            sqlx::query(sql).bind(key).execute(&mut *tx).await?;
            Ok(Revocation::Revoked)
        })
    }
}
