//! `delete_files`: removing stored files, `files` document first.

use futures_util::TryStreamExt;
use mongodb::bson::{doc, Bson, Document};
use mongodb::{Collection, Database};

use crate::error::MongoError;

/// The `_id`s of the `files` documents matching `filter`.
async fn file_ids(files: &Collection<Document>, filter: Document) -> Result<Vec<Bson>, MongoError> {
    Ok(files
        .find(filter)
        .projection(doc! {"_id": 1})
        .await?
        .try_filter_map(|found| async move { Ok(found.get("_id").cloned()) })
        .try_collect()
        .await?)
}

/// Deletes every file of bucket `base` whose `files` document matches
/// `filter`, and returns how many there were.
///
/// Each file's `files` document goes first, so a reader never finds a file
/// with missing chunks; its chunks follow. If the chunks cannot be removed
/// (the server went away), they stay behind, invisible, and the error is
/// returned.
///
/// ```no_run
/// use mongodb::bson::doc;
///
/// # async fn run(db: mongodb::Database) -> Result<(), ext_mongo::MongoError> {
/// // All attachments of note 7, however many versions each has.
/// let removed = ext_mongo::delete_files(&db, "fs", doc! {"note_id": 7}).await?;
/// # Ok(()) }
/// ```
pub async fn delete_files(db: &Database, base: &str, filter: Document) -> Result<u64, MongoError> {
    let files = db.collection::<Document>(&format!("{base}.files"));
    let ids = file_ids(&files, filter).await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let removed = files
        .delete_many(doc! {"_id": {"$in": ids.clone()}})
        .await?
        .deleted_count;
    db.collection::<Document>(&format!("{base}.chunks"))
        .delete_many(doc! {"files_id": {"$in": ids}})
        .await?;
    Ok(removed)
}

/// How many `files_id`s one round trip checks.
const SWEEP_BATCH: usize = 1000;

/// Deletes the chunks of bucket `base` that no `files` document names and
/// that were written more than `older_than` ago, and returns how many.
///
/// An upload whose clean-up failed (the server went away mid-way) leaves
/// such chunks: invisible, but taking space. Uploads in progress have
/// chunks and no `files` document yet, so `older_than` must exceed the
/// longest upload (`[app] body_timeout_ms` bounds it; an hour is safe).
/// The age is read from the chunk's ObjectId, so chunks whose `_id` is not
/// an ObjectId are never removed.
///
/// ```no_run
/// # async fn run(db: mongodb::Database) -> Result<(), ext_mongo::MongoError> {
/// let hour = std::time::Duration::from_secs(3600);
/// let removed = ext_mongo::sweep_orphan_chunks(&db, "fs", hour).await?;
/// # Ok(()) }
/// ```
pub async fn sweep_orphan_chunks(
    db: &Database,
    base: &str,
    older_than: std::time::Duration,
) -> Result<u64, MongoError> {
    let files = db.collection::<Document>(&format!("{base}.files"));
    let chunks = db.collection::<Document>(&format!("{base}.chunks"));
    let cutoff = std::time::SystemTime::now()
        .checked_sub(older_than)
        .and_then(|when| when.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |since| u32::try_from(since.as_secs()).unwrap_or(u32::MAX));
    let mut bytes = [0u8; 12];
    bytes[..4].copy_from_slice(&cutoff.to_be_bytes());
    let old = doc! {"_id": {"$lt": mongodb::bson::oid::ObjectId::from_bytes(bytes)}};
    let candidates = chunks.distinct("files_id", old.clone()).await?;
    let mut removed = 0;
    for batch in candidates.chunks(SWEEP_BATCH) {
        let present = file_ids(&files, doc! {"_id": {"$in": batch.to_vec()}}).await?;
        let orphans: Vec<Bson> = batch.iter().filter(|id| !present.contains(id)).cloned().collect();
        if orphans.is_empty() {
            continue;
        }
        let mut filter = old.clone();
        filter.insert("files_id", doc! {"$in": orphans});
        removed += chunks.delete_many(filter).await?.deleted_count;
    }
    Ok(removed)
}
