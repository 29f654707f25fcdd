//! Password storage claims P1–P7 of the reference, at the default argon2id
//! parameters where the claim is about them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{register, signed_in, sqlite, start, Browser, Captured, Db, FAST_HASHING, PASSWORD};
use ext_user::password::{HashSettings, Password, Passwords};
use ext_user::store::{SqlUserStore, UserStore};
use serde_json::json;

async fn store_of(db: &Db) -> SqlUserStore {
    let Db::Sql(url) = db else { panic!("sql only") };
    let path = url.trim_start_matches("sqlite:///");
    let conn = sea_orm::Database::connect(format!("sqlite://{path}"))
        .await
        .unwrap();
    SqlUserStore::new(conn)
}

fn phc_numbers(hash: &str) -> (u32, u32, u32, usize) {
    // $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
    let parts: Vec<&str> = hash.split('$').collect();
    assert_eq!(parts[1], "argon2id", "{hash}");
    assert_eq!(parts[2], "v=19", "{hash}");
    let mut numbers = parts[3].split(',').map(|kv| kv[2..].parse::<u32>().unwrap());
    let salt_bytes = parts[4].len() * 3 / 4;
    (
        numbers.next().unwrap(),
        numbers.next().unwrap(),
        numbers.next().unwrap(),
        salt_bytes,
    )
}

/// P1 and P2: argon2id at OWASP's parameters, 16-byte salts, different
/// hashes for one password.
#[actix_rt::test]
async fn new_hashes_are_argon2id_at_owasp_parameters_with_their_own_salt() {
    let db = sqlite();
    let h = start(&db, &[]).await;
    register(&h.app, "a@example.com", "ann").await;
    register(&h.app, "b@example.com", "ben").await;
    let store = store_of(&db).await;
    let a = store.by_username("ann").await.unwrap().unwrap().password_hash;
    let b = store.by_username("ben").await.unwrap().unwrap().password_hash;
    let (m, t, p, salt) = phc_numbers(&a);
    assert!(m >= 19456 && t >= 2 && p >= 1, "{a}");
    assert!(salt >= 16, "{a}");
    assert_ne!(a, b, "same password, different hashes");
}

/// P1: weaker parameters are a start-up error unless a test says so.
#[actix_rt::test]
async fn weak_parameters_are_refused_at_start_up() {
    for (key, value) in [("hash_memory_kib", 4096), ("hash_iterations", 1)] {
        let mut settings = HashSettings::default();
        match key {
            "hash_memory_kib" => settings.hash_memory_kib = value,
            _ => settings.hash_iterations = value,
        }
        let error = Passwords::new(&settings).unwrap_err().to_string();
        assert!(error.contains("user.hash_memory_kib"), "{error}");
        settings.allow_weak_params_for_tests = true;
        assert!(Passwords::new(&settings).is_ok());
    }
    let short = HashSettings {
        password_min_length: 6,
        ..HashSettings::default()
    };
    assert!(Passwords::new(&short)
        .unwrap_err()
        .to_string()
        .contains("password_min_length"));
}

/// P3: an old hash is upgraded by a right password, never by a wrong one.
#[actix_rt::test]
async fn sign_in_rehashes_old_parameters() {
    let db = sqlite();
    let h = start(&db, &[]).await;
    register(&h.app, "c@example.com", "cat").await;
    let store = store_of(&db).await;
    let user = store.by_username("cat").await.unwrap().unwrap();
    let weak = HashSettings {
        allow_weak_params_for_tests: true,
        hash_memory_kib: 4096,
        hash_iterations: 1,
        ..HashSettings::default()
    };
    let old = Passwords::new(&weak)
        .unwrap()
        .hash(&Password::new(PASSWORD))
        .await
        .unwrap();
    let change = ext_user::store::Change::Password {
        hash: old.clone(),
        stamp: None,
    };
    store.update(&user.id, &change).await.unwrap();

    let wrong = Browser::new()
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": "cat", "password": "wrong password"}),
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(
        store.by_username("cat").await.unwrap().unwrap().password_hash,
        old
    );

    signed_in(&h.app, "cat").await;
    let new = store.by_username("cat").await.unwrap().unwrap().password_hash;
    assert_ne!(new, old);
    assert_eq!(phc_numbers(&new).0, 19456, "{new}");
    assert_eq!(phc_numbers(&new).1, 2, "{new}");
    signed_in(&h.app, "cat").await;
}

