//! CSRF protection for every state-changing request a browser could be
//! tricked into sending with its cookies.
//!
//! Tokenless first, as Go 1.25's `CrossOriginProtection`: browsers say where
//! a request comes from (`Sec-Fetch-Site`, else `Origin`), and a cross-site
//! `POST`/`PUT`/`PATCH`/`DELETE` is refused whatever it carries. A request
//! with neither header (an older browser) that carries cookies must carry
//! the session's synchronizer token instead: the form field `csrf_token`
//! (urlencoded forms) or the header `X-CSRFToken` / `X-CSRF-Token`
//! (scripts). A request with no cookies and no browser headers (`curl`, an
//! API client with `Authorization: Bearer`) has no ambient authority to
//! abuse and is not checked; nor is one with an `Authorization` header and
//! no cookies from a browser page on another origin (a single-page app
//! calling its API with a token): no form or link can set that header, and
//! a script can only with the API's CORS approval. A cross-site request
//! with neither cookies nor `Authorization` is still refused, so that
//! another site cannot sign a visitor in to an account of its choosing.
//!
//! `always_require_token = true` asks for the token on every cookie-carrying
//! unsafe request, as Flask-WTF does, even same-origin ones.
//!
//! Routes are exempted by name (`exempt_routes`) or path prefix
//! (`exempt_paths`), as Flask-WTF's `csrf.exempt`.

use std::sync::Arc;

use actix_web::body::BoxBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, AUTHORIZATION, CONTENT_TYPE, COOKIE, HOST};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, Error};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;

use super::state::{Session, SessionError, SessionExt};
use super::SessionSettings;
use crate::config::Section;
use crate::{Extension, ExtensionError, Problem, Setup};

/// Where the session keeps its raw token, as Flask-WTF names it.
const TOKEN_KEY: &str = "csrf_token";

/// `[csrf]` / `WTF_CSRF_*` (Flask-WTF's names).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CsrfSettings {
    /// `WTF_CSRF_ENABLED`; default true.
    pub enabled: bool,
    /// Ask for the token on every unsafe request that carries cookies,
    /// even when the browser says it is same-origin. Default false.
    pub always_require_token: bool,
    /// `WTF_CSRF_FIELD_NAME`: the form field; default `csrf_token`.
    pub field_name: String,
    /// `WTF_CSRF_HEADERS`: headers that may carry the token.
    pub headers: Vec<String>,
    /// Other origins (`https://admin.example.com`) whose requests count as
    /// same-origin.
    pub trusted_origins: Vec<String>,
    /// Route names (actix's `.name(...)`) that are not checked.
    pub exempt_routes: Vec<String>,
    /// Path prefixes (`/webhooks/`) that are not checked.
    pub exempt_paths: Vec<String>,
}

impl Default for CsrfSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            always_require_token: false,
            field_name: "csrf_token".to_owned(),
            headers: vec!["X-CSRFToken".to_owned(), "X-CSRF-Token".to_owned()],
            trusted_origins: Vec::new(),
            exempt_routes: Vec::new(),
            exempt_paths: Vec::new(),
        }
    }
}

/// The CSRF extension: register it after [`super::Sessions`].
#[must_use]
#[derive(Debug)]
pub struct Csrf {
    section: Section,
    /// Route names exempted in code, added to `exempt_routes`.
    exempt_routes: Vec<String>,
}

impl Default for Csrf {
    fn default() -> Self {
        Self::new()
    }
}

impl Csrf {
    /// CSRF protection configured by `[csrf]` / `WTF_CSRF_*`.
    pub fn new() -> Self {
        Self {
            section: Section::new("csrf").with_env_prefix("WTF_CSRF_"),
            exempt_routes: Vec::new(),
        }
    }

    /// Exempts the route named `name` (each call adds one, beside
    /// `exempt_routes` from the configuration).
    pub fn exempt_route(mut self, name: &str) -> Self {
        self.exempt_routes.push(name.to_owned());
        self
    }

    /// Sets an option in code; code beats the file and the environment.
    pub fn set(mut self, key: &str, value: impl serde::Serialize) -> Self {
        self.section = self.section.set(key, value);
        self
    }
}

