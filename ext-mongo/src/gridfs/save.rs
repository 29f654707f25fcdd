//! `save_file`: a streamed upload into GridFS, with the `sha1`,
//! `contentType` and extra fields that Flask-PyMongo stores.

use actix_web::http::header;
use actix_web::web::{Bytes, Payload};
use actix_web::HttpRequest;
use futures_util::io::AsyncWriteExt;
use futures_util::{Stream, StreamExt};
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{doc, Bson, Document};
use mongodb::options::GridFsBucketOptions;
use mongodb::Database;
use sha1::{Digest, Sha1};

use crate::error::MongoError;

/// `save_file`'s options.
///
/// ```
/// use mongodb::bson::doc;
///
/// let options = ext_mongo::SaveFile::default()
///     .content_type("image/png")
///     .extra(doc! {"owner": "ada"})
///     .max_size(10 * 1024 * 1024);
/// ```
#[derive(Clone, Debug)]
pub struct SaveFile {
    base: String,
    content_type: Option<String>,
    extra: Document,
    max_size: Option<u64>,
}

impl Default for SaveFile {
    fn default() -> Self {
        SaveFile {
            base: "fs".to_owned(),
            content_type: None,
            extra: Document::new(),
            max_size: None,
        }
    }
}

impl SaveFile {
    /// The GridFS bucket (default `fs`).
    pub fn base(mut self, base: impl Into<String>) -> Self {
        self.base = base.into();
        self
    }

    /// `contentType` (default: guessed from the file name).
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Extra top-level fields of the `fs.files` document (Flask-PyMongo's
    /// `**kwargs`).
    pub fn extra(mut self, extra: Document) -> Self {
        self.extra = extra;
        self
    }

    /// The largest upload in bytes: over it, 413 and nothing is kept.
    pub fn max_size(mut self, bytes: u64) -> Self {
        self.max_size = Some(bytes);
        self
    }
}

/// Stores `body` as `filename` and returns the new file's id.
///
/// The body streams into GridFS chunk by chunk while its SHA-1 is computed;
/// over `max_size`, or when the body fails, the chunks written so far are
/// deleted and nothing of the file remains. `sha1`, `contentType` and the
/// extra fields are set on the `fs.files` document once it is complete.
pub async fn save_file<S, E>(
    db: &Database,
    filename: &str,
    body: S,
    options: &SaveFile,
) -> Result<ObjectId, MongoError>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: std::fmt::Display,
{
    save_stream(db, filename, body, options, |error| {
        MongoError::UploadInterrupted(error.to_string())
    })
    .await
}

/// [`save_file`], with what a failed body read answers.
async fn save_stream<S, E>(
    db: &Database,
    filename: &str,
    body: S,
    options: &SaveFile,
    body_failed: impl Fn(E) -> MongoError,
) -> Result<ObjectId, MongoError>
where
    S: Stream<Item = Result<Bytes, E>>,
{
    let bucket = db.gridfs_bucket(
        GridFsBucketOptions::builder()
            .bucket_name(options.base.clone())
            .build(),
    );
    let mut upload = bucket.open_upload_stream(filename).await?;
    let mut hasher = Sha1::new();
    let mut written: u64 = 0;
    let mut body = std::pin::pin!(body);
    let failure = loop {
        let Some(next) = body.next().await else {
            break None;
        };
        let bytes = match next {
            Ok(bytes) => bytes,
            Err(error) => break Some(body_failed(error)),
        };
        written += bytes.len() as u64;
        if let Some(limit) = options.max_size.filter(|limit| written > *limit) {
            break Some(MongoError::TooLarge { limit });
        }
        hasher.update(&bytes);
        if let Err(error) = upload.write_all(&bytes).await {
            break Some(storage_failure(error));
        }
    };
    if let Some(failure) = failure {
        if let Err(error) = upload.abort().await {
            tracing::warn!(%error, filename, "removing the chunks of a refused upload failed");
        }
        return Err(failure);
    }
    upload.close().await.map_err(storage_failure)?;
    let id = upload.id().clone();
    let content_type = options
        .content_type
        .clone()
        .or_else(|| mime_guess::from_path(filename).first_raw().map(str::to_owned));
    let mut fields = options.extra.clone();
    fields.insert("sha1", format!("{:x}", hasher.finalize()));
    if let Some(content_type) = content_type {
        fields.insert("contentType", content_type);
    }
    db.collection::<Document>(&format!("{}.files", options.base))
        .update_one(doc! {"_id": id.clone()}, doc! {"$set": fields})
        .await?;
    match id {
        Bson::ObjectId(id) => Ok(id),
        other => Err(MongoError::UploadInterrupted(format!(
            "unexpected file id {other}"
        ))),
    }
}

/// A chunk write or close that failed: the driver's error inside the I/O
/// error, so that an outage answers 503 and anything else 500, the cause
/// logged and never sent (the client did nothing wrong; the driver's text
/// names hosts).
fn storage_failure(error: std::io::Error) -> MongoError {
    let driver = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<mongodb::error::Error>())
        .cloned();
    MongoError::from(driver.unwrap_or_else(|| mongodb::error::Error::from(error)))
}

/// [`save_file`] from a request body: a `Content-Length` over `max_size` is
/// refused with 413 before anything is read.
pub async fn save_payload(
    req: &HttpRequest,
    payload: Payload,
    db: &Database,
    filename: &str,
    options: &SaveFile,
) -> Result<ObjectId, MongoError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if let (Some(limit), Some(declared)) = (options.max_size, declared) {
        if declared > limit {
            return Err(MongoError::TooLarge { limit });
        }
    }
    save_stream(db, filename, payload, options, |error| {
        if ext_core::body_deadline::is_body_timeout(&error) {
            MongoError::BodyTimeout
        } else {
            MongoError::UploadInterrupted(error.to_string())
        }
    })
    .await
}
