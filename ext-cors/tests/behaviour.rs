//! Behaviour shared by both modes: configuration layers, resources,
//! per-route overrides, error responses, preflight rejection, start-up
//! validation and the debug log.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use actix_web::http::StatusCode;
use actix_web::test::{call_service, init_service, read_body_json};
use actix_web::{web, HttpResponse};
use common::*;
use ext_core::{AppBuilder, Config};
use ext_cors::{Cors, CorsOptions, CrossOrigin};

async fn send_config(
    config: Config,
    cors: Cors,
    req: actix_web::test::TestRequest,
) -> actix_web::dev::ServiceResponse {
    let ext = AppBuilder::new(config).register(cors).init().await.unwrap();
    let app = init_service(ext.app().configure(routes)).await;
    call_service(&app, req.to_request()).await
}

const POLICY: &str = r#"
[cors]
origins = ["https://app.example"]
expose_headers = ["X-Total-Count"]
max_age = "10m"

[cors.resources."/api/*"]
supports_credentials = true

[cors.resources."/public/*"]
origins = "*"
"#;

#[actix_web::test]
async fn a_toml_policy_with_resources() {
    let preflight = request(
        "OPTIONS",
        "/api/items",
        &[
            ("Origin", "https://app.example"),
            (ACRM, "POST"),
            (ACRH, "content-type, x-b, X-A"),
        ],
    );
    let res = send_config(config(POLICY, &[]), Cors::new(), preflight).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, ACAO), Some("https://app.example"));
    assert_eq!(header(&res, ACAC), Some("true"));
    assert_eq!(header(&res, ACMA), Some("600"));
    assert_eq!(
        header(&res, ACAM),
        Some("DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT")
    );
    assert_eq!(
        header(&res, ACAH),
        Some("X-A, content-type, x-b"),
        "sorted, in the client's casing"
    );
    assert_eq!(
        header(&res, "access-control-expose-headers"),
        Some("X-Total-Count")
    );

    // A path outside every resource gets nothing.
    let res = send_config(
        config(POLICY, &[]),
        Cors::new(),
        request("GET", "/nowhere", &[("Origin", "https://app.example")]),
    )
    .await;
    assert!(cors_names(&res).is_empty());
    assert!(lines(&res, "vary").is_empty());

    // Resource patterns match from the start, as in Flask-Cors: `/api/*`
    // is `/api` then any number of `/`, so it covers `/apiA` too.
    let res = send_config(
        config(POLICY, &[]),
        Cors::new(),
        request("GET", "/apiA", &[("Origin", "https://app.example")]),
    )
    .await;
    assert_eq!(header(&res, ACAC), Some("true"));
}

#[actix_web::test]
async fn precedence_is_defaults_config_environment_code_resource() {
    let from = |origin: &'static str| request("GET", "/api/items", &[("Origin", origin)]);
    // The file says app.example; the environment says env.example.
    let env = [("CORS_ORIGINS", "https://env.example")];
    let res = send_config(config(POLICY, &env), Cors::new(), from("https://env.example")).await;
    assert_eq!(header(&res, ACAO), Some("https://env.example"));
    let res = send_config(config(POLICY, &env), Cors::new(), from("https://app.example")).await;
    assert_eq!(header(&res, ACAO), None);
    // Code beats the environment.
    let code = Cors::new().origins(["https://code.example"]);
    let res = send_config(config(POLICY, &env), code, from("https://code.example")).await;
    assert_eq!(header(&res, ACAO), Some("https://code.example"));
    // A resource's own options beat code: /public/* allows any origin.
    let code = Cors::new().origins(["https://code.example"]);
    let public = request("GET", "/public/x", &[("Origin", "https://any.example")]);
    let res = send_config(config(POLICY, &env), code, public).await;
    assert_eq!(header(&res, ACAO), Some("https://any.example"));
}

