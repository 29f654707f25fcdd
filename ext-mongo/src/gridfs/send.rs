//! `send_file`: a stored file as a streamed response, with Flask-PyMongo's
//! headers and conditional requests, and byte ranges.

use actix_web::body::SizedStream;
use actix_web::http::header;
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use mongodb::Database;

use super::conditional::{self, header_str, http_date, Outcome};
use super::file::StoredFile;
use super::range::{self, Answer};
use crate::error::MongoError;

/// `send_file`'s options, with Flask-PyMongo's defaults.
///
/// ```
/// let options = ext_mongo::SendFile::default().cache_for(60).version(0);
/// ```
#[derive(Clone, Debug)]
pub struct SendFile {
    base: String,
    version: i32,
    cache_for: u32,
    download_name: Option<String>,
}

impl Default for SendFile {
    fn default() -> Self {
        SendFile {
            base: "fs".to_owned(),
            version: -1,
            cache_for: 31_536_000,
            download_name: None,
        }
    }
}

impl SendFile {
    /// The GridFS bucket (default `fs`).
    pub fn base(mut self, base: impl Into<String>) -> Self {
        self.base = base.into();
        self
    }

    /// Which upload of the name: -1 the newest (default), 0 the first, -2
    /// the one before the newest, …
    pub fn version(mut self, version: i32) -> Self {
        self.version = version;
        self
    }

    /// The name in `Content-Disposition` and the one the content type is
    /// guessed from, when it is not the stored name (files stored as
    /// `notes/7/report.pdf`, say).
    pub fn download_name(mut self, name: impl Into<String>) -> Self {
        self.download_name = Some(name.into());
        self
    }

    /// `Cache-Control: max-age` in seconds (default one year).
    pub fn cache_for(mut self, seconds: u32) -> Self {
        self.cache_for = seconds;
        self
    }
}

/// The content type from the name, as Python's `mimetypes` guesses it, with
/// `charset=utf-8` for text. An unknown type is `application/octet-stream`
/// (Flask sends `text/html`, which a browser would render).
fn content_type(filename: &str) -> String {
    match mime_guess::from_path(filename).first_raw() {
        Some(mime) if mime.starts_with("text/") => format!("{mime}; charset=utf-8"),
        Some(mime) => mime.to_owned(),
        None => "application/octet-stream".to_owned(),
    }
}

/// Sends the file `filename` from `db` (another database than the URI's:
/// `client.database("other")`, Flask-PyMongo's `db=`).
///
/// - 404 problem when the file or the version does not exist;
/// - `ETag` from the stored `sha1` (or legacy `md5`, or computed),
///   `Last-Modified`, `Cache-Control: max-age=…, public`,
///   `Content-Disposition: attachment` (with RFC 8187 `filename*` for a
///   name that is not plain ASCII), `Accept-Ranges: bytes`,
///   `X-Content-Type-Options: nosniff`;
/// - `If-None-Match` / `If-Modified-Since` → 304, `If-Match` → 412;
/// - `Range` → 206 or 416 (`If-Range` honoured);
/// - HEAD: the same headers, no body;
/// - the body streams chunk by chunk: memory stays flat whatever the size.
pub async fn send_file(
    req: &HttpRequest,
    db: &Database,
    filename: &str,
    options: &SendFile,
) -> Result<HttpResponse, MongoError> {
    let file = StoredFile::find(db, &options.base, filename, options.version).await?;
    let etag = match &file.digest {
        Some(digest) => digest.clone(),
        None => file.compute_sha1().await?,
    };
    let last_modified = u64::try_from(file.upload_date.div_euclid(1000)).unwrap_or(0);
    let shown = options.download_name.as_deref().unwrap_or(filename);
    let disposition = super::name::disposition(shown);
    let cache = format!("max-age={}, public", options.cache_for);
    let common = |status: StatusCode| {
        let mut builder = HttpResponseBuilder::new(status);
        builder
            .insert_header((header::ETAG, format!("\"{etag}\"")))
            .insert_header((header::CACHE_CONTROL, cache.clone()))
            .insert_header((header::CONTENT_DISPOSITION, disposition.clone()))
            .insert_header((header::ACCEPT_RANGES, "bytes"));
        builder
    };
    match conditional::evaluate(req, &etag, last_modified) {
        Outcome::PreconditionFailed => return Err(MongoError::PreconditionFailed),
        Outcome::NotModified => return Ok(common(StatusCode::NOT_MODIFIED).finish()),
        Outcome::Send => {}
    }
    let ranged = req.method() == Method::GET || ext_core::is_head(req);
    let answer = if ranged && conditional::if_range_holds(req, &etag, last_modified) {
        range::evaluate(header_str(req, header::RANGE), file.length)
    } else {
        Answer::Whole
    };
    let (status, start, end) = match answer {
        Answer::Unsatisfiable => return Err(MongoError::RangeNotSatisfiable { length: file.length }),
        Answer::Part(start, end) => (StatusCode::PARTIAL_CONTENT, start, end),
        Answer::Whole => (StatusCode::OK, 0, file.length.saturating_sub(1)),
    };
    let size = if file.length == 0 { 0 } else { end - start + 1 };
    let mut builder = common(status);
    builder
        .insert_header((header::CONTENT_TYPE, content_type(shown)))
        .insert_header((header::LAST_MODIFIED, http_date(last_modified)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if status == StatusCode::PARTIAL_CONTENT {
        builder.insert_header((
            header::CONTENT_RANGE,
            format!("bytes {start}-{end}/{}", file.length),
        ));
    }
    if ext_core::is_head(req) || size == 0 {
        // The body's declared size becomes Content-Length; for HEAD actix
        // sends the headers only, so nothing is read from the database.
        let nothing =
            futures_util::stream::empty::<Result<actix_web::web::Bytes, std::convert::Infallible>>();
        return Ok(builder.body(SizedStream::new(size, nothing)));
    }
    let stream = file.bytes(start, end).await?;
    Ok(builder.body(SizedStream::new(size, stream)))
}
