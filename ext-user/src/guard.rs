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

use actix_web::HttpMessage;

use crate::auth::{resolve, UnconfirmedAllowed};
use crate::{Roles, UserError};

/// Middleware that lets only signed-in users (with the given roles) by.
///
/// When email confirmation is on and `allow_login_without_confirmed_email`
/// lets unconfirmed users sign in, they are refused (403
/// `email-unconfirmed`) everywhere but behind
/// [`RequireUser::allow_unconfirmed_email`], as Flask-User's
/// `@allow_unconfirmed_email`; that also holds for [`crate::CurrentUser`]
/// in the routes it wraps.
#[derive(Clone, Debug)]
pub struct RequireUser {
    roles: Option<Arc<Roles>>,
    allow_unconfirmed: bool,
}

impl RequireUser {
    /// Lets users whose email is not confirmed yet by, too.
    ///
    /// ```
    /// use actix_web::{web, HttpResponse};
    /// use ext_user::login_required;
    ///
    /// let welcome = web::resource("/welcome")
    ///     .wrap(login_required().allow_unconfirmed_email())
    ///     .get(|| async { HttpResponse::Ok().body("check your mail") });
    /// # let _ = welcome;
    /// ```
    pub fn allow_unconfirmed_email(mut self) -> Self {
        self.allow_unconfirmed = true;
        self
    }
}

/// Signed-in users only (Flask-User's `@login_required`).
pub fn login_required() -> RequireUser {
    RequireUser {
        roles: None,
        allow_unconfirmed: false,
    }
}

/// Signed-in users who meet `roles` (`@roles_required`; nest groups with
/// [`Roles::and_one_of`]).
pub fn roles_required(roles: Roles) -> RequireUser {
    RequireUser {
        roles: Some(Arc::new(roles)),
        allow_unconfirmed: false,
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
            allow_unconfirmed: self.allow_unconfirmed,
        }))
    }
}

/// The service [`RequireUser`] wraps around the routes.
#[derive(Debug)]
pub struct RequireUserService<S> {
    service: Rc<S>,
    roles: Option<Arc<Roles>>,
    allow_unconfirmed: bool,
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
        if self.allow_unconfirmed {
            req.extensions_mut().insert(UnconfirmedAllowed);
        }
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
