//! Users and their passkeys.

use super::{
    CredentialRow, OutboxRow, PinRow, SessionRow, Store, StoreResult, UserRow, delete_session,
    insert_mail, insert_session, upsert_pin, with_pool,
};
use crate::clock::UnixTime;

/// A sign-up to store in one transaction: the user, their first passkey, the PIN that
/// confirms the email and the mail that carries it.
#[derive(Debug)]
pub struct NewAccount {
    pub user: UserRow,
    pub credential: NewCredential,
    pub pin: PinRow,
    pub mail: OutboxRow,
}

#[derive(Debug)]
pub struct NewCredential {
    pub id: String,
    pub passkey: String,
    pub name: String,
    pub aaguid: Option<String>,
    pub transports: Option<String>,
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub sign_count: i64,
    pub created_at: UnixTime,
}

/// A passkey as it is after a sign-in.
#[derive(Debug)]
pub struct CredentialUse {
    pub id: String,
    pub passkey: String,
    pub sign_count: i64,
    pub backup_eligible: bool,
    pub backup_state: bool,
}

/// How storing a sign-up ended.
#[derive(Debug, PartialEq, Eq)]
pub enum AccountOutcome {
    Created,
    /// A confirmed account already has this address. Nothing was written.
    EmailTaken,
    /// This passkey is registered already. Nothing was written.
    CredentialExists,
}

const USER_COLUMNS: &str = "id, email, created_at, verified_at";
const CREDENTIAL_COLUMNS: &str = "id, user_id, passkey, name, aaguid, transports, backup_eligible, \
     backup_state, sign_count, counter_regressed_at, created_at, last_used_at";

impl Store {
    pub async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        Ok(
            with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(email).fetch_optional(pool).await?),
        )
    }

    pub async fn user_by_id(&self, id: &str) -> StoreResult<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        Ok(
            with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?),
        )
    }

    pub async fn credentials_of(&self, user_id: &str) -> StoreResult<Vec<CredentialRow>> {
        let sql = format!(
            "SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE user_id = $1 ORDER BY created_at, id"
        );
        Ok(
            with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id).fetch_all(pool).await?),
        )
    }

    /// Stores a sign-up atomically. An unconfirmed account with the same address is
    /// replaced (its owner never proved the address: no pre-hijacking), a confirmed
    /// one is left alone.
    pub async fn create_account(&self, account: &NewAccount) -> StoreResult<AccountOutcome> {
        let NewAccount {
            user,
            credential: c,
            pin,
            mail,
        } = account;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let existing: Option<(String, Option<i64>)> =
                sqlx::query_as("SELECT id, verified_at FROM users WHERE email = $1")
                    .bind(&user.email)
                    .fetch_optional(&mut *tx)
                    .await?;
            match existing {
                Some((_, Some(_))) => return Ok(AccountOutcome::EmailTaken),
                Some((stale_id, None)) => {
                    sqlx::query("DELETE FROM users WHERE id = $1").bind(stale_id).execute(&mut *tx).await?;
                }
                None => {}
            }
            let taken: Option<String> = sqlx::query_scalar("SELECT id FROM credentials WHERE id = $1")
                .bind(&c.id)
                .fetch_optional(&mut *tx)
                .await?;
            if taken.is_some() {
                return Ok(AccountOutcome::CredentialExists);
            }
            sqlx::query("INSERT INTO users (id, email, created_at, verified_at) VALUES ($1, $2, $3, $4)")
                .bind(&user.id).bind(&user.email).bind(user.created_at).bind(user.verified_at)
                .execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO credentials (id, user_id, passkey, name, aaguid, transports, backup_eligible, \
                 backup_state, sign_count, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(&c.id).bind(&user.id).bind(&c.passkey).bind(&c.name).bind(&c.aaguid).bind(&c.transports)
            .bind(c.backup_eligible).bind(c.backup_state).bind(c.sign_count).bind(c.created_at)
            .execute(&mut *tx).await?;
            upsert_pin!(&mut *tx, pin)?;
            insert_mail!(&mut *tx, mail)?;
            tx.commit().await?;
            Ok(AccountOutcome::Created)
        })
    }

    /// Records a successful sign-in with a passkey: its new counter and backup state,
    /// and a new session (ending the one the browser had, if any).
    pub async fn record_sign_in(
        &self,
        used: &CredentialUse,
        session: &SessionRow,
        previous_session: Option<&str>,
    ) -> StoreResult<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "UPDATE credentials SET passkey = $2, sign_count = $3, backup_eligible = $4, \
                 backup_state = $5, last_used_at = $6 WHERE id = $1",
            )
            .bind(&used.id).bind(&used.passkey).bind(used.sign_count).bind(used.backup_eligible)
            .bind(used.backup_state).bind(session.created_at)
            .execute(&mut *tx).await?;
            if let Some(previous) = previous_session {
                delete_session!(&mut *tx, previous)?;
            }
            insert_session!(&mut *tx, session)?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Marks a passkey whose counter went backwards: a sign of a cloned key.
    pub async fn flag_counter_regression(
        &self,
        credential_id: &str,
        now: UnixTime,
    ) -> StoreResult<()> {
        with_pool!(self, pool => sqlx::query("UPDATE credentials SET counter_regressed_at = $2 WHERE id = $1")
            .bind(credential_id).bind(now).execute(pool).await?.rows_affected());
        Ok(())
    }
}
