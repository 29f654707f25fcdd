//! The request-scoped session on every backend: commit only when asked,
//! rollback on error, panic and early return, one session per request and
//! never shared between requests, and 50 concurrent writers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::panic::AssertUnwindSafe;

use actix_web::http::StatusCode;
use actix_web::{test, web, HttpResponse};
use common::entities::todo;
use common::{ext_app, service, Backend, TestDb};
use ext_orm::{DbSession, OrmError, OrmState};
use futures_util::FutureExt;
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

fn new_todo(title: &str) -> todo::ActiveModel {
    todo::ActiveModel {
        title: Set(title.to_owned()),
        ..Default::default()
    }
}

#[derive(serde::Deserialize)]
struct Write {
    title: String,
    #[serde(default)]
    how: String,
}

/// Inserts a todo, then ends as `how` says: commit, error, early return,
/// panic, or nothing at all.
async fn write(session: DbSession, query: web::Query<Write>) -> Result<HttpResponse, OrmError> {
    new_todo(&query.title).insert(&session).await?;
    match query.how.as_str() {
        "commit" => session.commit().await?,
        "error" => return Err(OrmError::not_found(Some("changed my mind"))),
        "early" => return Ok(HttpResponse::Accepted().finish()),
        "panic" => panic!("handler panicked after writing"),
        _ => {}
    }
    Ok(HttpResponse::Created().finish())
}

/// Counts todos through the request's session.
async fn count(session: DbSession) -> Result<HttpResponse, OrmError> {
    let n = todo::Entity::find().count(&session).await?;
    Ok(HttpResponse::Ok().body(n.to_string()))
}

/// Two session extractors in one handler: the second sees the first's
/// uncommitted row, so they are one transaction.
async fn shared(first: DbSession, second: DbSession) -> Result<HttpResponse, OrmError> {
    new_todo("uncommitted").insert(&first).await?;
    let seen = todo::Entity::find().count(&second).await?;
    Ok(HttpResponse::Ok().body(seen.to_string()))
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/write", web::post().to(write))
        .route("/count", web::get().to(count))
        .route("/shared", web::post().to(shared));
}

async fn rows(ext: &ext_core::ExtApp) -> u64 {
    let state = ext.registry().get::<OrmState>().unwrap();
    todo::Entity::find().count(state.conn().unwrap()).await.unwrap()
}

async fn commit_and_every_way_of_not_committing(backend: Backend) {
    let db = TestDb::new(backend).await;
    let ext = ext_app(&db, "").await;
    let app = service(&ext, routes).await;
    let post = |how: &str| {
        test::TestRequest::post()
            .uri(&format!("/write?title=t&how={how}"))
            .to_request()
    };

    let res = test::call_service(&app, post("commit")).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(rows(&ext).await, 1, "a committed row stays");

    for how in ["none", "error", "early"] {
        let res = test::call_service(&app, post(how)).await;
        assert!(res.status() != StatusCode::INTERNAL_SERVER_ERROR, "{how}");
        assert_eq!(rows(&ext).await, 1, "ending with {how:?} rolls back");
    }
    let panicked = AssertUnwindSafe(test::call_service(&app, post("panic")))
        .catch_unwind()
        .await;
    assert!(panicked.is_err(), "the handler panicked");
    assert_eq!(rows(&ext).await, 1, "a panic rolls back");

    // The connection came back after each of those (SQLite has only one).
    let res = test::call_service(&app, post("commit")).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(rows(&ext).await, 2);
    db.cleanup().await;
}

async fn one_session_per_request_never_shared(backend: Backend) {
    let db = TestDb::new(backend).await;
    let ext = ext_app(&db, "").await;
    let app = service(&ext, routes).await;
    let res = test::call_service(&app, test::TestRequest::post().uri("/shared").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        test::read_body(res).await,
        "1",
        "both extractors share the transaction"
    );
    let res = test::call_service(&app, test::TestRequest::get().uri("/count").to_request()).await;
    assert_eq!(
        test::read_body(res).await,
        "0",
        "the next request gets a new session"
    );
    db.cleanup().await;
}

async fn fifty_concurrent_writers(backend: Backend) {
    let db = TestDb::new(backend).await;
    let ext = ext_app(&db, "").await;
    let app = service(&ext, routes).await;
    let requests = (0..50).map(|i| {
        test::call_service(
            &app,
            test::TestRequest::post()
                .uri(&format!("/write?title=w{i}&how=commit"))
                .to_request(),
        )
    });
    let responses = futures_util::future::join_all(requests).await;
    for res in responses {
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    assert_eq!(rows(&ext).await, 50);
    db.cleanup().await;
}

/// A row whose serialisation takes 300 ms of the thread's time, as a page
/// of megabytes does.
#[derive(serde::Serialize)]
#[serde(remote = "Self")]
struct SlowRow(i64);

impl serde::Serialize for SlowRow {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        std::thread::sleep(std::time::Duration::from_millis(300));
        SlowRow::serialize(self, serializer)
    }
}

#[derive(serde::Deserialize)]
struct How {
    respond: bool,
}

/// A page of one slow row, the session ended first, then serialised with
/// `respond` (the blocking pool) or `to_response` (on the worker).
async fn slow_page(
    req: actix_web::HttpRequest,
    session: DbSession,
    how: web::Query<How>,
) -> Result<HttpResponse, OrmError> {
    let rows = todo::Entity::find().all(&session).await?;
    session.rollback().await?;
    let page = ext_orm::Pagination {
        page: 1,
        per_page: 20,
        max_per_page: None,
        items: rows.iter().map(|row| SlowRow(row.id)).collect(),
        total: Some(rows.len() as u64),
    };
    if how.respond {
        page.respond(&req).await
    } else {
        Ok(page.to_response(&req))
    }
}

/// Finding 1: while a large page is serialised, another request gets the
/// (single SQLite) connection and answers.
async fn other_requests_go_on_while_a_page_is_serialised(backend: Backend) {
    let db = TestDb::new(backend).await;
    let ext = ext_app(&db, "").await;
    let app = service(&ext, |cfg| {
        cfg.route("/slow", web::get().to(slow_page))
            .route("/write", web::post().to(write));
    })
    .await;
    let post = test::TestRequest::post()
        .uri("/write?title=one&how=commit")
        .to_request();
    assert_eq!(test::call_service(&app, post).await.status(), StatusCode::CREATED);
    for (respond, other_first) in [(true, true), (false, false)] {
        let finished = std::cell::RefCell::new(Vec::new());
        let slow = async {
            let uri = format!("/slow?respond={respond}");
            let res = test::call_service(&app, test::TestRequest::get().uri(&uri).to_request()).await;
            assert_eq!(res.status(), StatusCode::OK);
            let body: serde_json::Value = test::read_body_json(res).await;
            assert!(!body["items"].as_array().unwrap().is_empty());
            finished.borrow_mut().push("slow");
        };
        let other = async {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
            let post = test::TestRequest::post()
                .uri("/write?title=two&how=commit")
                .to_request();
            assert_eq!(test::call_service(&app, post).await.status(), StatusCode::CREATED);
            finished.borrow_mut().push("other");
        };
        futures_util::join!(slow, other);
        let expected = if other_first {
            ["other", "slow"]
        } else {
            ["slow", "other"]
        };
        assert_eq!(*finished.borrow(), expected, "respond = {respond}");
    }
    db.cleanup().await;
}

on_all_backends!(
    commit_and_every_way_of_not_committing,
    one_session_per_request_never_shared,
    fifty_concurrent_writers,
    other_requests_go_on_while_a_page_is_serialised,
);
