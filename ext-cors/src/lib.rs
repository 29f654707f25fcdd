//! Flask-Cors for actix-web: exact where Flask-Cors is right, safer where it
//! is not.
//!
//! Register [`Cors`] on an ext-core app in one call. It reads `[cors]` and
//! `CORS_*` with Flask-Cors's thirteen option names, accepted forms and
//! defaults, applies per-path `resources` with Flask-Cors's matching and
//! ordering rules, and adds CORS headers to every response of a matching
//! path — error responses included (404 for unknown paths, handler errors,
//! extractor rejections), as `intercept_exceptions` does. [`CrossOrigin`]
//! is the per-route `@cross_origin`.
//!
//! # Crate Features
//!
//! None.
//!
//! # Example
//!
//! ```no_run
//! use actix_web::{web, HttpResponse, HttpServer};
//! use ext_core::{AppBuilder, Config};
//! use ext_cors::{Cors, CrossOrigin};
//!
//! #[actix_web::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let app = AppBuilder::new(Config::load()?)
//!         // One call. Options set here beat `[cors]` and CORS_* (as CORS(app, ...)).
//!         .register(Cors::new().origins(["https://app.example.com"]).supports_credentials(true))
//!         .init()
//!         .await?;
//!     let factory = app.clone();
//!     let server = HttpServer::new(move || {
//!         factory.app().service(
//!             web::resource("/partner")
//!                 // A per-route policy beats the app-wide one (as @cross_origin);
//!                 // bound to the app, a clash with it fails start-up.
//!                 .wrap(CrossOrigin::new().origins(["https://partner.example"]).in_app(&factory))
//!                 .route(web::get().to(HttpResponse::Ok)),
//!         )
//!     })
//!     .bind(("127.0.0.1", 8080))?
//!     .run();
//!     app.run(server).await?;
//!     Ok(())
//! }
//! ```
//!
//! In `app.toml`:
//!
//! ```toml
//! [cors]
//! origins = ["https://app.example.com"]
//! supports_credentials = true
//! max_age = "10m"
//!
//! [cors.resources."/api/*"]
//! expose_headers = ["X-Total-Count"]
//!
//! [cors.resources."/public/*"]
//! origins = "*"
//! supports_credentials = false
//! ```
//!
//! # Two modes
//!
//! `flask_compatible = true` reproduces Flask-Cors 6.0.5 exactly, sharp
//! edges included: each of the 101 cases distilled from Flask-Cors's own test
//! suite is a test of this crate. The default mode is identical except where
//! Flask-Cors is unsafe or wrong:
//!
//! | | Flask-Cors (compat mode) | default mode |
//! |---|---|---|
//! | origin regex | matches a prefix: `https://.*\.example\.com` accepts `https://a.example.com.evil.net` | must match the whole origin |
//! | `https://*.example.com` | a regex where `*` repeats `/`: matches neither `https://a.example.com` nor what you meant | a glob: exactly one DNS label |
//! | credentials with `origins = "*"` | accepted: every site can make credentialed requests | refused at start-up unless `allow_credentials_with_any_origin = true` |
//! | `Origin: null` | reflected under `"*"` | reflected only when `"null"` is listed |
//! | requested method | a substring test (`OST` passes for `POST`) | exact tokens |
//! | `max_age = 0` | dropped | sent |
//! | request path | percent-decoded twice (`/api%2541` is `/apiA`) | decoded once |
//! | `Vary: Origin` | only on accepted responses with several or regex origins, on its own line | on every response of a matched path whose answer depends on the origin (refused and no-Origin ones too), merged into the existing `Vary` without duplicates |
//! | Private Network Access | `true`/`false` on any request that asks | `true` only on an accepted preflight that asks with exactly `true`, and only when allowed |
//! | methods as one string | sent as written | sorted, like a list |
//! | a CORS header the handler set itself (other than `Access-Control-Allow-Origin`, which makes both leave the response alone) | a second line is added (`headers.add`): `true, true` or `5, 600`, which browsers refuse | replaced |
//! | `intercept_exceptions = false` | changes nothing (Flask ≥ 1.1) | error responses get no CORS headers |
//! | origin strings | anything | `scheme://host[:port]`, no path or trailing slash, checked at start-up |
//!
//! Both modes: a request whose `Origin` is literally `*` (no browser sends
//! one) gets no CORS headers, where Flask-Cors would reflect it and could
//! answer `Access-Control-Allow-Origin: *` beside credentials; header values are deterministic (sorted methods and
//! headers); a preflight is never answered 400 — a refused one gets 200
//! without CORS headers, or `preflight_rejection_status` (e.g. 403) if set;
//! a debug log line says why a response got no CORS headers, with values
//! escaped; bad regexes, clashing options and (in compat mode) glob-looking
//! regexes are reported at start-up, naming the key.
//!
//! # Preflights before routing (opt-in)
//!
//! Flask-Cors never changes a preflight's status or body: Flask routes the
//! `OPTIONS` request (its automatic answer where the path's routes are for
//! other methods, the view where one takes `OPTIONS`, 404 where there is no
//! route) and Flask-Cors adds headers afterwards. ext-cors does the same by
//! default, in both modes. `preflight_before_routing = true` (per resource
//! too) answers a CORS preflight — `OPTIONS` with
//! `Access-Control-Request-Method` — in the before-hook instead, as
//! actix-cors, tower-http and Starlette do: 200, empty, the same CORS and
//! `Vary` headers as the routed automatic answer. A preflight then costs
//! under 1% more CPU than on bare actix-web, against about 7% when routed
//! (`BENCHMARKS.md`); in exchange:
//!
//! - a path's own `OPTIONS` handler, and the scope or resource middleware
//!   around it, never see preflights (other `OPTIONS` requests are routed);
//! - a preflight to a path without routes gets 200 rather than 404 (the
//!   request that follows still gets its 404);
//! - the answer has no `Allow` header;
//! - before-hooks of extensions registered after ext-cors do not run on it
//!   (after-hooks do).
//!
//! It is off in an app that uses a [`CrossOrigin`] anywhere: an override's
//! preflights must reach it, and nothing tells which paths it wraps (a
//! warning says so). The app learns of an override when one is built with
//! [`CrossOrigin::in_app`]; one built without it fails closed in such an app
//! (500, and an error log naming the fix). It cannot be combined with
//! `automatic_options = false`, and an override does not inherit it.
//!
//! Patterns: `"*"` is any; a string with any of `*\]?$^[()` is a regular
//! expression, case-insensitive for origins and headers; `regex:<expr>` is
//! taken as is, case-sensitive (Flask-Cors's pre-compiled `re.compile`);
//! other strings are literals. Resource paths are case-sensitive and matched
//! from the start (`/api/*` also matches `/apifoo`, as in Flask-Cors).
//!
//! # Why not actix-cors
//!
//! actix-cors is one policy per middleware with exact-match origins (plus a
//! callback), a strict preflight that answers 400, nondeterministic
//! `Access-Control-Allow-Methods`, no headers without `Origin`, and no
//! configuration loading. Flask-Cors's per-path `resources` with their
//! ordering, pattern origins and headers, the lenient preflight,
//! `always_send`, the decorator-beats-extension rule and the exact header
//! sets all need a different core, so this crate implements the decision
//! itself (`policy.rs`) and uses no part of actix-cors.

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]

