//! API tokens on every store (D1): sign-in with tokens, bearer requests,
//! refresh rotation and replay (J6), revocation by every route that must
//! revoke (J6, S6, A3), personal access tokens, and Bearer requests that
//! skip the CSRF check (C2). Run unchanged on SQLite, PostgreSQL, MariaDB
//! and MongoDB.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::rc::Rc;

use common::{
    api_post, bearer_get, register, signed_in, sqlite, start, tokens_for, unique, Db, FAST_HASHING, PASSWORD,
};
use ext_tests::scratch::{with_database, ScratchDatabase, Server};
use ext_tests::services::mongo_uri;
use serde_json::json;

/// The refresh endpoint's status for `token`.
async fn refresh_status<S>(app: &S, token: &str) -> u16
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    api_post(app, "/user/token/refresh", None, json!({"refresh_token": token}))
        .await
        .status
}

async fn suite(db: Db) {
    let h = start(&db, &FAST_HASHING).await;
    let app = Rc::new(h.app);
    let app = &*app;
    register(app, "tia@example.com", "tia").await;

    // Sign-in hands out a pair and no cookie; the access token authenticates.
    let (access, refresh) = tokens_for(app, "tia").await;
    let me = bearer_get(app, "/user/me", &access).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["user"]["username"], "tia");
    assert_eq!(bearer_get(app, "/private", &access).await.status, 200);

    // Rotation: each refresh token buys one pair, once.
    let rotated = api_post(
        app,
        "/user/token/refresh",
        None,
        json!({"refresh_token": refresh}),
    )
    .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let next_refresh = rotated.json()["tokens"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let next_access = rotated.json()["tokens"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(next_refresh, refresh);
    assert_eq!(bearer_get(app, "/private", &next_access).await.status, 200);
    // Replaying the used one is refused, and revokes its whole family.
    let replay = api_post(
        app,
        "/user/token/refresh",
        None,
        json!({"refresh_token": refresh}),
    )
    .await;
    assert_eq!(replay.status, 401);
    assert!(replay.json()["type"].as_str().unwrap().ends_with("invalid-token"));
    assert_eq!(
        replay.header("www-authenticate"),
        Some("Bearer error=\"invalid_token\"")
    );
    let after_replay = api_post(
        app,
        "/user/token/refresh",
        None,
        json!({"refresh_token": next_refresh}),
    )
    .await;
    assert_eq!(after_replay.status, 401, "the family is revoked");

    // Two concurrent refreshes with one token: exactly one pair.
    let (_, refresh) = tokens_for(app, "tia").await;
    let body = json!({"refresh_token": refresh});
    let (first, second) = futures_util::join!(
        api_post(app, "/user/token/refresh", None, body.clone()),
        api_post(app, "/user/token/refresh", None, body.clone()),
    );
    let mut statuses = [first.status, second.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 401], "{} {}", first.body, second.body);

    // Revoke ends a family (and answers 204 for anything, RFC 7009).
    let (_, refresh) = tokens_for(app, "tia").await;
    assert_eq!(
        api_post(app, "/user/token/revoke", None, json!({"refresh_token": refresh}))
            .await
            .status,
        204
    );
    assert_eq!(refresh_status(app, &refresh).await, 401);
    assert_eq!(
        api_post(app, "/user/token/revoke", None, json!({"refresh_token": "junk"}))
            .await
            .status,
        204
    );

    // C2: a Bearer request without cookies is not CSRF-checked (no
    // browser headers here), and changing the password hands the client a
    // new pair, since it revokes every earlier token.
    let (access, refresh) = tokens_for(app, "tia").await;
    let new_password = "another horse battery staple";
    let changed = api_post(
        app,
        "/user/change-password",
        Some(&access),
        json!({"old_password": PASSWORD, "new_password": new_password, "retype_password": new_password}),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(
        bearer_get(app, "/private", &access).await.status,
        401,
        "J6: password change"
    );
    assert_eq!(refresh_status(app, &refresh).await, 401);
    let fresh = changed.json()["tokens"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(bearer_get(app, "/private", &fresh).await.status, 200);
    h.manager
        .set_password("tia", &ext_user::password::Password::new(PASSWORD))
        .await
        .unwrap();
    assert_eq!(
        bearer_get(app, "/private", &fresh).await.status,
        401,
        "J6: password reset"
    );

    // J6, A3, S6: each of these revokes an access token issued before it.
    h.manager.add_role("tia", "admin").await.unwrap();
    let (access, _) = tokens_for(app, "tia").await;
    assert_eq!(bearer_get(app, "/admin", &access).await.status, 200);
    h.manager.remove_role("tia", "admin").await.unwrap();
    assert_eq!(
        bearer_get(app, "/private", &access).await.status,
        401,
        "J6: role removal"
    );

    let (access, refresh) = tokens_for(app, "tia").await;
    let mut browser = signed_in(app, "tia").await;
    assert_eq!(
        api_post(app, "/user/sign-out-everywhere", Some(&access), json!({}))
            .await
            .status,
        204
    );
    assert_eq!(
        bearer_get(app, "/private", &access).await.status,
        401,
        "J6: everywhere"
    );
    assert_eq!(refresh_status(app, &refresh).await, 401);
    assert_eq!(browser.get(app, "/private").await.status, 401, "sessions end too");

    let (access, refresh) = tokens_for(app, "tia").await;
    h.manager.set_active("tia", false).await.unwrap();
    assert_eq!(
        bearer_get(app, "/private", &access).await.status,
        401,
        "S6: deactivation"
    );
    assert_eq!(refresh_status(app, &refresh).await, 401);
    h.manager.set_active("tia", true).await.unwrap();

    personal_tokens(app, &h.manager).await;

    // A family rotates for 30 days after its sign-in, however often it is
    // used (the store enforces it in the compare-and-swap).
    let (_, mut refresh) = tokens_for(app, "tia").await;
    let mut today = 0;
    for (day, status) in [(13, 200), (26, 200), (31, 401)] {
        h.clock.advance((day - today) * 86_400);
        today = day;
        let answer = api_post(
            app,
            "/user/token/refresh",
            None,
            json!({"refresh_token": refresh}),
        )
        .await;
        assert_eq!(answer.status, status, "day {day}");
        if status == 200 {
            refresh = answer.json()["tokens"]["refresh_token"]
                .as_str()
                .unwrap()
                .to_owned();
        }
    }
}

/// Personal access tokens: made with the password, listed without the
/// secret, limited to their roles, unable to manage the account, revoked
/// by their owner and by a password change.
async fn personal_tokens<S>(app: &S, manager: &ext_user::UserManager)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    manager.add_role("tia", "admin").await.unwrap();
    manager.add_role("tia", "staff").await.unwrap();
    let (access, _) = tokens_for(app, "tia").await;
    let refused = api_post(
        app,
        "/user/access-tokens",
        Some(&access),
        json!({"name": "ci", "roles": ["staff"], "password": "wrong password"}),
    )
    .await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.json()["field"], "password");
    let not_mine = api_post(
        app,
        "/user/access-tokens",
        Some(&access),
        json!({"name": "ci", "roles": ["root"], "password": PASSWORD}),
    )
    .await;
    assert_eq!(not_mine.status, 422);
    assert_eq!(not_mine.json()["field"], "roles");
    let control = api_post(
        app,
        "/user/access-tokens",
        Some(&access),
        json!({"name": "c\u{0}i", "password": PASSWORD}),
    )
    .await;
    assert_eq!(control.status, 422, "a NUL is refused before the store sees it");
    assert_eq!(control.json()["field"], "name");
    let made = api_post(
        app,
        "/user/access-tokens",
        Some(&access),
        json!({"name": "ci", "roles": ["staff"], "password": PASSWORD}),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let token = made.json()["token"].as_str().unwrap().to_owned();
    let id = made.json()["access_token"]["id"].as_str().unwrap().to_owned();
    assert!(token.starts_with("eupat_"));

    let listed = bearer_get(app, "/user/access-tokens", &access).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()["tokens"][0]["name"], "ci");
    assert_eq!(listed.json()["tokens"][0]["roles"], json!(["staff"]));
    assert!(!listed.body.contains(&token[6..]), "lists never show the secret");

    // Its user has the token's roles only.
    let me = bearer_get(app, "/user/me", &token).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["user"]["roles"], json!(["staff"]));
    assert_eq!(bearer_get(app, "/admin", &token).await.status, 403);
    // It cannot manage the account.
    let mint = api_post(
        app,
        "/user/access-tokens",
        Some(&token),
        json!({"name": "more", "password": PASSWORD}),
    )
    .await;
    assert_eq!(mint.status, 403);
    assert_eq!(bearer_get(app, "/user/access-tokens", &token).await.status, 403);

    // Revoked by its owner.
    let delete = actix_web::test::TestRequest::delete()
        .uri(&format!("/user/access-tokens/{id}"))
        .insert_header(("Authorization", format!("Bearer {access}")));
    assert_eq!(common::send(app, delete).await.status, 204);
    assert_eq!(bearer_get(app, "/user/me", &token).await.status, 401);

    // Revoked by a password change.
    let made = api_post(
        app,
        "/user/access-tokens",
        Some(&access),
        json!({"name": "deploy", "password": PASSWORD}),
    )
    .await;
    let token = made.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(bearer_get(app, "/user/me", &token).await.status, 200);
    manager
        .set_password("tia", &ext_user::password::Password::new(PASSWORD))
        .await
        .unwrap();
    assert_eq!(bearer_get(app, "/user/me", &token).await.status, 401);
}

