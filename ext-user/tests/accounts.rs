//! The JSON flows end to end on SQLite, with server-side sessions: register,
//! sign in by email or username, the current user, change password and
//! username, edit profile, sign out; and the session claims S1, S2, S5, S8,
//! C1 and C2 of the reference.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use actix_web::http::header::COOKIE;
use actix_web::test::{call_service, TestRequest};
use common::{register, signed_in, sqlite, start, start_with, Browser, FAST_HASHING, PASSWORD};
use serde_json::json;

#[actix_rt::test]
async fn a_user_registers_signs_in_and_out() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    register(&h.app, "Alice@Example.com", "alice").await;

    // By email, in any case, or by username, in one field.
    for login in ["alice@example.com", "ALICE@EXAMPLE.COM", "Alice"] {
        let mut browser = Browser::new();
        let answer = browser
            .post(
                &h.app,
                "/user/sign-in",
                json!({"login": login, "password": PASSWORD}),
            )
            .await;
        assert_eq!(answer.status, 200, "{login}: {}", answer.body);
        let user = &answer.json()["user"];
        assert_eq!(user["email"], "Alice@Example.com");
        assert_eq!(user["username"], "alice");
        assert_eq!(answer.header("cache-control"), Some("no-store"));

        let me = browser.get(&h.app, "/user/me").await;
        assert_eq!(me.status, 200);
        assert_eq!(me.json()["user"]["id"], user["id"]);
        assert_eq!(browser.get(&h.app, "/private").await.status, 200);
    }

    let mut browser = signed_in(&h.app, "alice").await;
    let out = browser.post(&h.app, "/user/sign-out", json!({})).await;
    assert_eq!(out.status, 204);
    assert_eq!(browser.get(&h.app, "/user/me").await.status, 401);
    let public = browser.get(&h.app, "/public").await;
    assert_eq!(public.body, "hello stranger");
}

#[actix_rt::test]
async fn anonymous_requests_get_401_problems() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    let answer = Browser::new().get(&h.app, "/private").await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.header("content-type"), Some("application/problem+json"));
    assert_eq!(answer.json()["status"], 401);
    assert_eq!(Browser::new().get(&h.app, "/account").await.status, 401);
    assert_eq!(Browser::new().get(&h.app, "/public").await.body, "hello stranger");
}

/// S1: a new session id at sign-in; the id from before it is not signed in.
#[actix_rt::test]
async fn sign_in_starts_a_new_session() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    register(&h.app, "bob@example.com", "bob").await;
    let mut browser = Browser::new();
    // A session before sign-in (the failed attempt leaves none, so make one
    // with a wrong password and then a flash-free public visit).
    let wrong = browser
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": "bob", "password": "wrong password!"}),
        )
        .await;
    assert_eq!(wrong.status, 401);
    let planted = "__Host-session=planted".to_owned();
    browser.cookie = Some(planted.clone());
    let answer = browser
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": "bob", "password": PASSWORD}),
        )
        .await;
    assert_eq!(answer.status, 200);
    let after = browser.cookie.clone().unwrap();
    assert_ne!(after, planted);
    let mut attacker = Browser {
        cookie: Some(planted),
    };
    assert_eq!(attacker.get(&h.app, "/user/me").await.status, 401);

    // Signing in again from the same browser changes the id again.
    let again = browser
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": "bob", "password": PASSWORD}),
        )
        .await;
    assert_eq!(again.status, 200);
    assert_ne!(browser.cookie.clone().unwrap(), after);
    let mut old = Browser { cookie: Some(after) };
    assert_eq!(
        old.get(&h.app, "/user/me").await.status,
        401,
        "the pre-rotation id is dead"
    );
}

/// S2 and C1: sign-out is POST only; the old cookie is dead after it.
#[actix_rt::test]
async fn sign_out_is_post_only_and_kills_the_session() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    register(&h.app, "carol@example.com", "carol").await;
    let mut browser = signed_in(&h.app, "carol").await;
    let cookie = browser.cookie.clone().unwrap();

    let get = browser.get(&h.app, "/user/sign-out").await;
    assert_eq!(get.status, 405);
    assert_eq!(get.header("allow"), Some("POST"));
    assert_eq!(
        browser.get(&h.app, "/user/me").await.status,
        200,
        "GET changed nothing"
    );

    assert_eq!(
        browser.post(&h.app, "/user/sign-out", json!({})).await.status,
        204
    );
    let mut replay = Browser { cookie: Some(cookie) };
    assert_eq!(replay.get(&h.app, "/user/me").await.status, 401);
}

