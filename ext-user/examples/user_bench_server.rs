//! Servers for `scripts/bench-user.sh`: the same app (ext-orm on SQLite,
//! cookie sessions, CSRF, ext-user), serving `GET /hello` either plainly or
//! for the signed-in user only (by session cookie or access token), and a
//! raw argon2id rate for comparison.
//!
//! ```text
//! user_bench_server plain|signed-in ADDRESS DATABASE_FILE
//! user_bench_server hash-rate SECONDS     # prints verifications per second
//! ```

#![allow(clippy::print_stdout)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{web, HttpResponse, HttpServer};
use ext_core::session::{Csrf, Sessions};
use ext_core::{AppBuilder, Config, ExtApp};
use ext_user::password::{HashSettings, Password, Passwords};
use ext_user::{CurrentUser, Users};

fn config(database: &str) -> std::io::Result<Config> {
    Config::builder()
        .no_file()
        .env_vars([
            ("SECRET_KEY", "a bench secret of at least thirty-two bytes"),
            ("SESSION_COOKIE_SECURE", "false"),
            ("SESSION_COOKIE_NAME", "session"),
            (
                "SQLALCHEMY_DATABASE_URI",
                &format!("sqlite:///{database}?mode=rwc"),
            ),
            // The load comes from one address and signs in without pause.
            ("USER_CLIENT_ATTEMPTS", "100000000"),
            ("USER_REQUIRE_RETYPE_PASSWORD", "false"),
            // One token lasts the whole run.
            ("USER_ACCESS_TOKEN_SECS", "86400"),
        ])
        .build()
        .map_err(std::io::Error::other)
}

async fn serve(ext: ExtApp, address: &str, signed_in: bool) -> std::io::Result<()> {
    let factory = ext.clone();
    let server = HttpServer::new(move || {
        let app = factory.app();
        if signed_in {
            app.route(
                "/hello",
                web::get().to(|user: CurrentUser| async move {
                    HttpResponse::Ok().body(format!("hello {}", user.id))
                }),
            )
        } else {
            app.route(
                "/hello",
                web::get().to(|| async { HttpResponse::Ok().body("hello") }),
            )
        }
    })
    .workers(1)
    .bind(address)?
    .run();
    ext.run(server).await
}

/// Verifications per second on every core at the default parameters.
fn hash_rate(seconds: u64) -> std::io::Result<()> {
    let passwords = Passwords::new(&HashSettings::default()).map_err(std::io::Error::other)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let hash = runtime
        .block_on(passwords.hash(&Password::new("correct horse battery staple")))
        .map_err(std::io::Error::other)?;
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (passwords, hash, done, stop) = (
                Arc::clone(&passwords),
                hash.clone(),
                Arc::clone(&done),
                Arc::clone(&stop),
            );
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
                let Ok(runtime) = runtime else { return };
                while !stop.load(Ordering::Relaxed) {
                    let password = Password::new("correct horse battery staple");
                    if runtime.block_on(passwords.verify(&password, Some(&hash))).is_ok() {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        let _ = worker.join();
    }
    let rate = done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    println!("{rate:.1}");
    Ok(())
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("hash-rate") => hash_rate(args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5)),
        _ => actix_web::rt::System::new().block_on(server(args)),
    }
}

async fn server(args: Vec<String>) -> std::io::Result<()> {
    match args.first().map(String::as_str) {
        Some(kind @ ("plain" | "signed-in")) => {
            let address = args.get(1).map_or("127.0.0.1:18100", String::as_str);
            let database = args.get(2).map_or("/tmp/user-bench.db", String::as_str);
            let ext = AppBuilder::new(config(database)?)
                .register(ext_orm::Orm::new())
                .register(Sessions::new())
                .register(Csrf::new())
                .register(Users::new())
                .init()
                .await
                .map_err(std::io::Error::other)?;
            serve(ext, address, kind == "signed-in").await
        }
        _ => Err(std::io::Error::other(
            "use: user_bench_server plain|signed-in ADDRESS DATABASE | hash-rate SECONDS",
        )),
    }
}
