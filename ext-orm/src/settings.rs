//! The `[sqlalchemy]` section: Flask-SQLAlchemy's configuration keys.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use ext_core::config::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Flask-SQLAlchemy's settings, from `[sqlalchemy]` in the file, the
/// `SQLALCHEMY_*` variables (and `DATABASE_URL`) or code.
///
/// ```toml
/// [sqlalchemy]
/// database_uri = "postgresql://postgres@127.0.0.1/app"
/// record_queries = true
/// slow_query_ms = 200
/// engine_options = { pool_size = 10, pool_timeout = 3 }
///
/// [sqlalchemy.binds]
/// replica = { url = "postgresql://postgres@replica/app", read_only = true }
/// audit = "sqlite:///audit.db"
/// ```
///
/// URIs are secrets: their passwords never reach `Debug` output or logs.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrmSettings {
    /// `SQLALCHEMY_DATABASE_URI` (or `DATABASE_URL`): the default bind.
    pub database_uri: Option<SecretString>,
    /// `SQLALCHEMY_BINDS`: named binds, each a URI or a table with `url` and
    /// engine options.
    pub binds: BTreeMap<String, BindSetting>,
    /// `SQLALCHEMY_ECHO`: log every statement (the lowest-precedence `echo`
    /// of every engine, as in Flask-SQLAlchemy).
    pub echo: bool,
    /// `SQLALCHEMY_RECORD_QUERIES`: keep each request's statements, with
    /// their durations, for [`crate::recorded_queries`].
    pub record_queries: bool,
    /// `SQLALCHEMY_ENGINE_OPTIONS`: options of the default engine.
    pub engine_options: EngineOptions,
    /// `SQLALCHEMY_SLOW_QUERY_MS` (not in Flask-SQLAlchemy): statements
    /// slower than this are logged at `warn`.
    pub slow_query_ms: Option<u64>,
    /// Where relative SQLite paths live, like Flask's `instance_path`;
    /// created if missing. Default `instance`.
    pub instance_path: Option<PathBuf>,
    /// Run the registered migrations at start-up (opt-in).
    pub migrate_on_start: bool,
    /// Run `create_all` for the registered entities at start-up (opt-in).
    pub create_all_on_start: bool,
}

/// A bind's configuration: a URI, or a URI with its own engine options.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum BindSetting {
    /// `audit = "sqlite:///audit.db"`.
    Url(SecretString),
    /// `replica = { url = "...", read_only = true, pool_size = 5 }`.
    Table(BindTable),
}

/// A bind given as a table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindTable {
    /// The bind's URI.
    pub url: SecretString,
    /// Transactions on this bind are read-only (a replica). PostgreSQL and
    /// MariaDB enforce it; SQLite opens the connection read-only.
    #[serde(default)]
    pub read_only: bool,
    /// Engine options of this bind.
    #[serde(flatten)]
    pub engine: EngineOptions,
}

/// SQLAlchemy engine options, mapped onto sea-orm's `ConnectOptions`.
///
/// Durations are in seconds, as in SQLAlchemy.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct EngineOptions {
    /// `pool_size`: the most connections (SQLite file and memory: 1).
    pub pool_size: Option<u32>,
    /// Connections kept open when idle.
    pub min_connections: Option<u32>,
    /// `pool_timeout`: seconds to wait for a connection before answering
    /// 503. Default 5 (SQLAlchemy waits 30; a request should not).
    pub pool_timeout: Option<f64>,
    /// `pool_recycle`: seconds after which a connection is replaced
    /// (MariaDB default 7200, as in Flask-SQLAlchemy).
    pub pool_recycle: Option<f64>,
    /// Seconds a connection may sit idle before it is closed.
    pub idle_timeout: Option<f64>,
    /// Seconds to wait for a new connection to open.
    pub connect_timeout: Option<f64>,
    /// `pool_pre_ping`: check a connection before handing it out.
    pub pool_pre_ping: Option<bool>,
    /// Seconds a statement may run (PostgreSQL `statement_timeout`; default
    /// [`DEFAULT_STATEMENT_TIMEOUT`](crate::connect::DEFAULT_STATEMENT_TIMEOUT),
    /// 30 s; 0 for none). SQLite and MariaDB ignore it (MariaDB's
    /// `max_statement_time` is a server setting).
    pub statement_timeout: Option<f64>,
    /// `echo`: log every statement of this engine.
    pub echo: Option<bool>,
    /// Open the pool without connecting, so the app starts while the
    /// database is down.
    pub connect_lazy: Option<bool>,
}

