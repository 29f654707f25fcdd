//! Flask-Cors for actix-web.
//!
//! This crate will register a CORS policy on an ext-core app in one call,
//! read from `[cors]` / `CORS_*` with Flask-Cors's option names, with
//! per-path resources and per-route overrides, a Flask-compatible mode and a
//! safer default mode. It is empty until that work lands; see the workspace
//! README for the plan.

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]
