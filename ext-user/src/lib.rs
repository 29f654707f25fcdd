//! Flask-User for actix-web: registration, login, password recovery, email
//! confirmation and roles.
//!
//! This crate will hash passwords with argon2, issue tokens with
//! jsonwebtoken, send mail with lettre, render Flask-User's pages and emails
//! with minijinja (overridable by file), and keep users in ext-orm or
//! ext-mongo, whichever the app registered. It is empty until that work
//! lands; see the workspace README for the plan.

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]
