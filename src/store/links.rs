//! Device links (adding a device by QR code). Every step is one conditional
//! statement, so two instances or two racing requests cannot both move a link on.

use super::people::insert_admin_log;
use super::undo::insert_undo;
use super::{
    AdminLogRow, CredentialUse, EventRow, LinkRow, NewCredential, OutboxRow, PinRow, SessionRow,
    Store, StoreResult, UndoRow, credential_exists, delete_session, insert_credential,
    insert_event, insert_mail, insert_session, record_passkey_use, transaction, use_pin, with_pool,
    with_writer,
};
use crate::clock::UnixTime;
use crate::model::{LinkState, UserId};

/// What a device that joins an account by a link brings, stored together.
#[derive(Debug)]
pub struct JoinedDevice<'a> {
    /// Its new passkey.
    pub credential: &'a NewCredential,
    /// Its session, opened by that passkey.
    pub session: &'a SessionRow,
    /// The mail telling the account.
    pub notice: &'a OutboxRow,
    /// The account's security event.
    pub event: &'a EventRow,
    /// The "This wasn't me" link the notice carries.
    pub undo: &'a UndoRow,
}

/// The columns of `LinkRow`.
macro_rules! link_columns {
    () => {
        "id_hash, code_hash, user_id, origin, state, new_browser_hash, new_user_agent, new_ip, \
         number, created_at, expires_at, approver_user_agent, approver_ip, inherited_hold"
    };
}

/// Inserts `$link` (a `&LinkRow`) with `$exec`.
macro_rules! insert_link {
    ($exec:expr, $link:expr) => {{
        let link: &LinkRow = $link;
        sqlx::query(concat!(
            "INSERT INTO device_links (",
            link_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        ))
        .bind(&link.id_hash)
        .bind(&link.code_hash)
        .bind(&link.user_id)
        .bind(link.origin)
        .bind(link.state)
        .bind(&link.new_browser_hash)
        .bind(&link.new_user_agent)
        .bind(&link.new_ip)
        .bind(&link.number)
        .bind(link.created_at)
        .bind(link.expires_at)
        .bind(&link.approver_user_agent)
        .bind(&link.approver_ip)
        .bind(link.inherited_hold)
        .execute($exec)
        .await
    }};
}

/// Ends the account's recovery links (`$1`) that have not let a device in yet:
/// mailed, or opened and waiting for the passkey.
pub(super) const END_RECOVERY_LINKS_SQL: &str = "DELETE FROM device_links \
     WHERE user_id = $1 AND origin = 'recovery_link' AND state IN ('mailed', 'approved')";

/// The signed-in device that approves a link, as the mail about it names it.
#[derive(Debug)]
pub struct Approver {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// One step of a link through its states, as one conditional `UPDATE`: from one of
/// `from` to `to`, writing what the step brings and checking what it needs. The
/// rules decide which steps exist (`auth::link::steps`); every step of every link
/// goes through `move_link!`, so two instances or two racing requests cannot both
/// move a link on.
#[derive(Debug)]
pub struct LinkMove<'a> {
    pub id_hash: &'a str,
    /// The states it may leave (one or two).
    pub from: &'a [LinkState],
    pub to: LinkState,
    /// It must not have expired by then.
    pub now: UnixTime,
    /// A claim binds the new device: its browser, user agent, address and number.
    pub binds: Option<&'a LinkRow>,
    /// An approval sets the account, a new expiry, and who approved.
    pub approves: Option<(&'a UserId, UnixTime, &'a Approver)>,
    /// Only the new device bound to it may take this step.
    pub only_browser: Option<&'a str>,
    /// Only for this account (or a link with none yet).
    pub only_user: Option<&'a UserId>,
}

/// Takes the step `$step` (a `&LinkMove`): true if this call moved the link.
macro_rules! move_link {
    ($exec:expr, $step:expr) => {{
        let step: &$crate::store::LinkMove<'_> = $step;
        let bound = step.binds;
        let (user, expires_at, approver) = match step.approves {
            Some((user, expires_at, approver)) => (Some(user), Some(expires_at), Some(approver)),
            None => (None, None, None),
        };
        sqlx::query(
            "UPDATE device_links SET state = $2, \
             new_browser_hash = COALESCE($3, new_browser_hash), \
             new_user_agent = COALESCE($4, new_user_agent), new_ip = COALESCE($5, new_ip), \
             number = COALESCE($6, number), user_id = COALESCE($7, user_id), \
             expires_at = COALESCE($8, expires_at), \
             approver_user_agent = COALESCE($9, approver_user_agent), \
             approver_ip = COALESCE($10, approver_ip) \
             WHERE id_hash = $1 AND state IN ($11, $12) AND expires_at > $13 \
             AND ($14 IS NULL OR new_browser_hash = $14) \
             AND ($15 IS NULL OR user_id IS NULL OR user_id = $15)",
        )
        .bind(step.id_hash)
        .bind(step.to)
        .bind(bound.and_then(|b| b.new_browser_hash.as_deref()))
        .bind(bound.and_then(|b| b.new_user_agent.as_deref()))
        .bind(bound.and_then(|b| b.new_ip.as_deref()))
        .bind(bound.and_then(|b| b.number.as_deref()))
        .bind(user)
        .bind(expires_at)
        .bind(approver.and_then(|a| a.user_agent.as_deref()))
        .bind(approver.and_then(|a| a.ip.as_deref()))
        .bind(step.from[0])
        .bind(step.from[step.from.len() - 1])
        .bind(step.now)
        .bind(step.only_browser)
        .bind(step.only_user)
        .execute($exec)
        .await
        .map(|done| done.rows_affected() == 1)
    }};
}

