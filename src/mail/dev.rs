//! The development mailer: nothing to set up. Each message goes to the server log
//! and to a file, so a developer can read the PIN. Refused in production mode by
//! configuration validation, because it puts PINs in the log.

use std::path::PathBuf;

use super::MailBody;

#[derive(Clone)]
pub struct DevMailer {
    folder: PathBuf,
}

impl DevMailer {
    pub fn new(folder: PathBuf) -> Self {
        Self { folder }
    }

    pub async fn send(&self, to: &str, body: &MailBody) -> Result<(), String> {
        tracing::info!(
            target: "bmauth::dev_mailer",
            "mail to {to}: {}\n{}",
            body.subject,
            body.text
        );
        tokio::fs::create_dir_all(&self.folder)
            .await
            .map_err(|e| format!("creating {}: {e}", self.folder.display()))?;
        let name = format!(
            "{}-{}.txt",
            crate::crypto::hex(&crate::crypto::random_bytes::<4>()),
            sanitize(to)
        );
        let content = format!("To: {to}\nSubject: {}\n\n{}", body.subject, body.text);
        let path = self.folder.join(name);
        tokio::fs::write(&path, content)
            .await
            .map_err(|e| format!("writing {}: {e}", path.display()))
    }
}

fn sanitize(address: &str) -> String {
    address
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '@' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
