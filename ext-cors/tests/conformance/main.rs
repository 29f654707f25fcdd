//! The 101 cases distilled from Flask-Cors 6.0.5's own test suite, each run
//! against ext-cors in Flask-compatible mode. A case passes when the status
//! and the complete set of `Access-Control-*` and `Vary` headers are exactly
//! what Flask-Cors answered: a header the case does not list must be absent.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cases;

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::test::{call_service, init_service, TestRequest};
use actix_web::{web, HttpResponse};
use ext_core::{AppBuilder, Config};
use ext_cors::{Cors, CorsOptions, CrossOrigin};

use self::cases::{CASES, CASE_COUNT};

/// One row of the conformance table.
pub(crate) struct Case {
    id: &'static str,
    source: &'static str,
    config: &'static str,
    method: &'static str,
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
    status: u16,
    expected: &'static [(&'static str, &'static str)],
    expected_text: &'static str,
}

/// What the `/r` route of the decorator cases does.
#[derive(Clone, Copy)]
enum View {
    /// GET and HEAD, answering `Welcome!`.
    Plain,
    /// Also sets `Vary: Accept-Encoding`.
    SetsVary,
    /// Also sets two cookies.
    TwoCookies,
    /// Declares OPTIONS itself.
    HandlesOptions,
}

/// How a case's app is built.
enum Setup {
    /// `@cross_origin(...)` on `/r`, no app-wide extension.
    Decorator(CrossOrigin, View),
    /// `CORS(app, ...)` from TOML, with the routes the case names.
    Extension { toml: String, error_handler: bool },
    /// `CORS(app, **options)` with options in code, plus
    /// `@cross_origin(origins='http://foo.com')` on `/api/v1/special`.
    ExtensionWithOverride { cors: Cors },
    /// Construction must fail.
    Fails { toml: String },
}

fn decorator() -> CrossOrigin {
    CrossOrigin::new().flask_compatible(true)
}

fn toml(body: &str) -> String {
    format!("[cors]\nflask_compatible = true\n{body}")
}

const APP_EXTENSION_REGEXP: &str = r#"
[cors.resources."/test_list"]
origins = ["http://foo.com", "http://bar.com"]
[cors.resources."/test_string"]
origins = "http://foo.com"
[cors.resources."/test_set"]
origins = ["http://foo.com", "http://bar.com"]
[cors.resources."/test_subdomain_regex"]
origins = 'http?://\w*\.?example\.com:?\d*/?.*'
[cors.resources."/test_regex_list"]
origins = ['.*.example.com', '.*.otherexample.com']
[cors.resources."/test_regex_mixed_list"]
origins = ["http://example.com", '.*.otherexample.com']
[cors.resources."/test_send_wildcard_with_origin"]
send_wildcard = true
[cors.resources.'regex:/test_compiled_subdomain_\w*']
origins = 'regex:http://example\d+.com'
[cors.resources."/test_defaults"]
"#;

