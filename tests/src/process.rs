//! Servers that a test runs itself on a free loopback port: what
//! [`crate::mongo_server`], [`crate::pg_cluster`] and [`crate::browser`]
//! share.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A loopback port that was free a moment ago.
///
/// # Panics
///
/// When the system has none.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Starts `command` with its output discarded, then waits up to 30 s until
/// it accepts connections on `port`.
///
/// # Panics
///
/// When the program cannot start (it says to run `scripts/services.sh`,
/// which installs them all) or never listens.
pub fn start_listening(command: &mut Command, port: u16) -> Child {
    let program = command.get_program().to_string_lossy().into_owned();
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|error| panic!("{program} did not start ({error}): run scripts/services.sh"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{program} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}
