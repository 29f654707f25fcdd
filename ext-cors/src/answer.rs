//! The answers ext-cors writes itself — Flask's automatic `OPTIONS`, a
//! refused preflight — and the decide-and-write steps shared by the
//! app-wide hook ([`crate::hook`]) and per-route overrides
//! ([`crate::cross_origin`]), so neither imports the other.

use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use ext_core::Problem;

use crate::headers::{apply, for_log, request_facts, Target};
use crate::policy::{Decision, Policy, RequestFacts};

/// Marks a response whose CORS headers a per-route override already decided,
/// so the app-wide policy leaves it alone (as `@cross_origin` beats `CORS(app)`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct CorsEvaluated;

/// Writes the CORS headers onto an answer ext-cors built itself, and marks
/// it decided when it got none (the after-hook would only decide again).
pub(crate) fn answer_with_headers(policy: &Policy, req: &HttpRequest, response: &mut HttpResponse) {
    write_answer(policy, decide_logged(policy, req), response);
}

/// [`answer_with_headers`] for a decision already made.
pub(crate) fn write_answer(policy: &Policy, decision: Decision<'_>, response: &mut HttpResponse) {
    let refused = decision.allow_origin.is_none();
    apply(decision, response.headers_mut(), policy.mode, Target::Fresh);
    if refused {
        response.extensions_mut().insert(CorsEvaluated);
    }
}

/// An `OPTIONS` request to a path that has routes, none for `OPTIONS`:
/// actix answers 405, or 404 when the routes' methods are resource guards.
/// Flask answers these itself with its automatic `OPTIONS` response.
pub(crate) fn routed_without_options<B>(res: &ServiceResponse<B>) -> bool {
    if res.request().method() != Method::OPTIONS {
        return false;
    }
    match res.status() {
        StatusCode::METHOD_NOT_ALLOWED => true,
        StatusCode::NOT_FOUND => {
            res.response().error().is_none()
                && res.request().resource_map().has_resource(res.request().path())
        }
        _ => false,
    }
}

/// Flask's automatic `OPTIONS` answer: 200, empty, with `Allow`.
pub(crate) fn automatic_options_response(allow: Option<&HeaderValue>) -> HttpResponse {
    let mut response = HttpResponse::Ok().finish();
    let allow = match allow.and_then(|value| value.to_str().ok()) {
        Some(methods) if !methods.contains("OPTIONS") => {
            HeaderValue::from_str(&format!("{methods}, OPTIONS")).ok()
        }
        Some(_) => allow.cloned(),
        None => None,
    };
    if let Some(allow) = allow {
        response.headers_mut().insert(header::ALLOW, allow);
    }
    response
}

/// Decides for the response's request and writes the headers.
pub(crate) fn decide_and_apply<B>(policy: &Policy, res: &mut ServiceResponse<B>, target: Target) {
    let decision = decide_logged(policy, res.request());
    apply(decision, res.headers_mut(), policy.mode, target);
}

/// The decision for `req`, with a debug line saying why when it adds no
/// CORS headers.
fn decide_logged<'p>(policy: &'p Policy, req: &HttpRequest) -> Decision<'p> {
    let facts = request_facts(req, policy);
    let decision = policy.decide(&facts);
    log_refusal(req, &facts, &decision);
    decision
}

/// The debug line saying why a response gets no CORS headers.
pub(crate) fn log_refusal(req: &HttpRequest, facts: &RequestFacts<'_>, decision: &Decision<'_>) {
    if let Some(reason) = decision.refused {
        tracing::debug!(
            path = ?req.path(),
            origin = %for_log(facts.origin),
            reason,
            "no CORS headers"
        );
    }
}

pub(crate) fn rejected_preflight(status: StatusCode, reason: Option<&str>) -> HttpResponse {
    Problem::typed("cors-preflight-rejected", status, "CORS preflight rejected")
        .with_detail(reason.unwrap_or("method not allowed"))
        .to_response()
}
