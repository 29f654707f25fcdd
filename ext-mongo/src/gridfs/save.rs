//! `save_file`: a streamed upload into GridFS, with the `sha1`,
//! `contentType` and extra fields that Flask-PyMongo stores.

use actix_web::http::header;
use actix_web::web::{Bytes, Payload};
use actix_web::HttpRequest;
use futures_util::{Stream, StreamExt};
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{doc, Document};
use mongodb::Database;
use sha1::{Digest, Sha1};

use super::write::FileWriter;
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
    replace: bool,
}

impl Default for SaveFile {
    fn default() -> Self {
        SaveFile {
            base: "fs".to_owned(),
            content_type: None,
            extra: Document::new(),
            max_size: None,
            replace: false,
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

    /// Whether the new file replaces the older ones of its name (default
    /// `false`: GridFS keeps every upload as a version, as Flask-PyMongo
    /// does). The older versions are removed only once the new file is
    /// complete, so a failed upload leaves them as they were.
    pub fn replace(mut self, replace: bool) -> Self {
        self.replace = replace;
        self
    }
}

/// Stores `body` as `filename` and returns the new file's id.
///
/// The body streams into GridFS chunk by chunk while its SHA-1 is computed.
/// The `fs.files` document, with `sha1`, `contentType` and the extra
/// fields, is written last, in one insert: until then no reader sees the
/// file, and it never appears without them. Over `max_size`, or when the
/// body or a write fails, the chunks written so far are deleted and nothing
/// of the file remains (if the server went away, its chunks stay behind,
/// invisible, with no `files` document). A name holding a control
/// character is refused (422): no `Content-Disposition` could carry it.
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
    if let Some(bad) = super::name::unsafe_character(filename) {
        return Err(MongoError::InvalidFileName(format!(
            "the file name holds {bad}, which no header can carry"
        )));
    }
    let mut upload = FileWriter::open(db, &options.base).await?;
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
        if let Err(error) = upload.write(&bytes).await {
            break Some(error);
        }
    };
    if let Some(failure) = failure {
        upload.discard(filename).await;
        return Err(failure);
    }
    let content_type = options
        .content_type
        .clone()
        .or_else(|| mime_guess::from_path(filename).first_raw().map(str::to_owned));
    let mut fields = options.extra.clone();
    fields.insert("sha1", format!("{:x}", hasher.finalize()));
    if let Some(content_type) = content_type {
        fields.insert("contentType", content_type);
    }
    let id = upload.finish(filename, fields).await?;
    if options.replace {
        let older = doc! {"filename": filename, "_id": {"$ne": id}};
        super::delete_files(db, &options.base, older).await?;
    }
    Ok(id)
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
