//! Configuration: Flask-SQLAlchemy's keys and error texts, precedence, the
//! instance folder, and URIs that never show their passwords.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use ext_core::{AppBuilder, Config, ExtApp, InitError};
use ext_orm::{Orm, OrmSettings, OrmState};

fn config(toml: &str, env: &[(&str, &str)]) -> Config {
    Config::builder()
        .toml_str(toml.to_owned())
        .env_vars(env.iter().map(|(k, v)| (k.to_string(), v.to_string())))
        .build()
        .unwrap()
}

async fn init(orm: Orm, toml: &str, env: &[(&str, &str)]) -> Result<ExtApp, InitError> {
    AppBuilder::new(config(toml, env)).register(orm).init().await
}

fn state(ext: &ExtApp) -> std::sync::Arc<OrmState> {
    ext.registry().get::<OrmState>().unwrap()
}

#[actix_web::test]
async fn no_database_is_flask_sqlalchemys_error() {
    let error = init(Orm::new(), "", &[]).await.unwrap_err();
    assert_eq!(error.extension(), "sqlalchemy");
    let text = error.to_string();
    assert!(
        text.contains("Either 'SQLALCHEMY_DATABASE_URI' or 'SQLALCHEMY_BINDS' must be set."),
        "{text}"
    );
    assert!(text.contains("sqlalchemy.database_uri"), "{text}");
}

#[actix_web::test]
async fn precedence_code_over_environment_over_file_and_the_database_url_alias() {
    let dir = std::env::temp_dir().join(format!("ext-orm-config-{}", std::process::id()));
    let instance = format!("instance_path = \"{}\"\n", dir.display());
    let file = format!("[sqlalchemy]\n{instance}database_uri = \"sqlite:///file.db\"\n");
    let ext = init(Orm::new(), &file, &[]).await.unwrap();
    assert_eq!(
        format!("{:?}", state(&ext)),
        format!("<SQLAlchemy sqlite://{}/file.db?mode=rwc>", dir.display())
    );
    assert!(
        dir.join("file.db").exists(),
        "a relative SQLite path lives in the instance folder"
    );

    let ext = init(Orm::new(), &file, &[("DATABASE_URL", "sqlite:///alias.db")])
        .await
        .unwrap();
    assert!(
        format!("{:?}", state(&ext)).contains("alias.db"),
        "DATABASE_URL is the environment"
    );
    let env = [
        ("DATABASE_URL", "sqlite:///alias.db"),
        ("SQLALCHEMY_DATABASE_URI", "sqlite:///env.db"),
    ];
    let ext = init(Orm::new(), &file, &env).await.unwrap();
    assert!(
        format!("{:?}", state(&ext)).contains("env.db"),
        "SQLALCHEMY_DATABASE_URI beats DATABASE_URL"
    );
    let ext = init(Orm::new().database_uri("sqlite://"), &file, &env)
        .await
        .unwrap();
    assert_eq!(
        format!("{:?}", state(&ext)),
        "<SQLAlchemy sqlite::memory:>",
        "code beats everything"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[actix_web::test]
async fn binds_only_and_the_repr_strings() {
    let toml = "[sqlalchemy]\nbinds = { a = \"sqlite://\" }\n";
    let ext = init(Orm::new(), toml, &[]).await.unwrap();
    let state = state(&ext);
    assert_eq!(
        format!("{state:?}"),
        "<SQLAlchemy (No default engine) +1 engines>"
    );
    assert!(state.conn().is_err(), "no default engine");
    assert!(state.bind(Some("a")).is_ok());

    let toml = "[sqlalchemy]\ndatabase_uri = \"sqlite://\"\n[sqlalchemy.binds]\na = \"sqlite://\"\nb = { url = \"sqlite://\", pool_timeout = 1 }\n";
    let ext = init(Orm::new(), toml, &[]).await.unwrap();
    assert_eq!(
        format!("{:?}", ext.registry().get::<OrmState>().unwrap()),
        "<SQLAlchemy sqlite::memory: +2 engines>"
    );
}

#[actix_web::test]
async fn unknown_keys_and_wrong_types_name_the_key() {
    let error = init(
        Orm::new(),
        "[sqlalchemy]\ndatabase_uri = \"sqlite://\"\npool_size = 3\n",
        &[],
    )
    .await
    .unwrap_err();
    assert!(error.to_string().contains("pool_size"), "{error}");
    let error = init(
        Orm::new(),
        "[sqlalchemy]\ndatabase_uri = \"sqlite://\"\nengine_options = { pool_size = \"ten\" }\n",
        &[],
    )
    .await
    .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("pool_size"), "{text}");
    let error = init(Orm::new().database_uri("oracle://scott:tiger@db/x"), "", &[])
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("unsupported database \"oracle\""), "{text}");
    assert!(!text.contains("tiger"), "the password stays secret: {text}");
}

