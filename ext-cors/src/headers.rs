//! Reading the CORS request headers and writing a decision onto a response.

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::HttpRequest;

use crate::policy::{Decision, Mode, RequestFacts};

/// `Access-Control-Request-Private-Network` (not in the `http` crate).
pub(crate) const REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-request-private-network");
/// `Access-Control-Allow-Private-Network` (not in the `http` crate).
pub(crate) const ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-allow-private-network");

const TRUE: HeaderValue = HeaderValue::from_static("true");
const ORIGIN: HeaderValue = HeaderValue::from_static("Origin");

/// The CORS facts of a request. An empty `Origin` counts as absent, as in
/// Flask-Cors.
pub(crate) fn request_facts(req: &HttpRequest) -> RequestFacts<'_> {
    facts_from(req.method(), req.headers())
}

/// [`request_facts`] from a method and headers.
pub(crate) fn facts_from<'a>(method: &'a Method, headers: &'a HeaderMap) -> RequestFacts<'a> {
    // Only a preflight (any OPTIONS, for Flask-Cors) reads the request
    // method and headers: other requests skip those look-ups.
    let preflight = method == Method::OPTIONS;
    let text = |name| {
        headers
            .get(name)
            .and_then(|value: &HeaderValue| value.to_str().ok())
    };
    RequestFacts {
        method,
        origin: headers.get(header::ORIGIN).filter(|origin| !origin.is_empty()),
        request_method: if preflight {
            text(header::ACCESS_CONTROL_REQUEST_METHOD)
        } else {
            None
        },
        request_headers: if preflight {
            text(header::ACCESS_CONTROL_REQUEST_HEADERS)
        } else {
            None
        },
        request_private_network: headers.get(REQUEST_PRIVATE_NETWORK).map(HeaderValue::as_bytes),
    }
}

/// Writes the decision, in Flask-Cors's order.
pub(crate) fn apply(decision: Decision, headers: &mut HeaderMap, mode: Mode) {
    if let Some(value) = decision.allow_origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    if let Some(value) = decision.expose_headers {
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, value);
    }
    if decision.allow_credentials && headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
    }
    if let Some(value) = decision.allow_private_network {
        headers.insert(ALLOW_PRIVATE_NETWORK, HeaderValue::from_static(value));
    }
    if let Some(value) = decision.allow_headers {
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, value);
    }
    if let Some(value) = decision.max_age {
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, value);
    }
    if let Some(value) = decision.allow_methods {
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, value);
    }
    if decision.vary_origin {
        match mode {
            // Flask-Cors adds its own line, leaving the view's alone.
            Mode::FlaskCompatible => headers.append(header::VARY, ORIGIN),
            Mode::Default => merge_vary_origin(headers),
        }
    }
}

/// Adds `Origin` to `Vary`, as one header line, unless it (or `*`) is
/// already there.
pub(crate) fn merge_vary_origin(headers: &mut HeaderMap) {
    let existing: Vec<&str> = headers
        .get_all(header::VARY)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .collect();
    if existing.is_empty() {
        headers.insert(header::VARY, ORIGIN);
        return;
    }
    if existing
        .iter()
        .any(|token| *token == "*" || token.eq_ignore_ascii_case("origin"))
    {
        return;
    }
    let mut merged = existing.join(", ");
    merged.push_str(", Origin");
    if let Ok(value) = HeaderValue::from_str(&merged) {
        headers.insert(header::VARY, value);
    }
}

/// Escapes a header value for a log line.
pub(crate) fn for_log(value: Option<&HeaderValue>) -> String {
    value.map_or_else(
        || "(none)".to_owned(),
        |value| format!("{:?}", String::from_utf8_lossy(value.as_bytes())),
    )
}
