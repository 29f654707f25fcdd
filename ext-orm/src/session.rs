//! The request-scoped session: Flask-SQLAlchemy's `db.session`.
//!
//! A [`Session`] is a transaction that begins on the first statement,
//! commits only when the handler calls [`Session::commit`], and rolls back
//! otherwise: an error, a panic or an early return drops it, and sea-orm
//! rolls back a dropped transaction. There is never an auto-commit.
//!
//! Every extractor of one request gets the same session (the request keeps
//! a weak handle); no two requests ever share one. Once the handler and its
//! extractors have dropped their handles, the connection goes back to the
//! pool, before the response body is written.
//!
//! SQLite has one pooled connection (sea-orm's default, and the only way an
//! in-memory database is shared). A session holds it from its first
//! statement to its end, so concurrent requests take turns; a request must
//! not also query the pool directly while its session holds the connection,
//! or it waits for itself until the pool timeout answers 503.

use std::cell::RefCell;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::{ready, Ready};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement, TransactionTrait,
};
use tokio::sync::Mutex as AsyncMutex;

use crate::error::OrmError;
use crate::record::{QueryLog, QueryRecord};
use crate::state::OrmState;

/// Names a bind for [`Session`]; [`DefaultBind`] is the default database.
///
/// ```
/// struct Replica;
/// impl ext_orm::BindName for Replica {
///     const NAME: Option<&'static str> = Some("replica");
/// }
/// // async fn report(db: ext_orm::Session<Replica>) -> ... { ... }
/// ```
pub trait BindName: 'static {
    /// The key in `SQLALCHEMY_BINDS`, or `None` for the default database.
    const NAME: Option<&'static str>;
}

/// The default database (`SQLALCHEMY_DATABASE_URI`).
#[derive(Debug)]
pub struct DefaultBind;

impl BindName for DefaultBind {
    const NAME: Option<&'static str> = None;
}

/// The session of the default database.
pub type DbSession = Session<DefaultBind>;

/// A request-scoped transaction on one bind; pass `&session` wherever
/// sea-orm wants a connection.
///
/// ```no_run
/// use actix_web::{web, HttpResponse};
/// use ext_orm::{DbSession, OrmError};
/// use sea_orm::{ActiveModelTrait, ConnectionTrait, Statement};
///
/// async fn rename(session: DbSession, id: web::Path<i64>) -> Result<HttpResponse, OrmError> {
///     let backend = session.get_database_backend();
///     session
///         .execute_raw(Statement::from_sql_and_values(
///             backend,
///             "UPDATE todo SET title = 'renamed' WHERE id = $1",
///             [id.into_inner().into()],
///         ))
///         .await?;
///     session.commit().await?; // without this, the update is rolled back
///     Ok(HttpResponse::NoContent().finish())
/// }
/// ```
pub struct Session<B: BindName = DefaultBind> {
    inner: Arc<SessionInner>,
    bind: PhantomData<fn() -> B>,
}

impl<B: BindName> Clone for Session<B> {
    fn clone(&self) -> Self {
        Session {
            inner: Arc::clone(&self.inner),
            bind: PhantomData,
        }
    }
}

impl<B: BindName> std::fmt::Debug for Session<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("bind", &B::NAME)
            .finish_non_exhaustive()
    }
}

pub(crate) struct SessionInner {
    conn: DatabaseConnection,
    backend: DbBackend,
    read_only: bool,
    txn: AsyncMutex<Option<DatabaseTransaction>>,
    log: Option<Arc<QueryLog>>,
    slow: Option<Duration>,
}

