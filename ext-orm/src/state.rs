//! What `init_app` leaves for handlers: one pool per bind, and the entities
//! registered on each.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::{DatabaseConnection, DbBackend, DbErr};

use crate::error::OrmError;
use crate::schema::{self, EntityDef};

/// The registered migrator's `up`, type-erased.
pub(crate) type MigrateFn =
    Arc<dyn Fn(DatabaseConnection) -> Pin<Box<dyn Future<Output = Result<(), DbErr>> + Send>> + Send + Sync>;

/// One configured database.
#[derive(Clone)]
pub struct BindHandle {
    name: Option<String>,
    conn: DatabaseConnection,
    /// `/health`'s own connection, so that the check never queues behind
    /// requests (none for in-memory SQLite, which one connection holds).
    health: Option<DatabaseConnection>,
    read_only: bool,
    entities: Vec<EntityDef>,
}

impl fmt::Debug for BindHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BindHandle")
            .field("name", &self.name)
            .field("backend", &self.conn.get_database_backend())
            .field("read_only", &self.read_only)
            .field("entities", &self.entities)
            .finish()
    }
}

impl BindHandle {
    pub(crate) fn new(
        name: Option<String>,
        conn: DatabaseConnection,
        health: Option<DatabaseConnection>,
        read_only: bool,
        entities: Vec<EntityDef>,
    ) -> Self {
        BindHandle {
            name,
            conn,
            health,
            read_only,
            entities,
        }
    }

    /// The bind's key, `None` for the default.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The pool.
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// The connection `/health` pings: its own, or the pool's for an
    /// in-memory database.
    pub(crate) fn health_conn(&self) -> &DatabaseConnection {
        self.health.as_ref().unwrap_or(&self.conn)
    }

    /// The health check's own connection, if it has one.
    pub(crate) fn own_health_conn(&self) -> Option<&DatabaseConnection> {
        self.health.as_ref()
    }

    /// Whether its transactions are read-only.
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// The entities registered on this bind.
    pub fn entities(&self) -> &[EntityDef] {
        &self.entities
    }

    /// The database kind.
    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }
}

/// The ORM of an app (Flask-SQLAlchemy's `db`), in the registry and as
/// `web::Data<OrmState>`.
///
/// Its `Debug` output follows Flask-SQLAlchemy's `repr`:
/// `<SQLAlchemy sqlite://>`, `<SQLAlchemy postgres://… +2 engines>`,
/// `<SQLAlchemy (No default engine) +1 engines>`; passwords never appear.
pub struct OrmState {
    binds: Vec<BindHandle>,
    default_url: Option<String>,
    record_queries: bool,
    slow_query: Option<Duration>,
    migrate: Option<MigrateFn>,
}

impl fmt::Debug for OrmState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let default = self.default_url.as_deref().unwrap_or("(No default engine)");
        let others = self.binds.iter().filter(|bind| bind.name.is_some()).count();
        if others == 0 {
            write!(f, "<SQLAlchemy {default}>")
        } else {
            write!(f, "<SQLAlchemy {default} +{others} engines>")
        }
    }
}

impl OrmState {
    pub(crate) fn new(
        binds: Vec<BindHandle>,
        default_url: Option<String>,
        record_queries: bool,
        slow_query: Option<Duration>,
        migrate: Option<MigrateFn>,
    ) -> Self {
        OrmState {
            binds,
            default_url,
            record_queries,
            slow_query,
            migrate,
        }
    }

    /// Applies the pending migrations of the registered migrator
    /// (`Orm::migrator`) to the default database: what `migrate_on_start`
    /// does, for a command such as `example-app migrate`.
    pub async fn migrate(&self) -> Result<(), OrmError> {
        let migrate = self.migrate.as_ref().ok_or_else(|| {
            OrmError::Database(DbErr::Migration(
                "no migrator was registered (Orm::migrator)".to_owned(),
            ))
        })?;
        Ok(migrate(self.conn()?.clone()).await?)
    }

    /// The bind named `name` (`None`: the default database).
    pub fn bind(&self, name: Option<&str>) -> Result<&BindHandle, OrmError> {
        self.binds
            .iter()
            .find(|bind| bind.name.as_deref() == name)
            .ok_or_else(|| OrmError::NotConfigured(name.map(str::to_owned)))
    }

    /// Every bind, the default first.
    pub fn binds(&self) -> &[BindHandle] {
        &self.binds
    }

    /// The default database's pool (Flask-SQLAlchemy's `db.engine`).
    pub fn conn(&self) -> Result<&DatabaseConnection, OrmError> {
        Ok(self.bind(None)?.conn())
    }

    /// Whether sessions record their statements.
    pub fn record_queries(&self) -> bool {
        self.record_queries
    }

    /// The slow-query threshold.
    pub fn slow_query(&self) -> Option<Duration> {
        self.slow_query
    }

    /// Creates the missing tables of every bind, parents first (Flask's
    /// `db.create_all()`).
    pub async fn create_all(&self) -> Result<(), OrmError> {
        for bind in &self.binds {
            schema::create_all(bind.conn(), bind.entities()).await?;
        }
        Ok(())
    }

    /// Creates the missing tables of one bind (`create_all(bind_key=...)`).
    pub async fn create_all_in(&self, bind: Option<&str>) -> Result<(), OrmError> {
        let bind = self.bind(bind)?;
        Ok(schema::create_all(bind.conn(), bind.entities()).await?)
    }

    /// Drops the registered tables of every bind, children first.
    pub async fn drop_all(&self) -> Result<(), OrmError> {
        for bind in &self.binds {
            schema::drop_all(bind.conn(), bind.entities()).await?;
        }
        Ok(())
    }

    /// Drops the registered tables of one bind.
    pub async fn drop_all_in(&self, bind: Option<&str>) -> Result<(), OrmError> {
        let bind = self.bind(bind)?;
        Ok(schema::drop_all(bind.conn(), bind.entities()).await?)
    }
}
