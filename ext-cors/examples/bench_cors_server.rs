//! The server that `scripts/bench-cors.sh` loads: `GET /hello` and
//! `OPTIONS /hello` from a bare actix-web app, or the same route on an
//! ext-core app with ext-cors registered, so the two can be measured side by
//! side.
//!
//! ```sh
//! cargo run --release -p ext-cors --example bench_cors_server -- bare 127.0.0.1:18090
//! cargo run --release -p ext-cors --example bench_cors_server -- cors 127.0.0.1:18091
//! ```

use actix_web::{web, App, HttpResponse, HttpServer};
use ext_core::{AppBuilder, Config};
use ext_cors::Cors;

async fn hello() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("hello")
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "bare".to_owned());
    let address = args.next().unwrap_or_else(|| "127.0.0.1:18090".to_owned());
    match kind.as_str() {
        // Without CORS a preflight is just an OPTIONS request: give it a
        // 200 route so both apps answer it with an empty 200.
        "bare" => {
            HttpServer::new(|| {
                App::new().route("/hello", web::get().to(hello)).route(
                    "/hello",
                    web::method(actix_web::http::Method::OPTIONS).to(HttpResponse::Ok),
                )
            })
            .workers(1)
            .bind(&address)?
            .run()
            .await
        }
        "cors" => {
            let ext = AppBuilder::new(Config::empty())
                .register(
                    Cors::new()
                        .origins(["https://app.example", "https://admin.example"])
                        .max_age(600),
                )
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
            "unknown server kind {other}: use bare or cors"
        ))),
    }
}
