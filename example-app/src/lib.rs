//! An actix-web app that registers the Flask-style extensions and shows how
//! they are configured.
//!
//! [`build`] runs every extension's `init_app` and returns the [`ExtApp`];
//! [`app`] turns it into one worker's actix `App` with the example's own
//! routes. Tests call both directly, with no socket; `main.rs` serves them.
//!
//! Configuration is read as for any ext-core app: `app.toml` (or the file
//! named by `APP_CONFIG`), then the environment. The example's own settings
//! live in `[example]`:
//!
//! ```toml
//! [example]
//! name = "Example"
//! bind = "127.0.0.1:8080"
//!
//! [cors]
//! origins = ["http://localhost:3000"]
//! ```
//!
//! `app.example.toml` beside this crate shows every section.

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]

mod settings;

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{web, App, Error, HttpResponse};
use ext_core::{AppBuilder, Config, ExtApp, InitError, Section};
use serde_json::json;

pub use self::settings::ExampleSettings;

/// Loads the example's settings and runs every extension's `init_app`.
pub async fn build(config: Config) -> Result<(ExtApp, ExampleSettings), InitError> {
    let ext = AppBuilder::new(config)
        .register(settings::ExampleExtension)
        // CORS from `[cors]` / `CORS_*`; the embedded default allows any
        // origin, without credentials.
        .register(ext_cors::Cors::new())
        .init()
        .await?;
    let settings = ext
        .registry()
        .get::<ExampleSettings>()
        .map(|settings| (*settings).clone())
        .unwrap_or_default();
    Ok((ext, settings))
}

/// One worker's app: the extensions' routes and hooks plus the example's own.
pub fn app(
    ext: &ExtApp,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = Error,
        InitError = (),
    >,
> {
    ext.app().route("/", web::get().to(index))
}

/// Says what this app is and where to look next.
async fn index(settings: web::Data<ExampleSettings>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "name": settings.name,
        "health": "/health",
    }))
}

/// The example's own section, for `Section::new("example")`.
pub fn section() -> Section {
    Section::new("example")
}
