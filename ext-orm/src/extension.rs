//! [`Orm`]: the extension registered on the app (Flask's `SQLAlchemy()`).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ext_core::config::ExposeSecret;
use ext_core::{Extension, ExtensionError, Section, Setup};
use sea_orm::{Database, EntityTrait};
use sea_orm_migration::MigratorTrait;

use crate::connect::{connect_options, driver_url, redact};
use crate::error::OrmError;
use crate::schema::EntityDef;
use crate::settings::OrmSettings;
use crate::state::{BindHandle, MigrateFn, OrmState};

/// The ORM extension: one call registers the pools, the session, health
/// checks and shutdown.
///
/// Configuration comes from `[sqlalchemy]` / `SQLALCHEMY_*` /
/// `DATABASE_URL` (see [`OrmSettings`]); what is set here in code wins.
pub struct Orm {
    section: Section,
    entities: Vec<(Option<String>, EntityDef)>,
    migrate: Option<MigrateFn>,
    default_uri: Option<String>,
}

impl fmt::Debug for Orm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Orm")
            .field("entities", &self.entities)
            .field("migrations", &self.migrate.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for Orm {
    fn default() -> Self {
        Self::new()
    }
}

impl Orm {
    /// The extension, configured from `[sqlalchemy]`.
    pub fn new() -> Self {
        Orm {
            section: Section::new("sqlalchemy").env_alias("DATABASE_URL", "database_uri"),
            entities: Vec::new(),
            migrate: None,
            default_uri: None,
        }
    }

    /// Sets the default database's URI in code (beats the file and the
    /// environment).
    pub fn database_uri(mut self, uri: impl Into<String>) -> Self {
        self.section = self.section.set("database_uri", uri.into());
        self
    }

    /// The default database's URI when the configuration names none: an
    /// app's embedded default (e.g. `sqlite:///app.db`), below the file and
    /// the environment.
    pub fn default_database_uri(mut self, uri: impl Into<String>) -> Self {
        self.default_uri = Some(uri.into());
        self
    }

    /// Sets any `[sqlalchemy]` key in code.
    pub fn setting(mut self, key: &str, value: impl serde::Serialize) -> Self {
        self.section = self.section.set(key, value);
        self
    }

    /// Runs `create_all` at start-up.
    pub fn create_all_on_start(self) -> Self {
        self.setting("create_all_on_start", true)
    }

    /// Registers an entity of the default database for `create_all`.
    pub fn entity<E: EntityTrait + Default>(mut self) -> Self {
        self.entities.push((None, EntityDef::of::<E>()));
        self
    }

    /// Registers an entity of the bind `bind` (its `__bind_key__`).
    pub fn entity_in<E: EntityTrait + Default>(mut self, bind: &str) -> Self {
        self.entities.push((Some(bind.to_owned()), EntityDef::of::<E>()));
        self
    }

    /// The migrations of the default database, run at start-up when
    /// `migrate_on_start` is set, and by [`OrmState::migrate`].
    pub fn migrator<M: MigratorTrait>(mut self) -> Self {
        self.migrate = Some(Arc::new(|conn| Box::pin(async move { M::up(&conn, None).await })));
        self
    }
}

impl Extension for Orm {
    fn name(&self) -> &str {
        "sqlalchemy"
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        let mut settings: OrmSettings = app.settings(&self.section)?;
        if settings.database_uri.is_none() {
            settings.database_uri = self.default_uri.clone().map(Into::into);
        }
        let binds = settings
            .resolve()
            .map_err(|message| ExtensionError::invalid_setting("sqlalchemy.database_uri", message))?;
        let instance = settings
            .instance_path
            .clone()
            .unwrap_or_else(|| PathBuf::from("instance"));
        for (bind, entity) in &self.entities {
            if let Some(name) = bind {
                if !binds.iter().any(|b| b.name.as_deref() == Some(name.as_str())) {
                    return Err(ExtensionError::invalid_setting(
                        "sqlalchemy.binds",
                        format!(
                            "Bind key '{name}' is not in 'SQLALCHEMY_BINDS' config (entity {}).",
                            entity.table()
                        ),
                    ));
                }
            }
        }
        let mut handles = Vec::new();
        let mut default_url = None;
        for bind in binds {
            let key = match &bind.name {
                None => "sqlalchemy.database_uri".to_owned(),
                Some(name) => format!("sqlalchemy.binds.{name}"),
            };
            let url = driver_url(bind.uri.expose_secret(), &instance)
                .map_err(|message| ExtensionError::invalid_setting(&key, message))?;
            let options = connect_options(&url, &bind.engine, bind.read_only);
            let health = crate::health::health_pool(&url, &bind.engine, bind.read_only).await;
            let conn = Database::connect(options).await.map_err(|error| {
                ExtensionError::invalid_setting(
                    &key,
                    format!("cannot connect to {}: {error}", redact(bind.uri.expose_secret())),
                )
            })?;
            tracing::info!(bind = ?bind.name, url = %redact(&url.url), "database connected");
            if bind.name.is_none() {
                default_url = Some(redact(&url.url));
            }
            let entities = self
                .entities
                .iter()
                .filter(|(name, _)| *name == bind.name)
                .map(|(_, entity)| entity.clone())
                .collect();
            handles.push(BindHandle::new(
                bind.name.clone(),
                conn,
                health,
                bind.read_only,
                entities,
            ));
        }
        if settings.migrate_on_start && self.migrate.is_none() {
            return Err(ExtensionError::invalid_setting(
                "sqlalchemy.migrate_on_start",
                "migrate_on_start is set but no migrator was registered (Orm::migrator)",
            ));
        }
        let state = OrmState::new(
            handles,
            default_url,
            settings.record_queries,
            settings.slow_query_ms.map(Duration::from_millis),
            self.migrate,
        );
        if settings.migrate_on_start {
            state.migrate().await.map_err(|error| match error {
                OrmError::NotConfigured(_) => {
                    ExtensionError::invalid_setting("sqlalchemy.migrate_on_start", error.to_string())
                }
                other => ExtensionError::failed("migrations failed", other),
            })?;
        }
        if settings.create_all_on_start {
            state
                .create_all()
                .await
                .map_err(|error| ExtensionError::failed("create_all failed", error))?;
        }
        for bind in state.binds() {
            let name = match bind.name() {
                None => "sqlalchemy".to_owned(),
                Some(name) => format!("sqlalchemy.{name}"),
            };
            let check = crate::health::BindHealth::new(bind);
            app.health_check_named(name, move || {
                let check = check.clone();
                Box::pin(async move { check.run().await })
            });
        }
        #[cfg(feature = "sessions")]
        if let Ok(conn) = state.conn() {
            // `[session] type = "sqlalchemy"` picks it; nothing is created
            // unless sessions use it.
            app.provide(ext_core::session::OfferedStore::new(crate::SqlSessionStore::new(
                conn.clone(),
                "sessions",
            )));
        }
        let state = app.provide(state);
        app.on_shutdown(move || async move {
            for bind in state.binds() {
                if let Err(error) = bind.conn().close_by_ref().await {
                    tracing::warn!(bind = ?bind.name(), %error, "closing the pool failed");
                }
                if let Some(health) = bind.own_health_conn() {
                    if let Err(error) = health.close_by_ref().await {
                        tracing::warn!(bind = ?bind.name(), %error, "closing the health check's pool failed");
                    }
                }
            }
        });
        Ok(())
    }
}
