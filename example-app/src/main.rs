//! Serves the example app: `cargo run -p example-app`; `cargo run -p
//! example-app -- migrate` applies the migrations and exits.
//!
//! Reads `app.toml` (or `APP_CONFIG`) and the environment; listens on
//! `example.bind` (default `127.0.0.1:8080`). Stops gracefully on Ctrl-C or
//! SIGTERM, then runs every extension's shutdown work.

use std::io::IsTerminal;
use std::process::ExitCode;

use actix_web::HttpServer;
use example_app::request_log::RequestSpan;
use ext_core::{Config, Section};
use tracing_actix_web::TracingLogger;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

#[actix_web::main]
async fn main() -> ExitCode {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::registry()
        // Protocol errors any client can cause stay out of the error log.
        .with(ext_core::logging::QuietClientErrors)
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_ansi(std::io::stdout().is_terminal()))
        .init();
    match serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let config = with_instance_defaults(Config::load()?)?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("user") {
        // `example-app user …`: administer accounts and exit.
        let (ext, _) = example_app::build(config).await?;
        let manager = ext
            .registry()
            .get::<ext_user::UserManager>()
            .ok_or("ext-user is not registered")?;
        let outcome = example_app::users::command(&manager, &args[1..], read_password).await;
        ext.shutdown().await;
        return match outcome {
            Ok(message) => {
                tracing::info!("{message}");
                Ok(())
            }
            Err(message) => Err(message.into()),
        };
    }
    if args.first().map(String::as_str) == Some("migrate") {
        // `example-app migrate`: apply pending migrations and exit.
        let (ext, _) = example_app::build_without_migrating(config).await?;
        example_app::migrate(&ext).await?;
        tracing::info!("migrations applied");
        ext.shutdown().await;
        return Ok(());
    }
    let (ext, settings) = example_app::build(config).await?;
    let sweeper = ext.clone();
    actix_web::rt::spawn(async move {
        match example_app::attachments::sweep_orphans(&sweeper).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "swept chunks of failed uploads"),
            Err(error) => tracing::warn!(%error, "sweeping chunks of failed uploads failed"),
        }
    });
    let factory = ext.clone();
    let mut server =
        HttpServer::new(move || example_app::app(&factory).wrap(TracingLogger::<RequestSpan>::new()));
    if settings.workers > 0 {
        server = server.workers(settings.workers);
    }
    let server = server.bind(&settings.bind)?;
    for address in server.addrs() {
        tracing::info!(%address, "listening");
    }
    ext.run(server.run()).await?;
    Ok(())
}

/// The config, with the embedded defaults that depend on this
/// installation, each only where nothing configures it:
///
/// - `instance/secret_key` (created if missing) as the secret key, so that
///   sessions are signed with a key of this installation's own;
/// - `http://<example.bind>` as `[app] public_url`, the origin of links in
///   mail;
/// - `instance/mail` as the folder mail is written to, when no
///   `[user] mail_url` names an SMTP server.
fn with_instance_defaults(config: Config) -> Result<Config, Box<dyn std::error::Error>> {
    let section = Section::new("app").env_alias("SECRET_KEY", "secret_key");
    let app: ext_core::config::AppSettings = config.section(&section)?;
    let example: example_app::ExampleSettings = config.section(&example_app::section())?;
    let user: serde_json::Map<String, serde_json::Value> = config.section(&Section::new("user"))?;
    let mut defaults = Vec::new();
    if app.secret_key.is_none() {
        let path = std::path::Path::new("instance/secret_key");
        let key = example_app::users::instance_secret_key(path)?;
        tracing::warn!(path = %path.display(), "no SECRET_KEY configured: using the key kept in this file");
        defaults.push(("SECRET_KEY".to_owned(), key));
    }
    if app.public_url.is_none() {
        defaults.push(("APP_PUBLIC_URL".to_owned(), format!("http://{}", example.bind)));
    }
    if !user.contains_key("mail_url") && !user.contains_key("mail_folder") {
        defaults.push(("USER_MAIL_FOLDER".to_owned(), "instance/mail".to_owned()));
    }
    if defaults.is_empty() {
        return Ok(config);
    }
    Ok(Config::builder()
        .env_vars(std::env::vars().chain(defaults))
        .build()?)
}

/// The password for `example-app user`: `EXAMPLE_USER_PASSWORD`, else the
/// first line of standard input.
fn read_password() -> Result<String, String> {
    if let Ok(password) = std::env::var("EXAMPLE_USER_PASSWORD") {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|error| format!("could not read the password: {error}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