fn setup(config: &str) -> Setup {
    let plain = |cross: CrossOrigin| Setup::Decorator(cross, View::Plain);
    let ext = |body: &str| Setup::Extension {
        toml: toml(body),
        error_handler: false,
    };
    match config {
        "@cross_origin()" => plain(decorator()),
        "@cross_origin(send_wildcard=True)" => plain(decorator().send_wildcard(true)),
        "origins=['http://foo.com','http://bar.com']" | "origins={'http://foo.com','http://bar.com'}" => {
            plain(decorator().origins(["http://foo.com", "http://bar.com"]))
        }
        "origins='http://foo.com'" => plain(decorator().origins("http://foo.com")),
        r"origins=r'http?://\w*\.?example\.com:?\d*/?.*'" => {
            plain(decorator().origins(r"http?://\w*\.?example\.com:?\d*/?.*"))
        }
        r"origins=re.compile(r'http?://\w*\.?example\.com:?\d*/?.*')" => {
            plain(decorator().origins(r"regex:http?://\w*\.?example\.com:?\d*/?.*"))
        }
        "origins=[r'.*.example.com', r'.*.otherexample.com']" => {
            plain(decorator().origins([".*.example.com", ".*.otherexample.com"]))
        }
        "origins=['http://example.com', r'.*.otherexample.com']" => {
            plain(decorator().origins(["http://example.com", ".*.otherexample.com"]))
        }
        "origins='https?://example.com'" => plain(decorator().origins("https?://example.com")),
        "origins='*', send_wildcard=False, always_send=False" => {
            plain(decorator().origins("*").send_wildcard(false).always_send(false))
        }
        "send_wildcard=False, always_send=False" => plain(decorator().send_wildcard(false).always_send(false)),
        "allow_headers=['X-Example-Header-B','X-Example-Header-A']" => {
            plain(decorator().allow_headers(["X-Example-Header-B", "X-Example-Header-A"]))
        }
        "allow_headers=[r'X-COMPANY-.*']" => plain(decorator().allow_headers(["X-COMPANY-.*"])),
        "supports_credentials=True" => plain(decorator().supports_credentials(true)),
        "supports_credentials=False" => plain(decorator().supports_credentials(false)),
        "expose_headers=['X-My-Custom-Header','X-Another-Custom-Header']" => {
            plain(decorator().expose_headers(["X-My-Custom-Header", "X-Another-Custom-Header"]))
        }
        "max_age=600" => plain(decorator().max_age(600)),
        "max_age=timedelta(minutes=10)" => plain(decorator().max_age(std::time::Duration::from_secs(600))),
        "methods=['POST']" => plain(decorator().methods(["POST"])),
        "automatic_options=False" => plain(decorator().automatic_options(false)),
        "route methods=['OPTIONS'], automatic_options=False" => {
            Setup::Decorator(decorator().automatic_options(false), View::HandlesOptions)
        }
        "allow_private_network=True" => plain(decorator().allow_private_network(true)),
        "allow_private_network=False" => plain(decorator().allow_private_network(false)),
        "origins=['http://foo.com','http://bar.com'], view sets Vary: Accept-Encoding" => Setup::Decorator(
            decorator().origins(["http://foo.com", "http://bar.com"]),
            View::SetsVary,
        ),
        "CORS(app, resources={r'/test_acl*': {}})" | "intercept_exceptions=False, resources={r'/test_acl*': {}}" => {
            let extra = if config.starts_with("intercept") { "intercept_exceptions = false\n" } else { "" };
            ext(&format!("{extra}[cors.resources.\"/test_acl*\"]\n"))
        }
        "CORS(app, resources={r'/test_acl*': {}}) + errorhandler(404/500)->('...',200)" => Setup::Extension {
            toml: toml("[cors.resources.\"/test_acl*\"]\n"),
            error_handler: true,
        },
        "CORS(app)" => ext(""),
        "AppExtensionRegexp resources dict (see file)" => ext(APP_EXTENSION_REGEXP),
        "resources=['/test_exposed','/test_other_exposed'], origins=['http://foo.com','http://bar.com']" => {
            ext("resources = ['/test_exposed', '/test_other_exposed']\norigins = ['http://foo.com', 'http://bar.com']\n")
        }
        "resources=r'/api/*', allow_headers='Content-Type', expose_headers='X-Total-Count', origins='http://bar.com'" => {
            Setup::ExtensionWithOverride { cors: api_string() }
        }
        "resources=r'/api/*', allow_headers='Content-Type', expose_headers='X-Total-Count', origins='http://bar.com' + @cross_origin(origins='http://foo.com') on /api/v1/special" => {
            Setup::ExtensionWithOverride { cors: api_string() }
        }
        "CORS(app, resources=5)" => Setup::Fails { toml: toml("resources = 5\n") },
        "resources={r'/api/*': {'origins': ['http://blah.com','http://foo.bar']}}" => {
            ext("[cors.resources.\"/api/*\"]\norigins = ['http://blah.com', 'http://foo.bar']\n")
        }
        "resources=re.compile('/api/.*')" => ext("resources = 'regex:/api/.*'\n"),
        "resources='}'" => ext("resources = '}'\n"),
        r"resources={r'/service\+path': {'origins':['http://foo.com']}, r'/service path': {'origins':['http://bar.com']}}" => {
            ext("[cors.resources.'/service\\+path']\norigins = ['http://foo.com']\n[cors.resources.'/service path']\norigins = ['http://bar.com']\n")
        }
        "resources={'/foo': foo.com, re.compile('/.*'): some-domain.com, re.compile('/api/v1/.*'): specific-domain.com}" => {
            ext("[cors.resources.'/foo']\norigins = 'http://foo.com'\n[cors.resources.'regex:/.*']\norigins = 'http://some-domain.com'\n[cors.resources.'regex:/api/v1/.*']\norigins = 'http://specific-domain.com'\n")
        }
        // A blueprint's CORS(bp, resources=...) is the app-wide extension with
        // the same resources: patterns match the full path either way.
        "CORS(bp, resources={r'/api/*': {'origins': 'http://foo.com'}})" | "same" => {
            ext("[cors.resources.'/api/*']\norigins = 'http://foo.com'\n")
        }
        "origins='*', supports_credentials=True, send_wildcard=True" => Setup::Fails {
            toml: toml("origins = '*'\nsupports_credentials = true\nsend_wildcard = true\n"),
        },
        other => panic!("no setup for config {other:?}"),
    }
}

