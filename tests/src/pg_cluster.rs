//! A PostgreSQL server of a test's own, to stop and start again: outage
//! tests cannot stop the shared server that every other test uses.
//!
//! It uses the machine's PostgreSQL binaries (`initdb`, `pg_ctl`); as root
//! they run as the `postgres` user, as PostgreSQL requires.

use std::path::PathBuf;
use std::process::Command;

use crate::process::free_port;

/// A throwaway cluster on a free loopback port, removed on drop.
#[derive(Debug)]
pub struct PgCluster {
    dir: PathBuf,
    port: u16,
}

fn as_postgres(program: &str, args: &[&str]) -> Command {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|out| out.stdout.starts_with(b"0\n"))
        .unwrap_or(false);
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--", program]).args(args);
        command
    } else {
        let mut command = Command::new(program);
        command.args(args);
        command
    }
}

fn run(mut command: Command, what: &str) {
    let output = command.output().unwrap_or_else(|error| {
        panic!("PostgreSQL's {what} could not run ({error}): is PostgreSQL installed?")
    });
    assert!(
        output.status.success(),
        "PostgreSQL's {what} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A new, empty folder of this process's own (mode 0700), as `mktemp -d`
/// makes: never one that already existed, so nothing planted there is used
/// or deleted.
fn fresh_dir(port: u16) -> std::path::PathBuf {
    use std::os::unix::fs::DirBuilderExt;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    for attempt in 0..100u32 {
        let dir = std::env::temp_dir().join(format!(
            "ext-pg-cluster-{}-{port}-{nanos}-{attempt}",
            std::process::id()
        ));
        if std::fs::DirBuilder::new().mode(0o700).create(&dir).is_ok() {
            return dir;
        }
    }
    panic!(
        "no fresh folder for a PostgreSQL cluster under {}",
        std::env::temp_dir().display()
    );
}

impl PgCluster {
    /// Creates and starts a cluster (about a second).
    pub fn start() -> PgCluster {
        let port = free_port();
        let dir = fresh_dir(port);
        let _ = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&dir)
            .output();
        let data = dir.to_string_lossy().into_owned();
        run(
            as_postgres(
                "initdb",
                &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync"],
            ),
            "initdb",
        );
        let cluster = PgCluster { dir, port };
        cluster.resume();
        cluster
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server at once, as a crash or an outage would.
    pub fn stop(&self) {
        let data = self.dir.to_string_lossy().into_owned();
        run(
            as_postgres("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]),
            "pg_ctl stop",
        );
    }

    /// Starts the server again and waits until it accepts connections.
    pub fn resume(&self) {
        let data = self.dir.to_string_lossy().into_owned();
        let log = self.dir.join("server.log").to_string_lossy().into_owned();
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port, data
        );
        run(
            as_postgres(
                "pg_ctl",
                &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
            ),
            "pg_ctl start",
        );
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.to_string_lossy().into_owned();
        let _ = as_postgres("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
