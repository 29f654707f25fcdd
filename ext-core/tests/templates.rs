//! Templates as Flask's: the app folder over bundled templates, Flask's
//! autoescape rule, strict undefined in development, reload in
//! development only, the globals (`request`, `session`, `config`,
//! `url_for`, `get_flashed_messages`, `csrf_token`); static files with
//! content-hashed URLs; and HTML error pages for browsers only.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{ACCEPT, CONTENT_TYPE, COOKIE, ETAG, IF_NONE_MATCH, RANGE, SET_COOKIE};
use actix_web::http::StatusCode;
use actix_web::test::{call_service, init_service, TestRequest};
use actix_web::{web, HttpRequest, HttpResponse};
use ext_core::session::{flash, Csrf, Session, Sessions};
use ext_core::templates::{render_template, TemplateError};
use ext_core::{AppBuilder, Config, ExtApp, Extension, ExtensionError, Setup};
use minijinja::context;

mod common;
use common::{body_text, cookie_pair, KEY};

/// A folder of the test's own, removed at the end.
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("ext-core-templates-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(path.join("templates/greet")).unwrap();
        std::fs::create_dir_all(path.join("templates/errors")).unwrap();
        std::fs::create_dir_all(path.join("static/css")).unwrap();
        Self(path)
    }

    fn write(&self, name: &str, text: &str) {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        // Make the change visible to a stamp with coarse mtimes.
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(2);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(later)
            .unwrap();
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_owned()
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An extension that bundles two templates, as ext-user will.
struct Greeter;

impl Extension for Greeter {
    fn name(&self) -> &str {
        "greeter"
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        app.bundle_templates(&[
            ("greet/hello.html", "bundled hello {{ name }}"),
            ("greet/other.html", "bundled other {{ name }}"),
        ]);
        Ok(())
    }
}

async fn start(folder: &Folder, debug: bool, toml: &str) -> ExtApp {
    let templates = folder.path("templates");
    let statics = folder.path("static");
    let debug = debug.to_string();
    let config = Config::builder()
        .toml_str(toml)
        .env_vars([
            ("SECRET_KEY", KEY),
            ("APP_TEMPLATE_FOLDER", templates.as_str()),
            ("APP_STATIC_FOLDER", statics.as_str()),
            ("APP_DEBUG", debug.as_str()),
            ("SESSION_COOKIE_SECURE", "false"),
        ])
        .build()
        .unwrap();
    AppBuilder::new(config)
        .register(Greeter)
        .register(Sessions::new())
        .register(Csrf::new())
        .init()
        .await
        .unwrap()
}

async fn page(req: HttpRequest, name: web::Path<String>) -> Result<HttpResponse, TemplateError> {
    render_template(&req, &name, context! { name => "<b>Ada</b>" })
}

async fn service(
    ext: &ExtApp,
) -> impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error> {
    init_service(
        ext.app()
            .service(
                web::resource("/notes/{id}/{part}")
                    .name("note")
                    .to(HttpResponse::Ok),
            )
            .route(
                "/flash",
                web::get().to(|session: Session| async move {
                    flash(&session, "success", "Saved <now>.").unwrap();
                    HttpResponse::SeeOther()
                        .insert_header(("location", "/p/flashes.html"))
                        .finish()
                }),
            )
            .route("/p/{name:.*}", web::get().to(page)),
    )
    .await
}

async fn get(
    app: &impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    uri: &str,
) -> ServiceResponse {
    call_service(app, TestRequest::get().uri(uri).to_request()).await
}

#[actix_rt::test]
async fn the_app_folder_overrides_bundled_templates_and_html_is_escaped() {
    let folder = Folder::new("override");
    folder.write("templates/greet/hello.html", "app hello {{ name }}");
    folder.write("templates/plain.txt", "text {{ name }}");
    let ext = start(&folder, false, "").await;
    let app = service(&ext).await;

    let res = get(&app, "/p/greet/hello.html").await;
    assert_eq!(
        res.headers().get(CONTENT_TYPE).unwrap(),
        "text/html; charset=utf-8"
    );
    assert_eq!(body_text(res).await, "app hello &lt;b&gt;Ada&lt;/b&gt;");
    assert_eq!(
        body_text(get(&app, "/p/greet/other.html").await).await,
        "bundled other &lt;b&gt;Ada&lt;/b&gt;"
    );
    let res = get(&app, "/p/plain.txt").await;
    assert_eq!(
        res.headers().get(CONTENT_TYPE).unwrap(),
        "text/plain; charset=utf-8"
    );
    assert_eq!(
        body_text(res).await,
        "text <b>Ada</b>",
        "no escaping outside Flask's list"
    );
}

#[actix_rt::test]
async fn undefined_variables_are_errors_in_development_only_and_errors_hide_details() {
    let folder = Folder::new("undefined");
    folder.write("templates/broken.html", "line one\n{{ missing }}");
    folder.write("templates/syntax.html", "{% if %}");

    let dev = start(&folder, true, "").await;
    let app = service(&dev).await;
    let res = get(&app, "/p/broken.html").await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = body_text(res).await;
    assert!(!body.contains("missing") && !body.contains("broken"), "{body}");

    let prod = start(&folder, false, "").await;
    let app = service(&prod).await;
    let res = get(&app, "/p/broken.html").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body_text(res).await, "line one\n");
    let res = get(&app, "/p/syntax.html").await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let res = get(&app, "/p/../secret.html").await;
    assert_eq!(
        res.status(),
        StatusCode::INTERNAL_SERVER_ERROR,
        "no template outside the folder"
    );
}

