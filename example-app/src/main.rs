//! Serves the example app: `cargo run -p example-app`; `cargo run -p
//! example-app -- migrate` applies the migrations and exits.
//!
//! Reads `app.toml` (or `APP_CONFIG`) and the environment; listens on
//! `example.bind` (default `127.0.0.1:8080`). Stops gracefully on Ctrl-C or
//! SIGTERM, then runs every extension's shutdown work.

use std::io::IsTerminal;
use std::process::ExitCode;

use actix_web::HttpServer;
use ext_core::Config;
use tracing_actix_web::TracingLogger;
use tracing_subscriber::EnvFilter;

#[actix_web::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_ansi(std::io::stdout().is_terminal())
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
    let config = Config::load()?;
    if std::env::args().nth(1).as_deref() == Some("migrate") {
        // `example-app migrate`: apply pending migrations and exit.
        let (ext, _) = example_app::build_without_migrating(config).await?;
        example_app::migrate(&ext).await?;
        tracing::info!("migrations applied");
        ext.shutdown().await;
        return Ok(());
    }
    let (ext, settings) = example_app::build(config).await?;
    let factory = ext.clone();
    let mut server = HttpServer::new(move || example_app::app(&factory).wrap(TracingLogger::default()));
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