/// AppExtensionString's `CORS(app, resources=..., ...)`, as options in code.
fn api_string() -> Cors {
    Cors::new()
        .flask_compatible(true)
        .resources("/api/*")
        .allow_headers("Content-Type")
        .expose_headers("X-Total-Count")
        .origins("http://bar.com")
}

async fn welcome() -> HttpResponse {
    HttpResponse::Ok().body("Welcome!")
}

/// The routes every extension case may name; paths a case needs unrouted
/// (such as `/test_compiled_subdomain_regex`) are left out.
fn extension_routes(cfg: &mut web::ServiceConfig) {
    for path in [
        "/",
        "/test_defaults",
        "/test_send_wildcard_with_origin",
        "/test_list",
        "/test_string",
        "/test_set",
        "/test_exposed",
        "/test_other_exposed",
        "/test_unexposed",
        "/api/v1/foo",
        "/api/v1/bar",
        "/api/foo",
        "/api/",
        "/api/v1",
        "/api/v1/x",
        "/api/v1/ping",
        "/no_cors",
        "/foo",
        "/service+path",
        "/service path",
    ] {
        cfg.route(path, web::get().to(welcome))
            .route(path, web::head().to(welcome));
    }
    for prefix in ["/test_acl", "/test_no_acl"] {
        cfg.route(
            &format!("{prefix}_abort_404"),
            web::get().to(|| async { Err::<HttpResponse, _>(actix_web::error::ErrorNotFound("abort(404)")) }),
        );
        cfg.route(
            &format!("{prefix}_abort_500"),
            web::get().to(|| async {
                Err::<HttpResponse, _>(actix_web::error::ErrorInternalServerError("abort(500)"))
            }),
        );
        cfg.route(
            &format!("{prefix}_uncaught_exception_500"),
            web::get().to(|| async { Err::<HttpResponse, _>(std::io::Error::other("uncaught")) }),
        );
    }
}

fn view(kind: View) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg| {
        let answer = move || async move {
            let mut response = HttpResponse::Ok();
            match kind {
                View::SetsVary => {
                    response.insert_header(("Vary", "Accept-Encoding"));
                }
                View::TwoCookies => {
                    response.append_header(("Set-Cookie", "foo=bar"));
                    response.append_header(("Set-Cookie", "bar=baz"));
                }
                _ => {}
            }
            response.body("Welcome!")
        };
        let mut resource = web::resource("/r")
            .route(web::get().to(answer))
            .route(web::head().to(answer));
        if matches!(kind, View::HandlesOptions) {
            resource = resource.route(web::method(Method::OPTIONS).to(answer));
        }
        cfg.service(resource);
    }
}

/// X7/X8's `@app.errorhandler(404/500)` answering 200.
fn errors_to_200<B>(mut res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    *res.response_mut().status_mut() = StatusCode::OK;
    Ok(ErrorHandlerResponse::Response(res.map_into_left_body()))
}

