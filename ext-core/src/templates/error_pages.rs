//! Error pages by content negotiation: the one place that decides whether
//! an error response is a problem document (APIs, scripts) or an HTML page
//! (a browser that prefers `text/html`).
//!
//! The page comes from `errors/<status>.html` if the app or an extension
//! has one, else `errors/error.html` (bundled; override it by dropping a
//! file of that name into the app's templates folder). It sees `status`,
//! `title`, `detail` (for 4xx, as in the problem) and `type`.

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};

use super::Templates;
use crate::negotiate::prefers_html;
use crate::problem::PROBLEM_JSON;

/// The bundled fallback page.
pub(crate) const ERROR_PAGE: (&str, &str) = ("errors/error.html", include_str!("error.html"));

/// Renders HTML error pages for browsers.
#[derive(Clone, Debug)]
pub(crate) struct ErrorPages {
    templates: Arc<Templates>,
}

impl ErrorPages {
    pub(crate) fn new(templates: Arc<Templates>) -> Self {
        Self { templates }
    }

    /// Turns a problem document into an HTML page when the client prefers
    /// HTML; anything else passes unchanged.
    pub(crate) fn apply(&self, res: ServiceResponse) -> ServiceResponse {
        let is_problem = res
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
        if !is_problem || !prefers_html(res.request()) {
            return res;
        }
        let req = res.request().clone();
        let status = res.status();
        res.map_body(|head, body| {
            let bytes = match body.try_into_bytes() {
                Ok(bytes) => bytes,
                Err(body) => return body,
            };
            let problem: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            let specific = format!("errors/{}.html", status.as_u16());
            let name = if self.templates.has(&specific) {
                specific.as_str()
            } else {
                ERROR_PAGE.0
            };
            let ctx = minijinja::context! {
                status => status.as_u16(),
                title => problem["title"].as_str().unwrap_or(status.canonical_reason().unwrap_or("Error")),
                detail => problem["detail"].as_str(),
                type => problem["type"].as_str(),
            };
            match self.templates.render(&req, name, ctx) {
                Ok(html) => {
                    head.headers.insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/html; charset=utf-8"),
                    );
                    head.headers.remove(header::CONTENT_LENGTH);
                    BoxBody::new(html)
                }
                Err(error) => {
                    tracing::error!(template = name, %error, "error page failed; answering the problem document");
                    BoxBody::new(bytes)
                }
            }
        })
    }
}
