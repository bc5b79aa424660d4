//! BMAuth as an OpenID Connect provider: the code flow with PKCE, consent, the
//! token exchange, userinfo, and the attacks on each (here); refresh tokens,
//! revocation and what ends tokens (`tokens`); signing out (`logout`). The ID
//! token's signature is checked with `p256` directly against the JWKS, not with the
//! JOSE crate that signed it; the browser tests check it with Node's `jose` too.

mod logout;
mod tokens;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::Digest;

use crate::support::{Backend, Browser, TestApp};

pub(crate) const ADA: &str = "ada@example.com";
pub(crate) const CALLBACK: &str = "http://localhost:9999/callback";
pub(crate) const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub(crate) const NOTES_LOGOUT: &str = "http://localhost:9999/signed-out";

pub(crate) fn with_clients(config: &mut bmauth::Config) {
    use bmauth::config::OidcClient;
    config.oidc.clients = vec![
        OidcClient {
            id: "notes".into(),
            name: "Acme Notes".into(),
            redirect_uris: vec![CALLBACK.into()],
            post_logout_redirect_uris: vec![NOTES_LOGOUT.into()],
            secret_hash: None,
            public: true,
            id_token_signed_response_alg: Default::default(),
            allow: vec![],
        },
        OidcClient {
            id: "wiki".into(),
            name: "The Wiki".into(),
            redirect_uris: vec!["https://wiki.example.com/oidc".into()],
            post_logout_redirect_uris: vec![],
            secret_hash: Some(bmauth::testing::hex(&sha2::Sha256::digest(b"wiki-secret"))),
            public: false,
            id_token_signed_response_alg: bmauth::config::IdTokenAlg::RS256,
            allow: vec![],
        },
        OidcClient {
            id: "staff".into(),
            name: "Staff Wiki".into(),
            redirect_uris: vec![CALLBACK.into()],
            post_logout_redirect_uris: vec![],
            secret_hash: None,
            public: true,
            id_token_signed_response_alg: Default::default(),
            allow: vec!["*@example.com".into(), "eve@guest.example.org".into()],
        },
    ];
}

pub(crate) fn authorize_url(app: &TestApp, extra: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&format!("{}/oauth/authorize", app.base())).unwrap();
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in [
            ("client_id", "notes"),
            ("redirect_uri", CALLBACK),
            ("response_type", "code"),
            ("scope", "openid email"),
            ("state", "s-123"),
            ("nonce", "n-456"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ] {
            if !extra.iter().any(|(key, _)| *key == k) {
                q.append_pair(k, v);
            }
        }
        for (k, v) in extra {
            if !v.is_empty() {
                q.append_pair(k, v);
            }
        }
    }
    url.to_string()
}

/// The answer's `Location`, parsed.
pub(crate) fn location(answer: &reqwest::Response) -> url::Url {
    let to = answer.headers()["location"].to_str().unwrap();
    url::Url::parse(to).unwrap_or_else(|_| url::Url::parse("http://x").unwrap().join(to).unwrap())
}

pub(crate) fn param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The browser answers the consent page for the authorization request `url` with
/// `answer` (`allow` or `deny`), as its form posts it: where it is sent.
pub(crate) async fn answer_consent(
    app: &TestApp,
    browser: &Browser,
    url: &str,
    answer: &str,
) -> url::Url {
    let url = url::Url::parse(url).unwrap();
    let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    form.push(("answer".into(), answer.into()));
    let answer = browser
        .http
        .post(format!("{}/oauth/consent", app.base()))
        .header("origin", &app.origin)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_redirection(), "{}", answer.status());
    location(&answer)
}

