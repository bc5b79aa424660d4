//! Users and their passkeys. An account exists once its email is confirmed; before
//! that it is a pending sign-up (`verified_at` NULL), bound to the browser that made
//! it. Several pending sign-ups of one address may exist side by side; the address is
//! unique among confirmed accounts only.

use super::invitations::SPEND_INVITATION_SQL;
use super::{
    CredentialRow, EventRow, OutboxRow, PinRow, SessionRow, Store, StoreResult, UserRow,
    bind_event, bind_passkey_use, bind_session, delete_session, in_one_trip, insert_credential,
    insert_event, insert_mail, insert_session, read_inline, transaction, upsert_pin, use_pin,
    with_pool,
};
use crate::clock::UnixTime;
use crate::model::{CredentialId, PasskeyOrigin, PinPurpose, UserId};

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
    pub id: CredentialId,
    pub passkey: String,
    pub name: String,
    pub aaguid: Option<String>,
    pub transports: Option<String>,
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub sign_count: i64,
    pub created_at: UnixTime,
    pub added_by: PasskeyOrigin,
    /// Until when its sessions cannot remove the account's other devices.
    pub held_until: Option<UnixTime>,
}

/// A passkey as it is after a sign-in.
#[derive(Debug)]
pub struct CredentialUse {
    pub id: CredentialId,
    pub passkey: String,
    pub sign_count: i64,
    pub backup_eligible: bool,
    pub backup_state: bool,
}

