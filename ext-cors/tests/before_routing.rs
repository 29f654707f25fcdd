//! `preflight_before_routing`: preflights answered in the before-hook, as
//! actix-cors does, instead of after routing as Flask-Cors does.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderName};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{call_service, init_service, TestRequest};
use actix_web::{web, HttpResponse};
use common::{capture_logs, config, partner_route, request, routes};
use ext_core::{AppBuilder, Config};
use ext_cors::{Cors, CrossOrigin};

const ORIGIN: &str = "https://app.example";

/// The test app's routes, plus a path whose own handler takes `OPTIONS`.
fn app_routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(routes).service(
        web::resource("/own-options").route(web::method(Method::OPTIONS).to(|| async {
            HttpResponse::NoContent()
                .insert_header(("x-handler", "called"))
                .finish()
        })),
    );
}

/// Sends each request to one app built from `config` and `cors`.
async fn send_all(config: Config, cors: Cors, requests: Vec<TestRequest>) -> Vec<ServiceResponse> {
    let ext = AppBuilder::new(config).register(cors).init().await.unwrap();
    let app = init_service(ext.app().configure(app_routes)).await;
    let mut responses = Vec::new();
    for req in requests {
        responses.push(call_service(&app, req.to_request()).await);
    }
    responses
}

fn preflight(path: &str, origin: &str) -> TestRequest {
    request(
        "OPTIONS",
        path,
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
    )
}

/// Every CORS and `Vary` line of a response, sorted.
fn cors_lines(res: &ServiceResponse) -> Vec<String> {
    let mut lines: Vec<String> = res
        .headers()
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("access-control-") || *name == header::VARY)
        .map(|(name, value)| format!("{name}: {}", value.to_str().unwrap()))
        .collect();
    lines.sort();
    lines
}

fn has(res: &ServiceResponse, name: &str) -> bool {
    res.headers()
        .contains_key(HeaderName::from_bytes(name.as_bytes()).unwrap())
}

#[actix_web::test]
async fn off_by_default_routing_decides_as_in_flask() {
    let responses = send_all(
        Config::empty(),
        Cors::new().origins([ORIGIN]),
        vec![preflight("/own-options", ORIGIN), preflight("/nowhere", ORIGIN)],
    )
    .await;
    // The path's own OPTIONS handler answers (CORS headers added after it).
    assert_eq!(responses[0].status(), StatusCode::NO_CONTENT);
    assert!(has(&responses[0], "x-handler"));
    assert!(has(&responses[0], "access-control-allow-origin"));
    // No route at the path: 404, with the CORS headers.
    assert_eq!(responses[1].status(), StatusCode::NOT_FOUND);
    assert!(has(&responses[1], "access-control-allow-origin"));
}

