//! CSRF protection (claim C2 of flask-user.md: a cookie-authenticated
//! unsafe request without a valid token, or from another site, is 403; one
//! with `Authorization: Bearer` and no cookie is not checked) and flash
//! messages surviving one redirect.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, HOST};
use actix_web::http::StatusCode;
use actix_web::test::{call_service, init_service, read_body, TestRequest};
use actix_web::{web, HttpResponse};
use common::{body_text, cookie_pair, KEY};
use ext_core::session::{csrf_token, flash, get_flashed_messages, Csrf, Session, SessionError, Sessions};
use ext_core::{AppBuilder, Config, ExtApp};
use serde_json::Value;

mod common;

async fn start(csrf: Csrf) -> ExtApp {
    let config = Config::builder()
        .no_file()
        .env_vars([("SECRET_KEY", KEY)])
        .build()
        .unwrap();
    AppBuilder::new(config)
        .register(Sessions::new())
        .register(csrf)
        .init()
        .await
        .unwrap()
}

#[derive(serde::Deserialize)]
struct Note {
    text: String,
}

async fn app(
    ext: &ExtApp,
) -> impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error> {
    init_service(
        ext.app()
            .route(
                "/form",
                web::get().to(|session: Session| async move {
                    csrf_token(&session).map(|t| HttpResponse::Ok().body(t))
                }),
            )
            .route(
                "/notes",
                web::post()
                    .to(|form: web::Form<Note>| async move { HttpResponse::Ok().body(form.text.clone()) }),
            )
            .route("/json", web::post().to(|| async { "changed" }))
            .route("/hooks/github", web::post().to(|| async { "hook" }))
            .service(
                web::resource("/webhook")
                    .name("webhook")
                    .route(web::post().to(|| async { "named" })),
            )
            .service(
                web::resource("/payments")
                    .name("payments")
                    .route(web::post().to(|| async { "named" })),
            ),
    )
    .await
}

/// A session cookie and a masked token from the form page.
async fn form<S>(app: &S) -> (String, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let res = call_service(app, TestRequest::get().uri("/form").to_request()).await;
    let cookie = cookie_pair(&res);
    (cookie, body_text(res).await)
}

async fn status_and_detail(res: ServiceResponse) -> (StatusCode, String) {
    let status = res.status();
    let body = read_body(res).await;
    let detail = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["detail"].as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
    (status, detail)
}

