//! The app-wide policy, run by ext-core's request hooks.

use std::sync::Arc;

use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use ext_core::{Problem, RequestHook};

use crate::headers::{apply, for_log, request_facts};
use crate::policy::{Mode, Policy};
use crate::resources::ResourcePolicies;

/// Marks a response whose CORS headers a per-route override already decided,
/// so the app-wide policy leaves it alone (as `@cross_origin` beats `CORS(app)`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct CorsEvaluated;

pub(crate) struct CorsHook {
    pub(crate) policies: Arc<ResourcePolicies>,
    /// `policies.any_rejection_status()`, computed once.
    pub(crate) rejects_preflights: bool,
}

impl CorsHook {
    pub(crate) fn new(policies: ResourcePolicies) -> Self {
        CorsHook {
            rejects_preflights: policies.any_rejection_status(),
            policies: Arc::new(policies),
        }
    }
}

impl RequestHook for CorsHook {
    /// Only with `preflight_rejection_status`: refuses a preflight whose
    /// origin or method is not allowed, before any handler runs.
    fn before_request(&self, req: &ServiceRequest) -> Option<HttpResponse> {
        if !self.rejects_preflights || req.method() != Method::OPTIONS {
            return None;
        }
        let policy = self.policies.find(req.path())?;
        let status = policy.rejection_status?;
        let facts = request_facts(req.request());
        facts.origin?;
        facts.request_method?;
        let decision = policy.decide(&facts);
        decision
            .preflight_rejected
            .then(|| rejected_preflight(status, decision.refused))
    }

    /// Flask's automatic `OPTIONS`: a path with routes for other methods
    /// answers `OPTIONS` with an empty 200 (the after-hook adds the headers).
    fn unrouted(&self, req: &ServiceRequest) -> Option<HttpResponse> {
        if req.method() != Method::OPTIONS {
            return None;
        }
        let policy = self.policies.find(req.path())?;
        (policy.automatic_options && req.request().resource_map().has_resource(req.path()))
            .then(|| HttpResponse::Ok().finish())
    }

    /// Flask's automatic `OPTIONS` where actix answered 405 (or 404 for
    /// routes with method guards): the empty 200 replaces the error before
    /// it is turned into a problem document; the after-hook adds the headers.
    fn replace_error(&self, res: &ServiceResponse) -> Option<HttpResponse> {
        if res.request().method() != Method::OPTIONS {
            return None;
        }
        let policy = self.policies.find(res.request().path())?;
        (policy.automatic_options && routed_without_options(res))
            .then(|| automatic_options_response(res.response().headers().get(header::ALLOW)))
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
        decide_and_apply(policy, res);
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
pub(crate) fn decide_and_apply<B>(policy: &Policy, res: &mut ServiceResponse<B>) {
    let decision = {
        let req: &HttpRequest = res.request();
        let facts = request_facts(req);
        let decision = policy.decide(&facts);
        if let Some(reason) = decision.refused {
            tracing::debug!(
                path = ?req.path(),
                origin = %for_log(facts.origin),
                reason,
                "no CORS headers"
            );
        }
        decision
    };
    apply(decision, res.headers_mut(), policy.mode);
}

pub(crate) fn rejected_preflight(status: StatusCode, reason: Option<&str>) -> HttpResponse {
    Problem::typed("cors-preflight-rejected", status, "CORS preflight rejected")
        .with_detail(reason.unwrap_or("method not allowed"))
        .to_response()
}
