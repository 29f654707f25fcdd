//! Server-side web sessions in the app's SQL database (feature `sessions`):
//! the store behind `[session] type = "sqlalchemy"`, as Flask-Session's
//! SQLAlchemy backend.
//!
//! One table (`sessions` by default): `id` (a hash of the session id, never
//! the id), `data` (JSON text) and `expires_at` (seconds since the epoch,
//! indexed). Created if missing when sessions start; expired rows are never
//! returned and are deleted every thousandth save.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ext_core::session::{SessionData, SessionStore};
use ext_core::BoxError;
use sea_orm::sea_query::{Alias, ColumnDef, Expr, ExprTrait, Index, OnConflict, Query, Table};
use sea_orm::{ConnectionTrait, DatabaseConnection};

/// Sessions in a table of the app's database.
#[derive(Debug)]
pub struct SqlSessionStore {
    conn: DatabaseConnection,
    table: String,
    saves: AtomicU64,
}

/// Saves between two deletions of expired rows.
const PURGE_EVERY: u64 = 1000;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
}

impl SqlSessionStore {
    /// A store in `table` of the database behind `conn`.
    pub fn new(conn: DatabaseConnection, table: impl Into<String>) -> Self {
        Self {
            conn,
            table: table.into(),
            saves: AtomicU64::new(0),
        }
    }

    /// Deletes every expired session.
    pub async fn purge_expired(&self) -> Result<u64, BoxError> {
        let statement = Query::delete()
            .from_table(Alias::new(&self.table))
            .and_where(Expr::col(Alias::new("expires_at")).lte(now()))
            .to_owned();
        let result = self.conn.execute(&statement).await?;
        Ok(result.rows_affected())
    }
}

impl SessionStore for SqlSessionStore {
    async fn load(&self, key: &str) -> Result<Option<SessionData>, BoxError> {
        let statement = Query::select()
            .column(Alias::new("data"))
            .from(Alias::new(&self.table))
            .and_where(Expr::col(Alias::new("id")).eq(key))
            .and_where(Expr::col(Alias::new("expires_at")).gt(now()))
            .to_owned();
        let Some(row) = self.conn.query_one(&statement).await? else {
            return Ok(None);
        };
        let data: String = row.try_get("", "data")?;
        Ok(Some(serde_json::from_str(&data)?))
    }

    async fn save(&self, key: &str, data: &SessionData, ttl: Duration) -> Result<(), BoxError> {
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        let expires = now().saturating_add(Ord::max(ttl, 1));
        let statement = Query::insert()
            .into_table(Alias::new(&self.table))
            .columns([Alias::new("id"), Alias::new("data"), Alias::new("expires_at")])
            .values([key.into(), serde_json::to_string(data)?.into(), expires.into()])?
            .on_conflict(
                OnConflict::column(Alias::new("id"))
                    .update_columns([Alias::new("data"), Alias::new("expires_at")])
                    .to_owned(),
            )
            .to_owned();
        self.conn.execute(&statement).await?;
        if self.saves.fetch_add(1, Ordering::Relaxed) % PURGE_EVERY == PURGE_EVERY - 1 {
            self.purge_expired().await?;
        }
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), BoxError> {
        let statement = Query::delete()
            .from_table(Alias::new(&self.table))
            .and_where(Expr::col(Alias::new("id")).eq(key))
            .to_owned();
        self.conn.execute(&statement).await?;
        Ok(())
    }

    async fn prepare(&self) -> Result<(), BoxError> {
        let table = Table::create()
            .table(Alias::new(&self.table))
            .if_not_exists()
            .col(
                ColumnDef::new(Alias::new("id"))
                    .string_len(64)
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(Alias::new("data")).text().not_null())
            .col(ColumnDef::new(Alias::new("expires_at")).big_integer().not_null())
            .to_owned();
        self.conn.execute(&table).await?;
        let index = Index::create()
            .if_not_exists()
            .name(format!("ix_{}_expires_at", self.table))
            .table(Alias::new(&self.table))
            .col(Alias::new("expires_at"))
            .to_owned();
        // MySQL has no CREATE INDEX IF NOT EXISTS: a second start finds it there.
        if let Err(error) = self.conn.execute(&index).await {
            let text = error.to_string();
            if !(text.contains("Duplicate key name") || text.contains("already exists")) {
                return Err(error.into());
            }
        }
        Ok(())
    }
}
