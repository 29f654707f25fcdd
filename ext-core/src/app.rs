//! The app builder: registers extensions, runs their `init_app` once, then
//! builds an ordinary actix-web `App` for every worker.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::body::BoxBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::web::{self, FormConfig, JsonConfig, PathConfig, PayloadConfig};
use actix_web::{App, Error};

use crate::config::{AppSettings, Config, ConfigError, Section};
use crate::health::HealthChecks;
use crate::hooks::{unrouted_service, HealthRoute, HookDispatcher, Hooks};
use crate::middleware::MakeMiddleware;
use crate::setup::{Mount, RoutesFn, ShutdownTask};
use crate::{Extension, ExtensionError, InitError, Registry, Setup};

type InitFn =
    Box<dyn for<'a> FnOnce(&'a mut Setup) -> Pin<Box<dyn Future<Output = Result<(), ExtensionError>> + 'a>>>;

struct Pending {
    name: String,
    prefix: Option<String>,
    init: InitFn,
}

/// The service factory inside every app that [`ExtApp::app`] builds, named
/// so that a function returning such an app can say so in one line:
///
/// ```
/// use actix_web::{web, App};
/// use ext_core::{AppFactory, ExtApp};
///
/// fn routes(app: &ExtApp) -> App<impl AppFactory> {
///     app.app().route("/", web::get().to(|| async { "index" }))
/// }
/// ```
///
/// Any actix `App` service factory with a boxed body is one.
pub trait AppFactory:
    ServiceFactory<
    ServiceRequest,
    Config = (),
    Response = ServiceResponse<BoxBody>,
    Error = Error,
    InitError = (),
>
{
}

impl<T> AppFactory for T where
    T: ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = Error,
        InitError = (),
    >
{
}

/// Collects extensions, then sets them up with [`AppBuilder::init`].
///
/// ```no_run
/// use actix_web::{web, HttpServer};
/// use ext_core::{AppBuilder, Config};
///
/// #[actix_web::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let app = AppBuilder::new(Config::load()?)
///         // .register(ext_cors::Cors::new())
///         .init()
///         .await?;
///     let factory = app.clone();
///     let server = HttpServer::new(move || {
///         // An ordinary actix-web App: add your own routes, scopes and middleware.
///         factory.app().route("/", web::get().to(|| async { "hello" }))
///     })
///     .bind(("127.0.0.1", 8080))?
///     .run();
///     // Serves until stopped, then runs every extension's shutdown work.
///     app.run(server).await?;
///     Ok(())
/// }
/// ```
pub struct AppBuilder {
    config: Config,
    pending: Vec<Pending>,
}