/// C1: every state-changing route refuses GET.
#[actix_rt::test]
async fn state_changing_routes_refuse_get() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    for path in [
        "/user/register",
        "/user/sign-in",
        "/user/sign-out",
        "/user/change-password",
        "/user/change-username",
        "/user/edit_user_profile",
    ] {
        let answer = Browser::new().get(&h.app, path).await;
        assert_eq!(answer.status, 405, "{path}");
        assert_eq!(answer.json()["status"], 405, "{path}");
    }
}

/// C2: a cookie-carrying POST from another site is refused; the same POST
/// with no cookie (an API client) is not CSRF-checked.
#[actix_rt::test]
async fn cross_site_posts_with_the_cookie_are_refused() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    register(&h.app, "dan@example.com", "dan").await;
    let browser = signed_in(&h.app, "dan").await;
    let forged = TestRequest::post()
        .uri("/user/sign-out")
        .insert_header(("Sec-Fetch-Site", "cross-site"))
        .insert_header((COOKIE, browser.cookie.clone().unwrap()))
        .to_request();
    assert_eq!(call_service(&h.app, forged).await.status(), 403);
    let mut same = browser.clone();
    assert_eq!(same.get(&h.app, "/user/me").await.status, 200, "still signed in");

    let api = TestRequest::post()
        .uri("/user/sign-in")
        .set_json(json!({"login": "dan", "password": PASSWORD}))
        .to_request();
    assert_eq!(call_service(&h.app, api).await.status(), 200);
}