fn post_form(cookie: &str, body: &str) -> TestRequest {
    TestRequest::post()
        .uri("/notes")
        .insert_header((COOKIE, cookie))
        .insert_header((CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(body.to_owned())
}

#[actix_rt::test]
async fn c2_a_cookie_post_needs_the_session_token_when_the_browser_says_nothing() {
    let ext = start(Csrf::new()).await;
    let app = app(&ext).await;
    let (cookie, token) = form(&app).await;

    let res = call_service(&app, post_form(&cookie, "text=hello").to_request()).await;
    assert_eq!(
        status_and_detail(res).await,
        (StatusCode::FORBIDDEN, "The CSRF token is missing.".into())
    );

    let body = format!("text=hello&csrf_token={token}");
    let res = call_service(&app, post_form(&cookie, &body).to_request()).await;
    assert_eq!(
        status_and_detail(res).await,
        (StatusCode::OK, "hello".into()),
        "the handler still reads the whole form"
    );

    let res = call_service(
        &app,
        TestRequest::post()
            .uri("/json")
            .insert_header((COOKIE, cookie.as_str()))
            .insert_header(("X-CSRF-Token", token.as_str()))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK, "scripts send the header");

    let res = call_service(&app, post_form(&cookie, "text=x&csrf_token=bm9wZQ").to_request()).await;
    assert_eq!(
        status_and_detail(res).await,
        (StatusCode::FORBIDDEN, "The CSRF token is invalid.".into())
    );

    // Another session's token does not fit this session.
    let (_, other_token) = form(&app).await;
    let body = format!("text=x&csrf_token={other_token}");
    let res = call_service(&app, post_form(&cookie, &body).to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        res.headers().get(CONTENT_TYPE).unwrap(),
        "application/problem+json"
    );
}

#[actix_rt::test]
async fn c2_a_cross_site_request_is_refused_even_with_a_valid_token() {
    let ext = start(Csrf::new().set("trusted_origins", ["https://admin.example.com"])).await;
    let app = app(&ext).await;
    let (cookie, token) = form(&app).await;
    let body = format!("text=hi&csrf_token={token}");

    let with = |headers: &[(&str, &str)]| {
        let mut req = post_form(&cookie, &body).insert_header((HOST, "app.example.com"));
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        req.to_request()
    };
    let cases: &[(&[(&str, &str)], StatusCode)] = &[
        (&[("sec-fetch-site", "cross-site")], StatusCode::FORBIDDEN),
        (&[("sec-fetch-site", "same-site")], StatusCode::FORBIDDEN),
        (&[("origin", "https://evil.example")], StatusCode::FORBIDDEN),
        (&[("origin", "null")], StatusCode::FORBIDDEN),
        (
            &[("origin", "https://app.example.com.evil.example")],
            StatusCode::FORBIDDEN,
        ),
        (&[("sec-fetch-site", "same-origin")], StatusCode::OK),
        (&[("origin", "https://app.example.com")], StatusCode::OK),
        (
            &[
                ("sec-fetch-site", "same-site"),
                ("origin", "https://admin.example.com"),
            ],
            StatusCode::OK,
        ),
    ];
    for (headers, expected) in cases {
        let res = call_service(&app, with(headers)).await;
        assert_eq!(res.status(), *expected, "{headers:?}");
    }
    let res = call_service(&app, with(&[("sec-fetch-site", "cross-site")])).await;
    assert_eq!(
        status_and_detail(res).await.1,
        "The request came from another site."
    );

    // Same-origin by the browser's word needs no token (tokenless first).
    let res = call_service(
        &app,
        post_form(&cookie, "text=no-token")
            .insert_header(("sec-fetch-site", "same-origin"))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[actix_rt::test]
async fn c2_bearer_requests_without_cookies_are_not_checked_but_with_cookies_are() {
    let ext = start(Csrf::new()).await;
    let app = app(&ext).await;
    let res = call_service(
        &app,
        TestRequest::post()
            .uri("/json")
            .insert_header((AUTHORIZATION, "Bearer abc"))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);

    let (cookie, _) = form(&app).await;
    let res = call_service(
        &app,
        TestRequest::post()
            .uri("/json")
            .insert_header((AUTHORIZATION, "Bearer abc"))
            .insert_header((COOKIE, cookie.as_str()))
            .to_request(),
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "a cookie rides along: checked"
    );

    // A cross-site browser request is refused even without cookies (it
    // could sign the visitor in to the other site's account)...
    let res = call_service(
        &app,
        TestRequest::post()
            .uri("/json")
            .insert_header(("sec-fetch-site", "cross-site"))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // ...but a page on another origin calling with a token and no cookies
    // (CORS decides whether its script may) is not.
    let res = call_service(
        &app,
        TestRequest::post()
            .uri("/json")
            .insert_header(("sec-fetch-site", "cross-site"))
            .insert_header(("origin", "https://spa.example"))
            .insert_header((AUTHORIZATION, "Bearer abc"))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = call_service(
        &app,
        TestRequest::post()
            .uri("/json")
            .insert_header(("sec-fetch-site", "cross-site"))
            .insert_header((AUTHORIZATION, "Bearer abc"))
            .insert_header((COOKIE, cookie.as_str()))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "with a cookie it is checked");
}

#[actix_rt::test]
async fn exempt_routes_and_paths_and_safe_methods_are_not_checked() {
    let ext = start(
        Csrf::new()
            .exempt_route("webhook")
            .exempt_route("payments")
            .set("exempt_paths", ["/hooks/"]),
    )
    .await;
    let app = app(&ext).await;
    let (cookie, _) = form(&app).await;
    for path in ["/webhook", "/payments", "/hooks/github"] {
        let res = call_service(
            &app,
            TestRequest::post()
                .uri(path)
                .insert_header((COOKIE, cookie.as_str()))
                .insert_header(("sec-fetch-site", "cross-site"))
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
    }
    let res = call_service(
        &app,
        TestRequest::post()
            .uri("/json")
            .insert_header((COOKIE, cookie.as_str()))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = call_service(
        &app,
        TestRequest::get()
            .uri("/form")
            .insert_header((COOKIE, cookie.as_str()))
            .insert_header(("sec-fetch-site", "cross-site"))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[actix_rt::test]
async fn always_require_token_asks_even_same_origin_requests() {
    let ext = start(Csrf::new().set("always_require_token", true)).await;
    let app = app(&ext).await;
    let (cookie, token) = form(&app).await;
    let req = post_form(&cookie, "text=a").insert_header(("sec-fetch-site", "same-origin"));
    assert_eq!(
        call_service(&app, req.to_request()).await.status(),
        StatusCode::FORBIDDEN
    );
    let body = format!("text=a&csrf_token={token}");
    let req = post_form(&cookie, &body).insert_header(("sec-fetch-site", "same-origin"));
    assert_eq!(
        call_service(&app, req.to_request()).await.status(),
        StatusCode::OK
    );
}

#[actix_rt::test]
async fn tokens_are_masked_afresh_and_all_verify() {
    let ext = start(Csrf::new()).await;
    let app = app(&ext).await;
    let (cookie, first) = form(&app).await;
    let res = call_service(
        &app,
        TestRequest::get()
            .uri("/form")
            .insert_header((COOKIE, cookie.as_str()))
            .to_request(),
    )
    .await;
    let second = body_text(res).await;
    assert_ne!(first, second);
    for token in [first, second] {
        let body = format!("text=a&csrf_token={token}");
        assert_eq!(
            call_service(&app, post_form(&cookie, &body).to_request())
                .await
                .status(),
            StatusCode::OK
        );
    }
}

#[actix_rt::test]
async fn csrf_needs_sessions_registered_before_it() {
    let config = Config::builder()
        .no_file()
        .env_vars([("SECRET_KEY", KEY)])
        .build()
        .unwrap();
    let error = AppBuilder::new(config)
        .register(Csrf::new())
        .init()
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("needs ext_core::session::Sessions registered before it"),
        "{error}"
    );
}

#[actix_rt::test]
async fn a_flashed_message_survives_one_redirect() {
    let ext = start(Csrf::new()).await;
    let app = init_service(
        ext.app()
            .route(
                "/save",
                web::get().to(|session: Session| async move {
                    flash(&session, "success", "Saved.")?;
                    flash(&session, "error", "But slowly.")?;
                    Ok::<_, SessionError>(HttpResponse::SeeOther().insert_header(("location", "/")).finish())
                }),
            )
            .route(
                "/",
                web::get().to(|session: Session| async move {
                    let errors = get_flashed_messages(&session, &["error"])?;
                    let all = get_flashed_messages(&session, &[])?;
                    let text = format!(
                        "{} | {}",
                        errors
                            .iter()
                            .map(|m| m.message.as_str())
                            .collect::<Vec<_>>()
                            .join(","),
                        all.iter()
                            .map(|m| format!("{}:{}", m.category, m.message))
                            .collect::<Vec<_>>()
                            .join(",")
                    );
                    Ok::<_, SessionError>(HttpResponse::Ok().body(text))
                }),
            ),
    )
    .await;
    let res = call_service(&app, TestRequest::get().uri("/save").to_request()).await;
    let cookie = cookie_pair(&res);
    let res = call_service(
        &app,
        TestRequest::get()
            .uri("/")
            .insert_header((COOKIE, cookie.as_str()))
            .to_request(),
    )
    .await;
    let next_cookie = cookie_pair(&res);
    assert_eq!(
        read_body(res).await,
        "But slowly. | success:Saved.,error:But slowly."
    );
    let res = call_service(
        &app,
        TestRequest::get()
            .uri("/")
            .insert_header((COOKIE, next_cookie.as_str()))
            .to_request(),
    )
    .await;
    assert_eq!(read_body(res).await, " | ", "shown once");
}
