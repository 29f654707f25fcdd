//! An ext-core app as an in-process service, for tests that call it with
//! no socket.

use std::time::{Duration, Instant};

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
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

/// Calls `GET uri` every 200 ms until it answers 200, and returns that
/// answer; panics with the last status when `within` has passed. For
/// outage tests: the app must recover by itself once its service is back.
pub async fn wait_for_ok<S>(app: &S, uri: &str, within: Duration) -> ServiceResponse
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let deadline = Instant::now() + within;
    loop {
        let res = test::call_service(app, test::TestRequest::get().uri(uri).to_request()).await;
        if res.status() == StatusCode::OK {
            return res;
        }
        assert!(Instant::now() < deadline, "no recovery: still {}", res.status());
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
}
