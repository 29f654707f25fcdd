//! File attachments of notes, in GridFS through ext-mongo.
//!
//! | route | answer |
//! |---|---|
//! | `PUT /notes/{id}/attachments/{name}` | stores the body (at most 10 MiB), replacing an attachment of that name once the new one is complete: 201 |
//! | `GET` / `HEAD /notes/{id}/attachments/{name}` | the file, with ETag, conditional and range requests |
//!
//! Deleting a note deletes its attachments (`notes::routes::delete`). The
//! note and the name are checked before MongoDB is asked: an unknown note
//! is a 404 and a bad name a 422 `invalid-file-name`, whether or not
//! MongoDB is configured. With no `MONGO_URI`, the app still starts: these
//! routes answer a 503 problem saying MongoDB is not configured, and
//! `/health` reports `mongo` as not configured.

use actix_web::{web, HttpRequest, HttpResponse};
use ext_core::converters::Int;
use ext_mongo::{
    check_file_name, delete_files, save_payload, send_file, MongoDb, MongoError, SaveFile, SendFile,
};
use ext_orm::{get_or_404, DbSession, OrmError};
use mongodb::bson::doc;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sea_orm::{EntityTrait, QuerySelect};

use crate::notes::entity::Entity as Note;

/// The largest attachment, in bytes.
pub const MAX_ATTACHMENT: u64 = 10 * 1024 * 1024;

/// The GridFS bucket of attachments.
const BUCKET: &str = "fs";

/// Adds the attachment routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/notes/{id}/attachments/{name}")
            .route(web::put().to(upload))
            .route(web::get().to(download)),
    );
}

/// The GridFS name of a note's attachment.
fn stored_name(note: i64, name: &str) -> String {
    format!("notes/{note}/{name}")
}

/// Checks that the note exists, then lets the session go: SQLite has one
/// connection, and an upload may take a while.
async fn note_exists(session: DbSession, id: i64) -> Result<(), actix_web::Error> {
    get_or_404::<Note, _>(&session, id, Some("no note with this id")).await?;
    session.rollback().await?;
    Ok(())
}

/// What a path segment percent-encodes here: all but RFC 3986's
/// unreserved characters.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The attachment URL of `name`.
fn location(note: i64, name: &str) -> String {
    format!(
        "/notes/{note}/attachments/{}",
        utf8_percent_encode(name, NOT_UNRESERVED)
    )
}

async fn upload(
    path: web::Path<(Int, String)>,
    req: HttpRequest,
    payload: web::Payload,
    session: DbSession,
) -> Result<HttpResponse, actix_web::Error> {
    let (Int(id), name) = path.into_inner();
    check_file_name(&name)?;
    note_exists(session, id).await?;
    let db = MongoDb::of(&req)?;
    let options = SaveFile::default()
        .base(BUCKET)
        .max_size(MAX_ATTACHMENT)
        .replace(true)
        .extra(doc! {"note_id": id, "name": name.clone()});
    let stored = stored_name(id, &name);
    let file = save_payload(&req, payload, &db, &stored, &options).await?;
    if !still_there(&req, id).await? {
        // The note was deleted while the body streamed in, after its
        // attachments were removed: this one goes too.
        delete_files(&db, BUCKET, doc! {"_id": file}).await?;
        return Err(OrmError::NotFound {
            description: Some("the note was deleted during the upload".to_owned()),
        }
        .into());
    }
    Ok(HttpResponse::Created()
        .insert_header(("Location", location(id, &name)))
        .json(serde_json::json!({"id": file.to_hex(), "name": name})))
}

/// Whether note `id` still exists, read with a shared lock on PostgreSQL
/// and MariaDB: a delete in progress (which removes the attachments while
/// it holds the row) is waited for. SQLite's single connection serialises
/// the two anyway.
async fn still_there(req: &HttpRequest, id: i64) -> Result<bool, actix_web::Error> {
    let session = DbSession::of(req)?;
    let found = Note::find_by_id(id)
        .lock_shared()
        .one(&session)
        .await
        .map_err(OrmError::from)?;
    session.rollback().await?;
    Ok(found.is_some())
}

async fn download(
    path: web::Path<(Int, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, actix_web::Error> {
    let (Int(id), name) = path.into_inner();
    if check_file_name(&name).is_err() {
        return Err(MongoError::NotFound.into());
    }
    let db = MongoDb::of(&req)?;
    let options = SendFile::default()
        .base(BUCKET)
        .cache_for(3600)
        .download_name(name.clone());
    Ok(send_file(&req, &db, &stored_name(id, &name), &options).await?)
}

/// Deletes every attachment of note `id`, all versions; nothing to do when
/// MongoDB is not configured.
pub async fn delete_all(req: &HttpRequest, id: i64) -> Result<(), MongoError> {
    match MongoDb::of(req) {
        Ok(db) => delete_files(&db, BUCKET, doc! {"note_id": id}).await.map(drop),
        Err(MongoError::NotConfigured(_)) => Ok(()),
        Err(other) => Err(other),
    }
}

/// How old a chunk without a file must be before it is swept: longer than
/// any upload (the body deadline is 30 s by default).
pub const ORPHAN_GRACE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes attachment chunks that a failed upload left behind when MongoDB
/// went away before the clean-up (see `ext_mongo::sweep_orphan_chunks`);
/// nothing to do without MongoDB. The example runs it in the background at
/// start-up.
pub async fn sweep_orphans(ext: &ext_core::ExtApp) -> Result<u64, MongoError> {
    let Some(state) = ext.registry().get::<ext_mongo::MongoState>() else {
        return Ok(0);
    };
    match state.db() {
        Ok(db) => ext_mongo::sweep_orphan_chunks(db, BUCKET, ORPHAN_GRACE).await,
        Err(MongoError::NotConfigured(_)) => Ok(0),
        Err(other) => Err(other),
    }
}
