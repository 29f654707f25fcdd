//! Writing a GridFS file by hand, chunks first and the `files` document
//! last, complete.
//!
//! The driver's upload stream writes the `files` document when it closes and
//! takes only `metadata` beside the spec's fields; Flask-PyMongo's `sha1`,
//! `contentType` and extra fields had to follow in a second write, so a
//! reader could see a file without them and a failure between the two left
//! it so. GridFS is a short spec (chunks `{files_id, n, data}`, then one
//! `files` document), so this writes both itself; the driver's reader and
//! PyMongo's read the result (`tests/gridfs.rs`).

use mongodb::bson::oid::ObjectId;
use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{doc, Binary, DateTime, Document};
use mongodb::options::IndexOptions;
use mongodb::{Collection, Database, IndexModel};

use crate::error::MongoError;

/// The spec's default chunk size, as the drivers use: 255 KiB.
pub(crate) const CHUNK_SIZE: usize = 255 * 1024;

/// An upload in progress: whole chunks are inserted as they fill; nothing is
/// visible to readers until [`FileWriter::finish`] inserts the `files`
/// document.
#[derive(Debug)]
pub(crate) struct FileWriter {
    id: ObjectId,
    files: Collection<Document>,
    chunks: Collection<Document>,
    buffer: Vec<u8>,
    next_chunk: i32,
    length: i64,
}

impl FileWriter {
    /// A new file in bucket `base`, with the spec's indexes ensured when the
    /// bucket is new (the drivers do the same before a first write).
    pub(crate) async fn open(db: &Database, base: &str) -> Result<Self, MongoError> {
        let files = db.collection::<Document>(&format!("{base}.files"));
        let chunks = db.collection::<Document>(&format!("{base}.chunks"));
        let empty = files
            .find_one(doc! {})
            .projection(doc! {"_id": 1})
            .await?
            .is_none();
        if empty {
            files
                .create_index(
                    IndexModel::builder()
                        .keys(doc! {"filename": 1, "uploadDate": 1})
                        .build(),
                )
                .await?;
            let unique = IndexOptions::builder().unique(true).build();
            chunks
                .create_index(
                    IndexModel::builder()
                        .keys(doc! {"files_id": 1, "n": 1})
                        .options(unique)
                        .build(),
                )
                .await?;
        }
        Ok(FileWriter {
            id: ObjectId::new(),
            files,
            chunks,
            buffer: Vec::with_capacity(CHUNK_SIZE),
            next_chunk: 0,
            length: 0,
        })
    }

    /// Appends `bytes`, inserting each chunk that fills.
    pub(crate) async fn write(&mut self, mut bytes: &[u8]) -> Result<(), MongoError> {
        while !bytes.is_empty() {
            let room = CHUNK_SIZE - self.buffer.len();
            let (now, rest) = bytes.split_at(room.min(bytes.len()));
            self.buffer.extend_from_slice(now);
            bytes = rest;
            if self.buffer.len() == CHUNK_SIZE {
                self.flush().await?;
            }
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), MongoError> {
        let data = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK_SIZE));
        let size = i64::try_from(data.len()).unwrap_or(i64::MAX);
        let chunk = doc! {
            "_id": ObjectId::new(),
            "files_id": self.id,
            "n": self.next_chunk,
            "data": Binary { subtype: BinarySubtype::Generic, bytes: data },
        };
        self.chunks.insert_one(chunk).await?;
        self.next_chunk = self.next_chunk.saturating_add(1);
        self.length = self.length.saturating_add(size);
        Ok(())
    }

    /// Inserts the last chunk, then the `files` document: `fields` (the
    /// caller's, with `sha1` and `contentType`) under the spec's own
    /// `_id`, `length`, `chunkSize`, `uploadDate` and `filename`, which win
    /// over a field of the same name. On failure the chunks are removed.
    pub(crate) async fn finish(
        mut self,
        filename: &str,
        mut fields: Document,
    ) -> Result<ObjectId, MongoError> {
        if !self.buffer.is_empty() {
            if let Err(error) = self.flush().await {
                self.discard(filename).await;
                return Err(error);
            }
        }
        fields.insert("_id", self.id);
        fields.insert("length", self.length);
        fields.insert("chunkSize", i32::try_from(CHUNK_SIZE).unwrap_or(i32::MAX));
        fields.insert("uploadDate", DateTime::now());
        fields.insert("filename", filename);
        if let Err(error) = self.files.insert_one(fields).await {
            self.discard(filename).await;
            return Err(error.into());
        }
        Ok(self.id)
    }

    /// Removes the chunks written so far. When that fails too (the server
    /// went away), they stay behind, invisible to readers: no `files`
    /// document names them.
    pub(crate) async fn discard(self, filename: &str) {
        if self.next_chunk == 0 {
            return;
        }
        if let Err(error) = self.chunks.delete_many(doc! {"files_id": self.id}).await {
            tracing::warn!(%error, filename, files_id = %self.id, "removing the chunks of a failed upload failed");
        }
    }
}
