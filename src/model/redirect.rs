//! Which redirect URIs may be registered for an app that signs in through BMAuth:
//! https, or http to a loopback host only (RFC 8252 §7.3; a web app's must be
//! https), and never with a fragment (RFC 6749 §3.1.2). Configuration checks it
//! at start-up, the provider at registration.

use url::Url;

/// Why a redirect URI cannot be registered.
#[derive(Debug, PartialEq, Eq)]
pub enum RedirectProblem {
    NotAUrl,
    HasFragment,
    PlainHttpToARemoteHost,
    NotHttp,
}

/// Checks a redirect URI before it is registered.
pub fn registrable(uri: &str) -> Result<Url, RedirectProblem> {
    let url = Url::parse(uri).map_err(|_| RedirectProblem::NotAUrl)?;
    if url.fragment().is_some() {
        return Err(RedirectProblem::HasFragment); // RFC 6749 §3.1.2
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(RedirectProblem::PlainHttpToARemoteHost),
        _ => Err(RedirectProblem::NotHttp),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost" || name.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http_without_fragments_can_be_registered() {
        assert!(registrable("https://app.example.com/callback").is_ok());
        assert!(registrable("http://localhost:8000/auth").is_ok());
        assert!(registrable("http://127.0.0.1:9000/cb").is_ok());
        assert_eq!(
            registrable("http://app.example.com/cb"),
            Err(RedirectProblem::PlainHttpToARemoteHost)
        );
        assert_eq!(
            registrable("https://app.example.com/cb#x"),
            Err(RedirectProblem::HasFragment)
        );
        assert_eq!(
            registrable("javascript:alert(1)"),
            Err(RedirectProblem::NotHttp)
        );
    }
}
