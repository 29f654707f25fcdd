//! Builds an app with ext-cors registered and sends it one request.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::Method;
use actix_web::test::{call_service, init_service, TestRequest};
use actix_web::{web, HttpResponse};
use ext_core::{AppBuilder, Config};
use ext_cors::{Cors, CrossOrigin};

/// The routes of the test app.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/api/items",
        web::get().to(|| async { HttpResponse::Ok().body("items") }),
    )
    .route(
        "/api/items",
        web::post().to(|body: web::Json<serde_json::Value>| async move {
            HttpResponse::Created().json(body.into_inner())
        }),
    )
    .route("/apiA", web::get().to(HttpResponse::Ok))
    .route(
        "/api/vary",
        web::get().to(|| async {
            HttpResponse::Ok()
                .insert_header(("Vary", "Accept-Encoding"))
                .finish()
        }),
    )
    .route(
        "/api/vary-origin",
        web::get().to(|| async { HttpResponse::Ok().insert_header(("Vary", "origin")).finish() }),
    )
    .route(
        "/api/own-cors",
        web::route().to(|| async {
            HttpResponse::Ok()
                .insert_header(("Access-Control-Allow-Credentials", "true"))
                .insert_header(("Access-Control-Max-Age", "5"))
                .finish()
        }),
    )
    .route(
        "/api/fail",
        web::get()
            .to(|| async { Err::<HttpResponse, _>(actix_web::error::ErrorInternalServerError("boom")) }),
    );
}

/// A configuration from a TOML file and environment variables, nothing else.
pub fn config(toml: &str, env: &[(&str, &str)]) -> Config {
    Config::builder()
        .toml_str(toml)
        .env_vars(env.iter().copied())
        .build()
        .unwrap()
}

/// `GET /partner` with its own policy (`CrossOrigin`, the `@cross_origin`
/// of these tests): only `https://partner.example`, max age 60.
pub fn partner_route(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/partner")
            .wrap(
                CrossOrigin::new()
                    .origins(["https://partner.example"])
                    .max_age(60),
            )
            .route(web::get().to(HttpResponse::Ok)),
    );
}

/// A request: method, path, headers.
pub fn request(method: &str, path: &str, headers: &[(&str, &str)]) -> TestRequest {
    let mut request = TestRequest::default()
        .method(Method::from_bytes(method.as_bytes()).unwrap())
        .uri(path);
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    request
}

/// Sends one request to an app with `cors` registered (and `toml` as its file).
pub async fn send_with(toml: &str, cors: Cors, req: TestRequest) -> ServiceResponse<BoxBody> {
    let config = Config::builder()
        .toml_str(toml)
        .env_vars(Vec::<(String, String)>::new())
        .build()
        .unwrap();
    let ext = AppBuilder::new(config).register(cors).init().await.unwrap();
    let app = init_service(ext.app().configure(routes)).await;
    call_service(&app, req.to_request()).await
}

/// Sends one request to an app with `cors` registered.
pub async fn send(cors: Cors, req: TestRequest) -> ServiceResponse<BoxBody> {
    send_with("", cors, req).await
}

/// One header's value, if present (the first line).
pub fn header<'a>(res: &'a ServiceResponse<BoxBody>, name: &str) -> Option<&'a str> {
    res.headers().get(name).and_then(|value| value.to_str().ok())
}

/// Every line of a header.
pub fn lines<'a>(res: &'a ServiceResponse<BoxBody>, name: &str) -> Vec<&'a str> {
    res.headers()
        .get_all(name)
        .filter_map(|value| value.to_str().ok())
        .collect()
}

/// The names of the CORS headers present, sorted.
pub fn cors_names(res: &ServiceResponse<BoxBody>) -> Vec<String> {
    let mut names: Vec<String> = res
        .headers()
        .keys()
        .map(|name| name.as_str().to_owned())
        .filter(|name| name.starts_with("access-control-"))
        .collect();
    names.sort();
    names.dedup();
    names
}

pub const ACAO: &str = "access-control-allow-origin";
pub const ACAC: &str = "access-control-allow-credentials";
pub const ACAM: &str = "access-control-allow-methods";
pub const ACAH: &str = "access-control-allow-headers";
pub const ACMA: &str = "access-control-max-age";
pub const ACAPN: &str = "access-control-allow-private-network";
pub const ACRM: &str = "access-control-request-method";
pub const ACRH: &str = "access-control-request-headers";
pub const ACRPN: &str = "access-control-request-private-network";

/// Both modes, for tests that run in each.
pub fn in_mode(compat: bool) -> Cors {
    Cors::new().flask_compatible(compat)
}

/// A `tracing` writer that keeps what is logged.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Captures this thread's log lines, debug and up, until the guard drops.
pub fn capture_logs() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}
