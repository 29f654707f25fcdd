//! Server-side web sessions in MongoDB (feature `sessions`): the store
//! behind `[session] type = "mongodb"`, as Flask-Session's MongoDB backend.
//!
//! One collection (`sessions` by default) of `{_id: <hash of the session
//! id>, data: <JSON text>, expires_at: <date>}`, with a TTL index on
//! `expires_at` created when sessions start. Loads also check the expiry, so
//! a server that removes expired documents late (or has no TTL monitor)
//! never hands one out. The data is stored as JSON text, so keys with `$` or
//! `.` need no escaping.

use std::time::{Duration, SystemTime};

use ext_core::session::{SessionData, SessionStore};
use ext_core::BoxError;
use mongodb::bson::{doc, DateTime, Document};
use mongodb::options::IndexOptions;
use mongodb::{Collection, Database, IndexModel};

/// Sessions in a collection of the app's MongoDB database.
#[derive(Debug, Clone)]
pub struct MongoSessionStore {
    collection: Collection<Document>,
}

impl MongoSessionStore {
    /// A store in `collection` of `db`.
    pub fn new(db: &Database, collection: &str) -> Self {
        Self {
            collection: db.collection(collection),
        }
    }
}

impl SessionStore for MongoSessionStore {
    async fn load(&self, key: &str) -> Result<Option<SessionData>, BoxError> {
        let found = self
            .collection
            .find_one(doc! { "_id": key, "expires_at": { "$gt": DateTime::now() } })
            .await?;
        let Some(document) = found else {
            return Ok(None);
        };
        let data = document.get_str("data")?;
        Ok(Some(serde_json::from_str(data)?))
    }

    async fn save(&self, key: &str, data: &SessionData, ttl: Duration) -> Result<(), BoxError> {
        let expires = DateTime::from_system_time(SystemTime::now() + ttl.max(Duration::from_secs(1)));
        self.collection
            .replace_one(
                doc! { "_id": key },
                doc! { "_id": key, "data": serde_json::to_string(data)?, "expires_at": expires },
            )
            .upsert(true)
            .await?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), BoxError> {
        self.collection.delete_one(doc! { "_id": key }).await?;
        Ok(())
    }

    async fn prepare(&self) -> Result<(), BoxError> {
        let index = IndexModel::builder()
            .keys(doc! { "expires_at": 1 })
            .options(IndexOptions::builder().expire_after(Duration::ZERO).build())
            .build();
        self.collection.create_index(index).await?;
        Ok(())
    }
}
