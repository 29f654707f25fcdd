//! The server that `scripts/bench-core.sh` loads: one route, served either by
//! a bare actix-web `App` or by an app built through ext-core with no
//! extensions, so the two can be measured side by side.
//!
//! ```sh
//! cargo run --release -p ext-core --example bench_server -- bare 127.0.0.1:18080
//! cargo run --release -p ext-core --example bench_server -- core 127.0.0.1:18081
//! ```

use actix_web::{web, App, HttpResponse, HttpServer};
use ext_core::{AppBuilder, Config};

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
        "core" => {
            let ext = AppBuilder::new(Config::empty())
                .init()
                .await
                .map_err(std::io::Error::other)?;
            let factory = ext.clone();
            let server = HttpServer::new(move || factory.app().route("/hello", web::get().to(hello)))
                .workers(1)
                .bind(&address)?
                .run();
            ext.run(server).await
        }
        other => Err(std::io::Error::other(format!(
            "unknown server kind {other}: use bare or core"
        ))),
    }
}
