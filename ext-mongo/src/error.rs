//! Errors that reach a client, as problem documents.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use ext_core::Problem;

/// What can go wrong in a handler that uses MongoDB.
///
/// | variant | status | `type` slug |
/// |---|---|---|
/// | `NotFound` | 404 | `not-found` |
/// | `InvalidDocument` | 400 | `invalid-document` |
/// | `UploadInterrupted` | 400 | `upload-interrupted` |
/// | `InvalidFileName` | 422 | `invalid-file-name` |
/// | `BodyTimeout` | 408 | `body-timeout` |
/// | `TooLarge` | 413 | `payload-too-large` |
/// | `PreconditionFailed` | 412 | `precondition-failed` |
/// | `RangeNotSatisfiable` | 416 | `range-not-satisfiable` |
/// | `NotConfigured` | 503 | `mongodb-not-configured` |
/// | `Unavailable` | 503 | `mongodb-unavailable` |
/// | `Database` | 500 | `internal-error` |
///
/// Driver causes are logged with `tracing`, never sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MongoError {
    /// Nothing matched (`find_one_or_404`, a missing file, a bad ObjectId).
    #[error("not found")]
    NotFound,
    /// A request body that is not a safe document.
    #[error("invalid document: {0}")]
    InvalidDocument(String),
    /// The upload stopped before its end (the client went away, say);
    /// nothing of it was kept.
    #[error("the upload was interrupted: {0}")]
    UploadInterrupted(String),
    /// A file name that cannot be stored ([`check_file_name`](crate::check_file_name)).
    #[error("{0}")]
    InvalidFileName(String),
    /// The upload's body did not arrive within `[app] body_timeout_ms`;
    /// nothing of it was kept.
    #[error("the upload did not arrive in time")]
    BodyTimeout,
    /// An upload over the limit; nothing of it was kept.
    #[error("the upload is larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// `If-Match` did not match.
    #[error("precondition failed")]
    PreconditionFailed,
    /// A `Range` outside the file.
    #[error("range not satisfiable")]
    RangeNotSatisfiable {
        /// The file's length, for `Content-Range: bytes */length`.
        length: u64,
    },
    /// No `MONGO_URI` (or no database in it) for this instance.
    #[error("{0}")]
    NotConfigured(String),
    /// No server answered within the server-selection timeout.
    #[error("mongodb is unavailable")]
    Unavailable(#[source] mongodb::error::Error),
    /// Any other driver error.
    #[error("mongodb error")]
    Database(#[source] mongodb::error::Error),
}

impl MongoError {
    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        match self {
            MongoError::NotFound => Problem::typed("not-found", StatusCode::NOT_FOUND, "Not Found"),
            MongoError::InvalidDocument(detail) => {
                Problem::typed("invalid-document", StatusCode::BAD_REQUEST, "Invalid document")
                    .with_detail(detail.clone())
            }
            MongoError::UploadInterrupted(detail) => Problem::typed(
                "upload-interrupted",
                StatusCode::BAD_REQUEST,
                "Upload interrupted",
            )
            .with_detail(detail.clone()),
            MongoError::InvalidFileName(detail) => Problem::typed(
                "invalid-file-name",
                StatusCode::UNPROCESSABLE_ENTITY,
                "Invalid file name",
            )
            .with_detail(detail.clone()),
            MongoError::BodyTimeout => Problem::typed(
                "body-timeout",
                StatusCode::REQUEST_TIMEOUT,
                "Request body timeout",
            )
            .with_detail("the upload did not arrive in time; nothing of it was kept"),
            MongoError::TooLarge { limit } => Problem::typed(
                "payload-too-large",
                StatusCode::PAYLOAD_TOO_LARGE,
                "Payload Too Large",
            )
            .with_detail(format!("the upload is larger than {limit} bytes")),
            MongoError::PreconditionFailed => Problem::typed(
                "precondition-failed",
                StatusCode::PRECONDITION_FAILED,
                "Precondition Failed",
            ),
            MongoError::RangeNotSatisfiable { length } => Problem::typed(
                "range-not-satisfiable",
                StatusCode::RANGE_NOT_SATISFIABLE,
                "Range Not Satisfiable",
            )
            .with_detail(format!("the file has {length} bytes")),
            MongoError::NotConfigured(detail) => Problem::typed(
                "mongodb-not-configured",
                StatusCode::SERVICE_UNAVAILABLE,
                "MongoDB not configured",
            )
            .with_detail(detail.clone()),
            MongoError::Unavailable(_) => Problem::typed(
                "mongodb-unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
                "MongoDB unavailable",
            )
            .with_detail("the database did not answer in time; try again shortly"),
            MongoError::Database(_) => Problem::typed(
                "internal-error",
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
            ),
        }
    }
}

impl From<mongodb::error::Error> for MongoError {
    fn from(error: mongodb::error::Error) -> Self {
        use mongodb::error::{ErrorKind, GridFsErrorKind};
        match *error.kind {
            ErrorKind::ServerSelection { .. }
            | ErrorKind::Io(_)
            | ErrorKind::ConnectionPoolCleared { .. }
            | ErrorKind::Shutdown => MongoError::Unavailable(error),
            // A GridFS write that failed and could not clean up after
            // itself: what failed first decides.
            ErrorKind::GridFs(GridFsErrorKind::AbortError {
                original_error: Some(ref original),
                ..
            }) => match MongoError::from(original.clone()) {
                MongoError::Unavailable(_) => MongoError::Unavailable(error),
                _ => MongoError::Database(error),
            },
            _ => MongoError::Database(error),
        }
    }
}

impl ResponseError for MongoError {
    fn status_code(&self) -> StatusCode {
        self.problem().status()
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            MongoError::Unavailable(cause) => tracing::warn!(error = %cause, "mongodb unavailable"),
            MongoError::Database(cause) => tracing::error!(error = %cause, "mongodb error"),
            _ => {}
        }
        let mut response = self.problem().to_response();
        if let MongoError::RangeNotSatisfiable { length } = self {
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{length}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
        }
        response
    }
}
