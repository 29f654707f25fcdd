//! Flask-User's passwords: the passlib bcrypt hashes a Flask-User app
//! stored (`$2a$`, `$2b$`, `$2y$`) sign in, are rehashed to argon2id at
//! that sign-in (P3), and an imported account takes as long to refuse as
//! any other (E2). The hashes below were made by passlib 1.7.4 with the
//! bcrypt 4.0.1 backend, as Flask-User 1.0 makes them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::{register, sqlite, start, Db, FAST_HASHING, PASSWORD};
use ext_user::store::{Change, SqlUserStore, UserStore};

/// `correct horse battery` at cost 5, in each of passlib's idents.
const HASHES: [&str; 3] = [
    "$2a$05$7AswFA9aDXLUnpHqr9tt6.IEDzHZHrZsNlwjq22Jyo8fOqECyBare",
    "$2b$05$Vpp1gDc320ndWIw8jXc/9ec2LJi6rpTaoyGtDuq/kqwpTeBMgI.ZW",
    "$2y$05$G0auTcPu1xyZWt2mKlsciehV0bZhYP2rKGe34rKX7o1HKGRBc1qY.",
];
const HASHED: &str = "correct horse battery";

/// `"a" * 72 + "X"` at cost 5: passlib checks the first 72 bytes only.
const LONG_HASH: &str = "$2b$05$zUdfEdcNSFSRfF/wXhorLe94/FRQS2MDeHsDb2ZxNb4IUnpFIRHDe";

/// `ﬁsh and chips 🐟` (with the ﬁ ligature) at cost 5: passlib hashed the
/// password as typed, not normalised.
const LIGATURE_HASH: &str = "$2b$05$aMmQAUbZ3b5e8ENWw2mqreYBk9nkeP834/M.SclL3xQ3j4bdNtWtG";

/// `correct horse battery staple` at cost 8.
const COST_8: &str = "$2b$08$v8HKdmuEwye4CHl3zDhqh.MAn9NEh0Q9v5lQHRNTJL2RGTcgT4A1S";

async fn store_of(db: &Db) -> SqlUserStore {
    let Db::Sql(url) = db else { panic!("sql only") };
    let conn = sea_orm::Database::connect(url.replace("sqlite:///", "sqlite://"))
        .await
        .unwrap();
    SqlUserStore::new(conn)
}

async fn set_hash(store: &SqlUserStore, username: &str, hash: &str) {
    let user = store.by_username(username).await.unwrap().unwrap();
    let change = Change::Password {
        hash: hash.to_owned(),
        stamp: None,
    };
    store.update(&user.id, &change).await.unwrap();
}

async fn hash_of(store: &SqlUserStore, username: &str) -> String {
    store.by_username(username).await.unwrap().unwrap().password_hash
}

async fn sign_in<S>(app: &S, login: &str, password: &str) -> u16
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    common::attempt(app, login, password).await.status
}

/// P3: each of passlib's bcrypt idents signs in with its password; a wrong
/// one is refused and rewrites nothing; a right one leaves an argon2id
/// hash, which then signs in alone.
#[actix_rt::test]
async fn p3_flask_user_bcrypt_hashes_sign_in_and_become_argon2id() {
    let db = sqlite();
    let h = start(&db, &FAST_HASHING).await;
    let store = store_of(&db).await;
    for (n, hash) in HASHES.iter().enumerate() {
        let name = format!("flask{n}");
        register(&h.app, &format!("{name}@example.com"), &name).await;
        set_hash(&store, &name, hash).await;

        assert_eq!(sign_in(&h.app, &name, "wrong password").await, 401, "{hash}");
        assert_eq!(hash_of(&store, &name).await, *hash, "a failure rewrites nothing");

        assert_eq!(sign_in(&h.app, &name, HASHED).await, 200, "{hash}");
        let new = hash_of(&store, &name).await;
        assert!(new.starts_with("$argon2id$v=19$"), "{new}");
        assert_eq!(sign_in(&h.app, &name, HASHED).await, 200, "{hash}: the new hash");
        assert_eq!(sign_in(&h.app, &name, "wrong password").await, 401);
    }
}

