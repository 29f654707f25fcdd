//! JSON request bodies as BSON documents, with the operator-injection guard.
//!
//! A login handler that passes `{"email": {"$ne": null}}` straight into
//! `find_one` matches the first user: the client chose the operator. So by
//! default a key that starts with `$` or contains `.` anywhere in the body,
//! nested documents and arrays included, is refused with a 400 problem that
//! names the path of the key. A handler that means to accept operators opts
//! out for that call with [`document_from_json`] and [`KeyPolicy::AllowOperators`].

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use mongodb::bson::{Bson, Document};
use serde_json::Value;

use crate::error::MongoError;

/// Whether `$` and `.` are allowed in keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyPolicy {
    /// Refuse them (the default).
    #[default]
    Refuse,
    /// Accept them: the body may carry query operators and Extended JSON
    /// wrappers (`{"$oid": …}`).
    AllowOperators,
}

/// Converts parsed JSON into a document under `policy`.
///
/// ```
/// use ext_mongo::{document_from_json, KeyPolicy};
/// use serde_json::json;
///
/// let attack = json!({"email": {"$ne": null}});
/// let error = document_from_json(attack.clone(), KeyPolicy::Refuse).unwrap_err();
/// assert_eq!(error.to_string(), "invalid document: key \"$ne\" at email.$ne starts with '$'");
/// assert!(document_from_json(attack, KeyPolicy::AllowOperators).is_ok());
/// ```
pub fn document_from_json(value: Value, policy: KeyPolicy) -> Result<Document, MongoError> {
    if !value.is_object() {
        return Err(MongoError::InvalidDocument(
            "the body must be a JSON object".to_owned(),
        ));
    }
    if policy == KeyPolicy::Refuse {
        check_keys(&value, &mut Vec::new())?;
    }
    match Bson::try_from(value) {
        Ok(Bson::Document(document)) => Ok(document),
        Ok(_) => Err(MongoError::InvalidDocument(
            "the body must be a JSON object".to_owned(),
        )),
        Err(error) => Err(MongoError::InvalidDocument(error.to_string())),
    }
}

/// What is wrong with `key` as a field name of a query: it starts with `$`
/// (an operator) or contains `.` (a path into another field).
pub(crate) fn key_problem(key: &str) -> Option<&'static str> {
    if key.starts_with('$') {
        Some("starts with '$'")
    } else if key.contains('.') {
        Some("contains '.'")
    } else {
        None
    }
}

fn check_keys(value: &Value, path: &mut Vec<String>) -> Result<(), MongoError> {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                path.push(key.clone());
                if let Some(problem) = key_problem(key) {
                    return Err(MongoError::InvalidDocument(format!(
                        "key {key:?} at {} {problem}",
                        path.join(".")
                    )));
                }
                check_keys(inner, path)?;
                path.pop();
            }
            Ok(())
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                path.push(index.to_string());
                check_keys(item, path)?;
                path.pop();
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A JSON request body as a guarded BSON document: `$` keys and dotted keys
/// are a 400 problem (see the module docs). Malformed JSON, a wrong content
/// type and an oversized body are refused as `web::Json` refuses them.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonDocument(pub Document);

impl FromRequest for JsonDocument {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            let value = json.await?.into_inner();
            Ok(JsonDocument(document_from_json(value, KeyPolicy::Refuse)?))
        })
    }
}
