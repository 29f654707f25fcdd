//! Flask-User's customisation points: a password and a username validator,
//! an app's own mail transport, the events Flask-User signals
//! (`user_forgot_password`, `user_sent_invitation`, `user_registered` with
//! its invitation), and its registration settings
//! (`USER_AUTO_LOGIN_AFTER_REGISTER`, `USER_SEND_REGISTERED_EMAIL`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{register, signed_in, sqlite, start_with, Browser, FAST_HASHING, PASSWORD};
use ext_tests::services::ReceivedMail;
use ext_user::{MailMessage, MailTransport, UserEvent, Users};
use serde_json::json;

const PUBLIC: &str = "https://notes.example.test";

/// Keeps every message it is given.
#[derive(Clone, Default)]
struct Kept(Arc<Mutex<Vec<ReceivedMail>>>);

impl MailTransport for Kept {
    type Error = std::io::Error;

    async fn send(&self, message: MailMessage) -> Result<(), Self::Error> {
        let raw = String::from_utf8(message.formatted()).map_err(std::io::Error::other)?;
        self.0.lock().unwrap().push(ReceivedMail {
            path: "kept".into(),
            raw,
        });
        Ok(())
    }
}

impl Kept {
    /// The messages to `to` so far, once at least `count` have come
    /// (15 s at most).
    async fn to(&self, to: &str, count: usize) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let mail: Vec<ReceivedMail> = self
                .0
                .lock()
                .unwrap()
                .iter()
                .filter(|mail| mail.to().is_some_and(|address| address.contains(to)))
                .cloned()
                .collect();
            if mail.len() >= count || Instant::now() > deadline {
                return mail;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Fast hashing, the public URL, the outbox polled often, then `more`.
fn env<'a>(more: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut env = FAST_HASHING.to_vec();
    env.push(("APP_PUBLIC_URL", PUBLIC));
    env.push(("USER_MAIL_POLL_MS", "20"));
    env.extend_from_slice(more);
    env
}

#[actix_rt::test]
async fn a_password_validator_adds_to_the_policy() {
    let users = Users::new().password_validator(|password| {
        if password.contains("notes") {
            return Err("must not contain the app's name".to_owned());
        }
        Ok(())
    });
    let h = start_with(&sqlite(), &FAST_HASHING, users).await;
    let refused = Browser::new()
        .post(
            &h.app,
            "/user/register",
            json!({"email": "a@example.com", "username": "ann", "password": "my notes passphrase", "retype_password": "my notes passphrase"}),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.json()["field"], "password");
    assert!(
        refused.body.contains("must not contain the app's name"),
        "{}",
        refused.body
    );
    assert!(h.manager.find("ann").await.unwrap().is_none());
    // The built-in policy still applies where the app's rule passes.
    let common = Browser::new()
        .post(
            &h.app,
            "/user/register",
            json!({"email": "a@example.com", "username": "ann", "password": "password123", "retype_password": "password123"}),
        )
        .await;
    assert_eq!(common.status, 422);
    assert!(common.body.contains("most common"), "{}", common.body);
    // And on a change of password.
    register(&h.app, "b@example.com", "bea").await;
    let mut bea = signed_in(&h.app, "bea").await;
    let change = bea
        .post(
            &h.app,
            "/user/change-password",
            json!({"old_password": PASSWORD, "new_password": "notes notes notes", "retype_password": "notes notes notes"}),
        )
        .await;
    assert_eq!(change.status, 422, "{}", change.body);
    assert_eq!(change.json()["field"], "new_password");
}

#[actix_rt::test]
async fn a_username_validator_refuses_what_the_app_reserves() {
    let users = Users::new().username_validator(|name| match name.to_lowercase().as_str() {
        "admin" | "root" => Err("is reserved".to_owned()),
        _ => Ok(()),
    });
    let h = start_with(&sqlite(), &FAST_HASHING, users).await;
    let refused = Browser::new()
        .post(
            &h.app,
            "/user/register",
            json!({"email": "a@example.com", "username": "Admin", "password": PASSWORD, "retype_password": PASSWORD}),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.json()["field"], "username");
    assert!(refused.body.contains("is reserved"));
    register(&h.app, "c@example.com", "cal").await;
    let mut cal = signed_in(&h.app, "cal").await;
    let rename = cal
        .post(
            &h.app,
            "/user/change-username",
            json!({"new_username": "root", "old_password": PASSWORD}),
        )
        .await;
    assert_eq!(rename.status, 422, "{}", rename.body);
    assert_eq!(rename.json()["field"], "new_username");
}

#[actix_rt::test]
async fn mail_goes_through_the_apps_own_transport() {
    let kept = Kept::default();
    let users = Users::new().mail_transport(kept.clone());
    let h = start_with(&sqlite(), &env(&[("USER_ENABLE_CONFIRM_EMAIL", "true")]), users).await;
    register(&h.app, "dan@example.com", "dan").await;
    let mail = kept.to("dan@example.com", 1).await;
    assert_eq!(mail.len(), 1, "the confirmation, through the app's transport");
    assert!(
        mail[0].link("/user/confirm-email/").is_some(),
        "{:?}",
        mail[0].text()
    );
}

#[actix_rt::test]
async fn an_own_transport_and_a_mail_url_clash_at_start_up() {
    let config = common::config(&sqlite(), &env(&[("USER_MAIL_URL", "smtp://127.0.0.1:25")]));
    let error = ext_core::AppBuilder::new(config)
        .register(ext_orm::Orm::new())
        .register(ext_core::session::Sessions::new())
        .register(ext_core::session::Csrf::new())
        .register(Users::new().mail_transport(Kept::default()))
        .init()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("user.mail_url"), "{error}");
}

