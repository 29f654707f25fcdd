//! ext-cors as a browser sees it: a page on one origin calls an API on
//! another with a request that needs a preflight (`PUT`, JSON, a custom
//! header), in real headless Chromium. Browsers are what CORS headers are
//! for; these tests check that Chromium accepts ext-cors's answers, exposes
//! only the listed headers, and that a refused origin's request never reaches
//! the handler — with preflights routed (the default) and answered before
//! routing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle, ServiceRequest};
use actix_web::http::Method;
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, App, HttpResponse, HttpServer};
use ext_core::{AppBuilder, Config};
use ext_cors::Cors;
use tests::browser::Browser;

/// How many preflights and `PUT`s reached the API server.
#[derive(Default)]
struct Seen {
    preflights: AtomicUsize,
    puts: AtomicUsize,
}

fn free_listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    (listener, origin)
}

/// The API: `PUT /items/{id}` echoes its JSON body, with one exposed and one
/// unexposed response header; CORS for `page_origin` only.
async fn start_api(page_origin: &str, before_routing: bool, seen: Arc<Seen>) -> (String, ServerHandle) {
    let cors = Cors::new()
        .origins([page_origin])
        .expose_headers(["X-Total-Count"])
        .preflight_before_routing(before_routing);
    let ext = AppBuilder::new(Config::empty())
        .register(cors)
        .init()
        .await
        .unwrap();
    let (listener, origin) = free_listener();
    let server = HttpServer::new(move || {
        let seen = Arc::clone(&seen);
        ext.app()
            .route(
                "/items/{id}",
                web::put().to(
                    |body: web::Json<serde_json::Value>, seen: web::Data<Seen>| async move {
                        seen.puts.fetch_add(1, Ordering::SeqCst);
                        HttpResponse::Ok()
                            .insert_header(("X-Total-Count", "3"))
                            .insert_header(("X-Internal", "not for scripts"))
                            .json(body.into_inner())
                    },
                ),
            )
            .app_data(web::Data::from(Arc::clone(&seen)))
            // Outside the hooks: counts what arrives, however it is answered.
            .wrap(from_fn(move |req: ServiceRequest, next: Next<_>| {
                let seen = Arc::clone(&seen);
                async move {
                    if req.method() == Method::OPTIONS {
                        seen.preflights.fetch_add(1, Ordering::SeqCst);
                    }
                    next.call(req).await
                }
            }))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    (origin, serve(server))
}

/// Runs `server` in the background; its handle stops it.
fn serve(server: Server) -> ServerHandle {
    let handle = server.handle();
    actix_rt::spawn(server);
    handle
}

/// A page whose script makes the cross-origin call and writes what it saw
/// into `#result` as JSON.
fn page(api: &str) -> String {
    format!(
        r#"<!doctype html>
<html><body><pre id="pending"></pre><script>
async function call() {{
  try {{
    const response = await fetch("{api}/items/7", {{
      method: "PUT",
      headers: {{ "Content-Type": "application/json", "X-Client": "browser-test" }},
      body: JSON.stringify({{ name: "pen" }}),
    }});
    return {{
      ok: true,
      status: response.status,
      body: await response.json(),
      total: response.headers.get("X-Total-Count"),
      internal: response.headers.get("X-Internal"),
    }};
  }} catch (error) {{
    return {{ ok: false, error: String(error) }};
  }}
}}
call().then((seen) => {{
  const out = document.getElementById("pending");
  out.textContent = JSON.stringify(seen);
  out.id = "result";
}});
</script></body></html>"#
    )
}

async fn start_page(listener: TcpListener, html: String) -> ServerHandle {
    let server = HttpServer::new(move || {
        let html = html.clone();
        App::new().route(
            "/",
            web::get().to(move || {
                let html = html.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .body(html)
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    serve(server)
}

async fn run(before_routing: bool) {
    let (allowed_listener, allowed_origin) = free_listener();
    let (refused_listener, refused_origin) = free_listener();
    let seen = Arc::new(Seen::default());
    let (api, api_handle) = start_api(&allowed_origin, before_routing, Arc::clone(&seen)).await;
    let allowed_page = start_page(allowed_listener, page(&api)).await;
    let refused_page = start_page(refused_listener, page(&api)).await;
    let browser = Browser::start().await;

    let text = browser.text_of(&format!("{allowed_origin}/"), "#result").await;
    let result: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(result["ok"], true, "{text}");
    assert_eq!(result["status"], 200, "{text}");
    assert_eq!(result["body"], serde_json::json!({ "name": "pen" }), "{text}");
    assert_eq!(result["total"], "3", "an exposed header is readable: {text}");
    assert_eq!(
        result["internal"],
        serde_json::Value::Null,
        "others are not: {text}"
    );
    assert!(
        seen.preflights.load(Ordering::SeqCst) >= 1,
        "Chromium sent no preflight"
    );
    assert_eq!(seen.puts.load(Ordering::SeqCst), 1);

    let text = browser.text_of(&format!("{refused_origin}/"), "#result").await;
    let result: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(result["ok"], false, "{text}");
    assert!(
        result["error"].as_str().unwrap().contains("Failed to fetch"),
        "{text}"
    );
    assert_eq!(
        seen.puts.load(Ordering::SeqCst),
        1,
        "the refused preflight must stop the PUT before it reaches the handler"
    );

    browser.close().await;
    for handle in [api_handle, allowed_page, refused_page] {
        handle.stop(false).await;
    }
}

#[actix_web::test]
async fn chromium_accepts_routed_preflight_answers_and_blocks_a_refused_origin() {
    run(false).await;
}

#[actix_web::test]
async fn chromium_accepts_preflights_answered_before_routing_and_blocks_a_refused_origin() {
    run(true).await;
}
