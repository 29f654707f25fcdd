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
    // Every field limit is a 422 naming the field, before the database
    // sees the value (issue 10, findings 1 and 7): PostgreSQL refuses a
    // NUL in `text` and MariaDB's `TEXT` ends at 65,535 bytes.
    let refused = [
        (json!({"title": "x".repeat(201)}), "title"),
        (json!({"title": "a\0b"}), "title"),
        (json!({"title": "ok", "body": "a\0b"}), "body"),
        (json!({"title": "ok", "body": "é".repeat(32_768)}), "body"),
    ];
    for (note, field) in refused {
        let req = TestRequest::post().uri("/notes").set_json(&note);
        let res = call_service(&app, req.to_request()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let body: Value = read_body_json(res).await;
        assert_eq!(body["field"], field, "{body}");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .starts_with(&format!("`{field}`")),
            "{body}"
        );
    }
    // The largest body the column holds is stored whole: 32,767 two-byte
    // characters and one byte, 65,535 bytes.
    let largest = format!("{}.", "é".repeat(32_767));
    let req = TestRequest::post()
        .uri("/notes")
        .set_json(json!({"title": "largest", "body": largest}));
    let res = call_service(&app, req.to_request()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let saved: Value = read_body_json(res).await;
    let req = TestRequest::get().uri(&format!("/notes/{}", saved["id"]));
    let found: Value = read_body_json(call_service(&app, req.to_request()).await).await;
    assert_eq!(found["body"].as_str().unwrap().len(), 65_535);
    assert_eq!(found["body"], largest.as_str());
    let req = TestRequest::delete().uri(&format!("/notes/{}", saved["id"]));
    assert_eq!(
        call_service(&app, req.to_request()).await.status(),
        StatusCode::NO_CONTENT
    );

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
async fn notes_on_mariadb() {
    let scratch = ScratchDatabase::create(Server::MariaDb).await;
    exercise(&scratch.url).await;
    scratch.drop_now().await;
}

#[actix_web::test]
async fn notes_on_postgresql_from_the_configuration() {
    let scratch = ScratchDatabase::create(Server::Postgres).await;
    exercise(&scratch.url).await;
    scratch.drop_now().await;
}

#[actix_web::test]
async fn note_limits_past_the_columns_stop_start_up() {
    for (key, value, says) in [
        ("EXAMPLE_NOTE_BODY_MAX", "65536", "example.note_body_max"),
        ("EXAMPLE_NOTE_TITLE_MAX", "201", "example.note_title_max"),
        ("EXAMPLE_NOTE_TITLE_MAX", "0", "example.note_title_max"),
    ] {
        let config = Config::builder()
            .toml_str("")
            .env_vars([
                ("DATABASE_URL", "sqlite::memory:"),
                ("SECRET_KEY", "k7Qw9vX2mL4pR8sT1uY6zA3bC5dE0fGh"),
                (key, value),
            ])
            .build()
            .unwrap();
        let error = example_app::build(config).await.expect_err("start-up fails");
        assert!(error.to_string().contains(says), "{key}={value}: {error}");
    }
}

/// A database that applied the first migration under its old derived name
/// (`migration`) keeps working, with its notes, and the name becomes the
/// dated one (issue 10, finding 13).
#[actix_web::test]
async fn a_database_migrated_under_the_old_name_keeps_working() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let dir = std::env::temp_dir().join(format!("example-legacy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let uri = format!("sqlite:///{}/notes.db", dir.display());
    let config = || {
        Config::builder()
            .toml_str("")
            .env_vars([
                ("DATABASE_URL", uri.as_str()),
                ("SECRET_KEY", "k7Qw9vX2mL4pR8sT1uY6zA3bC5dE0fGh"),
            ])
            .build()
            .unwrap()
    };
    let versions = |ext: &ext_core::ExtApp| {
        let orm = ext.registry().get::<ext_orm::OrmState>().unwrap();
        async move {
            let rows = orm
                .conn()
                .unwrap()
                .query_all_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    "SELECT version FROM seaql_migrations ORDER BY version",
                ))
                .await
                .unwrap();
            rows.iter()
                .map(|row| row.try_get_by_index::<String>(0).unwrap())
                .collect::<Vec<_>>()
        }
    };
    let (ext, _) = example_app::build(config()).await.unwrap();
    let orm = ext.registry().get::<ext_orm::OrmState>().unwrap();
    // What an earlier version of the example left behind.
    for sql in [
        "UPDATE seaql_migrations SET version = 'migration'",
        "INSERT INTO note (title, body) VALUES ('kept', '')",
    ] {
        orm.conn().unwrap().execute_unprepared(sql).await.unwrap();
    }
    assert_eq!(versions(&ext).await, ["migration"]);
    ext.shutdown().await;

    let (ext, _) = example_app::build(config())
        .await
        .expect("the old database still starts");
    assert_eq!(versions(&ext).await, ["m20260301_000001_create_note"]);
    let app = init_service(example_app::app(&ext)).await;
    let res = call_service(&app, TestRequest::get().uri("/notes/1").to_request()).await;
    let body: Value = read_body_json(res).await;
    assert_eq!(body["title"], "kept");
    ext.shutdown().await;
    std::fs::remove_dir_all(dir).unwrap();
}
