//! Forward auth, with this test as the reverse proxy: a visitor is sent to sign in
//! and back with a one-time code that becomes the protected host's own cookie;
//! the cookie ends with the BMAuth session; the code works once, only in the
//! browser that went to get it; only listed hosts, only allowed people, and no
//! redirect anywhere else.

use std::collections::HashMap;

use bmauth::Config;
use bmauth::auth::Actor;
use bmauth::config::ForwardHost;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};

use crate::both_backends_with;
use crate::support::{Browser, TestApp};

const WIKI: &str = "wiki.example.test";
const OPEN: &str = "open.example.test:8443";
const ANA: &str = "ana@example.com";
const BOB: &str = "bob@example.org";
const EVE: &str = "eve@example.com";

fn protected(config: &mut Config) {
    config.forward_auth.hosts = vec![
        ForwardHost {
            host: WIKI.into(),
            allow: vec!["*@example.com".into()],
        },
        ForwardHost {
            host: OPEN.into(),
            allow: vec![],
        },
        // The wiki's admin port: Ana only, whatever the wiki's own list says.
        ForwardHost {
            host: "wiki.example.test:8443".into(),
            allow: vec![ANA.into()],
        },
    ];
}

/// One browser as the proxy in front of one host sees it: the host's cookies,
/// and the requests the proxy makes to BMAuth on its behalf.
struct Visitor {
    http: reqwest::Client,
    base: String,
    proto: &'static str,
    host: String,
    cookies: HashMap<String, String>,
}

struct Checked {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Checked {
    fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|l| l.to_str().ok())
            .unwrap_or_else(|| panic!("no Location ({}): {}", self.status, self.body))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    #[track_caller]
    fn refused(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert!(self.body.contains(code), "{}", self.body);
        assert!(self.headers.get(LOCATION).is_none(), "never a redirect");
    }
}

impl Visitor {
    fn new(app: &TestApp, proto: &'static str, host: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: app.base().to_string(),
            proto,
            host: host.into(),
            cookies: HashMap::new(),
        }
    }

    /// The proxy asks `path` (`/auth/forward` or `/auth/forward/request`) about
    /// `uri`; the browser keeps the cookies the answer sets.
    async fn ask(&mut self, path: &str, uri: &str) -> Checked {
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("x-forwarded-proto", self.proto)
            .header("x-forwarded-host", &self.host)
            .header("x-forwarded-uri", uri)
            .header("cookie", cookie.join("; "))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for set in headers.get_all(SET_COOKIE) {
            let set = set.to_str().unwrap();
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            assert!(attributes.contains("HttpOnly"), "{set}");
            assert!(attributes.contains("SameSite=Lax"), "{set}");
            assert!(!attributes.contains("Domain"), "host-only: {set}");
            assert_eq!(
                attributes.contains("Secure"),
                self.proto == "https",
                "{set}"
            );
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.into(), value.into());
            }
        }
        let body = response.text().await.unwrap();
        Checked {
            status,
            headers,
            body,
        }
    }

    async fn check(&mut self, uri: &str) -> Checked {
        self.ask("/auth/forward", uri).await
    }
}

/// The path and query of BMAuth's sign-in page's `next`, from a Location.
fn next_of(location: &str) -> String {
    let url = reqwest::Url::parse(location).unwrap();
    assert_eq!(url.path(), "/auth/login", "to BMAuth's sign-in: {location}");
    url.query_pairs()
        .find(|(k, _)| k == "next")
        .map(|(_, v)| v.into_owned())
        .expect("the sign-in page carries where to go next")
}

/// The whole trip: the proxy sends the visitor to sign in, BMAuth (where
/// `browser` is signed in) sends them back with a code, the proxy trades it for
/// the host's cookie. Returns the Location BMAuth sent back to.
async fn sign_in_through(visitor: &mut Visitor, browser: &Browser, uri: &str) -> String {
    let asked = visitor.check(uri).await;
    assert_eq!(asked.status, StatusCode::FOUND, "{}", asked.body);
    let start = browser.get(&next_of(asked.location())).await;
    assert_eq!(start.status, StatusCode::FOUND, "{:?}", start.body);
    let back = start.headers[LOCATION].to_str().unwrap().to_string();
    let path = back
        .split_once(&visitor.host)
        .map(|(_, rest)| rest.to_string())
        .unwrap_or_else(|| panic!("back to the host asked for: {back}"));
    let traded = visitor.check(&path).await;
    assert_eq!(traded.status, StatusCode::FOUND, "{}", traded.body);
    assert_eq!(
        traded.location(),
        format!("{}://{}{uri}", visitor.proto, visitor.host),
        "on to the page asked for, without the code"
    );
    back
}

