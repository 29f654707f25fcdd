//! The `[app]` section: settings of the app builder itself.

use std::collections::BTreeMap;
use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

/// Settings of the app itself, in the `[app]` table or `APP_*` variables.
///
/// ```toml
/// [app]
/// health_path = "/health"
/// health_timeout_ms = 2000
/// json_limit = 2_097_152
/// url_prefixes = { user = "/auth" }
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct AppSettings {
    /// The path of the configuration file, from `APP_CONFIG`; read before any
    /// other setting, listed here so that the variable is a known key.
    pub config: Option<PathBuf>,
    /// Where the aggregated health checks answer.
    pub health_path: String,
    /// How long one health check may take before it counts as down.
    pub health_timeout_ms: u64,
    /// The largest JSON body, in bytes, that `web::Json` accepts.
    pub json_limit: usize,
    /// The largest body, in bytes, that `Bytes`, `String` and forms accept.
    pub payload_limit: usize,
    /// How long a request's whole body may take to arrive, in milliseconds,
    /// from when it reaches the routes; past it, the read fails and the
    /// answer is a 408 problem (`body-timeout`). 0 turns it off. Raise it
    /// for large uploads over slow links.
    pub body_timeout_ms: u64,
    /// How long a request may take from when it reaches the routes to its
    /// answer, in milliseconds; past it, the handler is dropped and the
    /// answer is a 503 problem (`handler-timeout`). Default 60000 (a
    /// minute, where gunicorn's default kills a Flask worker at 30 s); 0
    /// turns it off. See [`HandlerTimedOut`](crate::HandlerTimedOut) for
    /// what the answer lacks.
    pub handler_timeout_ms: u64,
    /// The app's secret (`SECRET_KEY`, as in Flask): the root of every key
    /// that signs something (sessions, CSRF tokens, emailed tokens). Needed
    /// only when such a feature is used; at least 32 bytes, never a
    /// placeholder. Redacted in `Debug`.
    pub secret_key: Option<SecretString>,
    /// Earlier secrets still accepted when verifying, newest first, while
    /// rotating (`SECRET_KEY_FALLBACKS`, as in Flask 3.1).
    pub secret_key_fallbacks: Vec<SecretString>,
    /// Development mode (`APP_DEBUG`, Flask's `DEBUG`): templates reload
    /// when they change and undefined template variables are errors. Never
    /// on in production.
    pub debug: bool,
    /// The app's templates, which override extensions' bundled ones
    /// (Flask's `template_folder`); relative to the working directory.
    pub template_folder: PathBuf,
    /// Re-read changed template files (`TEMPLATES_AUTO_RELOAD`); default:
    /// the value of `debug`.
    pub templates_auto_reload: Option<bool>,
    /// The URL path of static files (Flask's `static_url_path`).
    pub static_url_path: String,
    /// The folder static files are served from (Flask's `static_folder`);
    /// nothing is served when it does not exist.
    pub static_folder: PathBuf,
    /// Route prefixes by extension name, overriding each extension's default
    /// (like a blueprint's `url_prefix`).
    pub url_prefixes: BTreeMap<String, String>,
    /// Where users reach the app, such as `https://notes.example.com`
    /// (Flask's `PREFERRED_URL_SCHEME` and `SERVER_NAME` in one): links in
    /// emails are built from it, never from a request's `Host` or
    /// `X-Forwarded-Host`, which a client chooses.
    pub public_url: Option<String>,
    /// The reverse proxies whose `Forwarded` / `X-Forwarded-For` are
    /// believed, as addresses or CIDR ranges (`["10.0.0.0/8"]`); default
    /// none, so the client is the socket's peer. See
    /// [`TrustedProxies`](crate::TrustedProxies) and
    /// [`client_ip`](crate::client_ip).
    pub trusted_proxies: crate::TrustedProxies,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            config: None,
            health_path: "/health".to_owned(),
            health_timeout_ms: 2_000,
            json_limit: 2 * 1024 * 1024,
            payload_limit: 2 * 1024 * 1024,
            body_timeout_ms: 30_000,
            handler_timeout_ms: 60_000,
            debug: false,
            template_folder: PathBuf::from("templates"),
            templates_auto_reload: None,
            public_url: None,
            static_url_path: "/static".to_owned(),
            static_folder: PathBuf::from("static"),
            secret_key: None,
            secret_key_fallbacks: Vec::new(),
            url_prefixes: BTreeMap::new(),
            trusted_proxies: crate::TrustedProxies::default(),
        }
    }
}
