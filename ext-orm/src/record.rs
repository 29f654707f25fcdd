//! Recorded queries: Flask-SQLAlchemy's `SQLALCHEMY_RECORD_QUERIES`.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_web::{HttpMessage, HttpRequest};
use sea_orm::Statement;
use serde::Serialize;

/// One statement a session ran.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueryRecord {
    /// The SQL, with placeholders.
    pub statement: String,
    /// The bound values, as sea-query shows them.
    pub parameters: String,
    /// How long it took.
    pub duration: Duration,
    /// Whether it failed.
    pub failed: bool,
}

impl QueryRecord {
    pub(crate) fn new(statement: &Statement, duration: Duration, failed: bool) -> Self {
        QueryRecord {
            statement: statement.sql.clone(),
            parameters: statement
                .values
                .as_ref()
                .map(|values| format!("{:?}", values.0))
                .unwrap_or_default(),
            duration,
            failed,
        }
    }
}

/// The statements of one request.
#[derive(Debug, Default)]
pub struct QueryLog(Mutex<Vec<QueryRecord>>);

impl QueryLog {
    /// The log of `req`, created on first use.
    pub(crate) fn of(req: &HttpRequest) -> Arc<QueryLog> {
        if let Some(log) = req.extensions().get::<Arc<QueryLog>>() {
            return Arc::clone(log);
        }
        let log = Arc::new(QueryLog::default());
        req.extensions_mut().insert(Arc::clone(&log));
        log
    }

    pub(crate) fn push(&self, record: QueryRecord) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push(record);
    }

    pub(crate) fn snapshot(&self) -> Vec<QueryRecord> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}
