//! Every error response from an app built through ext-core is an RFC 9457
//! problem document, actix's own rejections included.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::http::header::{ALLOW, CONTENT_TYPE};
use actix_web::http::StatusCode;
use actix_web::test::{call_service, init_service, read_body, read_body_json, TestRequest};
use actix_web::{web, HttpResponse};
use ext_core::{AppBuilder, Config};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct NewItem {
    name: String,
    count: u32,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Paging {
    page: u32,
}

async fn create(item: web::Json<NewItem>) -> HttpResponse {
    HttpResponse::Created().body(item.name.clone())
}

async fn show(id: web::Path<u32>) -> HttpResponse {
    HttpResponse::Ok().body(id.to_string())
}

async fn list(query: web::Query<Paging>) -> HttpResponse {
    HttpResponse::Ok().body(query.page.to_string())
}

async fn search(query: ext_core::Query<Paging>) -> HttpResponse {
    HttpResponse::Ok().body(query.page.to_string())
}

async fn upload(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok().body(body.len().to_string())
}

async fn teapot() -> HttpResponse {
    HttpResponse::ImATeapot()
        .content_type("text/plain")
        .body("short and stout")
}

async fn explode() -> Result<HttpResponse, std::io::Error> {
    Err(std::io::Error::other("disk /var/secret is full"))
}

/// Sends `req` and returns status, content type and the parsed body.
async fn send(req: actix_web::test::TestRequest) -> (StatusCode, String, Value) {
    let config = Config::builder()
        .no_file()
        .env_vars([("APP_JSON_LIMIT", "64"), ("APP_PAYLOAD_LIMIT", "64")])
        .build()
        .unwrap();
    let ext = AppBuilder::new(config).init().await.unwrap();
    let app = init_service(
        ext.app()
            .route("/items", web::post().to(create))
            .route("/items", web::get().to(list))
            .route("/search", web::get().to(search))
            .route("/items/{id}", web::get().to(show))
            .route("/upload", web::post().to(upload))
            .route("/teapot", web::get().to(teapot))
            .route("/explode", web::get().to(explode)),
    )
    .await;
    let res = call_service(&app, req.to_request()).await;
    let status = res.status();
    let content_type = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = read_body(res).await;
    let body = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into()));
    (status, content_type, body)
}

fn json_post(body: &str) -> TestRequest {
    TestRequest::post()
        .uri("/items")
        .insert_header((CONTENT_TYPE, "application/json"))
        .set_payload(body.to_owned())
}

