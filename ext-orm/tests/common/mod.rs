//! The backends every test runs on, a fresh database per test, and the
//! entities the tests use.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::dev::{Service, ServiceResponse};
use actix_web::{test, web, App};
use ext_core::{AppBuilder, Config, ExtApp};
use ext_orm::Orm;
use sea_orm::{ConnectionTrait, Database};

pub mod entities;

/// Where a test runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MariaDb,
}

/// A database of its own for one test, dropped by [`TestDb::cleanup`].
#[derive(Debug)]
pub struct TestDb {
    pub backend: Backend,
    /// The SQLAlchemy-style URI handed to ext-orm.
    pub uri: String,
    admin: Option<String>,
    name: String,
}

fn unique_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "extorm_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        nanos % 100_000
    )
}

/// `url` with its database (the path) replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let slash = base.rfind('/').expect("a database URL has a path");
    let mut out = format!("{}/{name}", &base[..slash]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let name = unique_name();
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join("ext-orm-tests");
                std::fs::create_dir_all(&dir).unwrap();
                let path = dir.join(format!("{name}.db"));
                TestDb {
                    backend,
                    uri: format!("sqlite:///{}", path.display()),
                    admin: None,
                    name,
                }
            }
            Backend::Postgres | Backend::MariaDb => {
                let admin = match backend {
                    Backend::Postgres => ext_tests::services::postgres_url(),
                    _ => ext_tests::services::mysql_url(),
                };
                let conn = Database::connect(&admin).await.unwrap_or_else(|error| {
                    panic!("{backend:?} at {admin} does not answer ({error}): run scripts/services.sh")
                });
                conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap();
                conn.close().await.unwrap();
                let uri = with_database(&admin, &name);
                let uri = match backend {
                    Backend::Postgres => uri.replacen("postgres://", "postgresql+psycopg2://", 1),
                    _ => uri.replacen("mysql://", "mysql+pymysql://", 1),
                };
                TestDb {
                    backend,
                    uri,
                    admin: Some(admin),
                    name,
                }
            }
        }
    }

    /// Drops the database (call at the end of the test).
    pub async fn cleanup(self) {
        match (&self.admin, self.backend) {
            (Some(admin), Backend::Postgres) => {
                let conn = Database::connect(admin).await.unwrap();
                conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
                    .await
                    .unwrap();
            }
            (Some(admin), _) => {
                let conn = Database::connect(admin).await.unwrap();
                conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS {}", self.name))
                    .await
                    .unwrap();
            }
            (None, _) => {
                let path = self.uri.trim_start_matches("sqlite:///");
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// A config whose `[sqlalchemy]` table is `extra` plus the database URI.
pub fn config(db: &TestDb, extra: &str) -> Config {
    Config::builder()
        .toml_str(format!("[sqlalchemy]\ndatabase_uri = \"{}\"\n{extra}\n", db.uri))
        .env_vars(Vec::<(String, String)>::new())
        .build()
        .unwrap()
}

/// The app with the test entities registered and created.
pub async fn ext_app(db: &TestDb, extra: &str) -> ExtApp {
    AppBuilder::new(config(db, extra))
        .register(entities::register(Orm::new()).create_all_on_start())
        .init()
        .await
        .unwrap()
}

/// An in-process service of `ext` with `routes` added.
pub async fn service(
    ext: &ExtApp,
    routes: impl FnOnce(&mut web::ServiceConfig),
) -> impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error> {
    let app: App<_> = ext.app();
    test::init_service(app.configure(routes)).await
}

/// Generates one `#[actix_web::test]` per backend for each named async fn
/// taking a [`Backend`].
#[macro_export]
macro_rules! on_all_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[actix_web::test] async fn $name() { super::$name($crate::common::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[actix_web::test] async fn $name() { super::$name($crate::common::Backend::Postgres).await })*
        }
        mod mariadb {
            $(#[actix_web::test] async fn $name() { super::$name($crate::common::Backend::MariaDb).await })*
        }
    };
}
