//! A host name as a reverse proxy names the site a request was for.

/// A host name, lower-case ASCII, with the port if one was given.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostName {
    /// `wiki.example.com`.
    pub name: String,
    /// `Some(8443)` when given.
    pub port: Option<u16>,
}

impl HostName {
    /// `wiki.example.com` or `wiki.example.com:8443`, as in a `Host` header;
    /// `None` for anything else (a scheme, a path, a user, an empty name).
    ///
    /// ```
    /// use bmauth::config::HostName;
    ///
    /// let host = HostName::parse("Wiki.Example.com:8443").unwrap();
    /// assert_eq!((host.name.as_str(), host.port), ("wiki.example.com", Some(8443)));
    /// assert!(HostName::parse("https://wiki.example.com").is_none());
    /// assert!(HostName::parse("wiki.example.com/x").is_none());
    /// assert!(HostName::parse("evil.com@wiki.example.com").is_none());
    /// ```
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() || text.contains(['/', '\\', '@', '?', '#', ' ']) {
            return None;
        }
        // The URL parser says what a browser would take the authority to mean.
        let url = url::Url::parse(&format!("http://{text}/")).ok()?;
        let name = match url.host()? {
            url::Host::Domain(name) => name.to_string(),
            url::Host::Ipv4(ip) => ip.to_string(),
            url::Host::Ipv6(ip) => format!("[{ip}]"),
        };
        Some(Self {
            name,
            port: url.port(),
        })
    }

    /// Whether a request for `asked` is for this host: the same name, and the same
    /// port if this one names one.
    pub fn covers(&self, asked: &HostName) -> bool {
        self.name == asked.name && (self.port.is_none() || self.port == asked.port)
    }
}