async fn respond(case: &Case) -> ServiceResponse<BoxBody> {
    let setup = match (setup(case.config), case.id) {
        (Setup::Decorator(cross, _), "DH1") => Setup::Decorator(cross, View::TwoCookies),
        (setup, _) => setup,
    };
    let mut request = TestRequest::default()
        .method(Method::from_bytes(case.method.as_bytes()).unwrap())
        .uri(case.path);
    for (name, value) in case.headers {
        request = request.insert_header((*name, *value));
    }
    let request = request.to_request();
    let config = |text: &str| {
        Config::builder()
            .toml_str(text)
            .env_vars(Vec::<(String, String)>::new())
            .build()
            .unwrap()
    };
    match setup {
        Setup::Decorator(cross, kind) => {
            let ext = AppBuilder::new(Config::empty()).init().await.unwrap();
            let app = init_service(
                ext.app()
                    .service(web::scope("").wrap(cross).configure(view(kind))),
            )
            .await;
            call_service(&app, request).await.map_into_boxed_body()
        }
        Setup::Extension { toml, error_handler } => {
            let ext = AppBuilder::new(config(&toml))
                .register(Cors::new())
                .init()
                .await
                .unwrap();
            if error_handler {
                let handlers = ErrorHandlers::new()
                    .handler(StatusCode::NOT_FOUND, errors_to_200)
                    .handler(StatusCode::INTERNAL_SERVER_ERROR, errors_to_200);
                let app = init_service(ext.app().configure(extension_routes).wrap(handlers)).await;
                call_service(&app, request).await.map_into_boxed_body()
            } else {
                let app = init_service(ext.app().configure(extension_routes)).await;
                call_service(&app, request).await.map_into_boxed_body()
            }
        }
        Setup::ExtensionWithOverride { cors } => {
            let ext = AppBuilder::new(Config::empty())
                .register(cors)
                .init()
                .await
                .unwrap();
            let special = web::resource("/api/v1/special")
                .wrap(CrossOrigin::from_options(CorsOptions::default()).origins("http://foo.com"))
                .route(web::get().to(welcome))
                .route(web::head().to(welcome));
            let app = init_service(ext.app().service(special).configure(extension_routes)).await;
            call_service(&app, request).await.map_into_boxed_body()
        }
        Setup::Fails { .. } => unreachable!("construction cases are checked without a request"),
    }
}

/// The response's CORS and Vary headers, as (name, value) lines, sorted.
fn cors_headers(res: &ServiceResponse<BoxBody>) -> Vec<(String, String)> {
    let mut lines: Vec<(String, String)> = res
        .headers()
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("access-control-") || name.as_str() == "vary")
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or("<binary>").to_owned(),
            )
        })
        .collect();
    lines.sort();
    lines
}

async fn check(case: &Case) -> Result<(), String> {
    if let Setup::Fails { toml } = setup(case.config) {
        let config = Config::builder()
            .toml_str(toml)
            .env_vars(Vec::<(String, String)>::new())
            .build()
            .unwrap();
        return match AppBuilder::new(config).register(Cors::new()).init().await {
            Err(error) if error.extension() == "cors" => Ok(()),
            Err(error) => Err(format!("failed, but not in cors: {error}")),
            Ok(_) => Err("construction succeeded; Flask-Cors raises ValueError".to_owned()),
        };
    }
    let res = respond(case).await;
    let mut problems = Vec::new();
    if res.status().as_u16() != case.status {
        problems.push(format!(
            "status {} instead of {}",
            res.status().as_u16(),
            case.status
        ));
    }
    let mut expected: Vec<(String, String)> = case
        .expected
        .iter()
        .filter(|(name, _)| name.starts_with("access-control-") || *name == "vary")
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    expected.sort();
    let actual = cors_headers(&res);
    if actual != expected {
        problems.push(format!("headers {actual:?}\n      expected {expected:?}"));
    }
    if case.expected.iter().any(|(name, _)| *name == "set-cookie") {
        let cookies = res.headers().get_all("set-cookie").count();
        if cookies != 2 {
            problems.push(format!("{cookies} Set-Cookie headers instead of 2"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

#[actix_web::test]
async fn all_101_flask_cors_cases_pass_in_compatible_mode() {
    assert_eq!(CASES.len(), 101);
    assert_eq!(CASE_COUNT, 101);
    let mut failures = Vec::new();
    for case in CASES {
        if let Err(problem) = check(case).await {
            failures.push(format!(
                "{} ({}): {} {} [{}]\n    expected: {}\n    got: {problem}",
                case.id, case.source, case.method, case.path, case.config, case.expected_text
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 101 cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
