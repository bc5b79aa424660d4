//! Email addresses as account names.

use unicode_normalization::UnicodeNormalization;

use super::error::AuthError;

/// A normalised email address, so that one person has one account: trimmed,
/// Unicode NFC, lower-cased (the whole address: mail providers treat the local part
/// case-insensitively in practice, and two accounts differing only by case would be
/// a trap), and the domain in its ASCII (IDNA) form. Only real, dotted domain names:
/// no address literals (`x@[10.0.0.5]`) and no dotless hosts (`x@localhost`), so PIN
/// mail goes only to real domains.
///
/// ```
/// use bmauth::auth::Email;
///
/// assert_eq!(Email::parse("  Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
/// assert!(Email::parse("ada@localhost").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// The longest address accepted.
    pub const MAX_LEN: usize = 254;

    /// Normalises `input`, or refuses it with [`AuthError::InvalidEmail`].
    ///
    /// ```
    /// let email = bmauth::auth::Email::parse("José@bücher.example").unwrap();
    /// assert_eq!(email.as_str(), "josé@xn--bcher-kva.example");
    /// ```
    pub fn parse(input: &str) -> Result<Self, AuthError> {
        let text: String = input.trim().nfc().collect::<String>().to_lowercase();
        let (local, domain) = text.rsplit_once('@').ok_or(AuthError::InvalidEmail)?;
        if local.is_empty()
            // Addresses with a display name or quotes are valid mailboxes but not names.
            || local.contains(['<', '>', '"', ' ', '@', '\\'])
            || local.chars().any(char::is_control)
            || domain.starts_with('[')
        {
            return Err(AuthError::InvalidEmail);
        }
        let domain = idna::domain_to_ascii(domain).map_err(|_| AuthError::InvalidEmail)?;
        let dotted = domain.split('.').filter(|label| !label.is_empty()).count() >= 2;
        let normalised = format!("{local}@{domain}");
        if !dotted
            || domain.ends_with('.')
            || normalised.len() > Self::MAX_LEN
            || !email_address::EmailAddress::is_valid(&normalised)
        {
            return Err(AuthError::InvalidEmail);
        }
        Ok(Self(normalised))
    }

    /// The normalised address.
    ///
    /// ```
    /// let email = bmauth::auth::Email::parse("ada@example.com").unwrap();
    /// assert_eq!(email.as_str(), "ada@example.com");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A stored address partly hidden, as a device that is not signed in may be shown
/// it (`an…@example.com`): enough for its owner to recognise, little for anyone
/// else. The domain stays whole, so that a work account is told from a private one.
///
/// ```
/// assert_eq!(bmauth::auth::mask_email("ana@example.com"), "an…@example.com");
/// assert_eq!(bmauth::auth::mask_email("jo@example.com"), "j…@example.com");
/// ```
pub fn mask_email(address: &str) -> String {
    let (local, domain) = address.rsplit_once('@').unwrap_or((address, ""));
    let shown = match local.chars().count() {
        0..=2 => 1,
        _ => 2,
    };
    let start: String = local.chars().take(shown).collect();
    format!("{start}…@{domain}")
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(input: &str) -> String {
        Email::parse(input).unwrap().0
    }

    #[test]
    fn normalises_so_one_person_has_one_address() {
        assert_eq!(parsed("  Ada@Example.COM "), "ada@example.com");
        assert_eq!(parsed("ada@BÜCHER.example"), "ada@xn--bcher-kva.example");
        assert_eq!(
            parsed("ada@xn--bcher-kva.example"),
            "ada@xn--bcher-kva.example"
        );
        // "é" composed and decomposed are one address.
        assert_eq!(
            parsed("ren\u{e9}@example.com"),
            parsed("rene\u{301}@example.com")
        );
    }

    #[test]
    fn masked_addresses_keep_the_start_and_the_domain() {
        assert_eq!(mask_email("ana@example.com"), "an…@example.com");
        assert_eq!(mask_email("a@example.com"), "a…@example.com");
        assert_eq!(mask_email("élodie@bücher.example"), "él…@bücher.example");
        assert!(!mask_email("secretname@example.com").contains("secret"));
    }

    #[test]
    fn refuses_what_is_not_a_real_mailbox() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "Ada <ada@example.com>",
            "a b@example.com",
            "x@[10.0.0.5]",
            "x@[IPv6:::1]",
            "x@localhost",
            "x@example",
            "x@example.com.",
            "x@.example.com",
            "a\u{0}b@example.com",
            "a\\b@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }
}
