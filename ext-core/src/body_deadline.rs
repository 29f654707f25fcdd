//! A deadline for reading a request's body (`[app] body_timeout_ms`).
//!
//! actix-web bounds the time to read a request's head
//! (`client_request_timeout`) but not its body: a client sending one byte a
//! second keeps its request, and whatever the handler holds while it reads,
//! for as long as it likes. Every body the routes read is wrapped here; once
//! the deadline passes, the next read fails with [`BodyTimedOut`] and the
//! answer is a 408 problem (`body-timeout`). Requests without a body pay
//! nothing.
//!
//! The deadline counts from the moment the request reaches the routes, for
//! the whole body, so a trickle that keeps a connection busy cannot extend
//! it. Raise it for large uploads over slow links.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::dev::{Payload, ServiceRequest};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::HttpMessage;
use futures_util::Stream;
use tokio::time::{sleep, Sleep};

/// The error a body read gets once its deadline has passed; inside a
/// [`PayloadError::Io`] of kind `TimedOut`.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
pub struct BodyTimedOut(pub Duration);

/// Whether `error` is a body read that ran past `[app] body_timeout_ms`.
///
/// ```
/// use std::time::Duration;
/// use actix_web::error::PayloadError;
/// use ext_core::body_deadline::{is_body_timeout, BodyTimedOut};
///
/// let late = PayloadError::Io(std::io::Error::new(
///     std::io::ErrorKind::TimedOut,
///     BodyTimedOut(Duration::from_secs(30)),
/// ));
/// assert!(is_body_timeout(&late));
/// assert!(!is_body_timeout(&PayloadError::Incomplete(None)));
/// ```
pub fn is_body_timeout(error: &PayloadError) -> bool {
    match error {
        PayloadError::Io(io) => io
            .get_ref()
            .is_some_and(|inner| inner.downcast_ref::<BodyTimedOut>().is_some()),
        _ => false,
    }
}

/// Makes `req`'s body fail once `timeout` has passed, if it has one.
pub(crate) fn limit_body(req: &mut ServiceRequest, timeout: Duration) {
    if has_body(req) {
        let body = TimedBody {
            inner: req.take_payload(),
            deadline: Box::pin(sleep(timeout)),
            timeout,
            done: false,
        };
        req.set_payload(Payload::from(
            Box::pin(body) as Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>
        ));
    }
}

/// Whether the request announces a body: a non-zero `Content-Length` or
/// a `Transfer-Encoding`.
fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|length| length.as_bytes() != b"0")
}

/// A body that fails once its deadline has passed.
struct TimedBody {
    inner: Payload,
    deadline: Pin<Box<Sleep>>,
    timeout: Duration,
    done: bool,
}

impl Stream for TimedBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => {
                self.done = true;
                let timeout = self.timeout;
                Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    BodyTimedOut(timeout),
                )))))
            }
        }
    }
}
