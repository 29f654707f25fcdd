//! A database of its own for each test on the shared MongoDB-wire server,
//! and the app around it.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use ext_core::{AppBuilder, Config, ExtApp};
use ext_mongo::Mongo;
use mongodb::{Client, Database};

/// A uniquely named database, dropped by [`TestMongo::cleanup`].
#[derive(Debug)]
pub struct TestMongo {
    pub uri: String,
    pub name: String,
}

impl TestMongo {
    pub fn new() -> TestMongo {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let base = ext_tests::services::mongo_uri();
        let name = format!(
            "extmongo_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let root = base.rsplit_once('/').map_or(base.as_str(), |(root, _)| root);
        TestMongo {
            uri: format!("{root}/{name}"),
            name,
        }
    }

    pub async fn db(&self) -> Database {
        Client::with_uri_str(&self.uri)
            .await
            .unwrap()
            .database(&self.name)
    }

    pub async fn cleanup(self) {
        self.db().await.drop().await.unwrap();
    }
}

pub fn config(toml: &str, env: &[(&str, &str)]) -> Config {
    Config::builder()
        .toml_str(toml.to_owned())
        .env_vars(env.iter().map(|(k, v)| (k.to_string(), v.to_string())))
        .build()
        .unwrap()
}

/// An app with `Mongo::new()` on `mongo`'s database.
pub async fn ext_app(mongo: &TestMongo) -> ExtApp {
    AppBuilder::new(config("", &[("MONGO_URI", &mongo.uri)]))
        .register(Mongo::new())
        .init()
        .await
        .unwrap()
}

#[allow(unused_imports)] // not every test binary calls it
pub use ext_tests::app::service;
