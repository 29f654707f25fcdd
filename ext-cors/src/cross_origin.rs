//! A per-route or per-scope policy that wins over the app-wide one, as
//! Flask-Cors's `@cross_origin` decorator does.

use std::cell::OnceCell;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{web, Error};

use crate::answer::{
    automatic_options_response, decide_and_apply, rejected_preflight, routed_without_options, CorsEvaluated,
};
use crate::headers::Target;
use crate::options::CorsOptions;
use crate::policy::{Mode, Policy};
use crate::CorsState;

/// A policy for one resource or scope, over the app's `[cors]` settings.
///
/// Options resolve as in Flask-Cors's decorator: built-in defaults < the
/// app's `[cors]` settings (not its `resources`) < the options set here. The
/// response it decides is left alone by the app-wide policy, even when the
/// origin was refused here.
///
/// With `automatic_options` (the default) it answers `OPTIONS` itself with
/// 200 and the CORS headers, without calling the handler.
///
/// Build it with [`CrossOrigin::in_app`] where you have the [`ExtApp`]: its
/// options are then resolved against the app's when the worker starts, so a
/// clash (say `*` origins where the app supports credentials) fails
/// start-up, and the app learns that an override is in use. One built
/// without the app resolves at its first request; in an app that answers
/// preflights before routing (`preflight_before_routing`) such an override
/// answers 500 and logs why, since preflights meant for it may already have
/// been answered by the app-wide policy.
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use ext_cors::CrossOrigin;
///
/// let app = App::new().service(
///     web::resource("/special")
///         // Wrap the resource (or a scope): its policy beats the app's.
///         .wrap(CrossOrigin::new().origins(["https://partner.example"]).max_age(600))
///         .route(web::get().to(HttpResponse::Ok)),
/// );
/// ```
#[derive(Clone, Debug, Default)]
pub struct CrossOrigin {
    options: CorsOptions,
    /// The app's `[cors]` state, when built with [`CrossOrigin::in_app`].
    app: Option<Arc<CorsState>>,
}

crate::builder_methods!(CrossOrigin);

impl CrossOrigin {
    /// A policy with every option inherited.
    pub fn new() -> Self {
        Self::default()
    }

    /// A policy from a whole set of options.
    pub fn from_options(options: CorsOptions) -> Self {
        Self { options, app: None }
    }

    /// Binds the override to `app`: its options resolve over the app's
    /// `[cors]` when the worker starts (a clash fails start-up), and the
    /// app-wide policy stops answering preflights before routing, so this
    /// override sees its own. An app without ext-cors leaves it unbound.
    ///
    /// ```
    /// # actix_rt::System::new().block_on(async {
    /// use actix_web::{web, HttpResponse};
    /// use ext_core::{AppBuilder, Config};
    /// use ext_cors::{Cors, CrossOrigin};
    ///
    /// let ext = AppBuilder::new(Config::empty()).register(Cors::new()).init().await.unwrap();
    /// let app = ext.app().service(
    ///     web::resource("/special")
    ///         .wrap(CrossOrigin::new().origins(["https://partner.example"]).in_app(&ext))
    ///         .route(web::get().to(HttpResponse::Ok)),
    /// );
    /// # let _ = app;
    /// # });
    /// ```
    pub fn in_app(mut self, app: &ext_core::ExtApp) -> Self {
        self.app = app.registry().get::<CorsState>();
        if let Some(state) = &self.app {
            let first = !state.overrides_in_use.swap(true, Ordering::Relaxed);
            if first && state.answers_preflights_early {
                tracing::warn!(
                    "preflight_before_routing is off: a CrossOrigin override is in use, and its preflights must reach it"
                );
            }
        }
        self
    }

    /// Resolves the options over the app's settings, if ext-cors is registered.
    fn resolve(&self, state: Option<&CorsState>) -> Result<Policy, crate::CorsConfigError> {
        let (options, mode) = match state {
            Some(state) => {
                let options = self.options.over(&state.app_options);
                let mode = if self.options.flask_compatible.is_some() {
                    Mode::from_options(&self.options)
                } else {
                    state.mode
                };
                (options, mode)
            }
            None => (self.options.clone(), Mode::from_options(&self.options)),
        };
        // The override answers OPTIONS itself already (`automatic_options`);
        // the app-wide shortcut means nothing here.
        let options = CorsOptions {
            preflight_before_routing: None,
            ..options
        };
        Policy::compile(&options, mode, "cross_origin")
    }
}

