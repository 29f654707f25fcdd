//! Attachments of notes in GridFS: with MongoDB configured, and on the
//! embedded defaults without it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::http::StatusCode;
use actix_web::test::{call_service, init_service, read_body, read_body_json, TestRequest};
use ext_core::Config;
use ext_tests::scratch::{ScratchDatabase, Server};
use mongodb::bson::doc;
use serde_json::{json, Value};

fn config(env: &[(&str, &str)]) -> Config {
    config_on("sqlite://", env)
}

fn config_on(database_uri: &str, env: &[(&str, &str)]) -> Config {
    let mut env = env.to_vec();
    env.push(("SQLALCHEMY_DATABASE_URI", database_uri));
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

    // A second upload of the name replaces the first, once complete.
    let res = call_service(&app, put(1, b"revised numbers".to_vec())).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = call_service(
        &app,
        TestRequest::get()
            .uri("/notes/1/attachments/report.txt")
            .to_request(),
    )
    .await;
    assert_eq!(read_body(res).await, "revised numbers");
    let db = mongodb::Client::with_uri_str(&uri).await.unwrap().database(&name);
    assert_eq!(count(&db, "fs.files", doc! {"note_id": 1}).await, 1);

    // Names: Location percent-encoded; what no header can carry, or what
    // is not one path segment, refused before anything is stored.
    let req = TestRequest::put()
        .uri("/notes/1/attachments/r%C3%A9sum%C3%A9%20(1).txt")
        .set_payload("cv");
    let res = call_service(&app, req.to_request()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(
        res.headers().get("location").unwrap(),
        "/notes/1/attachments/r%C3%A9sum%C3%A9%20%281%29.txt"
    );
    for bad in [
        "a%0D%0ASet-Cookie:%20x",
        "what%3F",
        "a%23b",
        "..",
        "a%5Cb",
        "%00",
        "invoice%E2%80%AEfdp.exe",
    ] {
        let req = TestRequest::put()
            .uri(&format!("/notes/1/attachments/{bad}"))
            .set_payload("x");
        let res = call_service(&app, req.to_request()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let body: Value = read_body_json(res).await;
        assert_eq!(
            body["type"], "urn:actix-flask-ext:problem:invalid-file-name",
            "{bad}"
        );
    }
    assert_eq!(count(&db, "fs.files", doc! {"note_id": 1}).await, 2);

    // Nothing of a live file is swept as an orphan.
    assert_eq!(example_app::attachments::sweep_orphans(&ext).await.unwrap(), 0);
    assert_eq!(count(&db, "fs.files", doc! {"note_id": 1}).await, 2);

    // Deleting the note deletes its attachments, chunks included.
    let res = call_service(&app, TestRequest::delete().uri("/notes/1").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(count(&db, "fs.files", doc! {}).await, 0);
    assert_eq!(count(&db, "fs.chunks", doc! {}).await, 0);

    db.drop().await.unwrap();
}

async fn count(db: &mongodb::Database, collection: &str, filter: mongodb::bson::Document) -> u64 {
    db.collection::<mongodb::bson::Document>(collection)
        .count_documents(filter)
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_note_deleted_during_an_upload_leaves_no_attachment_on_sqlite() {
    deleted_during_an_upload("sqlite://", "sqlite").await;
}

#[actix_web::test]
async fn a_note_deleted_during_an_upload_leaves_no_attachment_on_postgresql() {
    let scratch = ScratchDatabase::create(Server::Postgres).await;
    deleted_during_an_upload(&scratch.url, "pg").await;
    scratch.drop_now().await;
}

#[actix_web::test]
async fn a_note_deleted_during_an_upload_leaves_no_attachment_on_mariadb() {
    let scratch = ScratchDatabase::create(Server::MariaDb).await;
    deleted_during_an_upload(&scratch.url, "maria").await;
    scratch.drop_now().await;
}

/// The upload's check after the file is complete (`FOR SHARE` on
/// PostgreSQL, `LOCK IN SHARE MODE` on MariaDB) sees the note gone.
async fn deleted_during_an_upload(database_uri: &str, tag: &str) {
    let base = ext_tests::services::mongo_uri();
    let name = format!("example_mid_{tag}_{}", std::process::id());
    let uri = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
    let (ext, _) = example_app::build(config_on(database_uri, &[("MONGO_URI", &uri)]))
        .await
        .unwrap();
    let app = init_service(example_app::app(&ext)).await;
    let db = mongodb::Client::with_uri_str(&uri).await.unwrap().database(&name);
    let req = TestRequest::post()
        .uri("/notes")
        .set_json(json!({"title": "short-lived"}));
    assert_eq!(
        call_service(&app, req.to_request()).await.status(),
        StatusCode::CREATED
    );

    let (mut sender, streamed) = actix_http::h1::Payload::create(false);
    let (upload, _) = TestRequest::put()
        .uri("/notes/1/attachments/big.bin")
        .to_request()
        .replace_payload(actix_http::Payload::from(streamed));
    let meanwhile = async {
        sender.feed_data(vec![1u8; 600 * 1024].into());
        for _ in 0..200 {
            if count(&db, "fs.chunks", doc! {}).await >= 2 {
                break;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(
            count(&db, "fs.chunks", doc! {}).await >= 2,
            "the upload is under way"
        );
        let res = call_service(&app, TestRequest::delete().uri("/notes/1").to_request()).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        sender.feed_data(vec![2u8; 1024].into());
        sender.feed_eof();
    };
    let (res, ()) = futures_util::join!(call_service(&app, upload), meanwhile);
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(count(&db, "fs.files", doc! {}).await, 0);
    assert_eq!(count(&db, "fs.chunks", doc! {}).await, 0);
    db.drop().await.unwrap();
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
    // The path and the note are checked first: 404 and 422 as with
    // MongoDB, never a 503 for a request that could not succeed anyway.
    for (method, path, status) in [
        (
            "PUT",
            "/notes/99999999999999999999/attachments/a.txt",
            StatusCode::NOT_FOUND,
        ),
        (
            "GET",
            "/notes/99999999999999999999/attachments/a.txt",
            StatusCode::NOT_FOUND,
        ),
        ("PUT", "/notes/2/attachments/a.txt", StatusCode::NOT_FOUND),
        (
            "PUT",
            "/notes/1/attachments/a%0Ab",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("GET", "/notes/1/attachments/a%0Ab", StatusCode::NOT_FOUND),
    ] {
        let req = TestRequest::default()
            .method(method.parse().unwrap())
            .uri(path)
            .set_payload("x");
        let res = call_service(&app, req.to_request()).await;
        assert_eq!(res.status(), status, "{method} {path}");
    }
    // Deleting a note needs no MongoDB when none is configured.
    let req = TestRequest::post()
        .uri("/notes")
        .set_json(json!({"title": "second"}));
    assert_eq!(
        call_service(&app, req.to_request()).await.status(),
        StatusCode::CREATED
    );
    let res = call_service(&app, TestRequest::delete().uri("/notes/2").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

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