mod answer;
mod builder;
mod cross_origin;
mod error;
mod headers;
mod hook;
mod options;
mod pattern;
mod policy;
#[cfg(test)]
mod proptests;
mod resources;

use ext_core::{Extension, ExtensionError, Section, Setup};

pub use self::cross_origin::{CrossOrigin, CrossOriginService};
pub use self::error::CorsConfigError;
pub use self::options::{CorsOptions, MaxAge, OneOrMany, Resources};
pub use self::policy::Mode;
use self::resources::ResourcePolicies;

/// The app-wide CORS extension: Flask-Cors's `CORS(app, **options)`.
///
/// Options set here beat `[cors]` and `CORS_*`, which beat the built-in
/// defaults; each resource's own options beat all of them.
#[derive(Clone, Debug, Default)]
pub struct Cors {
    options: CorsOptions,
}

builder_methods!(Cors);

impl Cors {
    /// The extension with every option from the configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// The extension with these options over the configuration.
    pub fn from_options(options: CorsOptions) -> Self {
        Self { options }
    }

    /// Per-path options, as one entry of `resources = {pattern: options}`.
    /// Replaces a `resources` list or string set before.
    pub fn resource(mut self, pattern: impl Into<String>, options: CorsOptions) -> Self {
        let mut map = match self.options.resources.take() {
            Some(Resources::Map(map)) => map,
            _ => Default::default(),
        };
        map.insert(pattern.into(), options);
        self.options.resources = Some(Resources::Map(map));
        self
    }

