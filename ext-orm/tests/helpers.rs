//! The 404 helpers and pagination over HTTP, on every backend: Flask's
//! pagination cases 16–23, bad and huge arguments, the JSON envelope and the
//! `Link` header.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{test, web, HttpRequest, HttpResponse};
use common::entities::todo;
use common::{ext_app, service, Backend, TestDb};
use ext_orm::{get_or_404, DbSession, OrmError, OrmState, PageArgs, SelectOr404, SelectPaginate};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::Value;

async fn get(session: DbSession, id: web::Path<i64>) -> Result<HttpResponse, OrmError> {
    let row = get_or_404::<todo::Entity, _>(&session, id.into_inner(), Some("no such todo")).await?;
    Ok(HttpResponse::Ok().json(row))
}

async fn first(session: DbSession, title: web::Path<String>) -> Result<HttpResponse, OrmError> {
    let row = todo::Entity::find()
        .filter(todo::Column::Title.eq(title.into_inner()))
        .order_by_asc(todo::Column::Id)
        .first_or_404(&session, None)
        .await?;
    Ok(HttpResponse::Ok().json(row))
}

async fn one(session: DbSession, title: web::Path<String>) -> Result<HttpResponse, OrmError> {
    let row = todo::Entity::find()
        .filter(todo::Column::Title.eq(title.into_inner()))
        .one_or_404(&session, Some("not exactly one"))
        .await?;
    Ok(HttpResponse::Ok().json(row))
}

#[derive(serde::Deserialize)]
struct Knobs {
    max: Option<u64>,
    count: Option<bool>,
}

async fn list(
    req: HttpRequest,
    session: DbSession,
    knobs: web::Query<Knobs>,
) -> Result<HttpResponse, OrmError> {
    let mut args = PageArgs::new();
    if let Some(max) = knobs.max {
        args = args.max_per_page(max);
    }
    if let Some(count) = knobs.count {
        args = args.count(count);
    }
    let select = todo::Entity::find().order_by_asc(todo::Column::Id);
    let page = select.clone().paginate_request(&session, &req, args).await?;
    let next = select.next_page(&session, &page).await?;
    let mut res = page.to_response(&req);
    res.headers_mut().insert(
        "x-next-total".parse().unwrap(),
        format!("{:?}", next.total).parse().unwrap(),
    );
    res.headers_mut().insert(
        "x-next-per-page".parse().unwrap(),
        next.per_page.to_string().parse().unwrap(),
    );
    Ok(res)
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/todos", web::get().to(list))
        .route("/todos/{id}", web::get().to(get))
        .route("/first/{title}", web::get().to(first))
        .route("/one/{title}", web::get().to(one));
}

