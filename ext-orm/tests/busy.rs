//! A busy database is an honest, retryable answer (issue 10, finding 4):
//! a lock held by another transaction past the wait, or a statement past
//! its timeout, is a 503 `database-busy` problem with `Retry-After`, never
//! a 500, on every backend.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use actix_web::http::StatusCode;
use actix_web::{test, web, HttpResponse};
use common::{Backend, TestDb};
use ext_orm::{DbSession, OrmError, OrmState};
use sea_orm::{ConnectionTrait, Database, TransactionTrait};
use serde_json::Value;

/// Runs the statements the test hands it, in the request's session.
async fn run(session: DbSession, statements: web::Data<Vec<&'static str>>) -> Result<HttpResponse, OrmError> {
    for statement in statements.iter() {
        session.execute_unprepared(statement).await?;
    }
    session.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `statements` in a request, with `extra` in `[sqlalchemy]`: the answer.
async fn answer(
    db: &TestDb,
    extra: &str,
    statements: Vec<&'static str>,
) -> (StatusCode, Option<String>, Value) {
    let ext = common::ext_app(db, extra).await;
    let app = test::init_service(
        ext.app()
            .app_data(web::Data::new(statements))
            .route("/run", web::post().to(run)),
    )
    .await;
    let res = test::call_service(&app, test::TestRequest::post().uri("/run").to_request()).await;
    let status = res.status();
    let retry = res
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().unwrap().to_owned());
    let body = test::read_body(res).await;
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    ext.shutdown().await;
    (status, retry, body)
}

fn assert_busy((status, retry, body): (StatusCode, Option<String>, Value)) {
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(
        body["type"], "urn:actix-flask-ext:problem:database-busy",
        "{body}"
    );
    assert_eq!(retry.as_deref(), Some("1"));
    let detail = body["detail"].as_str().unwrap();
    assert!(!detail.contains("todo") && !detail.contains("code"), "{detail}");
}

/// Another transaction holds the write lock (SQLite) or the row (the
/// servers) while the request writes.
async fn a_held_lock_is_busy(backend: Backend) {
    let db = TestDb::new(backend).await;
    // Create the table and a row first.
    let ext = common::ext_app(&db, "").await;
    let orm = ext.registry().get::<OrmState>().unwrap();
    orm.conn()
        .unwrap()
        .execute_unprepared("INSERT INTO todo (id, title) VALUES (1, 'held')")
        .await
        .unwrap();
    let (locker, statements) = match backend {
        Backend::Sqlite => {
            let path = db.uri.trim_start_matches("sqlite:///");
            let locker = Database::connect(format!("sqlite://{path}")).await.unwrap();
            let txn = locker.begin().await.unwrap();
            txn.execute_unprepared("UPDATE todo SET title = 'locker' WHERE id = 1")
                .await
                .unwrap();
            // The app waits its busy_timeout (5 s), then is refused.
            (txn, vec!["UPDATE todo SET title = 'request' WHERE id = 1"])
        }
        Backend::Postgres | Backend::MariaDb => {
            let txn = orm.conn().unwrap().begin().await.unwrap();
            txn.execute_unprepared("SELECT id FROM todo WHERE id = 1 FOR UPDATE")
                .await
                .unwrap();
            // The request's own wait, short.
            let wait_briefly = if backend == Backend::Postgres {
                "SET LOCAL lock_timeout = '200ms'"
            } else {
                "SET SESSION innodb_lock_wait_timeout = 1"
            };
            (
                txn,
                vec![wait_briefly, "UPDATE todo SET title = 'request' WHERE id = 1"],
            )
        }
    };
    assert_busy(answer(&db, "", statements).await);
    locker.rollback().await.unwrap();
    ext.shutdown().await;
    db.cleanup().await;
}

/// A statement past PostgreSQL's `statement_timeout` is busy too.
#[actix_web::test]
async fn a_statement_timeout_is_busy() {
    let db = TestDb::new(Backend::Postgres).await;
    let extra = "engine_options = { statement_timeout = 0.2 }";
    assert_busy(answer(&db, extra, vec!["SELECT pg_sleep(2)"]).await);
    db.cleanup().await;
}

on_all_backends!(a_held_lock_is_busy);

/// PostgreSQL sessions have a statement timeout unless the configuration
/// turns it off (issue 10, finding 3): PostgreSQL's own default is none.
#[actix_web::test]
async fn postgres_statements_time_out_by_default() {
    let db = TestDb::new(Backend::Postgres).await;
    for (extra, expected) in [
        ("", "30s"),
        ("engine_options = { statement_timeout = 2.5 }", "2500ms"),
        ("engine_options = { statement_timeout = 0 }", "0"),
    ] {
        let ext = common::ext_app(&db, extra).await;
        let orm = ext.registry().get::<OrmState>().unwrap();
        let row = orm
            .conn()
            .unwrap()
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SHOW statement_timeout",
            ))
            .await
            .unwrap()
            .unwrap();
        let shown: String = row.try_get_by_index(0).unwrap();
        assert_eq!(shown, expected, "{extra:?}");
        ext.shutdown().await;
    }
    db.cleanup().await;
}

/// Holds SQLite's one request connection for a while.
async fn hold(session: DbSession) -> Result<HttpResponse, OrmError> {
    session.execute_unprepared("SELECT 1").await?;
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    Ok(HttpResponse::NoContent().finish())
}

/// While requests hold every pooled connection, `/health` answers at once
/// on a connection of its own, and says `busy` (a 200), not `down` (issue
/// 10, finding 1): through the request pool it waited past its 2 s limit
/// and reported a working database as down.
#[actix_web::test]
async fn health_is_busy_not_down_while_requests_hold_the_pool() {
    let db = TestDb::new(Backend::Sqlite).await;
    let ext = common::ext_app(&db, "").await;
    let app = test::init_service(ext.app().route("/hold", web::get().to(hold))).await;
    let holding = test::call_service(&app, test::TestRequest::get().uri("/hold").to_request());
    let health = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let res = test::call_service(&app, test::TestRequest::get().uri("/health").to_request()).await;
        let status = res.status();
        let body: Value = test::read_body_json(res).await;
        (status, body)
    };
    let (held, (status, body)) = futures_util::join!(holding, health);
    assert_eq!(held.status(), StatusCode::NO_CONTENT);
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["checks"]["sqlalchemy"]["status"], "busy", "{body}");
    // And `up` once the request is done (the pool takes the connection
    // back in a task of its own, a moment later).
    let mut body = Value::Null;
    for _ in 0..20 {
        let res = test::call_service(&app, test::TestRequest::get().uri("/health").to_request()).await;
        body = test::read_body_json(res).await;
        if body["checks"]["sqlalchemy"]["status"] == "up" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(body["checks"]["sqlalchemy"]["status"], "up", "{body}");
    ext.shutdown().await;
    db.cleanup().await;
}
