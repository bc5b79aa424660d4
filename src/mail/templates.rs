//! The words of each message, in text and HTML.

use std::time::Duration;

use super::MailBody;
use crate::clock::UnixTime;
use crate::core::PinPurpose;

/// Escapes text for HTML (the app name comes from configuration).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn pin_mail(app: &str, purpose: PinPurpose, pin: &str, ttl: Duration) -> MailBody {
    let minutes = ttl.as_secs() / 60;
    let (subject, why) = match purpose {
        PinPurpose::VerifyEmail => (
            format!("Confirm your email for {app}"),
            format!(
                "Enter this code to confirm your email address and finish signing up to {app}."
            ),
        ),
        PinPurpose::Recover => (
            format!("Recover your {app} account"),
            format!("Enter this code on your new device to get back into your {app} account."),
        ),
    };
    let text = format!(
        "{why}\n\n    {pin}\n\nThe code works for {minutes} minutes.\n\n\
         If you did not ask for this, ignore this email: nothing happens without the code.\n"
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5\">\
         <p>{why}</p>\
         <p style=\"font-size:28px;font-weight:700;letter-spacing:6px\">{pin}</p>\
         <p>The code works for {minutes} minutes.</p>\
         <p style=\"color:#555\">If you did not ask for this, ignore this email: nothing happens without the code.</p>\
         </body></html>",
        why = escape(&why),
    );
    MailBody {
        subject,
        text,
        html,
    }
}

/// Tells an account that a device was added to it, and what to do if it wasn't them.
/// `by_recovery`: it came in with a recovery code from this mailbox, not by the
/// approval of a signed-in device.
pub fn device_added_mail(app: &str, device: Option<&str>, by_recovery: bool) -> MailBody {
    let device = device.unwrap_or("A new device");
    let subject = format!("A device was added to your {app} account");
    let how = if by_recovery {
        "with a recovery code sent to this address"
    } else {
        "approved on a device you were signed in on"
    };
    let what =
        format!("{device} was added to your {app} account, {how}, and made its own passkey.");
    let not_you = "Not you? Sign in on a device you trust and remove the passkey you \
         don't recognise on your devices page, then end the sessions you don't know.";
    security_notice(subject, &what, not_you)
}

/// Tells an account that one of its passkeys was removed, from where, and what to
/// do if it wasn't them.
pub fn passkey_removed_mail(app: &str, added_at: UnixTime, by_device: Option<&str>) -> MailBody {
    let subject = format!("A passkey was removed from your {app} account");
    let from = by_device.map(|d| format!(" on {d}")).unwrap_or_default();
    let added = time::OffsetDateTime::from_unix_timestamp(added_at)
        .map(|t| format!(" added on {}", t.date()))
        .unwrap_or_default();
    let what = format!(
        "A passkey{added} was removed from your {app} account{from}. \
         It can no longer sign in, and the sessions it opened were ended."
    );
    let not_you = "Not you? Sign in on a device you trust, look at your devices and \
         sessions, and remove what you don't recognise. If you can't sign in, recover \
         your account with a code sent to this address.";
    security_notice(subject, &what, not_you)
}

/// A security notice: what happened, and what to do if it wasn't them.
fn security_notice(subject: String, what: &str, not_you: &str) -> MailBody {
    let text = format!("{what}\n\n{not_you}\n");
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5\">\
         <p>{what}</p><p style=\"color:#555\">{not_you}</p></body></html>",
        what = escape(what),
        not_you = escape(not_you),
    );
    MailBody {
        subject,
        text,
        html,
    }
}
