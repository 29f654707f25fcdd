//! An overall deadline for a request's handler (`[app] handler_timeout_ms`,
//! a minute by default; 0 turns it off).
//!
//! Past it, the handler's future is dropped (a transaction rolls back, a
//! MongoDB call is abandoned) and the answer is a 503 problem
//! (`handler-timeout`, `Retry-After: 1`). It bounds what nothing else
//! does: a database or MongoDB server that accepts connections but stops
//! answering (the MongoDB driver has no operation timeout), or a slow
//! handler. It ends when the response's head is ready: a body that streams
//! for longer (a large download) is not cut.
//!
//! One limit: the answer is built without the request's after-hooks (CORS
//! headers, error pages). The deadline runs before routing, where actix-web
//! needs the request to itself, so no copy of it can be kept to answer
//! with; the 503 reaches the client as the error's own problem document.

use std::time::Duration;

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::{Error, HttpResponse, ResponseError};

use crate::Problem;

/// A handler that ran past `[app] handler_timeout_ms`: 503
/// `handler-timeout`.
#[derive(Debug, thiserror::Error)]
#[error("the request took longer than {} ms", .0.as_millis())]
pub struct HandlerTimedOut(pub Duration);

impl ResponseError for HandlerTimedOut {
    fn status_code(&self) -> StatusCode {
        StatusCode::SERVICE_UNAVAILABLE
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = Problem::typed(
            "handler-timeout",
            StatusCode::SERVICE_UNAVAILABLE,
            "Request timeout",
        )
        .with_detail(format!("{self}; try again shortly"))
        .to_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        response
    }
}

/// `answer`, or a [`HandlerTimedOut`] error once `timeout` has passed (the
/// answer's future is dropped).
pub(crate) async fn within<F>(timeout: Duration, answer: F) -> Result<ServiceResponse<BoxBody>, Error>
where
    F: std::future::Future<Output = Result<ServiceResponse<BoxBody>, Error>>,
{
    match tokio::time::timeout(timeout, answer).await {
        Ok(answered) => answered,
        Err(_) => {
            tracing::warn!(
                timeout_ms = timeout.as_millis(),
                "a request ran past its deadline"
            );
            Err(HandlerTimedOut(timeout).into())
        }
    }
}