async fn seed(ext: &ext_core::ExtApp, titles: impl IntoIterator<Item = String>) {
    let state = ext.registry().get::<OrmState>().unwrap();
    let rows: Vec<_> = titles
        .into_iter()
        .map(|title| todo::ActiveModel {
            title: Set(title),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(100) {
        todo::Entity::insert_many(chunk.to_vec())
            .exec(state.conn().unwrap())
            .await
            .unwrap();
    }
}

async fn get_json(
    app: &impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
    uri: &str,
) -> (StatusCode, BTreeMap<String, String>, Value) {
    let res = test::call_service(app, test::TestRequest::get().uri(uri).to_request()).await;
    let status = res.status();
    let headers = res
        .headers()
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
        .collect();
    let body = test::read_body(res).await;
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, headers, json)
}

async fn the_404_helpers(backend: Backend) {
    let db = TestDb::new(backend).await;
    let ext = ext_app(&db, "").await;
    seed(&ext, ["a", "b", "b"].map(String::from)).await;
    let app = service(&ext, routes).await;

    let (status, _, body) = get_json(&app, "/todos/1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["title"], "a");
    let (status, headers, body) = get_json(&app, "/todos/999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers["content-type"], "application/problem+json");
    assert_eq!(body["detail"], "no such todo");
    assert_eq!(body["type"], "urn:actix-flask-ext:problem:not-found");

    assert_eq!(get_json(&app, "/first/b").await.2["id"], 2);
    assert_eq!(get_json(&app, "/first/zzz").await.0, StatusCode::NOT_FOUND);
    assert_eq!(get_json(&app, "/one/a").await.2["title"], "a");
    let (status, _, body) = get_json(&app, "/one/b").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "several rows are a 404 too");
    assert_eq!(body["detail"], "not exactly one");
    assert_eq!(get_json(&app, "/one/zzz").await.0, StatusCode::NOT_FOUND);
    db.cleanup().await;
}

async fn flask_pagination_over_http(backend: Backend) {
    let db = TestDb::new(backend).await;
    let ext = ext_app(&db, "").await;
    let app = service(&ext, routes).await;

    // 22: an empty table: page 1 is empty, page 2 is a 404.
    let (status, _, body) = get_json(&app, "/todos").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["items"], serde_json::json!([]));
    assert_eq!(body["total"], 0);
    assert_eq!(get_json(&app, "/todos?page=2").await.0, StatusCode::NOT_FOUND);

    seed(&ext, (1..=250).map(|i| format!("todo {i}"))).await;
    // 16: defaults.
    let (status, headers, body) = get_json(&app, "/todos").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["page"], 1);
    assert_eq!(body["per_page"], 20);
    assert_eq!(body["items"].as_array().unwrap().len(), 20);
    assert_eq!(body["total"], 250);
    assert_eq!(body["pages"], 13);
    assert_eq!(body["has_prev"], false);
    assert_eq!(body["next_num"], 2);
    // 23: next() copies the total instead of counting again.
    assert_eq!(headers["x-next-total"], "Some(250)");
    assert_eq!(
        headers["link"],
        "</todos?page=1>; rel=\"first\", </todos?page=2>; rel=\"next\", </todos?page=13>; rel=\"last\""
    );
    // 17: from the query string, other parameters kept in links.
    let (_, headers, body) = get_json(&app, "/todos?page=2&per_page=10&x=y").await;
    assert_eq!(
        (body["page"].as_u64(), body["per_page"].as_u64()),
        (Some(2), Some(10))
    );
    assert_eq!(body["items"][0]["title"], "todo 11");
    assert_eq!(
        headers["link"],
        "</todos?page=1&per_page=10&x=y>; rel=\"first\", </todos?page=1&per_page=10&x=y>; rel=\"prev\", \
         </todos?page=3&per_page=10&x=y>; rel=\"next\", </todos?page=25&per_page=10&x=y>; rel=\"last\""
    );
    // 18: clamped; 19: next() keeps the size.
    let (_, headers, body) = get_json(&app, "/todos?per_page=100&max=50").await;
    assert_eq!(body["per_page"], 50);
    let (_, headers19, body19) = get_json(&app, "/todos?per_page=110&max=250").await;
    assert_eq!(body19["per_page"], 110);
    assert_eq!(headers19["x-next-per-page"], "110");
    drop((headers, body));
    // 20: no count.
    let (_, _, body) = get_json(&app, "/todos?count=false").await;
    assert_eq!(body["total"], Value::Null);
    assert_eq!(body["pages"], 0);
    assert_eq!(body["has_next"], false);
    // 21 and worse: every bad argument is a 404 problem, none panics.
    for query in [
        "page=abc",
        "per_page=abc",
        "page=0",
        "per_page=-1",
        "page=-1",
        "per_page=0",
        "page=14",
        "page=9223372036854775808",
        "page=18446744073709551616",
        "page=9223372036854775807&per_page=2",
        "page=2&per_page=99999999999999999999",
    ] {
        let (status, headers, _) = get_json(&app, &format!("/todos?{query}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{query}");
        assert_eq!(headers["content-type"], "application/problem+json", "{query}");
    }
    // A huge page size is one page of everything.
    let (status, _, body) = get_json(&app, "/todos?per_page=99999999999999999999").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["items"].as_array().unwrap().len(), 250);
    assert_eq!(body["pages"], 1);
    db.cleanup().await;
}

on_all_backends!(the_404_helpers, flask_pagination_over_http);
