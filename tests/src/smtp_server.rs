//! An SMTP sink of a test's own (`aiosmtpd`, writing to a Maildir of its
//! own), to stop and start again: an outage test cannot stop the shared
//! one.

use std::path::PathBuf;
use std::process::{Child, Command};

use crate::process::{free_port, start_listening};
use crate::services::{services_venv, SmtpSink};

/// An `aiosmtpd` on a free loopback port, killed on drop.
#[derive(Debug)]
pub struct SmtpServer {
    sink: SmtpSink,
    child: Option<Child>,
}

impl SmtpServer {
    /// Starts one with an empty Maildir and waits until it accepts
    /// connections.
    ///
    /// # Panics
    ///
    /// When the Maildir cannot be made or the server does not start.
    pub fn start() -> SmtpServer {
        let port = free_port();
        let maildir = std::env::temp_dir().join(format!("smtp-sink-{}-{port}", std::process::id()));
        for folder in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(maildir.join(folder)).expect("make the Maildir");
        }
        let mut server = SmtpServer {
            sink: SmtpSink {
                host: "127.0.0.1".to_owned(),
                port,
                maildir,
            },
            child: None,
        };
        server.resume();
        server
    }

    /// Where it listens and writes.
    pub fn sink(&self) -> &SmtpSink {
        &self.sink
    }

    /// `smtp://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("smtp://{}:{}", self.sink.host, self.sink.port)
    }

    /// The Maildir.
    pub fn maildir(&self) -> &PathBuf {
        &self.sink.maildir
    }

    /// Kills the server, as an outage would (mail it received stays).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and Maildir.
    pub fn resume(&mut self) {
        let binary = services_venv().join("bin/aiosmtpd");
        let listen = format!("127.0.0.1:{}", self.sink.port);
        let maildir = self.sink.maildir.display().to_string();
        self.child = Some(start_listening(
            Command::new(binary).args(["-n", "-l", &listen, "-c", "aiosmtpd.handlers.Mailbox", &maildir]),
            self.sink.port,
        ));
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.sink.maildir);
    }
}
