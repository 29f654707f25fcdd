//! Reading the CORS request headers and writing a decision onto a response.

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::HttpRequest;

use crate::policy::{Decision, Mode, Policy, RequestFacts};

/// `Access-Control-Request-Private-Network` (not in the `http` crate).
pub(crate) const REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-request-private-network");
/// `Access-Control-Allow-Private-Network` (not in the `http` crate).
pub(crate) const ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-allow-private-network");

const TRUE: HeaderValue = HeaderValue::from_static("true");
const ORIGIN: HeaderValue = HeaderValue::from_static("Origin");

/// The CORS facts of a request, as far as `policy` needs them. An empty
/// `Origin` counts as absent, as in Flask-Cors.
pub(crate) fn request_facts<'a>(req: &'a HttpRequest, policy: &Policy) -> RequestFacts<'a> {
    facts_from(req.method(), req.headers(), policy)
}

/// [`request_facts`] from a method and headers.
pub(crate) fn facts_from<'a>(
    method: &'a Method,
    headers: &'a HeaderMap,
    policy: &Policy,
) -> RequestFacts<'a> {
    // Only a preflight (any OPTIONS, for Flask-Cors) reads the request
    // method and headers; the Private Network Access question only matters
    // to a preflight of a policy that answers it (or, in compat mode, to
    // any request). Other requests skip those look-ups.
    let preflight = method == Method::OPTIONS;
    let preflight_header = |name| if preflight { headers.get(name) } else { None };
    let private_network = match policy.mode {
        Mode::FlaskCompatible => true,
        Mode::Default => preflight && policy.allow_private_network,
    };
    RequestFacts {
        method,
        origin: headers.get(header::ORIGIN).filter(|origin| !origin.is_empty()),
        request_method: preflight_header(header::ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|value| value.to_str().ok()),
        request_headers: preflight_header(header::ACCESS_CONTROL_REQUEST_HEADERS),
        request_private_network: if private_network {
            headers.get(REQUEST_PRIVATE_NETWORK).map(HeaderValue::as_bytes)
        } else {
            None
        },
    }
}

/// Whose response the headers go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// A response ext-cors built itself (an automatic `OPTIONS` answer) or
    /// an empty map: it has no CORS header yet.
    Fresh,
    /// A handler's response: it may carry CORS headers of its own, though
    /// never `Access-Control-Allow-Origin` (responses with one are left
    /// alone before a decision is made).
    Handler,
}

/// Writes the decision, in Flask-Cors's order.
///
/// Flask-Cors adds each header as a new line (`headers.add`); so does the
/// compatible mode. The default mode replaces a header the handler set
/// itself, since a doubled `Access-Control-Allow-Credentials` or
/// `Access-Control-Max-Age` is one browsers refuse, and merges `Origin`
/// into the handler's `Vary`. Appending where nothing is there to replace
/// is also the cheaper operation on actix's header map.
pub(crate) fn apply(decision: Decision<'_>, headers: &mut HeaderMap, mode: Mode, target: Target) {
    let put: fn(&mut HeaderMap, HeaderName, HeaderValue) =
        if mode == Mode::Default && target == Target::Handler {
            replace
        } else {
            append
        };
    let Some(allow_origin) = decision.allow_origin else {
        // Refused: at most the default mode's `Vary: Origin`.
        if decision.vary_origin {
            vary_on_origin(headers, mode, target);
        }
        return;
    };
    // Never there already: responses that carry one are left alone.
    append(headers, header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
    if let Some(value) = decision.expose_headers {
        put(headers, header::ACCESS_CONTROL_EXPOSE_HEADERS, value.clone());
    }
    if decision.allow_credentials {
        put(headers, header::ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
    }
    if let Some(value) = decision.allow_private_network {
        put(headers, ALLOW_PRIVATE_NETWORK, HeaderValue::from_static(value));
    }
    if let Some(value) = decision.allow_headers {
        put(headers, header::ACCESS_CONTROL_ALLOW_HEADERS, value);
    }
    if let Some(value) = decision.max_age {
        put(headers, header::ACCESS_CONTROL_MAX_AGE, value.clone());
    }
    if let Some(value) = decision.allow_methods {
        put(headers, header::ACCESS_CONTROL_ALLOW_METHODS, value.clone());
    }
    if decision.vary_origin {
        vary_on_origin(headers, mode, target);
    }
}

// Out of line, so `apply` is a short list of calls rather than eight
// copies of actix's map code.
#[inline(never)]
fn append(headers: &mut HeaderMap, name: HeaderName, value: HeaderValue) {
    headers.append(name, value);
}

#[inline(never)]
fn replace(headers: &mut HeaderMap, name: HeaderName, value: HeaderValue) {
    headers.insert(name, value);
}

fn vary_on_origin(headers: &mut HeaderMap, mode: Mode, target: Target) {
    match (mode, target) {
        // Flask-Cors adds its own line, leaving the view's alone.
        (Mode::FlaskCompatible, _) | (Mode::Default, Target::Fresh) => append(headers, header::VARY, ORIGIN),
        (Mode::Default, Target::Handler) => merge_vary_origin(headers),
    }
}

/// Adds `Origin` to `Vary`, as one header line, unless it (or `*`) is
/// already there.
fn merge_vary_origin(headers: &mut HeaderMap) {
    let lines = headers.get_all(header::VARY);
    if lines.len() == 0 {
        append(headers, header::VARY, ORIGIN);
        return;
    }
    merge_into_vary(headers);
}

/// [`merge_vary_origin`] where the response has `Vary` lines.
#[inline(never)]
fn merge_into_vary(headers: &mut HeaderMap) {
    let lines = headers.get_all(header::VARY);
    let existing: Vec<&str> = lines
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .collect();
    if existing.is_empty() {
        // Only empty `Vary` lines: replaced.
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
