//! A database of a test's own on the shared PostgreSQL or MariaDB server,
//! so that tests running side by side never see each other's tables.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sea_orm::{ConnectionTrait, Database};

use crate::services::{mysql_url, postgres_url};

/// Which server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Server {
    /// `DATABASE_URL`.
    Postgres,
    /// `MYSQL_URL`.
    MariaDb,
}

/// A freshly created, empty database; [`ScratchDatabase::drop_now`] removes it.
#[derive(Debug)]
pub struct ScratchDatabase {
    /// Where it is (`postgres://…/extorm_…` or `mysql://…/extorm_…`).
    pub url: String,
    /// Its name.
    pub name: String,
    server: Server,
    admin: String,
}

/// `url` with its database (the path) replaced by `name`.
///
/// ```
/// assert_eq!(
///     tests::scratch::with_database("postgres://u@h:5432/test?x=1", "other"),
///     "postgres://u@h:5432/other?x=1"
/// );
/// ```
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let slash = base.rfind('/').expect("a database URL has a path");
    let mut out = format!("{}/{name}", &base[..slash]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

fn unique_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.subsec_nanos())
        .unwrap_or(0);
    format!(
        "extorm_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        nanos % 100_000
    )
}

impl ScratchDatabase {
    /// Creates one.
    ///
    /// # Panics
    ///
    /// When the server's variable is missing or the server does not answer.
    pub async fn create(server: Server) -> ScratchDatabase {
        let admin = match server {
            Server::Postgres => postgres_url(),
            Server::MariaDb => mysql_url(),
        };
        let name = unique_name();
        let conn = Database::connect(&admin).await.unwrap_or_else(|error| {
            panic!("{server:?} at {admin} does not answer ({error}): run scripts/services.sh")
        });
        conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("CREATE DATABASE");
        let _ = conn.close().await;
        ScratchDatabase {
            url: with_database(&admin, &name),
            name,
            server,
            admin,
        }
    }

    /// Drops it (call at the end of the test; `scripts/services.sh` removes
    /// what failed tests leave).
    pub async fn drop_now(self) {
        let conn = Database::connect(&self.admin).await.expect("the server answers");
        let sql = match self.server {
            Server::Postgres => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            Server::MariaDb => format!("DROP DATABASE IF EXISTS {}", self.name),
        };
        conn.execute_unprepared(&sql).await.expect("DROP DATABASE");
        let _ = conn.close().await;
    }
}
