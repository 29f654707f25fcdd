//! Contributed middleware (the async around-hook): registered in an
//! extension's `init_app`, wrapped around every worker's routes in
//! registration order, awaited before and after the handler; and the
//! standard "needs … registered before it" start-up error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, Next};
use actix_web::test::{call_service, init_service, read_body, TestRequest};
use actix_web::{web, App, HttpMessage, HttpResponse};
use ext_core::{AppBuilder, AppFactory, Config, ExtApp, Extension, ExtensionError, RequestHook, Setup};

type Log = Arc<Mutex<Vec<String>>>;

/// Logs "<name> before" / "<name> after" around the routes, waits on a
/// timer in between (real async work), and tags the response.
struct Around {
    name: &'static str,
    log: Log,
}

/// What the handler reads from the request: set by the middleware.
#[derive(Clone)]
struct Loaded(&'static str);

impl Extension for Around {
    fn name(&self) -> &str {
        self.name
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        let (name, log) = (self.name, self.log);
        app.request_hook(AfterLog {
            log: Arc::clone(&log),
        });
        app.middleware(move || {
            let log = Arc::clone(&log);
            from_fn(move |req: ServiceRequest, next: Next<BoxBody>| {
                let log = Arc::clone(&log);
                async move {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    log.lock().unwrap().push(format!("{name} before"));
                    req.extensions_mut().insert(Loaded(name));
                    let mut res = next.call(req).await?;
                    log.lock().unwrap().push(format!("{name} after"));
                    res.headers_mut().append(
                        HeaderName::from_static("x-around"),
                        HeaderValue::from_static(name),
                    );
                    Ok::<_, actix_web::Error>(res)
                }
            })
        });
        Ok(())
    }
}

/// Records, in its after-hook, what the middleware left on the response.
struct AfterLog {
    log: Log,
}

impl RequestHook for AfterLog {
    fn before_request(&self, req: &ServiceRequest) -> Option<HttpResponse> {
        (req.path() == "/answered").then(|| HttpResponse::Ok().body("answered by a before-hook"))
    }

    fn after_request(&self, res: &mut ServiceResponse) {
        let tags: Vec<_> = res
            .headers()
            .get_all("x-around")
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        self.log.lock().unwrap().push(format!("after-hook sees {tags:?}"));
    }
}

/// A function that returns an ext-core app names its type in one line.
fn routes(app: &ExtApp) -> App<impl AppFactory> {
    app.app()
        .route(
            "/hello",
            web::get().to(|req: actix_web::HttpRequest| async move {
                let loaded = req.extensions().get::<Loaded>().map(|l| l.0).unwrap_or("nothing");
                HttpResponse::Ok().body(format!("loaded by {loaded}"))
            }),
        )
        .route(
            "/fails",
            web::get().to(|| async { Err::<HttpResponse, _>(actix_web::error::ErrorBadRequest("no good")) }),
        )
}

async fn two_around(log: &Log) -> ExtApp {
    AppBuilder::new(Config::empty())
        .register(Around {
            name: "outer",
            log: Arc::clone(log),
        })
        .register(Around {
            name: "inner",
            log: Arc::clone(log),
        })
        .init()
        .await
        .unwrap()
}

#[actix_rt::test]
async fn middleware_runs_around_the_handler_first_registered_outermost() {
    let log = Log::default();
    let ext = two_around(&log).await;
    let app = init_service(routes(&ext)).await;

    let res = call_service(&app, TestRequest::get().uri("/hello").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let tags: Vec<_> = res
        .headers()
        .get_all("x-around")
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    // The inner one tags first, on the way out.
    assert_eq!(tags, ["inner", "outer"]);
    assert_eq!(read_body(res).await, "loaded by inner");
    assert_eq!(
        *log.lock().unwrap(),
        [
            "outer before",
            "inner before",
            "inner after",
            "outer after",
            // after-hooks run last, on what the middleware left, in reverse
            // registration order
            "after-hook sees [\"inner\", \"outer\"]",
            "after-hook sees [\"inner\", \"outer\"]",
        ]
    );
}

#[actix_rt::test]
async fn error_responses_through_middleware_still_become_problems() {
    let log = Log::default();
    let ext = two_around(&log).await;
    let app = init_service(routes(&ext)).await;

    let res = call_service(&app, TestRequest::get().uri("/fails").to_request()).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.headers().get(CONTENT_TYPE).unwrap(),
        "application/problem+json"
    );
    assert_eq!(res.headers().get_all("x-around").count(), 2);

    let res = call_service(&app, TestRequest::get().uri("/nowhere").to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        res.headers().get_all("x-around").count(),
        2,
        "unrouted requests pass through too"
    );
}

#[actix_rt::test]
async fn before_hook_answers_and_health_skip_the_middleware() {
    let log = Log::default();
    let ext = two_around(&log).await;
    let app = init_service(routes(&ext)).await;

    let res = call_service(&app, TestRequest::get().uri("/answered").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get_all("x-around").count(), 0);
    let res = call_service(&app, TestRequest::get().uri("/health").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get_all("x-around").count(), 0);
    assert!(!log.lock().unwrap().iter().any(|line| line.ends_with("before")));
}

#[actix_rt::test]
async fn an_app_without_middleware_calls_the_routes_directly() {
    let ext = AppBuilder::new(Config::empty()).init().await.unwrap();
    let app = init_service(routes(&ext)).await;
    let res = call_service(&app, TestRequest::get().uri("/hello").to_request()).await;
    assert_eq!(read_body(res).await, "loaded by nothing");
}

struct Dependent;

#[derive(Debug)]
struct Pool;

impl Extension for Dependent {
    fn name(&self) -> &str {
        "ext-user"
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        app.require::<Pool>("ext-orm or ext-mongo")?;
        Ok(())
    }
}

struct Provider;

impl Extension for Provider {
    fn name(&self) -> &str {
        "pool"
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        app.provide(Pool);
        Ok(())
    }
}

#[actix_rt::test]
async fn a_missing_dependency_fails_start_up_with_the_standard_message() {
    let error = AppBuilder::new(Config::empty())
        .register(Dependent)
        .register(Provider)
        .init()
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "extension `ext-user` failed to start: `ext-user` needs ext-orm or ext-mongo registered before it"
    );
    AppBuilder::new(Config::empty())
        .register(Provider)
        .register(Dependent)
        .init()
        .await
        .unwrap();
}
