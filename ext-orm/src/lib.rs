//! Flask-SQLAlchemy for actix-web, on sea-orm.
//!
//! This crate will give handlers a request-scoped transaction, the 404
//! helpers (`get_or_404`, `first_or_404`, `one_or_404`), Flask-SQLAlchemy's
//! exact pagination, binds, `create_all` / `drop_all`, recorded queries and
//! health checks, on SQLite, PostgreSQL and MariaDB, configured from
//! `SQLALCHEMY_*` / `DATABASE_URL` through ext-core. It is empty until that
//! work lands; see the workspace README for the plan.

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]
