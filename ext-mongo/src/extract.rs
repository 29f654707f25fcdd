//! Extractors: the database and the client of an instance, and ObjectId
//! path parameters.

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use ext_core::RegistryExt;
use futures_util::future::{ready, Ready};
use mongodb::bson::oid::ObjectId;
use mongodb::{Client, Database};
use serde::{Deserialize, Deserializer};

use crate::error::MongoError;
use crate::state::MongoState;

fn state(req: &HttpRequest, name: Option<&str>) -> Result<Arc<MongoState>, MongoError> {
    let found = match name {
        None => req
            .app_data::<web::Data<MongoState>>()
            .map(|data| data.clone().into_inner()),
        Some(name) => req
            .registry()
            .and_then(|registry| registry.get_named::<MongoState>(name)),
    };
    found.ok_or_else(|| MongoError::NotConfigured(format!("{} is not registered", name.unwrap_or("mongo"))))
}

/// The database of the URI (`mongo.db`); 503 when it is not configured.
///
/// ```no_run
/// use actix_web::HttpResponse;
/// use ext_mongo::{BsonJson, CollectionExt, MongoDb, MongoError, Oid};
/// use mongodb::bson::{doc, Document};
///
/// async fn show(db: MongoDb, id: actix_web::web::Path<Oid>) -> Result<BsonJson<Document>, MongoError> {
///     let users = db.collection::<Document>("users");
///     Ok(BsonJson(users.find_one_or_404(doc! {"_id": id.get()}).await?))
/// }
/// ```
#[derive(Clone, Debug)]
pub struct MongoDb(Database);

impl MongoDb {
    /// The database of the default instance, as the extractor gives it, for
    /// a handler that checks other things first (a path, a row in SQL) so
    /// that they answer before a 503 for a MongoDB that is not configured.
    pub fn of(req: &HttpRequest) -> Result<Self, MongoError> {
        Ok(MongoDb(state(req, None)?.db()?.clone()))
    }

    /// The database of the instance named `name` (`Mongo::named`).
    pub fn named(req: &HttpRequest, name: &str) -> Result<Self, MongoError> {
        Ok(MongoDb(state(req, Some(name))?.db()?.clone()))
    }

    /// The driver's handle.
    pub fn into_inner(self) -> Database {
        self.0
    }
}

impl Deref for MongoDb {
    type Target = Database;

    fn deref(&self) -> &Database {
        &self.0
    }
}

impl FromRequest for MongoDb {
    type Error = MongoError;
    type Future = Ready<Result<Self, MongoError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(MongoDb::of(req))
    }
}

/// The client (`mongo.cx`), for other databases than the URI's.
#[derive(Clone, Debug)]
pub struct MongoClient(Client);

impl MongoClient {
    /// The client of the instance named `name`.
    pub fn named(req: &HttpRequest, name: &str) -> Result<Self, MongoError> {
        Ok(MongoClient(state(req, Some(name))?.client()?.clone()))
    }
}

impl Deref for MongoClient {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.0
    }
}

impl FromRequest for MongoClient {
    type Error = MongoError;
    type Future = Ready<Result<Self, MongoError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(state(req, None).and_then(|state| Ok(MongoClient(state.client()?.clone()))))
    }
}

/// An ObjectId path parameter: `web::Path<Oid>`. Anything but 24 hex
/// digits is a 404, as Flask-PyMongo's `<ObjectId:id>` converter answers;
/// `Display` gives the lowercase hex a URL is built from.
///
/// ```
/// use ext_mongo::Oid;
///
/// let id: Oid = "5CF29ABB5167A14C9E6E12C4".parse().unwrap();
/// assert_eq!(id.to_string(), "5cf29abb5167a14c9e6e12c4");
/// assert!("132".parse::<Oid>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Oid(ObjectId);

impl Oid {
    /// The ObjectId.
    pub fn get(self) -> ObjectId {
        self.0
    }
}

impl From<ObjectId> for Oid {
    fn from(id: ObjectId) -> Self {
        Oid(id)
    }
}

impl FromStr for Oid {
    type Err = MongoError;

    fn from_str(text: &str) -> Result<Self, MongoError> {
        ObjectId::parse_str(text)
            .map(Oid)
            .map_err(|_| MongoError::NotFound)
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_hex())
    }
}

impl<'de> Deserialize<'de> for Oid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse()
            .map_err(|_| serde::de::Error::custom("not an ObjectId"))
    }
}
