//! The load benchmark (`scripts/bench`): full passkey sign-ups and sign-ins over
//! HTTP against a running `bmauth serve` (the release binary, its defaults), by
//! many virtual people, each on their own loopback address (127.x.y.z) so that the
//! per-address limits see real clients. Signatures are real P-256 (the tests'
//! software authenticator) and the codes come through a real SMTP sink.
//!
//! Then each signs in to an app through BMAuth's OpenID Connect provider again and
//! again: the authorization with a live session and consent remembered, the code
//! exchanged for tokens (PKCE), and userinfo.
//!
//! Last, a reverse proxy's forward-auth check (`GET /auth/forward`) for a protected
//! host, with the host's cookie of a live session, as a proxy makes on every
//! request it passes to the app.
//!
//! Before BMAuth, the same people sign up and sign in, the same way, against a
//! baseline in the same run: webauthn-rs with no storage (`baseline.rs`, the shape
//! of the crate's own tutorial), and the sign-in figures are printed as ratios to it.
//!
//! It reports ceremonies per second, latency percentiles, the server's CPU time
//! per ceremony (and the database server's, on PostgreSQL) and its peak memory,
//! read from `/proc`, and errors by code. Settings, from the environment:
//! `BENCH_SERVER` (the binary), `BENCH_DATABASE` (`sqlite` or a `postgres://` URL),
//! `BENCH_PEOPLE` (default 256), `BENCH_CONCURRENCY` (16), `BENCH_SECONDS` (10).

mod baseline;

#[allow(dead_code)]
#[path = "../tests/api/support/authenticator.rs"]
mod authenticator;
#[allow(dead_code)]
#[path = "../tests/api/support/mail_sink.rs"]
mod mail_sink;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use authenticator::Authenticator;
use mail_sink::MailSink;
use serde_json::{Value, json};
use tokio::sync::Mutex;

fn setting(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn number(name: &str, default: usize) -> usize {
    setting(name, &default.to_string())
        .parse()
        .unwrap_or_else(|_| panic!("{name} must be a number"))
}

/// CPU seconds (user + system) a process has used, from `/proc/<pid>/stat`.
fn cpu_secs(pid: u32, ticks_per_sec: f64) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / ticks_per_sec
}

/// CPU seconds used by every PostgreSQL server process on this machine.
fn postgres_cpu_secs(ticks_per_sec: f64) -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .map(|pid| cpu_secs(pid, ticks_per_sec))
        .sum()
}

/// Peak resident memory of a process, in MB (`VmHWM`).
fn peak_rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn clock_ticks_per_sec() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// One virtual person: their own address, cookies and authenticator.
struct Person {
    email: String,
    http: reqwest::Client,
    authenticator: Authenticator,
    /// The protected host's cookie (`name=value`), once the person got one.
    forward_cookie: Option<String>,
}

/// Where a ceremony failed: the error code, or the transport's failure.
type Failure = String;

impl Person {
    fn new(index: usize, origin: &str) -> Self {
        // 127.1.0.1, 127.1.0.2, …: any 127.x.y.z reaches the server.
        let n = index as u32 + 1;
        let address = Ipv4Addr::new(127, 1 + (n >> 16) as u8, (n >> 8) as u8, n as u8);
        Self {
            email: format!("person{index}@bench.example"),
            http: reqwest::Client::builder()
                .cookie_store(true)
                // The provider answers with redirects to the app, read not followed.
                .redirect(reqwest::redirect::Policy::none())
                .local_address(IpAddr::V4(address))
                .build()
                .expect("an HTTP client"),
            authenticator: Authenticator::new(origin),
            forward_cookie: None,
        }
    }

