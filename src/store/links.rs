//! Device links (adding a device by QR code). Every step is one conditional
//! statement, so two instances or two racing requests cannot both move a link on.

use super::undo::insert_undo;
use super::{
    CredentialUse, EventRow, LinkRow, NewCredential, OutboxRow, PinRow, SessionRow, Store,
    StoreResult, UndoRow, credential_exists, delete_session, insert_credential, insert_event,
    insert_mail, insert_session, record_passkey_use, transaction, use_pin, with_pool, with_writer,
};
use crate::clock::UnixTime;
use crate::core::{LinkState, UserId};

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

/// The signed-in device that approves a link, as the mail about it names it.
#[derive(Debug)]
pub struct Approver {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
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

    /// Binds a waiting offer to the new device that scanned it. Only the first
    /// claim wins.
    pub async fn claim_link(&self, claimed: &LinkRow, now: UnixTime) -> StoreResult<bool> {
        let changed = with_writer!(self, |pool| sqlx::query(
            "UPDATE device_links SET state = $2, new_browser_hash = $3, new_user_agent = $4, \
             new_ip = $5, number = $6 WHERE id_hash = $1 AND state = $7 AND expires_at > $8",
        )
        .bind(&claimed.id_hash)
        .bind(LinkState::Pending)
        .bind(&claimed.new_browser_hash)
        .bind(&claimed.new_user_agent)
        .bind(&claimed.new_ip)
        .bind(&claimed.number)
        .bind(LinkState::Waiting)
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(changed == 1)
    }

    /// Ends a link that is still waiting or pending (denied, or a wrong number).
    pub async fn deny_link(&self, id_hash: &str, now: UnixTime) -> StoreResult<bool> {
        let changed = with_writer!(self, |pool| sqlx::query(
            "UPDATE device_links SET state = $2 WHERE id_hash = $1 AND state IN ($3, $4) \
             AND expires_at > $5",
        )
        .bind(id_hash)
        .bind(LinkState::Denied)
        .bind(LinkState::Waiting)
        .bind(LinkState::Pending)
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(changed == 1)
    }

    /// The new device turns down a link bound to it (`browser_hash`), pending or
    /// already approved: it ends, and the device that approved it is told. False
    /// if it was not live, or not this browser's.
    pub async fn decline_link(
        &self,
        id_hash: &str,
        browser_hash: &str,
        now: UnixTime,
    ) -> StoreResult<bool> {
        let changed = with_writer!(self, |pool| sqlx::query(
            "UPDATE device_links SET state = $2 WHERE id_hash = $1 AND new_browser_hash = $3 \
             AND state IN ($4, $5) AND expires_at > $6",
        )
        .bind(id_hash)
        .bind(LinkState::Declined)
        .bind(browser_hash)
        .bind(LinkState::Pending)
        .bind(LinkState::Approved)
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(changed == 1)
    }

    /// Approves a pending link for `user_id` with the passkey the owner just used
    /// (its counter moves forward), all or nothing, noting where it was approved
    /// from (user agent and address). The new device then has until
    /// `expires_at` to make its passkey.
    pub async fn approve_link(
        &self,
        id_hash: &str,
        user_id: &UserId,
        used: &CredentialUse,
        approver: &Approver,
        now: UnixTime,
        expires_at: UnixTime,
    ) -> StoreResult<bool> {
        transaction!(self, |tx| {
            // The approving passkey may have been removed since it was read.
            if !credential_exists!(&mut *tx, user_id, &used.id)? {
                return Ok(false);
            }
            let changed = sqlx::query(
                "UPDATE device_links SET state = $2, user_id = $3, expires_at = $4, \
                 approver_user_agent = $7, approver_ip = $8 \
                 WHERE id_hash = $1 AND state = $5 AND expires_at > $6 \
                 AND (user_id IS NULL OR user_id = $3)",
            )
            .bind(id_hash)
            .bind(LinkState::Approved)
            .bind(user_id)
            .bind(expires_at)
            .bind(LinkState::Pending)
            .bind(now)
            .bind(&approver.user_agent)
            .bind(&approver.ip)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed != 1 {
                return Ok(false);
            }
            record_passkey_use!(&mut *tx, user_id, used, now)?;
            Ok(true)
        })
    }

    /// The approved link is used up by the new device: its passkey joins the
    /// account, it gets a session (ending the one the browser had, if any), and the
    /// account is told by mail. All or nothing.
    pub async fn finish_link(
        &self,
        id_hash: &str,
        browser_hash: &str,
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
            let used = sqlx::query(
                "UPDATE device_links SET state = $2 WHERE id_hash = $1 AND state = $3 \
                 AND new_browser_hash = $4 AND user_id = $5 AND expires_at > $6",
            )
            .bind(id_hash)
            .bind(LinkState::Used)
            .bind(LinkState::Approved)
            .bind(browser_hash)
            .bind(&session.user_id)
            .bind(session.created_at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if used != 1 {
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
