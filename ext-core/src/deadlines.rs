//! The middleware that applies both deadlines of `[app]`: the body's
//! (`body_timeout_ms`, see [`crate::body_deadline`]) and the handler's
//! (`handler_timeout_ms`, see [`crate::HandlerTimedOut`]). It sits inside
//! the hook dispatcher, so a body timeout's 408 is a problem document that
//! goes through the after-hooks.

use std::rc::Rc;
use std::time::Duration;

use actix_service::{Service, Transform};
use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::Error;
use futures_util::future::{ready, Either, LocalBoxFuture, Ready};

/// The deadlines; `None` where the setting is 0 (off).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadlines {
    pub(crate) body: Option<Duration>,
    pub(crate) handler: Option<Duration>,
}

impl<S> Transform<S, ServiceRequest> for Deadlines
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = Error> + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Transform = DeadlinesService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(DeadlinesService {
            service: Rc::new(service),
            deadlines: *self,
        }))
    }
}

pub(crate) struct DeadlinesService<S> {
    service: Rc<S>,
    deadlines: Deadlines,
}

impl<S> Service<ServiceRequest> for DeadlinesService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = Error> + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = Either<S::Future, LocalBoxFuture<'static, Result<ServiceResponse<BoxBody>, Error>>>;

    actix_service::forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        if let Some(timeout) = self.deadlines.body {
            crate::body_deadline::limit_body(&mut req, timeout);
        }
        let answer = self.service.call(req);
        match self.deadlines.handler {
            None => Either::Left(answer),
            Some(timeout) => Either::Right(Box::pin(crate::handler_deadline::within(timeout, answer))),
        }
    }
}