impl std::fmt::Debug for AppBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppBuilder")
            .field("config", &self.config)
            .field(
                "extensions",
                &self.pending.iter().map(|p| &p.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl AppBuilder {
    /// A builder over this configuration.
    pub fn new(config: Config) -> Self {
        Self {
            config,
            pending: Vec::new(),
        }
    }

    /// A builder over [`Config::load`]: `APP_CONFIG` or `app.toml`, and the
    /// environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self::new(Config::load()?))
    }

    /// Registers an extension: one call, nothing else to wire.
    pub fn register<E: Extension>(self, extension: E) -> Self {
        self.push(extension, None)
    }

    /// Registers an extension with its routes under `prefix`, as
    /// `app.register_blueprint(bp, url_prefix=...)` does.
    pub fn register_at<E: Extension>(self, extension: E, prefix: impl Into<String>) -> Self {
        self.push(extension, Some(prefix.into()))
    }

    fn push<E: Extension>(mut self, extension: E, prefix: Option<String>) -> Self {
        let name = extension.name().to_owned();
        self.pending.push(Pending {
            name,
            prefix,
            init: Box::new(move |setup| Box::pin(extension.init_app(setup))),
        });
        self
    }

    /// Runs every extension's `init_app` once, in registration order.
    ///
    /// Fails on the first extension that fails, naming it; two extensions
    /// with one name fail before any runs.
    pub async fn init(self) -> Result<ExtApp, InitError> {
        let settings: AppSettings = self
            .config
            .section(&app_section())
            .map_err(|error| InitError::new("app", error.into()))?;
        for (index, pending) in self.pending.iter().enumerate() {
            if self.pending[..index].iter().any(|p| p.name == pending.name) {
                return Err(InitError::new(
                    pending.name.clone(),
                    ExtensionError::message(format!(
                        "another extension is already registered as `{}`; give the second instance its own name",
                        pending.name
                    )),
                ));
            }
        }
        let mut setup = Setup::new(self.config.clone(), settings);
        for pending in self.pending {
            setup.current = pending.name.clone();
            setup.prefix_override = pending.prefix;
            (pending.init)(&mut setup)
                .await
                .map_err(|error| InitError::new(pending.name.clone(), error))?;
            tracing::info!(extension = %pending.name, "extension initialised");
        }
        #[cfg(feature = "templates")]
        setup.bundle_templates(&[crate::templates::ERROR_PAGE]);
        if setup.settings.debug {
            if crate::dev_page::AVAILABLE {
                tracing::warn!(
                    "[app] debug is on: development error pages and template reloading; never in production"
                );
            } else {
                tracing::warn!(
                    "[app] debug is on in a release build: no development error page is compiled in"
                );
            }
        }
        for section in self.config.unused_file_sections() {
            tracing::warn!(%section, "config section is not read by any registered extension");
        }
        Ok(ExtApp::from_setup(setup))
    }
}

/// The `[app]` section, with Flask's names for the secret.
fn app_section() -> Section {
    Section::new("app")
        .env_alias("SECRET_KEY", "secret_key")
        .env_alias("SECRET_KEY_FALLBACKS", "secret_key_fallbacks")
        .env_alias("TEMPLATES_AUTO_RELOAD", "templates_auto_reload")
}

/// The app after every extension's `init_app` has run.
///
/// Cheap to clone; [`ExtApp::app`] builds each worker's actix `App`.
#[derive(Clone)]
pub struct ExtApp {
    inner: Arc<ExtAppInner>,
}

struct ExtAppInner {
    config: Config,
    settings: AppSettings,
    registry: web::Data<Registry>,
    hooks: Hooks,
    middleware: Arc<[MakeMiddleware]>,
    mounts: Vec<Mount>,
    app_data: Vec<RoutesFn>,
    health: web::Data<HealthChecks>,
    #[cfg(feature = "templates")]
    templates: web::Data<crate::templates::Templates>,
    #[cfg(feature = "static-files")]
    static_assets: Option<web::Data<crate::static_files::StaticAssets>>,
    shutdown: Mutex<Vec<(String, ShutdownTask)>>,
}

impl std::fmt::Debug for ExtApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtApp")
            .field("registry", self.inner.registry.get_ref())
            .field("hooks", &self.inner.hooks.len())
            .field("middleware", &self.inner.middleware.len())
            .field(
                "mounts",
                &self.inner.mounts.iter().map(|m| &m.prefix).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl ExtApp {
    fn from_setup(setup: Setup) -> Self {
        let health = HealthChecks {
            checks: setup.health,
            timeout: Duration::from_millis(setup.settings.health_timeout_ms),
        };
        #[cfg(feature = "templates")]
        let templates = web::Data::new(crate::templates::Templates::new(
            Some(setup.settings.template_folder.clone()),
            setup.bundles,
            setup.settings.debug,
            setup
                .settings
                .templates_auto_reload
                .unwrap_or(setup.settings.debug),
            setup.config.public_values(),
        ));
        #[cfg(feature = "static-files")]
        let static_assets = setup.settings.static_folder.is_dir().then(|| {
            web::Data::new(crate::static_files::StaticAssets::new(
                setup.settings.static_url_path.clone(),
                setup.settings.static_folder.clone(),
            ))
        });
        Self {
            inner: Arc::new(ExtAppInner {
                #[cfg(feature = "templates")]
                templates,
                #[cfg(feature = "static-files")]
                static_assets,
                config: setup.config,
                settings: setup.settings,
                registry: web::Data::new(setup.registry),
                hooks: setup.hooks.into(),
                middleware: setup.middleware.into(),
                mounts: setup.mounts,
                app_data: setup.app_data.into_values().collect(),
                health: web::Data::new(health),
                shutdown: Mutex::new(setup.shutdown),
            }),
        }
    }

    /// The configuration the app was built from.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The app's own settings.
    pub fn settings(&self) -> &AppSettings {
        &self.inner.settings
    }

    /// What the extensions registered.
    pub fn registry(&self) -> &Registry {
        self.inner.registry.get_ref()
    }

    /// One worker's actix-web `App`, with every extension's state, routes
    /// and hooks, and `/health`. Call it inside `HttpServer::new`.
    ///
    /// The hook dispatcher is the innermost app-wide middleware: middleware
    /// you `.wrap()` around the result sees requests before the extensions'
    /// before-hooks and responses after their after-hooks.
    pub fn app(&self) -> App<impl AppFactory> {
        let inner = &self.inner;
        let settings = &inner.settings;
        let app = App::new()
            .app_data(inner.registry.clone())
            .app_data(JsonConfig::default().limit(settings.json_limit))
            .app_data(PayloadConfig::new(settings.payload_limit))
            .app_data(FormConfig::default().limit(settings.payload_limit))
            .app_data(PathConfig::default().error_handler(crate::problem::invalid_path))
            .app_data(web::Data::new(settings.trusted_proxies.clone()));
        #[cfg(feature = "templates")]
        let app = app.app_data(inner.templates.clone());
        #[cfg(feature = "static-files")]
        let app = match &inner.static_assets {
            Some(assets) => app.app_data(assets.clone()).service(
                actix_files::Files::new(&assets.url_path, &assets.folder)
                    .use_etag(true)
                    .use_last_modified(true),
            ),
            None => app,
        };
        let mut app = app;
        for install in &inner.app_data {
            app = app.configure(|cfg| install(cfg));
        }
        for mount in &inner.mounts {
            let routes = Arc::clone(&mount.routes);
            app = if mount.prefix.is_empty() {
                app.configure(move |cfg| routes(cfg))
            } else {
                app.service(web::scope(&mount.prefix).configure(move |cfg| routes(cfg)))
            };
        }
        let body_timeout =
            (settings.body_timeout_ms > 0).then(|| Duration::from_millis(settings.body_timeout_ms));
        let handler_timeout =
            (settings.handler_timeout_ms > 0).then(|| Duration::from_millis(settings.handler_timeout_ms));
        app.default_service(unrouted_service(Arc::clone(&inner.hooks)))
            // Inside the dispatcher, so its 408 is a problem document that
            // goes through the after-hooks.
            .wrap(crate::deadlines::Deadlines {
                body: body_timeout,
                handler: handler_timeout,
            })
            .wrap(HookDispatcher::new(
                Arc::clone(&inner.hooks),
                HealthRoute {
                    path: Rc::from(settings.health_path.as_str()),
                    checks: inner.health.clone(),
                },
                Arc::clone(&inner.middleware),
                self.error_pages(),
                settings.debug,
            ))
    }

    #[cfg(feature = "templates")]
    fn error_pages(&self) -> Option<crate::templates::ErrorPages> {
        Some(crate::templates::ErrorPages::new(
            self.inner.templates.clone().into_inner(),
        ))
    }

    #[cfg(not(feature = "templates"))]
    fn error_pages(&self) -> Option<crate::hooks::NoErrorPages> {
        None
    }

    /// Runs every extension's shutdown work, once, in reverse registration
    /// order. Later calls do nothing.
    pub async fn shutdown(&self) {
        let tasks = match self.inner.shutdown.lock() {
            Ok(mut tasks) => std::mem::take(&mut *tasks),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        };
        for (extension, task) in tasks.into_iter().rev() {
            tracing::info!(%extension, "running shutdown work");
            task().await;
        }
    }

    /// Serves until the server stops (Ctrl-C, SIGTERM or its handle), then
    /// runs the shutdown work.
    pub async fn run(&self, server: Server) -> io::Result<()> {
        let served = server.await;
        self.shutdown().await;
        served
    }
}