impl Extension for Csrf {
    fn name(&self) -> &str {
        "csrf"
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        app.require::<SessionSettings>("ext_core::session::Sessions")?;
        let mut settings: CsrfSettings = app.settings(&self.section)?;
        settings.exempt_routes.extend(self.exempt_routes);
        let headers = settings
            .headers
            .iter()
            .map(|name| {
                HeaderName::try_from(name.as_str()).map_err(|_| {
                    ExtensionError::invalid_setting("csrf.headers", format!("`{name}` is not a header name"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let trusted = settings
            .trusted_origins
            .iter()
            .map(|origin| {
                authority(origin).map(str::to_ascii_lowercase).ok_or_else(|| {
                    ExtensionError::invalid_setting(
                        "csrf.trusted_origins",
                        format!("`{origin}` is not an origin such as https://example.com"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Filed for extensions that rely on it (ext-user refuses to start
        // without it).
        app.provide(settings.clone());
        if !settings.enabled {
            tracing::warn!("CSRF protection is off (csrf.enabled = false)");
            return Ok(());
        }
        let layer = Arc::new(CsrfLayer {
            settings,
            headers,
            trusted,
        });
        app.middleware(move || {
            let layer = Arc::clone(&layer);
            from_fn(move |req, next| check(Arc::clone(&layer), req, next))
        });
        Ok(())
    }
}

struct CsrfLayer {
    settings: CsrfSettings,
    headers: Vec<HeaderName>,
    /// Trusted origins' `host[:port]`, lower case.
    trusted: Vec<String>,
}

/// Why a request was refused; the text is the problem's `detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    CrossSite,
    Missing,
    Invalid,
}

impl Refusal {
    fn detail(self) -> &'static str {
        match self {
            Refusal::CrossSite => "The request came from another site.",
            Refusal::Missing => "The CSRF token is missing.",
            Refusal::Invalid => "The CSRF token is invalid.",
        }
    }

    fn response(self) -> actix_web::HttpResponse {
        Problem::typed("csrf-failed", StatusCode::FORBIDDEN, "CSRF check failed")
            .with_detail(self.detail())
            .to_response()
    }
}

async fn check(
    layer: Arc<CsrfLayer>,
    mut req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse, Error> {
    let bearer_only = req.headers().contains_key(AUTHORIZATION) && !has_cookies(&req);
    if is_safe(req.method()) || bearer_only || layer.is_exempt(&req) {
        return next.call(req).await;
    }
    let needs_token = match layer.origin_verdict(&req) {
        Some(Ok(())) => layer.settings.always_require_token && has_cookies(&req),
        Some(Err(refusal)) => return Ok(req.into_response(refusal.response())),
        None => has_cookies(&req),
    };
    if needs_token {
        if let Err(refusal) = layer.check_token(&mut req).await {
            return Ok(req.into_response(refusal.response()));
        }
    }
    next.call(req).await
}

fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn has_cookies(req: &ServiceRequest) -> bool {
    req.headers().contains_key(COOKIE)
}

impl CsrfLayer {
    fn is_exempt(&self, req: &ServiceRequest) -> bool {
        let path = req.path();
        if self
            .settings
            .exempt_paths
            .iter()
            .any(|prefix| path.starts_with(prefix.as_str()))
        {
            return true;
        }
        !self.settings.exempt_routes.is_empty()
            && req
                .request()
                .resource_map()
                .match_name(path)
                .is_some_and(|name| self.settings.exempt_routes.iter().any(|exempt| exempt == name))
    }

    /// What the browser's own headers say: `None` when it says nothing.
    fn origin_verdict(&self, req: &ServiceRequest) -> Option<Result<(), Refusal>> {
        let headers = req.headers();
        // `host[:port]` of `Origin`, lower case, read once.
        let origin = headers
            .get("origin")
            .and_then(|v| v.to_str().ok())
            .and_then(authority)
            .map(str::to_ascii_lowercase);
        let trusted = origin
            .as_ref()
            .is_some_and(|origin| self.trusted.contains(origin));
        if let Some(site) = headers.get("sec-fetch-site") {
            return Some(match site.as_bytes() {
                b"same-origin" | b"none" => Ok(()),
                // same-site is another origin too (a sibling subdomain)
                _ if trusted => Ok(()),
                _ => Err(Refusal::CrossSite),
            });
        }
        headers.get("origin")?;
        Some(if trusted || origin.is_some_and(|origin| is_host(req, &origin)) {
            Ok(())
        } else {
            Err(Refusal::CrossSite)
        })
    }

    async fn check_token(&self, req: &mut ServiceRequest) -> Result<(), Refusal> {
        let session = req.session().ok_or(Refusal::Invalid)?;
        let sent = match self.headers.iter().find_map(|name| req.headers().get(name)) {
            Some(value) => Some(value.to_str().map_err(|_| Refusal::Invalid)?.to_owned()),
            None => self.form_token(req).await?,
        };
        let sent = sent.ok_or(Refusal::Missing)?;
        let expected: Option<String> = session.get(TOKEN_KEY).map_err(|_| Refusal::Invalid)?;
        let expected = expected.ok_or(Refusal::Invalid)?;
        if token_matches(&sent, &expected) {
            Ok(())
        } else {
            Err(Refusal::Invalid)
        }
    }

    /// The token field of an urlencoded form body; the body is put back for
    /// the handler.
    async fn form_token(&self, req: &mut ServiceRequest) -> Result<Option<String>, Refusal> {
        let is_form = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Ok(None);
        }
        // Bounded by the app's payload limit (web::PayloadConfig).
        let body = req.extract::<web::Bytes>().await.map_err(|_| Refusal::Missing)?;
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
        req.set_payload(payload_of(body));
        Ok(fields
            .into_iter()
            .find(|(name, _)| *name == self.settings.field_name)
            .map(|(_, value)| value))
    }
}

fn payload_of(body: web::Bytes) -> Payload {
    let (_, mut payload) = actix_http::h1::Payload::create(true);
    payload.unread_data(body);
    Payload::from(payload)
}

/// Whether `origin` (`host[:port]`) is the host the request was sent to: the
/// `Host` header, never a forwarded one a proxy may pass through unchecked.
fn is_host(req: &ServiceRequest, origin: &str) -> bool {
    match req.headers().get(HOST).and_then(|h| h.to_str().ok()) {
        Some(host) => origin.eq_ignore_ascii_case(host),
        None => req
            .uri()
            .authority()
            .is_some_and(|a| origin.eq_ignore_ascii_case(a.as_str())),
    }
}

/// `host[:port]` of an origin (`scheme://host[:port]`).
fn authority(origin: &str) -> Option<&str> {
    let (scheme, rest) = origin.split_once("://")?;
    (!scheme.is_empty() && !rest.is_empty() && !rest.contains('/')).then_some(rest)
}

/// The token to put in a form or a script's header, like Flask-WTF's
/// `generate_csrf()`: the session's secret token, masked afresh each call
/// (so a compressed page leaks nothing about it, as with BREACH). The first
/// call in a session creates the token.
pub fn csrf_token(session: &Session) -> Result<String, SessionError> {
    let raw = match session.get::<String>(TOKEN_KEY)? {
        Some(token) => token,
        None => {
            let token = random_token();
            session.insert(TOKEN_KEY, &token)?;
            token
        }
    };
    let raw = URL_SAFE_NO_PAD.decode(raw).unwrap_or_default();
    let mut masked = vec![0u8; raw.len() * 2];
    let (pad, body) = masked.split_at_mut(raw.len());
    if getrandom::fill(pad).is_err() {
        // Without randomness, an unmasked token is still a valid token.
        pad.fill(0);
    }
    for ((out, pad), secret) in body.iter_mut().zip(pad.iter()).zip(&raw) {
        *out = pad ^ secret;
    }
    Ok(URL_SAFE_NO_PAD.encode(masked))
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // getrandom fails only on platforms without an entropy source.
    let _ = getrandom::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether a masked token unmasks to the session's, in constant time.
fn token_matches(sent: &str, expected: &str) -> bool {
    let (Ok(sent), Ok(expected)) = (URL_SAFE_NO_PAD.decode(sent), URL_SAFE_NO_PAD.decode(expected)) else {
        return false;
    };
    if expected.is_empty() || sent.len() != expected.len() * 2 {
        return false;
    }
    let (pad, body) = sent.split_at(expected.len());
    let difference = pad
        .iter()
        .zip(body)
        .zip(&expected)
        .fold(0u8, |acc, ((pad, body), secret)| acc | (pad ^ body ^ secret));
    difference == 0
}