    async fn post(
        &self,
        base: &str,
        origin: &str,
        path: &str,
        body: Value,
    ) -> Result<Value, Failure> {
        let response = self
            .http
            .post(format!("{base}{path}"))
            .header("origin", origin)
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("transport: {e}"))?;
        let ok = response.status().is_success();
        let body: Value = response.json().await.map_err(|_| "not JSON".to_string())?;
        if ok {
            Ok(body)
        } else {
            Err(body["error"]["code"]
                .as_str()
                .unwrap_or("unknown")
                .to_string())
        }
    }

    /// Signs up; with `mail`, also confirms the address with the code it brings (the
    /// baseline has no such step).
    async fn sign_up(
        &mut self,
        base: &str,
        origin: &str,
        mail: Option<&MailSink>,
    ) -> Result<(), Failure> {
        let email = self.email.clone();
        let options = self
            .post(
                base,
                origin,
                "/auth/register/begin",
                json!({ "email": email }),
            )
            .await?;
        let credential = self.authenticator.create(&options);
        self.post(
            base,
            origin,
            "/auth/register/complete",
            json!({ "email": email, "credential": credential }),
        )
        .await?;
        let Some(mail) = mail else {
            return Ok(());
        };
        let mails = mail.wait_for(&email, 1).await;
        let pin = mails.first().ok_or("no mail")?.pin();
        self.post(
            base,
            origin,
            "/auth/verify-email",
            json!({ "email": email, "pin": pin }),
        )
        .await?;
        Ok(())
    }

    async fn sign_in(&mut self, base: &str, origin: &str) -> Result<(), Failure> {
        let email = self.email.clone();
        let options = self
            .post(base, origin, "/auth/login/begin", json!({ "email": email }))
            .await?;
        let credential = self
            .authenticator
            .get(&options)
            .map_err(|_| "no passkey".to_string())?;
        self.post(
            base,
            origin,
            "/auth/login/complete",
            json!({ "email": email, "credential": credential }),
        )
        .await?;
        Ok(())
    }
}

/// The app the benchmark signs in to: a public client (PKCE), whose callback is
/// never visited (its `Location` is read).
const APP_CALLBACK: &str = "http://localhost:9/callback";
const APP_CONFIG: &str = r#"
[[forward_auth.hosts]]
host = "app.bench.test"

[[oidc.clients]]
id = "bench"
name = "Bench App"
redirect_uris = ["http://localhost:9/callback"]
public = true
"#;
/// RFC 7636 Appendix B.
const PKCE_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const PKCE_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

impl Person {
    /// Signs in to the app: authorize (consenting the first time), the code for
    /// tokens, userinfo.
    async fn sign_in_to_app(&self, base: &str, origin: &str) -> Result<(), Failure> {
        let query = [
            ("client_id", "bench"),
            ("redirect_uri", APP_CALLBACK),
            ("response_type", "code"),
            ("scope", "openid email"),
            ("state", "s"),
            ("nonce", "n"),
            ("code_challenge", PKCE_CHALLENGE),
            ("code_challenge_method", "S256"),
        ];
        let transport = |e: reqwest::Error| format!("transport: {e}");
        let answer = self
            .http
            .get(format!("{base}/oauth/authorize"))
            .query(&query)
            .send()
            .await
            .map_err(transport)?;
        let mut to = location(&answer)?;
        if to.path() == "/auth/consent" {
            let mut form: Vec<(&str, &str)> = query.to_vec();
            form.push(("answer", "allow"));
            let answer = self
                .http
                .post(format!("{base}/oauth/consent"))
                .header("origin", origin)
                .form(&form)
                .send()
                .await
                .map_err(transport)?;
            to = location(&answer)?;
        }
        let code = to
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| format!("no code: {to}"))?;
        let tokens: Value = self
            .http
            .post(format!("{base}/oauth/token"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", APP_CALLBACK),
                ("client_id", "bench"),
                ("code_verifier", PKCE_VERIFIER),
            ])
            .send()
            .await
            .map_err(transport)?
            .json()
            .await
            .map_err(|_| "token: not JSON".to_string())?;
        let access = tokens["access_token"]
            .as_str()
            .ok_or_else(|| format!("token: {}", tokens["error"]))?;
        let info = self
            .http
            .get(format!("{base}/oauth/userinfo"))
            .bearer_auth(access)
            .send()
            .await
            .map_err(transport)?;
        if !info.status().is_success() {
            return Err(format!("userinfo {}", info.status()));
        }
        Ok(())
    }
}

/// The host forward auth protects in the benchmark.
const PROTECTED_HOST: &str = "app.bench.test";

impl Person {
    /// The proxy asks `/auth/forward` about `uri` on the protected host, with the
    /// host's cookies `cookies`.
    async fn forward(
        &self,
        base: &str,
        uri: &str,
        cookies: &str,
    ) -> Result<reqwest::Response, Failure> {
        self.http
            .get(format!("{base}/auth/forward"))
            .header("x-forwarded-proto", "http")
            .header("x-forwarded-host", PROTECTED_HOST)
            .header("x-forwarded-uri", uri)
            .header("cookie", cookies)
            .send()
            .await
            .map_err(|e| format!("transport: {e}"))
    }

