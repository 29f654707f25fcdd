//! Request hooks, as Flask's `before_request` and `after_request`, run by one
//! dispatcher middleware for all extensions.
//!
//! For each request the dispatcher:
//!
//! 1. runs every before-hook in registration order; the first that answers
//!    the request (a CORS preflight, say) stops the rest and the handler;
//! 2. otherwise answers the health path itself (not a route, so other
//!    requests are not matched against it first), or calls the app's routes;
//! 3. lets the hooks replace an error response (`replace_error`: ext-cors
//!    answers Flask's automatic `OPTIONS` where actix answered 405), then
//!    turns any error response left into an RFC 9457 problem document
//!    ([`crate::problem::problem_for_error_response`]);
//! 4. runs every after-hook in reverse registration order, as Flask does, on
//!    every response: handler answers, error responses and answers from
//!    before-hooks alike.
//!
//! One limit: middleware that you wrap on a scope or resource should answer
//! errors as responses (`req.error_response(e)`), not as `Err`; an `Err` that
//! reaches the dispatcher carries no request to answer with, so actix answers
//! it without the problem form or the after-hooks. Handler errors, extractor
//! rejections and unknown paths are all responses and are covered.
//!
//! Hooks are synchronous: they run on every request and must be cheap. Work
//! that needs I/O on every request (loading a session) belongs in a
//! contributed middleware ([`crate::Setup::middleware`]), which runs between
//! steps 2 and 3 around the routes; work that only some handlers need
//! belongs in an extractor.

use std::future::{ready, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::body::BoxBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::{web, Error, HttpMessage, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;

use crate::health::{health_endpoint, HealthChecks};
use crate::middleware::{build_chain, MakeMiddleware, NextService};
use crate::problem::problem_for_error_response;

/// A hook into every request of the app.
///
/// ```
/// use actix_web::dev::{ServiceRequest, ServiceResponse};
/// use actix_web::http::header::{HeaderName, HeaderValue};
/// use actix_web::HttpResponse;
/// use ext_core::RequestHook;
///
/// /// Answers `/ping` itself and tags every response.
/// struct Tagger;
///
/// impl RequestHook for Tagger {
///     fn before_request(&self, req: &ServiceRequest) -> Option<HttpResponse> {
///         (req.path() == "/ping").then(|| HttpResponse::Ok().body("pong"))
///     }
///
///     fn after_request(&self, res: &mut ServiceResponse) {
///         res.headers_mut()
///             .insert(HeaderName::from_static("x-tag"), HeaderValue::from_static("1"));
///     }
/// }
/// ```
pub trait RequestHook: Send + Sync + 'static {
    /// Runs before routing. Returning a response answers the request: later
    /// before-hooks and the handler do not run; after-hooks still do.
    fn before_request(&self, req: &ServiceRequest) -> Option<HttpResponse> {
        let _ = req;
        None
    }

    /// Runs on every response, error responses included (already in problem
    /// form), and may edit it.
    fn after_request(&self, res: &mut ServiceResponse) {
        let _ = res;
    }

    /// Runs on an error response (status 400 or more) from the routes,
    /// before it becomes a problem document; returning a response replaces
    /// it (after-hooks still run, on the replacement). The first hook that
    /// answers wins. ext-cors answers `OPTIONS` here where a path's routes
    /// are for other methods, so no problem document is built only to be
    /// thrown away.
    fn replace_error(&self, res: &ServiceResponse) -> Option<HttpResponse> {
        let _ = res;
        None
    }

    /// Runs when no route matched the request, before the app answers 404;
    /// returning a response answers it instead (after-hooks still run).
    /// ext-cors answers `OPTIONS` here for paths that have routes for other
    /// methods, as Flask's automatic `OPTIONS` does.
    ///
    /// It is called from the app's default service: an app that sets its own
    /// `default_service` replaces it.
    fn unrouted(&self, req: &ServiceRequest) -> Option<HttpResponse> {
        let _ = req;
        None
    }
}

/// The app's default service: the first `unrouted` answer, else a 404
/// problem document (prepared once, so unknown paths cost no serialising).
pub(crate) fn unrouted_service(
    hooks: Hooks,
) -> impl actix_web::dev::ServiceFactory<
    ServiceRequest,
    Config = (),
    Response = ServiceResponse,
    Error = Error,
    InitError = (),
> + Clone {
    actix_web::dev::fn_service(move |req: ServiceRequest| {
        let answer = hooks.iter().find_map(|hook| hook.unrouted(&req));
        let response = answer.unwrap_or_else(not_found);
        ready(Ok(req.into_response(response)))
    })
}

const NOT_FOUND_BODY: &[u8] = br#"{"type":"about:blank","title":"Not Found","status":404}"#;

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .insert_header((
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::HeaderValue::from_static(crate::problem::PROBLEM_JSON),
        ))
        .body(NOT_FOUND_BODY)
}

