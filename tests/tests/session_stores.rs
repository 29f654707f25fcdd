//! One acceptance suite for every server-side session store, run unchanged
//! on SQLite, PostgreSQL, MariaDB (ext-orm's `sqlalchemy` store), MongoDB
//! (ext-mongo's) and Redis (ext-core's), each chosen by `[session] type`
//! alone, as a Flask-Session user would.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{COOKIE, SET_COOKIE};
use actix_web::test::{call_service, read_body, TestRequest};
use actix_web::{web, HttpResponse};
use ext_core::session::{Session, SessionError, Sessions};
use ext_core::{AppBuilder, Config, ExtApp};
use tests::scratch::{ScratchDatabase, Server};
use tests::services::{mongo_uri, require};

const KEY: &str = "k7Qw9vX2mL4pR8sT1uY6zA3bC5dE0fGh";

/// Which store, and what the app registers before `Sessions` for it.
#[derive(Clone)]
enum Store {
    Sql(String),
    Mongo(String),
    Redis(String),
}

async fn start(store: &Store, lifetime: u64) -> ExtApp {
    let lifetime = lifetime.to_string();
    let mut env = vec![
        ("SECRET_KEY".to_owned(), KEY.to_owned()),
        ("PERMANENT_SESSION_LIFETIME".to_owned(), lifetime),
    ];
    match store {
        Store::Sql(url) => {
            env.push(("SESSION_TYPE".into(), "sqlalchemy".into()));
            env.push(("SQLALCHEMY_DATABASE_URI".into(), url.clone()));
        }
        Store::Mongo(uri) => {
            env.push(("SESSION_TYPE".into(), "mongodb".into()));
            env.push(("MONGO_URI".into(), uri.clone()));
        }
        Store::Redis(prefix) => {
            env.push(("SESSION_TYPE".into(), "redis".into()));
            env.push(("SESSION_REDIS_URL".into(), require("REDIS_URL", "Redis")));
            env.push(("SESSION_KEY_PREFIX".into(), prefix.clone()));
        }
    }
    let config = Config::builder().no_file().env_vars(env).build().unwrap();
    let builder = AppBuilder::new(config);
    let builder = match store {
        Store::Sql(_) => builder.register(ext_orm::Orm::new()),
        Store::Mongo(_) => builder.register(ext_mongo::Mongo::new()),
        Store::Redis(_) => builder,
    };
    builder.register(Sessions::new()).init().await.unwrap()
}

async fn visit(session: Session) -> Result<HttpResponse, SessionError> {
    let visits: u64 = session.get("visits")?.unwrap_or(0);
    session.insert("visits", visits + 1)?;
    session.insert("odd key $.with dots", "kept")?;
    Ok(HttpResponse::Ok().body((visits + 1).to_string()))
}

async fn read(session: Session) -> Result<HttpResponse, SessionError> {
    let visits: Option<u64> = session.get("visits")?;
    Ok(HttpResponse::Ok().body(format!("{visits:?}")))
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/visit", web::get().to(visit))
        .route("/read", web::get().to(read))
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
        );
}

fn cookie_of(res: &ServiceResponse) -> String {
    let line = res
        .headers()
        .get(SET_COOKIE)
        .expect("a session cookie")
        .to_str()
        .unwrap();
    line.split(';').next().unwrap().to_owned()
}

async fn call<S>(app: &S, method: &str, path: &str, cookie: Option<&str>) -> ServiceResponse
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let mut req = match method {
        "POST" => TestRequest::post(),
        _ => TestRequest::get(),
    }
    .uri(path);
    if let Some(cookie) = cookie {
        req = req.insert_header((COOKIE, cookie));
    }
    call_service(app, req.to_request()).await
}

async fn text(res: ServiceResponse) -> String {
    String::from_utf8(read_body(res).await.to_vec()).unwrap()
}

