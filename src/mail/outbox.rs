//! The outbox: mail is written to the database in the same transaction as the PIN
//! it carries, then sent, and retried with backoff until it is sent or no longer
//! worth sending. Bodies are sealed (they carry PINs) and wiped once sent.

use std::sync::Arc;

use super::{MailBody, Mailer};
use crate::clock::{Clock, UnixTime};
use crate::crypto::{Sealer, b64url, random_bytes};
use crate::metrics::Metrics;
use crate::store::{OutboxRow, Store, StoreError};

/// How long a sender holds a message before another instance may try it.
const LEASE_SECS: i64 = 60;
/// Retry delays grow from this, doubling, up to `MAX_BACKOFF_SECS`.
const FIRST_BACKOFF_SECS: i64 = 15;
const MAX_BACKOFF_SECS: i64 = 300;

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("{0}")]
    Send(String),
    #[error("the queued message could not be opened (was the server secret changed?)")]
    Unreadable,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone)]
pub struct Outbox {
    store: Store,
    sealer: Sealer,
    mailer: Mailer,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
}

impl Outbox {
    pub(crate) fn new(
        store: Store,
        sealer: Sealer,
        mailer: Mailer,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            store,
            sealer,
            mailer,
            clock,
            metrics,
        }
    }

    /// A row for the outbox, to be inserted by the caller's transaction.
    pub fn queue(
        &self,
        to: &str,
        body: &MailBody,
        now: UnixTime,
        expires_at: UnixTime,
    ) -> OutboxRow {
        let sealed = serde_json::to_vec(body)
            .map(|json| self.sealer.seal(&json))
            .unwrap_or_default();
        OutboxRow {
            id: b64url(&random_bytes::<16>()),
            recipient: to.into(),
            subject: body.subject.clone(),
            sealed_body: sealed,
            attempts: 0,
            created_at: now,
            next_attempt_at: now,
            expires_at,
        }
    }

    /// Sends one message if it is due and nobody else holds it. A message that is
    /// already sent or held elsewhere counts as delivered here.
    pub async fn deliver(&self, id: &str) -> Result<(), DeliveryError> {
        let now = self.clock.now();
        let Some(row) = self.store.claim_mail(id, now, now + LEASE_SECS).await? else {
            return Ok(());
        };
        let body = self
            .sealer
            .open(&row.sealed_body)
            .ok()
            .and_then(|json| serde_json::from_slice::<MailBody>(&json).ok());
        let result = match body {
            Some(body) => self
                .mailer
                .send(&row.recipient, &body)
                .await
                .map_err(DeliveryError::Send),
            None => Err(DeliveryError::Unreadable),
        };
        self.metrics.mail_attempted(result.is_ok());
        match &result {
            Ok(()) => self.store.mark_mail_sent(id, self.clock.now()).await?,
            Err(error) => {
                let backoff =
                    (FIRST_BACKOFF_SECS << (row.attempts - 1).clamp(0, 8)).min(MAX_BACKOFF_SECS);
                tracing::warn!(mail = %id, attempt = row.attempts, %error, "mail not sent; will retry");
                self.store
                    .mark_mail_failed(id, &error.to_string(), self.clock.now() + backoff)
                    .await?;
            }
        }
        result
    }

    /// Sends whatever is due. Returns how many were sent.
    pub async fn deliver_due(&self) -> Result<usize, StoreError> {
        let mut sent = 0;
        for id in self.store.due_mail(self.clock.now(), 50).await? {
            match self.deliver(&id).await {
                Ok(()) => sent += 1,
                Err(DeliveryError::Store(e)) => return Err(e),
                Err(_) => {} // recorded on the row; retried later
            }
        }
        Ok(sent)
    }
}
