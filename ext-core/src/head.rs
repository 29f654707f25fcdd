//! HEAD answered by the GET routes, as Werkzeug does (RFC 9110 §9.3.2).
//!
//! The dispatcher rewrites a HEAD request to GET before routing, marks it,
//! and after the routes replaces the body with one of the same declared
//! size that yields nothing: `Content-Length` stays the GET's, and no byte
//! of the body is produced or sent (actix-http would not send it either,
//! but a test service or a middleware reading the body would see it).

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest};

/// The mark on a request that arrived as HEAD.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AnsweringHead;

/// Whether the request arrived as HEAD: its method reads GET once the
/// dispatcher has rewritten it. A handler that can answer HEAD more
/// cheaply than GET (without reading a file, say) asks this.
///
/// ```
/// use actix_web::test::TestRequest;
///
/// let req = TestRequest::default().method(actix_web::http::Method::HEAD).to_http_request();
/// assert!(ext_core::is_head(&req));
/// assert!(!ext_core::is_head(&TestRequest::get().to_http_request()));
/// ```
pub fn is_head(req: &HttpRequest) -> bool {
    req.method() == actix_web::http::Method::HEAD || req.extensions().contains::<AnsweringHead>()
}

/// `res` with a body that declares the same size and yields nothing.
pub(crate) fn without_body(res: ServiceResponse) -> ServiceResponse {
    res.map_body(|_, body| BoxBody::new(HeadBody(body.size())))
}

/// A body of a declared size and no bytes.
struct HeadBody(BodySize);

impl MessageBody for HeadBody {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        self.0
    }

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(None)
    }
}