#[actix_rt::test]
async fn forgot_password_invitations_and_invited_registrations_are_events() {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let events = Arc::clone(&seen);
    let kept = Kept::default();
    let users = Users::new().mail_transport(kept.clone()).on_event(move |event| {
        let line = match event {
            UserEvent::ForgotPassword(user) => format!("forgot {}", user.username.clone().unwrap()),
            UserEvent::SentInvitation { user, email } => {
                format!("invited {email} by {}", user.username.clone().unwrap())
            }
            UserEvent::Registered { user, invitation } => format!(
                "registered {} invited by {:?} to {:?}",
                user.username.clone().unwrap(),
                invitation.map(|invitation| invitation.invited_by.to_owned()),
                invitation.map(|invitation| invitation.email.to_owned()),
            ),
            _ => return,
        };
        events.lock().unwrap().push(line);
    });
    let h = start_with(&sqlite(), &env(&[("USER_ENABLE_INVITE_USER", "true")]), users).await;
    register(&h.app, "eve@example.com", "eve").await;
    let eve_id = h.manager.find("eve").await.unwrap().unwrap().id;

    for address in ["eve@example.com", "nobody@example.com"] {
        let answer = Browser::new()
            .post(&h.app, "/user/forgot-password", json!({"email": address}))
            .await;
        assert_eq!(answer.status, 202);
    }
    assert_eq!(kept.to("eve@example.com", 2).await.len(), 2, "welcome and reset");

    let mut eve = signed_in(&h.app, "eve").await;
    let invited = eve
        .post(&h.app, "/user/invite", json!({"email": "Fay@example.com"}))
        .await;
    assert_eq!(invited.status, 202, "{}", invited.body);
    let invitation = kept.to("Fay@example.com", 1).await;
    let link = invitation[0].link("/user/register").unwrap();
    let token = link.split("token=").nth(1).unwrap().to_owned();
    // The mailed link opens a page that answers (not a POST-only 405),
    // describing the invitation, and changes nothing.
    let path = link.strip_prefix(PUBLIC).unwrap();
    for _ in 0..2 {
        let described = Browser::new().get(&h.app, path).await;
        assert_eq!(described.status, 200, "{}", described.body);
        assert_eq!(described.json()["purpose"], "invite");
        assert_eq!(described.json()["email"], "Fay@example.com");
        assert_eq!(described.header("referrer-policy"), Some("no-referrer"));
    }
    let spent = Browser::new().get(&h.app, "/user/register?token=AAAA").await;
    assert_eq!(spent.status, 400);
    let joined = Browser::new()
        .post(
            &h.app,
            "/user/register",
            json!({"email": "fay@example.com", "username": "fay", "password": PASSWORD, "retype_password": PASSWORD, "token": token}),
        )
        .await;
    assert_eq!(joined.status, 202, "{}", joined.body);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            "registered eve invited by None to None".to_owned(),
            "forgot eve".to_owned(),
            "invited Fay@example.com by eve".to_owned(),
            format!("registered fay invited by Some({eve_id:?}) to Some(\"Fay@example.com\")"),
        ]
    );
}

