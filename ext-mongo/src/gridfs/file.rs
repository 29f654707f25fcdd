//! A stored file's `fs.files` document, read raw: the driver's
//! `FilesCollectionDocument` drops `sha1`, `md5` and `contentType`.

use futures_util::{Stream, StreamExt, TryStreamExt};
use mongodb::bson::{doc, Bson, Document};
use mongodb::{Collection, Database};
use sha1::{Digest, Sha1};

use crate::error::MongoError;

/// Chunks fetched per round trip when streaming: about 1 MiB in flight.
const CHUNKS_PER_BATCH: u32 = 4;

#[derive(Clone, Debug)]
pub(crate) struct StoredFile {
    pub(crate) id: Bson,
    pub(crate) length: u64,
    pub(crate) chunk_size: u64,
    /// Milliseconds since the epoch.
    pub(crate) upload_date: i64,
    /// `sha1`, else the legacy `md5`.
    pub(crate) digest: Option<String>,
    chunks: Collection<Document>,
}

fn number(document: &Document, key: &str) -> Option<u64> {
    match document.get(key)? {
        Bson::Int32(value) => u64::try_from(*value).ok(),
        Bson::Int64(value) => u64::try_from(*value).ok(),
        Bson::Double(value) if *value >= 0.0 => Some(*value as u64),
        _ => None,
    }
}

impl StoredFile {
    /// Flask-PyMongo's `get_version`: -1 is the newest, 0 the first.
    pub(crate) async fn find(
        db: &Database,
        base: &str,
        filename: &str,
        version: i32,
    ) -> Result<Self, MongoError> {
        let files = db.collection::<Document>(&format!("{base}.files"));
        let (order, skip) = if version >= 0 {
            (1, u64::from(version.unsigned_abs()))
        } else {
            (-1, u64::from(version.unsigned_abs()) - 1)
        };
        let found = files
            .find_one(doc! {"filename": filename})
            .sort(doc! {"uploadDate": order, "_id": order})
            .skip(skip)
            .await?
            .ok_or(MongoError::NotFound)?;
        let id = found.get("_id").cloned().ok_or(MongoError::NotFound)?;
        let digest = found
            .get_str("sha1")
            .or_else(|_| found.get_str("md5"))
            .ok()
            .map(str::to_owned);
        Ok(StoredFile {
            id,
            length: number(&found, "length").unwrap_or(0),
            chunk_size: number(&found, "chunkSize")
                .filter(|size| *size > 0)
                .unwrap_or(255 * 1024),
            upload_date: found
                .get_datetime("uploadDate")
                .map(|date| date.timestamp_millis())
                .unwrap_or(0),
            digest,
            chunks: db.collection::<Document>(&format!("{base}.chunks")),
        })
    }

    /// The bytes `start..=end`, chunk by chunk, as the cursor delivers them.
    pub(crate) async fn bytes(
        &self,
        start: u64,
        end: u64,
    ) -> Result<impl Stream<Item = Result<actix_web::web::Bytes, mongodb::error::Error>> + 'static, MongoError>
    {
        let size = self.chunk_size;
        let (first, last) = (start / size, end / size);
        let (first, last) = (
            i64::try_from(first).unwrap_or(i64::MAX),
            i64::try_from(last).unwrap_or(i64::MAX),
        );
        let cursor = self
            .chunks
            .find(doc! {"files_id": self.id.clone(), "n": {"$gte": first, "$lte": last}})
            .sort(doc! {"n": 1})
            .batch_size(CHUNKS_PER_BATCH)
            .await?;
        Ok(cursor.map_ok(move |chunk| {
            let n = number(&chunk, "n").unwrap_or(0);
            let data = match chunk.get("data") {
                Some(Bson::Binary(binary)) => binary.bytes.clone(),
                _ => Vec::new(),
            };
            let (from, to) = chunk_slice(n, size, start, end, data.len());
            actix_web::web::Bytes::from(data).slice(from..to)
        }))
    }

    /// The SHA-1 of the whole file, for files stored without one (read in
    /// full before sending, as Flask-PyMongo does).
    pub(crate) async fn compute_sha1(&self) -> Result<String, MongoError> {
        let mut hasher = Sha1::new();
        if self.length > 0 {
            let mut stream = Box::pin(self.bytes(0, self.length - 1).await?);
            while let Some(bytes) = stream.next().await {
                hasher.update(&bytes?);
            }
        }
        Ok(format!("{:x}", hasher.finalize()))
    }
}

/// The part of chunk `n` (of `size` bytes, holding `len`) inside the bytes
/// `start..=end`. The numbers come from the bucket, which anyone may have
/// written: the arithmetic saturates, so a huge `n` or `chunkSize` gives
/// an empty slice, never a panic or a wrapped offset.
fn chunk_slice(n: u64, size: u64, start: u64, end: u64, len: usize) -> (usize, usize) {
    let offset = n.saturating_mul(size);
    let len = u64::try_from(len).unwrap_or(u64::MAX);
    let from = start.saturating_sub(offset).min(len);
    let to = end.saturating_add(1).saturating_sub(offset).min(len).max(from);
    (
        usize::try_from(from).unwrap_or(usize::MAX),
        usize::try_from(to).unwrap_or(usize::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::chunk_slice;

    #[test]
    fn chunk_slices_saturate_on_numbers_from_the_bucket() {
        // Chunk 1 of 4-byte chunks, bytes 5..=6 of the file: its [1, 3).
        assert_eq!(chunk_slice(1, 4, 5, 6, 4), (1, 3));
        // The whole chunk.
        assert_eq!(chunk_slice(0, 4, 0, 100, 4), (0, 4));
        // Overflowing offsets and ends: empty, no panic.
        assert_eq!(chunk_slice(u64::MAX, u64::MAX, 0, 10, 4), (0, 0));
        assert_eq!(chunk_slice(0, 4, 0, u64::MAX, 4), (0, 4));
        assert_eq!(chunk_slice(3, u64::MAX / 2, 0, 10, 4), (0, 0));
    }
}