#[actix_web::test]
async fn malformed_json_is_a_problem() {
    let (status, content_type, body) = send(json_post("{\"name\": ")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(body["type"], "urn:actix-flask-ext:problem:invalid-json");
    assert_eq!(body["title"], "Invalid JSON body");
    assert_eq!(body["status"], 400);
    assert!(body["detail"].as_str().unwrap().contains("EOF"), "{body}");
}

#[actix_web::test]
async fn json_of_the_wrong_shape_is_a_problem() {
    let (status, _, body) = send(json_post(r#"{"name": "a", "count": -1}"#)).await;
    assert!(status.is_client_error(), "{status}");
    assert_eq!(body["type"], "urn:actix-flask-ext:problem:invalid-json");
    assert!(
        body["detail"].as_str().unwrap().contains("count") || body["detail"].as_str().unwrap().contains("-1"),
        "{body}"
    );
}

/// 4xx details name the field and the problem in the client's terms,
/// never the Rust types behind the extractor (issue 10, finding 6).
#[actix_web::test]
async fn details_name_no_rust_type() {
    let cases = [
        (json_post("5"), "expected an object"),
        (json_post(r#"["a"]"#), "invalid length 1, expected an object"),
        (json_post(r#"{"name": 5, "count": 1}"#), "expected a string"),
        (json_post(r#"{"count": 1}"#), "missing field `name`"),
        (
            json_post(r#"{"name": "a", "count": 4294967296}"#),
            "expected a whole number from 0 to 4294967295",
        ),
        (TestRequest::get().uri("/items/abc"), "as a whole number"),
        // serde_urlencoded parses numbers without naming the parameter;
        // ext_core::Query names it.
        (TestRequest::get().uri("/items?page=-3"), "invalid digit"),
        (TestRequest::get().uri("/search?page=-3"), "`page`: invalid digit"),
        (
            TestRequest::get().uri("/search?page=99999999999"),
            "`page`: number too large",
        ),
        (TestRequest::get().uri("/search"), "missing field `page`"),
    ];
    for (req, says) in cases {
        let (status, _, body) = send(req).await;
        assert!(status.is_client_error(), "{status} {body}");
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains(says), "{detail:?} should say {says:?}");
        for internal in ["NewItem", "Paging", "u32", "deserialize error", "struct"] {
            assert!(!detail.contains(internal), "{detail:?} names {internal:?}");
        }
    }
}

#[actix_web::test]
async fn query_problems_name_the_parameter() {
    let (status, content_type, body) = send(TestRequest::get().uri("/search?page=x")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(body["type"], "urn:actix-flask-ext:problem:invalid-query");
    assert_eq!(body["parameter"], "page");
    let (status, _, body) = send(TestRequest::get().uri("/search?page=7")).await;
    assert_eq!((status, body), (StatusCode::OK, Value::from(7)));
}

#[actix_web::test]
async fn wrong_content_type_is_a_problem() {
    let req = TestRequest::post()
        .uri("/items")
        .insert_header((CONTENT_TYPE, "text/plain"))
        .set_payload(r#"{"name": "a", "count": 1}"#);
    let (status, content_type, body) = send(req).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(body["type"], "urn:actix-flask-ext:problem:unsupported-media-type");
}

#[actix_web::test]
async fn json_over_the_limit_is_a_problem() {
    let big = format!(r#"{{"name": "{}", "count": 1}}"#, "x".repeat(100));
    let (status, _, body) = send(json_post(&big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["type"], "urn:actix-flask-ext:problem:payload-too-large");
    assert_eq!(body["status"], 413);
}

#[actix_web::test]
async fn raw_body_over_the_limit_is_a_problem() {
    let req = TestRequest::post().uri("/upload").set_payload(vec![b'x'; 100]);
    let (status, _, body) = send(req).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["type"], "urn:actix-flask-ext:problem:payload-too-large");
}

#[actix_web::test]
async fn path_that_does_not_parse_is_a_problem() {
    let (status, content_type, body) = send(TestRequest::get().uri("/items/abc")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(body["type"], "urn:actix-flask-ext:problem:invalid-path");
}

#[actix_web::test]
async fn query_that_does_not_parse_is_a_problem() {
    let (status, _, body) = send(TestRequest::get().uri("/items?page=first")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["type"], "urn:actix-flask-ext:problem:invalid-query");
}

#[actix_web::test]
async fn unknown_path_is_a_problem() {
    let (status, content_type, body) = send(TestRequest::get().uri("/nothing/here")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(
        body,
        json!({"type": "about:blank", "title": "Not Found", "status": 404})
    );
}

#[actix_web::test]
async fn wrong_method_is_a_problem_that_keeps_allow() {
    let config = Config::empty();
    let ext = AppBuilder::new(config).init().await.unwrap();
    let app = init_service(
        ext.app()
            .service(web::resource("/only-get").route(web::get().to(HttpResponse::Ok))),
    )
    .await;
    let res = call_service(&app, TestRequest::delete().uri("/only-get").to_request()).await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = res
        .headers()
        .get(ALLOW)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(allow, "GET");
    let body: Value = read_body_json(res).await;
    assert_eq!(
        body,
        json!({"type": "about:blank", "title": "Method Not Allowed", "status": 405})
    );
}

#[actix_web::test]
async fn server_errors_hide_their_cause() {
    let (status, content_type, body) = send(TestRequest::get().uri("/explode")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(
        body,
        json!({"type": "about:blank", "title": "Internal Server Error", "status": 500})
    );
}

#[actix_web::test]
async fn error_responses_a_handler_wrote_itself_pass_through() {
    let (status, content_type, body) = send(TestRequest::get().uri("/teapot")).await;
    assert_eq!(status, StatusCode::IM_A_TEAPOT);
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert_eq!(body, "short and stout");
}

/// Replaces 405s with a 200 before they become problem documents, and tags
/// every response in its after-hook.
struct Rescuer;

impl ext_core::RequestHook for Rescuer {
    fn replace_error(&self, res: &actix_web::dev::ServiceResponse) -> Option<HttpResponse> {
        (res.status() == StatusCode::METHOD_NOT_ALLOWED).then(|| HttpResponse::Ok().body("rescued"))
    }

    fn after_request(&self, res: &mut actix_web::dev::ServiceResponse) {
        res.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-after"),
            actix_web::http::header::HeaderValue::from_static("1"),
        );
    }
}

struct RescueExtension;

impl ext_core::Extension for RescueExtension {
    fn name(&self) -> &str {
        "rescue"
    }

    async fn init_app(self, app: &mut ext_core::Setup) -> Result<(), ext_core::ExtensionError> {
        app.request_hook(Rescuer);
        Ok(())
    }
}

#[actix_web::test]
async fn a_hook_may_replace_an_error_before_it_becomes_a_problem() {
    let ext = AppBuilder::new(Config::empty())
        .register(RescueExtension)
        .init()
        .await
        .unwrap();
    let app = init_service(
        ext.app()
            .service(web::resource("/only-get").route(web::get().to(HttpResponse::Ok))),
    )
    .await;
    let res = call_service(&app, TestRequest::post().uri("/only-get").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers().get("x-after").unwrap(),
        "1",
        "after-hooks run on the replacement"
    );
    assert_eq!(read_body(res).await, "rescued");
    // Other errors still become problem documents.
    let res = call_service(&app, TestRequest::get().uri("/nowhere").to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        res.headers().get(CONTENT_TYPE).unwrap(),
        "application/problem+json"
    );
}