#[actix_web::test]
async fn preflights_are_answered_before_routing_with_the_same_cors_headers() {
    let requests = || {
        vec![
            preflight("/api/items", ORIGIN),
            preflight("/api/items", "https://evil.example"),
            preflight("/own-options", ORIGIN),
            preflight("/nowhere", ORIGIN),
            // An OPTIONS without Access-Control-Request-Method is no
            // preflight: routing decides.
            request("OPTIONS", "/nowhere", &[("Origin", ORIGIN)]),
            // Other methods are routed as ever.
            request("GET", "/api/items", &[("Origin", ORIGIN)]),
        ]
    };
    let policy = || Cors::new().origins([ORIGIN]).max_age(600);
    let routed = send_all(Config::empty(), policy(), requests()).await;
    let early = send_all(
        Config::empty(),
        policy().preflight_before_routing(true),
        requests(),
    )
    .await;

    // Where routing gives the automatic answer, the early one is the same:
    // 200, the same CORS and Vary lines, accepted or refused.
    for i in [0, 1] {
        assert_eq!(early[i].status(), StatusCode::OK);
        assert_eq!(cors_lines(&early[i]), cors_lines(&routed[i]), "request {i}");
    }
    assert!(has(&early[0], "access-control-allow-methods"));
    assert!(!has(&early[1], "access-control-allow-origin"));
    assert_eq!(early[1].headers().get(header::VARY).unwrap(), "Origin");

    // The differences, as documented: the path's own OPTIONS handler is not
    // called, and a path without routes answers 200 instead of 404.
    assert_eq!(early[2].status(), StatusCode::OK);
    assert!(!has(&early[2], "x-handler"));
    assert_eq!(cors_lines(&early[2]), cors_lines(&routed[0]));
    assert_eq!(routed[3].status(), StatusCode::NOT_FOUND);
    assert_eq!(early[3].status(), StatusCode::OK);
    assert_eq!(cors_lines(&early[3]), cors_lines(&routed[0]));

    // Not preflights: identical.
    for i in [4, 5] {
        assert_eq!(early[i].status(), routed[i].status(), "request {i}");
        assert_eq!(cors_lines(&early[i]), cors_lines(&routed[i]), "request {i}");
    }
    assert_eq!(early[4].status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn a_rejection_status_still_refuses_first() {
    let responses = send_all(
        Config::empty(),
        Cors::new()
            .origins([ORIGIN])
            .preflight_rejection_status(403)
            .preflight_before_routing(true),
        vec![
            preflight("/nowhere", "https://evil.example"),
            preflight("/nowhere", ORIGIN),
        ],
    )
    .await;
    assert_eq!(responses[0].status(), StatusCode::FORBIDDEN);
    assert_eq!(responses[1].status(), StatusCode::OK);
    assert!(has(&responses[1], "access-control-allow-methods"));
}

#[actix_web::test]
async fn per_resource_from_toml_and_from_the_environment() {
    let toml = r#"
        [cors]
        origins = ["https://app.example"]

        [cors.resources."/api/*"]
        preflight_before_routing = true

        [cors.resources."/*"]
    "#;
    let responses = send_all(
        config(toml, &[]),
        Cors::new(),
        vec![preflight("/api/nowhere", ORIGIN), preflight("/nowhere", ORIGIN)],
    )
    .await;
    assert_eq!(responses[0].status(), StatusCode::OK, "answered before routing");
    assert_eq!(responses[1].status(), StatusCode::NOT_FOUND, "routed");

    let responses = send_all(
        config("", &[("CORS_PREFLIGHT_BEFORE_ROUTING", "true")]),
        Cors::new(),
        vec![preflight("/nowhere", ORIGIN)],
    )
    .await;
    assert_eq!(responses[0].status(), StatusCode::OK);
}

#[actix_web::test]
async fn it_clashes_with_automatic_options_off() {
    let ext = AppBuilder::new(Config::empty())
        .register(
            Cors::new()
                .automatic_options(false)
                .preflight_before_routing(true),
        )
        .init()
        .await;
    let message = ext.unwrap_err().to_string();
    assert!(message.contains("cors.preflight_before_routing"), "{message}");
    assert!(message.contains("cors.automatic_options"), "{message}");
}

#[actix_web::test]
async fn a_cross_origin_override_turns_it_off_so_its_preflights_reach_it() {
    // In `[cors]`, which overrides inherit (options in code are not).
    let toml = r#"
        [cors]
        origins = ["https://app.example"]
        preflight_before_routing = true
    "#;
    let (logs, _guard) = capture_logs();
    let ext = AppBuilder::new(config(toml, &[]))
        .register(Cors::new())
        .init()
        .await
        .unwrap();
    let app = init_service(
        ext.app()
            .service(
                web::resource("/partner")
                    .wrap(
                        CrossOrigin::new()
                            .origins(["https://partner.example"])
                            .max_age(60)
                            .in_app(&ext),
                    )
                    .route(web::get().to(HttpResponse::Ok)),
            )
            // The app's `preflight_before_routing` is not inherited by an
            // override (it would clash with this one's automatic_options).
            .service(
                web::resource("/partner-own-options")
                    .wrap(CrossOrigin::new().automatic_options(false).in_app(&ext))
                    .route(web::get().to(HttpResponse::Ok)),
            )
            .configure(app_routes),
    )
    .await;
    let text = logs.text();
    assert!(
        text.lines()
            .any(|line| line.contains("WARN") && line.contains("preflight_before_routing is off")),
        "{text}"
    );
    let res = call_service(
        &app,
        preflight("/partner", "https://partner.example").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get(header::ACCESS_CONTROL_MAX_AGE).unwrap(), "60");
    // A stricter override is not bypassed by the app-wide answer.
    let res = call_service(&app, preflight("/partner", ORIGIN).to_request()).await;
    assert!(!has(&res, "access-control-allow-origin"));
    let res = call_service(&app, preflight("/partner-own-options", ORIGIN).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    // And routing decides everywhere again.
    let res = call_service(&app, preflight("/nowhere", ORIGIN).to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn an_override_built_without_the_app_fails_closed_there() {
    let toml = r#"
        [cors]
        origins = ["https://app.example"]
        preflight_before_routing = true
    "#;
    let (logs, _guard) = capture_logs();
    let ext = AppBuilder::new(config(toml, &[]))
        .register(Cors::new())
        .init()
        .await
        .unwrap();
    // Unbound: the app cannot know of it before its first request.
    let app = init_service(ext.app().configure(partner_route).configure(app_routes)).await;
    let res = call_service(
        &app,
        request("GET", "/partner", &[("Origin", "https://partner.example")]).to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(logs.text().contains("build it with in_app"), "{}", logs.text());
    // From then on the app-wide policy leaves preflights to routing.
    let res = call_service(&app, preflight("/nowhere", ORIGIN).to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn an_override_that_clashes_with_the_app_fails_the_worker_start() {
    let ext = AppBuilder::new(config(
        "[cors]\norigins = [\"https://app.example\"]\nsupports_credentials = true\n",
        &[],
    ))
    .register(Cors::new())
    .init()
    .await
    .unwrap();
    let app = ext.app().service(
        web::resource("/x")
            .wrap(CrossOrigin::new().origins(["*"]).in_app(&ext))
            .route(web::get().to(HttpResponse::Ok)),
    );
    use actix_service::IntoServiceFactory;
    use actix_web::dev::{AppConfig, ServiceFactory};
    let started = app.into_factory().new_service(AppConfig::default()).await;
    assert!(
        started.is_err(),
        "`*` with the app's credentials fails start-up, not the first request"
    );
}
