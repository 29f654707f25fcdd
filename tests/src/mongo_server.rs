//! A MongoDB-wire server of a test's own (`secantusd-py`, in memory), to
//! stop and start again: outage tests cannot stop the shared one.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::services::services_venv;

/// A `secantusd-py` on a free loopback port, killed on drop.
#[derive(Debug)]
pub struct MongoServer {
    port: u16,
    child: Option<Child>,
}

impl MongoServer {
    /// Starts one and waits until it accepts connections.
    pub fn start() -> MongoServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut server = MongoServer { port, child: None };
        server.resume();
        server
    }

    /// Its URI, with database `db`.
    pub fn uri(&self, db: &str) -> String {
        format!("mongodb://127.0.0.1:{}/{db}", self.port)
    }

    /// Kills the server, as an outage would (its in-memory data is lost).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port.
    pub fn resume(&mut self) {
        let binary = services_venv().join("bin/secantusd-py");
        let child = Command::new(&binary)
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &self.port.to_string(),
                "--storage-path",
                ":memory:",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "{} did not start ({error}): run scripts/services.sh",
                    binary.display()
                )
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "secantusd-py did not listen on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for MongoServer {
    fn drop(&mut self) {
        self.stop();
    }
}
