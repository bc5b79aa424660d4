//! The background worker: retries queued mail and deletes what has expired. Every
//! instance runs one; the outbox's claims keep them from sending a message twice.

use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::BmAuth;
use crate::handle::Inner;

const MAIL_TICK: Duration = Duration::from_secs(5);
const PURGE_EVERY_TICKS: u32 = 12;

pub(crate) fn spawn(bmauth: &BmAuth) {
    let weak: Weak<Inner> = Arc::downgrade(&bmauth.0);
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(MAIL_TICK);
        let mut ticks = 0u32;
        loop {
            ticker.tick().await;
            // Stops when the BmAuth it serves is gone.
            let Some(inner) = weak.upgrade() else { break };
            let auth = &inner.auth;
            if let Err(e) = auth.deliver_queued_mail().await {
                tracing::error!(error = %e, "outbox: could not read queued mail");
            }
            ticks = ticks.wrapping_add(1);
            if ticks.is_multiple_of(PURGE_EVERY_TICKS) {
                match auth.purge_expired().await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(rows = n, "purged expired rows"),
                    Err(e) => tracing::error!(error = %e, "purge failed"),
                }
            }
        }
    });
}