/// The sessions of one request, by bind; weak, so that they end with the
/// handler.
#[derive(Default)]
struct SessionSlots(RefCell<HashMap<Option<&'static str>, Weak<SessionInner>>>);

impl<B: BindName> Session<B> {
    /// The session of `req` on bind `B`, begun on first use.
    pub fn of(req: &HttpRequest) -> Result<Self, OrmError> {
        let state = req
            .app_data::<web::Data<OrmState>>()
            .ok_or(OrmError::NotConfigured(B::NAME.map(str::to_owned)))?;
        if let Some(slots) = req.extensions().get::<SessionSlots>() {
            if let Some(inner) = slots.0.borrow().get(&B::NAME).and_then(Weak::upgrade) {
                return Ok(Session {
                    inner,
                    bind: PhantomData,
                });
            }
        }
        let bind = state.bind(B::NAME)?;
        let log = state.record_queries().then(|| QueryLog::of(req));
        let inner = Arc::new(SessionInner {
            conn: bind.conn().clone(),
            backend: bind.conn().get_database_backend(),
            read_only: bind.read_only(),
            txn: AsyncMutex::new(None),
            log,
            slow: state.slow_query(),
        });
        let mut extensions = req.extensions_mut();
        if extensions.get::<SessionSlots>().is_none() {
            extensions.insert(SessionSlots::default());
        }
        if let Some(slots) = extensions.get::<SessionSlots>() {
            slots.0.borrow_mut().insert(B::NAME, Arc::downgrade(&inner));
        }
        Ok(Session {
            inner,
            bind: PhantomData,
        })
    }

    /// Commits what the session did so far; the next statement begins a new
    /// transaction. Nothing to commit is not an error.
    pub async fn commit(&self) -> Result<(), OrmError> {
        let txn = self.inner.txn.lock().await.take();
        match txn {
            Some(txn) => Ok(txn.commit().await?),
            None => Ok(()),
        }
    }

    /// Rolls back what the session did so far (dropping the session does
    /// the same), releasing the connection: end a read-only session this
    /// way before serialising a large response, with
    /// [`Pagination::respond`](crate::Pagination::respond), so that other
    /// requests can use the connection meanwhile (SQLite has one).
    ///
    /// ```no_run
    /// use actix_web::{HttpRequest, HttpResponse};
    /// use ext_orm::{DbSession, OrmError, PageArgs, SelectPaginate};
    /// # use sea_orm::EntityTrait;
    /// # async fn list<E: EntityTrait>(req: HttpRequest, session: DbSession) -> Result<HttpResponse, OrmError>
    /// # where E::Model: serde::Serialize + Send + Sync + 'static {
    /// let page = E::find().paginate_request(&session, &req, PageArgs::new()).await?;
    /// session.rollback().await?; // only reads: nothing to keep
    /// page.respond(&req).await
    /// # }
    /// ```
    pub async fn rollback(&self) -> Result<(), OrmError> {
        let txn = self.inner.txn.lock().await.take();
        match txn {
            Some(txn) => Ok(txn.rollback().await?),
            None => Ok(()),
        }
    }

    /// Whether a transaction is open (a statement ran since the last commit
    /// or rollback).
    pub async fn in_transaction(&self) -> bool {
        self.inner.txn.lock().await.is_some()
    }

    /// The pool behind this session, for work that must not be part of the
    /// request's transaction. With SQLite, do not use it while the session
    /// holds the one connection.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.inner.conn
    }
}

impl SessionInner {
    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        if self.read_only && self.backend != DbBackend::Sqlite {
            self.conn
                .begin_with_config(None, Some(AccessMode::ReadOnly))
                .await
        } else {
            self.conn.begin().await
        }
    }

    fn record(&self, statement: Option<Statement>, started: Instant, failed: bool) {
        let Some(statement) = statement else {
            return;
        };
        let duration = started.elapsed();
        if self.slow.is_some_and(|slow| duration >= slow) {
            tracing::warn!(
                target: "ext_orm::slow_query",
                duration_ms = duration.as_secs_f64() * 1e3,
                statement = %statement.sql,
                "slow query"
            );
        }
        if let Some(log) = &self.log {
            log.push(QueryRecord::new(&statement, duration, failed));
        }
    }
}

/// Runs one statement in the session's transaction, beginning it first if
/// needed, and records it.
macro_rules! in_transaction {
    ($session:expr, $stmt:expr, |$txn:ident, $arg:ident| $call:expr) => {{
        let inner = &$session.inner;
        let mut guard = inner.txn.lock().await;
        if guard.is_none() {
            *guard = Some(inner.begin().await?);
        }
        let $txn = guard
            .as_ref()
            .ok_or_else(|| DbErr::Custom("the session's transaction is missing".to_owned()))?;
        let copy = (inner.log.is_some() || inner.slow.is_some()).then(|| $stmt.clone());
        let started = Instant::now();
        let $arg = $stmt;
        let result = $call.await;
        inner.record(copy, started, result.is_err());
        result
    }};
}

#[async_trait::async_trait]
impl<B: BindName> ConnectionTrait for Session<B> {
    fn get_database_backend(&self) -> DbBackend {
        self.inner.backend
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        in_transaction!(self, stmt, |txn, stmt| txn.execute_raw(stmt))
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let stmt = Statement::from_string(self.inner.backend, sql);
        in_transaction!(self, stmt, |txn, stmt| txn.execute_unprepared(&stmt.sql))
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        in_transaction!(self, stmt, |txn, stmt| txn.query_one_raw(stmt))
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        in_transaction!(self, stmt, |txn, stmt| txn.query_all_raw(stmt))
    }
}

impl<B: BindName> FromRequest for Session<B> {
    type Error = OrmError;
    type Future = Ready<Result<Self, OrmError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Session::of(req))
    }
}

/// The statements recorded in this request so far, when
/// `SQLALCHEMY_RECORD_QUERIES` is on (Flask-SQLAlchemy's
/// `get_recorded_queries`); empty otherwise.
pub fn recorded_queries(req: &HttpRequest) -> Vec<QueryRecord> {
    req.extensions()
        .get::<Arc<QueryLog>>()
        .map(|log| log.snapshot())
        .unwrap_or_default()
}
