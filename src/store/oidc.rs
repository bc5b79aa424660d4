//! The OpenID Connect provider's tables (work in progress, see
//! `docs/designs/oidc-provider.md`): signing keys and registered clients.

use super::{Store, StoreResult, with_pool, with_writer};
use crate::clock::UnixTime;

/// A signing key as stored: its private half sealed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SigningKeyRow {
    pub kid: String,
    pub alg: String,
    pub sealed_private: Vec<u8>,
    pub public_jwk: String,
    pub created_at: UnixTime,
    pub retired_at: Option<UnixTime>,
}

/// A client added with the CLI.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClientRow {
    pub id: String,
    pub name: String,
    /// JSON array.
    pub redirect_uris: String,
    /// JSON array.
    pub post_logout_redirect_uris: String,
    pub secret_hash: Option<String>,
    pub created_at: UnixTime,
}

const SIGNING_KEYS_SQL: &str = "SELECT kid, alg, sealed_private, public_jwk, created_at, \
     retired_at FROM oidc_keys ORDER BY created_at DESC, kid";
const INSERT_SIGNING_KEY_SQL: &str = "INSERT INTO oidc_keys (kid, alg, sealed_private, \
     public_jwk, created_at, retired_at) VALUES ($1, $2, $3, $4, $5, $6)";
const RETIRE_OTHER_KEYS_SQL: &str =
    "UPDATE oidc_keys SET retired_at = $2 WHERE kid <> $1 AND retired_at IS NULL";
const CLIENTS_SQL: &str = "SELECT id, name, redirect_uris, post_logout_redirect_uris, \
     secret_hash, created_at FROM oidc_clients ORDER BY created_at, id";
const INSERT_CLIENT_SQL: &str = "INSERT INTO oidc_clients (id, name, redirect_uris, \
     post_logout_redirect_uris, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
const REMOVE_CLIENT_SQL: &str = "DELETE FROM oidc_clients WHERE id = $1";

