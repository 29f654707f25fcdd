//! Flask-SQLAlchemy for actix-web, on sea-orm.
//!
//! Register [`Orm`] on an [`ext_core::AppBuilder`] and handlers get:
//!
//! - a request-scoped [`Session`] (Flask's `db.session`): a transaction that
//!   begins lazily, commits only when the handler says so and rolls back on
//!   an error, a panic or an early return;
//! - the 404 helpers [`get_or_404`] and [`SelectOr404`] (`first_or_404`,
//!   `one_or_404`), answering problem documents;
//! - Flask-SQLAlchemy's exact [`Pagination`] with `page` / `per_page` read
//!   from the query string, plus a JSON envelope and RFC 8288 `Link`
//!   headers;
//! - binds (several databases, a read-only replica), `create_all` /
//!   `drop_all`, sea-orm-migration migrations, recorded queries and a
//!   slow-query log, and a `/health` ping per bind;
//! - a 503 problem within the pool timeout when the database is down, and
//!   recovery without a restart when it returns.
//!
//! It runs on SQLite (the embedded default), PostgreSQL and MariaDB.
//!
//! ```no_run
//! use actix_web::{web, HttpRequest, HttpResponse, HttpServer};
//! use ext_core::{AppBuilder, Config};
//! use ext_orm::{DbSession, Orm, OrmError, PageArgs, SelectPaginate};
//! use sea_orm::entity::prelude::*;
//! use sea_orm::QueryOrder;
//!
//! mod todo {
//!     use sea_orm::entity::prelude::*;
//!
//!     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
//!     #[sea_orm(table_name = "todo")]
//!     pub struct Model {
//!         #[sea_orm(primary_key)]
//!         pub id: i64,
//!         pub title: String,
//!     }
//!
//!     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//!     pub enum Relation {}
//!
//!     impl ActiveModelBehavior for ActiveModel {}
//! }
//!
//! async fn list(req: HttpRequest, session: DbSession) -> Result<HttpResponse, OrmError> {
//!     let page = todo::Entity::find()
//!         .order_by_asc(todo::Column::Id)
//!         .paginate_request(&session, &req, PageArgs::new().max_per_page(100))
//!         .await?;
//!     Ok(page.to_response(&req))
//! }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     // SQLALCHEMY_DATABASE_URI=sqlite:///app.db, or [sqlalchemy] in app.toml
//!     let ext = AppBuilder::new(Config::load().unwrap())
//!         .register(Orm::new().entity::<todo::Entity>().create_all_on_start())
//!         .init()
//!         .await
//!         .unwrap();
//!     let factory = ext.clone();
//!     let server = HttpServer::new(move || factory.app().route("/todos", web::get().to(list)))
//!         .bind("127.0.0.1:8080")?
//!         .run();
//!     ext.run(server).await
//! }
//! ```
//!
//! # Where it differs from Flask-SQLAlchemy
//!
//! | | Flask-SQLAlchemy | ext-orm |
//! |---|---|---|
//! | session scope | the app context | the request; each extractor of a request gets the same one |
//! | pool timeout | 30 s | 5 s by default (`pool_timeout`), then a 503 problem |
//! | bad page arguments | `abort(404)` HTML | a 404 problem document |
//! | `paginate(max_per_page=None)` | no clamp | the same; set one with [`PageArgs::max_per_page`] |
//! | huge `page` / `per_page` | fine (Python ints) | fine: never reaches sea-orm's unchecked arithmetic |
//! | constraint violations | an exception (500) | a 409 problem document |
//! | recorded queries | statement, parameters, duration, location | statement, parameters, duration, failed |

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]

pub mod connect;
mod error;
mod extension;
mod health;
pub mod pagination;
mod query;
mod record;
pub mod schema;
mod session;
#[cfg(feature = "sessions")]
mod session_store;
mod settings;
mod state;

pub use self::error::{is_busy, is_unavailable, OrmError};
pub use self::extension::Orm;
pub use self::pagination::{IterPages, PageArgs, Pagination, SelectPaginate};
pub use self::query::{get_or_404, SelectOr404};
pub use self::record::QueryRecord;
pub use self::session::{recorded_queries, BindName, DbSession, DefaultBind, Session};
#[cfg(feature = "sessions")]
pub use self::session_store::SqlSessionStore;
pub use self::settings::{BindSetting, BindTable, EngineOptions, OrmSettings, ResolvedBind, NO_DATABASE};
pub use self::state::{BindHandle, OrmState};
