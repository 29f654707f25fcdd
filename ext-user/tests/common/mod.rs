//! A test app with ext-user on a store of the test's choosing, called in
//! process, with a cookie jar of one session and a clock the test moves.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{COOKIE, SET_COOKIE};
use actix_web::test::{call_service, init_service, read_body, TestRequest};
use actix_web::{web, App, HttpResponse};
use ext_core::session::{Csrf, Sessions};
use ext_core::{AppBuilder, Config, ExtApp};
use ext_user::clock::ManualClock;
use ext_user::{CurrentUser, UserManager, Users};
use serde_json::{json, Value};

/// A tracing writer that keeps every formatted event.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// A secret that passes ext-core's checks.
pub const KEY: &str = "k7Qw9vX2mL4pR8sT1uY6zA3bC5dE0fGh";

/// A password that passes the policy.
pub const PASSWORD: &str = "correct horse battery staple";

/// Where the users live.
#[derive(Clone, Debug)]
pub enum Db {
    /// A SQL database URL (SQLite, PostgreSQL, MariaDB).
    Sql(String),
    /// A MongoDB URI with its database.
    Mongo(String),
}

/// A name no other test uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh SQLite file.
pub fn sqlite() -> Db {
    let path = std::env::temp_dir().join(format!("{}.db", unique("ext_user")));
    Db::Sql(format!("sqlite:///{}?mode=rwc", path.display()))
}

/// Cheap hashing for tests that sign in often; tests of the parameters
/// themselves leave these out.
pub const FAST_HASHING: [(&str, &str); 3] = [
    ("USER_ALLOW_WEAK_PARAMS_FOR_TESTS", "true"),
    ("USER_HASH_MEMORY_KIB", "1024"),
    ("USER_HASH_ITERATIONS", "1"),
];

/// The app's config: `db`, server-side sessions in it, then `env`.
pub fn config(db: &Db, env: &[(&str, &str)]) -> Config {
    let mut vars: Vec<(String, String)> = vec![("SECRET_KEY".into(), KEY.into())];
    match db {
        Db::Sql(url) => {
            vars.push(("SQLALCHEMY_DATABASE_URI".into(), url.clone()));
            vars.push(("SESSION_TYPE".into(), "sqlalchemy".into()));
        }
        Db::Mongo(uri) => {
            vars.push(("MONGO_URI".into(), uri.clone()));
            vars.push(("SESSION_TYPE".into(), "mongodb".into()));
        }
    }
    vars.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    Config::builder().no_file().env_vars(vars).build().unwrap()
}

/// Runs `init_app` of everything ext-user needs, with `users`.
pub async fn build(db: &Db, env: &[(&str, &str)], users: Users) -> ExtApp {
    let builder = AppBuilder::new(config(db, env));
    let builder = match db {
        Db::Sql(_) => builder.register(ext_orm::Orm::new()),
        Db::Mongo(_) => builder.register(ext_mongo::Mongo::new()),
    };
    builder
        .register(Sessions::new())
        .register(Csrf::new())
        .register(users)
        .init()
        .await
        .unwrap()
}

/// The app's own routes in the tests: a protected page, a public one and
/// role-guarded scopes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/private",
        web::get().to(|user: CurrentUser| async move { HttpResponse::Ok().body(user.id.clone()) }),
    )
    .route(
        "/public",
        web::get().to(|user: Option<CurrentUser>| async move {
            HttpResponse::Ok().body(match user {
                Some(user) => format!("hello {}", user.id),
                None => "hello stranger".to_owned(),
            })
        }),
    )
    .service(
        web::scope("/admin")
            .wrap(ext_user::roles_required(ext_user::Roles::required(["admin"])))
            .route("", web::get().to(|| async { HttpResponse::Ok().body("admin") })),
    )
    .service(
        web::scope("/desk")
            .wrap(ext_user::roles_required(
                ext_user::Roles::required(["staff"]).and_one_of(["editor", "author"]),
            ))
            .route("", web::get().to(|| async { HttpResponse::Ok().body("desk") })),
    )
    .service(
        web::resource("/account")
            .wrap(ext_user::login_required())
            .get(|| async { HttpResponse::Ok().body("account") }),
    )
    .service(
        web::resource("/welcome")
            .wrap(ext_user::login_required().allow_unconfirmed_email())
            .get(|user: CurrentUser| async move { HttpResponse::Ok().body(format!("welcome {}", user.id)) }),
    );
}

/// An app, its manager and its clock.
pub struct Harness<S> {
    pub app: S,
    pub ext: ExtApp,
    pub manager: Arc<UserManager>,
    pub clock: Arc<ManualClock>,
}

/// A started app on `db` with `env` (USER_* and others).
pub async fn start(
    db: &Db,
    env: &[(&str, &str)],
) -> Harness<impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>> {
    start_with(db, env, Users::new()).await
}

