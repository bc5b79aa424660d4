//! A device that joined by a link is held back for a while (24 hours by default,
//! `link.new_device_cooldown_hours`): the sessions its passkey opens can look after
//! themselves (rename their own passkey, sign out, remove their own passkey) but
//! cannot remove the account's other passkeys, end its other sessions or rename
//! another passkey. Whoever talked the owner into approving a device (a relayed
//! number, a QR code on a phishing page) then holds one device among the owner's,
//! not the account: the owner's older devices can remove it at once, and the mail
//! about it carries an undo link. Devices added by recovery are not held back:
//! recovery exists to remove the devices that were lost, and its code came from
//! the account's own mailbox. Nor are devices let in by a nearby phone's passkey:
//! the phone proved it was near (Bluetooth) and signed with the account's own
//! passkey, which is a sign-in, and a sign-in's session is not held back either.

use super::{Auth, AuthError, AuthResult, secs};
use crate::clock::UnixTime;
use crate::store::SessionUserRow;

/// How a passkey came to its account.
///
/// ```
/// use bmauth::core::PasskeyOrigin;
///
/// assert_eq!(PasskeyOrigin::from_name("device_link"), Some(PasskeyOrigin::DeviceLink));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasskeyOrigin {
    /// The account's first passkey, made at sign-up.
    SignUp,
    /// A new device, approved on a signed-in one (QR code or typed code).
    DeviceLink,
    /// A new device, let in by a recovery code from the account's email.
    Recovery,
    /// A new device, let in by a passkey from a phone nearby (the platform's hybrid
    /// transport, which checks proximity over Bluetooth).
    Nearby,
}

impl PasskeyOrigin {
    /// How it is stored.
    ///
    /// ```
    /// assert_eq!(bmauth::core::PasskeyOrigin::SignUp.as_str(), "sign_up");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignUp => "sign_up",
            Self::DeviceLink => "device_link",
            Self::Recovery => "recovery",
            Self::Nearby => "nearby",
        }
    }

    /// The origin stored as `name`.
    ///
    /// ```
    /// assert_eq!(bmauth::core::PasskeyOrigin::from_name("qr"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::SignUp, Self::DeviceLink, Self::Recovery, Self::Nearby]
            .into_iter()
            .find(|o| o.as_str() == name)
    }
}

impl Auth {
    /// Until when `session` is held back, if it is: it was opened by a passkey that
    /// joined by a device link less than the cool-down ago.
    pub(crate) fn cooldown_until(&self, session: &SessionUserRow) -> Option<UnixTime> {
        if session.passkey_added_by != Some(PasskeyOrigin::DeviceLink) {
            return None;
        }
        let until = session.passkey_created_at? + secs(self.settings.new_device_cooldown);
        (until > self.now()).then_some(until)
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
