//! The words of each message, in text and HTML.

use std::time::Duration;

use super::MailBody;
use crate::clock::UnixTime;
use crate::model::PinPurpose;

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
        PinPurpose::ChangeEmail => (
            format!("Confirm your new email for {app}"),
            format!("Enter this code to make this your {app} account's email address."),
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

/// What let a new device in, as the mail about it says.
#[derive(Debug, Clone, Copy)]
pub enum ApprovedBy<'a> {
    /// A signed-in device: its browser and system, and its address.
    SignedInDevice {
        device: Option<&'a str>,
        ip: Option<&'a str>,
    },
    /// A recovery code sent to the account's address.
    RecoveryCode,
    /// A recovery link an administrator sent to the account's address.
    RecoveryLink,
    /// One of the account's passkeys, on a phone that proved it was near.
    NearbyPasskey,
}

/// A device that joined an account, for the mail that tells the account.
#[derive(Debug, Clone, Copy)]
pub struct DeviceAdded<'a> {
    /// Its browser and system ("Chrome on Android").
    pub device: Option<&'a str>,
    /// The address it asked from.
    pub ip: Option<&'a str>,
    /// When it made its passkey.
    pub at: UnixTime,
    pub approved_by: ApprovedBy<'a>,
    /// The "This wasn't me" link that removes it.
    pub undo_url: &'a str,
}

/// "Chrome on Android (from 203.0.113.7)".
fn device_and_address(device: Option<&str>, ip: Option<&str>, unknown: &str) -> String {
    let device = device.unwrap_or(unknown);
    match ip {
        Some(ip) => format!("{device} (from {ip})"),
        None => device.to_string(),
    }
}

/// "2026-12-07 at 14:03 UTC".
fn date_and_time(at: UnixTime) -> String {
    match time::OffsetDateTime::from_unix_timestamp(at) {
        Ok(t) => format!("{} at {:02}:{:02} UTC", t.date(), t.hour(), t.minute()),
        Err(_) => "just now".into(),
    }
}

/// Tells an account that a device was added to it, where it was approved from, and
/// what to do if it wasn't them.
pub fn device_added_mail(app: &str, added: &DeviceAdded<'_>) -> MailBody {
    let subject = format!("A device was added to your {app} account");
    let device = device_and_address(added.device, added.ip, "A new device");
    let how = match added.approved_by {
        ApprovedBy::SignedInDevice { device, ip } => format!(
            "It was approved on {}, where you were signed in.",
            device_and_address(device, ip, "a device")
        ),
        ApprovedBy::RecoveryCode => "It came in with a recovery code sent to this address.".into(),
        ApprovedBy::RecoveryLink => {
            "It came in with the recovery link an administrator sent to this address.".into()
        }
        ApprovedBy::NearbyPasskey => {
            "It was approved with one of your passkeys, from a phone or security key beside it."
                .into()
        }
    };
    let what = format!(
        "{device} was added to your {app} account on {}, and made its own passkey. {how}",
        date_and_time(added.at)
    );
    let not_you = "This wasn't you? Remove that device with the link below, at once and \
         without signing in (it works once, for 24 hours). Then look at your devices \
         and sessions from a device you trust.";
    security_notice(
        subject,
        &what,
        not_you,
        Some(("This wasn't me: remove that device", added.undo_url)),
    )
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
    security_notice(subject, &what, not_you, None)
}

/// Tells the old address that the account's address changed, and how to undo it.
pub fn email_changed_mail(app: &str, new_email: &str, undo_url: &str) -> MailBody {
    let subject = format!("Your {app} account's email address was changed");
    let what = format!(
        "Your {app} account's email address was changed to {new_email}. Mail about \
         the account goes there from now on."
    );
    let not_you = "This wasn't you? Undo it with the link below, without signing in (it \
         works once, for 7 days): the address comes back to this one and every session \
         of the account is signed out.";
    security_notice(
        subject,
        &what,
        not_you,
        Some(("This wasn't me: undo the change", undo_url)),
    )
}

/// The last mail to an account deleted by its owner: what went, and what to do if
/// it wasn't them (nothing can bring it back; they can sign up again).
pub fn account_deleted_mail(app: &str, by_device: Option<&str>) -> MailBody {
    let subject = format!("Your {app} account was deleted");
    let from = by_device.map(|d| format!(" on {d}")).unwrap_or_default();
    let what = format!(
        "Your {app} account was deleted{from}, with its passkeys, sessions, app sign-ins \
         and activity. This is the last mail we send you."
    );
    let not_you = "Not you? Someone who held one of your passkeys deleted it. Nothing \
         of the account remains: sign up again with this address, and tell the people \
         who run this site.";
    security_notice(subject, &what, not_you, None)
}

/// A recovery link an administrator sent: what it does, for how long, and that
/// nobody should be given it.
pub fn recovery_link_mail(app: &str, url: &str) -> MailBody {
    let subject = format!("A link to get back into your {app} account");
    let what = format!(
        "An administrator of {app} sent you this link to get back into your account. \
         Open it on the device you want to use from now on: it makes a passkey there \
         and signs you in. It works once, for 24 hours, and only this newest link works."
    );
    let not_you = "Didn't ask for it? Ignore this email: nothing happens unless the link \
         is opened. Never forward it or read it out to anyone: whoever opens it gets \
         into your account.";
    security_notice(
        subject,
        &what,
        not_you,
        Some(("Get back into my account", url)),
    )
}

/// A security notice: what happened, what to do if it wasn't them, and a link
/// (its words and URL) that does it, if there is one.
fn security_notice(
    subject: String,
    what: &str,
    not_you: &str,
    action: Option<(&str, &str)>,
) -> MailBody {
    let (action_text, action_html) = match action {
        Some((words, url)) => (
            format!("\n{words}:\n{url}\n"),
            format!(
                "<p><a href=\"{url}\" style=\"font-weight:700\">{words}</a></p>",
                url = escape(url),
                words = escape(words),
            ),
        ),
        None => (String::new(), String::new()),
    };
    let text = format!("{what}\n\n{not_you}\n{action_text}");
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5\">\
         <p>{what}</p><p style=\"color:#555\">{not_you}</p>{action_html}</body></html>",
        what = escape(what),
        not_you = escape(not_you),
    );
    MailBody {
        subject,
        text,
        html,
    }
}
