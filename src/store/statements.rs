//! Statements that several of the store's writes share, written once. Macros
//! rather than functions because each expands inside `with_pool!` or a
//! transaction for one concrete backend.

/// Stores a PIN, replacing the account's previous PIN for the same purpose. The
/// count of wrong tries left across resends (`tries_left`) is kept from the old one.
macro_rules! upsert_pin {
    ($exec:expr, $pin:expr) => {{
        let pin: &$crate::store::PinRow = $pin;
        sqlx::query(
            "INSERT INTO email_pins (user_id, purpose, browser_hash, code_hash, attempts_left, \
             tries_left, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (user_id, purpose) DO UPDATE SET browser_hash = excluded.browser_hash, \
             code_hash = excluded.code_hash, attempts_left = excluded.attempts_left, \
             created_at = excluded.created_at, expires_at = excluded.expires_at",
        )
        .bind(&pin.user_id)
        .bind(pin.purpose)
        .bind(&pin.browser_hash)
        .bind(&pin.code_hash)
        .bind(pin.attempts_left)
        .bind(pin.tries_left)
        .bind(pin.created_at)
        .bind(pin.expires_at)
        .execute($exec)
        .await
    }};
}
pub(crate) use upsert_pin;

/// Deletes the PIN `$pin` (a `&PinRow`) if it is still the one stored, bound to its
/// browser: true if this call used it up (of racing requests, exactly one does).
macro_rules! use_pin {
    ($exec:expr, $pin:expr) => {{
        let pin: &$crate::store::PinRow = $pin;
        sqlx::query(
            "DELETE FROM email_pins WHERE user_id = $1 AND purpose = $2 AND code_hash = $3 \
             AND browser_hash = $4",
        )
        .bind(&pin.user_id)
        .bind(pin.purpose)
        .bind(&pin.code_hash)
        .bind(&pin.browser_hash)
        .execute($exec)
        .await
        .map(|done| done.rows_affected() == 1)
    }};
}
pub(crate) use use_pin;

macro_rules! insert_mail {
    ($exec:expr, $mail:expr) => {{
        let mail: &$crate::store::OutboxRow = $mail;
        sqlx::query(
            "INSERT INTO outbox (id, recipient, subject, sealed_body, attempts, created_at, \
             next_attempt_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&mail.id)
        .bind(&mail.recipient)
        .bind(&mail.subject)
        .bind(&mail.sealed_body)
        .bind(mail.attempts)
        .bind(mail.created_at)
        .bind(mail.next_attempt_at)
        .bind(mail.expires_at)
        .execute($exec)
        .await
    }};
}
pub(crate) use insert_mail;

macro_rules! insert_session {
    ($exec:expr, $session:expr) => {
        $crate::store::bind_session!(
            sqlx::query(
                "INSERT INTO sessions (id_hash, user_id, credential_id, user_agent, created_at, \
                 last_seen_at, expires_at, verified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            ),
            $session
        )
        .execute($exec)
        .await
    };
}
pub(crate) use insert_session;

/// Binds a `&SessionRow`'s columns to `$query`, next, in `insert_session!`'s order.
macro_rules! bind_session {
    ($query:expr, $session:expr) => {{
        let s: &$crate::store::SessionRow = $session;
        $query
            .bind(&s.id_hash)
            .bind(&s.user_id)
            .bind(&s.credential_id)
            .bind(&s.user_agent)
            .bind(s.created_at)
            .bind(s.last_seen_at)
            .bind(s.expires_at)
            .bind(s.verified_at)
    }};
}
pub(crate) use bind_session;

/// Records a security event (a `&EventRow`) for the account's recent activity.
macro_rules! insert_event {
    ($exec:expr, $event:expr) => {
        $crate::store::bind_event!(
            sqlx::query(
                "INSERT INTO security_events (id, user_id, kind, passkey_name, user_agent, ip, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            ),
            $event
        )
        .execute($exec)
        .await
    };
}
pub(crate) use insert_event;

/// Binds an `&EventRow`'s columns to `$query`, next, in `insert_event!`'s order.
macro_rules! bind_event {
    ($query:expr, $event:expr) => {{
        let e: &$crate::store::EventRow = $event;
        $query
            .bind(&e.id)
            .bind(&e.user_id)
            .bind(&e.kind)
            .bind(&e.passkey_name)
            .bind(&e.user_agent)
            .bind(&e.ip)
            .bind(e.created_at)
    }};
}
pub(crate) use bind_event;

/// Stores the new passkey `$credential` (a `&NewCredential`) for `$user_id`.
macro_rules! insert_credential {
    ($exec:expr, $user_id:expr, $credential:expr) => {{
        let c: &$crate::store::NewCredential = $credential;
        sqlx::query(
            "INSERT INTO credentials (id, user_id, passkey, name, aaguid, transports, \
             backup_eligible, backup_state, sign_count, created_at, added_by, held_until) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&c.id)
        .bind($user_id)
        .bind(&c.passkey)
        .bind(&c.name)
        .bind(&c.aaguid)
        .bind(&c.transports)
        .bind(c.backup_eligible)
        .bind(c.backup_state)
        .bind(c.sign_count)
        .bind(c.created_at)
        .bind(c.added_by)
        .bind(c.held_until)
        .execute($exec)
        .await
    }};
}
pub(crate) use insert_credential;

/// Records a use of `$user_id`'s passkey `$used` (a `&CredentialUse`) at `$now`: its
/// counter and backup state. The counter only moves forwards: of two uses finishing
/// in parallel, the later counter stays.
macro_rules! record_passkey_use {
    ($exec:expr, $user_id:expr, $used:expr, $now:expr) => {
        $crate::store::bind_passkey_use!(
            sqlx::query(
                "UPDATE credentials SET passkey = $2, sign_count = $3, backup_eligible = $4, \
                 backup_state = $5, last_used_at = $6 WHERE id = $1 AND user_id = $7 \
                 AND sign_count <= $3",
            ),
            $user_id,
            $used,
            $now
        )
        .execute($exec)
        .await
    };
}
pub(crate) use record_passkey_use;

/// Binds `record_passkey_use!`'s seven arguments to `$query`, next, in its order.
macro_rules! bind_passkey_use {
    ($query:expr, $user_id:expr, $used:expr, $now:expr) => {{
        let used: &$crate::store::CredentialUse = $used;
        $query
            .bind(&used.id)
            .bind(&used.passkey)
            .bind(used.sign_count)
            .bind(used.backup_eligible)
            .bind(used.backup_state)
            .bind($now)
            .bind($user_id)
    }};
}
pub(crate) use bind_passkey_use;

/// Whether `$user_id` still has the passkey `$credential_id`: checked inside a
/// transaction before a write that relies on a passkey read earlier.
macro_rules! credential_exists {
    ($exec:expr, $user_id:expr, $credential_id:expr) => {
        sqlx::query_scalar::<_, String>("SELECT id FROM credentials WHERE id = $1 AND user_id = $2")
            .bind($credential_id)
            .bind($user_id)
            .fetch_optional($exec)
            .await
            .map(|found| found.is_some())
    };
}
pub(crate) use credential_exists;

macro_rules! delete_session {
    ($exec:expr, $id_hash:expr) => {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind($id_hash)
            .execute($exec)
            .await
    };
}
pub(crate) use delete_session;
