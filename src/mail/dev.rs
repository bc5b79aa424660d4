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
        // The files carry PINs: readable by the server's user only.
        let mut folder = tokio::fs::DirBuilder::new();
        folder.recursive(true);
        #[cfg(unix)]
        folder.mode(0o700);
        folder
            .create(&self.folder)
            .await
            .map_err(|e| format!("creating {}: {e}", self.folder.display()))?;
        let name = format!(
            "{}-{}.txt",
            crate::crypto::hex(&crate::crypto::random_bytes::<4>()),
            sanitize(to)
        );
        let content = format!("To: {to}\nSubject: {}\n\n{}", body.subject, body.text);
        let path = self.folder.join(name);
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600);
        let write = async {
            use tokio::io::AsyncWriteExt;
            options
                .open(&path)
                .await?
                .write_all(content.as_bytes())
                .await
        };
        write
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

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[tokio::test]
    async fn mail_files_are_readable_by_the_owner_only() {
        let folder = tempfile::tempdir().unwrap();
        let outbox = folder.path().join("outbox");
        let mailer = DevMailer::new(outbox.clone());
        let body = MailBody {
            subject: "Code".into(),
            text: "123456".into(),
            html: String::new(),
        };
        mailer.send("ada@example.com", &body).await.unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&outbox), 0o700);
        let file = std::fs::read_dir(&outbox)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        assert_eq!(mode(&file), 0o600);
    }
}
