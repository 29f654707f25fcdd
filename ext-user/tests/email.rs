//! The email flows end to end, over JSON, against a real SMTP server: the
//! test reads each mail from the sink's Maildir and follows its link.
//!
//! Claims: T1 (only hashes stored), T2 (single use, also under
//! concurrency), T3 (expiry by the injected clock), T4 (purpose binding),
//! T5 (state binding), T6 (GET changes nothing), T7 (no sign-in after reset
//! or confirm), T8 (`no-referrer`, `no-store`), T9 (links from the public
//! URL, never `Host`), E3 and E4 (forgot and resend answer alike), E5 (the
//! owner of a taken address is told), B3 (a reset ends a lockout), B4 (mail
//! limits per address and per client), L3 (no reset for an unconfirmed or
//! deactivated account), L4 (notices), L6 (no session while unconfirmed);
//! and the outbox: no mail lost while the SMTP server is down, none sent
//! twice by two instances. The store-touching ones run on SQLite and
//! MongoDB; single use under concurrency on all four stores.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use actix_web::test::TestRequest;
use common::{
    api_post, register, send, signed_in, sqlite, start, tokens_for, unique, Browser, Db, FAST_HASHING,
    PASSWORD,
};
use ext_tests::scratch::{with_database, ScratchDatabase, Server};
use ext_tests::services::{mongo_uri, smtp_sink, ReceivedMail, SmtpSink};
use ext_tests::smtp_server::SmtpServer;
use serde_json::json;

const PUBLIC: &str = "https://notes.example.test";
const NEW_PASSWORD: &str = "a brand new passphrase";
const WAIT: Duration = Duration::from_secs(15);

