//! A Flask-User app's settings, as Flask-User reads them: its older key
//! names in the file and the environment, its whole-path URLs under one
//! prefix, and one warning for each key ext-user deliberately does not
//! implement (the whole default set of Flask-User 1.0 is in
//! `example-app/tests/flask_user.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{sqlite, Captured, Db, FAST_HASHING, KEY};
use ext_core::session::{Csrf, Sessions};
use ext_core::{AppBuilder, Config, ExtApp};
use ext_user::{UserManager, Users};

async fn start(toml: &str, env: &[(&str, &str)]) -> Result<ExtApp, String> {
    let Db::Sql(url) = sqlite() else { unreachable!() };
    let mut vars: Vec<(String, String)> = vec![
        ("SECRET_KEY".into(), KEY.into()),
        ("SQLALCHEMY_DATABASE_URI".into(), url),
    ];
    vars.extend(
        FAST_HASHING
            .iter()
            .chain(env)
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let config = Config::builder().toml_str(toml).env_vars(vars).build().unwrap();
    AppBuilder::new(config)
        .register(ext_orm::Orm::new())
        .register(Sessions::new())
        .register(Csrf::new())
        .register(Users::new())
        .init()
        .await
        .map_err(|error| error.to_string())
}

async fn settings(toml: &str, env: &[(&str, &str)]) -> ext_user::UserSettings {
    let ext = start(toml, env).await.unwrap();
    ext.registry().get::<UserManager>().unwrap().settings().clone()
}

#[actix_rt::test]
async fn user_session_expiration_is_the_idle_timeout_everywhere() {
    assert_eq!(
        settings("", &[("USER_USER_SESSION_EXPIRATION", "600")])
            .await
            .idle_timeout_secs,
        600
    );
    assert_eq!(
        settings("USER_USER_SESSION_EXPIRATION = 700", &[])
            .await
            .idle_timeout_secs,
        700
    );
    assert_eq!(
        settings("[user]\nuser_session_expiration = 800", &[])
            .await
            .idle_timeout_secs,
        800
    );
    // ext-user's own name wins where both are set.
    let both = "[user]\nuser_session_expiration = 800\nidle_timeout_secs = 900";
    assert_eq!(settings(both, &[]).await.idle_timeout_secs, 900);
}

#[actix_rt::test]
async fn flask_users_deprecated_names_still_work() {
    let old = settings(
        "",
        &[
            ("USER_ENABLE_RETYPE_PASSWORD", "false"),
            ("USER_ENABLE_LOGIN_WITHOUT_CONFIRM_EMAIL", "true"),
        ],
    )
    .await;
    assert!(!old.require_retype_password);
    assert!(old.allow_login_without_confirmed_email);
}

#[actix_rt::test]
async fn whole_path_urls_are_read_under_the_prefix() {
    let env = [
        ("APP_URL_PREFIXES__USER", "/accounts"),
        ("USER_LOGIN_URL", "/accounts/log-in"),
        ("USER_CHANGE_PASSWORD_URL", "/password"),
        ("USER_RESET_PASSWORD_URL", "/accounts/reset/<token>"),
    ];
    let settings = settings("", &env).await;
    assert_eq!(settings.login_url, "/log-in");
    assert_eq!(settings.change_password_url, "/password", "already relative");
    assert_eq!(settings.reset_password_url, "/reset");
    // A placeholder where no route takes one is refused, naming the key.
    let error = start("", &[("USER_LOGIN_URL", "/user/<next>")])
        .await
        .unwrap_err();
    assert!(error.contains("user.login_url"), "{error}");
}

#[actix_rt::test]
async fn each_key_not_implemented_starts_with_one_warning_saying_why() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let env = [
        ("USER_SHOW_EMAIL_DOES_NOT_EXIST", "true"),
        ("USER_IFIND_MODE", "nocase_collation"),
        (
            "USER_PASSLIB_CRYPTCONTEXT_SCHEMES",
            "[\"sha512_crypt\", \"bcrypt\"]",
        ),
        ("USER_ENABLE_AUTH0", "true"),
    ];
    start("", &env).await.unwrap();
    let log = captured.text();
    for key in [
        "user.show_email_does_not_exist",
        "user.ifind_mode",
        "user.passlib_cryptcontext_schemes",
        "user.enable_auth0",
    ] {
        let lines: Vec<&str> = log
            .lines()
            .filter(|line| line.contains(&format!("key={key}")))
            .collect();
        assert_eq!(lines.len(), 1, "{key}: {log}");
        assert!(
            lines[0].contains("WARN") && lines[0].contains("not implemented"),
            "{}",
            lines[0]
        );
    }
    // What matches ext-user's behaviour says nothing.
    let quiet = Captured::default();
    let writer = quiet.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    start(
        "",
        &[
            ("USER_SHOW_EMAIL_DOES_NOT_EXIST", "false"),
            ("USER_ENABLE_AUTH0", "false"),
        ],
    )
    .await
    .unwrap();
    assert!(!quiet.text().contains("not implemented"), "{}", quiet.text());
}