impl Store {
    /// Every signing key, newest first (retired ones too: the JWKS keeps them).
    pub async fn signing_keys(&self) -> StoreResult<Vec<SigningKeyRow>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(SIGNING_KEYS_SQL)
            .fetch_all(pool)
            .await?))
    }

    /// Stores a new signing key; with `retire_others`, every other key stops
    /// signing from `key.created_at` (a rotation).
    pub async fn add_signing_key(
        &self,
        key: &SigningKeyRow,
        retire_others: bool,
    ) -> StoreResult<()> {
        super::transaction!(self, |tx| {
            sqlx::query(INSERT_SIGNING_KEY_SQL)
                .bind(&key.kid)
                .bind(&key.alg)
                .bind(&key.sealed_private)
                .bind(&key.public_jwk)
                .bind(key.created_at)
                .bind(key.retired_at)
                .execute(&mut *tx)
                .await?;
            if retire_others {
                sqlx::query(RETIRE_OTHER_KEYS_SQL)
                    .bind(&key.kid)
                    .bind(key.created_at)
                    .execute(&mut *tx)
                    .await?;
            }
            Ok(())
        })
    }

    /// The clients added with the CLI.
    pub async fn clients(&self) -> StoreResult<Vec<ClientRow>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(CLIENTS_SQL)
            .fetch_all(pool)
            .await?))
    }

    pub async fn add_client(&self, client: &ClientRow) -> StoreResult<()> {
        with_writer!(self, |pool| sqlx::query(INSERT_CLIENT_SQL)
            .bind(&client.id)
            .bind(&client.name)
            .bind(&client.redirect_uris)
            .bind(&client.post_logout_redirect_uris)
            .bind(&client.secret_hash)
            .bind(client.created_at)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Removes a client; false if there was none with this id.
    pub async fn remove_client(&self, id: &str) -> StoreResult<bool> {
        let removed = with_writer!(self, |pool| sqlx::query(REMOVE_CLIENT_SQL)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(removed == 1)
    }
}

/// An authorization code as stored (its hash), with what it was issued for.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CodeRow {
    pub code_hash: String,
    pub client_id: String,
    pub user_id: crate::model::UserId,
    pub session_hash: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub scope: String,
    pub nonce: Option<String>,
    pub auth_time: UnixTime,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

/// How presenting a code ended.
#[derive(Debug)]
pub enum CodeUse {
    /// Its first use: here is what it was issued for.
    First(Box<CodeRow>),
    /// Used before: the tokens it gave are revoked now (RFC 6749 §4.1.2).
    Replayed,
    /// No such code.
    Unknown,
}

/// An access token as stored (its hash), with whose it is.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub token_hash: String,
    pub client_id: String,
    pub user_id: crate::model::UserId,
    pub session_hash: String,
    pub code_hash: String,
    pub scope: String,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

/// What userinfo reads: a live access token's account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenOwnerRow {
    pub user_id: crate::model::UserId,
    pub email: String,
    pub verified_at: Option<UnixTime>,
    pub scope: String,
}

const USE_CODE_SQL: &str = "UPDATE oidc_codes SET used_at = $2 WHERE code_hash = $1 \
     AND used_at IS NULL RETURNING code_hash, client_id, user_id, session_hash, redirect_uri, \
     code_challenge, scope, nonce, auth_time, created_at, expires_at";
const CODE_USED_SQL: &str = "SELECT code_hash FROM oidc_codes WHERE code_hash = $1";
const REVOKE_CODE_TOKENS_SQL: &str = "DELETE FROM oidc_tokens WHERE code_hash = $1";
const INSERT_TOKEN_SQL: &str = "INSERT INTO oidc_tokens (token_hash, client_id, user_id, \
     session_hash, code_hash, scope, created_at, expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
/// A token counts while it has not expired and the session it came from lives:
/// signing out, or removing the passkey that opened the session, ends it.
const TOKEN_OWNER_SQL: &str = "SELECT u.id AS user_id, u.email, u.verified_at, t.scope \
     FROM oidc_tokens t JOIN users u ON u.id = t.user_id \
     JOIN sessions s ON s.id_hash = t.session_hash \
     WHERE t.token_hash = $1 AND t.expires_at > $2 AND s.expires_at > $2";

const INSERT_CODE_SQL: &str = "INSERT INTO oidc_codes (code_hash, client_id, user_id, \
     session_hash, redirect_uri, code_challenge, scope, nonce, auth_time, created_at, expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
const GRANT_SQL: &str = "SELECT scope FROM oidc_grants WHERE user_id = $1 AND client_id = $2";
const REMEMBER_GRANT_SQL: &str = "INSERT INTO oidc_grants (user_id, client_id, scope, \
     created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, client_id) \
     DO UPDATE SET scope = excluded.scope, created_at = excluded.created_at";

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

    /// Uses a code: of two requests racing, one gets it. A code used before
    /// revokes the tokens it gave, all in one transaction.
    pub async fn use_code(&self, code_hash: &str, now: UnixTime) -> StoreResult<CodeUse> {
        super::transaction!(self, |tx| {
            let first: Option<CodeRow> = sqlx::query_as(USE_CODE_SQL)
                .bind(code_hash)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(code) = first {
                return Ok(CodeUse::First(Box::new(code)));
            }
            let known: Option<String> = sqlx::query_scalar(CODE_USED_SQL)
                .bind(code_hash)
                .fetch_optional(&mut *tx)
                .await?;
            if known.is_none() {
                return Ok(CodeUse::Unknown);
            }
            sqlx::query(REVOKE_CODE_TOKENS_SQL)
                .bind(code_hash)
                .execute(&mut *tx)
                .await?;
            Ok(CodeUse::Replayed)
        })
    }

    pub async fn insert_token(&self, token: &TokenRow) -> StoreResult<()> {
        with_writer!(self, |pool| sqlx::query(INSERT_TOKEN_SQL)
            .bind(&token.token_hash)
            .bind(&token.client_id)
            .bind(&token.user_id)
            .bind(&token.session_hash)
            .bind(&token.code_hash)
            .bind(&token.scope)
            .bind(token.created_at)
            .bind(token.expires_at)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(())
    }

    /// The account a live access token is for, and its scope.
    pub async fn token_owner(
        &self,
        token_hash: &str,
        now: UnixTime,
    ) -> StoreResult<Option<TokenOwnerRow>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(TOKEN_OWNER_SQL)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?))
    }

    /// The scope this account let this client see, if it consented before.
    pub async fn grant(
        &self,
        user_id: &crate::model::UserId,
        client_id: &str,
    ) -> StoreResult<Option<String>> {
        Ok(with_pool!(self, |pool| sqlx::query_scalar(GRANT_SQL)
            .bind(user_id)
            .bind(client_id)
            .fetch_optional(pool)
            .await?))
    }

    pub async fn remember_grant(
        &self,
        user_id: &crate::model::UserId,
        client_id: &str,
        scope: &str,
        now: UnixTime,
    ) -> StoreResult<()> {
        with_writer!(self, |pool| sqlx::query(REMEMBER_GRANT_SQL)
            .bind(user_id)
            .bind(client_id)
            .bind(scope)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(())
    }
}
