//! From a Flask-SQLAlchemy URI and engine options to a sea-orm connection.
//!
//! SQLAlchemy URIs name a driver (`postgresql+psycopg2://`) and write SQLite
//! paths with three or four slashes; sqlx wants `postgres://` and
//! `sqlite:path?mode=rwc`. The translation is small and specific to these
//! two dialects, so it is written here rather than pulled from a crate.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, DbBackend};

use crate::settings::EngineOptions;

/// How long a request waits for a pooled connection by default, in seconds.
pub const DEFAULT_POOL_TIMEOUT: f64 = 5.0;

/// PostgreSQL's `statement_timeout` when `engine_options` sets none, in
/// seconds: a statement running longer is cancelled and the request gets
/// a 503 `database-busy`.
pub const DEFAULT_STATEMENT_TIMEOUT: f64 = 30.0;

/// Flask-SQLAlchemy's MySQL `pool_recycle`, in seconds.
const MYSQL_POOL_RECYCLE: f64 = 7200.0;

/// A URI that sqlx understands, and its backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DriverUrl {
    /// The URL handed to sea-orm.
    pub url: String,
    /// Which database it is.
    pub backend: DbBackend,
    /// An in-memory SQLite database.
    pub memory: bool,
}

/// Translates a SQLAlchemy URI, resolving relative SQLite paths under
/// `instance_path` (created if missing), as Flask-SQLAlchemy does.
///
/// ```
/// use std::path::Path;
/// use ext_orm::connect::driver_url;
///
/// let pg = driver_url("postgresql+psycopg2://u:p@db/app", Path::new("instance")).unwrap();
/// assert_eq!(pg.url, "postgres://u:p@db/app");
/// let memory = driver_url("sqlite://", Path::new("instance")).unwrap();
/// assert!(memory.memory);
/// let absolute = driver_url("sqlite:////tmp/app.db", Path::new("instance")).unwrap();
/// assert_eq!(absolute.url, "sqlite:///tmp/app.db?mode=rwc");
/// ```
pub fn driver_url(uri: &str, instance_path: &Path) -> Result<DriverUrl, String> {
    let (scheme, rest) = uri
        .split_once("://")
        .or_else(|| uri.split_once(':'))
        .ok_or_else(|| format!("{} is not a database URI", redact(uri)))?;
    let dialect = scheme.split('+').next().unwrap_or(scheme).to_ascii_lowercase();
    match dialect.as_str() {
        "postgresql" | "postgres" => Ok(DriverUrl {
            url: format!("postgres://{rest}"),
            backend: DbBackend::Postgres,
            memory: false,
        }),
        "mysql" | "mariadb" => Ok(DriverUrl {
            url: format!("mysql://{rest}"),
            backend: DbBackend::MySql,
            memory: false,
        }),
        "sqlite" => sqlite_url(rest, instance_path),
        other => Err(format!(
            "unsupported database {other:?} in {}: use sqlite, postgresql or mysql/mariadb",
            redact(uri)
        )),
    }
}