#[actix_rt::test]
async fn templates_reload_in_development_and_stay_loaded_in_production() {
    let folder = Folder::new("reload");
    folder.write("templates/live.html", "first");
    let dev = start(&folder, true, "").await;
    let prod = start(&folder, false, "").await;
    let (dev_app, prod_app) = (service(&dev).await, service(&prod).await);
    assert_eq!(body_text(get(&dev_app, "/p/live.html").await).await, "first");
    assert_eq!(body_text(get(&prod_app, "/p/live.html").await).await, "first");
    folder.write("templates/live.html", "second");
    assert_eq!(body_text(get(&dev_app, "/p/live.html").await).await, "second");
    assert_eq!(body_text(get(&prod_app, "/p/live.html").await).await, "first");
}

#[actix_rt::test]
async fn every_template_sees_request_config_and_url_for() {
    let folder = Folder::new("globals");
    folder.write(
        "templates/globals.html",
        "{{ request.path }}|{{ request.args.q }}|{{ request.endpoint }}|{{ config.example.title }}|\
         {{ config.app.secret_key }}|{{ config.example.api_token }}|\
         {{ url_for('note', 5, 'body') }}|{{ url_for('note', part='x y', id=6, _anchor='top') }}|\
         {{ url_for('note', 1, 2, _external=true) }}",
    );
    let toml = "[app]\nsecret_key = \"from the file, never shown 0123456789\"\n[example]\ntitle = \"Notes\"\napi_token = \"hidden\"\n";
    let ext = start(&folder, false, toml).await;
    let app = service(&ext).await;
    assert_eq!(
        body_text(get(&app, "/p/globals.html?q=find+me").await).await,
        "/p/globals.html|find me|None|Notes|||/notes/5/body|/notes/6/x%20y#top|http://localhost:8080/notes/1/2"
    );
}