    /// The options set in code, as a config section over `[cors]`.
    fn section(&self) -> Section {
        let mut section = Section::new("cors");
        // Options are strings, numbers, booleans, lists and string-keyed
        // maps, which always serialise to a JSON object.
        if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(&self.options) {
            for (key, value) in map {
                section = section.set(key, value);
            }
        }
        section
    }
}

/// What [`CrossOrigin`] needs from the app-wide extension, and what the two
/// share: one value per app, in its registry.
#[derive(Debug)]
pub(crate) struct CorsState {
    /// `[cors]` without `resources`.
    pub(crate) app_options: CorsOptions,
    pub(crate) mode: Mode,
    /// Whether some resource's policy answers preflights before routing.
    pub(crate) answers_preflights_early: bool,
    /// Set once a `CrossOrigin` override of this app is built
    /// ([`CrossOrigin::in_app`]) or first serves: from then on the app-wide
    /// policy stops answering preflights before routing, since the override
    /// must see its own.
    pub(crate) overrides_in_use: std::sync::atomic::AtomicBool,
}

impl Extension for Cors {
    fn name(&self) -> &str {
        "cors"
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        let options: CorsOptions = app.settings(&self.section())?;
        let policies = ResourcePolicies::compile(&options)?;
        tracing::info!(mode = ?policies.mode, resources = ?policies.patterns(), "CORS policy loaded");
        // As in Flask-Cors, a per-route policy builds on the app's
        // configuration, not on the options given to the extension in code.
        let configured: CorsOptions = app.settings(&Section::new("cors"))?;
        let state = app.provide(CorsState {
            app_options: CorsOptions {
                resources: None,
                ..configured
            },
            mode: policies.mode,
            answers_preflights_early: policies.any_preflight_before_routing(),
            overrides_in_use: std::sync::atomic::AtomicBool::new(false),
        });
        app.request_hook(hook::CorsHook::new(policies, state));
        Ok(())
    }
}

/// A whole configuration compiled as [`Cors`] compiles it at start-up, to
/// check a policy or see its answers in tests and tools without an app.
///
/// ```
/// use actix_web::http::header::{HeaderMap, HeaderValue, ORIGIN};
/// use actix_web::http::Method;
/// use ext_cors::{CorsOptions, CorsPolicy, OneOrMany};
///
/// let options = CorsOptions {
///     origins: Some(OneOrMany::from(["https://app.example"])),
///     ..CorsOptions::default()
/// };
/// let policy = CorsPolicy::new(&options).unwrap();
/// let mut request = HeaderMap::new();
/// request.insert(ORIGIN, HeaderValue::from_static("https://app.example"));
/// let answer = policy.evaluate(&Method::GET, "/api/items", &request).unwrap();
/// assert_eq!(answer.get("access-control-allow-origin").unwrap(), "https://app.example");
/// assert_eq!(answer.get("vary").unwrap(), "Origin");
/// ```
#[derive(Debug)]
pub struct CorsPolicy {
    policies: ResourcePolicies,
}

impl CorsPolicy {
    /// Compiles and validates `options`; errors name the key.
    pub fn new(options: &CorsOptions) -> Result<Self, CorsConfigError> {
        Ok(Self {
            policies: ResourcePolicies::compile(options)?,
        })
    }

    /// The CORS headers for a request, or `None` when no resource matches
    /// `path` (given as sent, percent-encoded).
    pub fn evaluate(
        &self,
        method: &actix_web::http::Method,
        path: &str,
        request_headers: &actix_web::http::header::HeaderMap,
    ) -> Option<actix_web::http::header::HeaderMap> {
        let policy = self.policies.find(path)?;
        let facts = headers::facts_from(method, request_headers, policy);
        let mut answer = actix_web::http::header::HeaderMap::new();
        headers::apply(
            policy.decide(&facts),
            &mut answer,
            policy.mode,
            headers::Target::Fresh,
        );
        Some(answer)
    }
}