/// P4: no truncation; long and emoji passwords work; over the limit is a
/// 422 before any hash runs.
#[actix_rt::test]
async fn passwords_are_never_truncated_and_limits_come_before_hashing() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    let x = format!("{}X", "a".repeat(72));
    let y = format!("{}Y", "a".repeat(72));
    let body = |name: &str, password: &str| json!({"email": format!("{name}@example.com"), "username": name, "password": password, "retype_password": password});
    assert_eq!(
        Browser::new()
            .post(&h.app, "/user/register", body("dee", &x))
            .await
            .status,
        202
    );
    let refused = Browser::new()
        .post(&h.app, "/user/sign-in", json!({"login": "dee", "password": y}))
        .await;
    assert_eq!(refused.status, 401, "the 74th character counts");

    let sixty_four = "b".repeat(64);
    let emoji = "🔑".repeat(64);
    for (name, password) in [("eve", &sixty_four), ("fox", &emoji)] {
        assert_eq!(
            Browser::new()
                .post(&h.app, "/user/register", body(name, password))
                .await
                .status,
            202
        );
        let answer = Browser::new()
            .post(
                &h.app,
                "/user/sign-in",
                json!({"login": name, "password": password}),
            )
            .await;
        assert_eq!(answer.status, 200, "{name}");
    }

    let hashes = h.manager.passwords().hashes_run();
    let checks = h.manager.passwords().verifications_run();
    let long = "c".repeat(129);
    let register = Browser::new()
        .post(&h.app, "/user/register", body("gil", &long))
        .await;
    assert_eq!(register.status, 422);
    assert_eq!(register.json()["field"], "password");
    let sign_in = Browser::new()
        .post(&h.app, "/user/sign-in", json!({"login": "eve", "password": long}))
        .await;
    assert_eq!(sign_in.status, 422);
    let bytes = "é".repeat(600); // 600 characters is over 128 anyway; 1200 bytes
    let sign_in = Browser::new()
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": "eve", "password": bytes}),
        )
        .await;
    assert_eq!(sign_in.status, 422);
    assert_eq!(h.manager.passwords().hashes_run(), hashes, "no hash ran");
    assert_eq!(h.manager.passwords().verifications_run(), checks, "no check ran");
}

/// P5: at least 8 characters, no composition rule, common passwords
/// refused at registration and at a change.
#[actix_rt::test]
async fn the_policy_is_length_and_a_common_password_list() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    let body = |password: &str| json!({"email": "hue@example.com", "username": "hue", "password": password, "retype_password": password});
    for weak in ["seven77", "password", "password1", "iloveyou", "PASSWORD1"] {
        let answer = Browser::new().post(&h.app, "/user/register", body(weak)).await;
        assert_eq!(answer.status, 422, "{weak}");
        assert_eq!(answer.json()["field"], "password");
    }
    let answer = Browser::new()
        .post(&h.app, "/user/register", body("correcthorsebatterystaple"))
        .await;
    assert_eq!(answer.status, 202, "no composition rule: {}", answer.body);

    let mut browser = Browser::new();
    let signed = browser
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": "hue", "password": "correcthorsebatterystaple"}),
        )
        .await;
    assert_eq!(signed.status, 200);
    let change = browser
        .post(
            &h.app,
            "/user/change-password",
            json!({"old_password": "correcthorsebatterystaple", "new_password": "qwertyuiop", "retype_password": "qwertyuiop"}),
        )
        .await;
    assert_eq!(change.status, 422);
    assert_eq!(change.json()["field"], "new_password");
}

/// P7: no hash, stamp or password in `Debug`, JSON or logs.
#[actix_rt::test]
async fn secrets_stay_out_of_debug_json_and_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let db = sqlite();
    let h = start(&db, &FAST_HASHING).await;
    register(&h.app, "ida@example.com", "ida").await;
    let mut browser = signed_in(&h.app, "ida").await;
    let me = browser.get(&h.app, "/user/me").await.body;
    let wrong = Browser::new()
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": "ida", "password": "the wrong one!"}),
        )
        .await;
    assert_eq!(wrong.status, 401);

    let record = store_of(&db).await.by_username("ida").await.unwrap().unwrap();
    let user = h.manager.find("ida").await.unwrap().unwrap();
    let shown = [
        format!("{record:?}"),
        format!("{user:?}"),
        serde_json::to_string(&user).unwrap(),
        me,
        format!("{:?}", Password::new(PASSWORD)),
        format!("{:?}", h.manager),
    ];
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let hash_tail = record.password_hash.rsplit('$').next().unwrap().to_owned();
    for text in shown.iter().chain([&logs]) {
        assert!(!text.contains(&hash_tail), "hash in {text}");
        assert!(!text.contains(&record.stamp), "stamp in {text}");
        assert!(!text.contains(PASSWORD), "password in {text}");
        assert!(!text.contains("the wrong one!"), "password in {text}");
    }
}
