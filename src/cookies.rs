//! The cookies BMAuth sets: the session and the browser binding. Every one is
//! HttpOnly, for the whole site, and `Secure` with the `__Host-` prefix on https
//! (which pins it to this exact host).

use std::time::Duration;

use axum_extra::extract::cookie::{Cookie, SameSite};

use crate::BmAuth;
use crate::auth::{BrowserToken, SessionToken, policy};

/// How this site's cookies are named and sent.
pub(crate) struct Cookies {
    session_name: &'static str,
    browser_name: &'static str,
    secure: bool,
    session_lifetime: time::Duration,
}

impl Cookies {
    pub(crate) fn new(https: bool, session_lifetime: Duration) -> Self {
        Self {
            session_name: if https {
                "__Host-bmauth_session"
            } else {
                "bmauth_session"
            },
            browser_name: if https {
                "__Host-bmauth_browser"
            } else {
                "bmauth_browser"
            },
            secure: https,
            session_lifetime: time::Duration::seconds(session_lifetime.as_secs() as i64),
        }
    }

    /// Whether the site is served over https (cookies are `Secure`).
    pub(crate) fn https(&self) -> bool {
        self.secure
    }

    fn build(
        &self,
        name: &'static str,
        value: &str,
        same_site: SameSite,
        max_age: time::Duration,
    ) -> Cookie<'static> {
        Cookie::build((name, value.to_owned()))
            .http_only(true)
            .secure(self.secure)
            .same_site(same_site)
            .path("/")
            .max_age(max_age)
            .build()
    }
}

impl BmAuth {
    pub(crate) fn cookie_name(&self) -> &'static str {
        self.0.cookies.session_name
    }

    pub(crate) fn browser_cookie_name(&self) -> &'static str {
        self.0.cookies.browser_name
    }

    /// The browser-binding cookie: strict same-site, a day from its last use (it
    /// is set again on every state-changing request).
    pub(crate) fn browser_cookie(&self, token: &BrowserToken) -> Cookie<'static> {
        let cookies = &self.0.cookies;
        let ttl = time::Duration::seconds(policy::BROWSER_BINDING_TTL.as_secs() as i64);
        cookies.build(cookies.browser_name, token.as_str(), SameSite::Strict, ttl)
    }

    pub(crate) fn session_cookie(&self, token: &SessionToken) -> Cookie<'static> {
        let cookies = &self.0.cookies;
        cookies.build(
            cookies.session_name,
            token.as_str(),
            SameSite::Lax,
            cookies.session_lifetime,
        )
    }

    pub(crate) fn expired_session_cookie(&self) -> Cookie<'static> {
        let cookies = &self.0.cookies;
        cookies.build(
            cookies.session_name,
            "",
            SameSite::Lax,
            time::Duration::ZERO,
        )
    }
}