#[actix_web::test]
async fn passwords_never_show() {
    let settings: OrmSettings = config(
        "[sqlalchemy]\ndatabase_uri = \"postgresql://app:s3cret@127.0.0.1:1/app\"\nbinds = { r = \"postgresql://app:s3cret@127.0.0.1:1/r\" }\n",
        &[],
    )
    .section(&ext_core::Section::new("sqlalchemy"))
    .unwrap();
    let shown = format!("{settings:?} {:?}", settings.resolve().unwrap());
    assert!(!shown.contains("s3cret"), "{shown}");
    // Port 1 refuses: the start-up error names the key and hides the password.
    let toml = "[sqlalchemy]\ndatabase_uri = \"postgresql://app:s3cret@127.0.0.1:1/app\"\nengine_options = { pool_timeout = 1 }\n";
    let error = init(Orm::new(), toml, &[]).await.unwrap_err();
    let text = error.to_string();
    assert!(text.contains("sqlalchemy.database_uri"), "{text}");
    assert!(text.contains("app:***@127.0.0.1:1"), "{text}");
    assert!(!text.contains("s3cret"), "{text}");
}

#[actix_web::test]
async fn an_entity_on_an_unknown_bind_is_flask_sqlalchemys_error() {
    let orm = Orm::new().entity_in::<common::entities::todo::Entity>("nope");
    let error = init(orm, "[sqlalchemy]\ndatabase_uri = \"sqlite://\"\n", &[])
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("Bind key 'nope' is not in 'SQLALCHEMY_BINDS' config"),
        "{text}"
    );
}

#[actix_web::test]
async fn an_embedded_default_is_below_the_configuration() {
    let orm = || Orm::new().default_database_uri("sqlite://");
    let ext = init(orm(), "", &[]).await.unwrap();
    assert_eq!(format!("{:?}", state(&ext)), "<SQLAlchemy sqlite::memory:>");
    let dir = std::env::temp_dir().join(format!("ext-orm-default-{}", std::process::id()));
    let toml = format!(
        "[sqlalchemy]\ninstance_path = \"{}\"\ndatabase_uri = \"sqlite:///configured.db\"\n",
        dir.display()
    );
    let ext = init(orm(), &toml, &[]).await.unwrap();
    assert!(format!("{:?}", state(&ext)).contains("configured.db"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[actix_web::test]
async fn binds_and_engine_options_from_the_environment() {
    let env = [
        ("SQLALCHEMY_DATABASE_URI", "sqlite://"),
        (
            "SQLALCHEMY_BINDS",
            "{audit = \"sqlite://\", replica = {url = \"sqlite://\", read_only = true}}",
        ),
        ("SQLALCHEMY_ENGINE_OPTIONS", "{pool_timeout = 2}"),
        ("SQLALCHEMY_RECORD_QUERIES", "true"),
    ];
    let ext = init(Orm::new(), "", &env).await.unwrap();
    let state = state(&ext);
    assert_eq!(format!("{state:?}"), "<SQLAlchemy sqlite::memory: +2 engines>");
    assert!(state.bind(Some("replica")).unwrap().read_only());
    assert!(state.record_queries());
}
