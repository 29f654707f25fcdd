//! [`Mongo`]: the extension registered on the app (Flask's `PyMongo()`).

use std::time::Duration;

use ext_core::config::ExposeSecret;
use ext_core::{Extension, ExtensionError, HealthStatus, Section, Setup};
use mongodb::bson::doc;
use mongodb::options::{ClientOptions, DriverInfo, ReadPreference, SelectionCriteria, Tls, TlsOptions};
use mongodb::{Client, IndexModel};

use crate::settings::{MongoSettings, DEFAULT_SERVER_SELECTION_TIMEOUT_MS, NO_URI};
use crate::state::MongoState;

/// The Mongo extension: the client and database from `MONGO_URI`, health,
/// index declarations and shutdown, in one call.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use ext_core::{AppBuilder, Config};
/// use ext_mongo::Mongo;
/// use mongodb::{bson::doc, IndexModel, options::IndexOptions};
///
/// let ext = AppBuilder::new(Config::load()?)
///     .register(Mongo::new().index(
///         "users",
///         IndexModel::builder()
///             .keys(doc! {"email": 1})
///             .options(IndexOptions::builder().unique(true).build())
///             .build(),
///     ))
///     .register(Mongo::named("mongo2"))       // MONGO2_URI, [mongo2]
///     .init()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Mongo {
    name: String,
    section: Section,
    optional: bool,
    indexes: Vec<(String, IndexModel)>,
}

impl Default for Mongo {
    fn default() -> Self {
        Self::new()
    }
}

impl Mongo {
    /// The default instance: `[mongo]`, `MONGO_URI`.
    pub fn new() -> Self {
        Self::named("mongo")
    }

    /// Another instance, side by side: `[name]`, `NAME_URI` (e.g. `mongo2`
    /// reads `MONGO2_URI`). Handlers reach it with
    /// [`crate::MongoDb::named`].
    pub fn named(name: &str) -> Self {
        Mongo {
            name: name.to_owned(),
            section: Section::new(name),
            optional: false,
            indexes: Vec::new(),
        }
    }

    /// Sets the URI in code (Flask-PyMongo's `PyMongo(app, uri)`).
    pub fn uri(mut self, uri: impl Into<String>) -> Self {
        self.section = self.section.set("uri", uri.into());
        self
    }

    /// Lets the app start without a URI: handlers then get a 503 problem
    /// saying MongoDB is not configured, and `/health` reports it as not
    /// configured rather than down. Without this, a missing URI stops
    /// start-up with Flask-PyMongo's message.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Declares an index on `collection` of the URI's database, created at
    /// start-up if missing (creating an existing index is a no-op).
    pub fn index(mut self, collection: &str, index: IndexModel) -> Self {
        self.indexes.push((collection.to_owned(), index));
        self
    }
}

fn read_preference(name: &str) -> Option<ReadPreference> {
    Some(match name {
        "primary" => ReadPreference::Primary,
        "primaryPreferred" => ReadPreference::PrimaryPreferred {
            options: Default::default(),
        },
        "secondary" => ReadPreference::Secondary {
            options: Default::default(),
        },
        "secondaryPreferred" => ReadPreference::SecondaryPreferred {
            options: Default::default(),
        },
        "nearest" => ReadPreference::Nearest {
            options: Default::default(),
        },
        _ => return None,
    })
}

/// Client options from the URI, then the settings over them.
async fn client_options(
    settings: &MongoSettings,
    uri: &str,
    key: &str,
) -> Result<ClientOptions, ExtensionError> {
    let mut options = ClientOptions::parse(uri)
        .await
        .map_err(|error| ExtensionError::invalid_setting(format!("{key}.uri"), error.to_string()))?;
    options.driver_info = Some(
        DriverInfo::builder()
            .name("ext-mongo")
            .version(env!("CARGO_PKG_VERSION").to_owned())
            .build(),
    );
    if let Some(size) = settings.max_pool_size {
        options.max_pool_size = Some(size);
    }
    if let Some(size) = settings.min_pool_size {
        options.min_pool_size = Some(size);
    }
    if let Some(ms) = settings.connect_timeout_ms {
        options.connect_timeout = Some(Duration::from_millis(ms));
    }
    let selection = settings
        .server_selection_timeout_ms
        .unwrap_or(DEFAULT_SERVER_SELECTION_TIMEOUT_MS);
    options.server_selection_timeout = Some(Duration::from_millis(selection));
    if let Some(name) = &settings.app_name {
        options.app_name = Some(name.clone());
    }
    if let Some(name) = &settings.read_preference {
        let preference = read_preference(name).ok_or_else(|| {
            ExtensionError::invalid_setting(
                format!("{key}.read_preference"),
                format!(
                    "unknown read preference {name:?}: use primary, primaryPreferred, secondary, \
                     secondaryPreferred or nearest"
                ),
            )
        })?;
        options.selection_criteria = Some(SelectionCriteria::ReadPreference(preference));
    }
    match settings.tls {
        Some(true) => options.tls = Some(Tls::Enabled(TlsOptions::default())),
        Some(false) => options.tls = Some(Tls::Disabled),
        None => {}
    }
    Ok(options)
}

impl Extension for Mongo {
    fn name(&self) -> &str {
        &self.name
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        let settings: MongoSettings = app.settings(&self.section)?;
        let key = self.name.clone();
        let Some(uri) = settings.uri.as_ref() else {
            if !self.optional {
                return Err(ExtensionError::invalid_setting(format!("{key}.uri"), NO_URI));
            }
            let why = format!("MongoDB is not configured: set {}URI", self.section.env_prefix());
            tracing::info!(instance = %key, "{why}");
            app.provide(MongoState::not_configured(key, why));
            app.health_check(|| async { HealthStatus::NotConfigured });
            return Ok(());
        };
        let options = client_options(&settings, uri.expose_secret(), &key).await?;
        let client = Client::with_options(options.clone())
            .map_err(|error| ExtensionError::invalid_setting(format!("{key}.uri"), error.to_string()))?;
        let db = client.default_database();
        if let Some(db) = &db {
            for (collection, index) in self.indexes {
                db.collection::<mongodb::bson::Document>(&collection)
                    .create_index(index)
                    .await
                    .map_err(|error| {
                        ExtensionError::failed(format!("creating an index on {collection} failed"), error)
                    })?;
            }
        } else if !self.indexes.is_empty() {
            return Err(ExtensionError::invalid_setting(
                format!("{key}.uri"),
                "indexes are declared but the URI names no database",
            ));
        }
        tracing::info!(instance = %key, hosts = ?options.hosts, db = ?db.as_ref().map(|db| db.name().to_owned()), "mongodb client ready");
        let ping = client.clone();
        app.health_check(move || {
            let client = ping.clone();
            async move {
                match client.database("admin").run_command(doc! {"ping": 1}).await {
                    Ok(_) => HealthStatus::Up,
                    Err(error) => HealthStatus::Down(error.to_string()),
                }
            }
        });
        let closing = client.clone();
        app.on_shutdown(move || async move { closing.shutdown().await });
        #[cfg(feature = "sessions")]
        if let Some(db) = &db {
            // `[session] type = "mongodb"` picks it; nothing is created
            // unless sessions use it.
            app.provide(ext_core::session::OfferedStore::new(
                crate::MongoSessionStore::new(db, "sessions"),
            ));
        }
        app.provide(MongoState::configured(key, client, db));
        Ok(())
    }
}
