//! Forward auth: a reverse proxy (Caddy's `forward_auth`, nginx's `auth_request`,
//! Traefik's `ForwardAuth`) asks whether a request to a protected host may through,
//! and BMAuth answers with the person's passkey session.
//!
//! The protected host cannot read BMAuth's cookie (another host), so it gets one
//! of its own, the oauth2-proxy way: a visitor without one is sent to BMAuth's
//! sign-in with the URL they asked for; once signed in, BMAuth sends them back with
//! a one-time code in that URL, which the next check (the same proxy, the same
//! host) trades for the host's cookie. The code is bound to a state cookie the host
//! set in the same browser before the trip, so a code made for someone else's
//! browser (a login CSRF: the attacker's account slipped to the victim) opens
//! nothing. Each host's cookie names a row that hangs on the BMAuth session, and
//! ends with it.

use url::Url;

use super::{Auth, AuthError, AuthResult, SessionToken, UserId, policy, secs};
use crate::config::{AllowList, ForwardHost, HostName};
use crate::crypto::{b64url, hex, random_bytes, sha256};
use crate::store::{ForwardCodeRow, ForwardCodeTaken};

/// The query parameter that carries the one-time code back to the protected host.
pub const CODE_PARAM: &str = "bmauth_forward_code";

/// A code lives this long: the browser carries it straight back.
const CODE_TTL_SECS: i64 = 60;

/// A protected host, parsed from the configuration.
#[derive(Debug, Clone)]
pub(crate) struct ProtectedHost {
    host: HostName,
    /// How it is stored with the rows made for it: `name` or `name:port`.
    key: String,
    allow: AllowList,
}

impl ProtectedHost {
    /// The configured hosts; `Config::validate` has checked every entry.
    pub(crate) fn all(configured: &[ForwardHost]) -> Vec<Self> {
        configured
            .iter()
            .filter_map(|entry| {
                let host = HostName::parse(&entry.host)?;
                let key = match host.port {
                    Some(port) => format!("{}:{port}", host.name),
                    None => host.name.clone(),
                };
                Some(Self {
                    host,
                    key,
                    allow: AllowList::parse(&entry.allow).ok()?,
                })
            })
            .collect()
    }
}

/// What a proxy says about the request it holds (the `X-Forwarded-…` headers).
#[derive(Debug, Clone, Copy, Default)]
pub struct ForwardedRequest<'a> {
    /// `X-Forwarded-Proto`: `http` or `https` (`http` if absent).
    pub proto: Option<&'a str>,
    /// `X-Forwarded-Host`: the host the browser asked for, perhaps with a port.
    pub host: Option<&'a str>,
    /// `X-Forwarded-Uri`: the path and query asked for (`/` if absent).
    pub uri: Option<&'a str>,
}

/// A request for a protected host: the URL asked for, rebuilt.
#[derive(Debug, Clone)]
pub struct ForwardTarget {
    url: Url,
    host: usize,
}

impl ForwardTarget {
    /// The URL asked for.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Whether it was asked over https (the host's cookies are then `Secure`).
    pub fn https(&self) -> bool {
        self.url.scheme() == "https"
    }
}

/// The person a protected host lets through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardIdentity {
    /// Their account's id (`Remote-User`).
    pub user_id: UserId,
    /// Their address (`Remote-Email`).
    pub email: String,
}

/// The answer to a proxy's question.
#[derive(Debug)]
pub enum ForwardCheck {
    /// Let it through, naming the person.
    Allowed(ForwardIdentity),
    /// Nobody is signed in on this host: to BMAuth's sign-in (`location`), after
    /// setting the state cookie (`state`) on the host.
    SignIn {
        /// BMAuth's sign-in page, carrying where to come back to.
        location: Url,
        /// The state cookie's value.
        state: String,
    },
    /// The URL carried a good code: set the host's cookie (`token`), and go on to
    /// the URL without the code.
    CookieMade {
        /// The host's cookie's value.
        token: String,
        /// The URL asked for, without the code.
        location: Url,
    },
}

