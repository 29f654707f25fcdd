//! The server that `scripts/bench-cors.sh` loads: `GET /hello` and
//! `OPTIONS /hello` from
//!
//! - `bare`: an actix-web app without CORS;
//! - `cors`: the same route on an ext-core app with ext-cors registered;
//! - `cors-before-routing`: the same with `preflight_before_routing`;
//! - `handwritten`: the bare app whose handlers add, as constants, the very
//!   headers ext-cors sends for the benchmark's requests — what writing them
//!   into actix's header map and onto the wire costs with no CORS logic at
//!   all, the floor for any CORS layer;
//! - `handwritten-unrouted`: the bare app with only its `GET` route, whose
//!   default service answers an `OPTIONS` to a known path with those
//!   constant headers — the floor for a CORS layer that lets routing decide
//!   a preflight's fate, as Flask does (and ext-cors by default);
//!
//! so they can be measured side by side.
//!
//! ```sh
//! cargo run --release -p ext-cors --example bench_cors_server -- bare 127.0.0.1:18090
//! cargo run --release -p ext-cors --example bench_cors_server -- cors 127.0.0.1:18091
//! cargo run --release -p ext-cors --example bench_cors_server -- handwritten 127.0.0.1:18092
//! cargo run --release -p ext-cors --example bench_cors_server -- cors-before-routing 127.0.0.1:18093
//! cargo run --release -p ext-cors --example bench_cors_server -- handwritten-unrouted 127.0.0.1:18094
//! ```

use actix_web::dev::{fn_service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::{web, App, HttpResponse, HttpServer};
use ext_core::{AppBuilder, Config};
use ext_cors::Cors;

async fn hello() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("hello")
}

/// `hello` with the headers ext-cors adds to the benchmark's CORS GET.
async fn hello_handwritten() -> HttpResponse {
    let mut response = hello().await;
    let headers = response.headers_mut();
    headers.append(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("https://app.example"),
    );
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    response
}

/// The preflight answer ext-cors gives the benchmark's preflight.
async fn preflight_handwritten() -> HttpResponse {
    let mut response = HttpResponse::Ok().finish();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, "https://app.example"),
        (header::ACCESS_CONTROL_ALLOW_HEADERS, "content-type"),
        (header::ACCESS_CONTROL_MAX_AGE, "600"),
        (header::VARY, "Origin"),
        (
            header::ACCESS_CONTROL_ALLOW_METHODS,
            "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT",
        ),
    ] {
        headers.append(name, HeaderValue::from_static(value));
    }
    response
}

/// The default service of `handwritten-unrouted`: what Flask's automatic
/// `OPTIONS` is to an actix app whose routes are for other methods.
async fn unrouted_handwritten(req: ServiceRequest) -> Result<ServiceResponse, actix_web::Error> {
    if req.method() == Method::OPTIONS && req.request().resource_map().has_resource(req.path()) {
        let answer = preflight_handwritten().await;
        return Ok(req.into_response(answer));
    }
    Ok(req.into_response(HttpResponse::NotFound().finish()))
}

/// Serves `app` (an `App` factory) with one worker.
macro_rules! serve {
    ($address:expr, $app:expr) => {
        HttpServer::new($app).workers(1).bind($address)?.run().await
    };
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "bare".to_owned());
    let address = args.next().unwrap_or_else(|| "127.0.0.1:18090".to_owned());
    let cors = Cors::new()
        .origins(["https://app.example", "https://admin.example"])
        .max_age(600);
    match kind.as_str() {
        // Without CORS a preflight is just an OPTIONS request: give it a
        // 200 route so both apps answer it with an empty 200.
        "bare" => serve!(&address, || {
            App::new()
                .route("/hello", web::get().to(hello))
                .route("/hello", web::method(Method::OPTIONS).to(HttpResponse::Ok))
        }),
        "handwritten" => serve!(&address, || {
            App::new()
                .route("/hello", web::get().to(hello_handwritten))
                .route("/hello", web::method(Method::OPTIONS).to(preflight_handwritten))
        }),
        "handwritten-unrouted" => serve!(&address, || {
            App::new()
                .route("/hello", web::get().to(hello_handwritten))
                .default_service(fn_service(unrouted_handwritten))
        }),
        "cors" => serve_cors(&address, cors).await,
        "cors-before-routing" => serve_cors(&address, cors.preflight_before_routing(true)).await,
        other => Err(std::io::Error::other(format!(
            "unknown server kind {other}: use bare, cors, cors-before-routing, handwritten or handwritten-unrouted"
        ))),
    }
}

/// The `GET /hello` route on an ext-core app with `cors` registered.
async fn serve_cors(address: &str, cors: Cors) -> std::io::Result<()> {
    let ext = AppBuilder::new(Config::empty())
        .register(cors)
        .init()
        .await
        .map_err(std::io::Error::other)?;
    let factory = ext.clone();
    let server = HttpServer::new(move || factory.app().route("/hello", web::get().to(hello)))
        .workers(1)
        .bind(address)?
        .run();
    ext.run(server).await
}
