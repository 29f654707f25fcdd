//! create_all / drop_all in foreign-key order and safe to repeat, two
//! databases in one app, a read-only replica bind, migrations at start-up,
//! and recorded queries: on every backend.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{test, web, HttpRequest, HttpResponse};
use common::entities::{self, author, book, todo};
use common::{config, service, Backend, TestDb};
use ext_core::{AppBuilder, Config, ExtApp};
use ext_orm::{recorded_queries, BindName, DbSession, Orm, OrmError, OrmState, Session};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Set};
use sea_orm_migration::prelude::*;

async fn has_table(conn: &DatabaseConnection, table: &str) -> bool {
    SchemaManager::new(conn).has_table(table).await.unwrap()
}

fn state(ext: &ExtApp) -> Arc<OrmState> {
    ext.registry().get::<OrmState>().unwrap()
}

async fn create_all_and_drop_all_twice(backend: Backend) {
    let db = TestDb::new(backend).await;
    // Registered child first: create_all must create `author` before `book`.
    let ext = AppBuilder::new(config(&db, ""))
        .register(entities::register(Orm::new()))
        .init()
        .await
        .unwrap();
    let orm = state(&ext);
    let conn = orm.conn().unwrap();
    assert!(!has_table(conn, "book").await);
    orm.create_all().await.unwrap();
    orm.create_all().await.unwrap();
    for table in ["todo", "author", "book"] {
        assert!(has_table(conn, table).await, "{table}");
    }
    let writer = author::ActiveModel {
        name: Set("Le Guin".into()),
        ..Default::default()
    }
    .insert(conn)
    .await
    .unwrap();
    book::ActiveModel {
        author_id: Set(writer.id),
        title: Set("The Dispossessed".into()),
        ..Default::default()
    }
    .insert(conn)
    .await
    .unwrap();
    orm.drop_all().await.unwrap();
    orm.drop_all().await.unwrap();
    for table in ["todo", "author", "book"] {
        assert!(!has_table(conn, table).await, "{table}");
    }
    db.cleanup().await;
}

struct Audit;
impl BindName for Audit {
    const NAME: Option<&'static str> = Some("audit");
}

struct Replica;
impl BindName for Replica {
    const NAME: Option<&'static str> = Some("replica");
}

async fn write_both(main: DbSession, audit: Session<Audit>) -> Result<HttpResponse, OrmError> {
    todo::ActiveModel {
        title: Set("main".into()),
        ..Default::default()
    }
    .insert(&main)
    .await?;
    author::ActiveModel {
        name: Set("audited".into()),
        ..Default::default()
    }
    .insert(&audit)
    .await?;
    main.commit().await?;
    audit.commit().await?;
    Ok(HttpResponse::Created().finish())
}

async fn replica_count(replica: Session<Replica>) -> Result<HttpResponse, OrmError> {
    Ok(HttpResponse::Ok().body(todo::Entity::find().count(&replica).await?.to_string()))
}

async fn replica_write(replica: Session<Replica>) -> Result<HttpResponse, OrmError> {
    todo::ActiveModel {
        title: Set("nope".into()),
        ..Default::default()
    }
    .insert(&replica)
    .await?;
    replica.commit().await?;
    Ok(HttpResponse::Created().finish())
}

