//! Middleware that extensions contribute through [`crate::Setup::middleware`]:
//! the async around-hook.
//!
//! A synchronous [`crate::RequestHook`] cannot wait for I/O. An extension that
//! must load per-request state before the handler and save it after (a
//! session: load → call → save, set the cookie) contributes an ordinary
//! actix-web middleware instead — most simply `actix_web::middleware::from_fn`
//! over an `async fn` — and ext-core wraps it around the routes of every
//! worker, in registration order, so registering the extension is still one
//! call.
//!
//! Where it runs, per request: the before-hooks first (a CORS preflight is
//! answered without loading a session), then the health path, then the
//! contributed middleware (the first registered outermost) around the routes;
//! then error responses become problem documents (or HTML pages) and the
//! after-hooks run. An app that registers no middleware pays nothing: the
//! dispatcher calls the routes directly.

use std::rc::Rc;
use std::sync::Arc;

use actix_service::boxed::{self, BoxService};
use actix_service::{Service, ServiceExt, Transform};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::Error;
use futures_util::future::LocalBoxFuture;

/// The service a contributed middleware wraps: the routes, or the next
/// contributed middleware.
pub type NextService = BoxService<ServiceRequest, ServiceResponse<BoxBody>, Error>;

/// Builds one contributed middleware around the service inside it, once per
/// worker.
pub(crate) type MakeMiddleware =
    Arc<dyn Fn(NextService) -> LocalBoxFuture<'static, Result<NextService, ()>> + Send + Sync>;

/// Erases a middleware factory `make` (called once per worker, since actix
/// middleware is usually `!Send`) into a [`MakeMiddleware`].
pub(crate) fn erase<F, T, B>(make: F) -> MakeMiddleware
where
    F: Fn() -> T + Send + Sync + 'static,
    T: Transform<NextService, ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    T::Transform: 'static,
    T::InitError: std::fmt::Debug,
    B: MessageBody + 'static,
{
    Arc::new(move |inner: NextService| {
        let transform = make();
        Box::pin(async move {
            let service = transform.new_transform(inner).await.map_err(|error| {
                tracing::error!(?error, "a contributed middleware failed to start");
            })?;
            Ok(boxed::service(service.map(ServiceResponse::map_into_boxed_body)))
        })
    })
}

/// Builds a worker's chain: `routes` inside every contributed middleware, the
/// first registered outermost.
pub(crate) async fn build_chain<S>(routes: Rc<S>, middleware: &[MakeMiddleware]) -> Result<NextService, ()>
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = Error> + 'static,
    S::Future: 'static,
{
    // `Rc<S>` is a service too: the chain and the dispatcher's direct path
    // share the worker's routes.
    let mut inner = boxed::service(routes);
    for make in middleware.iter().rev() {
        inner = make(inner).await?;
    }
    Ok(inner)
}
