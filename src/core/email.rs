//! Email addresses as account names.

use super::error::AuthError;

/// A normalised email address: trimmed and lower-cased (the whole address: mail
/// providers treat the local part case-insensitively in practice, and two accounts
/// differing only by case would be a trap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(input: &str) -> Result<Self, AuthError> {
        let normalised = input.trim().to_lowercase();
        if normalised.len() > Self::MAX_LEN
            || !email_address::EmailAddress::is_valid(&normalised)
            // Addresses with a display name or quotes are valid mailboxes but not names.
            || normalised.contains(['<', '>', '"', ' '])
        {
            return Err(AuthError::InvalidEmail);
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_rejects() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "Ada <ada@example.com>",
            "a b@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }
}