/// Which account to read.
#[derive(Debug, Clone, Copy)]
pub enum UserKey<'a> {
    /// The confirmed account with this address.
    ConfirmedEmail(&'a str),
    /// An account or pending sign-up by id.
    Id(&'a UserId),
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

/// How confirming a sign-up ended.
#[derive(Debug, PartialEq, Eq)]
pub enum ConfirmOutcome {
    Confirmed,
    /// The PIN was used already (a parallel request got there first).
    PinGone,
    /// Another sign-up of this address was confirmed first.
    EmailTaken,
    /// The invitation the sign-up came with was spent or revoked meanwhile. Only
    /// the PIN was used up.
    InvitationGone,
}

/// How removing a passkey ended.
#[derive(Debug, PartialEq, Eq)]
pub enum RemoveOutcome {
    /// Removed; the account's passkeys left, read under the same lock.
    Removed { remaining: Vec<CredentialId> },
    /// The account has no such passkey (any more).
    NotFound,
    /// It is the account's last passkey: kept.
    Last,
}

/// The columns of `UserRow`, for `concat!` (SQL text stays a literal).
macro_rules! user_columns {
    () => {
        "id, email, created_at, verified_at, invitation_id, is_admin, disabled_at"
    };
}

/// The columns of `CredentialRow`, of `credentials c`.
macro_rules! credential_columns {
    () => {
        "c.id, c.user_id, c.passkey, c.name, c.aaguid, c.transports, c.backup_eligible, \
         c.backup_state, c.sign_count, c.counter_regressed_at, c.created_at, c.last_used_at, \
         c.held_until"
    };
}

const USER_BY_CONFIRMED_EMAIL_SQL: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users WHERE email = $1 AND verified_at IS NOT NULL"
);

const USER_BY_ID_SQL: &str = concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1");

/// A user's passkeys, oldest first.
const CREDENTIALS_OF_SQL: &str = concat!(
    "SELECT ",
    credential_columns!(),
    " FROM credentials c WHERE c.user_id = $1 ORDER BY c.created_at, c.id"
);

/// The passkeys of the account `u` chosen by the condition that follows, oldest
/// first, each with its account's columns.
macro_rules! owned_credentials_sql {
    ($condition:literal) => {
        concat!(
            "SELECT ",
            credential_columns!(),
            ", u.email AS owner_email, u.created_at AS owner_created_at, \
             u.verified_at AS owner_verified_at, u.disabled_at AS owner_disabled_at, \
             u.is_admin AS owner_is_admin \
             FROM users u JOIN credentials c ON c.user_id = u.id WHERE ",
            $condition,
            " ORDER BY c.created_at, c.id"
        )
    };
}

/// A passkey with its account's columns beside it: an account and its passkeys in
/// one query.
#[derive(sqlx::FromRow)]
pub(super) struct OwnedCredentialRow {
    #[sqlx(flatten)]
    pub credential: CredentialRow,
    pub owner_email: String,
    pub owner_created_at: UnixTime,
    pub owner_verified_at: Option<UnixTime>,
    pub owner_disabled_at: Option<UnixTime>,
    pub owner_is_admin: bool,
}

/// The account the rows share, and its passkeys; `None` if there are no rows.
fn owner_and_credentials(rows: Vec<OwnedCredentialRow>) -> Option<(UserRow, Vec<CredentialRow>)> {
    let first = rows.first()?;
    let user = UserRow {
        id: first.credential.user_id.clone(),
        email: first.owner_email.clone(),
        created_at: first.owner_created_at,
        verified_at: first.owner_verified_at,
        invitation_id: None,
        is_admin: first.owner_is_admin,
        disabled_at: first.owner_disabled_at,
    };
    Some((user, rows.into_iter().map(|row| row.credential).collect()))
}

impl Store {
    /// The confirmed account with this address.
    pub async fn user_by_confirmed_email(&self, email: &str) -> StoreResult<Option<UserRow>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(
            USER_BY_CONFIRMED_EMAIL_SQL
        )
        .bind(email)
        .fetch_optional(pool)
        .await?))
    }

    /// An account or pending sign-up by id.
    pub async fn user_by_id(&self, id: &UserId) -> StoreResult<Option<UserRow>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(USER_BY_ID_SQL)
            .bind(id)
            .fetch_optional(pool)
            .await?))
    }

    /// The pending sign-up of `email` made in the browser with `browser_hash`.
    pub async fn pending_sign_up(
        &self,
        email: &str,
        browser_hash: &str,
    ) -> StoreResult<Option<UserRow>> {
        let sql = "SELECT u.id, u.email, u.created_at, u.verified_at, u.invitation_id, \
             u.is_admin, u.disabled_at FROM users u \
             JOIN email_pins p ON p.user_id = u.id AND p.purpose = $3 \
             WHERE u.email = $1 AND u.verified_at IS NULL AND p.browser_hash = $2 \
             ORDER BY u.created_at DESC LIMIT 1";
        Ok(with_pool!(self, |pool| sqlx::query_as(sql)
            .bind(email)
            .bind(browser_hash)
            .bind(PinPurpose::VerifyEmail)
            .fetch_optional(pool)
            .await?))
    }

    pub async fn credentials_of(&self, user_id: &UserId) -> StoreResult<Vec<CredentialRow>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(CREDENTIALS_OF_SQL)
            .bind(user_id)
            .fetch_all(pool)
            .await?))
    }

    /// An account and its passkeys, in one query (a sign-in needs both). An account
    /// without passkeys reads as none: it has nothing to sign in with.
    pub async fn user_with_credentials(
        &self,
        key: UserKey<'_>,
    ) -> StoreResult<Option<(UserRow, Vec<CredentialRow>)>> {
        let rows = match key {
            UserKey::ConfirmedEmail(email) => read_inline!(
                self,
                all::<OwnedCredentialRow>(
                    owned_credentials_sql!("u.email = $1 AND u.verified_at IS NOT NULL"),
                    email
                )
            ),
            UserKey::Id(id) => read_inline!(
                self,
                all::<OwnedCredentialRow>(owned_credentials_sql!("u.id = $1"), id)
            ),
        };
        Ok(owner_and_credentials(rows))
    }

    /// Stores a pending sign-up atomically. Other pending sign-ups of the address are
    /// left alone (a later sign-up never replaces an earlier one), except this
    /// browser's own earlier try, which this one replaces.
    pub async fn create_account(&self, account: &NewAccount) -> StoreResult<AccountOutcome> {
        let NewAccount {
            user,
            credential: c,
            pin,
            mail,
        } = account;
        transaction!(self, |tx| {
            let confirmed: Option<String> = sqlx::query_scalar(
                "SELECT id FROM users WHERE email = $1 AND verified_at IS NOT NULL",
            )
            .bind(&user.email)
            .fetch_optional(&mut *tx)
            .await?;
            if confirmed.is_some() {
                return Ok(AccountOutcome::EmailTaken);
            }
            let taken: Option<String> =
                sqlx::query_scalar("SELECT id FROM credentials WHERE id = $1")
                    .bind(&c.id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if taken.is_some() {
                return Ok(AccountOutcome::CredentialExists);
            }
            sqlx::query(
                "DELETE FROM users WHERE email = $1 AND verified_at IS NULL AND id IN \
                 (SELECT user_id FROM email_pins WHERE purpose = $3 AND browser_hash = $2)",
            )
            .bind(&user.email)
            .bind(&pin.browser_hash)
            .bind(PinPurpose::VerifyEmail)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO users (id, email, created_at, verified_at, invitation_id) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&user.id)
            .bind(&user.email)
            .bind(user.created_at)
            .bind(user.verified_at)
            .bind(&user.invitation_id)
            .execute(&mut *tx)
            .await?;
            insert_credential!(&mut *tx, &user.id, c)?;
            upsert_pin!(&mut *tx, pin)?;
            insert_mail!(&mut *tx, mail)?;
            Ok(AccountOutcome::Created)
        })
    }

    /// The right email-verification PIN was entered in the right browser: the PIN is
    /// used up, the sign-up confirmed, the address's other pending sign-ups deleted,
    /// and a session opened, all or nothing.
    pub async fn confirm_email(
        &self,
        pin: &PinRow,
        session: &SessionRow,
        previous_session: Option<&str>,
        event: &EventRow,
        spend_invitation: bool,
    ) -> StoreResult<ConfirmOutcome> {
        let confirmed = transaction!(self, |tx| {
            if !use_pin!(&mut *tx, pin)? {
                return Ok(ConfirmOutcome::PinGone);
            }
            if spend_invitation {
                let spent = sqlx::query(SPEND_INVITATION_SQL)
                    .bind(&pin.user_id)
                    .bind(session.created_at)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if spent != 1 {
                    return Ok(ConfirmOutcome::InvitationGone);
                }
            }
            // Conditional, so that a confirmed account is never touched here; the
            // unique index on confirmed addresses refuses a second confirmation.
            let email: Option<String> = sqlx::query_scalar(
                "UPDATE users SET verified_at = $2 WHERE id = $1 AND verified_at IS NULL RETURNING email",
            )
            .bind(&pin.user_id).bind(session.created_at)
            .fetch_optional(&mut *tx).await?;
            let Some(email) = email else {
                return Ok(ConfirmOutcome::PinGone);
            };
            sqlx::query("DELETE FROM users WHERE email = $1 AND verified_at IS NULL AND id <> $2")
                .bind(&email)
                .bind(&pin.user_id)
                .execute(&mut *tx)
                .await?;
            if let Some(previous) = previous_session {
                delete_session!(&mut *tx, previous)?;
            }
            insert_session!(&mut *tx, session)?;
            insert_event!(&mut *tx, event)?;
            Ok(ConfirmOutcome::Confirmed)
        });
        match confirmed {
            Err(e) if e.is_unique_violation() => Ok(ConfirmOutcome::EmailTaken),
            other => other,
        }
    }

    /// Records a sign-in and takes its ceremony (`ceremony_id`), in one trip: the
    /// passkey's new counter, the session (ending `previous_session`), the event.
    /// False, and nothing written, if the ceremony is gone: another request
    /// answering the same challenge got there first, or a failed one spent it.
    /// The answer is judged before this, against the ceremony as read, so that a
    /// sign-in costs one write, not two; every failure spends the ceremony itself.
    pub async fn record_sign_in(
        &self,
        ceremony_id: &str,
        used: &CredentialUse,
        session: &SessionRow,
        previous_session: Option<&str>,
        event: &EventRow,
    ) -> StoreResult<bool> {
        // What `record_passkey_use!`, `delete_session!`, `insert_session!` and
        // `insert_event!` do, each only if the ceremony is still there to take.
        let taken = in_one_trip!(
            self,
            sqlite: "SAVEPOINT script; \
                UPDATE credentials SET passkey = $2, sign_count = $3, backup_eligible = $4, \
                backup_state = $5, last_used_at = $6 WHERE id = $1 AND user_id = $7 \
                AND sign_count <= $3 AND EXISTS (SELECT 1 FROM ceremonies WHERE id = $24); \
                DELETE FROM sessions WHERE id_hash = $8 \
                AND EXISTS (SELECT 1 FROM ceremonies WHERE id = $24); \
                INSERT INTO sessions (id_hash, user_id, credential_id, user_agent, created_at, \
                last_seen_at, expires_at, verified_at) \
                SELECT $9, $10, $11, $12, $13, $14, $15, $16 \
                WHERE EXISTS (SELECT 1 FROM ceremonies WHERE id = $24); \
                INSERT INTO security_events (id, user_id, kind, passkey_name, user_agent, ip, \
                created_at) SELECT $17, $18, $19, $20, $21, $22, $23 \
                WHERE EXISTS (SELECT 1 FROM ceremonies WHERE id = $24); \
                DELETE FROM ceremonies WHERE id = $24 RETURNING 1; \
                RELEASE script",
            // Two requests deleting the same ceremony: the second waits for the
            // first to commit, then finds nothing to delete, so `taken` is empty
            // and every part below writes nothing.
            postgres: "WITH taken AS (DELETE FROM ceremonies WHERE id = $24 RETURNING 1), \
                used AS (UPDATE credentials SET passkey = $2, sign_count = $3, \
                backup_eligible = $4, backup_state = $5, last_used_at = $6 \
                WHERE id = $1 AND user_id = $7 AND sign_count <= $3 \
                AND EXISTS (SELECT 1 FROM taken)), \
                ended AS (DELETE FROM sessions WHERE id_hash = $8 \
                AND EXISTS (SELECT 1 FROM taken)), \
                event AS (INSERT INTO security_events (id, user_id, kind, passkey_name, \
                user_agent, ip, created_at) SELECT $17, $18, $19, $20, $21, $22, $23 \
                FROM taken), \
                opened AS (INSERT INTO sessions (id_hash, user_id, credential_id, user_agent, \
                created_at, last_seen_at, expires_at, verified_at) \
                SELECT $9, $10, $11, $12, $13, $14, $15, $16 FROM taken) \
                SELECT 1::BIGINT FROM taken",
            |query| {
                let used = bind_passkey_use!(query, &session.user_id, used, session.created_at);
                bind_event!(bind_session!(used.bind(previous_session), session), event)
                    .bind(ceremony_id)
            }
        );
        Ok(taken.is_some())
    }

    /// Marks a passkey whose counter went backwards (a sign of a cloned key), and
    /// records it for the account's owner to see.
    pub async fn flag_counter_regression(
        &self,
        credential_id: &CredentialId,
        event: &EventRow,
    ) -> StoreResult<()> {
        transaction!(self, |tx| {
            sqlx::query("UPDATE credentials SET counter_regressed_at = $2 WHERE id = $1")
                .bind(credential_id)
                .bind(event.created_at)
                .execute(&mut *tx)
                .await?;
            insert_event!(&mut *tx, event)?;
            Ok(())
        })
    }

    /// Renames a passkey of `user_id`. False if the account has no such passkey.
    pub async fn rename_credential(
        &self,
        user_id: &UserId,
        credential_id: &CredentialId,
        name: &str,
        event: &EventRow,
    ) -> StoreResult<bool> {
        transaction!(self, |tx| {
            let renamed =
                sqlx::query("UPDATE credentials SET name = $3 WHERE id = $1 AND user_id = $2")
                    .bind(credential_id)
                    .bind(user_id)
                    .bind(name)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if renamed == 1 {
                insert_event!(&mut *tx, event)?;
            }
            Ok(renamed == 1)
        })
    }

    /// Removes a passkey of `user_id` unless it is the account's last, with the
    /// sessions it opened (the foreign key cascades), recording it and queuing the
    /// notice mail, all or nothing.
    pub async fn remove_credential(
        &self,
        user_id: &UserId,
        credential_id: &CredentialId,
        event: &EventRow,
        notice: &OutboxRow,
    ) -> StoreResult<RemoveOutcome> {
        transaction!(self, |tx| {
            // Lock the account's row first (a no-op write: PostgreSQL takes a row lock,
            // SQLite holds the write lock already), so that two removals at once cannot
            // each see another passkey left and leave none.
            sqlx::query("UPDATE users SET verified_at = verified_at WHERE id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            let ids: Vec<CredentialId> =
                sqlx::query_scalar("SELECT id FROM credentials WHERE user_id = $1")
                    .bind(user_id)
                    .fetch_all(&mut *tx)
                    .await?;
            if !ids.contains(credential_id) {
                return Ok(RemoveOutcome::NotFound);
            }
            if ids.len() == 1 {
                return Ok(RemoveOutcome::Last);
            }
            sqlx::query("DELETE FROM credentials WHERE id = $1 AND user_id = $2")
                .bind(credential_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            insert_event!(&mut *tx, event)?;
            insert_mail!(&mut *tx, notice)?;
            let remaining = ids.into_iter().filter(|id| id != credential_id).collect();
            Ok(RemoveOutcome::Removed { remaining })
        })
    }
}
