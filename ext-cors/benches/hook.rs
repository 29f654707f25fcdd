//! In-process cost of one request through a bare actix-web app, the same app
//! built through ext-core, and with ext-cors registered: a cross-origin GET
//! and a preflight. No sockets, so the difference is the CPU work alone.
//!
//! ```sh
//! cargo bench -p ext-cors --bench hook
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use actix_web::http::Method;
use actix_web::test::{call_service, init_service, TestRequest};
use actix_web::{web, App, HttpResponse};
use criterion::{criterion_group, criterion_main, Criterion};
use ext_core::{AppBuilder, Config};
use ext_cors::Cors;

mod support;

async fn hello() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("hello")
}

fn get() -> actix_http::Request {
    TestRequest::get()
        .uri("/hello")
        .insert_header(("Origin", "https://app.example"))
        .to_request()
}

fn preflight() -> actix_http::Request {
    TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/hello")
        .insert_header(("Origin", "https://app.example"))
        .insert_header(("Access-Control-Request-Method", "POST"))
        .insert_header(("Access-Control-Request-Headers", "content-type"))
        .to_request()
}

fn bench(c: &mut Criterion) {
    let system = actix_rt::System::new();
    let bare = system.block_on(init_service(
        App::new()
            .route("/hello", web::get().to(hello))
            .route("/hello", web::method(Method::OPTIONS).to(HttpResponse::Ok)),
    ));
    let core_ext = system.block_on(AppBuilder::new(Config::empty()).init()).unwrap();
    let core = system.block_on(init_service(core_ext.app().route("/hello", web::get().to(hello))));
    let cors_ext = system
        .block_on(
            AppBuilder::new(Config::empty())
                .register(
                    Cors::new()
                        .origins(["https://app.example", "https://admin.example"])
                        .max_age(600),
                )
                .init(),
        )
        .unwrap();
    let cors = system.block_on(init_service(cors_ext.app().route("/hello", web::get().to(hello))));

    // The same app with 50 resources (literals, string regexes and `regex:`
    // patterns), the request hitting one of the last tried, against 1.
    let resources = |count: usize| {
        let cors = Cors::from_options(support::resources(count));
        let ext = system
            .block_on(AppBuilder::new(Config::empty()).register(cors).init())
            .unwrap();
        system.block_on(init_service(
            ext.app()
                .service(web::scope("/api").default_service(web::to(hello))),
        ))
    };
    let one = resources(1);
    let fifty = resources(50);
    let api_get = |path: &str| {
        TestRequest::get()
            .uri(path)
            .insert_header(("Origin", "https://app.example"))
            .to_request()
    };

    let mut group = c.benchmark_group("request");
    group.bench_function("GET 1 resource", |b| {
        b.iter(|| system.block_on(call_service(&one, api_get("/api/v0/items"))))
    });
    group.bench_function("GET 50 resources", |b| {
        b.iter(|| system.block_on(call_service(&fifty, api_get("/api/v48/items"))))
    });
    group.bench_function("GET bare", |b| {
        b.iter(|| system.block_on(call_service(&bare, get())))
    });
    group.bench_function("GET ext-core", |b| {
        b.iter(|| system.block_on(call_service(&core, get())))
    });
    group.bench_function("GET ext-cors", |b| {
        b.iter(|| system.block_on(call_service(&cors, get())))
    });
    group.bench_function("preflight bare", |b| {
        b.iter(|| system.block_on(call_service(&bare, preflight())))
    });
    group.bench_function("preflight ext-cors", |b| {
        b.iter(|| system.block_on(call_service(&cors, preflight())))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
