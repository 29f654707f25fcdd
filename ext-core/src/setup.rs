//! What an extension's `init_app` receives: the app being set up.

use std::any::TypeId;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_service::Transform;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::web::{self, ServiceConfig};
use actix_web::Error;
use serde::de::DeserializeOwned;

use crate::config::{AppSettings, Config, Section};
use crate::health::{HealthCheck, HealthStatus};
use crate::middleware::{erase, MakeMiddleware, NextService};
use crate::{ExtensionError, Registry, RequestHook, SecretKeys};

/// Adds routes to a worker's app.
pub(crate) type RoutesFn = Arc<dyn Fn(&mut ServiceConfig) + Send + Sync>;

/// Work run once when the server has stopped.
pub(crate) type ShutdownTask = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>> + Send>;

/// Routes of one extension, under its prefix.
#[derive(Clone)]
pub(crate) struct Mount {
    pub(crate) prefix: String,
    pub(crate) routes: RoutesFn,
}

/// The app being set up, handed to each extension's `init_app`.
///
/// Everything registered here is built into every worker's actix `App`.
pub struct Setup {
    pub(crate) config: Config,
    pub(crate) settings: AppSettings,
    pub(crate) registry: Registry,
    pub(crate) hooks: Vec<Arc<dyn RequestHook>>,
    pub(crate) middleware: Vec<MakeMiddleware>,
    pub(crate) mounts: Vec<Mount>,
    pub(crate) app_data: BTreeMap<TypeId, RoutesFn>,
    pub(crate) health: Vec<HealthCheck>,
    pub(crate) shutdown: Vec<(String, ShutdownTask)>,
    #[cfg(feature = "templates")]
    pub(crate) bundles: crate::templates::Bundles,
    /// The extension whose `init_app` is running.
    pub(crate) current: String,
    /// The prefix the user chose for it in code, if any.
    pub(crate) prefix_override: Option<String>,
}

