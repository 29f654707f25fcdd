//! P6: password hashing never blocks the async executor. While 16 sign-ins
//! hash, a heartbeat task on the same (single-threaded) runtime keeps
//! ticking: its longest gap stays well under the time of one hash,
//! measured in the same run. Hashing inline would stall it for a whole
//! hash at a time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{register, sqlite, start, Browser, PASSWORD};
use ext_user::password::Password;
use serde_json::json;

#[actix_rt::test]
async fn sign_ins_hash_off_the_executor() {
    // RFC 9106's second recommendation: slow enough to see a stall.
    let env = [("USER_HASH_MEMORY_KIB", "65536"), ("USER_HASH_ITERATIONS", "3")];
    let h = start(&sqlite(), &env).await;
    for n in 0..4 {
        register(&h.app, &format!("sam{n}@example.com"), &format!("sam{n}")).await;
    }
    let started = Instant::now();
    h.manager
        .passwords()
        .hash(&Password::new(PASSWORD))
        .await
        .unwrap();
    let one_hash = started.elapsed();

    let running = Rc::new(AtomicBool::new(true));
    let beating = Rc::clone(&running);
    let heartbeat = actix_rt::spawn(async move {
        let mut longest = Duration::ZERO;
        let mut last = Instant::now();
        while beating.load(Ordering::SeqCst) {
            actix_rt::time::sleep(Duration::from_millis(1)).await;
            longest = longest.max(last.elapsed());
            last = Instant::now();
        }
        longest
    });
    let app = Rc::new(h.app);
    let sign_ins: Vec<_> = (0..16)
        .map(|n| {
            let app = Rc::clone(&app);
            async move {
                // One attempt per account, so that the throttle stays out of
                // it: four right passwords, twelve unknown logins.
                let (login, password) = match n {
                    0..4 => (format!("sam{n}"), PASSWORD),
                    _ => (format!("nobody{n}"), "wrong password"),
                };
                Browser::new()
                    .post(
                        &*app,
                        "/user/sign-in",
                        json!({"login": login, "password": password}),
                    )
                    .await
                    .status
            }
        })
        .collect();
    let statuses = futures_util::future::join_all(sign_ins).await;
    running.store(false, Ordering::SeqCst);
    let longest = heartbeat.await.unwrap();
    assert_eq!(
        statuses.iter().filter(|status| **status == 200).count(),
        4,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|status| **status == 401).count(),
        12,
        "{statuses:?}"
    );
    assert!(
        longest < one_hash / 2,
        "the executor stalled for {longest:?}; one hash takes {one_hash:?}"
    );
}
