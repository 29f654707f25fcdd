//! What a password check costs while Flask-User's bcrypt hashes remain in
//! the store: checks per second of the same `Passwords`, side by side in
//! one run, for
//!
//! - an argon2id account with no bcrypt hash known (today's cost),
//! - an argon2id account, an unknown login and a bcrypt (cost 12) account
//!   while one is known (every check also runs one bcrypt, so that the
//!   three take the same time: E2).
//!
//! `cargo run --release -p ext-user --example password_checks [rounds] [checks-per-round]`
//! (default 5 rounds of 8 checks each; `scripts/bench-user.sh` does not
//! run it). Prints one line per case with the median rate and its ratio to
//! the first.

#![allow(clippy::print_stdout)] // a benchmark prints its figures

use std::time::Instant;

use ext_user::password::{HashSettings, Password, Passwords};

/// `correct horse battery staple`, hashed by passlib at cost 12 (Flask-User's
/// default).
const BCRYPT_12: &str = "$2b$12$MoFU9Kb5NDFJo2DdDi971uqNY8E1VtDhi4RDZjIl5GhN7aCPUhbRq";

#[actix_rt::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).map(|arg| arg.parse::<usize>());
    let rounds = args.next().transpose()?.unwrap_or(5);
    let per_round = args.next().transpose()?.unwrap_or(8);
    let settings = HashSettings {
        hash_concurrency: 1,
        ..HashSettings::default()
    };
    let plain = Passwords::new(&settings)?;
    let balanced = Passwords::new(&settings)?;
    balanced.expect_bcrypt(12);
    let wrong = Password::new("not the password at all");
    let argon = plain.hash(&Password::new("correct horse battery staple")).await?;
    let cases: [(&str, &std::sync::Arc<Passwords>, Option<&str>); 4] = [
        (
            "argon2id account, no bcrypt hash in the store",
            &plain,
            Some(&argon),
        ),
        (
            "argon2id account, bcrypt hashes in the store",
            &balanced,
            Some(&argon),
        ),
        ("unknown login, bcrypt hashes in the store", &balanced, None),
        ("bcrypt cost-12 account", &balanced, Some(BCRYPT_12)),
    ];
    let mut rates = vec![Vec::new(); cases.len()];
    for _ in 0..rounds {
        for (n, (_, passwords, stored)) in cases.iter().enumerate() {
            let started = Instant::now();
            for _ in 0..per_round {
                passwords.verify(&wrong, *stored).await?;
            }
            rates[n].push(per_round as f64 / started.elapsed().as_secs_f64());
        }
    }
    let medians: Vec<f64> = rates
        .iter_mut()
        .map(|rates| {
            rates.sort_by(f64::total_cmp);
            rates[rates.len() / 2]
        })
        .collect();
    for ((name, _, _), median) in cases.iter().zip(&medians) {
        println!(
            "{name}: {median:.1} checks/s, {:.3}× the first",
            median / medians[0]
        );
    }
    Ok(())
}