impl fmt::Debug for Setup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Setup")
            .field("extension", &self.current)
            .field("registry", &self.registry)
            .field("hooks", &self.hooks.len())
            .field("middleware", &self.middleware.len())
            .field(
                "mounts",
                &self.mounts.iter().map(|m| &m.prefix).collect::<Vec<_>>(),
            )
            .field(
                "health_checks",
                &self.health.iter().map(|c| &c.name).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Setup {
    pub(crate) fn new(config: Config, settings: AppSettings) -> Self {
        Self {
            config,
            settings,
            registry: Registry::default(),
            hooks: Vec::new(),
            middleware: Vec::new(),
            mounts: Vec::new(),
            app_data: BTreeMap::new(),
            health: Vec::new(),
            shutdown: Vec::new(),
            #[cfg(feature = "templates")]
            bundles: Default::default(),
            current: String::new(),
            prefix_override: None,
        }
    }

    /// The name of the extension being set up.
    pub fn name(&self) -> &str {
        &self.current
    }

    /// The app's configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The app's own settings (`[app]`).
    pub fn app_settings(&self) -> &AppSettings {
        &self.settings
    }

    /// Extracts a section of the configuration; errors convert into
    /// [`ExtensionError`] with the key named.
    pub fn settings<T: DeserializeOwned>(&self, section: &Section) -> Result<T, ExtensionError> {
        Ok(self.config.section(section)?)
    }

    /// What earlier extensions registered.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Files `value` in the registry under this extension's name. The first
    /// value of a type is also given to handlers as `web::Data<T>`.
    pub fn provide<T: Send + Sync + 'static>(&mut self, value: T) -> Arc<T> {
        let value = Arc::new(value);
        self.provide_arc(Arc::clone(&value));
        value
    }

    /// Like [`Setup::provide`], for a value that is already shared.
    pub fn provide_arc<T: Send + Sync + 'static>(&mut self, value: Arc<T>) {
        let name = self.current.clone();
        self.registry.insert_arc(&name, Arc::clone(&value));
        let is_default = self.registry.names::<T>().len() == 1
            || self
                .registry
                .get::<T>()
                .is_some_and(|default| Arc::ptr_eq(&default, &value));
        if is_default {
            let data = web::Data::from(value);
            let install: RoutesFn = Arc::new(move |cfg| {
                cfg.app_data(data.clone());
            });
            self.app_data.insert(TypeId::of::<T>(), install);
        }
    }

    /// The app's validated secret keys, for an extension that signs
    /// something. Fails start-up, naming `app.secret_key`, when the secret is
    /// missing, shorter than 32 bytes or a known placeholder.
    pub fn secret_keys(&self) -> Result<SecretKeys, ExtensionError> {
        SecretKeys::from_settings(&self.settings)
    }

    /// The value of type `T` that an earlier extension registered, or the
    /// standard start-up error naming what is missing: "`ext-user` needs
    /// ext-orm registered before it".
    ///
    /// ```
    /// # use ext_core::{Config, Extension, ExtensionError, Setup, AppBuilder};
    /// struct Pool;
    /// struct NeedsPool;
    /// impl Extension for NeedsPool {
    ///     fn name(&self) -> &str { "needs-pool" }
    ///     async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
    ///         let _pool = app.require::<Pool>("the pool extension")?;
    ///         Ok(())
    ///     }
    /// }
    /// # actix_rt::System::new().block_on(async {
    /// let error = AppBuilder::new(Config::empty()).register(NeedsPool).init().await.unwrap_err();
    /// assert_eq!(
    ///     error.to_string(),
    ///     "extension `needs-pool` failed to start: `needs-pool` needs the pool extension registered before it"
    /// );
    /// # });
    /// ```
    pub fn require<T: Send + Sync + 'static>(&self, what: &str) -> Result<Arc<T>, ExtensionError> {
        self.registry.get::<T>().ok_or_else(|| self.missing(what))
    }

    /// The standard error for a missing dependency, for extensions that
    /// accept one of several ("ext-orm or ext-mongo").
    pub fn missing(&self, what: &str) -> ExtensionError {
        ExtensionError::message(format!("`{}` needs {what} registered before it", self.current))
    }

    /// Adds a hook that sees every request of the app.
    pub fn request_hook(&mut self, hook: impl RequestHook) {
        self.hooks.push(Arc::new(hook));
    }

    /// Wraps an actix-web middleware around the app's routes: the async
    /// around-hook, for work that must wait for I/O before and after every
    /// handler (loading and saving a session).
    ///
    /// `make` is called once per worker (actix middleware is usually not
    /// `Send`). Contributed middleware runs after the before-hooks and the
    /// health path, the first registered outermost; its error responses
    /// become problem documents and the after-hooks see its responses.
    ///
    /// ```
    /// use actix_web::middleware::{from_fn, Next};
    /// use actix_web::body::BoxBody;
    /// use actix_web::dev::{ServiceRequest, ServiceResponse};
    /// use actix_web::http::header::{HeaderName, HeaderValue};
    /// use ext_core::{Extension, ExtensionError, Setup};
    ///
    /// async fn stamp(req: ServiceRequest, next: Next<BoxBody>) -> Result<ServiceResponse, actix_web::Error> {
    ///     // await a store here, before the handler ...
    ///     let mut res = next.call(req).await?;
    ///     // ... and after it
    ///     res.headers_mut().insert(HeaderName::from_static("x-stamp"), HeaderValue::from_static("1"));
    ///     Ok(res)
    /// }
    ///
    /// struct Stamp;
    /// impl Extension for Stamp {
    ///     fn name(&self) -> &str { "stamp" }
    ///     async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
    ///         app.middleware(|| from_fn(stamp));
    ///         Ok(())
    ///     }
    /// }
    /// ```
    pub fn middleware<F, T, B>(&mut self, make: F)
    where
        F: Fn() -> T + Send + Sync + 'static,
        T: Transform<NextService, ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
        T::Transform: 'static,
        T::InitError: fmt::Debug,
        B: MessageBody + 'static,
    {
        self.middleware.push(erase(make));
    }

    /// Adds routes under a prefix, like a Flask blueprint.
    ///
    /// The prefix is, from strongest to weakest: the one given to
    /// [`crate::AppBuilder::register_at`], `app.url_prefixes.<name>` in the
    /// configuration, then `default_prefix`. An empty prefix or `/` mounts
    /// the routes at the root.
    pub fn routes(
        &mut self,
        default_prefix: &str,
        routes: impl Fn(&mut ServiceConfig) + Send + Sync + 'static,
    ) {
        let prefix = self.url_prefix(default_prefix);
        self.mounts.push(Mount {
            prefix,
            routes: Arc::new(routes),
        });
    }

    /// The prefix under which [`Setup::routes`] would mount now.
    pub fn url_prefix(&self, default_prefix: &str) -> String {
        let prefix = self
            .prefix_override
            .as_deref()
            .or_else(|| self.settings.url_prefixes.get(&self.current).map(String::as_str))
            .unwrap_or(default_prefix);
        normalise_prefix(prefix)
    }

    /// Bundles templates with the extension (`include_str!` them, so
    /// nothing is copied at deploy time). A file of the same name in the
    /// app's templates folder overrides one, as Flask's app folder beats a
    /// blueprint's; name them under a folder of the extension's
    /// (`user/sign_in.html`). A name bundled twice keeps the first.
    #[cfg(feature = "templates")]
    pub fn bundle_templates(&mut self, templates: &[(&str, &'static str)]) {
        for (name, source) in templates {
            if self.bundles.contains_key(*name) {
                tracing::warn!(template = name, extension = %self.current, "template bundled twice; the first is kept");
                continue;
            }
            self.bundles.insert((*name).to_owned(), *source);
        }
    }

    /// Adds a health check, reported at `/health` under this extension's name.
    pub fn health_check<F, Fut>(&mut self, check: F)
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HealthStatus> + Send + 'static,
    {
        let name = self.current.clone();
        self.health_check_named(name, check);
    }

    /// Adds a health check under its own name (one per bind, say).
    pub fn health_check_named<F, Fut>(&mut self, name: impl Into<String>, check: F)
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HealthStatus> + Send + 'static,
    {
        self.health.push(HealthCheck {
            name: name.into(),
            check: Arc::new(move || Box::pin(check())),
        });
    }

    /// Adds work to run once the server has stopped gracefully (closing
    /// pools, flushing outboxes). Runs in reverse registration order.
    pub fn on_shutdown<F, Fut>(&mut self, work: F)
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let task: ShutdownTask = Box::new(move || Box::pin(work()));
        self.shutdown.push((self.current.clone(), task));
    }
}

/// `"api/"` → `"/api"`; `"/"` and `""` → `""` (the root).
fn normalise_prefix(prefix: &str) -> String {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}