#[actix_rt::test]
async fn flashes_and_csrf_tokens_reach_templates() {
    let folder = Folder::new("session");
    folder.write(
        "templates/flashes.html",
        "{% for category, message in get_flashed_messages(with_categories=true) %}{{ category }}: {{ message }}{% endfor %}\
         |{{ get_flashed_messages()|length }}",
    );
    folder.write(
        "templates/form.html",
        "<form method=post><input type=hidden name=csrf_token value=\"{{ csrf_token() }}\"></form>",
    );
    let ext = start(&folder, true, "").await;
    let app = service(&ext).await;
    let res = get(&app, "/flash").await;
    let cookie = cookie_pair(&res);
    let res = call_service(
        &app,
        TestRequest::get()
            .uri("/p/flashes.html")
            .insert_header((COOKIE, cookie.as_str()))
            .to_request(),
    )
    .await;
    assert_eq!(
        body_text(res).await,
        "success: Saved &lt;now&gt;.|1",
        "escaped, and one take per request"
    );

    let res = get(&app, "/p/form.html").await;
    assert!(
        res.headers().get(SET_COOKIE).is_some(),
        "the token lives in the session"
    );
    let html = body_text(res).await;
    let token = html.split("value=\"").nth(1).unwrap().split('"').next().unwrap();
    assert_eq!(token.len(), 86, "a masked 32-byte token: {html}");
}

#[actix_rt::test]
async fn static_files_are_served_with_validators_and_hashed_urls() {
    let folder = Folder::new("static");
    folder.write("static/css/app.css", "body { color: red }");
    folder.write(
        "templates/link.html",
        "{{ url_for('static', filename='css/app.css') }}",
    );
    let ext = start(&folder, false, "").await;
    let app = service(&ext).await;

    let first = body_text(get(&app, "/p/link.html").await).await;
    assert!(first.starts_with("/static/css/app.css?v="), "{first}");
    folder.write("static/css/app.css", "body { color: blue }");
    let second = body_text(get(&app, "/p/link.html").await).await;
    assert_ne!(first, second, "the hash follows the content");

    let res = get(&app, "/static/css/app.css").await;
    assert_eq!(res.status(), StatusCode::OK);
    let etag = res.headers().get(ETAG).unwrap().clone();
    assert_eq!(body_text(res).await, "body { color: blue }");
    let res = call_service(
        &app,
        TestRequest::get()
            .uri("/static/css/app.css")
            .insert_header((IF_NONE_MATCH, etag))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    let res = call_service(
        &app,
        TestRequest::get()
            .uri("/static/css/app.css")
            .insert_header((RANGE, "bytes=0-3"))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(body_text(res).await, "body");
    let res = get(&app, "/static/../templates/link.html").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

fn html_accept() -> (actix_web::http::header::HeaderName, &'static str) {
    (
        ACCEPT,
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    )
}

#[actix_rt::test]
async fn browsers_get_html_error_pages_and_apis_keep_problem_documents() {
    let folder = Folder::new("errors");
    let ext = start(&folder, false, "").await;
    let app = service(&ext).await;

    let res = call_service(
        &app,
        TestRequest::get()
            .uri("/nowhere")
            .insert_header(html_accept())
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        res.headers().get(CONTENT_TYPE).unwrap(),
        "text/html; charset=utf-8"
    );
    let html = body_text(res).await;
    assert!(html.contains("<h1>404 Not Found</h1>"), "{html}");

    for accept in ["*/*", "application/json", "application/problem+json"] {
        let res = call_service(
            &app,
            TestRequest::get()
                .uri("/nowhere")
                .insert_header((ACCEPT, accept))
                .to_request(),
        )
        .await;
        assert_eq!(
            res.headers().get(CONTENT_TYPE).unwrap(),
            "application/problem+json",
            "{accept}"
        );
    }
    let res = get(&app, "/nowhere").await;
    assert_eq!(
        res.headers().get(CONTENT_TYPE).unwrap(),
        "application/problem+json"
    );

    // A CSRF refusal is a page too, with its detail.
    let res = call_service(
        &app,
        TestRequest::post()
            .uri("/p/x")
            .insert_header(html_accept())
            .insert_header(("sec-fetch-site", "cross-site"))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(body_text(res)
        .await
        .contains("The request came from another site."));

    // The app overrides a status's page by file.
    folder.write("templates/errors/404.html", "custom {{ status }} {{ title }}");
    let ext = start(&folder, false, "").await;
    let app = service(&ext).await;
    let res = call_service(
        &app,
        TestRequest::get()
            .uri("/nowhere")
            .insert_header(html_accept())
            .to_request(),
    )
    .await;
    assert_eq!(body_text(res).await, "custom 404 Not Found");
}
