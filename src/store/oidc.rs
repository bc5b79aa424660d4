//! The OpenID Connect provider's tables: signing keys, registered clients and the
//! consent each person gave each app. Codes and tokens are `oidc_tokens`.

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
    /// `ES256` or `RS256`.
    pub id_token_signed_response_alg: String,
    pub created_at: UnixTime,
    /// JSON array of addresses and `*@domain` entries; empty: everyone.
    pub allowed_people: String,
}

const SIGNING_KEYS_SQL: &str = "SELECT kid, alg, sealed_private, public_jwk, created_at, \
     retired_at FROM oidc_keys ORDER BY created_at DESC, kid";
const INSERT_SIGNING_KEY_SQL: &str = "INSERT INTO oidc_keys (kid, alg, sealed_private, \
     public_jwk, created_at, retired_at) VALUES ($1, $2, $3, $4, $5, $6)";
const RETIRE_OTHER_KEYS_SQL: &str = "UPDATE oidc_keys SET retired_at = $2 \
     WHERE kid <> $1 AND alg = $3 AND retired_at IS NULL";
const CLIENTS_SQL: &str = "SELECT id, name, redirect_uris, post_logout_redirect_uris, \
     secret_hash, id_token_signed_response_alg, created_at, allowed_people FROM oidc_clients \
     ORDER BY created_at, id";
const INSERT_CLIENT_SQL: &str = "INSERT INTO oidc_clients (id, name, redirect_uris, \
     post_logout_redirect_uris, secret_hash, id_token_signed_response_alg, created_at, \
     allowed_people) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const CLIENT_SQL: &str = "SELECT id, name, redirect_uris, post_logout_redirect_uris, \
     secret_hash, id_token_signed_response_alg, created_at, allowed_people FROM oidc_clients \
     WHERE id = $1";
const REMOVE_CLIENT_SQL: &str = "DELETE FROM oidc_clients WHERE id = $1";

impl Store {
    /// Every signing key, newest first (retired ones too: the JWKS keeps them).
    pub async fn signing_keys(&self) -> StoreResult<Vec<SigningKeyRow>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(SIGNING_KEYS_SQL)
            .fetch_all(pool)
            .await?))
    }

    /// Stores a new signing key; with `retire_others`, every other key of its
    /// algorithm stops
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
                    .bind(&key.alg)
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
            .bind(&client.id_token_signed_response_alg)
            .bind(client.created_at)
            .bind(&client.allowed_people)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Removes a client and everything it was given (consent, codes, tokens);
    /// false if there was none with this id.
    pub async fn remove_client(&self, id: &str) -> StoreResult<bool> {
        super::transaction!(self, |tx| {
            for sql in [
                "DELETE FROM oidc_tokens WHERE client_id = $1",
                "DELETE FROM oidc_codes WHERE client_id = $1",
                "DELETE FROM oidc_grants WHERE client_id = $1",
            ] {
                sqlx::query(sql).bind(id).execute(&mut *tx).await?;
            }
            let removed = sqlx::query(REMOVE_CLIENT_SQL)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            Ok(removed == 1)
        })
    }

    /// The client added with the CLI that has this id.
    pub async fn client(&self, id: &str) -> StoreResult<Option<ClientRow>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(CLIENT_SQL)
            .bind(id)
            .fetch_optional(pool)
            .await?))
    }
}

const GRANT_SQL: &str = "SELECT scope FROM oidc_grants WHERE user_id = $1 AND client_id = $2";
/// The apps an account let in, with when it last signed in to each.
const APPS_OF_SQL: &str = "SELECT g.client_id, g.scope, g.created_at, \
     (SELECT MAX(c.created_at) FROM oidc_codes c WHERE c.user_id = g.user_id \
     AND c.client_id = g.client_id) AS last_signed_in_at \
     FROM oidc_grants g WHERE g.user_id = $1 ORDER BY g.created_at DESC, g.client_id";
const REMEMBER_GRANT_SQL: &str = "INSERT INTO oidc_grants (user_id, client_id, scope, \
     created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, client_id) \
     DO UPDATE SET scope = excluded.scope, created_at = excluded.created_at";

impl Store {
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

    /// The apps this account consented to, newest first.
    pub async fn apps_of(&self, user_id: &crate::model::UserId) -> StoreResult<Vec<AppRow>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(APPS_OF_SQL)
            .bind(user_id)
            .fetch_all(pool)
            .await?))
    }

    /// Takes back what this account gave this app: the consent, its unused codes
    /// and every token. False if it had none of them.
    pub async fn revoke_app(
        &self,
        user_id: &crate::model::UserId,
        client_id: &str,
    ) -> StoreResult<bool> {
        super::transaction!(self, |tx| {
            // Before an exchange or a refresh under way can mint unseen: they take
            // this lock first too, then find the consent gone.
            sqlx::query(super::oidc_tokens::LOCK_ACCOUNT_SQL)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            let mut gone = 0;
            for sql in [
                "DELETE FROM oidc_grants WHERE user_id = $1 AND client_id = $2",
                "DELETE FROM oidc_codes WHERE user_id = $1 AND client_id = $2 AND used_at IS NULL",
                "DELETE FROM oidc_tokens WHERE user_id = $1 AND client_id = $2",
            ] {
                gone += sqlx::query(sql)
                    .bind(user_id)
                    .bind(client_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            Ok(gone > 0)
        })
    }
}

/// An app an account let in.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AppRow {
    pub client_id: String,
    pub scope: String,
    /// When the person consented.
    pub created_at: UnixTime,
    /// When it last asked for a code for them (kept 30 days).
    pub last_signed_in_at: Option<UnixTime>,
}
