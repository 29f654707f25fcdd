//! A Flask-User app moves over: its settings start the example (with
//! warnings only for what is deliberately not implemented), and its
//! database imports, with the real Flask-User 1.0 writing both (from the
//! virtualenv `scripts/services.sh` installs).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::Child;

use actix_web::test::{call_service, init_service, TestRequest};
use ext_core::Config;
use ext_tests::flask_user::{as_env, as_toml, default_settings, sqlalchemy_url, write_database, FlaskUser};
use ext_tests::scratch::{ScratchDatabase, Server};
use ext_user::store::{SqlUserStore, UserStore};
use serde_json::json;

/// Every log line up to where the app says it listens, and the address.
fn start_up_log(child: &mut Child) -> (Vec<String>, Option<String>) {
    let stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let address = line
            .split_once("address=")
            .map(|(_, rest)| rest.split_whitespace().next().unwrap().to_owned());
        seen.push(line);
        if address.is_some() {
            return (seen, address);
        }
    }
    (seen, None)
}

fn warnings(log: &[String]) -> Vec<&String> {
    log.iter().filter(|line| line.contains("WARN")).collect()
}

/// The warnings a Flask-User app's own defaults give: one for each key
/// ext-user deliberately does not implement, and nothing else about
/// `[user]`.
fn assert_only_not_implemented_warnings(log: &[String]) {
    let about_settings: Vec<&String> = warnings(log)
        .into_iter()
        .filter(|line| line.contains("config key") || line.contains("user."))
        .collect();
    let keys: Vec<&str> = about_settings
        .iter()
        .map(|line| {
            assert!(line.contains("Flask-User setting not implemented"), "{line}");
            line.split("key=")
                .nth(1)
                .unwrap()
                .split_whitespace()
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(
        keys,
        ["user.ifind_mode", "user.passlib_cryptcontext_schemes"],
        "{log:#?}"
    );
}

fn flask_user_defaults() -> serde_json::Map<String, serde_json::Value> {
    let defaults = default_settings();
    assert_eq!(defaults.len(), 80, "Flask-User 1.0 has 80 USER_* keys");
    defaults
}

#[actix_web::test]
async fn flask_user_default_settings_start_the_example_from_a_file() {
    let dir = std::env::temp_dir().join(format!("flask-user-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("app.toml");
    std::fs::write(&file, as_toml(&flask_user_defaults())).unwrap();
    let file = file.display().to_string();
    let mut child = common::start(&[("APP_CONFIG", &file)]).spawn().unwrap();
    let (log, address) = start_up_log(&mut child);
    let address = address.unwrap_or_else(|| panic!("did not start: {log:#?}"));
    assert_only_not_implemented_warnings(&log);
    // Flask-User's whole paths are mounted under the prefix once.
    let client = awc::Client::default();
    let res = client
        .post(format!("http://{address}/user/sign-in"))
        .send_json(&json!({"login": "nobody", "password": "wrong password"}))
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    child.kill().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[actix_web::test]
async fn flask_user_default_settings_start_the_example_from_the_environment() {
    let env = as_env(&flask_user_defaults());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut child = common::start(&env).spawn().unwrap();
    let (log, address) = start_up_log(&mut child);
    assert!(address.is_some(), "did not start: {log:#?}");
    assert_only_not_implemented_warnings(&log);
    child.kill().unwrap();
}

/// Flask-User's values take effect as Flask-User reads them.
#[actix_web::test]
async fn flask_user_values_mean_what_they_meant() {
    let env = as_env(&flask_user_defaults());
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    env.push(("SECRET_KEY", "k7Qw9vX2mL4pR8sT1uY6zA3bC5dE0fGh"));
    env.push(("APP_PUBLIC_URL", "https://notes.example"));
    env.push(("SQLALCHEMY_DATABASE_URI", "sqlite://"));
    let mail = std::env::temp_dir().join(format!("flask-user-mail-{}", std::process::id()));
    let mail = mail.display().to_string();
    env.push(("USER_MAIL_FOLDER", &mail));
    let config = Config::builder().no_file().env_vars(env).build().unwrap();
    let (ext, _) = example_app::build(config).await.unwrap();
    let manager = ext.registry().get::<ext_user::UserManager>().unwrap();
    let settings = manager.settings();
    assert_eq!(settings.idle_timeout_secs, 3600, "USER_USER_SESSION_EXPIRATION");
    assert_eq!(settings.invite_expiration, 90 * 86_400);
    assert_eq!(settings.confirm_email_expiration, 2 * 86_400);
    assert_eq!(settings.login_url, "/sign-in");
    assert_eq!(settings.reset_password_url, "/reset-password");
    assert_eq!(settings.confirm_email_url, "/confirm-email");
    assert_eq!(settings.email_action_url, "/email");
    assert_eq!(settings.login_template, "user/login.html");
    assert_eq!(settings.confirm_email_template, "user/emails/confirm_email");
    assert_eq!(settings.email_sender_email, "no-reply@localhost", "'' is unset");
    assert_eq!(settings.email_sender_name, None);
    assert!(settings.enable_confirm_email && settings.auto_login_after_confirm);
    assert_eq!(settings.unauthenticated_endpoint, "user.login");
    let app = init_service(example_app::app(&ext)).await;
    // The token routes sit at Flask-User's paths, token after them.
    let res = call_service(
        &app,
        TestRequest::post()
            .uri("/user/reset-password/not-a-token")
            .set_json(json!({"new_password": "a brand new passphrase", "retype_password": "a brand new passphrase"}))
            .to_request(),
    )
    .await;
    assert_ne!(res.status(), 404);
    ext.shutdown().await;
    let _ = std::fs::remove_dir_all(mail);
}

#[actix_web::test]
async fn unknown_user_keys_from_the_environment_are_warnings_and_flask_names_work() {
    let mut child = common::start(&[("USER_FOO", "1"), ("USER_USER_SESSION_EXPIRATION", "600")])
        .spawn()
        .unwrap();
    let (log, address) = start_up_log(&mut child);
    assert!(address.is_some(), "did not start: {log:#?}");
    let unknown: Vec<&String> = warnings(&log)
        .into_iter()
        .filter(|line| line.contains("unknown config key"))
        .collect();
    assert_eq!(unknown.len(), 1, "{log:#?}");
    assert!(
        unknown[0].contains("user.foo") && unknown[0].contains("USER_FOO"),
        "{}",
        unknown[0]
    );
    child.kill().unwrap();
}

#[test]
fn a_misspelt_key_in_the_file_stops_start_up_naming_the_closest_one() {
    let dir = std::env::temp_dir().join(format!("flask-user-typo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("app.toml");
    std::fs::write(&file, "[user]\nenable_registr = false\n").unwrap();
    let file = file.display().to_string();
    let output = common::start(&[("APP_CONFIG", &file)]).output().unwrap();
    assert!(!output.status.success());
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(
        log.contains("unknown config key `user.enable_registr`")
            && log.contains("did you mean `enable_register`?"),
        "{log}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

const USERS: [FlaskUser; 4] = [
    FlaskUser {
        username: "ada",
        email: "ada@example.com",
        password: "Password1",
        roles: &["admin"],
        active: true,
        confirmed: true,
        other_emails: &["ada@work.example.com"],
    },
    FlaskUser {
        username: "bob",
        email: "Bob@Example.com",
        password: "Bob's Password 2",
        roles: &[],
        active: true,
        confirmed: true,
        other_emails: &[],
    },
    FlaskUser {
        username: "cyd",
        email: "cyd@example.com",
        password: "Password3",
        roles: &["editor"],
        active: true,
        confirmed: false,
        other_emails: &[],
    },
    FlaskUser {
        username: "dee",
        email: "dee@example.com",
        password: "Password4",
        roles: &[],
        active: false,
        confirmed: true,
        other_emails: &[],
    },
];

fn args(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_owned).collect()
}

async fn sign_in<S>(app: &S, login: &str, password: &str) -> u16
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let req = TestRequest::post()
        .uri("/user/sign-in")
        .set_json(json!({"login": login, "password": password}));
    call_service(app, req.to_request()).await.status().as_u16()
}

/// The database at `source` (sea-orm's URL) written by Flask-User, imported
/// into a fresh example app: a dry run first, then `--apply` twice.
async fn imports_and_signs_in(source: &str, multiple_emails: bool) {
    let written_at = write_database(&sqlalchemy_url(source), multiple_emails, &USERS);
    let target = std::env::temp_dir().join(format!("flask-user-target-{}.db", ext_core_unique()));
    // Flask-SQLAlchemy's form for the app (four slashes: an absolute
    // path), sqlx's for reading the store directly.
    let app_url = format!("sqlite:///{}", target.display());
    let target_url = format!("sqlite://{}?mode=rwc", target.display());
    let env = vec![
        ("SQLALCHEMY_DATABASE_URI", app_url.as_str()),
        ("SECRET_KEY", "k7Qw9vX2mL4pR8sT1uY6zA3bC5dE0fGh"),
        ("APP_PUBLIC_URL", "https://notes.example"),
        (
            "USER_ENABLE_MULTIPLE_EMAILS",
            if multiple_emails { "true" } else { "false" },
        ),
        ("USER_MAIL_FOLDER", "/tmp/flask-user-import-mail"),
    ];
    let config = Config::builder().no_file().env_vars(env).build().unwrap();
    let (ext, _) = example_app::build(config).await.unwrap();
    let manager = ext.registry().get::<ext_user::UserManager>().unwrap();
    let never = || -> Result<String, String> { unreachable!("import asks for no password") };

    let dry = example_app::users::command(&manager, &args(&format!("import --from {source}")), never)
        .await
        .unwrap();
    assert!(dry.contains("Flask-User database: 4 users, 2 roles"), "{dry}");
    assert!(
        dry.contains("would import 4 users (4 with bcrypt hashes"),
        "{dry}"
    );
    assert!(dry.contains("dry run: nothing was written"), "{dry}");
    assert!(
        manager.find("ada").await.unwrap().is_none(),
        "a dry run writes nothing"
    );

    let applied =
        example_app::users::command(&manager, &args(&format!("import --from {source} --apply")), never)
            .await
            .unwrap();
    assert!(applied.contains("imported 4 users"), "{applied}");
    let again =
        example_app::users::command(&manager, &args(&format!("import --from {source} --apply")), never)
            .await
            .unwrap();
    assert!(
        again.contains("imported 0 users") && again.contains("4 already present"),
        "{again}"
    );

    let ada = manager.find("ada@example.com").await.unwrap().unwrap();
    assert_eq!(ada.username.as_deref(), Some("ada"));
    assert_eq!(ada.roles, ["admin"]);
    assert_eq!(ada.email_confirmed_at, Some(written_at));
    let cyd = manager.find("cyd").await.unwrap().unwrap();
    assert_eq!(cyd.email_confirmed_at, None);
    assert_eq!(cyd.roles, ["editor"]);
    assert!(!manager.find("dee").await.unwrap().unwrap().active);

    let store = SqlUserStore::new(sea_orm::Database::connect(&target_url).await.unwrap());
    let hash_of = |login: &'static str| {
        let store = store.clone();
        async move { store.by_username(login).await.unwrap().unwrap().password_hash }
    };
    assert!(
        hash_of("ada").await.starts_with("$2b$12$"),
        "the hash came over as it was"
    );
    if multiple_emails {
        let ada_id = store.by_username("ada").await.unwrap().unwrap().id;
        let others = store.secondaries_of(&ada_id).await.unwrap();
        assert_eq!(others.len(), 1);
        assert_eq!(others[0].email, "ada@work.example.com");
        assert_eq!(others[0].confirmed_at, Some(written_at));
    }

    let app = init_service(example_app::app(&ext)).await;
    assert_eq!(sign_in(&app, "ada", "wrong password").await, 401);
    assert!(
        hash_of("ada").await.starts_with("$2b$"),
        "a failure rewrites nothing"
    );
    assert_eq!(sign_in(&app, "ada", "Password1").await, 200);
    assert!(
        hash_of("ada").await.starts_with("$argon2id$"),
        "rehashed at sign-in"
    );
    assert_eq!(
        sign_in(&app, "ada@example.com", "Password1").await,
        200,
        "argon2id now"
    );
    assert_eq!(
        sign_in(&app, "bob@example.com", "Bob's Password 2").await,
        200,
        "any case"
    );
    assert_eq!(
        sign_in(&app, "cyd", "Password3").await,
        200,
        "confirmation is off here"
    );
    assert_eq!(
        sign_in(&app, "dee", "Password4").await,
        401,
        "deactivated stays so"
    );
    assert!(hash_of("dee").await.starts_with("$2b$"));
    ext.shutdown().await;
    let _ = std::fs::remove_file(target);
}

fn ext_core_unique() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!("{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

#[actix_web::test]
async fn a_flask_user_sqlite_database_imports_and_its_users_sign_in() {
    let path = std::env::temp_dir().join(format!("flask-user-source-{}.db", ext_core_unique()));
    imports_and_signs_in(&format!("sqlite://{}?mode=rwc", path.display()), false).await;
    let _ = std::fs::remove_file(path);
}

#[actix_web::test]
async fn a_flask_user_sqlite_database_with_user_emails_imports_its_addresses() {
    let path = std::env::temp_dir().join(format!("flask-user-emails-{}.db", ext_core_unique()));
    imports_and_signs_in(&format!("sqlite://{}?mode=rwc", path.display()), true).await;
    let _ = std::fs::remove_file(path);
}

#[actix_web::test]
async fn a_flask_user_postgresql_database_imports_and_its_users_sign_in() {
    let db = ScratchDatabase::create(Server::Postgres).await;
    imports_and_signs_in(&db.url, true).await;
    db.drop_now().await;
}

#[actix_web::test]
async fn a_flask_user_mariadb_database_imports_and_its_users_sign_in() {
    let db = ScratchDatabase::create(Server::MariaDb).await;
    imports_and_signs_in(&db.url, false).await;
    db.drop_now().await;
}

/// ext-user's own tables are refused as a source.
#[actix_web::test]
async fn an_ext_user_database_is_not_a_flask_user_one() {
    let path = std::env::temp_dir().join(format!("ext-user-own-{}.db", ext_core_unique()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let store = SqlUserStore::new(sea_orm::Database::connect(&url).await.unwrap());
    store.prepare().await.unwrap();
    let error = ext_user::import::read_flask_user_database(&url)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("ext-user's own"), "{error}");
    let _ = std::fs::remove_file(path);
}
