//! Attachments of notes in GridFS: with MongoDB configured, and on the
//! embedded defaults without it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::http::StatusCode;
use actix_web::test::{call_service, init_service, read_body, read_body_json, TestRequest};
use ext_core::Config;
use serde_json::{json, Value};

fn config(env: &[(&str, &str)]) -> Config {
    let mut env = env.to_vec();
    env.push(("SQLALCHEMY_DATABASE_URI", "sqlite://"));
    env.push(("SECRET_KEY", "k7Qw9vX2mL4pR8sT1uY6zA3bC5dE0fGh"));
    Config::builder().toml_str("").env_vars(env).build().unwrap()
}

#[actix_web::test]
async fn attachments_are_stored_and_served_from_gridfs() {
    let base = ext_tests::services::mongo_uri();
    let name = format!("example_{}", std::process::id());
    let uri = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
    let (ext, _) = example_app::build(config(&[("MONGO_URI", &uri)])).await.unwrap();
    let app = init_service(example_app::app(&ext)).await;

    let req = TestRequest::post()
        .uri("/notes")
        .set_json(json!({"title": "with a file"}));
    assert_eq!(
        call_service(&app, req.to_request()).await.status(),
        StatusCode::CREATED
    );
    let put = |note: i64, payload: Vec<u8>| {
        TestRequest::put()
            .uri(&format!("/notes/{note}/attachments/report.txt"))
            .set_payload(payload)
            .to_request()
    };
    let res = call_service(&app, put(1, b"quarterly numbers".to_vec())).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = call_service(&app, put(99, b"orphan".to_vec())).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "no such note");
    let res = call_service(&app, put(1, vec![0u8; 10 * 1024 * 1024 + 1])).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let res = call_service(
        &app,
        TestRequest::get()
            .uri("/notes/1/attachments/report.txt")
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let etag = res.headers().get("etag").unwrap().clone();
    assert_eq!(read_body(res).await, "quarterly numbers");
    let req = TestRequest::get()
        .uri("/notes/1/attachments/report.txt")
        .insert_header(("If-None-Match", etag));
    assert_eq!(
        call_service(&app, req.to_request()).await.status(),
        StatusCode::NOT_MODIFIED
    );
    let req = TestRequest::get()
        .uri("/notes/1/attachments/report.txt")
        .insert_header(("Range", "bytes=-7"));
    let res = call_service(&app, req.to_request()).await;
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(read_body(res).await, "numbers");

    mongodb::Client::with_uri_str(&uri)
        .await
        .unwrap()
        .database(&name)
        .drop()
        .await
        .unwrap();
}

#[actix_web::test]
async fn without_mongodb_attachments_answer_503_and_the_rest_works() {
    let (ext, _) = example_app::build(config(&[])).await.unwrap();
    let app = init_service(example_app::app(&ext)).await;
    let req = TestRequest::post()
        .uri("/notes")
        .set_json(json!({"title": "still works"}));
    assert_eq!(
        call_service(&app, req.to_request()).await.status(),
        StatusCode::CREATED
    );
    let res = call_service(
        &app,
        TestRequest::get().uri("/notes/1/attachments/a.txt").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = read_body_json(res).await;
    assert_eq!(body["type"], "urn:actix-flask-ext:problem:mongodb-not-configured");
    assert!(
        body["detail"].as_str().unwrap().contains("not configured"),
        "{body}"
    );
    let res = call_service(&app, TestRequest::get().uri("/health").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = read_body_json(res).await;
    assert_eq!(body["checks"]["mongo"]["status"], "not_configured", "{body}");
    assert_eq!(body["checks"]["sqlalchemy"]["status"], "up", "{body}");
}
