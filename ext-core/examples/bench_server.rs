//! The server that `scripts/bench-core.sh` loads: one route, served either by
//! a bare actix-web `App`, by an app built through ext-core with no
//! extensions, or by one with a single extension that contributes a
//! pass-through async middleware (`from_fn`), so they can be measured side by
//! side.
//!
//! ```sh
//! cargo run --release -p ext-core --example bench_server -- bare 127.0.0.1:18080
//! cargo run --release -p ext-core --example bench_server -- core 127.0.0.1:18081
//! cargo run --release -p ext-core --example bench_server -- core-middleware 127.0.0.1:18082
//! ```

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, App, HttpResponse, HttpServer};
use ext_core::{AppBuilder, Config, Extension, ExtensionError, Setup};

/// One async around-hook that only awaits the routes.
struct PassThrough;

impl Extension for PassThrough {
    fn name(&self) -> &str {
        "pass-through"
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        app.middleware(|| from_fn(pass_through));
        Ok(())
    }
}

async fn pass_through(req: ServiceRequest, next: Next<BoxBody>) -> Result<ServiceResponse, actix_web::Error> {
    next.call(req).await
}

async fn hello() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("hello")
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "bare".to_owned());
    let address = args.next().unwrap_or_else(|| "127.0.0.1:18080".to_owned());
    match kind.as_str() {
        "bare" => {
            HttpServer::new(|| App::new().route("/hello", web::get().to(hello)))
                .workers(1)
                .bind(&address)?
                .run()
                .await
        }
        "core" | "core-middleware" => {
            let mut builder = AppBuilder::new(Config::empty());
            if kind == "core-middleware" {
                builder = builder.register(PassThrough);
            }
            let ext = builder.init().await.map_err(std::io::Error::other)?;
            let factory = ext.clone();
            let server = HttpServer::new(move || factory.app().route("/hello", web::get().to(hello)))
                .workers(1)
                .bind(&address)?
                .run();
            ext.run(server).await
        }
        other => Err(std::io::Error::other(format!(
            "unknown server kind {other}: use bare, core or core-middleware"
        ))),
    }
}
