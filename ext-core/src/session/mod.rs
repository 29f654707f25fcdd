//! Flask's `session`: a signed cookie by default, or a server-side store
//! (Redis built in; ext-orm and ext-mongo bring their own) for apps that
//! need to revoke sessions. Registered in one call:
//!
//! ```no_run
//! use actix_web::{web, HttpResponse, HttpServer};
//! use ext_core::session::{Session, SessionError, Sessions};
//! use ext_core::{AppBuilder, Config};
//!
//! async fn visit(session: Session) -> Result<HttpResponse, SessionError> {
//!     let visits: u64 = session.get("visits")?.unwrap_or(0);
//!     session.insert("visits", visits + 1)?;
//!     Ok(HttpResponse::Ok().body(format!("visit {}", visits + 1)))
//! }
//!
//! #[actix_web::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // Needs SECRET_KEY (32 bytes or more); reads [session] / SESSION_*.
//!     let app = AppBuilder::new(Config::load()?).register(Sessions::new()).init().await?;
//!     let factory = app.clone();
//!     let server = HttpServer::new(move || factory.app().route("/", web::get().to(visit)))
//!         .bind(("127.0.0.1", 8080))?
//!         .run();
//!     app.run(server).await?;
//!     Ok(())
//! }
//! ```
//!
//! # How the defaults were chosen
//!
//! - `HttpOnly`, `SameSite=Lax`, `Secure`, `Path=/`, no `Domain` and the
//!   `__Host-` name prefix: scripts cannot read the cookie, other sites'
//!   form posts do not carry it, plain HTTP never sees it, and no subdomain
//!   can plant one. Flask sends none of `Secure`, `SameSite` or the prefix by
//!   default.
//! - The server checks the lifetime (`PERMANENT_SESSION_LIFETIME`, 31 days)
//!   on every cookie, permanent or not, as Flask does: a copied cookie stops
//!   working when it would have expired.
//! - The cookie is signed with a key derived from `SECRET_KEY` for this
//!   purpose alone, and verified against `SECRET_KEY_FALLBACKS` too, so keys
//!   rotate without signing everyone out.
//! - Server-side stores get a hash of the id, never the id: a copy of Redis
//!   is no list of cookies to replay. An id whose signature fails never
//!   reaches the store.
//! - A store that is down or slow (`store_timeout_ms`, 2 s) answers 503,
//!   not a hang; an empty session sets no cookie; `Vary: Cookie` is sent
//!   whenever the session was read.
//! - A cookie session is verified and decoded when a handler first uses
//!   it: routes that never read it pay neither (a permanent one is still
//!   refreshed, after its tag is checked).
//!
//! Call [`Session::renew`] at sign-in (new id, same data: fixation) and
//! [`Session::purge`] at sign-out.

mod config;
mod cookie;
mod csrf;
mod flash;
mod middleware;
mod state;
mod store;

use std::sync::Arc;

use actix_web::middleware::from_fn;

pub use self::config::{SameSiteSetting, SessionSettings, StoreKind};
use self::cookie::CookieCodec;
pub use self::cookie::SessionData;
pub use self::csrf::{csrf_token, Csrf, CsrfSettings};
pub use self::flash::{flash, get_flashed_messages, FlashMessage};
use self::middleware::{load_and_save, SessionLayer};
pub use self::state::{Session, SessionError, SessionExt};
use self::store::DynStore;
#[cfg(feature = "redis-sessions")]
pub use self::store::{redis_connection, RedisStore};
pub use self::store::{OfferedStore, SessionStore};
use crate::config::Section;
use crate::{Extension, ExtensionError, Setup};

/// The sessions extension: register it once, after any extension whose
/// store it uses.
#[must_use]
pub struct Sessions {
    section: Section,
    store: Option<Arc<dyn DynStore>>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("section", &self.section.name())
            .field("custom_store", &self.store.is_some())
            .finish()
    }
}

impl Default for Sessions {
    fn default() -> Self {
        Self::new()
    }
}

impl Sessions {
    /// Sessions configured by `[session]` / `SESSION_*`.
    pub fn new() -> Self {
        Self {
            section: Section::new("session").env_alias("PERMANENT_SESSION_LIFETIME", "permanent_lifetime"),
            store: None,
        }
    }

