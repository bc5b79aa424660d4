//! A real SMTP server on loopback (mailin-embedded) that keeps what it receives.

use std::net::{IpAddr, TcpListener};
use std::sync::{Arc, Mutex};

use mailin_embedded::response::{OK, Response};
use mailin_embedded::{Handler, Server};

#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub raw: String,
}

impl Mail {
    /// The PIN: the line of the text body that is exactly six digits.
    pub fn pin(&self) -> String {
        self.raw
            .lines()
            .map(str::trim)
            .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
            .unwrap_or_else(|| panic!("no PIN in mail:\n{}", self.raw))
            .to_string()
    }
}

#[derive(Clone, Default)]
struct Collector {
    mails: Arc<Mutex<Vec<Mail>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Collector {
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        OK
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        self.mails.lock().unwrap().push(Mail {
            to: self.to.clone(),
            raw: String::from_utf8_lossy(&self.data).into_owned(),
        });
        OK
    }
}

pub struct MailSink {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
    /// Goes back to `IDLE` when dropped, for the next test.
    reusable: bool,
}

/// Sinks whose tests have ended. A mailin server cannot be stopped, and each holds
/// 64 threads: one per test would leave thousands of threads behind in one test
/// binary (past the kernel's memory-map limit). So a test takes an idle one,
/// emptied, and gives it back when it ends: there are only ever as many as tests
/// run at once.
static IDLE: Mutex<Vec<(u16, Mailbox)>> = Mutex::new(Vec::new());

/// What one sink has received.
type Mailbox = Arc<Mutex<Vec<Mail>>>;

impl MailSink {
    /// A sink of this test's own, empty.
    pub fn start() -> Self {
        let idle = IDLE.lock().unwrap().pop();
        match idle {
            Some((port, mails)) => {
                mails.lock().unwrap().clear();
                Self {
                    port,
                    mails,
                    reusable: true,
                }
            }
            None => {
                let mut sink = Self::start_on(0);
                sink.reusable = true;
                sink
            }
        }
    }

    /// A new sink on `port` (never reused: the test chose its port).
    pub fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let collector = Collector::default();
        let mails = collector.mails.clone();
        let mut server = Server::new(collector);
        // lettre keeps pooled connections open: one thread each, and room for many
        // people signing up at once.
        server
            .with_name("sink.bmauth.test")
            .with_num_threads(64)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self {
            port,
            mails,
            reusable: false,
        }
    }

    pub fn to(&self, address: &str) -> Vec<Mail> {
        self.mails
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.to.iter().any(|t| t == address))
            .cloned()
            .collect()
    }

    /// Waits (a few seconds at most) until `count` mails to `address` have arrived:
    /// for mail sent in the background.
    pub async fn wait_for(&self, address: &str, count: usize) -> Vec<Mail> {
        for _ in 0..100 {
            if self.to(address).len() >= count {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        }
        self.to(address)
    }

    pub fn last_pin_for(&self, address: &str) -> String {
        self.to(address)
            .last()
            .unwrap_or_else(|| panic!("no mail to {address}"))
            .pin()
    }
}

impl Drop for MailSink {
    fn drop(&mut self) {
        if self.reusable {
            IDLE.lock()
                .unwrap()
                .push((self.port, std::mem::take(&mut self.mails)));
        }
    }
}