    /// Gets the protected host's cookie, as a browser does: sent to sign in (the
    /// session is live, so straight back with a code), the code for the cookie.
    async fn get_forward_cookie(&mut self, base: &str) -> Result<(), Failure> {
        let first = self.forward(base, "/", "").await?;
        let state = set_cookie(&first, "bmauth_forward_state")?;
        let sign_in = location(&first)?;
        let next = sign_in
            .query_pairs()
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.into_owned())
            .ok_or("no next")?;
        let start = self
            .http
            .get(format!("{base}{next}"))
            .send()
            .await
            .map_err(|e| format!("transport: {e}"))?;
        let back = location(&start)?;
        let uri = format!("{}?{}", back.path(), back.query().unwrap_or_default());
        let traded = self.forward(base, &uri, &state).await?;
        self.forward_cookie = Some(set_cookie(&traded, "bmauth_forward")?);
        Ok(())
    }

    /// One check with the host's cookie: it must let the request through.
    async fn forward_check(&self, base: &str) -> Result<(), Failure> {
        let cookie = self.forward_cookie.as_deref().ok_or("no cookie")?;
        let answer = self.forward(base, "/dashboard?tab=1", cookie).await?;
        if answer.status() != reqwest::StatusCode::OK
            || answer.headers().get("remote-email").is_none()
        {
            return Err(format!("forward {}", answer.status()));
        }
        Ok(())
    }
}

/// `name=value` of the cookie `name` an answer sets.
fn set_cookie(answer: &reqwest::Response, name: &str) -> Result<String, Failure> {
    answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")))
        .map(str::to_string)
        .ok_or_else(|| format!("no {name} cookie ({})", answer.status()))
}

/// A redirect's target.
fn location(answer: &reqwest::Response) -> Result<url::Url, Failure> {
    let to = answer
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| format!("no redirect: {}", answer.status()))?;
    url::Url::parse("http://localhost/")
        .and_then(|base| base.join(to))
        .map_err(|e| e.to_string())
}

/// What one phase measured.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: BTreeMap<String, usize>,
}

