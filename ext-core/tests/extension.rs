//! One extension, registered in one call, that uses every part of the hook:
//! shared data, a route under a prefix, a before-hook that answers, an
//! after-hook that edits every response (errors included), a health check and
//! shutdown work; and two named instances of one extension side by side.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use actix_web::http::StatusCode;
use actix_web::test::{call_service, init_service, read_body, read_body_json, TestRequest};
use actix_web::{web, HttpRequest, HttpResponse};
use ext_core::{
    AppBuilder, Config, Extension, ExtensionError, HealthStatus, Problem, RegistryExt, RequestHook, Setup,
};
use serde_json::Value;

/// Counts what happened, shared between the test and the extension.
#[derive(Debug, Default)]
struct Counters {
    shutdowns: AtomicUsize,
}

/// The greeting an instance serves; one per instance.
#[derive(Debug)]
struct Greeting(String);

/// A test extension using every registration the hook offers.
struct Greeter {
    name: &'static str,
    word: &'static str,
    counters: Arc<Counters>,
}

impl Greeter {
    fn new(name: &'static str, word: &'static str, counters: &Arc<Counters>) -> Self {
        Self {
            name,
            word,
            counters: Arc::clone(counters),
        }
    }
}

struct Tagger {
    instance: String,
}

impl RequestHook for Tagger {
    fn before_request(&self, req: &ServiceRequest) -> Option<HttpResponse> {
        (req.method() == actix_web::http::Method::OPTIONS
            && req.path() == format!("/{}/answer", self.instance))
        .then(|| {
            HttpResponse::NoContent()
                .insert_header(("x-answered-by", self.instance.as_str()))
                .finish()
        })
    }

    fn after_request(&self, res: &mut ServiceResponse) {
        let name = HeaderName::from_static("x-seen-by");
        let value = HeaderValue::from_str(&self.instance).unwrap_or(HeaderValue::from_static("?"));
        res.headers_mut().append(name, value);
    }
}

impl Extension for Greeter {
    fn name(&self) -> &str {
        self.name
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        let instance = app.name().to_owned();
        app.provide(Greeting(self.word.to_owned()));
        let route_instance = instance.clone();
        app.routes(&format!("/{instance}"), move |cfg| {
            let instance = route_instance.clone();
            cfg.route(
                "/hello",
                web::get().to(move |req: HttpRequest| {
                    let instance = instance.clone();
                    async move {
                        let greeting = req
                            .registry()
                            .and_then(|registry| registry.get_named::<Greeting>(&instance))
                            .map(|greeting| greeting.0.clone())
                            .unwrap_or_default();
                        HttpResponse::Ok().body(greeting)
                    }
                }),
            );
        });
        app.request_hook(Tagger { instance });
        app.health_check(|| async { HealthStatus::Up });
        let counters = Arc::clone(&self.counters);
        app.on_shutdown(move || async move {
            counters.shutdowns.fetch_add(1, Ordering::SeqCst);
        });
        Ok(())
    }
}

async fn failing_handler() -> Result<HttpResponse, actix_web::Error> {
    Err(actix_web::error::ErrorInternalServerError(
        "database password is hunter2",
    ))
}

async fn bad_request_handler() -> Result<HttpResponse, Problem> {
    Err(Problem::new(StatusCode::BAD_REQUEST).with_detail("no"))
}

fn header<'a>(res: &'a ServiceResponse, name: &str) -> Vec<&'a str> {
    res.headers()
        .get_all(name)
        .filter_map(|value| value.to_str().ok())
        .collect()
}

