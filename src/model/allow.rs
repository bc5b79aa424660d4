//! Who may use something (an app, and later a host behind the proxy): exact
//! addresses and whole domains (`*@example.com`). An empty list lets everyone in.

/// One entry of an allow list.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    /// This address exactly (lower-case).
    Address(String),
    /// Every address at this domain exactly (lower-case ASCII; not its subdomains).
    Domain(String),
}

/// A parsed allow list.
///
/// ```
/// use bmauth::config::AllowList;
///
/// let list = AllowList::parse(&["*@example.com".into(), "Ana@Example.org".into()]).unwrap();
/// assert!(list.admits("bob@example.com"));
/// assert!(list.admits("ana@example.org"));
/// assert!(!list.admits("bob@sub.example.com"));
/// assert!(AllowList::parse(&["*@*".into()]).is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList(Vec<Entry>);

impl AllowList {
    /// Parses `*@domain` and plain addresses; says which entry is wrong otherwise.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        entries
            .iter()
            .map(|raw| {
                let text = raw.trim().to_lowercase();
                let Some((local, domain)) = text.rsplit_once('@') else {
                    return Err(format!("`{raw}` is neither an address nor *@domain"));
                };
                let domain = idna::domain_to_ascii(domain)
                    .ok()
                    .filter(|d| d.contains('.') && !d.contains('*'))
                    .ok_or_else(|| format!("`{raw}`: `{domain}` is not a domain name"))?;
                match local {
                    "*" => Ok(Entry::Domain(domain)),
                    "" => Err(format!("`{raw}` has nothing before the @")),
                    _ if local.contains('*') => {
                        Err(format!("`{raw}`: only a whole domain may be *@domain"))
                    }
                    _ => Ok(Entry::Address(format!("{local}@{domain}"))),
                }
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Whether `email` (normalised, as accounts keep it) may use it.
    pub fn admits(&self, email: &str) -> bool {
        let domain = email.rsplit_once('@').map_or("", |(_, d)| d);
        self.0.is_empty()
            || self.0.iter().any(|entry| match entry {
                Entry::Address(address) => address == email,
                Entry::Domain(d) => d == domain,
            })
    }

    /// Whether everyone may (no entries).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
