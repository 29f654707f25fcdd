//! Authorisation and account lifecycle: roles A1–A3, deactivation S6 and
//! L5, timeouts S4, the events, and the administration API.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::{Arc, Mutex};

use common::{register, signed_in, sqlite, start, start_with, Browser, FAST_HASHING, PASSWORD};
use ext_user::password::Password;
use ext_user::{NewUser, UserEvent, Users};
use serde_json::{json, Map};

/// A1 and A2: 401 for nobody, 403 for the wrong roles, nested AND/OR.
#[actix_rt::test]
async fn role_guards_answer_401_then_403() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    assert_eq!(Browser::new().get(&h.app, "/admin").await.status, 401);
    register(&h.app, "nia@example.com", "nia").await;
    let mut browser = signed_in(&h.app, "nia").await;
    let denied = browser.get(&h.app, "/admin").await;
    assert_eq!(denied.status, 403);
    assert_eq!(denied.json()["status"], 403);

    // /desk needs staff AND (editor OR author).
    let cases: [(&[&str], u16); 5] = [
        (&["staff"], 403),
        (&["editor", "author"], 403),
        (&["staff", "author"], 200),
        (&["staff", "editor"], 200),
        (&["Staff", "editor"], 403),
    ];
    for (roles, status) in cases {
        for role in ["staff", "Staff", "editor", "author"] {
            h.manager.remove_role("nia", role).await.unwrap();
        }
        for role in roles {
            h.manager.add_role("nia", role).await.unwrap();
        }
        assert_eq!(browser.get(&h.app, "/desk").await.status, status, "{roles:?}");
    }
}

/// A3: granting or taking a role counts from the next request.
#[actix_rt::test]
async fn role_changes_count_from_the_next_request() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    register(&h.app, "oli@example.com", "oli").await;
    let mut browser = signed_in(&h.app, "oli").await;
    assert_eq!(browser.get(&h.app, "/admin").await.status, 403);
    h.manager.add_role("oli", "admin").await.unwrap();
    assert_eq!(browser.get(&h.app, "/admin").await.status, 200);
    let me = browser.get(&h.app, "/user/me").await.json();
    assert_eq!(me["user"]["roles"], json!(["admin"]));
    h.manager.remove_role("oli", "admin").await.unwrap();
    assert_eq!(browser.get(&h.app, "/admin").await.status, 403);
}

/// S6 and L5: deactivation ends every session at its next request and
/// stops sign-in; reactivation lets the user sign in again.
#[actix_rt::test]
async fn deactivation_ends_every_session() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    register(&h.app, "pat@example.com", "pat").await;
    let mut one = signed_in(&h.app, "pat").await;
    let mut two = signed_in(&h.app, "pat").await;
    h.manager.set_active("pat", false).await.unwrap();
    assert_eq!(one.get(&h.app, "/private").await.status, 401);
    assert_eq!(two.get(&h.app, "/user/me").await.status, 401);
    let refused = Browser::new()
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": "pat", "password": PASSWORD}),
        )
        .await;
    assert_eq!(refused.status, 401);
    h.manager.set_active("pat", true).await.unwrap();
    signed_in(&h.app, "pat").await;
    assert_eq!(
        one.get(&h.app, "/private").await.status,
        401,
        "old sessions stay ended"
    );
}

/// S4: 30 minutes idle, 12 hours absolute, 30 days with remember-me.
#[actix_rt::test]
async fn sessions_time_out_when_idle_and_when_old() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    register(&h.app, "quy@example.com", "quy").await;

    let mut idle = signed_in(&h.app, "quy").await;
    h.clock.advance(29 * 60);
    assert_eq!(idle.get(&h.app, "/private").await.status, 200);
    h.clock.advance(29 * 60);
    assert_eq!(
        idle.get(&h.app, "/private").await.status,
        200,
        "activity keeps it alive"
    );
    h.clock.advance(31 * 60);
    assert_eq!(idle.get(&h.app, "/private").await.status, 401, "idle too long");

    let mut busy = signed_in(&h.app, "quy").await;
    for _ in 0..(12 * 60 / 20) {
        h.clock.advance(20 * 60);
        busy.get(&h.app, "/private").await;
    }
    assert_eq!(
        busy.get(&h.app, "/private").await.status,
        401,
        "12 hours, however busy"
    );

    let mut remembered = Browser::new();
    let answer = remembered
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": "quy", "password": PASSWORD, "remember_me": true}),
        )
        .await;
    assert_eq!(answer.status, 200);
    h.clock.advance(3 * 86_400);
    assert_eq!(
        remembered.get(&h.app, "/private").await.status,
        200,
        "remembered across days"
    );
    h.clock.advance(28 * 86_400);
    assert_eq!(
        remembered.get(&h.app, "/private").await.status,
        401,
        "not past 30 days"
    );
}

