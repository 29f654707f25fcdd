//! The bad-input suite (issue 10): the real binary on its embedded
//! defaults gets every class of bad request a client or an attacker sends,
//! and answers each with a 4xx problem document that names no internal
//! (or, for actix's own protocol errors, a bare 4xx), never a 500; the
//! process stays up with bounded memory, and large pages in parallel do not
//! starve other requests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Child;
use std::time::{Duration, Instant};

use awc::http::Method;
use common::{listening_address_and_log, start, Log};
use serde_json::{json, Value};

/// Words that would mean the answer leaks how the server is built.
const INTERNALS: [&str; 10] = [
    "panicked", "sqlx", "sea_orm", "serde", "struct ", "src/", "/work", "NewNote", "i64", "u64",
];

struct App {
    child: Child,
    address: String,
    log: Log,
    client: awc::Client,
}

impl App {
    fn start(env: &[(&str, &str)]) -> App {
        let mut child = start(env).spawn().unwrap();
        let (address, log) = listening_address_and_log(&mut child);
        let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
        App {
            child,
            address,
            log,
            client,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Sends `method path` with `body` (JSON unless empty) and `headers`:
    /// status, headers and body.
    async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> (u16, awc::http::header::HeaderMap, Vec<u8>) {
        let mut req = self.client.request(method, self.url(path));
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        let mut res = if body.is_empty() {
            req.send().await.unwrap()
        } else {
            req.insert_header(("content-type", "application/json"))
                .send_body(body)
                .await
                .unwrap()
        };
        let body = res.body().limit(64 * 1024 * 1024).await.unwrap().to_vec();
        (res.status().as_u16(), res.headers().clone(), body)
    }

    /// The process's resident memory, in MiB.
    fn rss_mib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|line| line.starts_with("VmRSS:")).unwrap();
        let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kib / 1024
    }