/// Where `/auth/forward/start` sends the browser.
#[derive(Debug)]
pub enum ForwardStart {
    /// Not signed in at BMAuth: to its sign-in, and back here after.
    SignIn(Url),
    /// Back to the protected host with a one-time code.
    Back(Url),
}

impl Auth {
    /// The protected host and URL a proxy asks about: `ForwardRequestInvalid` for
    /// missing or malformed headers, `ForwardHostNotListed` for a host not in
    /// `[[forward_auth.hosts]]`.
    pub fn forward_target(&self, asked: ForwardedRequest<'_>) -> AuthResult<ForwardTarget> {
        // Every proxy sends the scheme; guessing `http` would make cookies that
        // are not `Secure` for an https site.
        let proto = match asked.proto.map(str::trim) {
            Some("http") => "http",
            Some("https") => "https",
            _ => return Err(AuthError::ForwardRequestInvalid),
        };
        // One host, set by the proxy. A list means something was appended to what
        // a client sent, and which entry is the proxy's is anyone's guess.
        let host = asked
            .host
            .filter(|h| !h.contains(','))
            .ok_or(AuthError::ForwardRequestInvalid)?;
        let uri = asked.uri.unwrap_or("/");
        // A path, never an authority or a scheme of its own.
        if !uri.starts_with('/') || uri.starts_with("//") || uri.contains(['\\', '\r', '\n']) {
            return Err(AuthError::ForwardRequestInvalid);
        }
        let asked_host = HostName::parse(host).ok_or(AuthError::ForwardRequestInvalid)?;
        let url = Url::parse(&format!("{proto}://{}{uri}", host.trim()))
            .map_err(|_| AuthError::ForwardRequestInvalid)?;
        self.target(url, &asked_host)
    }

    /// The listed host `url` is on, or `ForwardHostNotListed`.
    fn target(&self, url: Url, asked: &HostName) -> AuthResult<ForwardTarget> {
        let hosts = &self.settings.forward_hosts;
        // An entry naming this very port comes before one for any port, so that
        // `app:8443`'s stricter list is never bypassed through `app`'s.
        let host = hosts
            .iter()
            .position(|h| h.host.port.is_some() && h.host.covers(asked))
            .or_else(|| hosts.iter().position(|h| h.host.covers(asked)))
            .ok_or(AuthError::ForwardHostNotListed)?;
        Ok(ForwardTarget { url, host })
    }

    /// Whether the request may through: the host's cookie (`cookie`) of a live
    /// session of someone allowed, or a code the sign-in sent back (in the URL)
    /// with the state cookie set before (`state`). `redeem` is false for nginx's
    /// `auth_request`, which can set no cookie: its `error_page` sends the browser
    /// to `/auth/forward`, which does.
    pub async fn forward_check(
        &self,
        target: &ForwardTarget,
        cookie: Option<&str>,
        state: Option<&str>,
        redeem: bool,
    ) -> AuthResult<ForwardCheck> {
        let host = &self.settings.forward_hosts[target.host];
        let codes: Vec<String> = target
            .url
            .query_pairs()
            .filter(|(key, _)| key == CODE_PARAM)
            .map(|(_, value)| value.into_owned())
            .collect();
        // A URL carrying a code never goes through to the app before the code is
        // spent (it would sit in the app's logs and Referers, live): nginx's door
        // sends it to `/auth/forward`, which spends it.
        match (codes.as_slice(), redeem) {
            ([], _) => {}
            ([code], true) => return self.redeem_forward_code(target, code, state).await,
            (_, true) => return Err(AuthError::ForwardCodeInvalid), // a decoy beside it
            (_, false) => return self.sign_in_from(target),
        }
        if let Some(identity) = self.forward_identity(host, cookie).await? {
            return Ok(ForwardCheck::Allowed(identity));
        }
        self.sign_in_from(target)
    }

