//! The words of each message, in text and HTML.

use std::time::Duration;

use super::MailBody;
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
    let text = format!("{what}\n\n{not_you}\n");
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5\">\
         <p>{what}</p><p style=\"color:#555\">{not_you}</p></body></html>",
        what = escape(&what),
        not_you = escape(not_you),
    );
    MailBody {
        subject,
        text,
        html,
    }
}