    fn still_running(&mut self) {
        assert!(self.child.try_wait().unwrap().is_none(), "the app exited");
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client error that is a problem document naming no internal. `what`
/// says which request it answered.
fn assert_honest(what: &str, status: u16, headers: &awc::http::header::HeaderMap, body: &[u8]) {
    assert!(
        (400..500).contains(&status),
        "{what}: {status} {}",
        String::from_utf8_lossy(body)
    );
    let content_type = headers.get("content-type").map(|value| value.to_str().unwrap());
    assert_eq!(content_type, Some("application/problem+json"), "{what}");
    let problem: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(problem["status"], status, "{what}");
    let text = problem.to_string();
    for internal in INTERNALS {
        assert!(!text.contains(internal), "{what}: {text} names {internal:?}");
    }
}

#[actix_web::test]
async fn every_bad_request_is_an_honest_client_error() {
    let mut app = App::start(&[]);
    let (status, _, _) = app
        .send(
            Method::POST,
            "/notes",
            &[],
            json!({"title": "one"}).to_string().into_bytes(),
        )
        .await;
    assert_eq!(status, 201);

    // Malformed, deeply nested, of the wrong shape, not UTF-8, too large,
    // fields past their limits.
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", b"{\"title\": ".to_vec()),
        ("not json", b"title=x".to_vec()),
        ("nested arrays", "[".repeat(100_000).into_bytes()),
        ("nested objects", "{\"a\":".repeat(100_000).into_bytes()),
        ("a number", b"5".to_vec()),
        // (serde reads an array as a struct's fields in order: `["a"]` is
        // a note titled "a", so only a wrong element is bad input.)
        ("an array of the wrong type", b"[5]".to_vec()),
        ("a number title", b"{\"title\": 5}".to_vec()),
        ("invalid utf-8", b"{\"title\": \"\xff\xfe\"}".to_vec()),
        ("a lone surrogate", b"{\"title\": \"\\ud800\"}".to_vec()),
        (
            "over the json limit",
            format!("{{\"title\": \"x\", \"body\": \"{}\"}}", "x".repeat(3 << 20)).into_bytes(),
        ),
        (
            "a long title",
            json!({"title": "x".repeat(201)}).to_string().into_bytes(),
        ),
        (
            "a nul in the title",
            json!({"title": "a\0b"}).to_string().into_bytes(),
        ),
        (
            "a long body",
            json!({"title": "x", "body": "x".repeat(65_536)})
                .to_string()
                .into_bytes(),
        ),
    ];
    for (what, body) in bodies {
        for path in ["/notes", "/user/sign-in", "/user/register"] {
            let (status, headers, answer) = app.send(Method::POST, path, &[], body.clone()).await;
            assert_honest(&format!("{what} to {path}"), status, &headers, &answer);
        }
    }

    // Odd percent-encodings, overflowing ids and page numbers, paths that
    // climb.
    for path in [
        "/notes/%FF",
        "/notes/%",
        "/notes/%00",
        "/notes/1%00",
        "/notes/99999999999999999999",
        "/notes/-1",
        "/notes?page=99999999999999999999",
        "/notes?page=2&per_page=99999999999999999999",
        "/notes?page=-1",
        "/notes?per_page=0",
        "/notes?page=%FF",
        "/notes?page=1e3",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/admin/users/%FF",
        // Checked before MongoDB is asked: 404 here, not a 503.
        "/notes/99999999999999999999/attachments/a.txt",
        "/notes/1/attachments/a%0D%0Ab",
        "/notes/1/attachments/%2E%2E",
        "/notes/1/attachments/a%3Fb",
    ] {
        let (status, headers, answer) = app.send(Method::GET, path, &[], Vec::new()).await;
        assert_honest(path, status, &headers, &answer);
    }

    // Every method on every route: never a 500 (attachments answer 503
    // without MongoDB, which is honest), a 405 names what is allowed.
    let routes = [
        "/",
        "/health",
        "/notes",
        "/notes/1",
        "/notes/1/attachments/a.txt",
        "/account",
        "/openapi.json",
        "/user/me",
        "/user/sign-in",
        "/user/register",
        "/user/sign-out",
        "/admin/users/ada",
    ];
    let methods = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
    ];
    for path in routes {
        for method in &methods {
            let (status, headers, _) = app.send(method.clone(), path, &[], Vec::new()).await;
            let what = format!("{method} {path}");
            assert!(
                status < 500 || (status == 503 && path.contains("attachments")),
                "{what}: {status}"
            );
            if status == 405 {
                let allow = headers
                    .get("allow")
                    .map(|value| value.to_str().unwrap().to_owned());
                assert!(
                    allow.is_some_and(|allow| !allow.is_empty()),
                    "{what}: 405 without Allow"
                );
            }
        }
    }
    // HEAD answers wherever GET does, with the GET's length and no body
    // (RFC 9110; Werkzeug does the same).
    for path in ["/", "/health", "/notes", "/notes/1", "/openapi.json"] {
        let (get_status, get_headers, get_body) = app.send(Method::GET, path, &[], Vec::new()).await;
        let (status, headers, body) = app.send(Method::HEAD, path, &[], Vec::new()).await;
        assert_eq!(status, get_status, "HEAD {path}");
        assert!(body.is_empty(), "HEAD {path} sent a body");
        let length = headers
            .get("content-length")
            .map(|value| value.to_str().unwrap().to_owned());
        assert_eq!(length, Some(get_body.len().to_string()), "HEAD {path}");
        assert_eq!(
            headers.get("content-type"),
            get_headers.get("content-type"),
            "HEAD {path}"
        );
    }
    // A known path with a wrong method is 405 with `Allow`, not 404.
    for path in ["/", "/notes", "/notes/1", "/health", "/openapi.json", "/account"] {
        let (status, headers, _) = app.send(Method::PUT, path, &[], Vec::new()).await;
        assert_eq!(status, 405, "PUT {path}");
        assert!(headers.contains_key("allow"), "PUT {path}");
    }

    // Odd origins: answered, never with credentials.
    for origin in [
        "null",
        "http://evil.example",
        &"x".repeat(8_000),
        "http://[::1]:99999",
    ] {
        let (status, headers, _) = app
            .send(Method::GET, "/notes", &[("origin", origin)], Vec::new())
            .await;
        assert_eq!(status, 200, "origin {origin:.20}");
        assert!(
            !headers.contains_key("access-control-allow-credentials"),
            "origin {origin:.20}"
        );
    }

    app.still_running();
    let (status, _, _) = app.send(Method::GET, "/health", &[], Vec::new()).await;
    assert_eq!(status, 200);
    let rss = app.rss_mib();
    assert!(rss < 256, "resident memory grew to {rss} MiB");
}

