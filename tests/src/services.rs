//! Where the test services are, and checks that they answer.
//!
//! Each function reads the variable that `scripts/services.sh` exports and
//! returns it, or fails the calling test with a message that says which
//! service is missing and how to start it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HOW_TO_START: &str = "run `scripts/services.sh` and `source .services/env` first \
                            (scripts/test.sh does both)";

/// The value of `var`, or a failure naming the service that needs it.
///
/// # Panics
///
/// When the variable is not set: the test needs that service.
pub fn require(var: &str, service: &str) -> String {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => value,
        _ => panic!("{service} is needed but {var} is not set: {HOW_TO_START}"),
    }
}

/// The PostgreSQL URL (`DATABASE_URL`).
pub fn postgres_url() -> String {
    require("DATABASE_URL", "PostgreSQL")
}

/// The MariaDB / MySQL URL (`MYSQL_URL`).
pub fn mysql_url() -> String {
    require("MYSQL_URL", "MariaDB")
}

/// Chromium and its WebDriver (`CHROMIUM`, `CHROMEDRIVER`): the paths of
/// the two programs.
pub fn chromium() -> (PathBuf, PathBuf) {
    (
        PathBuf::from(require("CHROMIUM", "Chromium")),
        PathBuf::from(require("CHROMEDRIVER", "chromedriver")),
    )
}

/// The MongoDB URI (`MONGO_URI`).
pub fn mongo_uri() -> String {
    require("MONGO_URI", "MongoDB")
}

/// The SMTP sink: where to send mail and where it lands.
#[derive(Clone, Debug)]
pub struct SmtpSink {
    /// Host of the SMTP server.
    pub host: String,
    /// Port of the SMTP server.
    pub port: u16,
    /// The Maildir the sink writes every message to.
    pub maildir: PathBuf,
}

/// The SMTP sink (`SMTP_URL`, `SMTP_MAILDIR`).
///
/// # Panics
///
/// When either variable is missing or `SMTP_URL` is not `smtp://host:port`.
pub fn smtp_sink() -> SmtpSink {
    let url = require("SMTP_URL", "the SMTP sink");
    let maildir = PathBuf::from(require("SMTP_MAILDIR", "the SMTP sink"));
    let host_port = url
        .strip_prefix("smtp://")
        .unwrap_or_else(|| panic!("SMTP_URL must look like smtp://host:port, not {url}"));
    let (host, port) = host_port
        .rsplit_once(':')
        .unwrap_or_else(|| panic!("SMTP_URL must name a port: {url}"));
    let port = port
        .parse()
        .unwrap_or_else(|_| panic!("SMTP_URL has a bad port: {url}"));
    SmtpSink {
        host: host.to_owned(),
        port,
        maildir,
    }
}

/// One message the sink received.
#[derive(Clone, Debug)]
pub struct ReceivedMail {
    /// The Maildir file.
    pub path: PathBuf,
    /// The whole message as delivered, headers and encoded body.
    pub raw: String,
}

impl ReceivedMail {
    fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(self.raw.as_bytes())
            .unwrap_or_else(|| panic!("{} is not an RFC 5322 message", self.path.display()))
    }

    /// The decoded `Subject`.
    pub fn subject(&self) -> Option<String> {
        self.parsed().subject().map(str::to_owned)
    }

    /// The first `To` address.
    pub fn to(&self) -> Option<String> {
        let parsed = self.parsed();
        let address = parsed.to()?.first()?.address()?.to_owned();
        Some(address)
    }

    /// The plain-text body, with its transfer encoding undone.
    pub fn text(&self) -> Option<String> {
        self.parsed().body_text(0).map(|body| body.into_owned())
    }

    /// The HTML body, with its transfer encoding undone.
    pub fn html(&self) -> Option<String> {
        self.parsed().body_html(0).map(|body| body.into_owned())
    }
}

