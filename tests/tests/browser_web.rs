//! ext-core's web layer as a browser sees it, in real headless Chromium: a
//! page rendered from a template posts a form with its CSRF token, the
//! browser follows the redirect and shows the flashed message (the session
//! cookie with its default attributes — `__Host-`, `Secure`, `HttpOnly`,
//! `SameSite=Lax` — kept by the browser on `localhost`); a page on another
//! site that posts the same form to the same route is refused with an HTML
//! error page and the handler never runs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse, HttpServer};
use ext_core::session::{flash, Csrf, Session, SessionError, Sessions};
use ext_core::templates::{render_template, TemplateError};
use ext_core::{AppBuilder, Config, Extension, ExtensionError, Setup};
use fantoccini::Locator;
use tests::browser::Browser;

const NOTES: &str = r#"<!doctype html>
<html><head><title>Notes</title></head><body>
{% for category, message in get_flashed_messages(with_categories=true) %}
  <p class="flash {{ category }}">{{ message }}</p>
{% endfor %}
<form method="post" action="{{ url_for('notes') }}">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  <input id="text" name="text">
  <button id="add" type="submit">Add</button>
</form>
</body></html>"#;

/// Ships the page, as an extension bundles its templates.
struct Pages;

impl Extension for Pages {
    fn name(&self) -> &str {
        "pages"
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        app.bundle_templates(&[("notes.html", NOTES)]);
        Ok(())
    }
}

#[derive(serde::Deserialize)]
struct NewNote {
    text: String,
}

async fn show(req: HttpRequest) -> Result<HttpResponse, TemplateError> {
    render_template(&req, "notes.html", minijinja::context! {})
}

async fn add(
    session: Session,
    form: web::Form<NewNote>,
    added: web::Data<AtomicUsize>,
) -> Result<HttpResponse, SessionError> {
    added.fetch_add(1, Ordering::SeqCst);
    flash(&session, "success", format!("Added “{}”.", form.text))?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", "/notes"))
        .finish())
}

/// The app on `localhost:<port>`; returns its origin.
async fn start_app(added: Arc<AtomicUsize>) -> String {
    let config = Config::builder()
        .no_file()
        .env_vars([("SECRET_KEY", "a browser-test secret of 32+ bytes!")])
        .build()
        .unwrap();
    let ext = AppBuilder::new(config)
        .register(Pages)
        .register(Sessions::new())
        .register(Csrf::new())
        .init()
        .await
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://localhost:{}", listener.local_addr().unwrap().port());
    let server = HttpServer::new(move || {
        ext.app().app_data(web::Data::from(Arc::clone(&added))).service(
            web::resource("/notes")
                .name("notes")
                .route(web::get().to(show))
                .route(web::post().to(add)),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_rt::spawn(server);
    origin
}

/// Another site (`127.0.0.1`, not `localhost`) whose page posts the form to
/// the app as soon as it loads.
async fn start_attacker(app: &str) -> String {
    let page = format!(
        r#"<!doctype html><html><body>
<form id="f" method="post" action="{app}/notes"><input name="text" value="forged"></form>
<script>document.getElementById("f").submit();</script>
</body></html>"#
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let server = HttpServer::new(move || {
        let page = page.clone();
        actix_web::App::new().route(
            "/",
            web::get().to(move || {
                let page = page.clone();
                async move { HttpResponse::Ok().content_type("text/html").body(page) }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_rt::spawn(server);
    origin
}

#[actix_rt::test]
async fn a_form_posts_with_its_token_flashes_after_the_redirect_and_a_cross_site_post_is_refused() {
    let added = Arc::new(AtomicUsize::new(0));
    let app = start_app(Arc::clone(&added)).await;
    let attacker = start_attacker(&app).await;
    let browser = Browser::start().await;
    let client = &browser.client;

    client.goto(&format!("{app}/notes")).await.unwrap();
    client
        .find(Locator::Id("text"))
        .await
        .unwrap()
        .send_keys("milk")
        .await
        .unwrap();
    client
        .find(Locator::Id("add"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let flash = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("p.flash.success"))
        .await
        .unwrap();
    assert_eq!(flash.text().await.unwrap(), "Added “milk”.");
    assert_eq!(added.load(Ordering::SeqCst), 1);
    assert_eq!(
        client.current_url().await.unwrap().path(),
        "/notes",
        "followed the redirect"
    );

    // The session cookie as the browser stored it.
    let cookies = client.get_all_cookies().await.unwrap();
    let session = cookies
        .iter()
        .find(|c| c.name() == "__Host-session")
        .expect("the session cookie");
    assert_eq!(session.http_only(), Some(true));
    assert_eq!(session.secure(), Some(true));
    assert_eq!(format!("{:?}", session.same_site()), "Some(Lax)");

    // Shown once: a reload has no message.
    client.refresh().await.unwrap();
    client.wait().for_element(Locator::Id("text")).await.unwrap();
    assert!(client.find(Locator::Css("p.flash")).await.is_err());

    // Another site's auto-submitting form: refused before the handler.
    client.goto(&format!("{attacker}/")).await.unwrap();
    let heading = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("h1"))
        .await
        .unwrap();
    assert_eq!(heading.text().await.unwrap(), "403 CSRF check failed");
    assert!(client
        .source()
        .await
        .unwrap()
        .contains("The request came from another site."));
    assert_eq!(
        added.load(Ordering::SeqCst),
        1,
        "the forged post never reached the handler"
    );
    browser.close().await;
}
