//! The `[mongo]` section: Flask-PyMongo's `MONGO_URI`, and the client
//! options that users otherwise write into the URI.

use ext_core::config::SecretString;
use serde::Deserialize;

/// Flask-PyMongo's text when no URI is configured.
pub const NO_URI: &str = "You must specify a URI or set the MONGO_URI Flask config variable";

/// Settings of one Mongo instance: `[mongo]` / `MONGO_*` for the default,
/// `[mongo2]` / `MONGO2_*` for one named `mongo2`.
///
/// ```toml
/// [mongo]
/// uri = "mongodb://127.0.0.1:27017/app"     # the database name is optional
/// max_pool_size = 50
/// server_selection_timeout_ms = 2000
/// app_name = "shop"
/// read_preference = "secondaryPreferred"
/// ```
///
/// Options set here win over the same options in the URI. The URI is a
/// secret: its password never reaches logs or `Debug`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MongoSettings {
    /// `MONGO_URI`.
    pub uri: Option<SecretString>,
    /// The most connections per server (driver default 10; PyMongo's 100).
    pub max_pool_size: Option<u32>,
    /// Connections kept open.
    pub min_pool_size: Option<u32>,
    /// How long opening a connection may take, in milliseconds.
    pub connect_timeout_ms: Option<u64>,
    /// How long a request waits for a usable server before answering 503,
    /// in milliseconds. Default 3000 (the driver and PyMongo wait 30 s).
    pub server_selection_timeout_ms: Option<u64>,
    /// The name the server logs for this client.
    pub app_name: Option<String>,
    /// `primary`, `primaryPreferred`, `secondary`, `secondaryPreferred` or
    /// `nearest`.
    pub read_preference: Option<String>,
    /// Require TLS (`true`) or forbid it (`false`).
    pub tls: Option<bool>,
}

/// The default request-side server-selection timeout, in milliseconds.
pub const DEFAULT_SERVER_SELECTION_TIMEOUT_MS: u64 = 3_000;
