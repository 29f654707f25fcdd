//! Flask-PyMongo for actix-web, on the official mongodb driver.
//!
//! Register [`Mongo`] on an [`ext_core::AppBuilder`] and handlers get:
//!
//! - the database and client from `MONGO_URI` ([`MongoDb`], [`MongoClient`]),
//!   several named instances side by side (`MONGO2_URI`);
//! - [`CollectionExt::find_one_or_404`];
//! - [`Oid`] path parameters: an invalid id is a 404, as with
//!   Flask-PyMongo's `<ObjectId:id>` converter;
//! - [`BsonJson`]: responses in PyMongo's relaxed Extended JSON, byte for
//!   byte;
//! - [`JsonDocument`]: request bodies as BSON, refusing `$` and dotted keys
//!   (operator injection such as `{"email": {"$ne": null}}`) unless a call
//!   opts out; [`QueryDocument`] and [`FormDocument`] guard query strings
//!   and forms the same way (`web::Query<Document>` does not);
//! - GridFS [`save_file`] and [`send_file`]: streaming, with `sha1` and
//!   `contentType` stored as PyMongo does, size limits (413, nothing kept),
//!   Flask-PyMongo's conditional requests, and byte ranges;
//! - index declarations ensured at start-up, a `/health` ping, and a quick
//!   503 problem when MongoDB is down (the server-selection timeout,
//!   3 s by default), recovering when it returns.
//!
//! ```no_run
//! use actix_web::{web, HttpRequest, HttpResponse};
//! use ext_mongo::{send_file, BsonJson, CollectionExt, JsonDocument, MongoDb, MongoError, Oid, SendFile};
//! use mongodb::bson::{doc, Document};
//!
//! async fn create(db: MongoDb, body: JsonDocument) -> Result<HttpResponse, MongoError> {
//!     let id = db.collection::<Document>("posts").insert_one(body.0).await?.inserted_id;
//!     Ok(HttpResponse::Created().json(serde_json::json!({"id": id.as_object_id().map(|id| id.to_hex())})))
//! }
//!
//! async fn show(db: MongoDb, id: web::Path<Oid>) -> Result<BsonJson<Document>, MongoError> {
//!     Ok(BsonJson(db.collection("posts").find_one_or_404(doc! {"_id": id.get()}).await?))
//! }
//!
//! async fn download(req: HttpRequest, db: MongoDb, name: web::Path<String>) -> Result<HttpResponse, MongoError> {
//!     send_file(&req, &db, &name, &SendFile::default()).await
//! }
//! ```
//!
//! # Where it differs from Flask-PyMongo
//!
//! | | Flask-PyMongo | ext-mongo |
//! |---|---|---|
//! | keys with `$` or `.` in request bodies | passed to queries | 400 problem unless the call opts out |
//! | server selection | 30 s | 3 s by default, then a 503 problem |
//! | `send_file` of an unknown type | `text/html` | `application/octet-stream`, and `nosniff` always |
//! | `Range` | ignored (always 200) | 206 / 416, `Accept-Ranges: bytes`, `If-Range` |
//! | `If-Match: *` | 412 (Werkzeug) | matches (RFC 9110) |
//! | `Content-Disposition` filename | raw, unquoted (a CR or LF breaks the response) | quoted ASCII plus RFC 8187 `filename*`; control characters refused at upload |
//! | the `files` document | written at close, then updated with `sha1` and extras | written last, complete, in one insert |
//! | JSON provider | replaces the app's | a responder you choose per handler |

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]

mod body;
mod collection;
mod error;
mod extension;
mod extract;
mod gridfs;
pub mod json;
mod params;
#[cfg(feature = "sessions")]
mod session_store;
mod settings;
mod state;

pub use self::body::{document_from_json, JsonDocument, KeyPolicy};
pub use self::collection::CollectionExt;
pub use self::error::MongoError;
pub use self::extension::Mongo;
pub use self::extract::{MongoClient, MongoDb, Oid};
pub use self::gridfs::{
    check_file_name, delete_files, save_file, save_payload, send_file, sweep_orphan_chunks, SaveFile,
    SendFile,
};
pub use self::json::BsonJson;
pub use self::params::{FormDocument, QueryDocument};
#[cfg(feature = "sessions")]
pub use self::session_store::MongoSessionStore;
pub use self::settings::{MongoSettings, DEFAULT_SERVER_SELECTION_TIMEOUT_MS, NO_URI};
pub use self::state::MongoState;

/// `pymongo.ASCENDING`.
pub const ASCENDING: i32 = 1;
/// `pymongo.DESCENDING`.
pub const DESCENDING: i32 = -1;
