//! The server that `scripts/bench-web.sh` loads: ext-core's web layer against
//! the same app without it, side by side.
//!
//! - `prerendered`: `GET /page` answers a page rendered once, at the first
//!   request;
//! - `template`: the same page rendered per request by `render_template`
//!   (a loop of ten escaped items, each with a `url_for` link, and the
//!   request's path);
//! - `prerendered-small` / `template-small`: the same for a small page (a
//!   title, one escaped variable, one `url_for`);
//! - `no-session`: `GET /me` answers a constant, with no sessions registered;
//! - `session`: the same route reading `user_id` from a signed-cookie session
//!   (the cookie comes from `GET /login`);
//! - both also answer `GET /untouched` with a constant, a route that never
//!   reads the session (the session kind still receives the cookie).
//!
//! ```sh
//! cargo run --release -p ext-core --example web_bench_server -- template 127.0.0.1:18090
//! ```

use actix_web::{web, HttpRequest, HttpResponse, HttpServer};
use ext_core::session::{Session, SessionError, Sessions};
use ext_core::templates::{render_template, TemplateError, Templates};
use ext_core::{AppBuilder, Config, ExtApp, Extension, ExtensionError, Setup};
use minijinja::context;

const PAGE: &str = r#"<!doctype html>
<html><head><title>{{ title }}</title></head>
<body>
<h1>{{ title }}</h1>
<ul>{% for note in notes %}<li><a href="{{ url_for('note', note.id) }}">{{ note.text }}</a></li>{% endfor %}</ul>
<p>{{ request.path }}</p>
</body></html>"#;

const SMALL: &str = r#"<!doctype html>
<html><head><title>{{ title }}</title></head>
<body><h1>Hello, {{ name }}</h1><p><a href="{{ url_for('note', id=1) }}">your first note</a></p></body></html>"#;

/// Bundles the pages, as an extension ships its templates.
struct Pages;

impl Extension for Pages {
    fn name(&self) -> &str {
        "pages"
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        app.bundle_templates(&[("page.html", PAGE), ("small.html", SMALL)]);
        Ok(())
    }
}

fn small_context() -> minijinja::Value {
    context! { title => "Notes", name => "Ada <Lovelace>" }
}

fn page_context() -> minijinja::Value {
    let notes: Vec<_> = (1..=10)
        .map(|id| context! { id => id, text => format!("Note <{id}> & more") })
        .collect();
    context! { title => "Notes", notes => notes }
}

async fn templated(req: HttpRequest) -> Result<HttpResponse, TemplateError> {
    render_template(&req, "page.html", page_context())
}

async fn templated_small(req: HttpRequest) -> Result<HttpResponse, TemplateError> {
    render_template(&req, "small.html", small_context())
}

/// The page `name` rendered once, then served as bytes.
fn prerendered(name: &'static str, context: fn() -> minijinja::Value) -> actix_web::Route {
    let cached = std::sync::Arc::new(std::sync::OnceLock::<web::Bytes>::new());
    web::get().to(move |req: HttpRequest| {
        let cached = std::sync::Arc::clone(&cached);
        async move {
            let body = cached.get_or_init(|| match req.app_data::<web::Data<Templates>>() {
                Some(t) => t.render(&req, name, context()).unwrap_or_default().into(),
                None => web::Bytes::new(),
            });
            HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(body.clone())
        }
    })
}

async fn me(session: Session) -> Result<HttpResponse, SessionError> {
    let user: Option<u64> = session.get("user_id")?;
    Ok(HttpResponse::Ok().body(format!("user {}", user.unwrap_or(0))))
}

async fn untouched() -> HttpResponse {
    HttpResponse::Ok().body("no session read")
}

async fn login(session: Session) -> Result<HttpResponse, SessionError> {
    session.insert("user_id", 42)?;
    Ok(HttpResponse::Ok().finish())
}

fn config() -> std::io::Result<Config> {
    Config::builder()
        .no_file()
        .env_vars([
            ("SECRET_KEY", "a bench secret of at least thirty-two bytes"),
            ("SESSION_COOKIE_SECURE", "false"),
        ])
        .build()
        .map_err(std::io::Error::other)
}

async fn serve(ext: ExtApp, address: &str, kind: &str) -> std::io::Result<()> {
    let factory = ext.clone();
    let kind = kind.to_owned();
    let server = HttpServer::new(move || {
        let app = factory
            .app()
            .service(web::resource("/notes/{id}").name("note").to(HttpResponse::Ok));
        match kind.as_str() {
            "prerendered" => app.route("/page", prerendered("page.html", page_context)),
            "prerendered-small" => app.route("/page", prerendered("small.html", small_context)),
            "template-small" => app.route("/page", web::get().to(templated_small)),
            "template" => app.route("/page", web::get().to(templated)),
            "session" => app
                .route("/me", web::get().to(me))
                .route("/login", web::get().to(login))
                .route("/untouched", web::get().to(untouched)),
            _ => app
                .route(
                    "/me",
                    web::get().to(|| async { HttpResponse::Ok().body("user 42") }),
                )
                .route("/untouched", web::get().to(untouched)),
        }
    })
    .workers(1)
    .bind(address)?
    .run();
    ext.run(server).await
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "template".to_owned());
    let address = args.next().unwrap_or_else(|| "127.0.0.1:18090".to_owned());
    let mut builder = AppBuilder::new(config()?).register(Pages);
    match kind.as_str() {
        "prerendered" | "template" | "prerendered-small" | "template-small" | "no-session" => {}
        "session" => builder = builder.register(Sessions::new()),
        other => {
            return Err(std::io::Error::other(format!(
                "unknown server kind {other}: use prerendered, template, prerendered-small, template-small, no-session or session"
            )))
        }
    }
    let ext = builder.init().await.map_err(std::io::Error::other)?;
    serve(ext, &address, &kind).await
}
