//! Flask's `session` through one registration call: the signed cookie
//! (attributes, tampering, expiry, rotation) and the Redis store (renew,
//! purge, hashed keys), on the machine's real Redis.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{COOKIE, VARY};
use actix_web::http::StatusCode;
use actix_web::test::{call_service, init_service, read_body, TestRequest};
use actix_web::{web, HttpResponse};
use common::{cookie_pair, set_cookies, KEY};
use ext_core::session::{Session, SessionError, Sessions};
use ext_core::{AppBuilder, Config, ExtApp};

mod common;

const OTHER_KEY: &str = "another secret key of thirty-two bytes!";

async fn start(env: &[(&str, &str)], sessions: Sessions) -> Result<ExtApp, ext_core::InitError> {
    let config = Config::builder()
        .no_file()
        .env_vars(env.iter().copied())
        .build()
        .unwrap();
    AppBuilder::new(config).register(sessions).init().await
}

async fn visit(session: Session) -> Result<HttpResponse, SessionError> {
    let visits: u64 = session.get("visits")?.unwrap_or(0);
    session.insert("visits", visits + 1)?;
    Ok(HttpResponse::Ok().body((visits + 1).to_string()))
}

async fn routes(
    ext: &ExtApp,
) -> impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error> {
    init_service(
        ext.app()
            .route("/visit", web::get().to(visit))
            .route("/plain", web::get().to(|| async { "no session here" }))
            .route(
                "/permanent",
                web::get().to(|session: Session| async move {
                    session.set_permanent(true);
                    session.insert("user", 7).map(|()| HttpResponse::Ok().finish())
                }),
            )
            .route(
                "/renew",
                web::post().to(|session: Session| async move {
                    session.renew();
                    HttpResponse::Ok().finish()
                }),
            )
            .route(
                "/purge",
                web::post().to(|session: Session| async move {
                    session.purge();
                    HttpResponse::Ok().finish()
                }),
            )
            .route(
                "/user",
                web::get().to(|session: Session| async move {
                    let user: Option<u64> = session.get("user").unwrap();
                    HttpResponse::Ok().body(format!("{user:?}"))
                }),
            )
            .route(
                "/read",
                web::get().to(|session: Session| async move {
                    let visits: Option<u64> = session.get("visits").unwrap();
                    HttpResponse::Ok().body(format!("{visits:?}"))
                }),
            ),
    )
    .await
}

async fn get(
    app: &impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    path: &str,
    cookie: Option<&str>,
) -> ServiceResponse {
    let mut req = TestRequest::get().uri(path);
    if let Some(cookie) = cookie {
        req = req.insert_header((COOKIE, cookie));
    }
    call_service(app, req.to_request()).await
}

async fn post(
    app: &impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    path: &str,
    cookie: &str,
) -> ServiceResponse {
    call_service(
        app,
        TestRequest::post()
            .uri(path)
            .insert_header((COOKIE, cookie))
            .to_request(),
    )
    .await
}

#[actix_rt::test]
async fn a_cookie_session_round_trips_with_safe_attributes() {
    let ext = start(&[("SECRET_KEY", KEY)], Sessions::new()).await.unwrap();
    let app = routes(&ext).await;

    let res = get(&app, "/visit", None).await;
    assert_eq!(res.headers().get(VARY).unwrap(), "Cookie");
    let line = set_cookies(&res).remove(0);
    let attributes: Vec<&str> = line.split("; ").skip(1).collect();
    assert!(line.starts_with("__Host-session="), "{line}");
    for wanted in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(attributes.contains(&wanted), "{wanted} missing: {line}");
    }
    assert!(!line.contains("Domain") && !line.contains("Max-Age"), "{line}");
    let cookie = cookie_pair(&res);
    assert_eq!(read_body(res).await, "1");

    let res = get(&app, "/visit", Some(&cookie)).await;
    let cookie = cookie_pair(&res);
    assert_eq!(read_body(res).await, "2");
    assert_eq!(read_body(get(&app, "/visit", Some(&cookie)).await).await, "3");
}

#[actix_rt::test]
async fn untouched_or_read_only_sessions_set_no_cookie() {
    let ext = start(&[("SECRET_KEY", KEY)], Sessions::new()).await.unwrap();
    let app = routes(&ext).await;
    let res = get(&app, "/plain", None).await;
    assert!(set_cookies(&res).is_empty());
    assert!(
        res.headers().get(VARY).is_none(),
        "a route that never reads the session does not vary"
    );
    let cookie = cookie_pair(&get(&app, "/visit", None).await);
    let res = get(&app, "/read", Some(&cookie)).await;
    assert!(
        set_cookies(&res).is_empty(),
        "reading does not re-send a non-permanent session"
    );
    assert_eq!(read_body(res).await, "Some(1)");
}

