//! A MongoDB-wire server of a test's own (`secantusd-py`, in memory), to
//! stop and start again: outage tests cannot stop the shared one.

use std::process::{Child, Command};

use crate::process::{free_port, start_listening};
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
        let port = free_port();
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
        let port = self.port.to_string();
        self.child = Some(start_listening(
            Command::new(binary).args([
                "--host",
                "127.0.0.1",
                "--port",
                &port,
                "--storage-path",
                ":memory:",
            ]),
            self.port,
        ));
    }
}

impl Drop for MongoServer {
    fn drop(&mut self) {
        self.stop();
    }
}
