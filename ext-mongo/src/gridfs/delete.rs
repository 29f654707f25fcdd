//! `delete_files`: removing stored files, `files` document first.

use futures_util::TryStreamExt;
use mongodb::bson::{doc, Bson, Document};
use mongodb::Database;

use crate::error::MongoError;

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
    let ids: Vec<Bson> = files
        .find(filter)
        .projection(doc! {"_id": 1})
        .await?
        .try_filter_map(|found| async move { Ok(found.get("_id").cloned()) })
        .try_collect()
        .await?;
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
