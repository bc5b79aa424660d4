//! What a person is shown about a device: its browser and system ("Chrome on
//! Android", from its user agent), its passkey provider ("iCloud Keychain", from
//! the AAGUID, by the community list shipped with the app), and how much of a user
//! agent is kept. One home, used by sessions, events, links and mail alike.

use std::collections::HashMap;
use std::sync::LazyLock;

/// Passkey providers by AAGUID (the community list, shipped with the app).
static PROVIDERS: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("passkey-aaguid-names.json")).unwrap_or_else(
        |e| {
            tracing::error!(error = %e, "the passkey provider list does not parse; passkeys go unnamed");
            HashMap::new()
        },
    )
});

/// The provider's name for an AAGUID ("iCloud Keychain"), if it is a known one.
pub(crate) fn provider_name(aaguid: Option<&str>) -> Option<&'static str> {
    PROVIDERS.get(aaguid?).map(String::as_str)
}

/// "Chrome on Android": the browser and system a user agent names.
pub(crate) fn describe_device(user_agent: Option<&str>) -> Option<String> {
    let parsed = woothee::parser::Parser::new().parse(user_agent?)?;
    let known = |name: &str| !name.is_empty() && name != "UNKNOWN";
    match (known(parsed.name), known(parsed.os)) {
        (true, true) => Some(format!("{} on {}", parsed.name, parsed.os)),
        (true, false) => Some(parsed.name.to_string()),
        (false, true) => Some(format!("A browser on {}", parsed.os)),
        (false, false) => None,
    }
}

/// A user agent as sessions, events and links keep it: its first 256 characters.
pub(crate) fn user_agent_to_store(user_agent: Option<&str>) -> Option<String> {
    user_agent.map(|ua| ua.chars().take(256).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_are_named_by_aaguid() {
        assert_eq!(
            provider_name(Some("08987058-cadc-4b81-b6e1-30de50dcbe96")),
            Some("Windows Hello")
        );
        assert_eq!(
            provider_name(Some("00000000-0000-0000-0000-000000000000")),
            None
        );
        assert_eq!(provider_name(None), None);
        assert!(PROVIDERS.len() > 20, "the list parses");
    }

    #[test]
    fn devices_are_described_in_words() {
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 \
                       (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
        assert_eq!(
            describe_device(Some(android)).as_deref(),
            Some("Chrome on Android")
        );
        assert_eq!(describe_device(None), None);
    }

    #[test]
    fn user_agents_are_kept_to_256_characters() {
        assert_eq!(
            user_agent_to_store(Some(&"é".repeat(300)))
                .unwrap()
                .chars()
                .count(),
            256
        );
        assert_eq!(user_agent_to_store(None), None);
    }
}