/// The 72-byte limit holds for old hashes only, as passlib had it: a
/// password that differs after byte 72 signs in against the bcrypt hash,
/// and no longer once it is argon2id (P4).
#[actix_rt::test]
async fn bcrypts_72_byte_limit_ends_with_the_old_hash() {
    let db = sqlite();
    let h = start(&db, &FAST_HASHING).await;
    let store = store_of(&db).await;
    register(&h.app, "long@example.com", "long").await;
    set_hash(&store, "long", LONG_HASH).await;
    let (x, y) = (format!("{}X", "a".repeat(72)), format!("{}Y", "a".repeat(72)));
    assert_eq!(sign_in(&h.app, "long", &y).await, 200, "as passlib: 72 bytes");
    assert!(hash_of(&store, "long").await.starts_with("$argon2id$"));
    assert_eq!(
        sign_in(&h.app, "long", &x).await,
        401,
        "argon2id reads every byte"
    );
    assert_eq!(sign_in(&h.app, "long", &y).await, 200);
}

/// A bcrypt hash is checked against the password as typed (passlib did
/// not normalise): a ligature in it still matches.
#[actix_rt::test]
async fn bcrypt_hashes_check_the_password_as_typed() {
    let db = sqlite();
    let h = start(&db, &FAST_HASHING).await;
    let store = store_of(&db).await;
    register(&h.app, "fish@example.com", "fish").await;
    set_hash(&store, "fish", LIGATURE_HASH).await;
    assert_eq!(sign_in(&h.app, "fish", "ﬁsh and chips 🐟").await, 200);
    // Rehashed to argon2id of the NFKC form, as every new password is.
    assert_eq!(sign_in(&h.app, "fish", "fish and chips 🐟").await, 200);
}

/// The store reports the highest bcrypt cost it holds, and the app reads
/// it at start-up.
#[actix_rt::test]
async fn start_up_learns_the_highest_bcrypt_cost() {
    let db = sqlite();
    let h = start(&db, &FAST_HASHING).await;
    assert_eq!(
        h.manager.passwords().bcrypt_balance(),
        0,
        "no bcrypt hash: no bcrypt run"
    );
    let store = store_of(&db).await;
    register(&h.app, "ann@example.com", "ann").await;
    register(&h.app, "bob@example.com", "bob").await;
    set_hash(&store, "ann", HASHES[0]).await;
    set_hash(&store, "bob", COST_8).await;
    assert_eq!(store.max_bcrypt_cost().await.unwrap(), Some(8));
    let again = start(&db, &FAST_HASHING).await;
    assert_eq!(again.manager.passwords().bcrypt_balance(), 8);
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// E2 with imported accounts: an unknown login, a wrong password for an
/// argon2id account and one for a bcrypt account take the same time
/// (medians within 10% over 120 interleaved rounds), at the default
/// argon2id parameters. Without the balancing bcrypt run the bcrypt
/// account costs a bcrypt alone and the others an argon2id alone.
#[actix_rt::test]
async fn e2_unknown_logins_take_as_long_as_wrong_passwords_with_bcrypt_accounts() {
    let db = sqlite();
    {
        let setup = start(&db, &FAST_HASHING).await;
        register(&setup.app, "argo@example.com", "argo").await;
        register(&setup.app, "brian@example.com", "brian").await;
    }
    let store = store_of(&db).await;
    set_hash(&store, "brian", COST_8).await;
    // The app starts on the store as it is after an import.
    let h = start(&db, &[]).await;
    // argo's hash was made at the test's weak parameters: bring it to
    // today's, as a sign-in does.
    assert_eq!(sign_in(&h.app, "argo", PASSWORD).await, 200);
    assert!(hash_of(&store, "argo")
        .await
        .starts_with("$argon2id$v=19$m=19456"));
    let mut samples = [Vec::new(), Vec::new(), Vec::new()];
    let logins = ["nobody-at-all", "argo", "brian"];
    for round in 0..120 {
        h.clock.advance(901);
        let mut order = [0, 1, 2];
        order.rotate_left(round % 3);
        for which in order {
            let started = Instant::now();
            let status = sign_in(&h.app, logins[which], "wrong password").await;
            samples[which].push(started.elapsed());
            assert_eq!(status, 401, "round {round}");
        }
    }
    let [unknown, argon, bcrypt] = samples.map(median);
    for (name, other) in [("argon2id", argon), ("bcrypt", bcrypt)] {
        let ratio = unknown.as_secs_f64() / other.as_secs_f64();
        assert!(
            (0.9..=1.1).contains(&ratio),
            "unknown {unknown:?} vs wrong password on the {name} account {other:?}: {ratio:.3}"
        );
    }
    assert_eq!(hash_of(&store, "brian").await, COST_8, "refusals rewrite nothing");
}
