//! The development error page: in a debug build with `[app] debug = true`,
//! a browser's 5xx shows the error, the route and the request with secrets
//! redacted; APIs and production keep the generic answer. (That a release
//! build never shows it is `examples/dev_page_probe.rs`, run by
//! `scripts/test.sh`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, COOKIE};
use actix_web::http::StatusCode;
use actix_web::test::{call_service, init_service, read_body, TestRequest};
use actix_web::{web, HttpResponse};
use ext_core::{AppBuilder, Config};

async fn answer(debug: bool, accept: &str) -> (StatusCode, String, String) {
    let debug = debug.to_string();
    let config = Config::builder()
        .no_file()
        .env_vars([("APP_DEBUG", debug.as_str())])
        .build()
        .unwrap();
    let ext = AppBuilder::new(config).init().await.unwrap();
    let app = init_service(
        ext.app()
            .service(web::resource("/notes/{id}").name("note").to(|| async {
                Err::<HttpResponse, _>(actix_web::error::ErrorInternalServerError(
                    "pool timed out on db-7",
                ))
            })),
    )
    .await;
    let res = call_service(
        &app,
        TestRequest::get()
            .uri("/notes/5?page=2&api_token=tok-123")
            .insert_header((ACCEPT, accept))
            .insert_header((COOKIE, "session=cookie-value-456"))
            .insert_header((AUTHORIZATION, "Bearer bearer-789"))
            .to_request(),
    )
    .await;
    let status = res.status();
    let content_type = res
        .headers()
        .get(CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    (
        status,
        content_type,
        String::from_utf8(read_body(res).await.to_vec()).unwrap(),
    )
}

#[actix_rt::test]
async fn a_browser_in_development_sees_the_error_route_and_request_without_secrets() {
    let (status, content_type, page) = answer(true, "text/html,*/*;q=0.8").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(content_type, "text/html; charset=utf-8");
    for shown in [
        "pool timed out on db-7",
        "/notes/{id}",
        "note",
        "page",
        "[redacted]",
        "development error page",
    ] {
        assert!(page.contains(shown), "{shown} missing: {page}");
    }
    for secret in ["cookie-value-456", "bearer-789", "tok-123"] {
        assert!(!page.contains(secret), "{secret} shown: {page}");
    }
}

#[actix_rt::test]
async fn apis_and_production_keep_the_generic_answer() {
    let (_, content_type, body) = answer(true, "application/json").await;
    assert_eq!(content_type, "application/problem+json");
    assert!(!body.contains("db-7"), "{body}");
    let (_, _, body) = answer(false, "text/html").await;
    assert!(!body.contains("db-7") && !body.contains("development"), "{body}");
}