async fn two_databases_and_a_read_only_replica(backend: Backend) {
    let main = TestDb::new(backend).await;
    let audit = TestDb::new(backend).await;
    let extra = format!(
        "[sqlalchemy.binds]\naudit = \"{}\"\nreplica = {{ url = \"{}\", read_only = true }}\n",
        audit.uri, main.uri
    );
    let ext = AppBuilder::new(config(&main, &extra))
        .register(
            Orm::new()
                .entity::<todo::Entity>()
                .entity_in::<author::Entity>("audit")
                .create_all_on_start(),
        )
        .init()
        .await
        .unwrap();
    let orm = state(&ext);
    let main_conn = orm.conn().unwrap();
    let audit_conn = orm.bind(Some("audit")).unwrap().conn();
    assert!(has_table(main_conn, "todo").await && !has_table(main_conn, "author").await);
    assert!(has_table(audit_conn, "author").await && !has_table(audit_conn, "todo").await);

    let app = service(&ext, |cfg| {
        cfg.route("/both", web::post().to(write_both))
            .route("/replica", web::get().to(replica_count))
            .route("/replica", web::post().to(replica_write));
    })
    .await;
    let res = test::call_service(&app, test::TestRequest::post().uri("/both").to_request()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(todo::Entity::find().count(main_conn).await.unwrap(), 1);
    assert_eq!(author::Entity::find().count(audit_conn).await.unwrap(), 1);

    let res = test::call_service(&app, test::TestRequest::get().uri("/replica").to_request()).await;
    assert_eq!(test::read_body(res).await, "1", "the replica reads");
    let res = test::call_service(&app, test::TestRequest::post().uri("/replica").to_request()).await;
    assert_eq!(
        res.status(),
        StatusCode::INTERNAL_SERVER_ERROR,
        "the replica refuses writes"
    );
    assert_eq!(todo::Entity::find().count(main_conn).await.unwrap(), 1);
    drop((app, ext, orm));
    main.cleanup().await;
    audit.cleanup().await;
}

#[derive(DeriveMigrationName)]
struct CreateNote;

#[async_trait::async_trait]
#[allow(elided_lifetimes_in_paths)] // as sea-orm-migration's trait declares it
impl MigrationTrait for CreateNote {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("note")
                    .if_not_exists()
                    .col(
                        ColumnDef::new("id")
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new("body").string().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("note").to_owned()).await
    }
}

struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateNote)]
    }
}

async fn migrations_at_start_up(backend: Backend) {
    let db = TestDb::new(backend).await;
    let start = |config: Config| async move {
        AppBuilder::new(config)
            .register(Orm::new().migrator::<Migrator>())
            .init()
            .await
    };
    let ext = start(config(&db, "")).await.unwrap();
    assert!(
        !has_table(state(&ext).conn().unwrap(), "note").await,
        "opt-in only"
    );
    for _ in 0..2 {
        let ext = start(config(&db, "migrate_on_start = true")).await.unwrap();
        let conn = state(&ext).conn().unwrap().clone();
        assert!(has_table(&conn, "note").await);
        assert_eq!(Migrator::get_applied_migrations(&conn).await.unwrap().len(), 1);
    }
    let error = AppBuilder::new(config(&db, "migrate_on_start = true"))
        .register(Orm::new())
        .init()
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("no migrator was registered"),
        "{error}"
    );
    db.cleanup().await;
}

async fn recorded(req: HttpRequest, session: DbSession) -> Result<HttpResponse, OrmError> {
    todo::Entity::find_by_id(5).one(&session).await?;
    let _ = session
        .execute_unprepared("SELECT * FROM no_such_table")
        .await
        .map_err(|_| ());
    Ok(HttpResponse::Ok().json(recorded_queries(&req)))
}

async fn recorded_queries_per_request(backend: Backend) {
    let db = TestDb::new(backend).await;
    for (setting, expected) in [("", 0), ("record_queries = true\nslow_query_ms = 0", 2)] {
        let ext = AppBuilder::new(config(&db, setting))
            .register(entities::register(Orm::new()).create_all_on_start())
            .init()
            .await
            .unwrap();
        let app = service(&ext, |cfg| {
            cfg.route("/", web::get().to(recorded));
        })
        .await;
        for _ in 0..2 {
            let res = test::call_service(&app, test::TestRequest::get().uri("/").to_request()).await;
            let body: serde_json::Value = test::read_body_json(res).await;
            let records = body.as_array().unwrap();
            assert_eq!(records.len(), expected, "only this request's statements: {body}");
            if expected > 0 {
                let select = records[0]["statement"].as_str().unwrap();
                assert!(
                    select.contains("SELECT") && select.contains("FROM") && select.contains("todo"),
                    "{select}"
                );
                assert!(records[0]["parameters"].as_str().unwrap().contains('5'), "{body}");
                assert_eq!(records[0]["failed"], false);
                assert_eq!(records[1]["failed"], true);
            }
        }
    }
    db.cleanup().await;
}

on_all_backends!(
    create_all_and_drop_all_twice,
    two_databases_and_a_read_only_replica,
    migrations_at_start_up,
    recorded_queries_per_request,
);