/// S5 and L1: a password change needs the current password, ends the other
/// sessions and keeps this one (with a new id).
#[actix_rt::test]
async fn a_password_change_signs_out_the_other_sessions() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    register(&h.app, "erin@example.com", "erin").await;
    let mut laptop = signed_in(&h.app, "erin").await;
    let mut phone = signed_in(&h.app, "erin").await;
    let new = "a brand new passphrase";

    let wrong = laptop
        .post(
            &h.app,
            "/user/change-password",
            json!({"old_password": "not my password", "new_password": new, "retype_password": new}),
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert_eq!(wrong.json()["field"], "old_password");

    let before = laptop.cookie.clone().unwrap();
    let changed = laptop
        .post(
            &h.app,
            "/user/change-password",
            json!({"old_password": PASSWORD, "new_password": new, "retype_password": new}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_ne!(laptop.cookie.clone().unwrap(), before, "re-issued");
    assert_eq!(laptop.get(&h.app, "/user/me").await.status, 200);
    assert_eq!(phone.get(&h.app, "/user/me").await.status, 401);

    let old = Browser::new()
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": "erin", "password": PASSWORD}),
        )
        .await;
    assert_eq!(old.status, 401);
    let fresh = Browser::new()
        .post(&h.app, "/user/sign-in", json!({"login": "erin", "password": new}))
        .await;
    assert_eq!(fresh.status, 200);
}

#[actix_rt::test]
async fn a_username_change_needs_the_password_and_a_free_name() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    register(&h.app, "fay@example.com", "fay").await;
    register(&h.app, "gus@example.com", "gus").await;
    let mut browser = signed_in(&h.app, "fay").await;

    let no_password = browser
        .post(
            &h.app,
            "/user/change-username",
            json!({"new_username": "faye", "old_password": "nope nope nope"}),
        )
        .await;
    assert_eq!(no_password.status, 422);
    let taken = browser
        .post(
            &h.app,
            "/user/change-username",
            json!({"new_username": "GUS", "old_password": PASSWORD}),
        )
        .await;
    assert_eq!(taken.status, 409);
    assert_eq!(taken.json()["field"], "username");
    let renamed = browser
        .post(
            &h.app,
            "/user/change-username",
            json!({"new_username": "Faye", "old_password": PASSWORD}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(renamed.json()["user"]["username"], "Faye");
    signed_in(&h.app, "faye").await;
}

/// S8: with remember-me off, a posted `remember_me: true` still gets a
/// browser-session cookie; with it on, a lasting one.
#[actix_rt::test]
async fn remember_me_is_enforced_by_the_server() {
    for (enabled, lasting) in [("false", false), ("true", true)] {
        let mut env = FAST_HASHING.to_vec();
        env.push(("USER_ENABLE_REMEMBER_ME", enabled));
        let h = start(&sqlite(), &env).await;
        register(&h.app, "hal@example.com", "hal").await;
        let answer = Browser::new()
            .post(
                &h.app,
                "/user/sign-in",
                json!({"login": "hal", "password": PASSWORD, "remember_me": true}),
            )
            .await;
        assert_eq!(answer.status, 200);
        let line = answer.set_cookie.unwrap();
        assert_eq!(
            line.contains("Max-Age") || line.contains("Expires"),
            lasting,
            "{line}"
        );
        // S3: the cookie's attributes.
        for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(line.contains(attribute), "{line}");
        }
        assert!(line.starts_with("__Host-"), "{line}");
        assert!(!line.contains("Domain"), "{line}");
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Member {
    display_name: String,
    #[serde(default)]
    newsletter: bool,
}

impl ext_user::Profile for Member {
    fn validate(&self) -> Result<(), ext_user::UserError> {
        if self.display_name.trim().is_empty() || self.display_name.chars().count() > 40 {
            return Err(ext_user::UserError::invalid(
                "display_name",
                "must be 1 to 40 characters",
            ));
        }
        Ok(())
    }
}

/// The app's own fields: checked at registration and on edits.
#[actix_rt::test]
async fn an_app_adds_and_checks_its_own_user_fields() {
    let h = start_with(
        &sqlite(),
        &FAST_HASHING,
        ext_user::Users::new().profile::<Member>(),
    )
    .await;
    let base = json!({"email": "ivy@example.com", "username": "ivy", "password": PASSWORD, "retype_password": PASSWORD});
    let mut missing = base.clone();
    missing["display_name"] = json!("");
    let refused = Browser::new().post(&h.app, "/user/register", missing).await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.json()["field"], "display_name");
    let mut unknown = base.clone();
    unknown["display_name"] = json!("Ivy");
    unknown["is_admin"] = json!(true);
    assert_eq!(
        Browser::new()
            .post(&h.app, "/user/register", unknown)
            .await
            .status,
        400
    );

    let mut good = base.clone();
    good["display_name"] = json!("Ivy");
    assert_eq!(
        Browser::new().post(&h.app, "/user/register", good).await.status,
        202
    );
    let mut browser = signed_in(&h.app, "ivy").await;
    let me = browser.get(&h.app, "/user/me").await.json();
    assert_eq!(
        me["user"]["profile"],
        json!({"display_name": "Ivy", "newsletter": false})
    );

    let edited = browser
        .post(&h.app, "/user/edit_user_profile", json!({"newsletter": true}))
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.json()["user"]["profile"]["newsletter"], true);
    assert_eq!(edited.json()["user"]["profile"]["display_name"], "Ivy");
    let bad = browser
        .post(&h.app, "/user/edit_user_profile", json!({"display_name": " "}))
        .await;
    assert_eq!(bad.status, 422);
    let user = h.manager.find("ivy").await.unwrap().unwrap();
    let member: Member = user.profile_as().unwrap();
    assert!(member.newsletter);
}

#[actix_rt::test]
async fn bad_bodies_get_400_or_422_naming_the_field() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    let cases = [
        (json!([1, 2]), 400, None),
        (
            json!({"email": 5, "username": "x", "password": PASSWORD}),
            400,
            None,
        ),
        (
            json!({"email": "not-an-email", "username": "jim", "password": PASSWORD, "retype_password": PASSWORD}),
            422,
            Some("email"),
        ),
        (
            json!({"email": "jim@example.com", "username": "j", "password": PASSWORD, "retype_password": PASSWORD}),
            422,
            Some("username"),
        ),
        (
            json!({"email": "jim@example.com", "username": "jim", "password": PASSWORD, "retype_password": "other"}),
            422,
            Some("retype_password"),
        ),
        (
            json!({"email": "jim@example.com", "username": "jim", "password": "short", "retype_password": "short"}),
            422,
            Some("password"),
        ),
    ];
    for (body, status, field) in cases {
        let answer = Browser::new().post(&h.app, "/user/register", body.clone()).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.body);
        if let Some(field) = field {
            assert_eq!(answer.json()["field"], field, "{body}");
        }
        assert!(!answer.body.contains("struct"), "{}", answer.body);
    }
}
