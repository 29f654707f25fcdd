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
//!
//! [sqlalchemy]
//! database_uri = "postgresql://postgres@127.0.0.1/app"
//! ```
//!
//! With no `[sqlalchemy]` and no `DATABASE_URL`, notes live in SQLite at
//! `instance/example.db`. Attachments of notes live in MongoDB's GridFS
//! (`MONGO_URI`); without it they answer 503 and the rest works.
//!
//! Accounts live under `/user` (ext-user: register, sign in, sign out,
//! change password or username, `/user/me`); `/account` needs a signed-in
//! user and `/admin/users/{login}` the `admin` role (`example-app user
//! create … --role admin` makes one).
//!
//! `app.example.toml` beside this crate shows every section.

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]

pub mod api_doc;
pub mod attachments;
pub mod notes;
pub mod request_log;
mod settings;
pub mod users;

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{web, App, Error, HttpResponse};
use ext_core::{AppBuilder, Config, ExtApp, InitError, Section};
use serde_json::json;

pub use self::settings::ExampleSettings;

/// Loads the example's settings, runs every extension's `init_app`, then
/// the migrations unless `[example] migrate = false`.
pub async fn build(config: Config) -> Result<(ExtApp, ExampleSettings), InitError> {
    let (ext, settings) = build_without_migrating(config).await?;
    if settings.migrate {
        migrate(&ext).await?;
    }
    Ok((ext, settings))
}

/// [`build`] without the migrations.
pub async fn build_without_migrating(config: Config) -> Result<(ExtApp, ExampleSettings), InitError> {
    let ext = AppBuilder::new(config)
        .register(settings::ExampleExtension)
        // CORS from `[cors]` / `CORS_*`; the embedded default allows any
        // origin, without credentials.
        .register(ext_cors::Cors::new())
        // The ORM from `[sqlalchemy]` / `SQLALCHEMY_*` / `DATABASE_URL`;
        // the embedded default is SQLite in the instance folder.
        .register(
            ext_orm::Orm::new()
                .default_database_uri(DEFAULT_DATABASE)
                .migrator::<notes::migration::Migrator>(),
        )
        // MongoDB from `[mongo]` / `MONGO_URI`, for attachments; optional:
        // without it the app starts and those routes answer 503.
        .register(ext_mongo::Mongo::new().optional())
        // Flask's session (`[session]` / `SESSION_*`: a signed cookie by
        // default, `type = "sqlalchemy"` keeps them in the database) and
        // CSRF protection (`[csrf]` / `WTF_CSRF_*`); both need SECRET_KEY.
        .register(ext_core::session::Sessions::new())
        .register(ext_core::session::Csrf::new())
        // Accounts at /user/… (`[user]` / `USER_*`), in the ORM's database
        // unless `[user] store = "mongodb"`.
        .register(ext_user::Users::new())
        .init()
        .await?;
    let settings = ext
        .registry()
        .get::<ExampleSettings>()
        .map(|settings| (*settings).clone())
        .unwrap_or_default();
    Ok((ext, settings))
}

/// The database the example uses when none is configured.
pub const DEFAULT_DATABASE: &str = "sqlite:///example.db";

/// Runs the example's pending migrations on the default database (the
/// migrator registered with ext-orm).
pub async fn migrate(ext: &ExtApp) -> Result<(), InitError> {
    let failed = |error: String| InitError::new("sqlalchemy", ext_core::ExtensionError::message(error));
    let orm = ext
        .registry()
        .get::<ext_orm::OrmState>()
        .ok_or_else(|| failed("the ORM is not registered".to_owned()))?;
    let conn = orm.conn().map_err(|error| failed(error.to_string()))?;
    notes::migration::rename_legacy(conn)
        .await
        .map_err(|error| failed(format!("migrations failed: {error}")))?;
    orm.migrate()
        .await
        .map_err(|error| failed(format!("migrations failed: {error}")))
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
    ext.app()
        // Resources rather than `App::route`, whose method guard makes a
        // wrong method a 404 instead of a 405 with `Allow`.
        .service(web::resource("/").get(index))
        .configure(notes::routes)
        .configure(attachments::routes)
        .service(web::resource("/account").get(account))
        .service(web::resource("/openapi.json").get(api_doc::openapi))
        .service(
            web::scope("/admin")
                .wrap(ext_user::roles_required(ext_user::Roles::required(["admin"])))
                .service(web::resource("/users/{login}").get(admin_find_user)),
        )
}

/// The signed-in user (401 otherwise).
async fn account(user: ext_user::CurrentUser) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "user": &*user.0 }))
}

/// Any user, for administrators.
async fn admin_find_user(
    manager: web::Data<ext_user::UserManager>,
    login: web::Path<String>,
) -> Result<HttpResponse, ext_user::UserError> {
    match manager.find(&login).await? {
        Some(user) => Ok(HttpResponse::Ok().json(json!({ "user": user }))),
        None => Err(ext_user::UserError::NotFound),
    }
}

/// Says what this app is and where to look next.
async fn index(settings: web::Data<ExampleSettings>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "name": settings.name,
        "health": "/health",
        "notes": "/notes",
        "sign_in": "/user/sign-in",
        "openapi": "/openapi.json",
    }))
}

/// The example's own section, for `Section::new("example")`.
pub fn section() -> Section {
    Section::new("example")
}
