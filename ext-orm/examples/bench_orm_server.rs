//! The server that `scripts/bench-orm.sh` loads: the same two handlers (a
//! page of 20 items out of 10,000 with the total, and one item by id)
//! written directly on sea-orm, or through ext-orm.
//!
//! ```sh
//! DATABASE_URL=postgres://postgres@127.0.0.1/bench_orm \
//!   cargo run --release -p ext-orm --example bench_orm_server -- seed
//! cargo run --release -p ext-orm --example bench_orm_server -- raw 127.0.0.1:18100
//! cargo run --release -p ext-orm --example bench_orm_server -- orm 127.0.0.1:18101
//! ```
//!
//! The ext-orm server answers `/items` and `/items/{id}` with the helpers on
//! the pool (what the helpers cost), and `/session/items…` through the
//! request's session (what a transaction per request costs on top).

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use ext_core::{AppBuilder, Config};
use ext_orm::{get_or_404, DbSession, Orm, OrmError, OrmState, PageArgs, SelectPaginate};
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait, QueryOrder, Schema, Set,
};
use serde::Deserialize;

mod item {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "bench_item")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub price: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

const ROWS: i64 = 10_000;

#[derive(Deserialize)]
struct PageQuery {
    page: Option<u64>,
    per_page: Option<u64>,
}

async fn raw_list(conn: web::Data<DatabaseConnection>, query: web::Query<PageQuery>) -> HttpResponse {
    let page = query.page.unwrap_or(1).max(1);
    let per_page = query.per_page.unwrap_or(20).clamp(1, 100);
    let paginator = item::Entity::find()
        .order_by_asc(item::Column::Id)
        .paginate(conn.get_ref(), per_page);
    let (Ok(total), Ok(items)) = (paginator.num_items().await, paginator.fetch_page(page - 1).await) else {
        return HttpResponse::InternalServerError().finish();
    };
    HttpResponse::Ok().json(serde_json::json!({
        "items": items, "page": page, "per_page": per_page, "total": total,
    }))
}

async fn raw_get(conn: web::Data<DatabaseConnection>, id: web::Path<i64>) -> HttpResponse {
    match item::Entity::find_by_id(id.into_inner())
        .one(conn.get_ref())
        .await
    {
        Ok(Some(found)) => HttpResponse::Ok().json(found),
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

async fn orm_list(req: HttpRequest, orm: web::Data<OrmState>) -> Result<HttpResponse, OrmError> {
    let page = item::Entity::find()
        .order_by_asc(item::Column::Id)
        .paginate_request(orm.conn()?, &req, PageArgs::new().max_per_page(100))
        .await?;
    Ok(page.to_response(&req))
}

async fn orm_get(orm: web::Data<OrmState>, id: web::Path<i64>) -> Result<HttpResponse, OrmError> {
    let found = get_or_404::<item::Entity, _>(orm.conn()?, id.into_inner(), None).await?;
    Ok(HttpResponse::Ok().json(found))
}

async fn session_list(req: HttpRequest, session: DbSession) -> Result<HttpResponse, OrmError> {
    let page = item::Entity::find()
        .order_by_asc(item::Column::Id)
        .paginate_request(&session, &req, PageArgs::new().max_per_page(100))
        .await?;
    Ok(page.to_response(&req))
}

async fn session_get(session: DbSession, id: web::Path<i64>) -> Result<HttpResponse, OrmError> {
    let found = get_or_404::<item::Entity, _>(&session, id.into_inner(), None).await?;
    Ok(HttpResponse::Ok().json(found))
}

async fn seed(url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let conn = Database::connect(url).await?;
    let backend = conn.get_database_backend();
    conn.execute(
        Schema::new(backend)
            .create_table_from_entity(item::Entity)
            .if_not_exists(),
    )
    .await?;
    if item::Entity::find().count(&conn).await? != ROWS as u64 {
        item::Entity::delete_many().exec(&conn).await?;
        for start in (1..=ROWS).step_by(1000) {
            let rows = (start..start + 1000).map(|i| item::ActiveModel {
                id: Set(i),
                name: Set(format!("item {i}")),
                price: Set(i * 7 % 1000),
            });
            item::Entity::insert_many(rows).exec(&conn).await?;
        }
    }
    Ok(())
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "raw".to_owned());
    let address = args.next().unwrap_or_else(|| "127.0.0.1:18100".to_owned());
    let url = std::env::var("DATABASE_URL")?;
    match kind.as_str() {
        "seed" => seed(&url).await,
        "raw" => {
            let conn = Database::connect(&url).await?;
            HttpServer::new(move || {
                App::new()
                    .app_data(web::Data::new(conn.clone()))
                    .route("/items", web::get().to(raw_list))
                    .route("/items/{id}", web::get().to(raw_get))
                    // The same handlers under the paths the session variant uses.
                    .route("/session/items", web::get().to(raw_list))
                    .route("/session/items/{id}", web::get().to(raw_get))
            })
            .workers(1)
            .bind(&address)?
            .run()
            .await?;
            Ok(())
        }
        "orm" => {
            let ext = AppBuilder::new(Config::empty())
                .register(Orm::new().database_uri(url))
                .init()
                .await?;
            let factory = ext.clone();
            let server = HttpServer::new(move || {
                factory
                    .app()
                    .route("/items", web::get().to(orm_list))
                    .route("/items/{id}", web::get().to(orm_get))
                    .route("/session/items", web::get().to(session_list))
                    .route("/session/items/{id}", web::get().to(session_get))
            })
            .workers(1)
            .bind(&address)?
            .run();
            ext.run(server).await?;
            Ok(())
        }
        other => Err(format!("unknown kind {other}: use seed, raw or orm").into()),
    }
}