/// How finishing a link ended.
#[derive(Debug, PartialEq, Eq)]
pub enum LinkOutcome {
    /// The new passkey is stored and the new device signed in.
    Added,
    /// The link was used, denied or expired meanwhile. Nothing was written.
    Gone,
    /// This passkey is registered already. Nothing was written.
    CredentialExists,
}

impl Store {
    pub async fn insert_link(&self, link: &LinkRow) -> StoreResult<()> {
        with_writer!(self, |pool| insert_link!(pool, link)?.rows_affected());
        Ok(())
    }

    /// The recovery code is used up and the approved link it gives is stored, all or
    /// nothing. False if the code was used meanwhile.
    pub async fn recover_with(&self, pin: &PinRow, link: &LinkRow) -> StoreResult<bool> {
        transaction!(self, |tx| {
            if !use_pin!(&mut *tx, pin)? {
                return Ok(false);
            }
            insert_link!(&mut *tx, link)?;
            Ok(true)
        })
    }

    /// A recovery link an administrator sends: stored with its mail, the admin
    /// log's line and the account's event, all or nothing; a link sent to the
    /// account before and not yet opened stops working. False if the account is
    /// gone.
    pub async fn send_recovery_link(
        &self,
        link: &LinkRow,
        mail: &OutboxRow,
        log: &AdminLogRow,
        event: &EventRow,
    ) -> StoreResult<bool> {
        let user_id = link.user_id.as_ref().ok_or(sqlx::Error::RowNotFound)?;
        transaction!(self, |tx| {
            // Locks the account's row (PostgreSQL), so that a disabling racing this
            // either ends the link below or refuses it here.
            let live = sqlx::query(
                "UPDATE users SET disabled_at = disabled_at WHERE id = $1 AND disabled_at IS NULL",
            )
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if live != 1 {
                return Ok(false);
            }
            sqlx::query(END_RECOVERY_LINKS_SQL)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            insert_link!(&mut *tx, link)?;
            insert_mail!(&mut *tx, mail)?;
            insert_admin_log!(&mut *tx, log)?;
            insert_event!(&mut *tx, event)?;
            Ok(true)
        })
    }

    /// A link approved by a passkey from a phone nearby is stored, and that
    /// passkey's use recorded (its counter moves forward), all or nothing. False,
    /// and nothing stored, if the passkey was removed meanwhile.
    pub async fn approve_nearby(
        &self,
        link: &LinkRow,
        used: &CredentialUse,
        now: UnixTime,
    ) -> StoreResult<bool> {
        let user_id = link.user_id.as_ref().ok_or(sqlx::Error::RowNotFound)?;
        transaction!(self, |tx| {
            if !credential_exists!(&mut *tx, user_id, &used.id)? {
                return Ok(false);
            }
            insert_link!(&mut *tx, link)?;
            record_passkey_use!(&mut *tx, user_id, used, now)?;
            Ok(true)
        })
    }

    /// The link with this token hash or this typed-code hash.
    pub async fn link(&self, id_hash: &str, code_hash: &str) -> StoreResult<Option<LinkRow>> {
        let sql = concat!(
            "SELECT ",
            link_columns!(),
            " FROM device_links WHERE id_hash = $1 OR code_hash = $2"
        );
        Ok(with_pool!(self, |pool| sqlx::query_as(sql)
            .bind(id_hash)
            .bind(code_hash)
            .fetch_optional(pool)
            .await?))
    }

    /// Takes one step of a link (see `LinkMove`): true if this call moved it.
    pub async fn move_link(&self, step: &LinkMove<'_>) -> StoreResult<bool> {
        Ok(with_writer!(self, |pool| move_link!(pool, step)?))
    }

    /// Approves a link (`step`, an approval) with the passkey the owner just used
    /// (its counter moves forward), all or nothing. False if the link moved
    /// meanwhile or the passkey was removed.
    pub async fn approve_link(
        &self,
        step: &LinkMove<'_>,
        used: &CredentialUse,
    ) -> StoreResult<bool> {
        let (user_id, _, _) = step.approves.ok_or(sqlx::Error::RowNotFound)?;
        transaction!(self, |tx| {
            // The approving passkey may have been removed since it was read.
            if !credential_exists!(&mut *tx, user_id, &used.id)? {
                return Ok(false);
            }
            if !move_link!(&mut *tx, step)? {
                return Ok(false);
            }
            record_passkey_use!(&mut *tx, user_id, used, step.now)?;
            Ok(true)
        })
    }

    /// The approved link is used up by the new device (`step`, its last): its passkey
    /// joins the account, it gets a session (ending the one the browser had, if
    /// any), and the account is told by mail with an undo link. All or nothing.
    pub async fn finish_link(
        &self,
        step: &LinkMove<'_>,
        joined: &JoinedDevice<'_>,
        previous_session: Option<&str>,
    ) -> StoreResult<LinkOutcome> {
        let JoinedDevice {
            credential,
            session,
            notice,
            event,
            undo,
        } = joined;
        transaction!(self, |tx| {
            let taken: Option<String> =
                sqlx::query_scalar("SELECT id FROM credentials WHERE id = $1")
                    .bind(&credential.id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if taken.is_some() {
                return Ok(LinkOutcome::CredentialExists);
            }
            if !move_link!(&mut *tx, step)? {
                return Ok(LinkOutcome::Gone);
            }
            insert_credential!(&mut *tx, &session.user_id, credential)?;
            if let Some(previous) = previous_session {
                delete_session!(&mut *tx, previous)?;
            }
            insert_session!(&mut *tx, session)?;
            insert_mail!(&mut *tx, notice)?;
            insert_event!(&mut *tx, event)?;
            insert_undo!(&mut *tx, undo)?;
            Ok(LinkOutcome::Added)
        })
    }
}
