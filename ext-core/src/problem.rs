//! RFC 9457 problem documents, and the conversion of every error response
//! into one.
//!
//! [`Problem`] is both a value to answer with and an error type: a handler
//! that returns `Result<_, Problem>` answers `application/problem+json`.
//!
//! ```
//! use actix_web::http::StatusCode;
//! use ext_core::Problem;
//!
//! let problem = Problem::new(StatusCode::NOT_FOUND).with_detail("no user 7");
//! let json = serde_json::to_value(&problem).unwrap();
//! assert_eq!(json["type"], "about:blank");
//! assert_eq!(json["title"], "Not Found");
//! assert_eq!(json["status"], 404);
//! assert_eq!(json["detail"], "no user 7");
//! ```

use std::borrow::Cow;
use std::fmt;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError, UrlencodedError};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{Map, Value};

mod plain;

pub use self::plain::plain_message;

/// The media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The start of every `type` URI this workspace defines. Each is a stable
/// name, documented where the problem is raised; clients may match on it.
pub const PROBLEM_TYPE_BASE: &str = "urn:actix-flask-ext:problem:";

/// An RFC 9457 problem document.
#[derive(Clone, Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    problem_type: Cow<'static, str>,
    title: Cow<'static, str>,
    #[serde(serialize_with = "serialize_status")]
    status: StatusCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance: Option<String>,
    #[serde(flatten)]
    extensions: Map<String, Value>,
}

fn serialize_status<S: serde::Serializer>(status: &StatusCode, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u16(status.as_u16())
}

impl Problem {
    /// A problem with type `about:blank`, titled by the status's reason phrase.
    pub fn new(status: StatusCode) -> Self {
        Self {
            problem_type: Cow::Borrowed("about:blank"),
            title: Cow::Borrowed(status.canonical_reason().unwrap_or("Error")),
            status,
            detail: None,
            instance: None,
            extensions: Map::new(),
        }
    }

    /// A problem of a named type: `slug` is appended to [`PROBLEM_TYPE_BASE`].
    ///
    /// ```
    /// use actix_web::http::StatusCode;
    /// use ext_core::Problem;
    ///
    /// let problem = Problem::typed("invalid-json", StatusCode::BAD_REQUEST, "Invalid JSON body");
    /// assert_eq!(problem.problem_type(), "urn:actix-flask-ext:problem:invalid-json");
    /// ```
    pub fn typed(slug: &str, status: StatusCode, title: impl Into<Cow<'static, str>>) -> Self {
        Self {
            problem_type: Cow::Owned(format!("{PROBLEM_TYPE_BASE}{slug}")),
            title: title.into(),
            ..Self::new(status)
        }
    }

    /// Adds a human-readable explanation of this occurrence.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Adds a URI naming this occurrence.
    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }

    /// Adds an extension member (RFC 9457 §3.2).
    pub fn with_extension(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extensions.insert(name.into(), value.into());
        self
    }

    /// The `type` URI.
    pub fn problem_type(&self) -> &str {
        &self.problem_type
    }

    /// The `title`.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The `detail`, if any.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// The response: this document as `application/problem+json`.
    pub fn to_response(&self) -> HttpResponse {
        let body = serde_json::to_vec(self).unwrap_or_else(|_| {
            // Serialising a map of JSON values cannot fail; keep a fallback anyway.
            br#"{"type":"about:blank","title":"Internal Server Error","status":500}"#.to_vec()
        });
        HttpResponse::build(self.status)
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
            .body(body)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.detail {
            Some(detail) => write!(f, "{}: {detail}", self.title),
            None => f.write_str(&self.title),
        }
    }
}

impl std::error::Error for Problem {}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        self.to_response()
    }
}

/// Whether a response already is a problem document.
fn is_problem(response: &HttpResponse<BoxBody>) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with(PROBLEM_JSON))
}

/// Rewrites an error response into a problem document, leaving every other
/// response untouched.
///
/// An error response is one with status 400 or above that carries an
/// `actix_web::Error` (an extractor rejection, a handler's `Err`, a
/// middleware error) or has no body at all (actix's bare 404 and 405).
/// Responses that already are problem documents, and error responses with a
/// body that the handler wrote itself, pass through.
///
/// For 4xx the error's message becomes the `detail`; for 5xx the cause is
/// logged with `tracing` and never sent.
pub fn problem_for_error_response(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || is_problem(res.response()) {
        return res;
    }
    let has_error = res.response().error().is_some();
    let empty = matches!(res.response().body().size(), BodySize::None | BodySize::Sized(0));
    if !has_error && !empty {
        return res;
    }
    let problem = match res.response().error() {
        Some(error) => problem_for_error(status, error, res.request().path()),
        None => Problem::new(status),
    };
    let body = match serde_json::to_vec(&problem) {
        Ok(body) => body,
        Err(_) => return res,
    };
    // The head (status, headers such as `Allow` or `WWW-Authenticate`) and
    // the error stay, so later hooks can still see what failed; the body and
    // its headers are replaced.
    res.map_body(|head, _| {
        head.status = problem.status;
        head.headers
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        head.headers.remove(header::CONTENT_LENGTH);
        BoxBody::new(body)
    })
}

