//! The `Extension` trait: Flask's extension object with its `init_app`.

use std::future::Future;

use crate::{ExtensionError, Setup};

/// A pluggable extension, registered on an app with one call to
/// [`crate::AppBuilder::register`].
///
/// `init_app` runs once, before the server starts, in registration order. It
/// reads the extension's settings, connects clients, and registers what the
/// extension needs on the [`Setup`]: shared state, request hooks, routes,
/// health checks and shutdown work. An error stops start-up and names the
/// extension.
///
/// ```
/// use actix_web::{web, HttpResponse};
/// use ext_core::{Extension, ExtensionError, Setup};
///
/// /// Says hello at `/hello/` (or under the prefix the user chose).
/// struct Hello;
///
/// impl Extension for Hello {
///     fn name(&self) -> &str {
///         "hello"
///     }
///
///     async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
///         app.routes("/hello", |cfg| {
///             cfg.route("/", web::get().to(|| async { HttpResponse::Ok().body("hello") }));
///         });
///         Ok(())
///     }
/// }
/// ```
pub trait Extension: 'static {
    /// The instance name: the registry name, the default config section and,
    /// for a second instance, a different one (`mongo2`).
    fn name(&self) -> &str;

    /// Sets the extension up on the app. Runs once, before the server starts.
    fn init_app(self, app: &mut Setup) -> impl Future<Output = Result<(), ExtensionError>>;
}
