//! Where a person goes after signing in: one rule, used by the server and the
//! browser alike.

/// `next` if it is a path on this site, else `/` (no open redirects).
///
/// A path on this site has one leading `/` (not `//` or `/\`, which browsers read as
/// another host) and only the characters URLs are written with: no whitespace,
/// control characters or backslashes, which browsers drop or turn into `/` before
/// they read the URL (`/\t/evil.example` becomes `//evil.example`). Percent-escapes
/// stay escaped, so `/%2F/evil.example` is a path here.
///
/// ```
/// use bmauth_proto::safe_next;
/// assert_eq!(safe_next(Some("/account?tab=2")), "/account?tab=2");
/// assert_eq!(safe_next(Some("/\t/evil.example")), "/");
/// assert_eq!(safe_next(None), "/");
/// ```
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if is_local_path(path) => path.to_string(),
        _ => "/".to_string(),
    }
}

fn is_local_path(path: &str) -> bool {
    const ALLOWED: &[u8] = b"-._~!$&'()*+,;=:@/?%#";
    let bytes = path.as_bytes();
    bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && bytes.len() <= 2048
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || ALLOWED.contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/account?tab=1#top")), "/account?tab=1#top");
        assert_eq!(safe_next(Some("/%2F/evil.example")), "/%2F/evil.example");
        for evil in [
            "//evil.example",
            "///evil.example",
            "https://evil.example",
            "https:evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/\t/evil.example/",
            "/\n/evil.example",
            "/\r/evil.example",
            " //evil.example",
            "/ /evil.example",
            "/\u{0}/evil.example",
            "/\u{a0}/evil.example",
            "%2F%2Fevil.example",
            "%2f/evil.example",
            "javascript:alert(1)",
            "evil",
            "",
        ] {
            assert_eq!(safe_next(Some(evil)), "/", "{evil:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
