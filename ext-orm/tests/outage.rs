//! The database goes down: requests get a 503 problem within the pool
//! timeout instead of hanging, `/health` says so, and the app recovers by
//! itself when the server is back. A PostgreSQL server of the test's own is
//! stopped and started.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::{test, web, HttpResponse};
use common::entities::todo;
use ext_core::{AppBuilder, Config};
use ext_orm::{DbSession, Orm, OrmError};
use ext_tests::app::wait_for_ok;
use ext_tests::pg_cluster::PgCluster;
use sea_orm::{EntityTrait, PaginatorTrait};

async fn count(session: DbSession) -> Result<HttpResponse, OrmError> {
    Ok(HttpResponse::Ok().body(todo::Entity::find().count(&session).await?.to_string()))
}

#[actix_web::test]
async fn a_stopped_database_is_a_quick_503_and_the_app_recovers() {
    let cluster = PgCluster::start();
    let config = Config::builder()
        .toml_str(format!(
            "[sqlalchemy]\ndatabase_uri = \"{}\"\nengine_options = {{ pool_timeout = 1 }}\n",
            cluster.url()
        ))
        .env_vars(Vec::<(String, String)>::new())
        .build()
        .unwrap();
    let ext = AppBuilder::new(config)
        .register(Orm::new().entity::<todo::Entity>().create_all_on_start())
        .init()
        .await
        .unwrap();
    let app = test::init_service(ext.app().route("/count", web::get().to(count))).await;
    let get = |uri: &str| test::TestRequest::get().uri(uri).to_request();

    let res = test::call_service(&app, get("/count")).await;
    assert_eq!(res.status(), StatusCode::OK);

    cluster.stop();
    let started = Instant::now();
    let res = test::call_service(&app, get("/count")).await;
    let waited = started.elapsed();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        res.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let body: serde_json::Value = test::read_body_json(res).await;
    assert_eq!(body["type"], "urn:actix-flask-ext:problem:database-unavailable");
    // A functional bound, not a benchmark: the pool timeout is 1 s; a hang
    // would be the driver's 30 s or forever.
    assert!(waited < Duration::from_secs(10), "answered after {waited:?}");
    let res = test::call_service(&app, get("/health")).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
    assert!(body.contains("sqlalchemy"), "{body}");

    cluster.resume();
    let res = wait_for_ok(&app, "/count", Duration::from_secs(15)).await;
    assert_eq!(test::read_body(res).await, "0");
    let res = test::call_service(&app, get("/health")).await;
    assert_eq!(res.status(), StatusCode::OK);
}
