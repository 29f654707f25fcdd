//! The example app as a function: built and called with no socket.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::http::StatusCode;
use actix_web::test::{call_service, init_service, read_body_json, TestRequest};
use ext_core::Config;
use serde_json::{json, Value};

/// `toml` and `env`, with notes in an in-memory SQLite database unless a
/// database is set: parallel tests must not share `instance/example.db`.
fn config(toml: &str, env: &[(&str, &str)]) -> Config {
    let mut env: Vec<(&str, &str)> = env.to_vec();
    if !env.iter().any(|(key, _)| key.contains("DATABASE")) && !toml.contains("[sqlalchemy]") {
        env.push(("SQLALCHEMY_DATABASE_URI", "sqlite://"));
    }
    env.push(("SECRET_KEY", "k7Qw9vX2mL4pR8sT1uY6zA3bC5dE0fGh"));
    Config::builder().toml_str(toml).env_vars(env).build().unwrap()
}

#[actix_web::test]
async fn index_shows_the_configured_name_and_health_is_up() {
    let (ext, settings) = example_app::build(config("[example]\nname = 'From TOML'\n", &[]))
        .await
        .unwrap();
    assert_eq!(settings.name, "From TOML");
    let app = init_service(example_app::app(&ext)).await;

    let res = call_service(&app, TestRequest::get().uri("/").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = read_body_json(res).await;
    assert_eq!(
        body,
        json!({"name": "From TOML", "health": "/health", "notes": "/notes", "sign_in": "/user/sign-in", "openapi": "/openapi.json"})
    );

    let res = call_service(&app, TestRequest::get().uri("/health").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[actix_web::test]
async fn the_environment_beats_the_file() {
    let (_, settings) = example_app::build(config(
        "[example]\nname = 'From TOML'\n",
        &[("EXAMPLE_NAME", "From env")],
    ))
    .await
    .unwrap();
    assert_eq!(settings.name, "From env");
}

#[actix_web::test]
async fn a_bad_setting_stops_start_up_naming_the_key() {
    let error = example_app::build(config("[example]\nworkers = 'many'\n", &[]))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "extension `example` failed to start: config key `example.workers` (TOML file inline TOML, \
         [example]): invalid type: found string \"many\", expected usize"
    );
}

#[actix_web::test]
async fn cors_comes_from_the_configuration() {
    let toml = "[cors]\norigins = ['https://app.example']\n";
    let (ext, _) = example_app::build(config(toml, &[])).await.unwrap();
    let app = init_service(example_app::app(&ext)).await;

    let req = TestRequest::get()
        .uri("/")
        .insert_header(("Origin", "https://app.example"));
    let res = call_service(&app, req.to_request()).await;
    assert_eq!(
        res.headers().get("access-control-allow-origin").unwrap(),
        "https://app.example"
    );

    let req = TestRequest::get()
        .uri("/")
        .insert_header(("Origin", "https://evil.example"));
    let res = call_service(&app, req.to_request()).await;
    assert!(res.headers().get("access-control-allow-origin").is_none());
    assert_eq!(res.headers().get("vary").unwrap(), "Origin");
}

#[actix_web::test]
async fn the_example_configuration_file_loads() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/app.example.toml");
    let config = Config::builder()
        .file(path)
        .env_vars([
            ("SQLALCHEMY_DATABASE_URI", "sqlite://"),
            ("SECRET_KEY", "k7Qw9vX2mL4pR8sT1uY6zA3bC5dE0fGh"),
        ])
        .build()
        .unwrap();
    let (ext, settings) = example_app::build(config).await.unwrap();
    assert_eq!(settings.bind, "127.0.0.1:8080");
    let app = init_service(example_app::app(&ext)).await;
    let req = TestRequest::get()
        .uri("/")
        .insert_header(("Origin", "https://shop.example.com"));
    let res = call_service(&app, req.to_request()).await;
    assert_eq!(
        res.headers().get("access-control-allow-origin").unwrap(),
        "https://shop.example.com"
    );
    assert_eq!(
        res.headers().get("access-control-allow-credentials").unwrap(),
        "true"
    );
}
