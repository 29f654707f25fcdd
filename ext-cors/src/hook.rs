//! The app-wide policy, run by ext-core's request hooks.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::http::Method;
use actix_web::HttpResponse;
use ext_core::RequestHook;

use crate::answer::{
    answer_with_headers, automatic_options_response, decide_and_apply, log_refusal, rejected_preflight,
    routed_without_options, write_answer, CorsEvaluated,
};
use crate::headers::{request_facts, Target};
use crate::policy::Mode;
use crate::resources::ResourcePolicies;
use crate::CorsState;

pub(crate) struct CorsHook {
    pub(crate) policies: Arc<ResourcePolicies>,
    /// Whether any resource refuses bad preflights with a status or answers
    /// preflights before routing (computed once): otherwise the before-hook
    /// has nothing to do and skips the path look-up.
    preflight_work: bool,
    /// The app's state, shared with its `CrossOrigin` overrides: whether one
    /// is in use.
    state: Arc<CorsState>,
}

impl CorsHook {
    pub(crate) fn new(policies: ResourcePolicies, state: Arc<CorsState>) -> Self {
        CorsHook {
            preflight_work: policies.any_preflight_work(),
            policies: Arc::new(policies),
            state,
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
        let answers_early =
            policy.preflight_before_routing && !self.state.overrides_in_use.load(Ordering::Relaxed);
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