/// Writes `head` and then the body one byte every 200 ms; returns what the
/// server answered and when.
fn trickle(address: &str, head: &str, body_length: usize) -> (String, Duration) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let started = Instant::now();
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = Vec::new();
    for _ in 0..body_length {
        if stream.write_all(b" ").is_err() {
            break;
        }
        let mut buffer = [0u8; 4096];
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => {
                answer.extend_from_slice(&buffer[..read]);
                break;
            }
            Err(_) => {}
        }
        if started.elapsed() > Duration::from_secs(20) {
            break;
        }
    }
    (String::from_utf8_lossy(&answer).into_owned(), started.elapsed())
}

/// Slow bodies get a 408 problem at `[app] body_timeout_ms`; protocol
/// errors get actix's own bare 4xx; the app keeps serving throughout.
#[actix_web::test]
async fn slow_bodies_time_out_and_protocol_errors_are_refused() {
    let mut app = App::start(&[("APP_BODY_TIMEOUT_MS", "1000")]);
    let address = app.address.clone();
    let head =
        "POST /notes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{";
    let clients: Vec<_> = (0..5)
        .map(|_| {
            let address = address.clone();
            std::thread::spawn(move || trickle(&address, head, 200))
        })
        .collect();
    // Meanwhile the app answers everyone else.
    for _ in 0..5 {
        let (status, _, _) = app.send(Method::GET, "/notes", &[], Vec::new()).await;
        assert_eq!(status, 200);
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    for client in clients {
        let (answer, waited) = client.join().unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
        assert!(answer.contains("application/problem+json"), "{answer}");
        assert!(answer.contains("body-timeout"), "{answer}");
        // A functional bound: the deadline is 1 s and the body never ends.
        assert!(waited < Duration::from_secs(10), "answered after {waited:?}");
    }

    // Protocol errors: actix answers them itself (a bare 4xx, see the
    // README), and nothing breaks.
    for raw in [
        "POST /notes HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n".to_owned(),
        "POST /notes HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx".to_owned(),
        format!(
            "GET /notes HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
            "x".repeat(1_000_000)
        ),
        "GET /notes HTTP/9.9\r\n\r\n".to_owned(),
        "\x00\x01\x02\r\n\r\n".to_owned(),
    ] {
        let mut stream = TcpStream::connect(&address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let _ = stream.write_all(raw.as_bytes());
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        let status: Option<u16> = answer.get(9..12).and_then(|code| code.parse().ok());
        assert!(
            answer.is_empty() || status.is_some_and(|status| (400..500).contains(&status)),
            "{:?}: {answer:.200}",
            &raw[..raw.len().min(60)]
        );
    }
    app.still_running();
    let (status, _, _) = app.send(Method::GET, "/health", &[], Vec::new()).await;
    assert_eq!(status, 200);
    // None of it reached the error log, which any client could otherwise
    // fill (issue 10, finding 8).
    let errors: Vec<String> = app
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|line| line.contains("ERROR"))
        .cloned()
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// Large pages in parallel while other clients read one note and the
/// health check: every one of those is answered (no 503), and the
/// database is reported up (issue 10, finding 1).
#[actix_web::test]
async fn large_pages_in_parallel_starve_nobody() {
    let mut app = App::start(&[]);
    let body = "n".repeat(60_000);
    for i in 0..60 {
        let note = json!({"title": format!("large {i}"), "body": body});
        let (status, _, _) = app
            .send(Method::POST, "/notes", &[], note.to_string().into_bytes())
            .await;
        assert_eq!(status, 201);
    }
    let app_ref = &app;
    let large = (0..8).map(|_| async move {
        for _ in 0..3 {
            let (status, _, body) = app_ref
                .send(Method::GET, "/notes?per_page=100", &[], Vec::new())
                .await;
            assert_eq!(status, 200);
            assert!(body.len() > 3_000_000);
        }
    });
    let small = async {
        let mut answered = 0;
        for _ in 0..20 {
            let (status, _, _) = app_ref.send(Method::GET, "/notes/1", &[], Vec::new()).await;
            assert_eq!(status, 200, "GET /notes/1 during large pages");
            let (status, _, body) = app_ref.send(Method::GET, "/health", &[], Vec::new()).await;
            let health: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(status, 200, "/health during large pages: {health}");
            answered += 1;
        }
        answered
    };
    let (_, answered) = futures_util::join!(futures_util::future::join_all(large), small);
    assert_eq!(answered, 20);
    app.still_running();
    let rss = app.rss_mib();
    assert!(rss < 512, "resident memory grew to {rss} MiB");
}