#[actix_rt::test]
async fn tokens_on_sqlite() {
    let db = sqlite();
    suite(db.clone()).await;
    // T1-style: no token secret is in the database file in the clear.
    let Db::Sql(url) = db else { unreachable!() };
    let h = start(&Db::Sql(url.clone()), &FAST_HASHING).await;
    register(&h.app, "una@example.com", "una").await;
    let (access, refresh) = tokens_for(&h.app, "una").await;
    let made = api_post(
        &h.app,
        "/user/access-tokens",
        Some(&access),
        json!({"name": "ci", "password": PASSWORD}),
    )
    .await;
    let personal = made.json()["token"].as_str().unwrap().to_owned();
    let refresh_claims = refresh.split('.').nth(1).unwrap().to_owned();
    let path = url
        .trim_start_matches("sqlite:///")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
    let dump = String::from_utf8_lossy(&bytes);
    assert!(dump.contains("user_access_tokens"), "the dump is the database");
    assert!(!dump.contains(&personal[6..]), "a personal token's secret");
    assert!(!dump.contains(&refresh_claims), "a refresh token");
}

#[actix_rt::test]
async fn tokens_on_postgres() {
    let db = ScratchDatabase::create(Server::Postgres).await;
    suite(Db::Sql(db.url.clone())).await;
    db.drop_now().await;
}

#[actix_rt::test]
async fn tokens_on_mariadb() {
    let db = ScratchDatabase::create(Server::MariaDb).await;
    suite(Db::Sql(db.url.clone())).await;
    db.drop_now().await;
}

#[actix_rt::test]
async fn tokens_on_mongo() {
    suite(Db::Mongo(with_database(&mongo_uri(), &unique("tokens")))).await;
}
