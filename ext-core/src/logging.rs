//! Keeping clients from flooding the error log.
//!
//! actix-http logs every connection it gives up on at ERROR level ("stream
//! error: request parse error: …"), before any service runs. Most of those
//! are the client's doing: a malformed request line, a bad
//! `Content-Length`, headers past the limit, a head that never finished, a
//! connection reset. Any client can send them in a loop, and an ERROR log
//! that anyone can fill hides the errors that matter. [`QuietClientErrors`]
//! drops exactly those events; actix-http's other errors (a service or
//! body error, an upgrade failure) still reach the log. The client gets
//! actix-http's own bare 4xx either way.
//!
//! ```
//! use tracing_subscriber::layer::SubscriberExt;
//!
//! let subscriber = tracing_subscriber::registry()
//!     .with(ext_core::logging::QuietClientErrors)
//!     .with(tracing_subscriber::fmt::layer());
//! # drop(subscriber);
//! ```

use std::fmt;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// Where actix-http logs the connections it gives up on.
const DISPATCHER: &str = "actix_http::h1::dispatcher";

/// The start of each such message that a client causes (actix-http's
/// `DispatchError` texts).
const CLIENT_CAUSED: [&str; 5] = [
    "stream error: request parse error",
    "stream error: I/O error",
    "stream error: request did not complete within the specified timeout",
    "stream error: connection shutdown timeout",
    "stream error: handler dropped payload before reading EOF",
];

/// A layer that drops actix-http's ERROR events for client-caused protocol
/// errors (see the module docs). Add it to the subscriber beside the
/// formatting layer.
#[derive(Clone, Copy, Debug, Default)]
pub struct QuietClientErrors;

impl<S: Subscriber> Layer<S> for QuietClientErrors {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        let metadata = event.metadata();
        if *metadata.level() != Level::ERROR || metadata.target() != DISPATCHER {
            return true;
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        !is_client_caused(&message.0)
    }
}

/// Whether an actix-http dispatcher message is one a client causes.
///
/// ```
/// use ext_core::logging::is_client_caused;
///
/// assert!(is_client_caused("stream error: request parse error: invalid Header provided"));
/// assert!(!is_client_caused("stream error: service error"));
/// ```
pub fn is_client_caused(message: &str) -> bool {
    CLIENT_CAUSED.iter().any(|start| message.starts_with(start))
}

/// The `message` field of an event.
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}