pub(crate) type Hooks = Arc<[Arc<dyn RequestHook>]>;

/// The middleware that runs all hooks; wrapped once around each app.
pub(crate) struct HookDispatcher {
    hooks: Hooks,
    health: HealthRoute,
    middleware: Arc<[MakeMiddleware]>,
    pages: Option<Pages>,
    dev_page: bool,
}

/// HTML error pages, when ext-core is built with templates.
#[cfg(feature = "templates")]
pub(crate) type Pages = crate::templates::ErrorPages;
/// HTML error pages, when ext-core is built with templates.
#[cfg(not(feature = "templates"))]
pub(crate) type Pages = NoErrorPages;

/// Without the `templates` feature there are no HTML error pages.
#[cfg(not(feature = "templates"))]
#[derive(Clone, Debug)]
pub(crate) enum NoErrorPages {}

#[cfg(not(feature = "templates"))]
impl NoErrorPages {
    fn apply(&self, _: ServiceResponse) -> ServiceResponse {
        match *self {}
    }
}

/// The health endpoint, answered by the dispatcher itself.
///
/// It is not a route: a route registered before the app's own would be
/// tried first for every request (about 1% of a minimal request's cost in
/// actix's router); here other requests pay one string comparison.
#[derive(Clone)]
pub(crate) struct HealthRoute {
    pub(crate) path: Rc<str>,
    pub(crate) checks: web::Data<HealthChecks>,
}

impl HookDispatcher {
    pub(crate) fn new(
        hooks: Hooks,
        health: HealthRoute,
        middleware: Arc<[MakeMiddleware]>,
        pages: Option<Pages>,
        dev_page: bool,
    ) -> Self {
        Self {
            hooks,
            health,
            middleware,
            pages,
            dev_page: dev_page && crate::dev_page::AVAILABLE,
        }
    }
}

impl<S> Transform<S, ServiceRequest> for HookDispatcher
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = Error> + 'static,
    S::Future: 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Transform = HookDispatcherService<S>;
    type InitError = ();
    // Boxed: runs once per worker at start-up, not per request.
    type Future = LocalBoxFuture<'static, Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let service = Rc::new(service);
        // A per-worker copy: cloning an `Rc` per request touches no cache
        // line shared with other workers, as an `Arc` would.
        let hooks: WorkerHooks = Rc::new(Worker {
            hooks: self.hooks.iter().cloned().collect(),
            pages: self.pages.clone(),
            dev_page: self.dev_page,
        });
        let health = self.health.clone();
        let middleware = Arc::clone(&self.middleware);
        Box::pin(async move {
            let chain = if middleware.is_empty() {
                None
            } else {
                Some(Rc::new(build_chain(Rc::clone(&service), &middleware).await?))
            };
            Ok(HookDispatcherService {
                service,
                chain,
                hooks,
                health,
            })
        })
    }
}

/// The per-worker service of [`HookDispatcher`].
pub(crate) struct HookDispatcherService<S> {
    service: Rc<S>,
    /// The contributed middleware around the routes, if any extension
    /// registered some.
    chain: Option<Rc<NextService>>,
    hooks: WorkerHooks,
    health: HealthRoute,
}

type WorkerHooks = Rc<Worker>;

/// What a worker's dispatcher needs after the routes.
pub(crate) struct Worker {
    hooks: Box<[Arc<dyn RequestHook>]>,
    pages: Option<Pages>,
    /// Whether 5xx answers to browsers get the development error page.
    dev_page: bool,
}

impl std::ops::Deref for Worker {
    type Target = [Arc<dyn RequestHook>];

    fn deref(&self) -> &Self::Target {
        &self.hooks
    }
}

impl<S> Service<ServiceRequest> for HookDispatcherService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = Error> + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = DispatchFuture<S::Future>;

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        match &self.chain {
            Some(chain) => chain.poll_ready(cx),
            None => self.service.poll_ready(cx),
        }
    }

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        for hook in self.hooks.iter() {
            if let Some(answer) = hook.before_request(&req) {
                let mut res = req.into_response(answer);
                if is_error(res.status()) {
                    res = self.hooks.present_error(problem_for_error_response(res));
                }
                run_after_hooks(&self.hooks, &mut res);
                return DispatchFuture {
                    state: State::Answered { res: Some(res) },
                    hooks: Rc::clone(&self.hooks),
                };
            }
        }
        // HEAD is GET without the body, as in Werkzeug and RFC 9110: every
        // GET route answers it. actix-http remembers the method it read and
        // sends the head only, with the GET's `Content-Length`.
        if req.method() == Method::HEAD {
            req.head_mut().method = Method::GET;
            req.extensions_mut().insert(crate::head::AnsweringHead);
        }
        // The path as the router sees it (percent-encoded unreserved
        // characters decoded).
        if req.match_info().as_str() == &*self.health.path {
            return self.health(req);
        }
        if let Some(chain) = &self.chain {
            return DispatchFuture {
                state: State::Chained {
                    response: chain.call(req),
                },
                hooks: Rc::clone(&self.hooks),
            };
        }
        DispatchFuture {
            state: State::Routing {
                response: self.service.call(req),
            },
            hooks: Rc::clone(&self.hooks),
        }
    }
}