fn sqlite_url(rest: &str, instance_path: &Path) -> Result<DriverUrl, String> {
    // `sqlite://` and `sqlite:///:memory:` are memory; `sqlite:///x.db` is
    // relative (three slashes); `sqlite:////abs/x.db` is absolute.
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = path.strip_prefix('/').unwrap_or(path);
    if path.is_empty() || path == ":memory:" {
        return Ok(DriverUrl {
            url: "sqlite::memory:".to_owned(),
            backend: DbBackend::Sqlite,
            memory: true,
        });
    }
    let file = if Path::new(path).is_absolute() {
        PathBuf::from(path)
    } else {
        instance_path.join(path)
    };
    // Flask-SQLAlchemy creates the instance folder; this also creates the
    // folder of an absolute path, where SQLite would fail to open the file.
    if let Some(folder) = file.parent().filter(|folder| !folder.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(|error| format!("cannot create the folder {}: {error}", folder.display()))?;
    }
    let query = if query.is_empty() {
        "mode=rwc".to_owned()
    } else if query.contains("mode=") {
        query.to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(DriverUrl {
        url: format!("sqlite://{}?{query}", file.display()),
        backend: DbBackend::Sqlite,
        memory: false,
    })
}

/// The URI with its password, and any credential in its query, replaced by
/// `***`, for logs and errors.
///
/// ```
/// use ext_orm::connect::redact;
///
/// assert_eq!(redact("postgresql://app:s3cret@db/app"), "postgresql://app:***@db/app");
/// // A password with `/` or `@` in it, written unencoded.
/// assert_eq!(redact("postgres://app:a/b@c@db:5432/app"), "postgres://app:***@db:5432/app");
/// // Credentials in the query.
/// assert_eq!(
///     redact("postgres://db/app?user=app&password=s3cret&sslmode=require"),
///     "postgres://db/app?user=app&password=***&sslmode=require"
/// );
/// ```
pub fn redact(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return uri.to_owned();
    };
    // The password may hold `/` (written unencoded, as people do): the
    // user information ends at the last `@` before the query.
    let (before_query, query) = match rest.find('?') {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let mut out = format!("{scheme}://");
    match before_query.rsplit_once('@') {
        Some((userinfo, host_and_path)) => {
            match userinfo.split_once(':') {
                Some((user, _)) => out.push_str(&format!("{user}:***@")),
                None => out.push_str(&format!("{userinfo}@")),
            }
            out.push_str(host_and_path);
        }
        None => out.push_str(before_query),
    }
    if let Some(query) = query {
        out.push('?');
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if is_secret_parameter(key) => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        out.push_str(&pairs.join("&"));
    }
    out
}

/// Query parameters of database URIs that carry credentials.
fn is_secret_parameter(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "pwd",
        "pass",
        "secret",
        "token",
        "sslpassword",
        "sslkey",
    ]
    .iter()
    .any(|secret| key == *secret || key.ends_with(&format!("_{secret}")))
}

/// sea-orm's options for one bind.
pub fn connect_options(url: &DriverUrl, engine: &EngineOptions, read_only: bool) -> ConnectOptions {
    let seconds = |value: f64| Duration::from_secs_f64(value.max(0.0));
    let mut options = ConnectOptions::new(url.url.clone());
    options
        .acquire_timeout(seconds(engine.pool_timeout.unwrap_or(DEFAULT_POOL_TIMEOUT)))
        .sqlx_logging(engine.echo.unwrap_or(false))
        .connect_lazy(engine.connect_lazy.unwrap_or(false));
    if url.backend == DbBackend::Sqlite {
        // One connection: SQLite has one writer, and a second pooled
        // connection would see another in-memory database. Requests queue
        // for it in turn (see the session docs).
        options.max_connections(1);
        if !url.memory {
            // Write-ahead logging with `synchronous = NORMAL`: a commit is
            // a write to the log, not an fsync of the database, so writes
            // (sessions, throttle counters) stop costing milliseconds; other
            // processes' readers no longer block the writer; a busy
            // database is waited for (5 s) rather than refused at once.
            options.map_sqlx_sqlite_opts(move |opts| {
                let opts = opts.busy_timeout(Duration::from_secs(5));
                if read_only {
                    // A reader cannot switch the journal; the writer did.
                    opts.read_only(true)
                } else {
                    opts.journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal)
                }
            });
        }
    } else if let Some(size) = engine.pool_size {
        options.max_connections(size.max(1));
    }
    if let Some(min) = engine.min_connections {
        options.min_connections(min);
    }
    let recycle = engine
        .pool_recycle
        .or((url.backend == DbBackend::MySql).then_some(MYSQL_POOL_RECYCLE));
    if let Some(recycle) = recycle {
        options.max_lifetime(seconds(recycle));
    }
    if let Some(idle) = engine.idle_timeout {
        options.idle_timeout(seconds(idle));
    }
    if let Some(connect) = engine.connect_timeout {
        options.connect_timeout(seconds(connect));
    }
    if let Some(ping) = engine.pool_pre_ping {
        options.test_before_acquire(ping);
    }
    if url.backend == DbBackend::Postgres {
        // PostgreSQL's own default is no limit: one slow query would hold
        // its connection (and the request) forever. 0 turns it off, as in
        // PostgreSQL.
        let timeout = engine.statement_timeout.unwrap_or(DEFAULT_STATEMENT_TIMEOUT);
        options.statement_timeout(seconds(timeout));
    }
    options
}
