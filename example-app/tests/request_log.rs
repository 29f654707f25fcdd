//! The request log: the client address from the socket unless a trusted
//! proxy forwarded it, and what the client sent quoted and escaped
//! (issue 10, finding 16).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use actix_web::test::{call_service, init_service, TestRequest};
use example_app::request_log::RequestSpan;
use ext_core::Config;
use tracing_actix_web::TracingLogger;
use tracing_subscriber::fmt::format::FmtSpan;

/// The log, as the fmt layer writes it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn take(&self) -> String {
        String::from_utf8(std::mem::take(&mut *self.0.lock().unwrap())).unwrap()
    }
}

#[actix_web::test]
async fn the_log_names_the_real_client_and_escapes_what_it_sent() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_span_events(FmtSpan::CLOSE)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let config = Config::builder()
        .toml_str("")
        .env_vars([
            ("SQLALCHEMY_DATABASE_URI", "sqlite://"),
            ("SECRET_KEY", "k7Qw9vX2mL4pR8sT1uY6zA3bC5dE0fGh"),
            ("APP_TRUSTED_PROXIES", "[\"10.0.0.0/8\"]"),
        ])
        .build()
        .unwrap();
    let (ext, _) = example_app::build(config).await.unwrap();
    let app = init_service(example_app::app(&ext).wrap(TracingLogger::<RequestSpan>::new())).await;
    captured.take();

    // Through the trusted proxy: the address it saw, not the client's own
    // first entry.
    let req = TestRequest::get()
        .uri("/notes?page=1")
        .peer_addr("10.0.0.1:5000".parse().unwrap())
        .insert_header(("X-Forwarded-For", "6.6.6.6, 203.0.113.9"))
        .insert_header(("User-Agent", "evil\" http.status_code=200 x=\""));
    assert!(call_service(&app, req.to_request()).await.status().is_success());
    let line = captured.take();
    assert!(line.contains("http.client_ip=203.0.113.9"), "{line}");
    assert!(!line.contains("6.6.6.6"), "{line}");
    assert!(
        line.contains(r#"http.user_agent="evil\" http.status_code=200 x=\"""#),
        "the user agent is one quoted field: {line}"
    );
    assert!(line.contains(r#"http.target="/notes?page=1""#), "{line}");
    assert!(line.contains("http.status_code=200"), "{line}");

    // Straight from a client: its headers name nobody.
    let req = TestRequest::get()
        .uri("/health")
        .peer_addr("192.0.2.1:5000".parse().unwrap())
        .insert_header(("X-Forwarded-For", "6.6.6.6"));
    call_service(&app, req.to_request()).await;
    let line = captured.take();
    assert!(line.contains("http.client_ip=192.0.2.1"), "{line}");
    assert!(!line.contains("6.6.6.6"), "{line}");
}
