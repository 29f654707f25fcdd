//! `/health` for each bind: a ping on a connection of its own, and whether
//! the request pool is saturated.
//!
//! Through the request pool, the check would wait behind every request
//! holding a connection (SQLite has one) and report a busy database as
//! down. Its own pool of one connection, opened lazily, answers whether
//! the database is reachable; the request pool's counters then say whether
//! requests are queueing: `busy`, still a 200.

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};

use crate::connect::{connect_options, DriverUrl};
use crate::settings::EngineOptions;
use crate::state::BindHandle;
use ext_core::HealthStatus;

/// The health check's own pool: one connection, opened on first use, never
/// kept open when idle for long. `None` for in-memory SQLite, where a second
/// connection would see another database.
pub(crate) async fn health_pool(
    url: &DriverUrl,
    engine: &EngineOptions,
    read_only: bool,
) -> Option<DatabaseConnection> {
    if url.memory {
        return None;
    }
    let mut options: ConnectOptions = connect_options(url, engine, read_only);
    options
        .max_connections(1)
        .min_connections(0)
        .connect_lazy(true)
        .sqlx_logging(false);
    match Database::connect(options).await {
        Ok(conn) => Some(conn),
        Err(error) => {
            // Lazy: only a bad URL fails here, and the request pool's own
            // connect reports that.
            tracing::warn!(%error, "the health check's connection could not be set up");
            None
        }
    }
}

/// How often, and how long apart, a saturated pool is looked at again
/// before it counts as busy (100 ms in all).
const BUSY_POLLS: u32 = 10;
const BUSY_POLL: std::time::Duration = std::time::Duration::from_millis(10);

/// One bind's check.
#[derive(Clone)]
pub(crate) struct BindHealth {
    ping: DatabaseConnection,
    requests: DatabaseConnection,
}

impl BindHealth {
    pub(crate) fn new(bind: &BindHandle) -> Self {
        BindHealth {
            ping: bind.health_conn().clone(),
            requests: bind.conn().clone(),
        }
    }

    pub(crate) async fn run(&self) -> HealthStatus {
        if let Err(error) = self.ping.ping().await {
            return HealthStatus::Down(error.to_string());
        }
        // Busy only when no connection comes free for a while: one that a
        // request has just finished with is given back by a task of the
        // pool's own, a moment later.
        for _ in 0..BUSY_POLLS {
            match saturation(&self.requests) {
                Some((in_use, max)) if in_use >= max => tokio::time::sleep(BUSY_POLL).await,
                _ => return HealthStatus::Up,
            }
        }
        HealthStatus::Busy("every pooled connection stayed in use".to_owned())
    }
}

/// Connections in use and the pool's maximum.
fn saturation(conn: &DatabaseConnection) -> Option<(u32, u32)> {
    fn in_use<DB: sea_orm::sqlx::Database>(pool: &sea_orm::sqlx::Pool<DB>) -> (u32, u32) {
        let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX);
        (
            pool.size().saturating_sub(idle),
            pool.options().get_max_connections(),
        )
    }
    match conn.get_database_backend() {
        DbBackend::Sqlite => Some(in_use(conn.get_sqlite_connection_pool())),
        DbBackend::Postgres => Some(in_use(conn.get_postgres_connection_pool())),
        DbBackend::MySql => Some(in_use(conn.get_mysql_connection_pool())),
        _ => None,
    }
}
