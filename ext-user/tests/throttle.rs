//! Brute-force claims B1–B3 and L1: counted per account (and per unknown
//! login, the same way), in the store, with a clock the test moves.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{attempt, register, sqlite, start, FAST_HASHING, PASSWORD};
use serde_json::json;

/// B1 and B2: five attempts per 15 minutes, then 429 with `Retry-After`
/// and no hash; an unknown login is stopped at the same point with the
/// same answer.
#[actix_rt::test]
async fn the_sixth_attempt_is_refused_without_checking_the_password() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    register(&h.app, "joe@example.com", "joe").await;
    let mut refusals = Vec::new();
    for login in ["joe", "nobody-here"] {
        for n in 1..=5 {
            assert_eq!(
                attempt(&h.app, login, "wrong password").await.status,
                401,
                "{login} #{n}"
            );
        }
        let checks = h.manager.passwords().verifications_run();
        let refused = attempt(&h.app, login, "wrong password").await;
        assert_eq!(refused.status, 429, "{login}");
        let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
        assert!(wait > 0 && wait <= 900, "{wait}");
        assert_eq!(
            h.manager.passwords().verifications_run(),
            checks,
            "no argon2 after the limit"
        );
        refusals.push((refused.body.clone(), refused.header_names()));
    }
    assert_eq!(
        refusals[0], refusals[1],
        "the throttle does not tell known from unknown"
    );
}

/// B1: over an hour of trying, no more than 100 checks of one account,
/// whatever the pace; and settings that would allow more are refused.
#[actix_rt::test]
async fn no_account_gets_more_than_100_checks_an_hour() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    register(&h.app, "kim@example.com", "kim").await;
    let before = h.manager.passwords().verifications_run();
    for _ in 0..150 {
        attempt(&h.app, "kim", "wrong password").await;
        h.clock.advance(24); // 150 × 24 s = one hour
    }
    let checks = h.manager.passwords().verifications_run() - before;
    assert!(checks <= 100, "{checks} checks in an hour");
    assert!(checks >= 5, "the limit is per window, not for ever: {checks}");

    // 30 per 15 minutes would be 120 an hour.
    let db = sqlite();
    let mut env = FAST_HASHING.to_vec();
    env.push(("USER_LOGIN_ATTEMPTS", "30"));
    let error = ext_core::AppBuilder::new(common::config(&db, &env))
        .register(ext_orm::Orm::new())
        .register(ext_core::session::Sessions::new())
        .register(ext_core::session::Csrf::new())
        .register(ext_user::Users::new())
        .init()
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("user.login_attempts"), "{error}");
}

/// B3: the lockout ends by itself; a right password during it is refused
/// like any other; a success before the limit resets the count.
#[actix_rt::test]
async fn lockout_is_soft_and_a_success_resets_the_count() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    register(&h.app, "lee@example.com", "lee").await;

    for _ in 0..4 {
        assert_eq!(attempt(&h.app, "lee", "wrong password").await.status, 401);
    }
    assert_eq!(attempt(&h.app, "lee", PASSWORD).await.status, 200);
    for _ in 0..5 {
        assert_eq!(
            attempt(&h.app, "lee", "wrong password").await.status,
            401,
            "the count restarted"
        );
    }
    let locked = attempt(&h.app, "lee", PASSWORD).await;
    assert_eq!(locked.status, 429, "no oracle during lockout");
    h.clock.advance(901);
    assert_eq!(
        attempt(&h.app, "lee", PASSWORD).await.status,
        200,
        "the lockout expired"
    );
}

/// L1: a wrong current password at a password change counts like a failed
/// sign-in.
#[actix_rt::test]
async fn wrong_current_passwords_count_toward_the_limit() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    register(&h.app, "max@example.com", "max").await;
    let mut browser = common::signed_in(&h.app, "max").await;
    let new = "another fine passphrase";
    for n in 1..=5 {
        let answer = browser
            .post(
                &h.app,
                "/user/change-password",
                json!({"old_password": "guess number x", "new_password": new, "retype_password": new}),
            )
            .await;
        assert_eq!(answer.status, 422, "#{n}");
    }
    let answer = browser
        .post(
            &h.app,
            "/user/change-password",
            json!({"old_password": PASSWORD, "new_password": new, "retype_password": new}),
        )
        .await;
    assert_eq!(answer.status, 429);
    assert_eq!(
        attempt(&h.app, "max", PASSWORD).await.status,
        429,
        "one count per account"
    );
}

