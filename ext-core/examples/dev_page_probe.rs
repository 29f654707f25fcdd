//! Proves that a release build never shows the development error page,
//! even with `[app] debug = true`: `scripts/test.sh` runs it as
//!
//! ```sh
//! cargo run --release -p ext-core --example dev_page_probe
//! ```
//!
//! It answers a browser's request for a failing handler in process and
//! exits non-zero if the answer is anything but the generic error page.
//! (In a debug build the same request gets the development page; the test
//! `tests/dev_page.rs` checks that side.)

use actix_web::http::header::ACCEPT;
use actix_web::test::{call_service, init_service, read_body, TestRequest};
use actix_web::{web, HttpResponse};
use ext_core::{AppBuilder, Config};

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let config = match Config::builder()
        .no_file()
        .env_vars([("APP_DEBUG", "true")])
        .build()
    {
        Ok(config) => config,
        Err(error) => {
            eprintln!("dev_page_probe: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let ext = match AppBuilder::new(config).init().await {
        Ok(ext) => ext,
        Err(error) => {
            eprintln!("dev_page_probe: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let app = init_service(ext.app().route(
        "/fail",
        web::get().to(|| async {
            Err::<HttpResponse, _>(actix_web::error::ErrorInternalServerError("probe failure detail"))
        }),
    ))
    .await;
    let res = call_service(
        &app,
        TestRequest::get()
            .uri("/fail")
            .insert_header((ACCEPT, "text/html"))
            .to_request(),
    )
    .await;
    let status = res.status();
    let body = String::from_utf8_lossy(&read_body(res).await).into_owned();
    let shown = body.contains("development error page") || body.contains("probe failure detail");
    match (cfg!(debug_assertions), status.as_u16(), shown) {
        (false, 500, false) => {
            eprintln!("dev_page_probe: release build with debug = true answered the generic page: ok");
            std::process::ExitCode::SUCCESS
        }
        (true, _, _) => {
            eprintln!("dev_page_probe: run it with --release; a debug build is expected to show the page");
            std::process::ExitCode::FAILURE
        }
        _ => {
            eprintln!("dev_page_probe: FAILED: a release build answered {status} with details: {body}");
            std::process::ExitCode::FAILURE
        }
    }
}
