//! One acceptance suite for the user stores (D1), run unchanged on SQLite,
//! PostgreSQL, MariaDB (ext-orm) and MongoDB (ext-mongo), each picked by the
//! extension the app registered: the flows, exact normalised lookups (E6,
//! E7), uniqueness under a race of 20 registrations, atomic throttle
//! counters under 20 concurrent hits (D2), and operator objects refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::rc::Rc;

use common::{register, signed_in, sqlite, start, unique, Browser, Db, FAST_HASHING, PASSWORD};
use ext_tests::scratch::{with_database, ScratchDatabase, Server};
use ext_tests::services::mongo_uri;
use ext_user::store::{MongoUserStore, SqlUserStore, UserStore};
use serde_json::json;

async fn suite(db: Db) {
    let h = start(&db, &FAST_HASHING).await;
    let app = Rc::new(h.app);

    // E7: one user per normalised email, whatever the case; either case
    // signs in.
    register(&*app, "Alice@Example.COM", "Alice").await;
    let again = Browser::new()
        .post(
            &*app,
            "/user/register",
            json!({"email": "alice@example.com", "username": "alice2", "password": PASSWORD, "retype_password": PASSWORD}),
        )
        .await;
    assert_eq!(again.status, 202, "a duplicate looks like a success");
    assert!(
        h.manager.find("alice2").await.unwrap().is_none(),
        "and creates nobody"
    );
    for login in ["alice@example.com", "ALICE@EXAMPLE.COM", "alice", "ＡＬＩＣＥ"] {
        let answer = Browser::new()
            .post(
                &*app,
                "/user/sign-in",
                json!({"login": login, "password": PASSWORD}),
            )
            .await;
        assert_eq!(answer.status, 200, "{login}");
    }

    // E6: patterns and operators find nobody.
    for pattern in ["a_ice", "%", "al%", ".*", "^a", "alice@example.co_"] {
        assert!(h.manager.find(pattern).await.unwrap().is_none(), "{pattern}");
    }
    let injected = Browser::new()
        .post(
            &*app,
            "/user/sign-in",
            json!({"email": {"$ne": null}, "password": PASSWORD}),
        )
        .await;
    assert_eq!(injected.status, 400);

    // D2: 20 concurrent registrations of one email make one user.
    let racers: Vec<_> = (0..20)
        .map(|n| {
            let app = Rc::clone(&app);
            async move {
                Browser::new()
                    .post(
                        &*app,
                        "/user/register",
                        json!({"email": "race@example.com", "username": format!("racer{n}"), "password": PASSWORD, "retype_password": PASSWORD}),
                    )
                    .await
                    .status
            }
        })
        .collect();
    let statuses = futures_util::future::join_all(racers).await;
    assert!(statuses.iter().all(|status| *status == 202), "{statuses:?}");
    let mut winners = 0;
    for n in 0..20 {
        if h.manager.find(&format!("racer{n}")).await.unwrap().is_some() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1, "exactly one user for the email");

    // Usernames are unique too (and say so: they are public names).
    let taken = Browser::new()
        .post(
            &*app,
            "/user/register",
            json!({"email": "other@example.com", "username": "ALICE", "password": PASSWORD, "retype_password": PASSWORD}),
        )
        .await;
    assert_eq!(taken.status, 409);

    // Roles, a password change and a profile round trip through the store.
    h.manager.add_role("alice", "admin").await.unwrap();
    h.manager.add_role("alice", "admin").await.unwrap();
    h.manager.add_role("alice", "editor").await.unwrap();
    let mut browser = signed_in(&*app, "alice").await;
    assert_eq!(browser.get(&*app, "/admin").await.status, 200);
    let me = browser.get(&*app, "/user/me").await.json();
    let mut roles: Vec<String> = serde_json::from_value(me["user"]["roles"].clone()).unwrap();
    roles.sort();
    assert_eq!(roles, ["admin", "editor"]);
    h.manager.remove_role("alice", "admin").await.unwrap();
    assert_eq!(browser.get(&*app, "/admin").await.status, 403);
    let new = "a changed passphrase";
    let changed = browser
        .post(
            &*app,
            "/user/change-password",
            json!({"old_password": PASSWORD, "new_password": new, "retype_password": new}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let renamed = browser
        .post(
            &*app,
            "/user/change-username",
            json!({"new_username": "alicia", "old_password": new}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(
        browser.get(&*app, "/user/me").await.json()["user"]["username"],
        "alicia"
    );
    h.manager.set_active("alicia", false).await.unwrap();
    assert_eq!(browser.get(&*app, "/user/me").await.status, 401);

    // The throttle applies here too.
    for _ in 0..5 {
        assert_eq!(
            Browser::new()
                .post(
                    &*app,
                    "/user/sign-in",
                    json!({"login": "ghost", "password": "wrong password"})
                )
                .await
                .status,
            401
        );
    }
    let refused = Browser::new()
        .post(
            &*app,
            "/user/sign-in",
            json!({"login": "ghost", "password": "wrong password"}),
        )
        .await;
    assert_eq!(refused.status, 429);
}

/// D2: concurrent hits on one counter are all counted.
async fn counters_are_atomic(store: impl UserStore) {
    store.prepare().await.unwrap();
    let key = unique("counter");
    let hits = futures_util::future::join_all((0..20).map(|_| store.hit(&key, 1_000, 900))).await;
    let mut counts: Vec<u32> = hits.into_iter().map(|hit| hit.unwrap().count).collect();
    counts.sort();
    assert_eq!(counts.last(), Some(&20), "{counts:?}");
    // After the window, counting starts again.
    assert_eq!(store.hit(&key, 1_900, 900).await.unwrap().count, 1);
    assert_eq!(store.hit(&key, 1_901, 900).await.unwrap().count, 2);
    store.forget_hits(&key).await.unwrap();
    assert_eq!(store.hit(&key, 1_902, 900).await.unwrap().count, 1);
}

/// The highest bcrypt cost among the stored hashes (Flask-User imports),
/// read at start-up so that every sign-in runs as long a bcrypt (E2).
async fn bcrypt_costs_are_found(store: impl UserStore) {
    store.prepare().await.unwrap();
    assert_eq!(store.max_bcrypt_cost().await.unwrap(), None);
    let hashes = [
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$2b$05$Vpp1gDc320ndWIw8jXc/9ec2LJi6rpTaoyGtDuq/kqwpTeBMgI.ZW",
        "$2a$12$7AswFA9aDXLUnpHqr9tt6.IEDzHZHrZsNlwjq22Jyo8fOqECyBare",
        "$2y$10$G0auTcPu1xyZWt2mKlsciehV0bZhYP2rKGe34rKX7o1HKGRBc1qY.",
    ];
    for (n, hash) in hashes.iter().enumerate() {
        let name = unique("bcrypt");
        let record = ext_user::store::UserRecord {
            id: format!("{:032x}", n + 1),
            email: None,
            email_key: None,
            username: Some(name.clone()),
            username_key: Some(name),
            password_hash: (*hash).to_owned(),
            stamp: "s".repeat(32),
            token_version: 0,
            active: true,
            email_confirmed_at: None,
            roles: Vec::new(),
            profile: serde_json::Map::new(),
            created_at: 1_000,
        };
        store.insert(&record, &[]).await.unwrap();
    }
    assert_eq!(store.max_bcrypt_cost().await.unwrap(), Some(12));
}

async fn sql_store(url: &str) -> SqlUserStore {
    SqlUserStore::new(sea_orm::Database::connect(url).await.unwrap())
}

#[actix_rt::test]
async fn sqlite_store_passes_the_suite() {
    let db = sqlite();
    suite(db.clone()).await;
    let Db::Sql(url) = db else { unreachable!() };
    counters_are_atomic(sql_store(&url.replace("sqlite:///", "sqlite://")).await).await;
    bcrypt_costs_are_found(sql_store(&sqlite_url_of(&sqlite())).await).await;
}

fn sqlite_url_of(db: &Db) -> String {
    let Db::Sql(url) = db else { unreachable!() };
    url.replace("sqlite:///", "sqlite://")
}

#[actix_rt::test]
async fn postgres_store_passes_the_suite() {
    let db = ScratchDatabase::create(Server::Postgres).await;
    suite(Db::Sql(db.url.clone())).await;
    counters_are_atomic(sql_store(&db.url).await).await;
    db.drop_now().await;
    let fresh = ScratchDatabase::create(Server::Postgres).await;
    bcrypt_costs_are_found(sql_store(&fresh.url).await).await;
    fresh.drop_now().await;
}

#[actix_rt::test]
async fn mariadb_store_passes_the_suite() {
    let db = ScratchDatabase::create(Server::MariaDb).await;
    suite(Db::Sql(db.url.clone())).await;
    counters_are_atomic(sql_store(&db.url).await).await;
    db.drop_now().await;
    let fresh = ScratchDatabase::create(Server::MariaDb).await;
    bcrypt_costs_are_found(sql_store(&fresh.url).await).await;
    fresh.drop_now().await;
}

#[actix_rt::test]
async fn mongo_store_passes_the_suite() {
    let uri = with_database(&mongo_uri(), &unique("users"));
    suite(Db::Mongo(uri.clone())).await;
    let client = mongodb::Client::with_uri_str(&uri).await.unwrap();
    let db = client.default_database().unwrap();
    counters_are_atomic(MongoUserStore::new(&db)).await;
    let fresh = with_database(&mongo_uri(), &unique("bcrypt"));
    let client = mongodb::Client::with_uri_str(&fresh).await.unwrap();
    bcrypt_costs_are_found(MongoUserStore::new(&client.default_database().unwrap())).await;
}
