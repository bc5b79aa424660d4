//! The numbers the rules run on that a client needs too (to count down, or to say
//! how long a code lives). The server enforces them; clients only show them.

/// Digits in an email code.
pub const PIN_DIGITS: usize = 6;
/// An email code works this long (seconds).
pub const PIN_TTL_SECS: u64 = 10 * 60;
/// At most one email code per sign-up per this long (seconds).
pub const PIN_RESEND_AFTER_SECS: u64 = 60;
/// Wrong tries before a code is dead.
pub const PIN_ATTEMPTS: u32 = 5;
/// Wrong tries for one sign-up across resends; then it must start again.
pub const PIN_TRIES_PER_SIGN_UP: u32 = 15;
/// A WebAuthn ceremony must finish within this long of starting (seconds).
pub const CEREMONY_TTL_SECS: u64 = 5 * 60;
/// A device link (adding a device by QR code) works this long (seconds); once
/// approved, the new device has this long again to make its passkey.
pub const LINK_TTL_SECS: u64 = 5 * 60;
/// Removing a passkey needs the person to have confirmed it's them with a passkey
/// (a user-verified assertion) within this long (seconds).
pub const FRESH_VERIFICATION_SECS: u64 = 5 * 60;
/// The longest name a passkey may be given (characters).
pub const PASSKEY_NAME_MAX_CHARS: usize = 64;