/// The app's variables: fast hashing, the public URL, mail to `smtp_url`,
/// the outbox polled often, then `more`.
fn env(smtp_url: &str, more: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = FAST_HASHING
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    vars.push(("APP_PUBLIC_URL".into(), PUBLIC.into()));
    vars.push(("USER_MAIL_URL".into(), smtp_url.into()));
    vars.push(("USER_MAIL_POLL_MS".into(), "50".into()));
    vars.extend(more.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    vars
}

fn pairs(vars: &[(String, String)]) -> Vec<(&str, &str)> {
    vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn shared_sink_url() -> String {
    let sink = smtp_sink();
    format!("smtp://{}:{}", sink.host, sink.port)
}

/// The path and token of `mail`'s link to `route`, checked to start with
/// the public URL (T9).
fn link(mail: &ReceivedMail, route: &str) -> (String, String) {
    let link = mail
        .link(route)
        .unwrap_or_else(|| panic!("no {route} link in {:?}", mail.text()));
    let path = link
        .strip_prefix(PUBLIC)
        .unwrap_or_else(|| panic!("T9: {link} is not under {PUBLIC}"))
        .to_owned();
    let token = path.rsplit('/').next().unwrap().to_owned();
    assert_eq!(token.len(), 43, "T1: 256 bits, base64url");
    assert!(
        mail.html().unwrap().contains(&link),
        "the HTML part has the same link"
    );
    (path, token)
}

/// T8: what every answer of a token link carries.
fn assert_link_headers(answer: &common::Answer) {
    assert_eq!(answer.header("referrer-policy"), Some("no-referrer"), "T8");
    assert_eq!(answer.header("cache-control"), Some("no-store"), "T8");
}

async fn mail_for(sink: &SmtpSink, address: &str, subject_has: &str) -> ReceivedMail {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let found = sink.all_with(address).into_iter().find(|mail| {
            mail.to().as_deref() == Some(address) && mail.subject().unwrap_or_default().contains(subject_has)
        });
        if let Some(mail) = found {
            return mail;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no mail to {address} with {subject_has:?} in the subject"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn count_to(sink: &SmtpSink, address: &str, subject_has: &str) -> usize {
    sink.all_with(address)
        .iter()
        .filter(|mail| {
            mail.to().as_deref() == Some(address) && mail.subject().unwrap_or_default().contains(subject_has)
        })
        .count()
}

/// Forgot, the link, reset: T1, T5, T6, T7, T8, T9, B3, L4, P7's "no token
/// in the notice", and the old sessions end.
async fn forgot_and_reset(db: Db) {
    let sink = smtp_sink();
    let vars = env(&shared_sink_url(), &[]);
    let h = start(&db, &pairs(&vars)).await;
    let address = format!("{}@example.com", unique("reset"));
    let name = unique("rita");
    register(&h.app, &address, &name).await;
    let mut old_session = signed_in(&h.app, &name).await;
    let (access, _) = tokens_for(&h.app, &name).await;

    // T9: a client's Host and X-Forwarded-Host never reach the link.
    let asked = send(
        &h.app,
        TestRequest::post()
            .uri("/user/forgot-password")
            .insert_header(("Host", "evil.example"))
            .insert_header(("X-Forwarded-Host", "evil.example"))
            .set_json(json!({"email": address})),
    )
    .await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    let mail = mail_for(&sink, &address, "Reset your password").await;
    assert!(!mail.raw.contains("evil.example"), "T9");
    let (path, token) = link(&mail, "/user/reset-password/");

    // T1: the token is nowhere in the store (SQLite's file and its WAL).
    if let Db::Sql(url) = &db {
        if let Some(file) = url
            .strip_prefix("sqlite:///")
            .and_then(|rest| rest.split('?').next())
        {
            for part in [file.to_owned(), format!("{file}-wal")] {
                let bytes = std::fs::read(&part).unwrap_or_default();
                assert!(
                    !bytes
                        .windows(token.len())
                        .any(|window| window == token.as_bytes()),
                    "T1: the token is in {part}"
                );
            }
        }
    }

    // T6: three prefetches by a mail scanner change nothing.
    for _ in 0..3 {
        let seen = Browser::new().get(&h.app, &path).await;
        assert_eq!(seen.status, 200, "{}", seen.body);
        assert_eq!(seen.json()["purpose"], "reset_password");
        assert_link_headers(&seen);
    }
    assert_eq!(
        old_session.get(&h.app, "/private").await.status,
        200,
        "GET changed nothing"
    );

    // A refused password leaves the link usable.
    let weak = Browser::new()
        .post(
            &h.app,
            &path,
            json!({"new_password": "password", "retype_password": "password"}),
        )
        .await;
    assert_eq!(weak.status, 422, "{}", weak.body);

    // B3: a locked-out account is unlocked by the reset.
    for _ in 0..5 {
        Browser::new()
            .post(
                &h.app,
                "/user/sign-in",
                json!({"login": name, "password": "not the password"}),
            )
            .await;
    }
    let locked = Browser::new()
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": name, "password": PASSWORD}),
        )
        .await;
    assert_eq!(locked.status, 429, "locked out before the reset");

    let mut browser = Browser::new();
    let reset = browser
        .post(
            &h.app,
            &path,
            json!({"new_password": NEW_PASSWORD, "retype_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(reset.status, 200, "{}", reset.body);
    assert_link_headers(&reset);
    // T7: no sign-in after a reset.
    assert!(reset.set_cookie.is_none(), "T7: a reset signs nobody in");
    assert_eq!(browser.get(&h.app, "/private").await.status, 401, "T7");

    // T2: the link works once.
    let again = Browser::new()
        .post(
            &h.app,
            &path,
            json!({"new_password": "yet another passphrase", "retype_password": "yet another passphrase"}),
        )
        .await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert_eq!(again.json()["type"], "urn:actix-flask-ext:problem:invalid-link");
    assert_link_headers(&again);
    assert_eq!(
        Browser::new().get(&h.app, &path).await.status,
        400,
        "used: GET says so too"
    );

    // Every earlier session and token ended; the new password works (B3).
    assert_eq!(old_session.get(&h.app, "/private").await.status, 401);
    assert_eq!(
        common::bearer_get(&h.app, "/user/me", &access).await.status,
        401,
        "J6"
    );
    let signed = Browser::new()
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": name, "password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(signed.status, 200, "{}", signed.body);

    // L4: the notice, with no token and no password in it.
    let notice = mail_for(&sink, &address, "was changed").await;
    assert!(notice.text().unwrap().contains("reset"), "{:?}", notice.text());
    assert!(
        !notice.raw.contains(&token) && !notice.raw.contains(NEW_PASSWORD),
        "L4"
    );
}

#[actix_rt::test]
async fn forgot_and_reset_on_sqlite() {
    forgot_and_reset(sqlite()).await;
}

#[actix_rt::test]
async fn forgot_and_reset_on_mongo() {
    forgot_and_reset(Db::Mongo(with_database(&mongo_uri(), &unique("email")))).await;
}

/// A reset link for `address` (registered as `name`), from the shared sink.
async fn reset_link<S>(app: &S, sink: &SmtpSink, address: &str) -> (String, String)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let before = count_to(sink, address, "Reset your password");
    let asked = api_post(app, "/user/forgot-password", None, json!({"email": address})).await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    let deadline = tokio::time::Instant::now() + WAIT;
    while count_to(sink, address, "Reset your password") == before {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no reset mail for {address}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut mails: Vec<ReceivedMail> = sink
        .all_with(address)
        .into_iter()
        .filter(|mail| mail.subject().unwrap_or_default().contains("Reset your password"))
        .collect();
    // The newest: Maildir names begin with the delivery time.
    mails.sort_by_key(|mail| std::fs::metadata(&mail.path).and_then(|m| m.modified()).ok());
    link(mails.last().unwrap(), "/user/reset-password/")
}

/// T2 under concurrency: two resets with one link at once, exactly one
/// succeeds.
async fn one_link_one_reset(db: Db) {
    let sink = smtp_sink();
    let vars = env(&shared_sink_url(), &[]);
    let h = start(&db, &pairs(&vars)).await;
    let address = format!("{}@example.com", unique("race"));
    register(&h.app, &address, &unique("rae")).await;
    let (path, _) = reset_link(&h.app, &sink, &address).await;
    let body = |password: &str| json!({"new_password": password, "retype_password": password});
    let (first, second) = futures_util::join!(
        api_post(&h.app, &path, None, body("first of the two racers")),
        api_post(&h.app, &path, None, body("second of the two racer")),
    );
    let mut statuses = [first.status, second.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400], "{} / {}", first.body, second.body);
}

#[actix_rt::test]
async fn one_link_one_reset_on_sqlite() {
    one_link_one_reset(sqlite()).await;
}

#[actix_rt::test]
async fn one_link_one_reset_on_postgres() {
    let db = ScratchDatabase::create(Server::Postgres).await;
    one_link_one_reset(Db::Sql(db.url.clone())).await;
    db.drop_now().await;
}

#[actix_rt::test]
async fn one_link_one_reset_on_mariadb() {
    let db = ScratchDatabase::create(Server::MariaDb).await;
    one_link_one_reset(Db::Sql(db.url.clone())).await;
    db.drop_now().await;
}

#[actix_rt::test]
async fn one_link_one_reset_on_mongo() {
    one_link_one_reset(Db::Mongo(with_database(&mongo_uri(), &unique("race")))).await;
}

/// T3, T4, T5: a link expires (the same answer as garbage), works for its
/// purpose only, and dies with the password it was issued under and when
/// a newer link is sent.
async fn links_are_bound(db: Db) {
    let sink = smtp_sink();
    let vars = env(
        &shared_sink_url(),
        &[
            ("USER_ENABLE_CONFIRM_EMAIL", "true"),
            ("USER_MAIL_PER_ADDRESS", "10"),
        ],
    );
    let h = start(&db, &pairs(&vars)).await;
    // One account waiting for its confirmation, one confirmed (made by an
    // administrator) that asks for reset links: each token is otherwise
    // good, so only its purpose can refuse it.
    let waiting = format!("{}@example.com", unique("bound"));
    register(&h.app, &waiting, &unique("bo")).await;
    let confirm_mail = mail_for(&sink, &waiting, "Confirm your email").await;
    let (confirm_path, confirm_token) = link(&confirm_mail, "/user/confirm-email/");
    let address = format!("{}@example.com", unique("bound-reset"));
    let name = unique("br");
    h.manager
        .create_user(ext_user::NewUser {
            email: Some(address.clone()),
            username: Some(name.clone()),
            password: ext_user::password::Password::new(PASSWORD.to_owned()),
            roles: Vec::new(),
            profile: serde_json::Map::new(),
        })
        .await
        .unwrap();

    let garbage = Browser::new()
        .get(&h.app, &format!("/user/reset-password/{}", "A".repeat(43)))
        .await;
    assert_eq!(garbage.status, 400);

    // T4: each kind of token at every other kind's endpoint.
    let (reset_path, reset_token) = reset_link(&h.app, &sink, &address).await;
    let (access, refresh) = tokens_for(&h.app, &name).await;
    for (what, path) in [
        (
            "a confirm token as a reset token",
            format!("/user/reset-password/{confirm_token}"),
        ),
        (
            "a reset token as a confirm token",
            format!("/user/confirm-email/{reset_token}"),
        ),
        (
            "an access token as a reset token",
            format!("/user/reset-password/{access}"),
        ),
        (
            "a refresh token as a confirm token",
            format!("/user/confirm-email/{refresh}"),
        ),
    ] {
        let answer = Browser::new().get(&h.app, &path).await;
        assert_eq!((answer.status, &answer.body), (400, &garbage.body), "T4: {what}");
    }
    for (what, token) in [
        ("a reset token", &reset_token),
        ("a confirm token", &confirm_token),
    ] {
        assert_eq!(
            common::bearer_get(&h.app, "/user/me", token).await.status,
            401,
            "T4: {what} as a bearer token"
        );
        let refreshed = api_post(
            &h.app,
            "/user/token/refresh",
            None,
            json!({"refresh_token": token}),
        )
        .await;
        assert_eq!(refreshed.status, 401, "T4: {what} as a refresh token");
    }

    // T5: a newer reset link voids the older one.
    let (newer_path, _) = reset_link(&h.app, &sink, &address).await;
    assert_eq!(
        Browser::new().get(&h.app, &reset_path).await.status,
        400,
        "T5: the older link"
    );
    assert_eq!(Browser::new().get(&h.app, &newer_path).await.status, 200);
    // T5: a password change voids outstanding reset links.
    let mut browser = signed_in(&h.app, &name).await;
    let changed = browser
        .post(
            &h.app,
            "/user/change-password",
            json!({"old_password": PASSWORD, "new_password": NEW_PASSWORD, "retype_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let stale = Browser::new().get(&h.app, &newer_path).await;
    assert_eq!(
        (stale.status, &stale.body),
        (400, &garbage.body),
        "T5: after a password change"
    );

    // T3: a confirmation link lasts 24 hours, then answers as garbage does.
    h.clock.advance(86_400);
    let expired = Browser::new().post(&h.app, &confirm_path, json!({})).await;
    assert_eq!((expired.status, &expired.body), (400, &garbage.body), "T3");
    // And a reset link one hour.
    let (fresh_path, _) = reset_link(&h.app, &sink, &address).await;
    h.clock.advance(3_599);
    assert_eq!(
        Browser::new().get(&h.app, &fresh_path).await.status,
        200,
        "T3: within the hour"
    );
    h.clock.advance(1);
    let late = Browser::new().get(&h.app, &fresh_path).await;
    assert_eq!(
        (late.status, &late.body),
        (400, &garbage.body),
        "T3: after the hour"
    );
}

#[actix_rt::test]
async fn links_are_bound_on_sqlite() {
    links_are_bound(sqlite()).await;
}

#[actix_rt::test]
async fn links_are_bound_on_mongo() {
    links_are_bound(Db::Mongo(with_database(&mongo_uri(), &unique("bound")))).await;
}

/// L6, T6, T7: confirmation required; sign-in waits for it; the link's GET
/// changes nothing; the POST confirms and signs nobody in; a used link
/// never makes a session. Resend (E4) sends a new link.
async fn confirmation(db: Db) {
    let sink = smtp_sink();
    let vars = env(&shared_sink_url(), &[("USER_ENABLE_CONFIRM_EMAIL", "true")]);
    let h = start(&db, &pairs(&vars)).await;
    let address = format!("{}@example.com", unique("confirm"));
    let name = unique("cy");
    register(&h.app, &address, &name).await;

    let sign_in = |password: &str| json!({"login": name, "password": password});
    let wrong = Browser::new()
        .post(&h.app, "/user/sign-in", sign_in("not the password"))
        .await;
    let waiting = Browser::new()
        .post(&h.app, "/user/sign-in", sign_in(PASSWORD))
        .await;
    assert_eq!(waiting.status, 401, "L6: {}", waiting.body);
    assert!(waiting.set_cookie.is_none(), "L6: no session");
    assert_eq!(
        (waiting.body.clone(), waiting.header_names()),
        (wrong.body.clone(), wrong.header_names()),
        "E1"
    );
    let tokens = api_post(
        &h.app,
        "/user/sign-in",
        None,
        json!({"login": name, "password": PASSWORD, "mode": "tokens"}),
    )
    .await;
    assert_eq!(tokens.status, 401, "L6: no token either");

    // E4: resend sends a new link, which voids the first.
    let first = mail_for(&sink, &address, "Confirm your email").await;
    let (first_path, _) = link(&first, "/user/confirm-email/");
    let resent = api_post(
        &h.app,
        "/user/resend-email-confirmation",
        None,
        json!({"email": address}),
    )
    .await;
    assert_eq!(resent.status, 202, "{}", resent.body);
    let deadline = tokio::time::Instant::now() + WAIT;
    while count_to(&sink, &address, "Confirm your email") < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no second confirmation mail"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        Browser::new().get(&h.app, &first_path).await.status,
        400,
        "T5: the resent link voids the first"
    );
    let second = sink
        .all_with(&address)
        .into_iter()
        .filter_map(|mail| mail.link("/user/confirm-email/"))
        .map(|link| link.strip_prefix(PUBLIC).unwrap().to_owned())
        .find(|path| *path != first_path)
        .unwrap();

    for _ in 0..3 {
        let seen = Browser::new().get(&h.app, &second).await;
        assert_eq!(seen.status, 200, "{}", seen.body);
        assert_link_headers(&seen);
    }
    let still = Browser::new()
        .post(&h.app, "/user/sign-in", sign_in(PASSWORD))
        .await;
    assert_eq!(still.status, 401, "T6: the GETs confirmed nothing");

    let mut browser = Browser::new();
    let confirmed = browser.post(&h.app, &second, json!({})).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert_link_headers(&confirmed);
    assert!(confirmed.set_cookie.is_none(), "T7: confirming signs nobody in");
    let again = browser.post(&h.app, &second, json!({})).await;
    assert_eq!(again.status, 400, "T2");
    assert!(
        again.set_cookie.is_none(),
        "T7: a used link never makes a session"
    );
    assert_eq!(browser.get(&h.app, "/private").await.status, 401, "T7");

    let signed = Browser::new()
        .post(&h.app, "/user/sign-in", sign_in(PASSWORD))
        .await;
    assert_eq!(signed.status, 200, "confirmed: {}", signed.body);
    let me = h.manager.find(&name).await.unwrap().unwrap();
    assert_eq!(me.email_confirmed_at, Some(h.manager.now()));

    // Resend for a confirmed address sends nothing, and answers the same.
    let after = api_post(
        &h.app,
        "/user/resend-email-confirmation",
        None,
        json!({"email": address}),
    )
    .await;
    assert_eq!((after.status, &after.body), (202, &resent.body), "E4");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        count_to(&sink, &address, "Confirm your email"),
        2,
        "nothing for a confirmed address"
    );
}

#[actix_rt::test]
async fn confirmation_on_sqlite() {
    confirmation(sqlite()).await;
}

#[actix_rt::test]
async fn confirmation_on_mongo() {
    confirmation(Db::Mongo(with_database(&mongo_uri(), &unique("confirm")))).await;
}

/// E3, E4, L3, L5: forgot (and resend) answer the same for an account, an
/// unknown address, an unconfirmed account and a deactivated one; only
/// the account gets mail.
async fn same_answer_for_every_address(db: Db) {
    let sink = smtp_sink();
    let vars = env(&shared_sink_url(), &[("USER_ENABLE_CONFIRM_EMAIL", "true")]);
    let h = start(&db, &pairs(&vars)).await;
    let tag = unique("alike");
    let [known, unknown, unconfirmed, disabled] =
        ["known", "unknown", "unconfirmed", "disabled"].map(|who| format!("{tag}-{who}@example.com"));
    for (address, name) in [(&known, "k"), (&disabled, "d")] {
        let user = ext_user::NewUser {
            email: Some(address.clone()),
            username: Some(format!("{tag}{name}")),
            password: ext_user::password::Password::new(PASSWORD.to_owned()),
            roles: Vec::new(),
            profile: serde_json::Map::new(),
        };
        h.manager.create_user(user).await.unwrap();
    }
    h.manager.set_active(&disabled, false).await.unwrap();
    register(&h.app, &unconfirmed, &format!("{tag}u")).await;

    for (endpoint, mailed) in [
        ("/user/forgot-password", Some(&known)),
        ("/user/resend-email-confirmation", Some(&unconfirmed)),
    ] {
        let mut seen = Vec::new();
        for address in [&known, &unknown, &unconfirmed, &disabled] {
            let answer = api_post(&h.app, endpoint, None, json!({"email": address})).await;
            assert_eq!(answer.status, 202, "{endpoint} {address}: {}", answer.body);
            seen.push((answer.status, answer.body.clone(), answer.header_names()));
        }
        assert!(
            seen.windows(2).all(|pair| pair[0] == pair[1]),
            "{endpoint}: {seen:?}"
        );
        let subject = if endpoint.contains("forgot") {
            "Reset your password"
        } else {
            "Confirm your email"
        };
        mail_for(&sink, mailed.unwrap(), subject).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(count_to(&sink, &known, "Reset your password"), 1);
    assert_eq!(
        count_to(&sink, &unknown, ""),
        0,
        "E3: nothing to an unknown address"
    );
    assert_eq!(
        count_to(&sink, &disabled, ""),
        0,
        "L5: nothing to a deactivated account"
    );
    assert_eq!(
        count_to(&sink, &unconfirmed, "Reset your password"),
        0,
        "L3: no reset to an unconfirmed address"
    );
    assert_eq!(
        count_to(&sink, &known, "Confirm your email"),
        0,
        "E4: no confirmation for a confirmed address"
    );
}

#[actix_rt::test]
async fn same_answer_for_every_address_on_sqlite() {
    same_answer_for_every_address(sqlite()).await;
}

#[actix_rt::test]
async fn same_answer_for_every_address_on_mongo() {
    same_answer_for_every_address(Db::Mongo(with_database(&mongo_uri(), &unique("alike")))).await;
}

/// B4: three mails per address per hour, whoever asks and whether or not
/// the address has an account; twenty mail requests per client per hour.
async fn mail_limits(db: Db) {
    let sink = smtp_sink();
    let vars = env(&shared_sink_url(), &[]);
    let h = start(&db, &pairs(&vars)).await;
    let known = format!("{}@example.com", unique("limit"));
    register(&h.app, &known, &unique("li")).await; // the welcome mail counts
    let unknown = format!("{}@example.com", unique("limit-none"));
    let forgot = |address: &str| api_post(&h.app, "/user/forgot-password", None, json!({"email": address}));
    for _ in 0..2 {
        assert_eq!(forgot(&known).await.status, 202);
    }
    for _ in 0..3 {
        assert_eq!(forgot(&unknown).await.status, 202);
    }
    let (over_known, over_unknown) = (forgot(&known).await, forgot(&unknown).await);
    assert_eq!(over_known.status, 429, "B4: {}", over_known.body);
    assert!(over_known.header("retry-after").is_some());
    assert_eq!(
        (over_known.status, &over_known.body),
        (over_unknown.status, &over_unknown.body),
        "B4 does not enumerate"
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        count_to(&sink, &known, "Reset your password"),
        2,
        "B4: the refused request sent nothing"
    );
    // An hour later the address may get mail again.
    h.clock.advance(3_600);
    assert_eq!(forgot(&known).await.status, 202);

    // Per client: 20 requests an hour, to any addresses.
    h.clock.advance(3_600);
    let mut statuses = Vec::new();
    for n in 0..21 {
        statuses.push(
            forgot(&format!("{}-{n}@example.com", unique("spray")))
                .await
                .status,
        );
    }
    assert!(statuses[..20].iter().all(|&s| s == 202), "{statuses:?}");
    assert_eq!(statuses[20], 429, "B4: per client");
}

#[actix_rt::test]
async fn mail_limits_on_sqlite() {
    mail_limits(sqlite()).await;
}

#[actix_rt::test]
async fn mail_limits_on_mongo() {
    mail_limits(Db::Mongo(with_database(&mongo_uri(), &unique("limits")))).await;
}

/// E5 and L4: registering a taken address tells its owner; a username
/// change and a password change are announced.
async fn notices(db: Db) {
    let sink = smtp_sink();
    let vars = env(&shared_sink_url(), &[]);
    let h = start(&db, &pairs(&vars)).await;
    let address = format!("{}@example.com", unique("notice"));
    let name = unique("nat");
    register(&h.app, &address, &name).await;
    mail_for(&sink, &address, "Welcome to").await;

    let again = Browser::new()
        .post(
            &h.app,
            "/user/register",
            json!({"email": address, "username": unique("other"), "password": PASSWORD, "retype_password": PASSWORD}),
        )
        .await;
    assert_eq!(again.status, 202, "E5: the same answer");
    let attempt = mail_for(&sink, &address, "Someone tried to register").await;
    assert!(!attempt.raw.contains(PASSWORD));

    let mut browser = signed_in(&h.app, &name).await;
    let renamed = unique("natalie");
    let answer = browser
        .post(
            &h.app,
            "/user/change-username",
            json!({"new_username": renamed, "old_password": PASSWORD}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let notice = mail_for(&sink, &address, "username").await;
    let text = notice.text().unwrap();
    assert!(text.contains(&name) && text.contains(&renamed), "L4: {text}");

    let answer = browser
        .post(
            &h.app,
            "/user/change-password",
            json!({"old_password": PASSWORD, "new_password": NEW_PASSWORD, "retype_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let notice = mail_for(&sink, &address, "password").await;
    assert!(
        !notice.raw.contains(NEW_PASSWORD) && !notice.raw.contains(PASSWORD),
        "L4: no password in it"
    );
}

#[actix_rt::test]
async fn notices_on_sqlite() {
    notices(sqlite()).await;
}

#[actix_rt::test]
async fn notices_on_mongo() {
    notices(Db::Mongo(with_database(&mongo_uri(), &unique("notice")))).await;
}

/// The outbox: with the SMTP server down, a registration's mail waits;
/// when the server is back, it arrives, once. Two app instances on one
/// store, both with mail waiting, send each message once.
async fn outage_loses_nothing_and_sends_once(db: Db) {
    let mut server = SmtpServer::start();
    let vars = env(&server.url(), &[]);
    let a = start(&db, &pairs(&vars)).await;
    let b = start(&db, &pairs(&vars)).await;
    server.stop();
    let tag = unique("outage");
    let addresses: Vec<String> = (0..8).map(|n| format!("{tag}-{n}@example.com")).collect();
    for (n, address) in addresses.iter().enumerate() {
        register(&a.app, address, &format!("{tag}{n}")).await;
    }
    // Each message is tried, fails, and waits 30 s (by the app's clock).
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(server.sink().all_with(&tag).is_empty());

    server.resume();
    // Both instances' workers find the same messages due at once.
    a.clock.advance(31);
    b.clock.advance(31);
    for address in &addresses {
        mail_for(server.sink(), address, "Welcome to").await;
    }
    // Past any lease, in case one was left behind.
    tokio::time::sleep(Duration::from_millis(500)).await;
    a.clock.advance(600);
    b.clock.advance(600);
    tokio::time::sleep(Duration::from_millis(800)).await;
    for address in &addresses {
        assert_eq!(
            count_to(server.sink(), address, "Welcome to"),
            1,
            "{address}: exactly once"
        );
    }
}

#[actix_rt::test]
async fn outage_loses_nothing_and_sends_once_on_sqlite() {
    outage_loses_nothing_and_sends_once(sqlite()).await;
}

#[actix_rt::test]
async fn outage_loses_nothing_and_sends_once_on_mongo() {
    outage_loses_nothing_and_sends_once(Db::Mongo(with_database(&mongo_uri(), &unique("outage")))).await;
}

/// An app's template of the same name replaces the bundled one.
#[actix_rt::test]
async fn an_app_template_overrides_the_bundled_one() {
    let folder = std::env::temp_dir().join(unique("mail-templates"));
    std::fs::create_dir_all(folder.join("user/emails")).unwrap();
    std::fs::write(
        folder.join("user/emails/registered_subject.txt"),
        "Hello from {{ app_name }}'s own template\n",
    )
    .unwrap();
    let sink = smtp_sink();
    let vars = env(
        &shared_sink_url(),
        &[
            ("APP_TEMPLATE_FOLDER", folder.to_str().unwrap()),
            ("USER_APP_NAME", "Notes"),
        ],
    );
    let h = start(&sqlite(), &pairs(&vars)).await;
    let address = format!("{}@example.com", unique("own"));
    register(&h.app, &address, &unique("ow")).await;
    let mail = mail_for(&sink, &address, "Hello from Notes's own template").await;
    assert!(
        mail.text().unwrap().contains("Your account"),
        "the bundled message part stays"
    );
}

/// Without `[app] public_url` no mail can carry a link: forgot-password is
/// not mounted, and confirmation, invitations and added addresses refuse
/// to start.
#[actix_rt::test]
async fn links_need_a_public_url() {
    let h = start(&sqlite(), &FAST_HASHING).await;
    let answer = api_post(
        &h.app,
        "/user/forgot-password",
        None,
        json!({"email": "a@example.com"}),
    )
    .await;
    assert_eq!(answer.status, 404);
    let config = common::config(&sqlite(), &[("USER_ENABLE_CONFIRM_EMAIL", "true")]);
    let failed = ext_core::AppBuilder::new(config)
        .register(ext_orm::Orm::new())
        .register(ext_core::session::Sessions::new())
        .register(ext_core::session::Csrf::new())
        .register(ext_user::Users::new())
        .init()
        .await
        .expect_err("confirmation without a public URL");
    assert!(failed.to_string().contains("public_url"), "{failed}");
    for key in ["USER_ENABLE_INVITE_USER", "USER_ENABLE_MULTIPLE_EMAILS"] {
        let config = common::config(&sqlite(), &[(key, "true")]);
        let failed = ext_core::AppBuilder::new(config)
            .register(ext_orm::Orm::new())
            .register(ext_core::session::Sessions::new())
            .register(ext_core::session::Csrf::new())
            .register(ext_user::Users::new())
            .init()
            .await
            .expect_err(key);
        assert!(failed.to_string().contains("public_url"), "{key}: {failed}");
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// E3: forgot-password takes as long for an account as for an unknown
/// address (the lookup and the enqueueing happen after the answer):
/// medians within 10% over 150 interleaved requests each, on PostgreSQL,
/// where a write is a commit (on SQLite an enqueued mail costs too little
/// to tell). Mail goes to a folder here, and the limits are raised so
/// that every request counts.
#[actix_rt::test]
async fn forgot_takes_as_long_for_every_address() {
    let db = ScratchDatabase::create(Server::Postgres).await;
    let folder = std::env::temp_dir().join(unique("mail-folder"));
    let mut vars = env(
        "",
        &[
            ("USER_MAIL_PER_ADDRESS", "1000"),
            ("USER_MAIL_PER_CLIENT", "1000"),
        ],
    );
    vars.retain(|(key, _)| key != "USER_MAIL_URL");
    vars.push(("USER_MAIL_FOLDER".into(), folder.display().to_string()));
    let h = start(&Db::Sql(db.url.clone()), &pairs(&vars)).await;
    let known = format!("{}@example.com", unique("timed"));
    register(&h.app, &known, &unique("ti")).await;
    let unknown = format!("{}@example.com", unique("timed-none"));
    let (mut for_known, mut for_unknown) = (Vec::new(), Vec::new());
    for round in 0..150 {
        let mut pair = [(&known, &mut for_known), (&unknown, &mut for_unknown)];
        if round % 2 == 1 {
            pair.reverse();
        }
        for (address, samples) in pair {
            let started = std::time::Instant::now();
            let answer = api_post(&h.app, "/user/forgot-password", None, json!({"email": address})).await;
            samples.push(started.elapsed());
            assert_eq!(answer.status, 202, "round {round}: {}", answer.body);
        }
    }
    let (known_median, unknown_median) = (median(for_known), median(for_unknown));
    let ratio = known_median.as_secs_f64() / unknown_median.as_secs_f64();
    assert!(
        (0.9..=1.1).contains(&ratio),
        "E3: account {known_median:?} vs unknown {unknown_median:?}: {ratio:.3}"
    );
    // The account's mail was written (so the slow path did run).
    let deadline = tokio::time::Instant::now() + WAIT;
    while std::fs::read_dir(&folder).map_or(0, Iterator::count) < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no mail in {}",
            folder.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = std::fs::remove_dir_all(&folder);
    db.drop_now().await;
}

/// L6 with `allow_login_without_confirmed_email`: an unconfirmed user
/// signs in, but reaches only the routes that allow it
/// (`login_required().allow_unconfirmed_email()`); sign-out works; once
/// confirmed, everything does.
async fn unconfirmed_users_reach_allowed_routes_only(db: Db) {
    let sink = smtp_sink();
    let vars = env(
        &shared_sink_url(),
        &[
            ("USER_ENABLE_CONFIRM_EMAIL", "true"),
            ("USER_ALLOW_LOGIN_WITHOUT_CONFIRMED_EMAIL", "true"),
        ],
    );
    let h = start(&db, &pairs(&vars)).await;
    let address = format!("{}@example.com", unique("early"));
    let name = unique("ea");
    register(&h.app, &address, &name).await;
    let mut browser = signed_in(&h.app, &name).await;
    for path in ["/private", "/account", "/user/me"] {
        let refused = browser.get(&h.app, path).await;
        assert_eq!(refused.status, 403, "L6: {path}: {}", refused.body);
        assert_eq!(
            refused.json()["type"],
            "urn:actix-flask-ext:problem:email-unconfirmed"
        );
    }
    assert_eq!(
        browser.get(&h.app, "/welcome").await.status,
        200,
        "allowed while unconfirmed"
    );
    let mail = mail_for(&sink, &address, "Confirm your email").await;
    let (path, _) = link(&mail, "/user/confirm-email/");
    assert_eq!(Browser::new().post(&h.app, &path, json!({})).await.status, 200);
    assert_eq!(browser.get(&h.app, "/private").await.status, 200, "confirmed");
    assert_eq!(
        browser.post(&h.app, "/user/sign-out", json!({})).await.status,
        204
    );
}

#[actix_rt::test]
async fn unconfirmed_users_reach_allowed_routes_only_on_sqlite() {
    unconfirmed_users_reach_allowed_routes_only(sqlite()).await;
}

#[actix_rt::test]
async fn unconfirmed_users_reach_allowed_routes_only_on_mongo() {
    unconfirmed_users_reach_allowed_routes_only(Db::Mongo(with_database(&mongo_uri(), &unique("early"))))
        .await;
}

/// Change email: the password is required (L2); the link goes to the new
/// address and changes nothing on GET (T6); following it moves the
/// account, revokes its tokens (J6), voids links sent to the old address
/// (T5) and tells the old address (L3, L4); sign-in then takes the new
/// address only.
async fn change_email(db: Db) {
    let sink = smtp_sink();
    let vars = env(&shared_sink_url(), &[]);
    let h = start(&db, &pairs(&vars)).await;
    let old = format!("{}@example.com", unique("move-old"));
    let new = format!("{}@example.com", unique("move-new"));
    let name = unique("mo");
    register(&h.app, &old, &name).await;
    let (stale_reset, _) = reset_link(&h.app, &sink, &old).await;
    let mut browser = signed_in(&h.app, &name).await;
    let (access, _) = tokens_for(&h.app, &name).await;

    let unsure = browser
        .post(
            &h.app,
            "/user/change-email",
            json!({"new_email": new, "password": "not the password"}),
        )
        .await;
    assert_eq!(
        (unsure.status, unsure.json()["field"].as_str()),
        (422, Some("password")),
        "L2: {}",
        unsure.body
    );
    let asked = browser
        .post(
            &h.app,
            "/user/change-email",
            json!({"new_email": new, "password": PASSWORD}),
        )
        .await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    let mail = mail_for(&sink, &new, "Confirm your new email").await;
    let (path, _) = link(&mail, "/user/change-email/");
    for _ in 0..3 {
        let seen = Browser::new().get(&h.app, &path).await;
        assert_eq!(seen.status, 200, "{}", seen.body);
        assert_eq!(seen.json()["email"], new.as_str());
        assert_link_headers(&seen);
    }
    let still = h.manager.find(&name).await.unwrap().unwrap();
    assert_eq!(
        still.email.as_deref(),
        Some(old.as_str()),
        "T6: GET moved nothing"
    );

    let moved = Browser::new().post(&h.app, &path, json!({})).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.json()["user"]["email"], new.as_str());
    assert_eq!(
        Browser::new().post(&h.app, &path, json!({})).await.status,
        400,
        "T2"
    );
    assert_eq!(
        common::bearer_get(&h.app, "/user/me", &access).await.status,
        401,
        "J6: an email change revokes tokens"
    );
    assert_eq!(
        Browser::new().get(&h.app, &stale_reset).await.status,
        400,
        "T5: a link to the old address"
    );
    let notice = mail_for(&sink, &old, "was changed").await;
    assert!(
        notice.text().unwrap().contains(&new),
        "L4: the old address is told where"
    );
    let by_old = Browser::new()
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": old, "password": PASSWORD}),
        )
        .await;
    assert_eq!(by_old.status, 401);
    let by_new = Browser::new()
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": new, "password": PASSWORD}),
        )
        .await;
    assert_eq!(by_new.status, 200, "{}", by_new.body);
    assert!(
        by_new.json()["user"]["email_confirmed_at"].is_number(),
        "the link confirmed it"
    );
    assert_eq!(
        browser.get(&h.app, "/private").await.status,
        200,
        "this session goes on"
    );

    // Another account's address: the same answer, and no mail.
    let other = format!("{}@example.com", unique("taken"));
    register(&h.app, &other, &unique("ot")).await;
    let mut browser = signed_in(&h.app, &name).await;
    let taken = browser
        .post(
            &h.app,
            "/user/change-email",
            json!({"new_email": other, "password": PASSWORD}),
        )
        .await;
    assert_eq!((taken.status, &taken.body), (202, &asked.body));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(count_to(&sink, &other, "Confirm your new email"), 0);
}

#[actix_rt::test]
async fn change_email_on_sqlite() {
    change_email(sqlite()).await;
}

#[actix_rt::test]
async fn change_email_on_mongo() {
    change_email(Db::Mongo(with_database(&mongo_uri(), &unique("move")))).await;
}

/// Invites `address` as `inviter`; the token of the mailed link.
async fn invite<S>(app: &S, inviter: &mut Browser, sink: &SmtpSink, address: &str) -> String
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let asked = inviter.post(app, "/user/invite", json!({"email": address})).await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    let mail = mail_for(sink, address, "You are invited").await;
    let link = mail.link("/user/register?token=").unwrap();
    assert!(link.starts_with(PUBLIC), "T9: {link}");
    link.rsplit('=').next().unwrap().to_owned()
}

/// T10: with `require_invitation`, registering needs an invitation's
/// token, on the POST; it works once, for the invited address only, not
/// after it is revoked or expired (7 days); the invited address counts as
/// confirmed.
async fn invitations(db: Db) {
    let sink = smtp_sink();
    let vars = env(
        &shared_sink_url(),
        &[
            ("USER_ENABLE_INVITE_USER", "true"),
            ("USER_REQUIRE_INVITATION", "true"),
            ("USER_ENABLE_CONFIRM_EMAIL", "true"),
        ],
    );
    let h = start(&db, &pairs(&vars)).await;
    let host = unique("host");
    h.manager
        .create_user(ext_user::NewUser {
            email: Some(format!("{host}@example.com")),
            username: Some(host.clone()),
            password: ext_user::password::Password::new(PASSWORD.to_owned()),
            roles: Vec::new(),
            profile: serde_json::Map::new(),
        })
        .await
        .unwrap();
    let body = |email: &str, username: &str, token: Option<&str>| {
        let mut body =
            json!({"email": email, "username": username, "password": PASSWORD, "retype_password": PASSWORD});
        if let Some(token) = token {
            body["token"] = json!(token);
        }
        body
    };
    let guest = format!("{}@example.com", unique("guest"));
    let uninvited = Browser::new()
        .post(&h.app, "/user/register", body(&guest, &unique("g"), None))
        .await;
    assert_eq!(uninvited.status, 403, "T10: on the POST: {}", uninvited.body);
    assert_eq!(
        api_post(&h.app, "/user/invite", None, json!({"email": guest}))
            .await
            .status,
        401
    );

    let mut inviter = signed_in(&h.app, &host).await;
    let token = invite(&h.app, &mut inviter, &sink, &guest).await;
    let mail = mail_for(&sink, &guest, "You are invited").await;
    assert!(mail.text().unwrap().contains(&host), "names the inviter");
    let register_with = |email: &str, token: &str| {
        api_post(
            &h.app,
            "/user/register",
            None,
            body(email, &unique("r"), Some(token)),
        )
    };

    let elsewhere = format!("{}@example.com", unique("elsewhere"));
    let wrong = register_with(&elsewhere, &token).await;
    assert_eq!(
        (wrong.status, wrong.json()["field"].as_str()),
        (422, Some("email")),
        "T10: {}",
        wrong.body
    );
    let clash = api_post(&h.app, "/user/register", None, body(&guest, &host, Some(&token))).await;
    assert_eq!(clash.status, 409, "a taken username: {}", clash.body);
    let name = unique("gu");
    let joined = Browser::new()
        .post(
            &h.app,
            &format!("/user/register?token={token}"),
            body(&guest, &name, None),
        )
        .await;
    assert_eq!(joined.status, 202, "{}", joined.body);
    let signed = Browser::new()
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": name, "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        signed.status, 200,
        "the invitation confirmed the address: {}",
        signed.body
    );
    assert_eq!(register_with(&guest, &token).await.status, 400, "T10: once");

    // Revoked, then expired.
    let revoked = format!("{}@example.com", unique("revoked"));
    let token = invite(&h.app, &mut inviter, &sink, &revoked).await;
    assert_eq!(h.manager.revoke_invitation(&revoked).await.unwrap(), 1);
    assert_eq!(register_with(&revoked, &token).await.status, 400, "T10: revoked");
    let late = format!("{}@example.com", unique("late"));
    let token = invite(&h.app, &mut inviter, &sink, &late).await;
    h.clock.advance(7 * 86_400);
    assert_eq!(
        register_with(&late, &token).await.status,
        400,
        "T3: an invitation lasts 7 days"
    );
}

#[actix_rt::test]
async fn invitations_on_sqlite() {
    invitations(sqlite()).await;
}

#[actix_rt::test]
async fn invitations_on_mongo() {
    invitations(Db::Mongo(with_database(&mongo_uri(), &unique("invite")))).await;
}

/// Several addresses (`enable_multiple_emails`): adding one needs the
/// password (L2) and a mailed confirmation before it signs in or gets a
/// reset link (L3); then it does both, can be made primary (the old
/// address told, L4) and deleted; nobody else can register it.
async fn multiple_emails(db: Db) {
    let sink = smtp_sink();
    let vars = env(&shared_sink_url(), &[("USER_ENABLE_MULTIPLE_EMAILS", "true")]);
    let h = start(&db, &pairs(&vars)).await;
    let first = format!("{}@example.com", unique("first"));
    let second = format!("{}@example.com", unique("second"));
    let name = unique("mu");
    register(&h.app, &first, &name).await;
    let mut browser = signed_in(&h.app, &name).await;

    let unsure = browser
        .post(
            &h.app,
            "/user/manage-emails",
            json!({"email": second, "password": "not the password"}),
        )
        .await;
    assert_eq!(unsure.status, 422, "L2: {}", unsure.body);
    let added = browser
        .post(
            &h.app,
            "/user/manage-emails",
            json!({"email": second, "password": PASSWORD}),
        )
        .await;
    assert_eq!(added.status, 202, "{}", added.body);
    let mail = mail_for(&sink, &second, "Confirm your email").await;
    let (confirm, _) = link(&mail, "/user/confirm-email/");

    // L3: unconfirmed, it neither signs in nor gets a reset link.
    let early = Browser::new()
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": second, "password": PASSWORD}),
        )
        .await;
    assert_eq!(early.status, 401, "L3");
    assert_eq!(
        api_post(&h.app, "/user/forgot-password", None, json!({"email": second}))
            .await
            .status,
        202
    );
    let listed = browser.get(&h.app, "/user/manage-emails").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let emails = listed.json()["emails"].as_array().unwrap().clone();
    assert_eq!(emails.len(), 2);
    assert!(emails[1]["confirmed_at"].is_null());
    let second_id = emails[1]["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        count_to(&sink, &second, "Reset your password"),
        0,
        "L3: no reset to an unconfirmed address"
    );

    assert_eq!(Browser::new().post(&h.app, &confirm, json!({})).await.status, 200);
    let by_second = Browser::new()
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": second, "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        by_second.status, 200,
        "confirmed, it signs in: {}",
        by_second.body
    );
    let (reset, _) = reset_link(&h.app, &sink, &second).await;
    let done = Browser::new()
        .post(
            &h.app,
            &reset,
            json!({"new_password": NEW_PASSWORD, "retype_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);

    let mut browser = Browser::new();
    let signed = browser
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": first, "password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(signed.status, 200);
    let unconfirmed_primary = browser
        .post(
            &h.app,
            &format!("/user/email/{second_id}/make-primary"),
            json!({"password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(unconfirmed_primary.status, 200, "{}", unconfirmed_primary.body);
    assert_eq!(unconfirmed_primary.json()["user"]["email"], second.as_str());
    let notice = mail_for(&sink, &first, "email address of your").await;
    assert!(notice.text().unwrap().contains(&second), "L4");
    let emails = browser.get(&h.app, "/user/manage-emails").await.json()["emails"].clone();
    assert_eq!(emails[0]["email"], second.as_str());
    assert_eq!(emails[1]["email"], first.as_str());
    assert!(
        emails[1]["confirmed_at"].is_number(),
        "the old primary stays, confirmed"
    );
    let first_id = emails[1]["id"].as_str().unwrap().to_owned();

    let other = Browser::new()
        .post(
            &h.app,
            "/user/register",
            json!({"email": first, "username": unique("thief"), "password": PASSWORD, "retype_password": PASSWORD}),
        )
        .await;
    assert_eq!(other.status, 202, "E5: the same answer");
    let as_other = Browser::new()
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": first, "password": PASSWORD}),
        )
        .await;
    assert_eq!(as_other.status, 401, "no second account has the address");

    let deleted = browser
        .post(
            &h.app,
            &format!("/user/email/{first_id}/delete"),
            json!({"password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    let gone = Browser::new()
        .post(
            &h.app,
            "/user/sign-in",
            json!({"login": first, "password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(gone.status, 401, "a deleted address no longer signs in");
    let get_action = browser
        .get(&h.app, &format!("/user/email/{second_id}/delete"))
        .await;
    assert_eq!(get_action.status, 405, "C1");
}

#[actix_rt::test]
async fn multiple_emails_on_sqlite() {
    multiple_emails(sqlite()).await;
}

#[actix_rt::test]
async fn multiple_emails_on_mongo() {
    multiple_emails(Db::Mongo(with_database(&mongo_uri(), &unique("multi")))).await;
}

/// P7 for the email flows: across forgot → mail → reset, the logs hold
/// neither the token nor the new password, and an SMTP URL's password is
/// in no `Debug`.
#[actix_rt::test]
async fn mail_secrets_stay_out_of_logs_and_debug() {
    let captured = common::Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let sink = smtp_sink();
    let vars = env(&shared_sink_url(), &[]);
    let h = start(&sqlite(), &pairs(&vars)).await;
    let address = format!("{}@example.com", unique("quiet"));
    register(&h.app, &address, &unique("qu")).await;
    let (path, token) = reset_link(&h.app, &sink, &address).await;
    let reset = Browser::new()
        .post(
            &h.app,
            &path,
            json!({"new_password": NEW_PASSWORD, "retype_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(reset.status, 200);
    let logs = captured.text();
    assert!(logs.contains("mail sent"), "the worker logged: {logs}");
    assert!(!logs.contains(&token), "P7: the token is in the logs");
    assert!(!logs.contains(NEW_PASSWORD), "P7: the password is in the logs");

    let vars = env("smtp://mailer:s3cret-pass@127.0.0.1:1", &[]);
    let h = start(&sqlite(), &pairs(&vars)).await;
    let shown = format!("{:?} {:?}", h.manager, h.manager.settings());
    assert!(!shown.contains("s3cret-pass"), "P7: {shown}");
}