    /// Keeps the data in `store` (ext-orm's, ext-mongo's, your own) instead
    /// of the cookie.
    pub fn store(mut self, store: impl SessionStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Sets an option in code (`"cookie_secure"`, `false`); code beats the
    /// file and the environment.
    pub fn set(mut self, key: &str, value: impl serde::Serialize) -> Self {
        self.section = self.section.set(key, value);
        self
    }
}

impl Extension for Sessions {
    fn name(&self) -> &str {
        "session"
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        let mut settings: SessionSettings = app.settings(&self.section)?;
        if self.store.is_some() {
            settings.store = StoreKind::Custom;
        }
        settings.validate()?;
        let keys = app.secret_keys()?;
        let codec = Arc::new(CookieCodec::new(
            keys.derive("session"),
            keys.derive("session-id"),
        ));
        let store = match (self.store, settings.store) {
            (Some(store), _) => Some(store),
            (None, StoreKind::Cookie) => None,
            (None, StoreKind::Redis) => Some(redis_store(app, &settings).await?),
            (None, StoreKind::Sqlalchemy) => {
                Some(offered(app, "sqlalchemy", "ext-orm with its `sessions` feature")?)
            }
            (None, StoreKind::Mongodb) => {
                Some(offered(app, "mongo", "ext-mongo with its `sessions` feature")?)
            }
            (None, StoreKind::Custom) => {
                return Err(ExtensionError::invalid_setting(
                    "session.type",
                    "`custom` needs a store given in code: Sessions::new().store(...)",
                ))
            }
        };
        if let Some(store) = &store {
            store.prepare().await.map_err(|error| {
                ExtensionError::message(format!("the session store could not be prepared: {error}"))
            })?;
        }
        tracing::info!(
            cookie = settings.cookie_name(),
            store = ?settings.store,
            "sessions ready"
        );
        app.provide(settings.clone());
        let layer = Arc::new(SessionLayer {
            settings,
            codec,
            store,
        });
        app.middleware(move || {
            let layer = Arc::clone(&layer);
            from_fn(move |req, next| load_and_save(Arc::clone(&layer), req, next))
        });
        Ok(())
    }
}

/// The store the extension `name` offered, or the standard error.
fn offered(app: &Setup, name: &str, what: &str) -> Result<Arc<dyn DynStore>, ExtensionError> {
    app.registry()
        .get_named::<OfferedStore>(name)
        .map(|offered| Arc::clone(&offered.store))
        .ok_or_else(|| app.missing(what))
}

#[cfg(feature = "redis-sessions")]
async fn redis_store(
    app: &mut Setup,
    settings: &SessionSettings,
) -> Result<Arc<dyn DynStore>, ExtensionError> {
    use secrecy::ExposeSecret;
    let url = settings
        .redis_url
        .as_ref()
        .ok_or_else(|| ExtensionError::invalid_setting("session.redis_url", "missing"))?;
    let timeout = std::time::Duration::from_millis(settings.store_timeout_ms);
    let store = RedisStore::connect(url.expose_secret(), timeout)
        .await
        .map_err(|error| {
            ExtensionError::message(format!("cannot reach the session Redis: {}", redact(&error)))
        })?;
    let probe = store.clone();
    app.health_check_named("session.redis", move || {
        let probe = probe.clone();
        async move {
            match probe.ping().await {
                Ok(()) => crate::HealthStatus::Up,
                Err(error) => crate::HealthStatus::Down(redact(&error)),
            }
        }
    });
    Ok(Arc::new(store))
}

/// Redis's messages can quote the URL, password included: keep only the
/// kind of failure.
#[cfg(feature = "redis-sessions")]
fn redact(error: &crate::BoxError) -> String {
    match error.downcast_ref::<redis::RedisError>() {
        Some(error) => format!("{:?} error", error.kind()),
        None => "invalid URL".to_owned(),
    }
}

#[cfg(not(feature = "redis-sessions"))]
async fn redis_store(_: &mut Setup, _: &SessionSettings) -> Result<Arc<dyn DynStore>, ExtensionError> {
    Err(ExtensionError::invalid_setting(
        "session.type",
        "`redis` needs ext-core's `redis-sessions` feature",
    ))
}
