//! The request span that tracing-actix-web opens for each request, with
//! two differences from its default:
//!
//! - `http.client_ip` is [`ext_core::client_ip`]: the socket's peer, or
//!   what a proxy in `[app] trusted_proxies` forwarded. The default takes
//!   the first `X-Forwarded-For` address, which any client writes itself.
//! - What the client sent (target, host, user agent) is recorded with
//!   `Debug`, so it is quoted and escaped in the log: a user agent holding
//!   `" http.status_code=200` cannot forge a field or a line.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::Error;
use tracing::field::Empty;
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};

/// The example's [`RootSpanBuilder`]: `TracingLogger::<RequestSpan>::new()`.
#[derive(Debug)]
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let client_ip = ext_core::client_ip(request.request())
            .map(|address| address.to_string())
            .unwrap_or_default();
        let sent = |name: &str| {
            request
                .headers()
                .get(name)
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
                .unwrap_or_default()
        };
        let route = request.match_pattern().unwrap_or_else(|| "default".to_owned());
        let target = request
            .uri()
            .path_and_query()
            .map(|target| target.as_str())
            .unwrap_or("");
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = ?target,
            http.host = ?sent("host"),
            http.client_ip = %client_ip,
            http.user_agent = ?sent("user-agent"),
            http.status_code = Empty,
            otel.kind = "server",
            otel.status_code = Empty,
            exception.message = Empty,
            exception.details = Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
