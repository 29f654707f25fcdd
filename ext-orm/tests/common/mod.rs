//! The backends every test runs on, a fresh database per test, and the
//! entities the tests use.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use ext_core::{AppBuilder, Config, ExtApp};
use ext_orm::Orm;
use ext_tests::scratch::{ScratchDatabase, Server};

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
    scratch: Option<ScratchDatabase>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let server = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join("ext-orm-tests");
                std::fs::create_dir_all(&dir).unwrap();
                static NEXT: AtomicU32 = AtomicU32::new(0);
                let name = format!(
                    "{}-{}.db",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed)
                );
                let path = dir.join(name);
                let _ = std::fs::remove_file(&path);
                return TestDb {
                    backend,
                    uri: format!("sqlite:///{}", path.display()),
                    scratch: None,
                };
            }
            Backend::Postgres => Server::Postgres,
            Backend::MariaDb => Server::MariaDb,
        };
        let scratch = ScratchDatabase::create(server).await;
        // SQLAlchemy's spelling, driver names included, as users write it.
        let uri = match backend {
            Backend::Postgres => scratch.url.replacen("postgres://", "postgresql+psycopg2://", 1),
            _ => scratch.url.replacen("mysql://", "mysql+pymysql://", 1),
        };
        TestDb {
            backend,
            uri,
            scratch: Some(scratch),
        }
    }

    /// Drops the database (call at the end of the test).
    pub async fn cleanup(self) {
        match self.scratch {
            Some(scratch) => scratch.drop_now().await,
            None => {
                let _ = std::fs::remove_file(self.uri.trim_start_matches("sqlite:///"));
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

#[allow(unused_imports)] // not every test binary calls it
pub use ext_tests::app::service;

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
