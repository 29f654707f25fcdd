//! The app-wide policy, run by ext-core's request hooks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use ext_core::{Problem, RequestHook};

use crate::headers::{apply, for_log, request_facts, Target};
use crate::policy::{Decision, Mode, Policy, RequestFacts};
use crate::resources::ResourcePolicies;

/// Marks a response whose CORS headers a per-route override already decided,
/// so the app-wide policy leaves it alone (as `@cross_origin` beats `CORS(app)`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct CorsEvaluated;

pub(crate) struct CorsHook {
    pub(crate) policies: Arc<ResourcePolicies>,
    /// Whether any resource refuses bad preflights with a status or answers
    /// preflights before routing (computed once): otherwise the before-hook
    /// has nothing to do and skips the path look-up.
    preflight_work: bool,
}

/// Set when an app-wide policy answers preflights before routing, so that a
/// `CrossOrigin` built later can say it turns that off.
static PREFLIGHTS_BEFORE_ROUTING: AtomicBool = AtomicBool::new(false);

pub(crate) fn any_preflight_before_routing() -> bool {
    PREFLIGHTS_BEFORE_ROUTING.load(Ordering::Relaxed)
}

impl CorsHook {
    pub(crate) fn new(policies: ResourcePolicies) -> Self {
        if policies.any_preflight_before_routing() {
            PREFLIGHTS_BEFORE_ROUTING.store(true, Ordering::Relaxed);
        }
        CorsHook {
            preflight_work: policies.any_preflight_work(),
            policies: Arc::new(policies),
        }
    }
}

impl RequestHook for CorsHook {
    /// Runs only for a CORS preflight (`OPTIONS` with
    /// `Access-Control-Request-Method`) to a path whose policy either
    /// refuses bad preflights with `preflight_rejection_status` (before any
    /// handler runs) or answers preflights before routing.
    fn before_request(&self, req: &ServiceRequest) -> Option<HttpResponse> {
        if !self.preflight_work || req.method() != Method::OPTIONS {
            return None;
        }
        let policy = self.policies.find(req.path())?;
        let answers_early = policy.preflight_before_routing && !crate::cross_origin::any_in_use();
        if policy.rejection_status.is_none() && !answers_early {
            return None;
        }
        let facts = request_facts(req.request(), policy);
        facts.request_method?;
        let decision = policy.decide(&facts);
        if let (Some(status), Some(_)) = (policy.rejection_status, facts.origin) {
            if decision.preflight_rejected {
                return Some(rejected_preflight(status, decision.refused));
            }
        }
        if !answers_early {
            return None;
        }
        log_refusal(req.request(), &facts, &decision);
        let mut response = HttpResponse::Ok().finish();
        write_answer(policy, decision, &mut response);
        Some(response)
    }

    /// Flask's automatic `OPTIONS`: a path with routes for other methods
    /// answers `OPTIONS` with an empty 200 and the CORS headers.
    fn unrouted(&self, req: &ServiceRequest) -> Option<HttpResponse> {
        if req.method() != Method::OPTIONS {
            return None;
        }
        let policy = self.policies.find(req.path())?;
        if !(policy.automatic_options && req.request().resource_map().has_resource(req.path())) {
            return None;
        }
        let mut response = HttpResponse::Ok().finish();
        answer_with_headers(policy, req.request(), &mut response);
        Some(response)
    }

    /// Flask's automatic `OPTIONS` where actix answered 405 (or 404 for
    /// routes with method guards): the empty 200 and the CORS headers
    /// replace the error before it is turned into a problem document.
    fn replace_error(&self, res: &ServiceResponse) -> Option<HttpResponse> {
        if res.request().method() != Method::OPTIONS {
            return None;
        }
        let policy = self.policies.find(res.request().path())?;
        if !(policy.automatic_options && routed_without_options(res)) {
            return None;
        }
        let mut response = automatic_options_response(res.response().headers().get(header::ALLOW));
        answer_with_headers(policy, res.request(), &mut response);
        Some(response)
    }

    fn after_request(&self, res: &mut ServiceResponse) {
        if res.response().extensions().contains::<CorsEvaluated>()
            || res.headers().contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        {
            return;
        }
        let Some(policy) = self.policies.find(res.request().path()) else {
            return;
        };
        if !policy.intercept_exceptions && policy.mode == Mode::Default && res.response().error().is_some() {
            return;
        }
        decide_and_apply(policy, res, Target::Handler);
    }
}

/// Writes the CORS headers onto an answer ext-cors built itself, and marks
/// it decided when it got none (the after-hook would only decide again).
fn answer_with_headers(policy: &Policy, req: &HttpRequest, response: &mut HttpResponse) {
    write_answer(policy, decide_logged(policy, req), response);
}

/// [`answer_with_headers`] for a decision already made.
fn write_answer(policy: &Policy, decision: Decision<'_>, response: &mut HttpResponse) {
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
fn log_refusal(req: &HttpRequest, facts: &RequestFacts<'_>, decision: &Decision<'_>) {
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
