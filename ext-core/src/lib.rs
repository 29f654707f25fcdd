//! The common `init_app` hook for Flask-style actix-web extensions.
//!
//! Flask's contract is an extension object, `init_app(app)` reading
//! `app.config`, request hooks, and a registry (`app.extensions`). This crate
//! keeps that contract for actix-web:
//!
//! - [`Extension`]: one `init_app`, async, run once before the server starts;
//!   an error stops start-up and names the extension and the config key.
//! - [`AppBuilder`]: registers extensions in one call each, runs them in
//!   order, and yields an [`ExtApp`] that builds an ordinary actix-web `App`
//!   per worker, to which you add your own routes, scopes and middleware.
//! - [`RequestHook`]: before- and after-request hooks, run by one dispatcher,
//!   so no extension needs a separate `.wrap(...)`.
//! - [`Registry`]: where extensions find each other, with named instances
//!   side by side.
//! - [`config`]: layered settings — defaults < `app.toml` < environment <
//!   code — with Flask's key names.
//! - [`Problem`]: every error response, actix's own rejections included, is
//!   an RFC 9457 `application/problem+json` document.
//! - Health checks from every extension at `/health`, and shutdown work run
//!   on graceful stop.
//!
//! # Crate Features
//!
//! - `sessions`: Flask's [`session`] (a signed cookie, or a server-side
//!   store), flash messages and CSRF protection. Needs `[app] secret_key`.
//! - `redis-sessions`: a Redis session store (`[session] type = "redis"`).
//! - `templates`: Jinja2 templates ([`templates`]: `render_template`,
//!   `url_for`, app and bundled templates) and HTML error pages for
//!   browsers.
//! - `static-files`: the app's `static/` folder at `/static` (actix-files),
//!   with content-hashed `url_for('static', ...)`.
//!
//! Everything else is needed by every extension and always built.
//!
//! # Example
//!
//! ```no_run
//! use actix_web::{web, HttpResponse, HttpServer};
//! use ext_core::{AppBuilder, Config, Extension, ExtensionError, HealthStatus, Setup};
//!
//! /// A tiny extension: shared state, a route under a prefix, a health check.
//! struct Greeter;
//!
//! impl Extension for Greeter {
//!     fn name(&self) -> &str {
//!         "greeter"
//!     }
//!
//!     async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
//!         app.provide(String::from("hello"));
//!         app.routes("/greet", |cfg| {
//!             cfg.route("", web::get().to(|word: web::Data<String>| async move {
//!                 HttpResponse::Ok().body(word.to_string())
//!             }));
//!         });
//!         app.health_check(|| async { HealthStatus::Up });
//!         Ok(())
//!     }
//! }
//!
//! #[actix_web::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let app = AppBuilder::new(Config::load()?).register(Greeter).init().await?;
//!     let factory = app.clone();
//!     let server = HttpServer::new(move || {
//!         factory
//!             .app()
//!             .route("/", web::get().to(|| async { "index" }))
//!             // Middleware wrapped here runs outside the extensions' hooks.
//!             .wrap(actix_web::middleware::Logger::default())
//!     })
//!     .bind(("127.0.0.1", 8080))?
//!     .run();
//!     app.run(server).await?;
//!     Ok(())
//! }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]

mod app;
pub mod body_deadline;
mod client_ip;
pub mod config;
pub mod converters;
mod deadlines;
mod dev_page;
mod error;
mod extension;
mod handler_deadline;
mod head;
mod health;
mod hooks;
pub mod logging;
mod middleware;
// Used by the HTML error pages and the development error page only.
#[cfg(any(debug_assertions, feature = "templates"))]
mod negotiate;
pub mod problem;
mod query;
mod registry;
mod secret;
#[cfg(feature = "sessions")]
pub mod session;
mod setup;
#[cfg(feature = "static-files")]
mod static_files;
#[cfg(feature = "templates")]
pub mod templates;

pub use self::app::{AppBuilder, AppFactory, ExtApp};
pub use self::client_ip::{client_ip, TrustedProxies};
pub use self::config::{Config, ConfigError, Section};
pub use self::error::{BoxError, ExtensionError, InitError};
pub use self::extension::Extension;
pub use self::handler_deadline::HandlerTimedOut;
pub use self::head::is_head;
pub use self::health::{HealthFuture, HealthStatus};
pub use self::hooks::RequestHook;
pub use self::middleware::NextService;
pub use self::problem::Problem;
pub use self::query::{Query, QueryError};
pub use self::registry::{Registry, RegistryExt};
pub use self::secret::{PurposeKey, SecretKeyError, SecretKeys, MIN_SECRET_LEN};
pub use self::setup::Setup;
