//! Accounts in the example: ext-user on the ORM's SQLite by default, the
//! `user` administration command, and the role-guarded admin scope.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::http::header::{COOKIE, SET_COOKIE};
use actix_web::test::{call_service, init_service, read_body_json, TestRequest};
use ext_core::Config;
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery staple";

fn config(env: &[(&str, &str)]) -> Config {
    let mut env = env.to_vec();
    env.push(("SQLALCHEMY_DATABASE_URI", "sqlite://"));
    env.push(("SECRET_KEY", "k7Qw9vX2mL4pR8sT1uY6zA3bC5dE0fGh"));
    Config::builder().toml_str("").env_vars(env).build().unwrap()
}

fn args(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_owned).collect()
}

#[actix_web::test]
async fn a_visitor_registers_signs_in_and_an_admin_is_made_by_command() {
    let (ext, _) = example_app::build(config(&[])).await.unwrap();
    let app = init_service(example_app::app(&ext)).await;
    let manager = ext.registry().get::<ext_user::UserManager>().unwrap();

    let register = TestRequest::post()
        .uri("/user/register")
        .set_json(json!({"email": "ada@example.com", "username": "ada", "password": PASSWORD, "retype_password": PASSWORD}));
    assert_eq!(call_service(&app, register.to_request()).await.status(), 202);

    let sign_in = TestRequest::post()
        .uri("/user/sign-in")
        .set_json(json!({"login": "ada", "password": PASSWORD}));
    let res = call_service(&app, sign_in.to_request()).await;
    assert_eq!(res.status(), 200);
    let cookie = res.headers().get(SET_COOKIE).unwrap().to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();

    let account = TestRequest::get()
        .uri("/account")
        .insert_header((COOKIE, cookie.clone()));
    let res = call_service(&app, account.to_request()).await;
    assert_eq!(res.status(), 200);
    let body: Value = read_body_json(res).await;
    assert_eq!(body["user"]["username"], "ada");

    let admin = || {
        TestRequest::get()
            .uri("/admin/users/ada@example.com")
            .insert_header((COOKIE, cookie.clone()))
            .to_request()
    };
    assert_eq!(call_service(&app, admin()).await.status(), 403);
    let said = example_app::users::command(&manager, &args("add-role ada admin"), || unreachable!())
        .await
        .unwrap();
    assert_eq!(said, "ada has the role admin");
    assert_eq!(call_service(&app, admin()).await.status(), 200);

    let created = example_app::users::command(
        &manager,
        &args("create --email root@example.com --username root --role admin"),
        || Ok("another strong passphrase".to_owned()),
    )
    .await
    .unwrap();
    assert!(created.starts_with("created user "), "{created}");
    assert!(manager.find("root").await.unwrap().unwrap().has_role("admin"));
    let weak =
        example_app::users::command(&manager, &args("set-password root"), || Ok("password".to_owned())).await;
    assert!(weak.unwrap_err().contains("password"));
    assert!(
        example_app::users::command(&manager, &args("frobnicate"), || unreachable!())
            .await
            .unwrap_err()
            .starts_with("usage:")
    );

    example_app::users::command(&manager, &args("deactivate ada"), || unreachable!())
        .await
        .unwrap();
    let account = TestRequest::get().uri("/account").insert_header((COOKIE, cookie));
    assert_eq!(call_service(&app, account.to_request()).await.status(), 401);
}

/// `[user] store = "mongodb"` keeps accounts in MongoDB instead.
#[actix_web::test]
async fn accounts_move_to_mongodb_by_configuration() {
    let uri = ext_tests::scratch::with_database(
        &ext_tests::services::mongo_uri(),
        &format!("example_users_{}", std::process::id()),
    );
    let (ext, _) = example_app::build(config(&[("MONGO_URI", &uri), ("USER_STORE", "mongodb")]))
        .await
        .unwrap();
    let app = init_service(example_app::app(&ext)).await;
    let register = TestRequest::post()
        .uri("/user/register")
        .set_json(json!({"email": "mo@example.com", "username": "mongo-user", "password": PASSWORD, "retype_password": PASSWORD}));
    assert_eq!(call_service(&app, register.to_request()).await.status(), 202);
    let client = mongodb::Client::with_uri_str(&uri).await.unwrap();
    let users = client
        .default_database()
        .unwrap()
        .collection::<mongodb::bson::Document>("users");
    let stored = users
        .find_one(mongodb::bson::doc! {"username_key": "mongo-user"})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.get_str("email").unwrap(), "mo@example.com");
    assert!(stored.get_str("password_hash").unwrap().starts_with("$argon2id$"));

    // Without MongoDB configured, that choice stops start-up with a clear error.
    let error = example_app::build(config(&[("USER_STORE", "mongodb")]))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("ext-mongo"), "{error}");
}

/// An API client: a token sign-in, `/account` with the access token, and
/// the merged OpenAPI description naming the example's route and
/// ext-user's.
#[actix_web::test]
async fn an_api_client_uses_tokens_and_the_description_lists_every_route() {
    let (ext, _) = example_app::build(config(&[])).await.unwrap();
    let app = init_service(example_app::app(&ext)).await;
    let register = TestRequest::post()
        .uri("/user/register")
        .set_json(json!({"email": "bo@example.com", "username": "bob", "password": PASSWORD, "retype_password": PASSWORD}));
    assert_eq!(call_service(&app, register.to_request()).await.status(), 202);
    let sign_in = TestRequest::post()
        .uri("/user/sign-in")
        .set_json(json!({"login": "bob", "password": PASSWORD, "mode": "tokens"}));
    let res = call_service(&app, sign_in.to_request()).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get(SET_COOKIE).is_none());
    let body: Value = read_body_json(res).await;
    let access = body["tokens"]["access_token"].as_str().unwrap().to_owned();
    let account = TestRequest::get()
        .uri("/account")
        .insert_header(("Authorization", format!("Bearer {access}")));
    let res = call_service(&app, account.to_request()).await;
    assert_eq!(res.status(), 200);
    let body: Value = read_body_json(res).await;
    assert_eq!(body["user"]["username"], "bob");

    let res = call_service(&app, TestRequest::get().uri("/openapi.json").to_request()).await;
    assert_eq!(res.status(), 200);
    let doc: Value = read_body_json(res).await;
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/account",
        "/user/sign-in",
        "/user/token/refresh",
        "/user/access-tokens",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path}");
    }
    assert!(doc["components"]["schemas"].get("UserResponse").is_some());
}
