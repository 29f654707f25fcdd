//! File attachments of notes, in GridFS through ext-mongo.
//!
//! | route | answer |
//! |---|---|
//! | `PUT /notes/{id}/attachments/{name}` | stores the body (at most 10 MiB): 201 |
//! | `GET` / `HEAD /notes/{id}/attachments/{name}` | the file, with ETag, conditional and range requests |
//!
//! With no `MONGO_URI`, the app still starts: these routes answer a 503
//! problem saying MongoDB is not configured, and `/health` reports `mongo`
//! as not configured.

use actix_web::{web, HttpRequest, HttpResponse};
use ext_core::converters::Int;
use ext_mongo::{save_payload, send_file, MongoDb, SaveFile, SendFile};
use ext_orm::{get_or_404, DbSession};
use mongodb::bson::doc;

use crate::notes::entity::Entity as Note;

/// The largest attachment, in bytes.
pub const MAX_ATTACHMENT: u64 = 10 * 1024 * 1024;

/// Adds the attachment routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/notes/{id}/attachments/{name}")
            .route(web::put().to(upload))
            .route(web::get().to(download))
            .route(web::head().to(download)),
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

async fn upload(
    req: HttpRequest,
    payload: web::Payload,
    session: DbSession,
    db: MongoDb,
    path: web::Path<(Int, String)>,
) -> Result<HttpResponse, actix_web::Error> {
    let (Int(id), name) = path.into_inner();
    note_exists(session, id).await?;
    let options = SaveFile::default()
        .max_size(MAX_ATTACHMENT)
        .extra(doc! {"note_id": id, "name": name.clone()});
    let file = save_payload(&req, payload, &db, &stored_name(id, &name), &options).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/notes/{id}/attachments/{name}")))
        .json(serde_json::json!({"id": file.to_hex(), "name": name})))
}

async fn download(
    req: HttpRequest,
    db: MongoDb,
    path: web::Path<(Int, String)>,
) -> Result<HttpResponse, actix_web::Error> {
    let (Int(id), name) = path.into_inner();
    let options = SendFile::default().cache_for(3600).download_name(name.clone());
    Ok(send_file(&req, &db, &stored_name(id, &name), &options).await?)
}