async fn a_visitor_signs_in_and_lands_where_they_were_going(app: TestApp) {
    let mut ana = app.browser();
    ana.sign_up(&app, ANA).await;
    let mut visitor = Visitor::new(&app, "http", WIKI);

    // No cookie: to BMAuth's sign-in, carrying the URL asked for.
    let asked = visitor.check("/pages/1?x=a%20b").await;
    assert_eq!(asked.status, StatusCode::FOUND);
    let next = next_of(asked.location());
    assert!(next.starts_with("/auth/forward/start?"), "{next}");
    assert!(
        next.contains("rd=http%3A%2F%2Fwiki.example.test%2Fpages%2F1%3Fx%3Da%2520b"),
        "{next}"
    );
    assert!(visitor.cookies.contains_key("bmauth_forward_state"));
    // nginx's door answers 401 instead, and sets nothing.
    let mut nginx = Visitor::new(&app, "http", WIKI);
    assert_eq!(
        nginx.ask("/auth/forward/request", "/").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(nginx.cookies.is_empty());

    // Not signed in at BMAuth either: /auth/forward/start sends to sign in first.
    let stranger = app.browser_at("127.0.0.9".parse().unwrap());
    let start = stranger.get(&next).await;
    assert_eq!(start.status, StatusCode::FOUND);
    assert_eq!(next_of(start.headers[LOCATION].to_str().unwrap()), next);

    // Signed in: back with a code, traded for the host's cookie, then let through.
    let back = sign_in_through(&mut visitor, &ana, "/pages/1?x=a%20b").await;
    assert!(
        back.starts_with("http://wiki.example.test/pages/1?x=a%20b&bmauth_forward_code="),
        "{back}"
    );
    assert!(
        !visitor.cookies.contains_key("bmauth_forward_state"),
        "the state is spent"
    );
    let through = visitor.check("/pages/1?x=a%20b").await;
    assert_eq!(through.status, StatusCode::OK, "{}", through.body);
    assert_eq!(through.header("remote-email"), Some(ANA));
    let id = ana.me().await.expect_ok()["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(through.header("remote-user"), Some(id.as_str()));
    assert_eq!(through.header("cache-control"), Some("no-store"));
    let for_nginx = visitor.ask("/auth/forward/request", "/other").await;
    assert_eq!(for_nginx.status, StatusCode::OK);
    assert_eq!(for_nginx.header("remote-email"), Some(ANA));
    // A URL still carrying a code never goes through nginx's door to the app, even
    // with a good cookie: 401, so that /auth/forward spends it.
    let with_code = visitor
        .ask("/auth/forward/request", "/other?bmauth_forward_code=abc")
        .await;
    assert_eq!(with_code.status, StatusCode::UNAUTHORIZED);

    // The code worked once: the same URL again (history, a shared link) opens nothing.
    let code_path = back.split_once(WIKI).unwrap().1.to_string();
    let mut other = Visitor::new(&app, "http", WIKI);
    other.check("/").await; // has a state of its own
    other
        .check(&code_path)
        .await
        .refused(400, "forward_code_invalid");
    assert!(!other.cookies.contains_key("bmauth_forward"));

    // The host's cookie is the host's: shown to another listed host, it is nobody.
    let mut elsewhere = Visitor::new(&app, "http", OPEN);
    elsewhere.cookies = visitor.cookies.clone();
    assert_eq!(elsewhere.check("/").await.status, StatusCode::FOUND);

    // Signing out at BMAuth locks the host again at once.
    ana.post("/auth/logout", serde_json::json!({}))
        .await
        .expect_ok();
    assert_eq!(visitor.check("/pages/1").await.status, StatusCode::FOUND);
    assert_eq!(
        visitor
            .ask("/auth/forward/request", "/pages/1")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

async fn a_port_s_own_list_is_not_bypassed_and_decoys_keep_no_code_alive(app: TestApp) {
    let mut eve = app.browser();
    eve.sign_up(&app, EVE).await;
    // The wiki lets everyone at example.com in; its port 8443 only Ana.
    let mut wiki = Visitor::new(&app, "https", WIKI);
    sign_in_through(&mut wiki, &eve, "/").await;
    let mut admin_port = Visitor::new(&app, "https", "wiki.example.test:8443");
    let asked = admin_port.check("/").await;
    let start = eve.get(&next_of(asked.location())).await;
    assert_eq!(start.status.as_u16(), 403, "{:?}", start.body);
    admin_port.cookies = wiki.cookies.clone();
    assert_eq!(
        admin_port.check("/").await.status,
        StatusCode::FOUND,
        "the wiki's cookie is not the admin port's"
    );

    // A return URL with an encoded decoy code: the decoy is dropped, the real code
    // is the only one, and it is spent by the next check.
    let mut visitor = Visitor::new(&app, "https", WIKI);
    visitor.check("/").await;
    let state = visitor.cookies["__Host-bmauth_forward_state"].clone();
    let rd = urlencoding("https://wiki.example.test/?bmauth%5Fforward%5Fcode=decoy&keep=1");
    let start = eve
        .get(&format!("/auth/forward/start?rd={rd}&state={state}"))
        .await;
    let back = start.headers[LOCATION].to_str().unwrap().to_string();
    assert!(!back.contains("decoy"), "{back}");
    assert_eq!(back.matches("forward_code").count(), 1, "{back}");
    let path = back.split_once(WIKI).unwrap().1.to_string();
    let traded = visitor.check(&path).await;
    assert_eq!(traded.status, StatusCode::FOUND, "{}", traded.body);
    assert_eq!(traded.location(), "https://wiki.example.test/?keep=1");
    // Two codes in one URL: refused, not one picked.
    let mut doubled = Visitor::new(&app, "https", WIKI);
    doubled.check("/").await;
    doubled
        .check("/?bmauth_forward_code=a&bmauth%5Fforward%5Fcode=b")
        .await
        .refused(400, "forward_code_invalid");
}

async fn a_code_made_for_another_browser_opens_nothing(app: TestApp) {
    // Eve signs in herself and gets a code for her own browser's state…
    let mut eve = app.browser();
    eve.sign_up(&app, EVE).await;
    let mut eves_visit = Visitor::new(&app, "http", WIKI);
    let asked = eves_visit.check("/").await;
    let start = eve.get(&next_of(asked.location())).await;
    let planted = start.headers[LOCATION].to_str().unwrap().to_string();
    let planted = planted.split_once(WIKI).unwrap().1.to_string();

    // …and slips the link to Ana, who has a state of her own (or none): refused,
    // and Ana is not signed in as Eve.
    let mut ana = Visitor::new(&app, "http", WIKI);
    ana.check(&planted)
        .await
        .refused(400, "forward_code_invalid");
    let mut ana_before = Visitor::new(&app, "http", WIKI);
    ana_before.check("/").await;
    ana_before
        .check(&planted)
        .await
        .refused(400, "forward_code_invalid");
    for visitor in [&mut ana, &mut ana_before] {
        assert!(!visitor.cookies.contains_key("bmauth_forward"));
        assert_eq!(visitor.check("/").await.status, StatusCode::FOUND);
    }
    // Tried once, it is gone for Eve too.
    eves_visit
        .check(&planted)
        .await
        .refused(400, "forward_code_invalid");

    // Eight tabs of one browser racing one good code: one cookie is made.
    let asked = eves_visit.check("/race").await;
    let start = eve.get(&next_of(asked.location())).await;
    let back = start.headers[LOCATION].to_str().unwrap().to_string();
    let path = back.split_once(WIKI).unwrap().1.to_string();
    let tabs: Vec<Visitor> = (0..8)
        .map(|_| Visitor {
            http: eves_visit.http.clone(),
            base: eves_visit.base.clone(),
            proto: "http",
            host: WIKI.into(),
            cookies: eves_visit.cookies.clone(),
        })
        .collect();
    let answers = futures::future::join_all(tabs.into_iter().map(|mut tab| {
        let path = path.clone();
        async move { tab.check(&path).await.status }
    }))
    .await;
    let made = answers.iter().filter(|s| **s == StatusCode::FOUND).count();
    assert_eq!(made, 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|s| *s == StatusCode::FOUND || *s == StatusCode::BAD_REQUEST)
    );
}

async fn only_listed_hosts_and_allowed_people_and_no_redirect_elsewhere(app: TestApp) {
    let mut bob = app.browser();
    bob.sign_up(&app, BOB).await;

    // A host not listed: 403 at both doors, never a redirect.
    for path in ["/auth/forward", "/auth/forward/request"] {
        let mut visitor = Visitor::new(&app, "http", "evil.example");
        visitor
            .ask(path, "/")
            .await
            .refused(403, "forward_host_not_listed");
    }
    // Headers a proxy would never send: a clear 400.
    let mut odd = Visitor::new(&app, "http", WIKI);
    for uri in ["//evil.example/x", "https://evil.example/", "x"] {
        odd.check(uri).await.refused(400, "forward_request_invalid");
    }
    let mut odd = Visitor::new(&app, "gopher", WIKI);
    odd.check("/").await.refused(400, "forward_request_invalid");
    // A host list (something appended to what a client sent): whose is it?
    let mut appended = Visitor::new(&app, "http", "evil.example, wiki.example.test");
    appended
        .check("/")
        .await
        .refused(400, "forward_request_invalid");
    // No scheme said: not guessed.
    let no_proto = reqwest::Client::new()
        .get(format!("{}/auth/forward", app.base()))
        .header("x-forwarded-host", WIKI)
        .send()
        .await
        .unwrap();
    assert_eq!(no_proto.status(), StatusCode::BAD_REQUEST);

    // Bob (not at example.com) is signed in but not allowed into the wiki: a page
    // that says so, at BMAuth, and no loop.
    let mut visitor = Visitor::new(&app, "http", WIKI);
    let asked = visitor.check("/").await;
    let start = bob.get(&next_of(asked.location())).await;
    assert_eq!(start.status.as_u16(), 403, "{:?}", start.body);
    let page = start.body.as_str().unwrap_or_default();
    assert!(
        page.contains(BOB) && page.contains("forward_not_allowed"),
        "{page}"
    );
    assert!(start.headers.get(LOCATION).is_none());

    // The open host (with a port) lets him in; https makes the cookies __Host-.
    let mut open = Visitor::new(&app, "https", OPEN);
    sign_in_through(&mut open, &bob, "/").await;
    assert!(open.cookies.contains_key("__Host-bmauth_forward"));
    assert_eq!(open.check("/").await.header("remote-email"), Some(BOB));
    // Another port on the same name is another host.
    let mut other_port = Visitor::new(&app, "https", "open.example.test:9999");
    other_port.cookies = open.cookies.clone();
    other_port
        .check("/")
        .await
        .refused(403, "forward_host_not_listed");

    // Crafted return URLs: only listed hosts, however written.
    let state = "abcdefghijklmnopqrstuv";
    for (rd, status) in [
        // Another host, however written: not listed.
        ("http://evil.example/", 403),
        ("http://evil.example\\@wiki.example.test/", 403),
        ("http://wiki.example.test%2eevil.example/", 403),
        ("http://wiki.example.test.evil.example/", 403),
        // Not an absolute http(s) URL, or one with user-info: not one at all.
        ("//wiki.example.test/", 400),
        ("http://bob@wiki.example.test/", 400),
        ("javascript:alert(1)", 400),
        ("", 400),
    ] {
        let answer = bob
            .get(&format!(
                "/auth/forward/start?rd={}&state={state}",
                urlencoding(rd)
            ))
            .await;
        assert_eq!(answer.status.as_u16(), status, "{rd}: {:?}", answer.body);
        assert!(answer.headers.get(LOCATION).is_none(), "{rd}");
    }

    // Disabled: his host cookie opens nothing from that moment.
    app.bmauth()
        .auth()
        .disable_person(BOB, &Actor::CommandLine)
        .await
        .unwrap();
    assert_eq!(open.check("/").await.status, StatusCode::FOUND);
}

fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

both_backends_with!(protected;
    a_visitor_signs_in_and_lands_where_they_were_going,
    a_code_made_for_another_browser_opens_nothing,
    a_port_s_own_list_is_not_bypassed_and_decoys_keep_no_code_alive,
    only_listed_hosts_and_allowed_people_and_no_redirect_elsewhere,
);