/// The problem document for an `actix_web::Error` with `status`.
fn problem_for_error(status: StatusCode, error: &actix_web::Error, path: &str) -> Problem {
    if status.is_server_error() {
        tracing::error!(%status, %path, error = %error, "request failed");
        return Problem::new(status);
    }
    let problem = match classify(error) {
        // A body of the wrong media type is 415, which actix answers as 400.
        Some((slug @ "unsupported-media-type", title)) => {
            Problem::typed(slug, StatusCode::UNSUPPORTED_MEDIA_TYPE, title)
        }
        // actix answers a failed body read as 400.
        Some((slug @ "body-timeout", title)) => Problem::typed(slug, StatusCode::REQUEST_TIMEOUT, title),
        Some((slug, title)) => Problem::typed(slug, status, title),
        None => Problem::new(status),
    };
    problem.with_detail(client_detail(error))
}

/// What a client is told about an extractor's rejection: the deserializer's
/// own message (naming the field and the problem) without actix's prefix
/// and without Rust type names.
fn client_detail(error: &actix_web::Error) -> String {
    let cause = if let Some(JsonPayloadError::Deserialize(cause)) = error.as_error::<JsonPayloadError>() {
        cause.to_string()
    } else if let Some(PathError::Deserialize(cause)) = error.as_error::<PathError>() {
        cause.to_string()
    } else if let Some(QueryPayloadError::Deserialize(cause)) = error.as_error::<QueryPayloadError>() {
        cause.to_string()
    } else if let Some(UrlencodedError::Parse(cause)) = error.as_error::<UrlencodedError>() {
        cause.to_string()
    } else {
        error.to_string()
    };
    plain_message(&cause)
}

/// Whether an extractor failed because the body missed its deadline
/// ([`crate::body_deadline`]).
fn body_timed_out(error: &actix_web::Error) -> bool {
    let payload = if let Some(JsonPayloadError::Payload(payload)) = error.as_error::<JsonPayloadError>() {
        Some(payload)
    } else if let Some(UrlencodedError::Payload(payload)) = error.as_error::<UrlencodedError>() {
        Some(payload)
    } else {
        error.as_error::<PayloadError>()
    };
    payload.is_some_and(crate::body_deadline::is_body_timeout)
}

/// Stable problem types for actix's own extractor rejections.
fn classify(error: &actix_web::Error) -> Option<(&'static str, &'static str)> {
    if body_timed_out(error) {
        return Some(("body-timeout", "Request body timeout"));
    }
    if let Some(error) = error.as_error::<JsonPayloadError>() {
        return Some(match error {
            JsonPayloadError::ContentType => ("unsupported-media-type", "Unsupported media type"),
            JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
                ("payload-too-large", "Payload too large")
            }
            JsonPayloadError::Deserialize(_) | JsonPayloadError::Serialize(_) => {
                ("invalid-json", "Invalid JSON body")
            }
            _ => ("invalid-body", "Invalid request body"),
        });
    }
    if let Some(error) = error.as_error::<UrlencodedError>() {
        return Some(match error {
            UrlencodedError::ContentType => ("unsupported-media-type", "Unsupported media type"),
            UrlencodedError::Overflow { .. } => ("payload-too-large", "Payload too large"),
            _ => ("invalid-form", "Invalid form body"),
        });
    }
    if let Some(error) = error.as_error::<PayloadError>() {
        return Some(match error {
            PayloadError::Overflow => ("payload-too-large", "Payload too large"),
            _ => ("invalid-body", "Invalid request body"),
        });
    }
    if error.as_error::<PathError>().is_some() {
        return Some(("invalid-path", "Invalid path parameter"));
    }
    if error.as_error::<QueryPayloadError>().is_some() {
        return Some(("invalid-query", "Invalid query string"));
    }
    None
}

/// The answer to a path segment that does not parse: 404, as Flask's URL
/// converters answer, with the reason. Installed as the app's `PathConfig`
/// error handler, since actix's default wraps the cause in a form that cannot
/// be told apart from other 404s.
pub(crate) fn invalid_path(error: PathError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    Problem::typed("invalid-path", StatusCode::NOT_FOUND, "Invalid path parameter")
        .with_detail(match &error {
            PathError::Deserialize(cause) => plain_message(&cause.to_string()),
            _ => plain_message(&error.to_string()),
        })
        .into()
}
