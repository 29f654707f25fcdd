//! The server that `scripts/bench-web.sh` loads: ext-core's web layer against
//! the same app without it, side by side.
//!
//! - `prerendered`: `GET /page` answers a page rendered once at start-up;
//! - `template`: the same page rendered per request by `render_template`
//!   (a loop of ten escaped items, `url_for`, the request);
//! - `no-session`: `GET /me` answers a constant, with no sessions registered;
//! - `session`: the same route reading `user_id` from a signed-cookie session
//!   (the cookie comes from `GET /login`).
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

/// Bundles the page, as an extension ships its templates.
struct Pages;

impl Extension for Pages {
    fn name(&self) -> &str {
        "pages"
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        app.bundle_templates(&[("page.html", PAGE)]);
        Ok(())
    }
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

async fn me(session: Session) -> Result<HttpResponse, SessionError> {
    let user: Option<u64> = session.get("user_id")?;
    Ok(HttpResponse::Ok().body(format!("user {}", user.unwrap_or(0))))
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
    // Rendered once, at the first request, so both kinds send the same bytes.
    let prerendered = web::Data::new(std::sync::OnceLock::<web::Bytes>::new());
    let server = HttpServer::new(move || {
        let app = factory
            .app()
            .service(web::resource("/notes/{id}").name("note").to(HttpResponse::Ok));
        match kind.as_str() {
            "prerendered" => app.app_data(prerendered.clone()).route(
                "/page",
                web::get().to(
                    |req: HttpRequest, cached: web::Data<std::sync::OnceLock<web::Bytes>>| async move {
                        let body = cached.get_or_init(|| match req.app_data::<web::Data<Templates>>() {
                            Some(t) => t
                                .render(&req, "page.html", page_context())
                                .unwrap_or_default()
                                .into(),
                            None => web::Bytes::new(),
                        });
                        HttpResponse::Ok()
                            .content_type("text/html; charset=utf-8")
                            .body(body.clone())
                    },
                ),
            ),
            "template" => app.route("/page", web::get().to(templated)),
            "session" => app
                .route("/me", web::get().to(me))
                .route("/login", web::get().to(login)),
            _ => app.route(
                "/me",
                web::get().to(|| async { HttpResponse::Ok().body("user 42") }),
            ),
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
        "prerendered" | "template" | "no-session" => {}
        "session" => builder = builder.register(Sessions::new()),
        other => {
            return Err(std::io::Error::other(format!(
                "unknown server kind {other}: use prerendered, template, no-session or session"
            )))
        }
    }
    let ext = builder.init().await.map_err(std::io::Error::other)?;
    serve(ext, &address, &kind).await
}