#[actix_web::test]
async fn environment_variables_use_flask_names() {
    let env = [
        ("CORS_ORIGINS", r#"["https://a.example", "https://b.example"]"#),
        ("CORS_SUPPORTS_CREDENTIALS", "true"),
        ("CORS_MAX_AGE", "120"),
        ("CORS_METHODS", "GET,POST"),
    ];
    let preflight = request(
        "OPTIONS",
        "/api/items",
        &[("Origin", "https://b.example"), (ACRM, "POST")],
    );
    let res = send_config(config("", &env), Cors::new(), preflight).await;
    assert_eq!(header(&res, ACAO), Some("https://b.example"));
    assert_eq!(header(&res, ACAC), Some("true"));
    assert_eq!(header(&res, ACMA), Some("120"));
    assert_eq!(header(&res, ACAM), Some("GET, POST"));
}

#[actix_web::test]
async fn configuration_errors_name_the_key() {
    let init = |toml: &str, cors: Cors| AppBuilder::new(config(toml, &[])).register(cors).init();
    let cases: Vec<(&str, Cors, &str)> = vec![
        (
            "[cors]\norigins = ['(unclosed']\n",
            Cors::new(),
            "config key `cors.origins`: \"(unclosed\" is not a valid regular expression",
        ),
        (
            "[cors]\nresources = 5\n",
            Cors::new(),
            "config key `cors.resources`",
        ),
        (
            "[cors]\nresources = '[a-'\n",
            Cors::new(),
            "config key `cors.resources`: \"[a-\" is not a valid regular expression",
        ),
        (
            "[cors]\nmax_age = 'soon'\n",
            Cors::new(),
            "config key `cors.max_age`: expected seconds or a duration",
        ),
        (
            "[cors]\norgins = '*'\n",
            Cors::new(),
            "config key `cors.orgins` (TOML file inline TOML, [cors]): unknown field",
        ),
        (
            "[cors.resources.'/api/*']\nallow_headers = ['X-(']\n",
            Cors::new(),
            "config key `cors.resources.\"/api/*\".allow_headers`",
        ),
        (
            "[cors.resources.'/api/*']\nflask_compatible = true\n",
            Cors::new(),
            "only be set at the top level",
        ),
        (
            "",
            Cors::new()
                .origins("*")
                .supports_credentials(true)
                .send_wildcard(true)
                .flask_compatible(true),
            "cannot be sent with credentials",
        ),
        (
            "",
            Cors::new().preflight_rejection_status(500),
            "expected a 4xx status",
        ),
        (
            "",
            Cors::new().expose_headers("X-A\r\nSet-Cookie: a=b"),
            "cannot be sent in a header",
        ),
    ];
    for (toml, cors, expected) in cases {
        let error = init(toml, cors).await.unwrap_err();
        assert_eq!(error.extension(), "cors");
        assert!(error.to_string().contains(expected), "{toml:?}: {error}");
    }
}

#[actix_web::test]
async fn cors_headers_reach_error_responses() {
    let origin = [("Origin", "https://a.example")];
    for req in [
        request("GET", "/nowhere", &origin),
        request("GET", "/api/fail", &origin),
        request(
            "POST",
            "/api/items",
            &[
                ("Origin", "https://a.example"),
                ("Content-Type", "application/json"),
            ],
        )
        .set_payload("{not json"),
    ] {
        let res = send(in_mode(false), req).await;
        assert!(res.status().is_client_error() || res.status().is_server_error());
        assert_eq!(header(&res, "content-type"), Some("application/problem+json"));
        assert_eq!(
            header(&res, ACAO),
            Some("https://a.example"),
            "{}",
            res.request().path()
        );
    }
}

#[actix_web::test]
async fn preflights_get_200_with_cors_headers_and_refused_ones_never_400() {
    for compat in [true, false] {
        let preflight = request(
            "OPTIONS",
            "/api/items",
            &[("Origin", "https://a.example"), (ACRM, "PATCH")],
        );
        let res = send(in_mode(compat), preflight).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(header(&res, ACAM).is_some());
        // Refused origin: 200 without CORS headers, not 400.
        let refused = request(
            "OPTIONS",
            "/api/items",
            &[("Origin", "https://evil.example"), (ACRM, "GET")],
        );
        let res = send(in_mode(compat).origins(["https://a.example"]), refused).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header(&res, ACAO), None);
    }
}