impl SmtpSink {
    /// Waits up to `timeout` for a message whose decoded text or HTML body,
    /// or subject, contains `needle`.
    ///
    /// # Panics
    ///
    /// When none arrives in time: the mail was not delivered.
    pub async fn wait_for(&self, needle: &str, timeout: Duration) -> ReceivedMail {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(mail) = find_mail(&self.maildir.join("new"), needle) {
                return mail;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "no mail containing {needle:?} reached {} within {timeout:?}",
                    self.maildir.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl SmtpSink {
    /// Every message received so far whose subject, text or HTML contains
    /// `needle`, or whose `To` is `needle`.
    pub fn all_with(&self, needle: &str) -> Vec<ReceivedMail> {
        all_mail(&self.maildir.join("new"))
            .into_iter()
            .filter(|mail| mail.mentions(needle))
            .collect()
    }
}

impl ReceivedMail {
    fn mentions(&self, needle: &str) -> bool {
        [self.subject(), self.text(), self.html(), self.to()]
            .into_iter()
            .flatten()
            .any(|part| part.contains(needle))
    }

    /// The first link in the text part that contains `path`, such as
    /// `/user/reset-password/`.
    pub fn link(&self, path: &str) -> Option<String> {
        let text = self.text()?;
        text.split_whitespace()
            .find(|word| word.starts_with("http") && word.contains(path))
            .map(str::to_owned)
    }
}

fn all_mail(dir: &Path) -> Vec<ReceivedMail> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            Some(ReceivedMail {
                raw: std::fs::read_to_string(entry.path()).ok()?,
                path: entry.path(),
            })
        })
        .collect()
}

fn find_mail(dir: &Path, needle: &str) -> Option<ReceivedMail> {
    all_mail(dir).into_iter().find(|mail| mail.mentions(needle))
}

/// `host:port` of a URL such as `postgres://user@host:5432/db`.
///
/// # Panics
///
/// When the URL has no host and port.
pub fn host_port(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after_scheme.split(['/', '?']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    assert!(host_port.contains(':'), "{url} names no port");
    host_port.to_owned()
}

/// Asks a PostgreSQL server whether it speaks TLS (an `SSLRequest`): any
/// PostgreSQL answers `S` or `N`. Returns the answer byte.
///
/// # Panics
///
/// When nothing answers at the URL's address, or the answer is not
/// PostgreSQL's.
pub async fn postgres_handshake(url: &str) -> u8 {
    let address = host_port(url);
    let mut stream = connect(&address, "PostgreSQL").await;
    // Length 8, then the SSLRequest code 80877103.
    let request = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];
    stream.write_all(&request).await.expect("write SSLRequest");
    let mut answer = [0u8; 1];
    stream
        .read_exact(&mut answer)
        .await
        .expect("read SSLRequest answer");
    assert!(
        matches!(answer[0], b'S' | b'N'),
        "{address} answered {answer:?}, not PostgreSQL"
    );
    answer[0]
}

/// Reads a MySQL / MariaDB server's greeting and returns its version string.
///
/// # Panics
///
/// When nothing answers at the URL's address or the greeting is not MySQL's.
pub async fn mysql_greeting(url: &str) -> String {
    let address = host_port(url);
    let mut stream = connect(&address, "MariaDB").await;
    let mut header = [0u8; 4];
    stream
        .read_exact(&mut header)
        .await
        .expect("read greeting header");
    let length = usize::from(header[0]) | usize::from(header[1]) << 8 | usize::from(header[2]) << 16;
    let mut payload = vec![0u8; length];
    stream.read_exact(&mut payload).await.expect("read greeting");
    assert_eq!(
        payload.first(),
        Some(&10),
        "{address} sent no MySQL protocol-10 greeting"
    );
    let end = payload.iter().skip(1).position(|&b| b == 0).unwrap_or(0);
    String::from_utf8_lossy(&payload[1..=end]).into_owned()
}

async fn connect(address: &str, service: &str) -> TcpStream {
    match tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(address)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => panic!("{service} is needed but {address} refused: {error}; {HOW_TO_START}"),
        Err(_) => panic!("{service} is needed but {address} did not answer in 5 s; {HOW_TO_START}"),
    }
}

/// The virtualenv `scripts/services.sh` installs (`SERVICES_VENV`): PyMongo
/// as an oracle for byte-exact comparisons, and `secantusd-py` for tests
/// that start a MongoDB-wire server of their own.
pub fn services_venv() -> PathBuf {
    PathBuf::from(require("SERVICES_VENV", "the services virtualenv"))
}

/// The virtualenv with the real Flask-User 1.0 that `scripts/services.sh`
/// installs (`FLASK_USER_VENV`): its Python, for writing a Flask-User
/// database and reading Flask-User's own settings.
pub fn flask_user_python() -> PathBuf {
    PathBuf::from(require("FLASK_USER_VENV", "the Flask-User virtualenv")).join("bin/python")
}
