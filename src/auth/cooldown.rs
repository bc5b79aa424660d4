//! A device that joined by a link is held back for a while (24 hours by default,
//! `link.new_device_cooldown_hours`): the sessions its passkey opens can look after
//! themselves (rename their own passkey, sign out, remove their own passkey) but
//! cannot remove the account's other passkeys, end its other sessions or rename
//! another passkey. Whoever talked the owner into approving a device (a relayed
//! number, a QR code on a phishing page) then holds one device among the owner's,
//! not the account: the owner's older devices can remove it at once, and the mail
//! about it carries an undo link. Devices added by recovery are not held back:
//! recovery exists to remove the devices that were lost, and its code came from
//! the account's own mailbox. A device let in by another passkey of the account
//! (from a phone nearby) is held back exactly as long as that passkey is: a
//! device that is held back cannot let in a second device of its own to escape.
//!
//! The hold is stored on the passkey (`held_until`), so signing in again neither
//! resets nor skips it.

use super::LinkOrigin;
use super::{Auth, AuthError, AuthResult, secs};
use crate::clock::UnixTime;
use crate::store::SessionUserRow;

impl Auth {
    /// Until when a passkey a device makes through a link of `origin` is held back:
    /// a device approved by a link, for the cool-down from now; one let in by a
    /// nearby passkey, for as long as that passkey is still held back
    /// (`inherited`: a held-back device cannot launder its hold through a second
    /// device of its own); one let in by recovery, not at all.
    pub(crate) fn hold_for(
        &self,
        origin: LinkOrigin,
        inherited: Option<UnixTime>,
        now: UnixTime,
    ) -> Option<UnixTime> {
        let own = match origin {
            LinkOrigin::Device => Some(now + secs(self.settings.new_device_cooldown)),
            LinkOrigin::Nearby | LinkOrigin::Recovery | LinkOrigin::RecoveryLink => None,
        };
        let inherited = match origin {
            LinkOrigin::Recovery | LinkOrigin::RecoveryLink => None,
            LinkOrigin::Device | LinkOrigin::Nearby => inherited.filter(|&until| until > now),
        };
        own.max(inherited)
    }

    /// Until when `session` is held back, if it is: its passkey is.
    pub(crate) fn cooldown_until(&self, session: &SessionUserRow) -> Option<UnixTime> {
        session
            .passkey_held_until
            .filter(|&until| until > self.now())
    }

    /// Refuses a change to the account's other devices from a session held back.
    pub(crate) fn past_cooldown(&self, session: &SessionUserRow) -> AuthResult<()> {
        match self.cooldown_until(session) {
            Some(until) => Err(AuthError::NewDeviceCooldown {
                until,
                retry_after_secs: (until - self.now()).max(1) as u64,
            }),
            None => Ok(()),
        }
    }
}