/// The events, as Flask-User's signals.
#[actix_rt::test]
async fn listeners_hear_every_event() {
    let heard = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = Arc::clone(&heard);
    let users = Users::new().on_event(move |event| {
        let line = match event {
            UserEvent::Registered { user, .. } => format!("registered {}", user.username.clone().unwrap()),
            UserEvent::SignedIn(user) => format!("signed-in {}", user.username.clone().unwrap()),
            UserEvent::SignedOut(user) => format!("signed-out {}", user.username.clone().unwrap()),
            UserEvent::PasswordChanged(user) => format!("password {}", user.username.clone().unwrap()),
            UserEvent::UsernameChanged { user, old } => {
                format!("renamed {old} {}", user.username.clone().unwrap())
            }
            UserEvent::SignInFailed { login } => format!("failed {login}"),
            _ => "other".to_owned(),
        };
        log.lock().unwrap().push(line);
    });
    let h = start_with(&sqlite(), &FAST_HASHING, users).await;
    register(&h.app, "rae@example.com", "rae").await;
    Browser::new()
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": "RAE", "password": "wrong password"}),
        )
        .await;
    let mut browser = signed_in(&h.app, "rae").await;
    let new = "the second passphrase";
    browser
        .post(
            &h.app,
            "/user/change-password",
            json!({"old_password": PASSWORD, "new_password": new, "retype_password": new}),
        )
        .await;
    browser
        .post(
            &h.app,
            "/user/change-username",
            json!({"new_username": "ray", "old_password": new}),
        )
        .await;
    browser.post(&h.app, "/user/sign-out", json!({})).await;
    assert_eq!(
        *heard.lock().unwrap(),
        [
            "registered rae",
            "failed rae",
            "signed-in rae",
            "password rae",
            "renamed rae ray",
            "signed-out ray"
        ]
    );
}

/// The administration API: create, set a password (ending sessions), and
/// a 409 for a taken email here, where nothing is hidden.
#[actix_rt::test]
async fn administrators_create_users_and_set_passwords() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    let new = |email: &str, username: &str| NewUser {
        email: Some(email.to_owned()),
        username: Some(username.to_owned()),
        password: Password::new(PASSWORD),
        roles: vec!["admin".to_owned()],
        profile: Map::new(),
    };
    let admin = h
        .manager
        .create_user(new("root@example.com", "root"))
        .await
        .unwrap();
    assert_eq!(admin.roles, ["admin"]);
    let taken = h
        .manager
        .create_user(new("ROOT@example.com", "other"))
        .await
        .unwrap_err();
    assert!(
        matches!(taken, ext_user::UserError::Taken(ext_user::store::Field::Email)),
        "{taken:?}"
    );

    let mut browser = signed_in(&h.app, "root").await;
    assert_eq!(browser.get(&h.app, "/admin").await.status, 200);
    h.manager
        .set_password("root@example.com", &Password::new("a new admin passphrase"))
        .await
        .unwrap();
    assert_eq!(browser.get(&h.app, "/admin").await.status, 401, "sessions ended");
    let weak = h.manager.set_password("root", &Password::new("password")).await;
    assert!(matches!(
        weak,
        Err(ext_user::UserError::Invalid {
            field: "password",
            ..
        })
    ));
    assert!(matches!(
        h.manager.add_role("nobody", "admin").await,
        Err(ext_user::UserError::NotFound)
    ));
}

/// Two instances on one database: a deactivation on one counts on the
/// other within `user_cache_secs` (2 s by default), at once with 0.
#[actix_rt::test]
async fn another_instance_sees_a_deactivation_within_the_cache_time() {
    let db = sqlite();
    let here = start(&db, &FAST_HASHING).await;
    register(&here.app, "uma@example.com", "uma").await;
    let mut browser = signed_in(&here.app, "uma").await;
    let there = start(&db, &FAST_HASHING).await;
    there.manager.set_active("uma", false).await.unwrap();
    assert_eq!(
        browser.get(&here.app, "/private").await.status,
        200,
        "within the cache time"
    );
    here.clock.advance(2);
    assert_eq!(browser.get(&here.app, "/private").await.status, 401, "after it");

    let mut env = FAST_HASHING.to_vec();
    env.push(("USER_USER_CACHE_SECS", "0"));
    let uncached = start(&db, &env).await;
    there.manager.set_active("uma", true).await.unwrap();
    let mut browser = signed_in(&uncached.app, "uma").await;
    assert_eq!(browser.get(&uncached.app, "/private").await.status, 200);
    there.manager.set_active("uma", false).await.unwrap();
    assert_eq!(
        browser.get(&uncached.app, "/private").await.status,
        401,
        "no cache: at once"
    );
}