#[actix_web::test]
async fn one_extension_registers_data_routes_hooks_health_and_shutdown() {
    let counters = Arc::new(Counters::default());
    let ext = AppBuilder::new(Config::empty())
        .register(Greeter::new("greeter", "hello", &counters))
        .init()
        .await
        .unwrap();
    let app = init_service(
        ext.app()
            .route(
                "/user-route",
                web::get().to(|word: web::Data<Greeting>| async move { word.0.clone() }),
            )
            .route("/fail", web::get().to(failing_handler))
            .route(
                "/json",
                web::post().to(|body: web::Json<Value>| async move { body.to_string() }),
            ),
    )
    .await;

    // Data: the first instance is web::Data<Greeting> for user handlers too.
    let res = call_service(&app, TestRequest::get().uri("/user-route").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "x-seen-by"), ["greeter"]);
    assert_eq!(read_body(res).await, "hello");

    // A route under the extension's prefix.
    let res = call_service(&app, TestRequest::get().uri("/greeter/hello").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(read_body(res).await, "hello");

    // The before-hook answers the request itself; the after-hook still runs.
    let res = call_service(
        &app,
        TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri("/greeter/answer")
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(header(&res, "x-answered-by"), ["greeter"]);
    assert_eq!(header(&res, "x-seen-by"), ["greeter"]);

    // The after-hook edits error responses: unknown path, handler error,
    // extractor rejection. Each is a problem document.
    for req in [
        TestRequest::get().uri("/nowhere").to_request(),
        TestRequest::get().uri("/fail").to_request(),
        TestRequest::post()
            .uri("/json")
            .insert_header((CONTENT_TYPE, "application/json"))
            .set_payload("{oops")
            .to_request(),
    ] {
        let res = call_service(&app, req).await;
        assert!(res.status().is_client_error() || res.status().is_server_error());
        assert_eq!(header(&res, "x-seen-by"), ["greeter"], "{}", res.request().path());
        assert_eq!(header(&res, "content-type"), ["application/problem+json"]);
        let body: Value = read_body_json(res).await;
        assert!(body["status"].is_u64());
        assert!(
            !body.to_string().contains("hunter2"),
            "internal cause leaked: {body}"
        );
    }

    // Health.
    let res = call_service(&app, TestRequest::get().uri("/health").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = read_body_json(res).await;
    assert_eq!(
        body,
        serde_json::json!({"status": "up", "checks": {"greeter": {"status": "up"}}})
    );

    // Shutdown work runs once.
    assert_eq!(counters.shutdowns.load(Ordering::SeqCst), 0);
    ext.shutdown().await;
    ext.shutdown().await;
    assert_eq!(counters.shutdowns.load(Ordering::SeqCst), 1);
}

#[actix_web::test]
async fn two_named_instances_live_side_by_side() {
    let counters = Arc::new(Counters::default());
    let ext = AppBuilder::new(Config::empty())
        .register(Greeter::new("greeter", "hello", &counters))
        .register(Greeter::new("greeter2", "bonjour", &counters))
        .init()
        .await
        .unwrap();
    assert_eq!(ext.registry().names::<Greeting>(), ["greeter", "greeter2"]);
    assert_eq!(ext.registry().get::<Greeting>().unwrap().0, "hello");
    let app = init_service(ext.app()).await;

    for (uri, body) in [("/greeter/hello", "hello"), ("/greeter2/hello", "bonjour")] {
        let res = call_service(&app, TestRequest::get().uri(uri).to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        // After-hooks run in reverse registration order, as Flask's do.
        assert_eq!(header(&res, "x-seen-by"), ["greeter2", "greeter"]);
        assert_eq!(read_body(res).await, body);
    }

    let res = call_service(&app, TestRequest::get().uri("/health").to_request()).await;
    let body: Value = read_body_json(res).await;
    assert_eq!(body["checks"]["greeter2"]["status"], "up");

    ext.shutdown().await;
    assert_eq!(counters.shutdowns.load(Ordering::SeqCst), 2);
}

#[actix_web::test]
async fn the_same_name_twice_fails_start_up() {
    let counters = Arc::new(Counters::default());
    let error = AppBuilder::new(Config::empty())
        .register(Greeter::new("greeter", "hello", &counters))
        .register(Greeter::new("greeter", "again", &counters))
        .init()
        .await
        .unwrap_err();
    assert_eq!(error.extension(), "greeter");
    assert!(
        error.to_string().contains("already registered as `greeter`"),
        "{error}"
    );
}

#[actix_web::test]
async fn route_prefix_from_code_beats_config_beats_default() {
    let counters = Arc::new(Counters::default());
    let config = Config::builder()
        .no_file()
        .env_vars([("APP_URL_PREFIXES__GREETER2", "/salut")])
        .build()
        .unwrap();
    let ext = AppBuilder::new(config)
        .register_at(Greeter::new("greeter", "hello", &counters), "/api/hi/")
        .register(Greeter::new("greeter2", "bonjour", &counters))
        .init()
        .await
        .unwrap();
    let app = init_service(ext.app()).await;
    for (uri, status) in [
        ("/api/hi/hello", StatusCode::OK),
        ("/greeter/hello", StatusCode::NOT_FOUND),
        ("/salut/hello", StatusCode::OK),
        ("/greeter2/hello", StatusCode::NOT_FOUND),
    ] {
        let res = call_service(&app, TestRequest::get().uri(uri).to_request()).await;
        assert_eq!(res.status(), status, "{uri}");
    }
}

/// An extension whose init fails on a bad setting.
struct Strict;

impl Extension for Strict {
    fn name(&self) -> &str {
        "strict"
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        #[derive(serde::Deserialize, Default)]
        #[serde(default)]
        struct Settings {
            level: u8,
        }
        let settings: Settings = app.settings(&ext_core::Section::new("strict"))?;
        if settings.level > 3 {
            return Err(ExtensionError::invalid_setting(
                "strict.level",
                "must be 3 or less",
            ));
        }
        Ok(())
    }
}

#[actix_web::test]
async fn init_errors_name_the_extension_and_the_key() {
    let init = |vars: &[(&str, &str)]| {
        let config = Config::builder()
            .no_file()
            .env_vars(vars.iter().copied())
            .build()
            .unwrap();
        AppBuilder::new(config).register(Strict).init()
    };
    let error = init(&[("STRICT_LEVEL", "9")]).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "extension `strict` failed to start: config key `strict.level`: must be 3 or less"
    );
    let error = init(&[("STRICT_LEVEL", "high")]).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "extension `strict` failed to start: config key `strict.level` (environment variable STRICT_LEVEL): \
         invalid type: found string \"high\", expected u8"
    );
    let error = init(&[("APP_HEALTH_TIMEOUT_MS", "soon")]).await.unwrap_err();
    assert_eq!(error.extension(), "app");
    assert!(
        error
            .to_string()
            .contains("config key `app.health_timeout_ms` (environment variable APP_HEALTH_TIMEOUT_MS)"),
        "{error}"
    );
    assert!(init(&[("STRICT_LEVEL", "2")]).await.is_ok());
}

#[actix_web::test]
async fn bad_request_problem_from_a_handler_passes_through() {
    let ext = AppBuilder::new(Config::empty()).init().await.unwrap();
    let app = init_service(ext.app().route("/bad", web::get().to(bad_request_handler))).await;
    let res = call_service(&app, TestRequest::get().uri("/bad").to_request()).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = read_body_json(res).await;
    assert_eq!(
        body,
        serde_json::json!({"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "no"})
    );
}

/// Answers unrouted requests under `/old/` with 410 Gone.
struct Retired;

impl RequestHook for Retired {
    fn unrouted(&self, req: &ServiceRequest) -> Option<HttpResponse> {
        req.path()
            .starts_with("/old/")
            .then(|| HttpResponse::Gone().body("moved"))
    }

    fn after_request(&self, res: &mut ServiceResponse) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-after"), HeaderValue::from_static("1"));
    }
}

struct RetiredExtension;

impl Extension for RetiredExtension {
    fn name(&self) -> &str {
        "retired"
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        app.request_hook(Retired);
        Ok(())
    }
}

#[actix_web::test]
async fn unrouted_hooks_answer_before_the_404() {
    let ext = AppBuilder::new(Config::empty())
        .register(RetiredExtension)
        .init()
        .await
        .unwrap();
    let app = init_service(ext.app().route("/old/kept", web::get().to(HttpResponse::Ok))).await;

    let res = call_service(&app, TestRequest::get().uri("/old/page").to_request()).await;
    assert_eq!(res.status(), StatusCode::GONE);
    assert_eq!(header(&res, "x-after"), ["1"], "after-hooks still run");
    assert_eq!(read_body(res).await, "moved");

    // A route wins over the hook; other paths get the 404 problem document.
    let res = call_service(&app, TestRequest::get().uri("/old/kept").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = call_service(&app, TestRequest::get().uri("/new/page").to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&res, "content-type"), ["application/problem+json"]);
    assert_eq!(header(&res, "x-after"), ["1"]);
    let body: Value = read_body_json(res).await;
    assert_eq!(
        body,
        serde_json::json!({"type": "about:blank", "title": "Not Found", "status": 404})
    );
}
