//! Query strings and urlencoded forms as guarded BSON documents.
//!
//! `web::Query<Document>` and `web::Form<Document>` deserialise straight
//! into a document, so `?$where=sleep(5000)` reaches `find` as an operator:
//! they bypass the guard of [`JsonDocument`](crate::JsonDocument). These
//! extractors apply the same rule to every key: a key that starts with `$`
//! or contains `.` is a 400 `invalid-document` problem naming it.
//!
//! | extractor | guarded |
//! |---|---|
//! | [`JsonDocument`](crate::JsonDocument), [`QueryDocument`], [`FormDocument`] | yes |
//! | `web::Json<Document>`, `web::Query<Document>`, `web::Form<Document>` | no: only for trusted input |
//!
//! Every value is a string, as the client sent it. A key given twice keeps
//! its first value, as Werkzeug's `MultiDict.to_dict()` does.

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::{ready, LocalBoxFuture, Ready};
use mongodb::bson::Document;

use crate::body::key_problem;
use crate::error::MongoError;

/// The pairs as a document, refusing operator and dotted keys.
fn guarded(pairs: Vec<(String, String)>) -> Result<Document, MongoError> {
    let mut document = Document::new();
    for (key, value) in pairs {
        if let Some(problem) = key_problem(&key) {
            return Err(MongoError::InvalidDocument(format!(
                "parameter {key:?} {problem}"
            )));
        }
        if !document.contains_key(&key) {
            document.insert(key, value);
        }
    }
    Ok(document)
}

/// The query string as a guarded document.
///
/// ```
/// use actix_web::{test::TestRequest, FromRequest};
/// use ext_mongo::QueryDocument;
///
/// # actix_web::rt::System::new().block_on(async {
/// let req = TestRequest::get().uri("/users?email=ada%40example.com").to_http_request();
/// let query = QueryDocument::extract(&req).await.unwrap();
/// assert_eq!(query.0.get_str("email").unwrap(), "ada@example.com");
///
/// let req = TestRequest::get().uri("/users?%24where=sleep(5000)").to_http_request();
/// assert!(QueryDocument::extract(&req).await.is_err());
/// # });
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct QueryDocument(pub Document);

impl FromRequest for QueryDocument {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string());
        ready(match pairs {
            Ok(pairs) => guarded(pairs.into_inner()).map(QueryDocument).map_err(Into::into),
            Err(error) => Err(error.into()),
        })
    }
}

/// An `application/x-www-form-urlencoded` body as a guarded document, with
/// `web::Form`'s content-type check and size limit.
#[derive(Clone, Debug, PartialEq)]
pub struct FormDocument(pub Document);

impl FromRequest for FormDocument {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<Vec<(String, String)>>::from_request(req, payload);
        Box::pin(async move {
            let pairs = form.await?.into_inner();
            Ok(FormDocument(guarded(pairs)?))
        })
    }
}
