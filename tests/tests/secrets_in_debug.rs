//! No secret in any `Debug`: every public configuration type and every
//! extension's state that holds a password, a key or a URI with
//! credentials is formatted, before and after start-up, and none shows
//! the secret (issue 10, finding 14).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ext_core::Config;

/// In every secret below; a password holding `/` as well.
const SECRET: &str = "S3cret-Marker";

fn assert_hidden(what: &str, debug: String) {
    assert!(!debug.contains(SECRET), "{what} shows the secret: {debug}");
    assert!(
        !debug.contains("S3cret%2FMarker"),
        "{what} shows the encoded secret: {debug}"
    );
}

#[actix_rt::test]
async fn no_public_type_shows_a_secret_in_debug() {
    let postgres = tests::services::postgres_url();
    // PostgreSQL here trusts 127.0.0.1, so the password is sent and ignored.
    let with_password = postgres.replacen("postgres@", "postgres:S3cret%2FMarker@", 1);
    assert_ne!(with_password, postgres, "{postgres} names the user postgres");
    let mongo = tests::services::mongo_uri().replacen("mongodb://", "mongodb://app:S3cret-Marker@", 1);
    let env = [
        ("SECRET_KEY", format!("{SECRET}-key-0123456789abcdef")),
        (
            "SECRET_KEY_FALLBACKS",
            format!("[\"{SECRET}-old-0123456789abcdef\"]"),
        ),
        (
            "SQLALCHEMY_DATABASE_URI",
            format!("{with_password}?password={SECRET}"),
        ),
        ("MONGO_URI", mongo.clone()),
        ("SESSION_REDIS_URL", format!("redis://:{SECRET}@127.0.0.1:6379/")),
        ("USER_MAIL_URL", format!("smtp://mailer:{SECRET}@127.0.0.1:8025")),
        (
            "USER_JWT_SECRET",
            format!("{SECRET}-jwt-0123456789abcdef0123456789"),
        ),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let config = Config::builder().toml_str("").env_vars(env).build().unwrap();
    assert_hidden("Config", format!("{config:?}"));
    let section = |name: &str| ext_core::config::Section::new(name);
    let app: ext_core::config::AppSettings = config.section(&section("app")).unwrap();
    assert_hidden("AppSettings", format!("{app:?}"));
    let sessions: ext_core::session::SessionSettings = config.section(&section("session")).unwrap();
    assert_hidden("SessionSettings", format!("{sessions:?}"));
    let orm: ext_orm::OrmSettings = config.section(&section("sqlalchemy")).unwrap();
    assert_hidden("OrmSettings", format!("{orm:?}"));
    let mongo_settings: ext_mongo::MongoSettings = config.section(&section("mongo")).unwrap();
    assert_hidden("MongoSettings", format!("{mongo_settings:?}"));
    let users: ext_user::UserSettings = config.section(&section("user")).unwrap();
    assert_hidden("UserSettings", format!("{users:?}"));

    // Extensions configured in code, before start-up.
    assert_hidden("Mongo", format!("{:?}", ext_mongo::Mongo::new().uri(&mongo)));
    assert_hidden(
        "Orm",
        format!("{:?}", ext_orm::Orm::new().database_uri(with_password.clone())),
    );
    assert_hidden(
        "Users",
        format!("{:?}", ext_user::Users::new().set("jwt_secret", SECRET)),
    );

    // And what start-up leaves for handlers.
    let (ext, _) = example_app::build_without_migrating(config).await.unwrap();
    let registry = ext.registry();
    assert_hidden("ExtApp settings", format!("{:?}", ext.settings()));
    assert_hidden(
        "OrmState",
        format!("{:?}", registry.get::<ext_orm::OrmState>().unwrap()),
    );
    assert_hidden(
        "MongoState",
        format!("{:?}", registry.get::<ext_mongo::MongoState>().unwrap()),
    );
    assert_hidden(
        "UserManager",
        format!("{:?}", registry.get::<ext_user::UserManager>().unwrap()),
    );
    assert_hidden("Registry", format!("{registry:?}"));
}
