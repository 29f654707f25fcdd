//! Errors that reach a client, as problem documents.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use ext_core::Problem;
use sea_orm::{sqlx, DbErr, RuntimeErr, SqlErr};

/// The `Retry-After` of both 503s, in seconds.
const RETRY_AFTER_SECS: &str = "1";

/// What can go wrong in a handler that uses the database.
///
/// Every variant answers an RFC 9457 problem document. Database causes are
/// logged with `tracing` and never sent to the client. Both 503s carry
/// `Retry-After`: the same request can succeed shortly.
///
/// A conflict that retrying cannot mend (a unique key taken) is the 409;
/// a lock, a deadlock, a serialization failure or a statement timeout is
/// [`OrmError::Busy`], since the same request can succeed once the other
/// transaction is done.
///
/// | variant | status | `type` slug |
/// |---|---|---|
/// | `NotFound` | 404 | `not-found` |
/// | `Unavailable` | 503 | `database-unavailable` |
/// | `Busy` | 503 | `database-busy` |
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
    /// No connection within the pool timeout (every one stayed in use, or
    /// none could be opened), or the connection died: the database is down
    /// or overloaded.
    #[error("the database is unavailable")]
    Unavailable(#[source] DbErr),
    /// The database answered that it is busy: SQLite's `database is locked`
    /// past `busy_timeout`, a lock wait timeout, a deadlock, a
    /// serialization failure, a statement timeout, or too many connections.
    #[error("the database is busy")]
    Busy(#[source] DbErr),
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
            OrmError::Unavailable(DbErr::ConnectionAcquire(_)) => Problem::typed(
                "database-unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
                "Database unavailable",
            )
            .with_detail(
                "no database connection came free within the pool timeout (the database is busy or \
                 unreachable); try again shortly",
            ),
            OrmError::Unavailable(_) => Problem::typed(
                "database-unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
                "Database unavailable",
            )
            .with_detail("the database did not answer; try again shortly"),
            OrmError::Busy(_) => {
                Problem::typed("database-busy", StatusCode::SERVICE_UNAVAILABLE, "Database busy").with_detail(
                    "the database is busy (a lock held by another change, or a statement that ran too \
                     long); try again shortly",
                )
            }
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
        if is_busy(&error) {
            return OrmError::Busy(error);
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

/// SQLite's primary result codes `SQLITE_BUSY` and `SQLITE_LOCKED`.
const SQLITE_BUSY_CODES: [i64; 2] = [5, 6];

/// PostgreSQL's SQLSTATEs for "busy": serialization failure, deadlock,
/// lock not available (`lock_timeout`, `NOWAIT`), query cancelled
/// (`statement_timeout`), too many connections.
const POSTGRES_BUSY_STATES: [&str; 5] = ["40001", "40P01", "55P03", "57014", "53300"];

/// MySQL and MariaDB error numbers for "busy": too many connections (1040),
/// lock wait timeout (1205), deadlock (1213), MariaDB's
/// `max_statement_time` (1969), MySQL's `max_execution_time` (3024),
/// `NOWAIT` (3572).
const MYSQL_BUSY_NUMBERS: [u16; 6] = [1040, 1205, 1213, 1969, 3024, 3572];

/// Whether the database refused a statement because it is busy: the same
/// request can succeed shortly (see [`OrmError::Busy`]).
pub fn is_busy(error: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(cause)) | DbErr::Query(RuntimeErr::SqlxError(cause))) = error
    else {
        return false;
    };
    let sqlx::Error::Database(database) = &**cause else {
        return false;
    };
    if let Some(mysql) = database.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return MYSQL_BUSY_NUMBERS.contains(&mysql.number());
    }
    if let Some(postgres) = database.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        return POSTGRES_BUSY_STATES.contains(&postgres.code());
    }
    if database.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // The extended code: its low byte is the primary one.
        let code = database.code().and_then(|code| code.parse::<i64>().ok());
        return code.is_some_and(|code| SQLITE_BUSY_CODES.contains(&(code & 0xff)));
    }
    false
}

impl ResponseError for OrmError {
    fn status_code(&self) -> StatusCode {
        self.problem().status()
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            OrmError::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
            OrmError::Busy(cause) => tracing::warn!(error = %cause, "database busy"),
            OrmError::Conflict(cause) => tracing::info!(error = %cause, "write refused by a constraint"),
            OrmError::Database(cause) => tracing::error!(error = %cause, "database error"),
            OrmError::NotFound { .. } | OrmError::NotConfigured(_) => {}
        }
        let mut response = self.problem().to_response();
        if matches!(self, OrmError::Unavailable(_) | OrmError::Busy(_)) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECS));
        }
        response
    }
}
