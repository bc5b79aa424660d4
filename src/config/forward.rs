//! Forward auth's configuration (`[forward_auth]`): the hosts a reverse proxy
//! protects with BMAuth, and who may into each.

use serde::{Deserialize, Serialize};

use super::{AllowList, ConfigError, HostName, invalid};

/// Forward auth (`[forward_auth]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ForwardAuthConfig {
    /// The protected hosts (`[[forward_auth.hosts]]`). A request for any other is
    /// refused.
    pub hosts: Vec<ForwardHost>,
}

/// One host behind the proxy.
///
/// ```
/// use bmauth::config::{Config, ForwardHost};
///
/// let mut config = Config::default();
/// config.forward_auth.hosts.push(ForwardHost {
///     host: "wiki.example.com".into(),
///     allow: vec!["*@example.com".into(), "ana@example.org".into()],
/// });
/// assert!(config.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardHost {
    /// Its name as the proxy sends it in `X-Forwarded-Host`, e.g. `wiki.example.com`;
    /// with a port (`app.localhost:8443`) only that port matches.
    pub host: String,
    /// Who may in: addresses and `*@domain` entries; empty lets everyone with an
    /// account in.
    #[serde(default)]
    pub allow: Vec<String>,
}

impl ForwardAuthConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let mut seen = std::collections::HashSet::new();
        for host in &self.hosts {
            let name = HostName::parse(&host.host).ok_or_else(|| {
                invalid(
                    "forward_auth.hosts",
                    format!(
                        "`{}` is not a host name (give it as the proxy sends it, e.g. wiki.example.com, without https:// or a path)",
                        host.host
                    ),
                )
            })?;
            if !seen.insert(name.clone()) {
                return Err(invalid(
                    "forward_auth.hosts",
                    format!("`{}` is listed twice", host.host),
                ));
            }
            AllowList::parse(&host.allow).map_err(|reason| {
                invalid(
                    "forward_auth.hosts",
                    format!("host `{}`: allow: {reason}", host.host),
                )
            })?;
        }
        Ok(())
    }
}