#[actix_rt::test]
async fn a_tampered_or_foreign_cookie_is_an_empty_session() {
    let ext = start(&[("SECRET_KEY", KEY)], Sessions::new()).await.unwrap();
    let app = routes(&ext).await;
    let cookie = cookie_pair(&get(&app, "/visit", None).await);
    let (name, value) = cookie.split_once('=').unwrap();
    let (body, tag) = value.rsplit_once('.').unwrap();

    // Flip one character of the payload: the tag no longer matches.
    let mut forged = body.to_owned().into_bytes();
    forged[3] = if forged[3] == b'A' { b'B' } else { b'A' };
    let forged = format!("{name}={}.{tag}", String::from_utf8(forged).unwrap());
    assert_eq!(read_body(get(&app, "/read", Some(&forged)).await).await, "None");

    // A cookie signed with another secret.
    let other = start(&[("SECRET_KEY", OTHER_KEY)], Sessions::new())
        .await
        .unwrap();
    let other_app = routes(&other).await;
    let foreign = cookie_pair(&get(&other_app, "/visit", None).await);
    assert_eq!(read_body(get(&app, "/read", Some(&foreign)).await).await, "None");
    assert_eq!(
        read_body(get(&app, "/read", Some(&cookie)).await).await,
        "Some(1)"
    );
}

#[actix_rt::test]
async fn the_server_refuses_a_cookie_past_its_lifetime() {
    let ext = start(
        &[("SECRET_KEY", KEY), ("PERMANENT_SESSION_LIFETIME", "1")],
        Sessions::new(),
    )
    .await
    .unwrap();
    let app = routes(&ext).await;
    let cookie = cookie_pair(&get(&app, "/visit", None).await);
    assert_eq!(
        read_body(get(&app, "/read", Some(&cookie)).await).await,
        "Some(1)"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        read_body(get(&app, "/read", Some(&cookie)).await).await,
        "None",
        "a replayed cookie stops working when it would have expired"
    );
}

#[actix_rt::test]
async fn permanent_sessions_get_max_age_and_are_refreshed_on_each_request() {
    let ext = start(
        &[("SECRET_KEY", KEY), ("PERMANENT_SESSION_LIFETIME", "3600")],
        Sessions::new(),
    )
    .await
    .unwrap();
    let app = routes(&ext).await;
    let res = get(&app, "/permanent", None).await;
    let line = set_cookies(&res).remove(0);
    assert!(line.contains("Max-Age=3600"), "{line}");
    let cookie = cookie_pair(&res);
    let res = get(&app, "/read", Some(&cookie)).await;
    assert!(set_cookies(&res)[0].contains("Max-Age=3600"), "re-sent unchanged");

    // A route that never reads the session still refreshes a permanent
    // cookie (without decoding it), and the refreshed cookie keeps the data.
    let res = get(&app, "/plain", Some(&cookie)).await;
    assert!(res.headers().get(VARY).is_none());
    let refreshed = cookie_pair(&res);
    assert!(set_cookies(&res)[0].contains("Max-Age=3600"));
    assert_eq!(
        read_body(get(&app, "/user", Some(&refreshed)).await).await,
        "Some(7)"
    );
    // A forged permanent cookie is not refreshed into a valid one.
    let (name, value) = cookie.split_once('=').unwrap();
    let forged = format!("{name}={}", value.replacen(".p.", ".p.e30", 1));
    assert!(set_cookies(&get(&app, "/plain", Some(&forged)).await).is_empty());

    let ext = start(
        &[("SECRET_KEY", KEY), ("SESSION_REFRESH_EACH_REQUEST", "false")],
        Sessions::new(),
    )
    .await
    .unwrap();
    let app = routes(&ext).await;
    let cookie = cookie_pair(&get(&app, "/permanent", None).await);
    assert!(set_cookies(&get(&app, "/read", Some(&cookie)).await).is_empty());
}

#[actix_rt::test]
async fn rotating_the_secret_keeps_sessions_through_the_fallbacks() {
    let before = start(&[("SECRET_KEY", OTHER_KEY)], Sessions::new())
        .await
        .unwrap();
    let cookie = cookie_pair(&get(&routes(&before).await, "/visit", None).await);

    let fallbacks = format!("[\"{OTHER_KEY}\"]");
    let rotated = start(
        &[("SECRET_KEY", KEY), ("SECRET_KEY_FALLBACKS", &fallbacks)],
        Sessions::new(),
    )
    .await
    .unwrap();
    let app = routes(&rotated).await;
    let res = get(&app, "/visit", Some(&cookie)).await;
    let renewed = cookie_pair(&res);
    assert_eq!(read_body(res).await, "2");

    let dropped = start(&[("SECRET_KEY", KEY)], Sessions::new()).await.unwrap();
    let app = routes(&dropped).await;
    assert_eq!(read_body(get(&app, "/read", Some(&cookie)).await).await, "None");
    assert_eq!(
        read_body(get(&app, "/read", Some(&renewed)).await).await,
        "Some(2)",
        "the cookie re-signed with the new secret"
    );
}

