//! The JWT claims J1–J5 and J7, and purpose binding (T4), against tokens
//! forged byte by byte: a header and claims of the test's choosing, signed
//! (or not) with a key of its choosing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::{
    api_post, bearer_get, register, send, sqlite, start, tokens_for, unique, Browser, Db, FAST_HASHING,
    PASSWORD,
};
use ext_tests::scratch::with_database;
use ext_tests::services::mongo_uri;
use hmac::{KeyInit, Mac};
use serde_json::{json, Value};

/// The HMAC key the tests configure, so they can sign tokens themselves.
const JWT_SECRET: &str = "0f8a6c2e91d44b7fa3c5e8d1b2a49c6e7f1d3b5a";

fn env(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut env = FAST_HASHING.to_vec();
    env.push(("USER_APP_NAME", "tests"));
    env.extend_from_slice(extra);
    env
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

/// A JWT with exactly this header and these claims; signed with HMAC
/// (`HS256` or `HS512`) under `key`, or unsigned for `alg: none`.
fn forge(header: &Value, claims: &Value, key: &[u8]) -> String {
    let message = format!("{}.{}", b64(header), b64(claims));
    let signature = match header["alg"].as_str() {
        Some("HS256") => {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
            mac.update(message.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Some("HS512") => {
            let mut mac = hmac::Hmac::<sha2::Sha512>::new_from_slice(key).unwrap();
            mac.update(message.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        _ => Vec::new(),
    };
    format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// The claims ext-user itself would put in an access token now.
fn access_claims(sub: &str, now: i64) -> Value {
    json!({
        "iss": "tests", "aud": "tests", "sub": sub,
        "iat": now, "nbf": now, "exp": now + 900,
        "typ": "access", "ver": 0,
    })
}

/// J1 (algorithm pinned, no key headers), J2 (`exp` and `nbf` required and
/// checked with 30 s of leeway by the app's clock), J3 (`aud` and `iss`
/// required and checked) and J4 (`typ` separates access from refresh):
/// everything but the one token ext-user would sign is a 401.
async fn forged_and_malformed_tokens_are_refused(db: Db) {
    let h = start(&db, &env(&[("USER_JWT_SECRET", JWT_SECRET)])).await;
    register(&h.app, "joe@example.com", "joe").await;
    let id = h.manager.find("joe").await.unwrap().unwrap().id;
    let now = h.manager.now();
    let key = JWT_SECRET.as_bytes();
    let hs256 = json!({"alg": "HS256", "typ": "at+jwt"});
    let claims = access_claims(&id, now);

    // The forger is right: this is the token ext-user would accept.
    let good = forge(&hs256, &claims, key);
    assert_eq!(bearer_get(&h.app, "/private", &good).await.status, 200);

    let with = |changes: Value| {
        let mut changed = claims.clone();
        for (name, value) in changes.as_object().unwrap() {
            if value.is_null() {
                changed.as_object_mut().unwrap().remove(name);
            } else {
                changed[name] = value.clone();
            }
        }
        changed
    };
    let refused: Vec<(&str, String)> = vec![
        ("alg none", forge(&json!({"alg": "none"}), &claims, key)),
        (
            "alg none, signed",
            format!(
                "{}.{}.{}",
                b64(&json!({"alg": "none"})),
                b64(&claims),
                good.rsplit('.').next().unwrap()
            ),
        ),
        (
            "HS512 while HS256 is configured",
            forge(&json!({"alg": "HS512"}), &claims, key),
        ),
        (
            "another key",
            forge(&hs256, &claims, b"another key of at least thirty-two bytes"),
        ),
        ("kid", forge(&json!({"alg": "HS256", "kid": "1"}), &claims, key)),
        (
            "jku",
            forge(
                &json!({"alg": "HS256", "jku": "https://evil.example/jwks"}),
                &claims,
                key,
            ),
        ),
        (
            "jwk",
            forge(
                &json!({"alg": "HS256", "jwk": {"kty": "oct", "k": "AAAA"}}),
                &claims,
                key,
            ),
        ),
        (
            "x5u",
            forge(
                &json!({"alg": "HS256", "x5u": "https://evil.example/cert"}),
                &claims,
                key,
            ),
        ),
        ("J2: no exp", forge(&hs256, &with(json!({"exp": null})), key)),
        ("J2: no nbf", forge(&hs256, &with(json!({"nbf": null})), key)),
        (
            "J2: expired 31 s ago",
            forge(&hs256, &with(json!({"exp": now - 31})), key),
        ),
        (
            "J2: not before 31 s from now",
            forge(&hs256, &with(json!({"nbf": now + 31})), key),
        ),
        (
            "J3: wrong aud",
            forge(&hs256, &with(json!({"aud": "elsewhere"})), key),
        ),
        ("J3: no aud", forge(&hs256, &with(json!({"aud": null})), key)),
        (
            "J3: wrong iss",
            forge(&hs256, &with(json!({"iss": "elsewhere"})), key),
        ),
        ("J3: no iss", forge(&hs256, &with(json!({"iss": null})), key)),
        (
            "J4: a refresh token",
            forge(
                &hs256,
                &with(json!({"typ": "refresh", "jti": "x", "fam": "y"})),
                key,
            ),
        ),
        ("J4: no typ", forge(&hs256, &with(json!({"typ": null})), key)),
        (
            "an older token version",
            forge(&hs256, &with(json!({"ver": -1})), key),
        ),
        (
            "someone else",
            forge(
                &hs256,
                &with(json!({"sub": "0123456789abcdef0123456789abcdef"})),
                key,
            ),
        ),
        ("not a JWT", "not.a.jwt".to_owned()),
    ];
    for (case, token) in &refused {
        let answer = bearer_get(&h.app, "/private", token).await;
        assert_eq!(answer.status, 401, "{case}");
        assert_eq!(
            answer.header("www-authenticate"),
            Some("Bearer error=\"invalid_token\""),
            "{case}"
        );
    }
    // Leeway is 30 s, explicitly, both ways.
    let late = forge(&hs256, &with(json!({"exp": now - 29})), key);
    assert_eq!(bearer_get(&h.app, "/private", &late).await.status, 200);
    let early = forge(&hs256, &with(json!({"nbf": now + 29})), key);
    assert_eq!(bearer_get(&h.app, "/private", &early).await.status, 200);

    // Real tokens expire by the app's clock: 15 minutes, then 30 s.
    let (access, refresh) = tokens_for(&h.app, "joe").await;
    h.clock.advance(900 + 30);
    assert_eq!(bearer_get(&h.app, "/private", &access).await.status, 200);
    h.clock.advance(1);
    assert_eq!(bearer_get(&h.app, "/private", &access).await.status, 401);
    // Refresh tokens live 14 days.
    h.clock.advance(14 * 86_400);
    let stale = api_post(
        &h.app,
        "/user/token/refresh",
        None,
        json!({"refresh_token": refresh}),
    )
    .await;
    assert_eq!(stale.status, 401);

    // A family rotates for 30 days after its sign-in, however often it is
    // used: rotations on days 10, 20 and 29 work, the one on day 31 does not.
    let (_, mut refresh) = tokens_for(&h.app, "joe").await;
    let mut today = 0;
    for (day, status) in [(10, 200), (20, 200), (29, 200), (31, 401)] {
        h.clock.advance((day - today) * 86_400);
        today = day;
        let answer = api_post(
            &h.app,
            "/user/token/refresh",
            None,
            json!({"refresh_token": refresh}),
        )
        .await;
        assert_eq!(answer.status, status, "day {day}: {}", answer.body);
        if status == 200 {
            refresh = answer.json()["tokens"]["refresh_token"]
                .as_str()
                .unwrap()
                .to_owned();
        }
    }
}

/// J1: with an asymmetric algorithm, an HS256 token keyed with the public
/// key (algorithm confusion) is refused; EdDSA and RS256 tokens work.
#[actix_rt::test]
async fn asymmetric_keys_work_and_refuse_algorithm_confusion() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    for (algorithm, private, public) in [
        ("EdDSA", "ed25519-private.pem", "ed25519-public.pem"),
        ("RS256", "rsa-private.pem", "rsa-public.pem"),
    ] {
        let private = format!("{data}/{private}");
        let public = format!("{data}/{public}");
        let h = start(
            &sqlite(),
            &env(&[
                ("USER_JWT_ALGORITHM", algorithm),
                ("USER_JWT_PRIVATE_KEY_FILE", Box::leak(private.into_boxed_str())),
                (
                    "USER_JWT_PUBLIC_KEY_FILE",
                    Box::leak(public.clone().into_boxed_str()),
                ),
            ]),
        )
        .await;
        register(&h.app, "kai@example.com", "kai").await;
        let (access, _) = tokens_for(&h.app, "kai").await;
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(access.split('.').next().unwrap()).unwrap())
                .unwrap();
        assert_eq!(header["alg"], algorithm);
        assert_eq!(
            bearer_get(&h.app, "/private", &access).await.status,
            200,
            "{algorithm}"
        );
        let id = h.manager.find("kai").await.unwrap().unwrap().id;
        let pem = std::fs::read(&public).unwrap();
        let confused = forge(
            &json!({"alg": "HS256"}),
            &access_claims(&id, h.manager.now()),
            &pem,
        );
        assert_eq!(
            bearer_get(&h.app, "/private", &confused).await.status,
            401,
            "{algorithm}"
        );
    }
}

/// J5: an HMAC key under 32 bytes is a start-up error, never padded.
#[actix_rt::test]
async fn short_hmac_keys_are_refused_at_start_up() {
    let db = sqlite();
    let short = "0123456789abcdef0123456789abcde"; // 31 bytes
    let config = common::config(&db, &env(&[("USER_JWT_SECRET", short)]));
    let started = ext_core::AppBuilder::new(config)
        .register(ext_orm::Orm::new())
        .register(ext_core::session::Sessions::new())
        .register(ext_core::session::Csrf::new())
        .register(ext_user::Users::new())
        .init()
        .await;
    let Err(error) = started else {
        panic!("a 31-byte key is refused");
    };
    let text = error.to_string();
    assert!(
        text.contains("user.jwt_secret") && text.contains("31 bytes"),
        "{text}"
    );
}

/// J7: a token in the query string is a 401, and one in a cookie counts
/// for nothing.
#[actix_rt::test]
async fn tokens_outside_the_authorization_header_are_refused() {
    let h = start(&sqlite(), &env(&[])).await;
    register(&h.app, "lia@example.com", "lia").await;
    let (access, _) = tokens_for(&h.app, "lia").await;
    let in_query = send(
        &h.app,
        actix_web::test::TestRequest::get().uri(&format!("/private?access_token={access}")),
    )
    .await;
    assert_eq!(in_query.status, 401);
    assert!(in_query.json()["type"]
        .as_str()
        .unwrap()
        .ends_with("invalid-token"));
    for cookie in [
        format!("access_token={access}"),
        format!("Authorization=Bearer {access}"),
    ] {
        let in_cookie = send(
            &h.app,
            actix_web::test::TestRequest::get()
                .uri("/private")
                .insert_header(("Cookie", cookie)),
        )
        .await;
        assert_eq!(in_cookie.status, 401);
    }
}

/// T4: each kind of credential works in its own place only. Rows: what is
/// presented; columns: as a session cookie, as a bearer token, at the
/// refresh endpoint. (The emailed tokens join this matrix with the email
/// flows.)
async fn every_credential_is_refused_where_another_kind_belongs(db: Db) {
    let h = start(&db, &env(&[])).await;
    register(&h.app, "moe@example.com", "moe").await;
    let mut browser = Browser::new();
    let signed = browser
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": "moe", "password": PASSWORD}),
        )
        .await;
    assert_eq!(signed.status, 200);
    let cookie = browser.cookie.clone().unwrap();
    let (cookie_name, session_id) = cookie.split_once('=').unwrap();
    let (access, _) = tokens_for(&h.app, "moe").await;
    let made = api_post(
        &h.app,
        "/user/access-tokens",
        Some(&access),
        json!({"name": "matrix", "password": PASSWORD}),
    )
    .await;
    let personal = made.json()["token"].as_str().unwrap().to_owned();

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Kind {
        Session,
        Access,
        Refresh,
        Personal,
    }
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Slot {
        Cookie,
        Bearer,
        RefreshEndpoint,
    }
    for kind in [Kind::Session, Kind::Access, Kind::Refresh, Kind::Personal] {
        for slot in [Slot::Cookie, Slot::Bearer, Slot::RefreshEndpoint] {
            // A fresh refresh token each time: a success spends one.
            let (_, refresh) = tokens_for(&h.app, "moe").await;
            let credential = match kind {
                Kind::Session => session_id.to_owned(),
                Kind::Access => access.clone(),
                Kind::Refresh => refresh,
                Kind::Personal => personal.clone(),
            };
            let status = match slot {
                Slot::Cookie => {
                    let req = actix_web::test::TestRequest::get()
                        .uri("/private")
                        .insert_header(("Cookie", format!("{cookie_name}={credential}")));
                    send(&h.app, req).await.status
                }
                Slot::Bearer => bearer_get(&h.app, "/private", &credential).await.status,
                Slot::RefreshEndpoint => {
                    api_post(
                        &h.app,
                        "/user/token/refresh",
                        None,
                        json!({"refresh_token": credential}),
                    )
                    .await
                    .status
                }
            };
            let belongs = matches!(
                (kind, slot),
                (Kind::Session, Slot::Cookie)
                    | (Kind::Access | Kind::Personal, Slot::Bearer)
                    | (Kind::Refresh, Slot::RefreshEndpoint)
            );
            assert_eq!(status == 200, belongs, "{kind:?} as {slot:?}: {status}");
            if !belongs {
                assert_eq!(status, 401, "{kind:?} as {slot:?}");
            }
        }
    }
}

/// J1–J4 and T4 on the ORM store (SQLite) and on MongoDB.
#[actix_rt::test]
async fn forged_tokens_are_refused_on_sqlite() {
    forged_and_malformed_tokens_are_refused(sqlite()).await;
}

#[actix_rt::test]
async fn forged_tokens_are_refused_on_mongo() {
    forged_and_malformed_tokens_are_refused(Db::Mongo(with_database(&mongo_uri(), &unique("jwt")))).await;
}

#[actix_rt::test]
async fn the_credential_matrix_holds_on_sqlite() {
    every_credential_is_refused_where_another_kind_belongs(sqlite()).await;
}

#[actix_rt::test]
async fn the_credential_matrix_holds_on_mongo() {
    every_credential_is_refused_where_another_kind_belongs(Db::Mongo(with_database(
        &mongo_uri(),
        &unique("jwt"),
    )))
    .await;
}
