//! Flask-PyMongo for actix-web, on the official mongodb driver.
//!
//! This crate will give handlers the client and database from `MONGO_URI`,
//! `find_one_or_404`, ObjectId path parameters, PyMongo-exact relaxed
//! Extended JSON, an operator-injection guard on request bodies, and
//! streaming GridFS uploads and downloads with conditional and range
//! requests. It is empty until that work lands; see the workspace README for
//! the plan.

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]