impl<S> HookDispatcherService<S> {
    /// `GET` on the health path runs the checks; other methods get 405, as
    /// from a `GET` route.
    fn health<F>(&self, req: ServiceRequest) -> DispatchFuture<F> {
        let hooks = Rc::clone(&self.hooks);
        if req.method() != Method::GET {
            let answer = HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, HeaderValue::from_static("GET")))
                .finish();
            let res = finish(&hooks, req.into_response(answer));
            return DispatchFuture {
                state: State::Answered { res: Some(res) },
                hooks,
            };
        }
        let (req, _) = req.into_parts();
        DispatchFuture {
            state: State::Health {
                checks: Box::pin(health_endpoint(self.health.checks.clone())),
                req: Some(req),
            },
            hooks,
        }
    }
}

pin_project_lite::pin_project! {
    /// The dispatcher's future: a named type rather than a boxed one, so a
    /// request costs no allocation here.
    pub(crate) struct DispatchFuture<F> {
        #[pin]
        state: State<F>,
        hooks: WorkerHooks,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProjection]
    enum State<F> {
        /// A before-hook answered; after-hooks already ran.
        Answered { res: Option<ServiceResponse> },
        /// The routes are working on it.
        Routing { #[pin] response: F },
        /// Contributed middleware and the routes are working on it.
        Chained { response: LocalBoxFuture<'static, Result<ServiceResponse, Error>> },
        /// The health checks are running.
        Health { checks: LocalBoxFuture<'static, HttpResponse>, req: Option<HttpRequest> },
    }
}

impl<F> Future for DispatchFuture<F>
where
    F: Future<Output = Result<ServiceResponse<BoxBody>, Error>>,
{
    type Output = Result<ServiceResponse<BoxBody>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match this.state.project() {
            StateProjection::Answered { res } => Poll::Ready(res.take().ok_or_else(polled_after_completion)),
            // An `Err` here can only come from middleware wrapped on a scope
            // or resource; it carries no request to answer with (the request
            // cannot be cloned before routing, which needs it unshared), so it
            // goes on to actix, which answers it without our hooks.
            StateProjection::Routing { response } => match response.poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
                Poll::Ready(Ok(res)) => Poll::Ready(Ok(finish(this.hooks, res))),
            },
            StateProjection::Chained { response } => match response.as_mut().poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
                Poll::Ready(Ok(res)) => Poll::Ready(Ok(finish(this.hooks, res))),
            },
            StateProjection::Health { checks, req } => {
                if req.is_none() {
                    return Poll::Ready(Err(polled_after_completion()));
                }
                let answer = std::task::ready!(checks.as_mut().poll(cx));
                Poll::Ready(match req.take() {
                    Some(req) => Ok(finish(this.hooks, ServiceResponse::new(req, answer))),
                    None => Err(polled_after_completion()),
                })
            }
        }
    }
}

fn polled_after_completion() -> Error {
    actix_web::error::ErrorInternalServerError("request dispatcher polled after completion")
}

/// The steps after the routes: an error response may be replaced by a hook,
/// then becomes a problem document; then the after-hooks run. Successful
/// responses (the common case) skip the error steps without being moved
/// through them.
fn finish(worker: &Worker, mut res: ServiceResponse) -> ServiceResponse {
    let hooks = &worker.hooks;
    if crate::head::is_head(res.request()) {
        res = crate::head::without_body(res);
    }
    if is_error(res.status()) {
        res = worker.present_error(problem_for_error_response(replace_error(hooks, res)));
    }
    run_after_hooks(hooks, &mut res);
    res
}

impl Worker {
    /// The one decision point for an error's form: a problem document, or
    /// an HTML page for a browser.
    fn present_error(&self, res: ServiceResponse) -> ServiceResponse {
        if self.dev_page && res.status().is_server_error() {
            return crate::dev_page::apply(res);
        }
        match &self.pages {
            Some(pages) => pages.apply(res),
            None => res,
        }
    }
}

fn is_error(status: actix_web::http::StatusCode) -> bool {
    status.is_client_error() || status.is_server_error()
}

/// The first hook's replacement for an error response, if any.
fn replace_error(hooks: &[Arc<dyn RequestHook>], res: ServiceResponse) -> ServiceResponse {
    match hooks.iter().find_map(|hook| hook.replace_error(&res)) {
        Some(answer) => res.into_response(answer),
        None => res,
    }
}

fn run_after_hooks(hooks: &[Arc<dyn RequestHook>], res: &mut ServiceResponse) {
    for hook in hooks.iter().rev() {
        hook.after_request(res);
    }
}