/// The suite: the same assertions for every store.
async fn acceptance(store: Store) {
    let ext = start(&store, 3600).await;
    let app = tests::app::service(&ext, routes).await;

    // The cookie carries only a signed id; the data stays in the store.
    let res = call(&app, "GET", "/visit", None).await;
    let cookie = cookie_of(&res);
    assert_eq!(text(res).await, "1");
    let value = cookie.split_once('=').unwrap().1;
    assert_eq!(value.rsplit_once('.').unwrap().0.len(), 43, "{cookie}");
    assert!(!cookie.contains("visits"));
    assert_eq!(text(call(&app, "GET", "/visit", Some(&cookie)).await).await, "2");

    // Sessions do not mix.
    let other = cookie_of(&call(&app, "GET", "/visit", None).await);
    assert_eq!(
        text(call(&app, "GET", "/read", Some(&other)).await).await,
        "Some(1)"
    );
    assert_eq!(
        text(call(&app, "GET", "/read", Some(&cookie)).await).await,
        "Some(2)"
    );

    // S1: a renewed session has a new id; the old cookie is worth nothing.
    let renewed = cookie_of(&call(&app, "POST", "/renew", Some(&cookie)).await);
    assert_ne!(renewed, cookie);
    assert_eq!(
        text(call(&app, "GET", "/read", Some(&cookie)).await).await,
        "None"
    );
    assert_eq!(
        text(call(&app, "GET", "/read", Some(&renewed)).await).await,
        "Some(2)"
    );

    // S2: a purged session is gone from the store; replaying it fails.
    let res = call(&app, "POST", "/purge", Some(&renewed)).await;
    assert!(res
        .headers()
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(
        text(call(&app, "GET", "/read", Some(&renewed)).await).await,
        "None"
    );

    // A forged id (no valid signature) is an empty session.
    let (name, _) = cookie.split_once('=').unwrap();
    let forged = format!("{name}=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.AAAA");
    assert_eq!(
        text(call(&app, "GET", "/read", Some(&forged)).await).await,
        "None"
    );

    // The store enforces the lifetime.
    let short = start(&store, 1).await;
    let app = tests::app::service(&short, routes).await;
    let cookie = cookie_of(&call(&app, "GET", "/visit", None).await);
    assert_eq!(
        text(call(&app, "GET", "/read", Some(&cookie)).await).await,
        "Some(1)"
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        text(call(&app, "GET", "/read", Some(&cookie)).await).await,
        "None"
    );
}

fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

#[actix_rt::test]
async fn sqlite_store_passes_the_suite() {
    let path = std::env::temp_dir().join(format!("{}.db", unique("sessions")));
    acceptance(Store::Sql(format!("sqlite:///{}?mode=rwc", path.display()))).await;
    let _ = std::fs::remove_file(path);
}

#[actix_rt::test]
async fn postgres_store_passes_the_suite() {
    let db = ScratchDatabase::create(Server::Postgres).await;
    acceptance(Store::Sql(db.url.clone())).await;
    db.drop_now().await;
}

#[actix_rt::test]
async fn mariadb_store_passes_the_suite() {
    let db = ScratchDatabase::create(Server::MariaDb).await;
    acceptance(Store::Sql(db.url.clone())).await;
    db.drop_now().await;
}

#[actix_rt::test]
async fn mongo_store_passes_the_suite() {
    let uri = tests::scratch::with_database(&mongo_uri(), &unique("sessions"));
    acceptance(Store::Mongo(uri)).await;
}

/// A store server of the test's own, which it stops and starts.
enum Own {
    Postgres(String),
    Redis(String),
}

/// An app on `store` whose store calls give up after half a second.
async fn start_impatient(store: &Own) -> ExtApp {
    let (kind, env): (&str, Vec<(&str, String)>) = match store {
        Own::Postgres(url) => (
            "sqlalchemy",
            vec![
                ("SQLALCHEMY_DATABASE_URI", url.clone()),
                ("SQLALCHEMY_ENGINE_OPTIONS__POOL_TIMEOUT", "1".to_owned()),
            ],
        ),
        Own::Redis(url) => ("redis", vec![("SESSION_REDIS_URL", url.clone())]),
    };
    let mut vars = vec![
        ("SECRET_KEY", KEY.to_owned()),
        ("SESSION_TYPE", kind.to_owned()),
        ("SESSION_STORE_TIMEOUT_MS", "500".to_owned()),
    ];
    vars.extend(env);
    let config = Config::builder().no_file().env_vars(vars).build().unwrap();
    let builder = AppBuilder::new(config);
    let builder = match store {
        Own::Postgres(_) => builder.register(ext_orm::Orm::new()),
        Own::Redis(_) => builder,
    };
    builder.register(Sessions::new()).init().await.unwrap()
}

/// The store goes away: requests that need it answer 503 within about the
/// store timeout (not a hang), with a problem document; when it is back the
/// app serves sessions again by itself.
async fn outage(store: Own, stop: impl FnOnce(), resume: impl FnOnce()) {
    let ext = start_impatient(&store).await;
    let app = tests::app::service(&ext, routes).await;
    let cookie = cookie_of(&call(&app, "GET", "/visit", None).await);

    stop();
    let started = std::time::Instant::now();
    let res = call(&app, "GET", "/read", Some(&cookie)).await;
    assert_eq!(res.status(), actix_web::http::StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    let body = text(res).await;
    assert!(body.contains("session-store-unavailable"), "{body}");
    let res = call(&app, "GET", "/nowhere", None).await;
    assert_eq!(
        res.status(),
        actix_web::http::StatusCode::NOT_FOUND,
        "requests without a cookie need no store"
    );

    resume();
    tests::app::wait_for_ok(&app, "/visit", Duration::from_secs(15)).await;
}

#[actix_rt::test]
async fn a_redis_outage_is_a_quick_503_and_sessions_come_back() {
    let redis = std::cell::RefCell::new(tests::redis_server::RedisServer::start());
    let url = redis.borrow().url();
    outage(
        Own::Redis(url),
        || redis.borrow_mut().stop(),
        || redis.borrow_mut().resume(),
    )
    .await;
}

#[actix_rt::test]
async fn a_postgres_outage_is_a_quick_503_and_sessions_come_back() {
    let cluster = tests::pg_cluster::PgCluster::start();
    outage(
        Own::Postgres(cluster.url()),
        || cluster.stop(),
        || cluster.resume(),
    )
    .await;
}

#[actix_rt::test]
async fn redis_store_passes_the_suite() {
    acceptance(Store::Redis(format!("{}:", unique("sessions")))).await;
}