/// [`start`] with an extension configured in code.
pub async fn start_with(
    db: &Db,
    env: &[(&str, &str)],
    users: Users,
) -> Harness<impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>> {
    let clock = Arc::new(ManualClock::new(1_800_000_000));
    let ext = build(db, env, users.clock(clock.clone())).await;
    let manager = ext.registry().get::<UserManager>().unwrap();
    let app: App<_> = ext.app();
    let app = init_service(app.configure(routes)).await;
    Harness {
        app,
        ext,
        manager,
        clock,
    }
}

/// One browser: the session cookie it holds.
#[derive(Clone, Debug, Default)]
pub struct Browser {
    pub cookie: Option<String>,
}

/// A response, read.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub set_cookie: Option<String>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(have, _)| have.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Header names, sorted, without `date`.
    pub fn header_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .headers
            .iter()
            .map(|(name, _)| name.to_ascii_lowercase())
            .filter(|name| name != "date")
            .collect();
        names.sort();
        names
    }
}

async fn read(res: ServiceResponse) -> Answer {
    let status = res.status().as_u16();
    let headers = res
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let set_cookie = res
        .headers()
        .get(SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = String::from_utf8(read_body(res).await.to_vec()).unwrap();
    Answer {
        status,
        headers,
        set_cookie,
        body,
    }
}

impl Browser {
    /// A browser with no cookie.
    pub fn new() -> Self {
        Self::default()
    }

    fn keep(&mut self, answer: &Answer) {
        if let Some(line) = &answer.set_cookie {
            let pair = line.split(';').next().unwrap();
            if pair.ends_with('=') || line.contains("Max-Age=0") {
                self.cookie = None;
            } else {
                self.cookie = Some(pair.to_owned());
            }
        }
    }

    /// `GET path`, as a same-origin browser.
    pub async fn get<S>(&mut self, app: &S, path: &str) -> Answer
    where
        S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    {
        let mut req = TestRequest::get().uri(path);
        if let Some(cookie) = &self.cookie {
            req = req.insert_header((COOKIE, cookie.clone()));
        }
        let answer = read(call_service(app, req.to_request()).await).await;
        self.keep(&answer);
        answer
    }

    /// `POST path` with a JSON body, as a same-origin browser (which passes
    /// the tokenless CSRF check).
    pub async fn post<S>(&mut self, app: &S, path: &str, body: Value) -> Answer
    where
        S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    {
        let mut req = TestRequest::post()
            .uri(path)
            .insert_header(("Sec-Fetch-Site", "same-origin"))
            .set_json(body);
        if let Some(cookie) = &self.cookie {
            req = req.insert_header((COOKIE, cookie.clone()));
        }
        let answer = read(call_service(app, req.to_request()).await).await;
        self.keep(&answer);
        answer
    }
}

/// Registers `email` / `username` with [`PASSWORD`]; asserts the 202.
pub async fn register<S>(app: &S, email: &str, username: &str)
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let answer = Browser::new()
        .post(
            app,
            "/user/register",
            json!({"email": email, "username": username, "password": PASSWORD, "retype_password": PASSWORD}),
        )
        .await;
    assert_eq!(answer.status, 202, "{}", answer.body);
}

/// A browser signed in as `login`.
pub async fn signed_in<S>(app: &S, login: &str) -> Browser
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let mut browser = Browser::new();
    let answer = browser
        .post(
            app,
            "/user/sign-in",
            json!({"login": login, "password": PASSWORD}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    browser
}

/// Sends `req` as it is (no cookie, no browser headers).
pub async fn send<S>(app: &S, req: TestRequest) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    read(call_service(app, req.to_request()).await).await
}

/// An API client (no cookies): `GET path` with a bearer token.
pub async fn bearer_get<S>(app: &S, path: &str, token: &str) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    send(
        app,
        TestRequest::get()
            .uri(path)
            .insert_header(("Authorization", format!("Bearer {token}"))),
    )
    .await
}

/// An API client: `POST path` with a JSON body, and a bearer token if any.
pub async fn api_post<S>(app: &S, path: &str, token: Option<&str>, body: Value) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let mut req = TestRequest::post().uri(path).set_json(body);
    if let Some(token) = token {
        req = req.insert_header(("Authorization", format!("Bearer {token}")));
    }
    send(app, req).await
}

/// Signs `login` in as an API client; the token pair.
pub async fn tokens_for<S>(app: &S, login: &str) -> (String, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let answer = api_post(
        app,
        "/user/sign-in",
        None,
        json!({"login": login, "password": PASSWORD, "mode": "tokens"}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.set_cookie.is_none(), "a token sign-in sets no cookie");
    let tokens = &answer.json()["tokens"];
    (
        tokens["access_token"].as_str().unwrap().to_owned(),
        tokens["refresh_token"].as_str().unwrap().to_owned(),
    )
}

/// One sign-in attempt from a fresh browser.
pub async fn attempt<S>(app: &S, login: &str, password: &str) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    Browser::new()
        .post(
            app,
            "/user/sign-in",
            json!({"login": login, "password": password}),
        )
        .await
}
