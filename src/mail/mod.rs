//! Mail: composed here, queued in the database (`outbox.rs`), sent over SMTP by
//! lettre, or, with no SMTP configured, by the development mailer, which writes
//! each message to the log and to `data/outbox/`.

mod dev;
mod outbox;
mod smtp;
mod templates;

pub use dev::DevMailer;
pub use outbox::{DeliveryError, Outbox};
pub use smtp::SmtpMailer;
pub use templates::{
    ApprovedBy, DeviceAdded, account_deleted_mail, device_added_mail, email_changed_mail,
    passkey_removed_mail, pin_mail, recovery_link_mail,
};

/// A message's content, before it is queued.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MailBody {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Where mail goes.
#[derive(Clone)]
pub enum Mailer {
    Smtp(SmtpMailer),
    Development(DevMailer),
}

impl Mailer {
    pub async fn send(&self, to: &str, body: &MailBody) -> Result<(), String> {
        match self {
            Self::Smtp(smtp) => smtp.send(to, body).await,
            Self::Development(dev) => dev.send(to, body).await,
        }
    }
}