#[actix_rt::test]
async fn flask_cookie_settings_apply_and_clashes_fail_start_up() {
    let ext = start(
        &[
            ("SECRET_KEY", KEY),
            ("SESSION_COOKIE_SECURE", "false"),
            ("SESSION_COOKIE_SAMESITE", "Strict"),
            ("SESSION_COOKIE_DOMAIN", "example.test"),
        ],
        Sessions::new(),
    )
    .await
    .unwrap();
    let line = set_cookies(&get(&routes(&ext).await, "/visit", None).await).remove(0);
    assert!(
        line.starts_with("session="),
        "no __Host- prefix without Secure: {line}"
    );
    assert!(
        line.contains("SameSite=Strict") && line.contains("Domain=example.test"),
        "{line}"
    );
    assert!(!line.contains("Secure"), "{line}");

    let ext = start(
        &[("SECRET_KEY", KEY), ("SESSION_COOKIE_PARTITIONED", "true")],
        Sessions::new(),
    )
    .await
    .unwrap();
    let line = set_cookies(&get(&routes(&ext).await, "/visit", None).await).remove(0);
    assert!(line.ends_with("; Partitioned"), "{line}");

    let clashes = [
        (
            vec![
                ("SESSION_COOKIE_SAMESITE", "None"),
                ("SESSION_COOKIE_SECURE", "false"),
            ],
            "session.cookie_samesite",
        ),
        (
            vec![
                ("SESSION_COOKIE_NAME", "__Host-s"),
                ("SESSION_COOKIE_DOMAIN", "a.test"),
            ],
            "session.cookie_name",
        ),
        (vec![("SESSION_COOKIE_NAME", "bad;name")], "session.cookie_name"),
        (vec![("SESSION_TYPE", "redis")], "session.redis_url"),
    ];
    for (mut env, key) in clashes {
        env.push(("SECRET_KEY", KEY));
        let error = start(&env, Sessions::new()).await.unwrap_err().to_string();
        assert!(error.contains(key), "{env:?}: {error}");
    }
    let error = start(&[], Sessions::new()).await.unwrap_err().to_string();
    assert!(error.contains("app.secret_key"), "{error}");
}

fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_owned())
}

async fn redis_app(prefix: &str) -> ExtApp {
    let url = redis_url();
    start(
        &[
            ("SECRET_KEY", KEY),
            ("SESSION_TYPE", "redis"),
            ("SESSION_REDIS_URL", &url),
            ("SESSION_KEY_PREFIX", prefix),
        ],
        Sessions::new(),
    )
    .await
    .unwrap_or_else(|error| panic!("Redis at {url} is needed (scripts/services.sh): {error}"))
}

async fn redis_keys(prefix: &str) -> Vec<String> {
    let client = redis::Client::open(redis_url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut connection)
        .await
        .unwrap()
}

#[actix_rt::test]
async fn a_redis_session_keeps_data_server_side_under_a_hashed_id() {
    let prefix = format!("test-session-{}:", std::process::id());
    let ext = redis_app(&prefix).await;
    let app = routes(&ext).await;
    let res = get(&app, "/visit", None).await;
    let cookie = cookie_pair(&res);
    let (_, value) = cookie.split_once('=').unwrap();
    let (id, _tag) = value.rsplit_once('.').unwrap();
    assert_eq!(id.len(), 43, "256 random bits, base64url");
    assert_eq!(read_body(get(&app, "/visit", Some(&cookie)).await).await, "2");

    let keys = redis_keys(&prefix).await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(
        !keys[0].contains(id),
        "the store never sees the id itself: {keys:?}"
    );

    // S1: renewing gives a new id; the old cookie is then worth nothing.
    let renewed = cookie_pair(&post(&app, "/renew", &cookie).await);
    assert_ne!(renewed, cookie);
    assert_eq!(read_body(get(&app, "/read", Some(&cookie)).await).await, "None");
    assert_eq!(
        read_body(get(&app, "/read", Some(&renewed)).await).await,
        "Some(2)"
    );

    // S2: purging deletes the record and the cookie; replaying it fails.
    let res = post(&app, "/purge", &renewed).await;
    let line = set_cookies(&res).remove(0);
    assert!(line.contains("Max-Age=0"), "{line}");
    assert_eq!(read_body(get(&app, "/read", Some(&renewed)).await).await, "None");
    assert!(redis_keys(&prefix).await.is_empty());
}

#[actix_rt::test]
async fn a_forged_id_never_reaches_the_store_and_health_reports_redis() {
    let prefix = format!("test-forged-{}:", std::process::id());
    let ext = redis_app(&prefix).await;
    let app = routes(&ext).await;
    let forged = "__Host-session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.bm90IGEgdGFn";
    let res = get(&app, "/read", Some(forged)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(read_body(res).await, "None");
    let res = get(&app, "/health", None).await;
    let body: serde_json::Value = serde_json::from_slice(&read_body(res).await).unwrap();
    assert_eq!(body["checks"]["session.redis"]["status"], "up", "{body}");
}
