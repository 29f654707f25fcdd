//! Flask-User for actix-web: registration, sign-in with a username or an
//! email, sign-out, password and username changes, roles, and the app's own
//! user fields, with users kept in ext-orm's database (feature `orm`) or
//! ext-mongo's (feature `mongo`); and, for API clients, access and refresh
//! tokens that can be revoked at once ([`api_tokens`], [`jwt`]), personal
//! access tokens, and an OpenAPI description of every endpoint; and the
//! email flows (confirm, forgot and reset, change email, invitations,
//! several addresses, notices) with mail sent from an outbox in the store.
//!
//! Registered in one call, after the store's extension, [`Sessions`] and
//! [`Csrf`]:
//!
//! ```no_run
//! use actix_web::{web, HttpResponse, HttpServer};
//! use ext_core::session::{Csrf, Sessions};
//! use ext_core::{AppBuilder, Config};
//! use ext_user::{roles_required, CurrentUser, Roles, Users};
//!
//! async fn account(user: CurrentUser) -> HttpResponse {
//!     HttpResponse::Ok().json(&user.0)
//! }
//!
//! #[actix_web::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // SECRET_KEY, SQLALCHEMY_DATABASE_URI, [user] / USER_* …
//!     let ext = AppBuilder::new(Config::load()?)
//!         .register(ext_orm::Orm::new())
//!         .register(Sessions::new())
//!         .register(Csrf::new())
//!         .register(Users::new())
//!         .init()
//!         .await?;
//!     let factory = ext.clone();
//!     let server = HttpServer::new(move || {
//!         factory
//!             .app()
//!             .route("/account", web::get().to(account))
//!             .service(
//!                 web::scope("/admin")
//!                     .wrap(roles_required(Roles::required(["admin"])))
//!                     .route("", web::get().to(|| async { HttpResponse::Ok().body("admin") })),
//!             )
//!     })
//!     .bind(("127.0.0.1", 8080))?
//!     .run();
//!     ext.run(server).await?;
//!     Ok(())
//! }
//! ```
//!
//! # Where it differs from Flask-User, and why
//!
//! | | Flask-User | ext-user |
//! |---|---|---|
//! | password hash | bcrypt | argon2id, m=19456 KiB, t=2, p=1 at least (OWASP); old parameters rehashed at sign-in |
//! | password rule | ≥ 6 with upper, lower and digit | ≥ 8, no composition rule, ≤ 128, ~11,600 common passwords refused (NIST, ASVS) |
//! | unknown login vs wrong password | same message, different time | same answer and the same work (a dummy hash) |
//! | registering a taken email | "already registered" | the same 202 as a new account |
//! | brute force | nothing | 5 attempts per account per 15 min, 100 per client; counters in the store |
//! | sign-out | GET or POST | POST only, CSRF-checked |
//! | session after sign-in | same cookie | new session id |
//! | password change | signs out every session | signs out the others, re-issues this one |
//! | session limits | 1 h sliding | 30 min idle, 12 h absolute (remember-me 30 days) |
//! | identifiers | `ilike` (so `%` and `_` match anything) | NFKC, lower case, exact equality |
//! | API tokens | none | JWT access/refresh pairs (rotated, replay revokes the family, a per-user token version revokes at once), personal access tokens |
//! | emailed tokens | reusable until expiry, any purpose, GET changes state | 256 bits stored hashed, single use, one purpose, bound to the password and address; GET changes nothing |
//! | sending mail | in the request | an outbox in the store and a worker with retries; links from `[app] public_url` only |
//! | `USER_*_URL` | whole paths | paths under one prefix (`[app.url_prefixes] user`) |

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]

pub mod api_tokens;
mod auth;
mod body;
mod cache;
pub mod clock;
mod counters;
mod email_addresses;
mod email_routes;
mod email_tokens;
mod error;
pub mod events;
mod extension;
mod guard;
pub mod identifier;
pub mod import;
pub mod jwt;
mod mail;
mod manager;
mod openapi;
pub mod password;
mod routes;
mod settings;
pub mod store;
mod token_cache;
mod token_routes;
mod user;

#[cfg(doc)]
use ext_core::session::{Csrf, Sessions};

pub use self::auth::{CurrentUser, UserExt};
pub use self::error::UserError;
pub use self::events::UserEvent;
pub use self::extension::{Profile, Users};
pub use self::guard::{login_required, roles_accepted, roles_required, RequireUser, RequireUserService};
pub use self::mail::transport::MailTransport;
pub use self::manager::{NewUser, UserManager};
pub use self::settings::{JwtAlgorithm, StoreChoice, UserSettings, MAX_CHECKS_PER_HOUR};
pub use self::user::{Roles, User};
/// The message a [`MailTransport`] sends: lettre's.
pub use lettre::Message as MailMessage;
