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