/// A page of BMAuth's at `to` (a redirect's target), as HTML.
pub(crate) async fn page_at(app: &TestApp, browser: &Browser, to: &url::Url) -> String {
    let page = browser
        .http
        .get(format!(
            "{}{}?{}",
            app.base(),
            to.path(),
            to.query().unwrap_or_default()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "{to}");
    page.text().await.unwrap()
}

/// Ada, signed in, consents to Acme Notes: the code it is sent back with.
pub(crate) async fn code_for_notes(app: &TestApp, ada: &Browser) -> String {
    code_for_notes_with(app, ada, &[]).await
}

/// The same, for an authorization request with `extra` parameters.
pub(crate) async fn code_for_notes_with(
    app: &TestApp,
    ada: &Browser,
    extra: &[(&str, &str)],
) -> String {
    let first = ada
        .http
        .get(authorize_url(app, extra))
        .send()
        .await
        .unwrap();
    assert!(first.status().is_redirection());
    let to = location(&first);
    if let Some(code) = param(&to, "code") {
        return code; // consented before: straight back with a code
    }
    assert_eq!(to.path(), "/auth/consent", "to the consent page");
    let html = page_at(app, ada, &to).await;
    assert!(html.contains(ADA), "the address the app will see");
    assert!(html.contains("Sign in to Acme Notes?"), "{html}");
    assert!(html.contains("localhost"), "where it sends you back");
    let offline = extra
        .iter()
        .any(|(k, v)| *k == "scope" && v.contains("offline_access"));
    assert_eq!(
        html.contains("stay signed in while you are away"),
        offline,
        "offline access is asked for in words (OIDC Core §11)"
    );
    let back = answer_consent(app, ada, &authorize_url(app, extra), "allow").await;
    assert!(back.as_str().starts_with(CALLBACK));
    assert_eq!(param(&back, "state").as_deref(), Some("s-123"));
    param(&back, "code").expect("a code")
}

pub(crate) async fn exchange(app: &TestApp, code: &str, verifier: &str) -> (u16, Value) {
    let answer = reqwest::Client::new()
        .post(format!("{}/oauth/token", app.base()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CALLBACK),
            ("client_id", "notes"),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

/// Checks an ES256 JWT against the JWKS with `p256` itself; answers its claims.
pub(crate) async fn verified_claims(app: &TestApp, jwt: &str) -> Value {
    use p256::ecdsa::signature::Verifier;
    let jwks: Value = reqwest::get(format!("{}/oauth/jwks", app.base()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "ES256", "never none, never HS256");
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("the token's key is in the JWKS");
    let mut point = vec![4u8];
    point.extend(URL_SAFE_NO_PAD.decode(key["x"].as_str().unwrap()).unwrap());
    point.extend(URL_SAFE_NO_PAD.decode(key["y"].as_str().unwrap()).unwrap());
    let verifying = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).unwrap();
    let signature =
        p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
    verifying
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the signature verifies");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap()
}

async fn a_person_signs_in_to_an_app_with_the_code_flow(backend: Backend) {
    let app = TestApp::start_with(backend, with_clients).await;
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    let discovery: Value = reqwest::get(format!("{}/.well-known/openid-configuration", app.base()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let issuer = discovery["issuer"].as_str().unwrap().to_string();
    assert_eq!(issuer, format!("{}/", app.origin), "the public URL");
    assert_eq!(
        discovery["token_endpoint"],
        format!("{}/oauth/token", app.origin)
    );
    assert_eq!(discovery["response_types_supported"], json!(["code"]));
    assert_eq!(
        discovery["code_challenge_methods_supported"],
        json!(["S256"])
    );

    let code = code_for_notes(&app, &ada).await;
    let (status, tokens) = exchange(&app, &code, VERIFIER).await;
    assert_eq!(status, 200, "{tokens}");
    let claims = verified_claims(&app, tokens["id_token"].as_str().unwrap()).await;
    assert_eq!(claims["iss"], issuer);
    assert_eq!(claims["aud"], "notes");
    assert_eq!(claims["nonce"], "n-456");
    assert_eq!(claims["email"], ADA);
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["amr"], json!(["hwk", "user"]));
    let now = bmauth::Clock::now(&app.clock);
    let auth_time = claims["auth_time"].as_i64().unwrap();
    assert!(
        (now - auth_time).abs() < 600,
        "signed in just now: {auth_time}"
    );
    let me = ada.me().await;
    assert_eq!(claims["sub"], me.body["user"]["id"]);

    let access = tokens["access_token"].as_str().unwrap().to_string();
    let info = reqwest::Client::new()
        .get(format!("{}/oauth/userinfo", app.base()))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
    let info: Value = info.json().await.unwrap();
    assert_eq!(info["email"], ADA);

    // A second sign-in skips the consent page: straight back with a code.
    let again = ada.http.get(authorize_url(&app, &[])).send().await.unwrap();
    assert!(again.status().is_redirection());
    assert!(param(&location(&again), "code").is_some());

    // prompt=consent asks again though consent was given; Cancel is a no, not a
    // code (the grant held before must not turn it into a yes).
    let url = authorize_url(&app, &[("prompt", "consent")]);
    let asked = ada.http.get(&url).send().await.unwrap();
    assert_eq!(location(&asked).path(), "/auth/consent");
    let back = answer_consent(&app, &ada, &url, "deny").await;
    assert_eq!(param(&back, "error").as_deref(), Some("access_denied"));
    assert!(param(&back, "code").is_none());

    // The code replayed: refused, and the access token it gave is revoked.
    let (status, error) = exchange(&app, &code, VERIFIER).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let info = reqwest::Client::new()
        .get(format!("{}/oauth/userinfo", app.base()))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 401);
}

async fn the_authorization_refuses_what_it_should(backend: Backend) {
    let app = TestApp::start_with(backend, with_clients).await;
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    // An unknown client or a redirect URI not registered: a page on BMAuth, never
    // a redirect.
    for extra in [
        vec![("client_id", "nobody")],
        vec![("redirect_uri", "http://localhost:9999/callback/../evil")],
        vec![("redirect_uri", "https://evil.example/callback")],
        vec![("client_id", "wiki")],
    ] {
        let answer = ada
            .http
            .get(authorize_url(&app, &extra))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400, "{extra:?}");
        assert!(answer.headers().get("location").is_none(), "{extra:?}");
    }
    // Errors the app may hear, sent back to its own registered URI with its state.
    for (extra, expected) in [
        (vec![("code_challenge_method", "plain")], "invalid_request"),
        (
            vec![("code_challenge", ""), ("code_challenge_method", "")],
            "invalid_request",
        ),
        (
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (vec![("scope", "email")], "invalid_scope"),
    ] {
        let answer = ada
            .http
            .get(authorize_url(&app, &extra))
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_redirection(), "{extra:?}");
        let back = location(&answer);
        assert_eq!(
            param(&back, "error").as_deref(),
            Some(expected),
            "{extra:?}"
        );
        assert_eq!(param(&back, "state").as_deref(), Some("s-123"));
    }
    // Not signed in: to the sign-in page and back; with prompt=none, an error.
    let stranger = app.browser();
    let answer = stranger
        .http
        .get(authorize_url(&app, &[]))
        .send()
        .await
        .unwrap();
    assert!(location(&answer).path().starts_with("/auth/login"));
    let answer = stranger
        .http
        .get(authorize_url(&app, &[("prompt", "none")]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        param(&location(&answer), "error").as_deref(),
        Some("login_required")
    );
    // prompt=login, two minutes after signing in: the passkey again, on the sign-in
    // page (not a redirect away from it, though a session is open), then back.
    app.advance(std::time::Duration::from_secs(120));
    let answer = ada
        .http
        .get(authorize_url(&app, &[("prompt", "login")]))
        .send()
        .await
        .unwrap();
    let to = location(&answer);
    assert_eq!(to.path(), "/auth/login");
    assert_eq!(param(&to, "again").as_deref(), Some("1"));
    assert!(param(&to, "next").unwrap().starts_with("/oauth/authorize?"));
    // The address is filled in for them.
    let page = ada
        .http
        .get(format!("{}/auth/login?{}", app.base(), to.query().unwrap()))
        .send()
        .await
        .unwrap();
    let filled = location(&page);
    assert_eq!(param(&filled, "email").as_deref(), Some(ADA));
    let page = ada
        .http
        .get(format!(
            "{}/auth/login?{}",
            app.base(),
            filled.query().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.status(),
        200,
        "the sign-in page, to use the passkey again"
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Confirm it&#x27;s you") || html.contains("Confirm it's you"),
        "{html}"
    );
    // Request objects are refused by name (OIDC Core §6); `none` with another
    // prompt is a contradiction.
    for (extra, expected) in [
        (
            vec![("request", "eyJhbGciOiJub25lIn0.e30.")],
            "request_not_supported",
        ),
        (
            vec![("request_uri", "https://evil.example/r")],
            "request_uri_not_supported",
        ),
        (vec![("response_mode", "fragment")], "invalid_request"),
        (vec![("prompt", "none login")], "invalid_request"),
    ] {
        let answer = ada
            .http
            .get(authorize_url(&app, &extra))
            .send()
            .await
            .unwrap();
        assert_eq!(
            param(&location(&answer), "error").as_deref(),
            Some(expected),
            "{extra:?}"
        );
    }
    // Signed in but never consented, with prompt=none.
    let answer = ada
        .http
        .get(authorize_url(&app, &[("prompt", "none")]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        param(&location(&answer), "error").as_deref(),
        Some("consent_required")
    );
}

async fn the_token_endpoint_refuses_what_it_should(backend: Backend) {
    let app = TestApp::start_with(backend, with_clients).await;
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    let code = code_for_notes(&app, &ada).await;
    // A wrong verifier (or none): refused, without spending the code, so that
    // whoever saw a code without its verifier cannot spoil the app's exchange.
    let (status, error) = exchange(&app, &code, "x".repeat(43).as_str()).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _) = exchange(&app, &code, "").await;
    assert_eq!(status, 400, "no verifier: a PKCE downgrade");
    let (status, _) = exchange(&app, &code, VERIFIER).await;
    assert_eq!(status, 200, "the app's own exchange still works");
    // An expired code.
    let code = code_for_notes(&app, &ada).await;
    app.advance(std::time::Duration::from_secs(61));
    let (status, _) = exchange(&app, &code, VERIFIER).await;
    assert_eq!(status, 400, "older than 60 seconds");
    // A code after the session that got it ended.
    let code = code_for_notes(&app, &ada).await;
    ada.post("/auth/logout", json!({})).await.expect_ok();
    let (status, error) = exchange(&app, &code, VERIFIER).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // A confidential client with a wrong secret: 401 invalid_client.
    let answer = reqwest::Client::new()
        .post(format!("{}/oauth/token", app.base()))
        .basic_auth("wiki", Some("guess"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("redirect_uri", "https://wiki.example.com/oidc"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    assert!(answer.headers().get("www-authenticate").is_some());
}

/// An app registered with `id_token_signed_response_alg = "RS256"` (the wiki, a
/// confidential client) gets RS256 ID tokens, signed by an RSA key the JWKS
/// publishes beside the ES256 one. (Node's `jose` verifies such a token in the
/// browser tests.)
async fn an_app_registered_for_rs256_gets_rs256(backend: Backend) {
    let app = TestApp::start_with(backend, with_clients).await;
    let mut ada = app.browser();
    ada.sign_up(&app, ADA).await;
    let wiki = [
        ("client_id", "wiki"),
        ("redirect_uri", "https://wiki.example.com/oidc"),
        ("code_challenge", ""),
        ("code_challenge_method", ""),
    ];
    let first = ada
        .http
        .get(authorize_url(&app, &wiki))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&first).path(), "/auth/consent");
    let back = answer_consent(&app, &ada, &authorize_url(&app, &wiki), "allow").await;
    let code = param(&back, "code").expect("a code");
    let tokens: Value = reqwest::Client::new()
        .post(format!("{}/oauth/token", app.base()))
        .basic_auth("wiki", Some("wiki-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://wiki.example.com/oidc"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwt = tokens["id_token"].as_str().expect("an ID token");
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(jwt.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "RS256");
    let jwks: Value = reqwest::get(format!("{}/oauth/jwks", app.base()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kty"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"EC") && kinds.contains(&"RSA"), "{jwks}");
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("the token's key is published");
    assert_eq!(key["kty"], "RSA");
}

/// An app for some people only: the others are sent back with `access_denied`,
/// asked quietly or not, and never reach its consent page.
async fn an_app_for_some_people_refuses_the_others(backend: Backend) {
    let app = TestApp::start_with(backend, with_clients).await;
    let staff = [("client_id", "staff")];
    let mut outsider = app.browser();
    outsider.sign_up(&app, "mallory@example.net").await;
    for prompt in ["", "none"] {
        let answer = outsider
            .http
            .get(authorize_url(&app, &[staff[0], ("prompt", prompt)]))
            .send()
            .await
            .unwrap();
        let back = location(&answer);
        assert!(back.as_str().starts_with(CALLBACK), "{back}");
        assert_eq!(param(&back, "error").as_deref(), Some("access_denied"));
        assert_eq!(param(&back, "state").as_deref(), Some("s-123"));
        assert!(param(&back, "code").is_none());
    }
    for insider in ["ada@example.com", "eve@guest.example.org"] {
        let mut person = app.browser_at("127.0.0.91".parse().unwrap());
        person.sign_up(&app, insider).await;
        let answer = person
            .http
            .get(authorize_url(&app, &staff))
            .send()
            .await
            .unwrap();
        assert_eq!(location(&answer).path(), "/auth/consent", "{insider}");
    }
    // Everyone else's apps stay open to the outsider.
    let answer = outsider
        .http
        .get(authorize_url(&app, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&answer).path(), "/auth/consent");
}

#[tokio::test]
async fn app_for_some_sqlite() {
    an_app_for_some_people_refuses_the_others(Backend::Sqlite).await;
}

#[tokio::test]
async fn app_for_some_postgres() {
    an_app_for_some_people_refuses_the_others(Backend::Postgres).await;
}

#[tokio::test]
async fn rs256_sqlite() {
    an_app_registered_for_rs256_gets_rs256(Backend::Sqlite).await;
}

#[tokio::test]
async fn rs256_postgres() {
    an_app_registered_for_rs256_gets_rs256(Backend::Postgres).await;
}

#[tokio::test]
async fn code_flow_sqlite() {
    a_person_signs_in_to_an_app_with_the_code_flow(Backend::Sqlite).await;
}

#[tokio::test]
async fn code_flow_postgres() {
    a_person_signs_in_to_an_app_with_the_code_flow(Backend::Postgres).await;
}

#[tokio::test]
async fn authorize_refusals_sqlite() {
    the_authorization_refuses_what_it_should(Backend::Sqlite).await;
}

#[tokio::test]
async fn authorize_refusals_postgres() {
    the_authorization_refuses_what_it_should(Backend::Postgres).await;
}

#[tokio::test]
async fn token_refusals_sqlite() {
    the_token_endpoint_refuses_what_it_should(Backend::Sqlite).await;
}

#[tokio::test]
async fn token_refusals_postgres() {
    the_token_endpoint_refuses_what_it_should(Backend::Postgres).await;
}