impl Tally {
    fn record(&mut self, took: Duration, outcome: Result<(), Failure>) {
        match outcome {
            Ok(()) => self.latencies.push(took),
            Err(code) => *self.errors.entry(code).or_default() += 1,
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1000.0
}

struct Server {
    child: Child,
    base: String,
    origin: String,
    /// BMAuth's data folder (the baseline keeps nothing on disk).
    _data: Option<tempfile::TempDir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

async fn start_server(binary: &str, database: &str, smtp_port: u16) -> Server {
    let data = tempfile::tempdir().expect("a temporary folder");
    let port = free_port();
    let database_url = if database == "sqlite" {
        format!("sqlite://{}/bmauth.db", data.path().display())
    } else {
        database.to_string()
    };
    let origin = format!("http://localhost:{port}");
    std::fs::write(data.path().join("bmauth.toml"), APP_CONFIG).expect("the configuration");
    let child = Command::new(binary)
        .arg("serve")
        .current_dir(data.path())
        .env("RUST_LOG", "warn")
        .env("BMAUTH_LISTEN", format!("127.0.0.1:{port}"))
        .env("BMAUTH_PUBLIC_URL", &origin)
        .env("BMAUTH_DATABASE_URL", database_url)
        .env("BMAUTH_DATA_DIR", data.path())
        .env("BMAUTH_SMTP__HOST", "127.0.0.1")
        .env("BMAUTH_SMTP__PORT", smtp_port.to_string())
        .env("BMAUTH_SMTP__TLS", "none")
        .env("BMAUTH_SMTP__FROM", "BMAuth <no-reply@bmauth.test>")
        .stdin(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{binary} does not start: {e}"));
    ready(Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        origin,
        _data: Some(data),
    })
    .await
}

/// Starts the baseline (`baseline.rs`): this program again, as a process of its own.
async fn start_baseline() -> Server {
    let port = free_port();
    let origin = format!("http://localhost:{port}");
    let child = Command::new(std::env::current_exe().expect("this program's path"))
        .args(["--baseline-server", &format!("127.0.0.1:{port}"), &origin])
        .stdin(Stdio::null())
        .spawn()
        .expect("the baseline starts");
    ready(Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        origin,
        _data: None,
    })
    .await
}

/// Waits until `server` answers `/readyz`. Owned from the start: dropped (killed
/// and waited for) on every path.
async fn ready(server: Server) -> Server {
    for _ in 0..400 {
        if reqwest::get(format!("{}/readyz", server.base))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not become ready");
}

/// What a phase measured, for the ratios to the baseline.
#[derive(Clone, Copy)]
struct Measured {
    per_sec: f64,
    cpu_ms: f64,
    p99_ms: f64,
}

/// Runs `work` for each person `concurrency` at a time (once each, or again and
/// again until `until`), and measures the server while it does.
async fn phase<F, Fut>(
    name: &str,
    server: &Server,
    people: &[Arc<Mutex<Person>>],
    concurrency: usize,
    until: Option<Instant>,
    work: F,
) -> Measured
where
    F: Fn(Arc<Mutex<Person>>) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<(), Failure>> + Send,
{
    let ticks = clock_ticks_per_sec();
    let pid = server.child.id();
    let (cpu_before, pg_before) = (cpu_secs(pid, ticks), postgres_cpu_secs(ticks));
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tally = Arc::new(std::sync::Mutex::new(Tally::default()));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (people, next, tally, work) =
                (people.to_vec(), next.clone(), tally.clone(), work.clone());
            tokio::spawn(async move {
                loop {
                    let turn = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let done = match until {
                        Some(until) => Instant::now() >= until,
                        None => turn >= people.len(),
                    };
                    if done {
                        break;
                    }
                    let person = people[turn % people.len()].clone();
                    let began = Instant::now();
                    let outcome = work(person).await;
                    tally.lock().unwrap().record(began.elapsed(), outcome);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("a worker");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_secs(pid, ticks) - cpu_before;
    let pg = postgres_cpu_secs(ticks) - pg_before;
    let mut tally = std::mem::take(&mut *tally.lock().unwrap());
    tally.latencies.sort();
    let done = tally.latencies.len().max(1) as f64;
    let postgres = if pg > 0.0 {
        format!(", PostgreSQL CPU {:.3} ms each", pg * 1000.0 / done)
    } else {
        String::new()
    };
    println!(
        "{name}: {} in {elapsed:.1} s = {:.0}/s; p50 {:.1} ms, p99 {:.1} ms; server CPU {:.3} ms each{postgres}; peak RSS {:.1} MB; errors {:?}",
        tally.latencies.len(),
        tally.latencies.len() as f64 / elapsed,
        percentile(&tally.latencies, 0.50),
        percentile(&tally.latencies, 0.99),
        cpu * 1000.0 / done,
        peak_rss_mb(pid),
        tally.errors,
    );
    Measured {
        per_sec: tally.latencies.len() as f64 / elapsed,
        cpu_ms: (cpu + pg) * 1000.0 / done,
        p99_ms: percentile(&tally.latencies, 0.99),
    }
}

/// The people, each on their own loopback address, for `server`.
fn people_of(server: &Server, count: usize) -> Vec<Arc<Mutex<Person>>> {
    (0..count)
        .map(|i| Arc::new(Mutex::new(Person::new(i, &server.origin))))
        .collect()
}

/// Each person signs up once (confirming the address by `mail`, on BMAuth).
async fn sign_ups(
    name: &str,
    server: &Server,
    people: &[Arc<Mutex<Person>>],
    concurrency: usize,
    mail: Option<Arc<MailSink>>,
) -> Measured {
    let (base, origin) = (server.base.clone(), server.origin.clone());
    phase(name, server, people, concurrency, None, move |person| {
        let (base, origin, mail) = (base.clone(), origin.clone(), mail.clone());
        async move {
            let mail = mail.as_deref();
            person.lock().await.sign_up(&base, &origin, mail).await
        }
    })
    .await
}

/// The people sign in again and again for `seconds`.
async fn sign_ins(
    server: &Server,
    people: &[Arc<Mutex<Person>>],
    concurrency: usize,
    seconds: usize,
) -> Measured {
    let (base, origin) = (server.base.clone(), server.origin.clone());
    let until = Instant::now() + Duration::from_secs(seconds as u64);
    phase(
        "sign-ins (begin, assertion, complete)",
        server,
        people,
        concurrency,
        Some(until),
        move |person| {
            let (base, origin) = (base.clone(), origin.clone());
            async move { person.lock().await.sign_in(&base, &origin).await }
        },
    )
    .await
}

/// BMAuth's figures as multiples of the baseline's.
fn print_ratio(what: &str, bmauth: Measured, baseline: Measured) {
    println!(
        "{what}, BMAuth ÷ webauthn-rs with no storage: server CPU {:.1}× ({:.3} ms ÷ {:.3} ms), \
         rate {:.2}× ({:.0}/s ÷ {:.0}/s), p99 {:.1}×",
        bmauth.cpu_ms / baseline.cpu_ms,
        bmauth.cpu_ms,
        baseline.cpu_ms,
        bmauth.per_sec / baseline.per_sec,
        bmauth.per_sec,
        baseline.per_sec,
        bmauth.p99_ms / baseline.p99_ms,
    );
}

#[tokio::main]
async fn main() {
    let mut arguments = std::env::args().skip(1);
    if arguments.next().as_deref() == Some("--baseline-server") {
        let address = arguments.next().expect("an address to listen on");
        let origin = arguments.next().expect("an origin");
        baseline::serve(&address, &origin).await;
        return;
    }
    let binary = setting("BENCH_SERVER", "target/release/bmauth");
    let database = setting("BENCH_DATABASE", "sqlite");
    let count = number("BENCH_PEOPLE", 256);
    let concurrency = number("BENCH_CONCURRENCY", 16);
    let seconds = number("BENCH_SECONDS", 10);

    // The baseline's sign-ups have no email code to confirm: only its sign-ins are
    // compared.
    let baseline_sign_in = {
        let server = start_baseline().await;
        println!(
            "webauthn-rs with no storage (the baseline): {count} people, {concurrency} at a time"
        );
        let people = people_of(&server, count);
        sign_ups(
            "sign-ups (begin, passkey, complete)",
            &server,
            &people,
            concurrency,
            None,
        )
        .await;
        sign_ins(&server, &people, concurrency, seconds).await
    };

    let mail = Arc::new(MailSink::start());
    let server = start_server(&binary, &database, mail.port).await;
    let backend = if database == "sqlite" {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    println!("BMAuth on {backend}: {count} people, {concurrency} at a time");
    let people = people_of(&server, count);
    let (base, origin) = (server.base.clone(), server.origin.clone());
    sign_ups(
        "sign-ups (begin, passkey, complete, code)",
        &server,
        &people,
        concurrency,
        Some(mail.clone()),
    )
    .await;
    let sign_in = sign_ins(&server, &people, concurrency, seconds).await;
    // Each person consents once (not measured), then signs in to the app again
    // and again with the session they hold.
    for person in &people {
        let person = person.lock().await;
        if let Err(e) = person.sign_in_to_app(&base, &origin).await {
            panic!("the first app sign-in failed: {e}");
        }
    }
    let until = Instant::now() + Duration::from_secs(seconds as u64);
    phase(
        "app sign-ins (authorize, token, userinfo)",
        &server,
        &people,
        concurrency,
        Some(until),
        {
            let (base, origin) = (base.clone(), origin.clone());
            move |person: Arc<Mutex<Person>>| {
                let (base, origin) = (base.clone(), origin.clone());
                async move { person.lock().await.sign_in_to_app(&base, &origin).await }
            }
        },
    )
    .await;
    // Each person gets the protected host's cookie once (not measured); then the
    // proxy checks their requests again and again.
    for person in &people {
        if let Err(e) = person.lock().await.get_forward_cookie(&base).await {
            panic!("getting the protected host's cookie failed: {e}");
        }
    }
    let until = Instant::now() + Duration::from_secs(seconds as u64);
    phase(
        "forward-auth checks (a proxy's GET /auth/forward, live session)",
        &server,
        &people,
        concurrency,
        Some(until),
        move |person: Arc<Mutex<Person>>| {
            let base = base.clone();
            async move { person.lock().await.forward_check(&base).await }
        },
    )
    .await;
    print_ratio("Sign-in", sign_in, baseline_sign_in);
}
