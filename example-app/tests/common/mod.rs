//! The real example-app binary, started on its embedded defaults in a
//! folder of its own, for the tests that talk to it over a socket.

#![allow(dead_code)] // not every test binary uses every helper

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The binary with `env` on top of the embedded defaults (no app.toml, no
/// database or MongoDB from the test services' environment), listening on
/// a free port.
pub fn start(env: &[(&str, &str)]) -> Command {
    let dir = std::env::temp_dir().join(format!("example-app-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_example-app"));
    // A folder with no app.toml: the embedded defaults.
    command
        .current_dir(&dir)
        .env_remove("APP_CONFIG")
        // The embedded defaults: no database or MongoDB from the test
        // services' environment.
        .env_remove("DATABASE_URL")
        .env_remove("SQLALCHEMY_DATABASE_URI")
        .env_remove("MONGO_URI")
        .env("RUST_LOG", "info")
        .env("EXAMPLE_BIND", "127.0.0.1:0")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Reads the child's log until it says where it listens.
pub fn listening_address(child: &mut Child) -> String {
    listening_address_and_log(child).0
}

/// The lines the child logs from now on.
pub type Log = Arc<Mutex<Vec<String>>>;

/// [`listening_address`], and the log lines that follow, as they come.
pub fn listening_address_and_log(child: &mut Child) -> (String, Log) {
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some((_, rest)) = line.split_once("address=") {
            let address = rest.split_whitespace().next().unwrap().to_owned();
            // Keep draining the log so the child never blocks on a full pipe.
            let log = Log::default();
            let kept = Arc::clone(&log);
            std::thread::spawn(move || {
                for line in lines.map_while(Result::ok) {
                    kept.lock().unwrap().push(line);
                }
            });
            return (address, log);
        }
    }
    panic!("the app exited before it listened");
}

pub fn wait_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            panic!("the app did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
