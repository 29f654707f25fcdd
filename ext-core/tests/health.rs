//! `/health` aggregation, and shutdown work on a real server's graceful stop.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::test::{call_service, init_service, read_body, read_body_json, TestRequest};
use actix_web::{web, HttpServer};
use ext_core::{AppBuilder, Config, Extension, ExtensionError, HealthStatus, Setup};
use serde_json::{json, Value};

/// An extension with a fixed health answer, or one that never answers.
struct Probe {
    name: &'static str,
    status: Option<HealthStatus>,
}

impl Extension for Probe {
    fn name(&self) -> &str {
        self.name
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        let status = self.status;
        app.health_check(move || {
            let status = status.clone();
            async move {
                match status {
                    Some(status) => status,
                    None => {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        HealthStatus::Up
                    }
                }
            }
        });
        Ok(())
    }
}

async fn health(probes: Vec<Probe>, env: &[(&str, &str)]) -> (StatusCode, String, Value) {
    let config = Config::builder()
        .no_file()
        .env_vars(env.iter().copied())
        .build()
        .unwrap();
    let mut builder = AppBuilder::new(config);
    for probe in probes {
        builder = builder.register(probe);
    }
    let app = init_service(builder.init().await.unwrap().app()).await;
    let res = call_service(&app, TestRequest::get().uri("/health").to_request()).await;
    let status = res.status();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, content_type, read_body_json(res).await)
}

#[actix_web::test]
async fn all_up_or_not_configured_is_200() {
    let (status, _, body) = health(
        vec![
            Probe {
                name: "orm",
                status: Some(HealthStatus::Up),
            },
            Probe {
                name: "mongo",
                status: Some(HealthStatus::NotConfigured),
            },
        ],
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"status": "up", "checks": {"orm": {"status": "up"}, "mongo": {"status": "not_configured"}}})
    );
}

#[actix_web::test]
async fn one_down_is_503_naming_it_without_the_reason() {
    let (status, content_type, body) = health(
        vec![
            Probe {
                name: "orm",
                status: Some(HealthStatus::Up),
            },
            Probe {
                name: "mongo",
                status: Some(HealthStatus::Down(
                    "connection refused to mongodb://admin:pw@db".into(),
                )),
            },
        ],
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(
        body,
        json!({
            "type": "urn:actix-flask-ext:problem:service-unavailable",
            "title": "Service unavailable",
            "status": 503,
            "detail": "down: mongo",
            "checks": {"orm": {"status": "up"}, "mongo": {"status": "down"}}
        })
    );
}

#[actix_web::test]
async fn a_check_that_hangs_is_down_after_the_timeout_at_the_configured_path() {
    let started = std::time::Instant::now();
    let config = Config::builder()
        .no_file()
        .env_vars([("APP_HEALTH_TIMEOUT_MS", "100"), ("APP_HEALTH_PATH", "/status")])
        .build()
        .unwrap();
    let app = AppBuilder::new(config)
        .register(Probe {
            name: "slow",
            status: None,
        })
        .init()
        .await
        .unwrap();
    let service = init_service(app.app()).await;
    let res = call_service(&service, TestRequest::get().uri("/status").to_request()).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = read_body_json(res).await;
    assert_eq!(body["checks"]["slow"]["status"], "down");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the check was not cut off"
    );
    let res = call_service(&service, TestRequest::get().uri("/health").to_request()).await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "/health still answered after it moved"
    );
}

#[actix_web::test]
async fn health_answers_get_only_and_app_routes_still_work_beside_it() {
    let app = AppBuilder::new(Config::empty())
        .register(Probe {
            name: "db",
            status: Some(HealthStatus::Up),
        })
        .init()
        .await
        .unwrap();
    let service = init_service(app.app().route("/healthz", web::get().to(|| async { "own" }))).await;

    let res = call_service(&service, TestRequest::post().uri("/health").to_request()).await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers().get("allow").unwrap(), "GET");
    assert_eq!(
        res.headers().get("content-type").unwrap(),
        "application/problem+json"
    );

    // The path as routing sees it: percent-encoded unreserved characters
    // are decoded, as for any route.
    let res = call_service(&service, TestRequest::get().uri("/heal%74h").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);

    let res = call_service(&service, TestRequest::get().uri("/healthz").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(read_body(res).await, "own");
}

/// Records that its shutdown work ran.
struct Closer(Arc<AtomicBool>);

impl Extension for Closer {
    fn name(&self) -> &str {
        "closer"
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        let closed = self.0;
        app.on_shutdown(move || async move {
            closed.store(true, Ordering::SeqCst);
        });
        Ok(())
    }
}

#[actix_web::test]
async fn shutdown_work_runs_when_a_real_server_stops_gracefully() {
    let closed = Arc::new(AtomicBool::new(false));
    let app = AppBuilder::new(Config::empty())
        .register(Closer(Arc::clone(&closed)))
        .init()
        .await
        .unwrap();
    let factory = app.clone();
    let server = HttpServer::new(move || factory.app().route("/", web::get().to(|| async { "up" })))
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    let running = actix_rt::spawn(async move { app.run(server).await });

    let client = awc::Client::default();
    let mut res = client.get(format!("http://{addr}/")).send().await.unwrap();
    assert_eq!(res.body().await.unwrap(), "up");
    let mut res = client.get(format!("http://{addr}/health")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "up");
    assert!(!closed.load(Ordering::SeqCst));

    handle.stop(true).await;
    running.await.unwrap().unwrap();
    assert!(closed.load(Ordering::SeqCst), "shutdown work did not run");
}