#[actix_rt::test]
async fn auto_login_after_register_signs_in_an_account_that_may_sign_in() {
    let h = start_with(
        &sqlite(),
        &env(&[("USER_AUTO_LOGIN_AFTER_REGISTER", "true")]),
        Users::new().mail_transport(Kept::default()),
    )
    .await;
    let mut browser = Browser::new();
    let answer = browser
        .post(
            &h.app,
            "/user/register",
            json!({"email": "gus@example.com", "username": "gus", "password": PASSWORD, "retype_password": PASSWORD}),
        )
        .await;
    assert_eq!(answer.status, 202);
    assert_eq!(browser.get(&h.app, "/private").await.status, 200, "signed in");

    // Not while the address waits for its confirmation.
    let confirming = start_with(
        &sqlite(),
        &env(&[
            ("USER_AUTO_LOGIN_AFTER_REGISTER", "true"),
            ("USER_ENABLE_CONFIRM_EMAIL", "true"),
        ]),
        Users::new().mail_transport(Kept::default()),
    )
    .await;
    let mut browser = Browser::new();
    browser
        .post(
            &confirming.app,
            "/user/register",
            json!({"email": "hal@example.com", "username": "hal", "password": PASSWORD, "retype_password": PASSWORD}),
        )
        .await;
    assert_eq!(browser.get(&confirming.app, "/private").await.status, 401);

    // And by default, as E5 asks, no registration signs in.
    let plain = start_with(&sqlite(), &env(&[]), Users::new().mail_transport(Kept::default())).await;
    let mut browser = Browser::new();
    browser
        .post(
            &plain.app,
            "/user/register",
            json!({"email": "ida@example.com", "username": "ida", "password": PASSWORD, "retype_password": PASSWORD}),
        )
        .await;
    assert_eq!(browser.get(&plain.app, "/private").await.status, 401);
}

/// `USER_SEND_REGISTERED_EMAIL = false` drops the welcome, never the
/// confirmation (in Flask-User the welcome carries the confirmation link,
/// so there it leaves new users unable to confirm).
#[actix_rt::test]
async fn send_registered_email_false_keeps_the_confirmation() {
    for (confirm, send_registered, expected) in [
        ("true", "false", Some("/user/confirm-email/")),
        ("false", "false", None),
        ("false", "true", Some("")),
    ] {
        let kept = Kept::default();
        let h = start_with(
            &sqlite(),
            &env(&[
                ("USER_ENABLE_CONFIRM_EMAIL", confirm),
                ("USER_SEND_REGISTERED_EMAIL", send_registered),
            ]),
            Users::new().mail_transport(kept.clone()),
        )
        .await;
        register(&h.app, "jo@example.com", "jo_").await;
        match expected {
            None => {
                // Give the worker time to send what it would.
                tokio::time::sleep(Duration::from_millis(500)).await;
                assert!(kept.0.lock().unwrap().is_empty(), "confirm {confirm}");
            }
            Some(link) => {
                let mail = kept.to("jo@example.com", 1).await;
                assert_eq!(mail.len(), 1, "confirm {confirm}, registered {send_registered}");
                if !link.is_empty() {
                    assert!(mail[0].link(link).is_some(), "{:?}", mail[0].text());
                }
            }
        }
    }
}
