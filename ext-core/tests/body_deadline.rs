//! A body that trickles in past `[app] body_timeout_ms` is a 408 problem
//! (issue 10, finding 2): the read fails at the deadline whatever the
//! extractor, and a body that arrives in time is untouched.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::pin::Pin;
use std::time::{Duration, Instant};

use actix_web::dev::{Payload, Service};
use actix_web::error::PayloadError;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::http::StatusCode;
use actix_web::test::{init_service, read_body, TestRequest};
use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use ext_core::{AppBuilder, Config};
use futures_util::Stream;
use serde_json::Value;

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Note {
    title: String,
}

async fn json(note: web::Json<Note>) -> HttpResponse {
    HttpResponse::Ok().body(note.title.clone())
}

async fn bytes(body: Bytes) -> HttpResponse {
    HttpResponse::Ok().body(body.len().to_string())
}

/// `first`, then one byte every 100 ms, forever: a client that never
/// finishes.
fn trickle(first: &'static [u8]) -> impl Stream<Item = Result<Bytes, PayloadError>> {
    futures_util::stream::unfold(0u32, move |sent| async move {
        if sent > 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let chunk = if sent == 0 {
            Bytes::from_static(first)
        } else {
            Bytes::from_static(b" ")
        };
        Some((Ok(chunk), sent + 1))
    })
}

async fn answer(timeout_ms: &str, uri: &str, body: Payload) -> (StatusCode, Value, Duration) {
    let config = Config::builder()
        .no_file()
        .env_vars([("APP_BODY_TIMEOUT_MS", timeout_ms)])
        .build()
        .unwrap();
    let ext = AppBuilder::new(config).init().await.unwrap();
    let app = init_service(
        ext.app()
            .route("/json", web::post().to(json))
            .route("/bytes", web::post().to(bytes)),
    )
    .await;
    let req = TestRequest::post()
        .uri(uri)
        .insert_header((CONTENT_TYPE, "application/json"))
        .insert_header((CONTENT_LENGTH, "100000"))
        .to_request();
    let (req, _) = req.replace_payload(body);
    let started = Instant::now();
    let res = app.call(req).await.unwrap();
    let waited = started.elapsed();
    let status = res.status();
    let body = read_body(res).await;
    (
        status,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
        waited,
    )
}

#[actix_web::test]
async fn a_trickling_body_is_a_408_at_the_deadline() {
    for uri in ["/json", "/bytes"] {
        let body = Payload::from(Box::pin(trickle(b"{\"title\": \"")) as Pin<Box<dyn Stream<Item = _>>>);
        let answered = tokio::time::timeout(Duration::from_secs(10), answer("400", uri, body));
        let (status, problem, waited) = answered.await.expect("answered at the deadline, not never");
        assert_eq!(status, StatusCode::REQUEST_TIMEOUT, "{uri}: {problem}");
        assert_eq!(
            problem["type"], "urn:actix-flask-ext:problem:body-timeout",
            "{uri}"
        );
        assert_eq!(problem["status"], 408);
        // A functional bound: the deadline is 400 ms, the client never ends.
        assert!(waited >= Duration::from_millis(400), "{uri}: {waited:?}");
        assert!(waited < Duration::from_secs(5), "{uri}: {waited:?}");
    }
}

#[actix_web::test]
async fn a_body_in_time_is_untouched_and_zero_turns_the_deadline_off() {
    let whole = || {
        let chunks = [
            Ok(Bytes::from_static(b"{\"title\": ")),
            Ok(Bytes::from_static(b"\"kept\"}")),
        ];
        Payload::from(Box::pin(futures_util::stream::iter(chunks)) as Pin<Box<dyn Stream<Item = _>>>)
    };
    let (status, _, _) = answer("400", "/json", whole()).await;
    assert_eq!(status, StatusCode::OK);
    // Off: a trickle is read until the client stops (here, the size limit
    // of 2 MiB is far; the test only checks that 1 s passes without a 408).
    let body = Payload::from(Box::pin(trickle(b"{\"title\": \"")) as Pin<Box<dyn Stream<Item = _>>>);
    let waiting = answer("0", "/json", body);
    let outcome = tokio::time::timeout(Duration::from_secs(1), waiting).await;
    assert!(
        outcome.is_err(),
        "without a deadline the read goes on: {outcome:?}"
    );
}

async fn slow(ms: web::Path<u64>) -> HttpResponse {
    tokio::time::sleep(Duration::from_millis(*ms)).await;
    HttpResponse::Ok().body("done")
}

/// `GET /slow/{ms}` with `[app] handler_timeout_ms`: status, Retry-After,
/// body and time taken, as the server would answer (an error from the app
/// becomes its own response).
async fn handler_answer(timeout_ms: Option<&str>, ms: u64) -> (StatusCode, Option<String>, Value, Duration) {
    let mut env = Vec::new();
    if let Some(timeout_ms) = timeout_ms {
        env.push(("APP_HANDLER_TIMEOUT_MS", timeout_ms));
    }
    let config = Config::builder().no_file().env_vars(env).build().unwrap();
    let ext = AppBuilder::new(config).init().await.unwrap();
    let app = init_service(ext.app().route("/slow/{ms}", web::get().to(slow))).await;
    let started = Instant::now();
    let req = TestRequest::get().uri(&format!("/slow/{ms}")).to_request();
    let response = match app.call(req).await {
        Ok(res) => res.into_parts().1,
        Err(error) => error.error_response(),
    };
    let elapsed = started.elapsed();
    let status = response.status();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().unwrap().to_owned());
    let body = actix_web::body::to_bytes(response.into_body()).await.unwrap();
    (
        status,
        retry,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
        elapsed,
    )
}

/// Finding 2's second half: an optional overall deadline for handlers.
#[actix_web::test]
async fn a_handler_past_its_deadline_is_a_503_problem() {
    let (status, retry, body, elapsed) = handler_answer(Some("300"), 5_000).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["type"], "urn:actix-flask-ext:problem:handler-timeout");
    assert_eq!(retry.as_deref(), Some("1"));
    assert!(
        elapsed < Duration::from_secs(3),
        "answered at the deadline: {elapsed:?}"
    );
    // In time: untouched.
    let (status, _, _, _) = handler_answer(Some("2000"), 10).await;
    assert_eq!(status, StatusCode::OK);
    // Off with 0.
    let (status, _, _, _) = handler_answer(Some("0"), 600).await;
    assert_eq!(status, StatusCode::OK);
    // A minute by default.
    let settings: ext_core::config::AppSettings =
        Config::empty().section(&ext_core::Section::new("app")).unwrap();
    assert_eq!(settings.handler_timeout_ms, 60_000);
}
