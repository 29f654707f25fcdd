//! `Query<T>`: `web::Query` whose errors name the parameter.
//!
//! serde_urlencoded reports a bad number as "invalid digit found in
//! string", without saying which parameter held it; a client with five
//! parameters cannot tell which to fix. This extractor deserialises through
//! `serde_path_to_error`, so the 400 problem (`invalid-query`) names it, in
//! the detail and as its `parameter` member.

use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use futures_util::future::{ready, Ready};
use serde::de::DeserializeOwned;

use crate::problem::plain_message;
use crate::Problem;

/// The query string as `T`, like `web::Query<T>`, with errors that name the
/// parameter.
///
/// ```
/// use actix_web::{test::TestRequest, FromRequest};
/// use ext_core::Query;
///
/// #[derive(serde::Deserialize)]
/// struct Paging { page: u32, per_page: Option<u32> }
///
/// # actix_web::rt::System::new().block_on(async {
/// let req = TestRequest::get().uri("/items?page=2&per_page=x").to_http_request();
/// let error = Query::<Paging>::extract(&req).await.err().unwrap();
/// assert_eq!(error.to_string(), "`per_page`: invalid digit found in string");
/// assert_eq!(error.parameter(), Some("per_page"));
///
/// let req = TestRequest::get().uri("/items?page=2").to_http_request();
/// assert_eq!(Query::<Paging>::extract(&req).await.ok().unwrap().page, 2);
/// # });
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    /// The value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> Query<T> {
    /// Parses `query` (without the `?`).
    pub fn from_query(query: &str) -> Result<Self, QueryError> {
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Query)
            .map_err(|error| {
                let path = error.path().to_string();
                QueryError {
                    parameter: (path != ".").then_some(path),
                    message: plain_message(&error.into_inner().to_string()),
                }
            })
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = QueryError;
    type Future = Ready<Result<Self, QueryError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Query::from_query(req.query_string()))
    }
}

/// A query string that is not a `T`: 400 `invalid-query`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    parameter: Option<String>,
    message: String,
}

impl QueryError {
    /// The parameter at fault, when one is.
    pub fn parameter(&self) -> Option<&str> {
        self.parameter.as_deref()
    }
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.parameter {
            Some(parameter) => write!(f, "`{parameter}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for QueryError {}

impl ResponseError for QueryError {
    fn status_code(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    fn error_response(&self) -> HttpResponse {
        let mut problem = Problem::typed("invalid-query", StatusCode::BAD_REQUEST, "Invalid query string")
            .with_detail(self.to_string());
        if let Some(parameter) = &self.parameter {
            problem = problem.with_extension("parameter", parameter.clone());
        }
        problem.to_response()
    }
}
