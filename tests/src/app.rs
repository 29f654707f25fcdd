//! An ext-core app as an in-process service, for tests that call it with
//! no socket.

use actix_web::dev::{Service, ServiceResponse};
use actix_web::{test, web, App};
use ext_core::ExtApp;

/// `ext`'s app with `routes` added, initialised for `test::call_service`.
pub async fn service(
    ext: &ExtApp,
    routes: impl FnOnce(&mut web::ServiceConfig),
) -> impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error> {
    let app: App<_> = ext.app();
    test::init_service(app.configure(routes)).await
}
