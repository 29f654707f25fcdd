//! Cross-crate and end-to-end tests against real services.
//!
//! The tests live in `tests/tests/`; this library is what they share: where
//! each service is, read from the variables that `scripts/services.sh`
//! writes to `.services/env`, and helpers to use them, such as reading back
//! the mail the SMTP sink received.
//!
//! A test that needs a service that is missing fails with a message naming
//! the service and the script that starts it. It never passes by skipping.

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]
// This crate exists to fail tests loudly when a service is missing.
#![allow(clippy::expect_used, clippy::panic)]

pub mod app;
pub mod browser;
pub mod flask_user;
pub mod mongo_server;
pub mod pg_cluster;
pub mod process;
pub mod redis_server;
pub mod scratch;
pub mod services;
pub mod smtp_server;
