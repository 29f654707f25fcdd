//! Errors that reach a client, as problem documents.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use ext_core::Problem;
use sea_orm::{sqlx, DbErr, RuntimeErr, SqlErr};

/// What can go wrong in a handler that uses the database.
///
/// Every variant answers an RFC 9457 problem document. Database causes are
/// logged with `tracing` and never sent to the client.
///
/// | variant | status | `type` slug |
/// |---|---|---|
/// | `NotFound` | 404 | `not-found` |
/// | `Unavailable` | 503 | `database-unavailable` |
/// | `Conflict` | 409 | `conflict` |
/// | `NotConfigured` | 503 | `database-not-configured` |
/// | `Database` | 500 | `internal-error` |
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OrmError {
    /// `get_or_404` and friends found nothing (or, for `one_or_404`, more
    /// than one row); a page beyond the last; a bad `page` or `per_page`.
    #[error("not found")]
    NotFound {
        /// The problem's `detail`, like `abort(404, description)`.
        description: Option<String>,
    },
    /// No connection within the pool timeout: the database is down or
    /// overloaded.
    #[error("the database is unavailable")]
    Unavailable(#[source] DbErr),
    /// A unique or foreign-key constraint refused the write.
    #[error("the write conflicts with existing data")]
    Conflict(#[source] DbErr),
    /// The handler asked for a bind that is not configured.
    #[error("bind {0:?} is not in 'SQLALCHEMY_BINDS' config")]
    NotConfigured(Option<String>),
    /// Any other database error.
    #[error("database error")]
    Database(#[source] DbErr),
}

impl OrmError {
    /// A 404 with an optional description.
    pub fn not_found(description: Option<&str>) -> Self {
        OrmError::NotFound {
            description: description.map(str::to_owned),
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        match self {
            OrmError::NotFound { description } => {
                let problem = Problem::typed("not-found", StatusCode::NOT_FOUND, "Not Found");
                match description {
                    Some(description) => problem.with_detail(description.clone()),
                    None => problem,
                }
            }
            OrmError::Unavailable(_) => Problem::typed(
                "database-unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
                "Database unavailable",
            )
            .with_detail("the database did not answer in time; try again shortly"),
            OrmError::Conflict(_) => Problem::typed("conflict", StatusCode::CONFLICT, "Conflict")
                .with_detail("the change conflicts with existing data"),
            OrmError::NotConfigured(bind) => Problem::typed(
                "database-not-configured",
                StatusCode::SERVICE_UNAVAILABLE,
                "Database not configured",
            )
            .with_detail(match bind {
                Some(name) => format!("the bind {name:?} is not configured"),
                None => "no default database is configured".to_owned(),
            }),
            OrmError::Database(_) => Problem::typed(
                "internal-error",
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
            ),
        }
    }
}

impl From<DbErr> for OrmError {
    fn from(error: DbErr) -> Self {
        if is_unavailable(&error) {
            return OrmError::Unavailable(error);
        }
        match error.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_) | SqlErr::ForeignKeyConstraintViolation(_)) => {
                OrmError::Conflict(error)
            }
            _ => OrmError::Database(error),
        }
    }
}

/// Whether an error means "no connection": the pool timed out, or opening a
/// connection failed.
pub fn is_unavailable(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        // A connection that dies mid-statement (the server stopped), or a
        // pool that gave up waiting.
        DbErr::Exec(RuntimeErr::SqlxError(cause)) | DbErr::Query(RuntimeErr::SqlxError(cause)) => matches!(
            **cause,
            sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed
        ),
        _ => false,
    }
}

impl ResponseError for OrmError {
    fn status_code(&self) -> StatusCode {
        self.problem().status()
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            OrmError::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
            OrmError::Conflict(cause) => tracing::info!(error = %cause, "write refused by a constraint"),
            OrmError::Database(cause) => tracing::error!(error = %cause, "database error"),
            OrmError::NotFound { .. } | OrmError::NotConfigured(_) => {}
        }
        self.problem().to_response()
    }
}