#[actix_web::test]
async fn a_rejection_status_refuses_bad_preflights() {
    let cors = || {
        in_mode(false)
            .origins(["https://a.example"])
            .methods(["GET", "POST"])
            .preflight_rejection_status(403)
    };
    let bad_origin = request(
        "OPTIONS",
        "/api/items",
        &[("Origin", "https://evil.example"), (ACRM, "GET")],
    );
    let res = send(cors(), bad_origin).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&res, ACAO), None);
    let body: serde_json::Value = read_body_json(res).await;
    assert_eq!(
        body["type"],
        "urn:actix-flask-ext:problem:cors-preflight-rejected"
    );
    assert_eq!(body["detail"], "origin not allowed");

    let bad_method = request(
        "OPTIONS",
        "/api/items",
        &[("Origin", "https://a.example"), (ACRM, "DELETE")],
    );
    let res = send(cors(), bad_method).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let good = request(
        "OPTIONS",
        "/api/items",
        &[("Origin", "https://a.example"), (ACRM, "POST")],
    );
    let res = send(cors(), good).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, ACAM), Some("GET, POST"));

    // An actual request from a refused origin still reaches the handler.
    let res = send(
        cors(),
        request("GET", "/api/items", &[("Origin", "https://evil.example")]),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[actix_web::test]
async fn a_per_route_override_wins_even_when_it_refuses() {
    let ext = AppBuilder::new(Config::empty())
        .register(Cors::new().origins(["https://app.example"]))
        .init()
        .await
        .unwrap();
    let app = init_service(ext.app().configure(partner_route).configure(routes)).await;
    let get =
        |path: &'static str, origin: &'static str| request("GET", path, &[("Origin", origin)]).to_request();

    let res = call_service(&app, get("/partner", "https://partner.example")).await;
    assert_eq!(res.headers().get(ACAO).unwrap(), "https://partner.example");
    let res = call_service(&app, get("/partner", "https://app.example")).await;
    assert!(
        res.headers().get(ACAO).is_none(),
        "the app-wide policy must not add its answer"
    );
    let res = call_service(&app, get("/api/items", "https://app.example")).await;
    assert_eq!(res.headers().get(ACAO).unwrap(), "https://app.example");

    // automatic_options: the override answers the preflight itself.
    let preflight = request(
        "OPTIONS",
        "/partner",
        &[("Origin", "https://partner.example"), (ACRM, "GET")],
    );
    let res = call_service(&app, preflight.to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get(ACMA).unwrap(), "60");
}

#[actix_web::test]
async fn an_invalid_override_fails_the_worker_start() {
    let ext = AppBuilder::new(Config::empty()).init().await.unwrap();
    let bad = CrossOrigin::from_options(CorsOptions::default()).origins(["(unclosed"]);
    let app = ext.app().service(
        web::resource("/x")
            .wrap(bad)
            .route(web::get().to(HttpResponse::Ok)),
    );
    use actix_service::IntoServiceFactory;
    use actix_web::dev::{AppConfig, ServiceFactory};
    let started = app.into_factory().new_service(AppConfig::default()).await;
    assert!(started.is_err());
}

#[actix_web::test]
async fn a_debug_line_says_why_no_cors_headers_were_added_with_values_escaped() {
    let (logs, _guard) = capture_logs();
    let res = send(
        in_mode(false).origins(["https://a.example"]),
        request(
            "GET",
            "/api/items",
            &[("Origin", "https://evil.example\tX-Injected: 1")],
        ),
    )
    .await;
    assert_eq!(header(&res, ACAO), None);
    let text = logs.text();
    let line = text
        .lines()
        .find(|line| line.contains("no CORS headers"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("origin not allowed"), "{line}");
    assert!(
        line.contains(r#""https://evil.example\tX-Injected: 1""#),
        "{line}"
    );
}

#[actix_web::test]
async fn compat_mode_warns_about_globs_read_as_regexes() {
    let (logs, _guard) = capture_logs();
    AppBuilder::new(Config::empty())
        .register(
            Cors::new()
                .flask_compatible(true)
                .origins(["https://*.example.com"]),
        )
        .init()
        .await
        .unwrap();
    let text = logs.text();
    assert!(text.contains("looks like a glob"), "{text}");
    assert!(text.contains("cors.origins"), "{text}");
}

#[actix_web::test]
async fn default_mode_warns_about_glob_shaped_strings_it_cannot_read_as_globs() {
    let (logs, _guard) = capture_logs();
    AppBuilder::new(Config::empty())
        .register(Cors::new().origins(["https://*example.com", "https://*.example.org"]))
        .init()
        .await
        .unwrap();
    let text = logs.text();
    let warnings: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("looks like a glob"))
        .collect();
    assert_eq!(warnings.len(), 1, "{text}");
    assert!(warnings[0].contains("https://*example.com"), "{text}");
}

#[actix_web::test]
async fn resources_can_be_set_in_code() {
    let cors = || {
        Cors::new()
            .origins(["https://app.example"])
            .resource(
                "/api/*",
                CorsOptions {
                    max_age: Some(60.into()),
                    ..CorsOptions::default()
                },
            )
            .resource(
                "/public/*",
                CorsOptions {
                    origins: Some("*".into()),
                    ..CorsOptions::default()
                },
            )
    };
    let preflight = request(
        "OPTIONS",
        "/api/items",
        &[("Origin", "https://app.example"), (ACRM, "GET")],
    );
    let res = send(cors(), preflight).await;
    assert_eq!(header(&res, ACMA), Some("60"));
    let res = send(
        cors(),
        request("GET", "/public/x", &[("Origin", "https://other.example")]),
    )
    .await;
    assert_eq!(header(&res, ACAO), Some("https://other.example"));
    let res = send(
        cors(),
        request("GET", "/api/items", &[("Origin", "https://other.example")]),
    )
    .await;
    assert_eq!(header(&res, ACAO), None);
    let res = send(
        cors(),
        request("GET", "/elsewhere", &[("Origin", "https://app.example")]),
    )
    .await;
    assert!(
        cors_names(&res).is_empty(),
        "only the listed resources get CORS headers"
    );
}