impl<S, B> Transform<S, ServiceRequest> for CrossOrigin
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = CrossOriginService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        // Fails the worker's start-up on options that are wrong in
        // themselves or, when bound to the app, clash with its settings.
        let policy = match self.resolve(self.app.as_deref()) {
            Ok(policy) => policy,
            Err(error) => {
                tracing::error!(%error, "invalid CrossOrigin policy");
                return ready(Err(()));
            }
        };
        let resolved = OnceCell::new();
        if self.app.is_some() {
            let _ = resolved.set(Some(Rc::new(policy)));
        }
        ready(Ok(CrossOriginService {
            service: Rc::new(service),
            options: self.clone(),
            policy: Rc::new(resolved),
        }))
    }
}

/// The per-worker service of [`CrossOrigin`].
#[derive(Debug)]
pub struct CrossOriginService<S> {
    service: Rc<S>,
    options: CrossOrigin,
    /// Resolved when the worker starts (bound to the app), or on the first
    /// request, when the app's settings are at hand.
    policy: Rc<OnceCell<Option<Rc<Policy>>>>,
}

type ResponseFuture<B> = Pin<Box<dyn Future<Output = Result<ServiceResponse<EitherBody<B>>, Error>>>>;

impl<S, B> Service<ServiceRequest> for CrossOriginService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = ResponseFuture<B>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let policy = self.policy.get_or_init(|| {
            let state = req.app_data::<web::Data<CorsState>>().map(|data| data.get_ref());
            if let Some(state) = state {
                state.overrides_in_use.store(true, Ordering::Relaxed);
                if state.answers_preflights_early {
                    // Its preflights may have been answered by the app-wide
                    // policy before this first request: fail closed.
                    tracing::error!(
                        "a CrossOrigin built without CrossOrigin::in_app(&ext) serves an app that answers preflights before routing; build it with in_app"
                    );
                    return None;
                }
            }
            match self.options.resolve(state) {
                Ok(policy) => Some(Rc::new(policy)),
                Err(error) => {
                    tracing::error!(%error, "invalid CrossOrigin policy");
                    None
                }
            }
        });
        let Some(policy) = policy.clone() else {
            let response = ext_core::Problem::new(StatusCode::INTERNAL_SERVER_ERROR).to_response();
            return Box::pin(ready(Ok(req.into_response(response).map_into_right_body())));
        };
        let is_options = req.method() == Method::OPTIONS;
        if is_options && policy.automatic_options {
            let facts = crate::headers::request_facts(req.request(), &policy);
            let rejection = policy.rejection_status.filter(|_| facts.origin.is_some());
            let decision_rejected = rejection.is_some() && policy.decide(&facts).preflight_rejected;
            let response = match rejection {
                Some(status) if decision_rejected => rejected_preflight(status, None),
                _ => automatic_options_response(None),
            };
            let mut res = req.into_response(response);
            decide_and_apply(&policy, &mut res, Target::Fresh);
            res.response_mut().extensions_mut().insert(CorsEvaluated);
            return Box::pin(ready(Ok(res.map_into_right_body())));
        }
        let response = self.service.call(req);
        Box::pin(async move {
            let res = response.await?;
            if is_options && routed_without_options(&res) {
                // The handler does not take OPTIONS and this policy leaves
                // OPTIONS to the app: Flask's own automatic answer, which the
                // decorator never sees.
                let allow: Option<HeaderValue> = res.headers().get(header::ALLOW).cloned();
                let (req, _) = res.into_parts();
                let mut res = ServiceResponse::new(req, automatic_options_response(allow.as_ref()));
                res.response_mut().extensions_mut().insert(CorsEvaluated);
                return Ok(res.map_into_right_body());
            }
            let mut res = res;
            if !res.headers().contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
                decide_and_apply(&policy, &mut res, Target::Handler);
            }
            res.response_mut().extensions_mut().insert(CorsEvaluated);
            Ok(res.map_into_left_body())
        })
    }
}