/// Per client: 100 attempts per window from one address, over any logins.
#[actix_rt::test]
async fn one_client_cannot_spray_many_accounts() {
    let mut env = FAST_HASHING.to_vec();
    env.push(("USER_CLIENT_ATTEMPTS", "10"));
    let h = start(&sqlite(), &env).await;
    for n in 0..10 {
        assert_eq!(
            attempt(&h.app, &format!("user{n}"), "wrong password")
                .await
                .status,
            401
        );
    }
    assert_eq!(attempt(&h.app, "user-eleven", "wrong password").await.status, 429);
}

/// B5: two instances share one count: in their common store, or in Redis
/// when each has a database of its own.
#[actix_rt::test]
async fn instances_share_one_count() {
    let redis = ext_tests::services::require("REDIS_URL", "Redis");
    for counters in ["store", "redis"] {
        let db = sqlite();
        let mut env = FAST_HASHING.to_vec();
        if counters == "redis" {
            env.push(("USER_THROTTLE_REDIS_URL", redis.as_str()));
        }
        let other = if counters == "redis" { sqlite() } else { db.clone() };
        let one = start(&db, &env).await;
        let two = start(&other, &env).await;
        // Redis keeps counters across test runs, and a process id comes
        // back: the time makes the login this run's own.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let login = format!("{}-{nanos}-{counters}", common::unique("spray"));
        for n in 0..5 {
            let app = if n % 2 == 0 { &one.app } else { &two.app };
            let status = attempt(app, &login, "wrong password").await.status;
            assert_eq!(status, 401, "{counters} #{n}");
        }
        for app in [&one.app, &two.app] {
            let status = attempt(app, &login, "wrong password").await.status;
            assert_eq!(status, 429, "{counters}: one count for both instances");
        }
    }
}

/// B3 (per-client counting) behind a proxy: the address counted is the one
/// the trusted proxy saw, so a client rotating the first address of
/// `X-Forwarded-For` (which it writes itself) is still one client; and
/// `trust_proxy_headers` without `[app] trusted_proxies` stops start-up.
#[actix_rt::test]
async fn a_client_cannot_choose_its_address_in_forwarding_headers() {
    let mut env = FAST_HASHING.to_vec();
    env.push(("USER_CLIENT_ATTEMPTS", "3"));
    env.push(("APP_TRUSTED_PROXIES", "[\"10.0.0.0/8\"]"));
    let h = start(&sqlite(), &env).await;
    // Each attempt names another login, so only the per-client count can
    // refuse it.
    let attempts = std::cell::Cell::new(0);
    let from = |peer: &str, forwarded: String| {
        attempts.set(attempts.get() + 1);
        let login = format!("nobody{}", attempts.get());
        actix_web::test::TestRequest::post()
            .uri("/user/sign-in")
            .peer_addr(format!("{peer}:40000").parse().unwrap())
            .insert_header(("X-Forwarded-For", forwarded))
            .insert_header(("Sec-Fetch-Site", "same-origin"))
            .set_json(json!({"login": login, "password": "wrong password"}))
    };
    // Through the proxy at 10.0.0.1: the client is 203.0.113.9 however
    // the first address changes.
    for n in 0..3 {
        let forwarded = format!("6.6.6.{n}, 203.0.113.9");
        let answer = common::send(&h.app, from("10.0.0.1", forwarded)).await;
        assert_eq!(answer.status, 401, "#{n}: {answer:?}");
    }
    let answer = common::send(&h.app, from("10.0.0.1", "6.6.6.99, 203.0.113.9".into())).await;
    assert_eq!(answer.status, 429, "the fourth attempt from 203.0.113.9");
    // Another client behind the same proxy has its own count.
    let answer = common::send(&h.app, from("10.0.0.1", "198.51.100.4".into())).await;
    assert_eq!(answer.status, 401);
    // Directly from an untrusted peer, its headers count for nothing.
    for n in 0..3 {
        let answer = common::send(&h.app, from("192.0.2.1", format!("6.6.7.{n}"))).await;
        assert_eq!(answer.status, 401, "#{n}");
    }
    let answer = common::send(&h.app, from("192.0.2.1", "6.6.7.99".into())).await;
    assert_eq!(answer.status, 429);

    let mut env = FAST_HASHING.to_vec();
    env.push(("USER_TRUST_PROXY_HEADERS", "true"));
    let refused = ext_core::AppBuilder::new(common::config(&sqlite(), &env))
        .register(ext_orm::Orm::new())
        .register(ext_core::session::Sessions::new())
        .register(ext_core::session::Csrf::new())
        .register(ext_user::Users::new())
        .init()
        .await;
    let error = refused
        .expect_err("start-up refuses trust_proxy_headers alone")
        .to_string();
    assert!(error.contains("trusted_proxies"), "{error}");
}
