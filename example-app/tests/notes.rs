//! The notes resource on ext-orm: SQLite by default, PostgreSQL from the
//! configuration.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::http::StatusCode;
use actix_web::test::{call_service, init_service, read_body_json, TestRequest};
use ext_core::Config;
use ext_tests::scratch::{ScratchDatabase, Server};
use serde_json::{json, Value};

async fn exercise(database_uri: &str) {
    let config = Config::builder()
        .toml_str("")
        .env_vars([
            ("DATABASE_URL", database_uri),
            ("SECRET_KEY", "k7Qw9vX2mL4pR8sT1uY6zA3bC5dE0fGh"),
        ])
        .build()
        .unwrap();
    let (ext, _) = example_app::build(config).await.unwrap();
    let app = init_service(example_app::app(&ext)).await;

    for i in 1..=25 {
        let req = TestRequest::post()
            .uri("/notes")
            .set_json(json!({"title": format!("note {i}"), "body": "text"}));
        let res = call_service(&app, req.to_request()).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        assert_eq!(res.headers().get("location").unwrap(), &format!("/notes/{i}"));
    }
    let res = call_service(
        &app,
        TestRequest::get().uri("/notes?page=2&per_page=10").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers().get("link").unwrap(),
        "</notes?page=1&per_page=10>; rel=\"first\", </notes?page=1&per_page=10>; rel=\"prev\", \
         </notes?page=3&per_page=10>; rel=\"next\", </notes?page=3&per_page=10>; rel=\"last\""
    );
    let body: Value = read_body_json(res).await;
    assert_eq!(body["total"], 25);
    assert_eq!(body["items"][0]["title"], "note 11");
    let res = call_service(&app, TestRequest::get().uri("/notes?per_page=1000").to_request()).await;
    let body: Value = read_body_json(res).await;
    assert_eq!(body["per_page"], 100, "clamped to max_per_page");

    let res = call_service(&app, TestRequest::get().uri("/notes/3").to_request()).await;
    let body: Value = read_body_json(res).await;
    assert_eq!(body, json!({"id": 3, "title": "note 3", "body": "text"}));
    // Ids match as Werkzeug's `int` converter does: `/notes/+4` and
    // `/notes/04` are not note 4, and the delete below cannot reach it.
    for path in [
        "/notes/+4",
        "/notes/04",
        "/notes/4.0",
        "/notes/-4",
        "/notes/99999999999999999999",
    ] {
        let res = call_service(&app, TestRequest::get().uri(path).to_request()).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let body: Value = read_body_json(res).await;
        assert!(
            body["type"].as_str().unwrap().ends_with("invalid-path"),
            "{path}: {body}"
        );
        let res = call_service(&app, TestRequest::delete().uri(path).to_request()).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let res = call_service(&app, TestRequest::get().uri("/notes/4").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK, "note 4 is still there");
    let res = call_service(&app, TestRequest::delete().uri("/notes/3").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = call_service(&app, TestRequest::get().uri("/notes/3").to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body: Value = read_body_json(res).await;
    assert_eq!(body["detail"], "no note with this id");

    let req = TestRequest::post().uri("/notes").set_json(json!({"title": "  "}));
    let res = call_service(&app, req.to_request()).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let req = TestRequest::post()
        .uri("/notes")
        .set_json(json!({"title": "x".repeat(201)}));
    let res = call_service(&app, req.to_request()).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = call_service(&app, TestRequest::get().uri("/notes?page=abc").to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = call_service(&app, TestRequest::get().uri("/notes").to_request()).await;
    let body: Value = read_body_json(res).await;
    assert_eq!(body["total"], 24, "nothing half-written by the refused posts");
    ext.shutdown().await;
}

#[actix_web::test]
async fn notes_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("example-notes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    exercise(&format!("sqlite:///{}/notes.db", dir.display())).await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[actix_web::test]
async fn notes_on_postgresql_from_the_configuration() {
    let scratch = ScratchDatabase::create(Server::Postgres).await;
    exercise(&scratch.url).await;
    scratch.drop_now().await;
}