impl EngineOptions {
    /// `self` over `base`: each option set here wins.
    pub fn over(&self, base: &EngineOptions) -> EngineOptions {
        EngineOptions {
            pool_size: self.pool_size.or(base.pool_size),
            min_connections: self.min_connections.or(base.min_connections),
            pool_timeout: self.pool_timeout.or(base.pool_timeout),
            pool_recycle: self.pool_recycle.or(base.pool_recycle),
            idle_timeout: self.idle_timeout.or(base.idle_timeout),
            connect_timeout: self.connect_timeout.or(base.connect_timeout),
            pool_pre_ping: self.pool_pre_ping.or(base.pool_pre_ping),
            statement_timeout: self.statement_timeout.or(base.statement_timeout),
            echo: self.echo.or(base.echo),
            connect_lazy: self.connect_lazy.or(base.connect_lazy),
        }
    }
}

/// One bind, resolved: its name (`None` for the default), URI and options.
#[derive(Clone)]
pub struct ResolvedBind {
    /// `None` for the default bind.
    pub name: Option<String>,
    /// The URI as configured.
    pub uri: SecretString,
    /// Read-only transactions.
    pub read_only: bool,
    /// Options after precedence.
    pub engine: EngineOptions,
}

impl fmt::Debug for ResolvedBind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolvedBind")
            .field("name", &self.name)
            .field("uri", &crate::connect::redact(self.uri.expose_secret()))
            .field("read_only", &self.read_only)
            .field("engine", &self.engine)
            .finish()
    }
}

/// Flask-SQLAlchemy's text when neither is set.
pub const NO_DATABASE: &str = "Either 'SQLALCHEMY_DATABASE_URI' or 'SQLALCHEMY_BINDS' must be set.";

impl OrmSettings {
    /// Every bind with Flask-SQLAlchemy's precedence: `database_uri` wins
    /// over a `binds` entry for the default; `engine_options` apply to the
    /// default engine; `echo` is everyone's lowest-precedence `echo`.
    ///
    /// ```
    /// use ext_orm::OrmSettings;
    ///
    /// let settings = OrmSettings::default();
    /// assert_eq!(
    ///     settings.resolve().unwrap_err(),
    ///     "Either 'SQLALCHEMY_DATABASE_URI' or 'SQLALCHEMY_BINDS' must be set."
    /// );
    /// ```
    pub fn resolve(&self) -> Result<Vec<ResolvedBind>, &'static str> {
        let lowest = EngineOptions {
            echo: Some(self.echo),
            ..EngineOptions::default()
        };
        let mut binds = Vec::new();
        if let Some(uri) = &self.database_uri {
            binds.push(ResolvedBind {
                name: None,
                uri: uri.clone(),
                read_only: false,
                engine: self.engine_options.over(&lowest),
            });
        }
        for (name, bind) in &self.binds {
            let (uri, read_only, engine) = match bind {
                BindSetting::Url(uri) => (uri.clone(), false, EngineOptions::default()),
                BindSetting::Table(table) => (table.url.clone(), table.read_only, table.engine.clone()),
            };
            binds.push(ResolvedBind {
                name: Some(name.clone()),
                uri,
                read_only,
                engine: engine.over(&lowest),
            });
        }
        if binds.is_empty() {
            return Err(NO_DATABASE);
        }
        Ok(binds)
    }
}