    /// To BMAuth's sign-in, and back to `target` after, with a new state.
    fn sign_in_from(&self, target: &ForwardTarget) -> AuthResult<ForwardCheck> {
        let mut back = target.url.clone();
        without_code(&mut back);
        let state = b64url(&random_bytes::<16>());
        let mut start = self
            .origin()
            .join("/auth/forward/start")
            .map_err(|e| AuthError::internal("building a sign-in link", e))?;
        start
            .query_pairs_mut()
            .append_pair("rd", back.as_str())
            .append_pair("state", &state);
        Ok(ForwardCheck::SignIn {
            location: self.sign_in_then(&start)?,
            state,
        })
    }

    /// The person the host's cookie signs in, if its session lives; refused with
    /// `ForwardNotAllowed` if they are not on the host's list.
    async fn forward_identity(
        &self,
        host: &ProtectedHost,
        cookie: Option<&str>,
    ) -> AuthResult<Option<ForwardIdentity>> {
        let Some(cookie) = cookie.filter(|c| !c.is_empty() && c.len() <= 64) else {
            return Ok(None);
        };
        let now = self.now();
        let Some(row) = self
            .store
            .forward_identity(&token_hash(cookie), &host.key, now, self.idle_cutoff(now))
            .await?
        else {
            return Ok(None);
        };
        if !host.allow.admits(&row.email) {
            return Err(AuthError::ForwardNotAllowed { email: row.email });
        }
        // Use of a protected host keeps the session alive, as the account page
        // does: written at most once a minute, not on every check.
        if now - row.last_seen_at >= secs(policy::SESSION_TOUCH_INTERVAL) {
            self.store.touch_session(&row.session_id, now).await?;
        }
        Ok(Some(ForwardIdentity {
            user_id: row.user_id,
            email: row.email,
        }))
    }

    async fn redeem_forward_code(
        &self,
        target: &ForwardTarget,
        code: &str,
        state: Option<&str>,
    ) -> AuthResult<ForwardCheck> {
        let host = &self.settings.forward_hosts[target.host];
        let mut location = target.url.clone();
        without_code(&mut location);
        let state = state
            .filter(|s| !s.is_empty() && s.len() <= 64)
            .ok_or(AuthError::ForwardCodeInvalid)?;
        if code.is_empty() || code.len() > 64 {
            return Err(AuthError::ForwardCodeInvalid);
        }
        let token = b64url(&random_bytes::<32>());
        match self
            .store
            .take_forward_code(
                &token_hash(code),
                &host.key,
                &token_hash(state),
                &token_hash(&token),
                self.now(),
            )
            .await?
        {
            ForwardCodeTaken::Taken => Ok(ForwardCheck::CookieMade { token, location }),
            ForwardCodeTaken::Refused => Err(AuthError::ForwardCodeInvalid),
        }
    }

