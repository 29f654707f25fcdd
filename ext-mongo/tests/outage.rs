//! MongoDB goes down: requests get a 503 problem within the server-selection
//! timeout instead of hanging, `/health` says so, and the app recovers by
//! itself when the server is back. A MongoDB-wire server of the test's own
//! is killed and started again.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::{test as http, web, HttpResponse};
use common::config;
use ext_core::AppBuilder;
use ext_mongo::{Mongo, MongoDb, MongoError};
use ext_tests::app::wait_for_ok;
use ext_tests::mongo_server::MongoServer;
use mongodb::bson::{doc, Document};

async fn count(db: MongoDb) -> Result<HttpResponse, MongoError> {
    let n = db
        .collection::<Document>("things")
        .count_documents(doc! {})
        .await?;
    Ok(HttpResponse::Ok().body(n.to_string()))
}

#[actix_web::test]
async fn a_stopped_server_is_a_quick_503_and_the_app_recovers() {
    let mut server = MongoServer::start();
    let ext = AppBuilder::new(config(
        "[mongo]\nserver_selection_timeout_ms = 1000\n",
        &[("MONGO_URI", &server.uri("outage"))],
    ))
    .register(Mongo::new())
    .init()
    .await
    .unwrap();
    let app = http::init_service(ext.app().route("/count", web::get().to(count))).await;
    let get = |uri: &str| http::TestRequest::get().uri(uri).to_request();

    let res = http::call_service(&app, get("/count")).await;
    assert_eq!(res.status(), StatusCode::OK);

    server.stop();
    let started = Instant::now();
    let res = http::call_service(&app, get("/count")).await;
    let waited = started.elapsed();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = http::read_body_json(res).await;
    assert_eq!(body["type"], "urn:actix-flask-ext:problem:mongodb-unavailable");
    // A functional bound, not a benchmark: selection gives up after 1 s;
    // the driver's default would be 30 s.
    assert!(waited < Duration::from_secs(10), "answered after {waited:?}");
    let res = http::call_service(&app, get("/health")).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);

    server.resume();
    wait_for_ok(&app, "/count", Duration::from_secs(20)).await;
    let res = http::call_service(&app, get("/health")).await;
    assert_eq!(res.status(), StatusCode::OK);
}

/// The server goes away in the middle of an upload: the chunk write fails
/// and the answer is a 503 `mongodb-unavailable` whose body names no host
/// and carries no driver text, not a 400 blaming the client (issue 10,
/// finding 5).
#[actix_web::test]
async fn an_outage_during_an_upload_is_a_503_without_driver_text() {
    let mut server = MongoServer::start();
    let uri = server.uri("upload_outage");
    let mut options = mongodb::options::ClientOptions::parse(&uri).await.unwrap();
    options.server_selection_timeout = Some(Duration::from_secs(1));
    let db = mongodb::Client::with_options(options)
        .unwrap()
        .database("upload_outage");
    let (send, receive) = tokio::sync::mpsc::channel::<Result<web::Bytes, std::io::Error>>(1);
    let body = futures_util::stream::unfold(receive, |mut receive| async move {
        receive.recv().await.map(|item| (item, receive))
    });
    // GridFS chunks are 255 KiB: each of these writes at least one.
    let chunk = web::Bytes::from(vec![7u8; 300 * 1024]);
    let feeder = async {
        send.send(Ok(chunk.clone())).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        server.stop();
        for _ in 0..3 {
            if send.send(Ok(chunk.clone())).await.is_err() {
                break;
            }
        }
        drop(send);
    };
    let options = ext_mongo::SaveFile::default();
    let saving = ext_mongo::save_file(&db, "big.bin", body, &options);
    let (saved, ()) = tokio::join!(saving, feeder);
    let error = saved.expect_err("the upload fails");
    let res = actix_web::ResponseError::error_response(&error);
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{error:?}");
    let body = actix_web::body::to_bytes(res.into_body()).await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        body["type"], "urn:actix-flask-ext:problem:mongodb-unavailable",
        "{body}"
    );
    let text = body.to_string();
    for internal in ["127.0.0.1", "localhost", "Kind", "error"] {
        assert!(!text.contains(internal), "{text} holds {internal:?}");
    }
    server.resume();
}
