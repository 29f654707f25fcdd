//! `login_required`, `roles_required` and `roles_accepted` for a scope or
//! a resource: middleware that answers 401 when nobody is signed in and 403
//! when the user lacks the roles, before the handler runs.
//!
//! ```
//! use actix_web::{web, HttpResponse};
//! use ext_user::{login_required, roles_required, Roles};
//!
//! fn routes(cfg: &mut web::ServiceConfig) {
//!     cfg.service(
//!         web::scope("/admin")
//!             .wrap(roles_required(Roles::required(["admin"])))
//!             .route("", web::get().to(|| async { HttpResponse::Ok().finish() })),
//!     )
//!     .service(
//!         web::resource("/account")
//!             .wrap(login_required())
//!             .get(|| async { HttpResponse::Ok().finish() }),
//!     );
//! }
//! ```

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::{Error, ResponseError};

use crate::auth::resolve;
use crate::{Roles, UserError};

/// Middleware that lets only signed-in users (with the given roles) by.
#[derive(Clone, Debug)]
pub struct RequireUser {
    roles: Option<Arc<Roles>>,
}

/// Signed-in users only (Flask-User's `@login_required`).
pub fn login_required() -> RequireUser {
    RequireUser { roles: None }
}

/// Signed-in users who meet `roles` (`@roles_required`; nest groups with
/// [`Roles::and_one_of`]).
pub fn roles_required(roles: Roles) -> RequireUser {
    RequireUser {
        roles: Some(Arc::new(roles)),
    }
}

/// Signed-in users with any one of `roles` (`@roles_accepted`).
pub fn roles_accepted<I, S>(roles: I) -> RequireUser
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    roles_required(Roles::accepted(roles))
}

impl<S, B> Transform<S, ServiceRequest> for RequireUser
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = RequireUserService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequireUserService {
            service: Rc::new(service),
            roles: self.roles.clone(),
        }))
    }
}

/// The service [`RequireUser`] wraps around the routes.
#[derive(Debug)]
pub struct RequireUserService<S> {
    service: Rc<S>,
    roles: Option<Arc<Roles>>,
}

impl<S, B> Service<ServiceRequest> for RequireUserService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Error>>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let roles = self.roles.clone();
        Box::pin(async move {
            let verdict = match resolve(req.request()).await {
                Ok(Some(user)) => match &roles {
                    Some(roles) if !user.has_roles(roles) => Err(UserError::Forbidden),
                    _ => Ok(()),
                },
                Ok(None) => Err(UserError::Unauthenticated),
                Err(error) => Err(error),
            };
            match verdict {
                Ok(()) => Ok(service.call(req).await?.map_into_left_body()),
                Err(error) => Ok(req.into_response(error.error_response()).map_into_right_body()),
            }
        })
    }
}