    /// `/auth/forward/start`, on BMAuth's own host: with a live session of someone
    /// the host allows, back to `rd` (a URL on a listed host) with a one-time code
    /// bound to `state`; without one, to sign-in first.
    pub async fn forward_start(
        &self,
        session: Option<&SessionToken>,
        rd: &str,
        state: &str,
    ) -> AuthResult<ForwardStart> {
        let well_formed_state = (16..=64).contains(&state.len())
            && state
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let rd = Url::parse(rd).map_err(|_| AuthError::ForwardRequestInvalid)?;
        if !well_formed_state
            || !matches!(rd.scheme(), "http" | "https")
            || !rd.username().is_empty()
            || rd.password().is_some()
        {
            return Err(AuthError::ForwardRequestInvalid);
        }
        // The only hosts it ever sends anyone to: those listed (no open redirect).
        let asked = rd
            .host_str()
            .and_then(|name| {
                HostName::parse(&match rd.port() {
                    Some(port) => format!("{name}:{port}"),
                    None => name.to_string(),
                })
            })
            .ok_or(AuthError::ForwardRequestInvalid)?;
        let target = self.target(rd, &asked)?;
        let host = &self.settings.forward_hosts[target.host];
        let live = match session {
            Some(token) => self.live_session(token).await?,
            None => None,
        };
        let Some(session) = live else {
            let mut here = self
                .origin()
                .join("/auth/forward/start")
                .map_err(|e| AuthError::internal("building a sign-in link", e))?;
            here.query_pairs_mut()
                .append_pair("rd", target.url.as_str())
                .append_pair("state", state);
            return Ok(ForwardStart::SignIn(self.sign_in_then(&here)?));
        };
        if !host.allow.admits(&session.email) {
            return Err(AuthError::ForwardNotAllowed {
                email: session.email,
            });
        }
        let code = b64url(&random_bytes::<32>());
        self.store
            .insert_forward_code(&ForwardCodeRow {
                code_hash: token_hash(&code),
                session_id: session.id_hash,
                host: host.key.clone(),
                state_hash: token_hash(state),
                expires_at: self.now() + CODE_TTL_SECS,
            })
            .await?;
        let mut back = target.url;
        without_code(&mut back);
        with_code(&mut back, &code);
        Ok(ForwardStart::Back(back))
    }

    /// BMAuth's sign-in page, going on to `then` (on BMAuth's own host) after.
    fn sign_in_then(&self, then: &Url) -> AuthResult<Url> {
        let mut login = self
            .origin()
            .join("/auth/login")
            .map_err(|e| AuthError::internal("building a sign-in link", e))?;
        let next = match then.query() {
            Some(query) => format!("{}?{query}", then.path()),
            None => then.path().to_string(),
        };
        login.query_pairs_mut().append_pair("next", &next);
        Ok(login)
    }
}

/// Removes the one-time code from a URL, however its name is encoded; the rest
/// of its query stays exactly as the app wrote it (not decoded and encoded again).
fn without_code(url: &mut Url) {
    let Some(query) = url.query() else {
        return;
    };
    let names_code = |pair: &str| {
        url::form_urlencoded::parse(pair.as_bytes())
            .next()
            .is_some_and(|(key, _)| key == CODE_PARAM)
    };
    let kept: Vec<&str> = query.split('&').filter(|pair| !names_code(pair)).collect();
    let kept = kept.join("&");
    url.set_query((!kept.is_empty()).then_some(kept.as_str()));
}

/// Adds the one-time code (base64url: nothing to escape) to the URL's query.
fn with_code(url: &mut Url, code: &str) {
    let query = match url.query() {
        Some(query) if !query.is_empty() => format!("{query}&{CODE_PARAM}={code}"),
        _ => format!("{CODE_PARAM}={code}"),
    };
    url.set_query(Some(&query));
}

/// How codes, states and host cookies are stored: SHA-256, hex (random values of
/// 128 bits and more need no key).
fn token_hash(token: &str) -> String {
    hex(&sha256(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_leaves_the_url_and_the_rest_stays_as_written() {
        let mut url =
            Url::parse("https://wiki.example.com/a?x=a%20b+c&bmauth_forward_code=c&y=%2F").unwrap();
        without_code(&mut url);
        assert_eq!(url.as_str(), "https://wiki.example.com/a?x=a%20b+c&y=%2F");
        with_code(&mut url, "d");
        assert_eq!(
            url.as_str(),
            "https://wiki.example.com/a?x=a%20b+c&y=%2F&bmauth_forward_code=d"
        );
        let mut url = Url::parse("https://wiki.example.com/a?bmauth_forward_code=c").unwrap();
        without_code(&mut url);
        assert_eq!(url.as_str(), "https://wiki.example.com/a");
        let mut url = Url::parse("https://wiki.example.com/?bmauth%5Fforward%5Fcode=x&z").unwrap();
        without_code(&mut url);
        assert_eq!(
            url.as_str(),
            "https://wiki.example.com/?z",
            "an encoded name too"
        );
    }
}
