//! Request bodies: a JSON object taken field by field, so that a wrong type
//! is a 400 naming the field and a refused value a 422 naming it (a derived
//! `Deserialize` would answer with Rust type names, and stop at the first
//! field).

use serde_json::{Map, Value};

use crate::identifier::Email;
use crate::password::Password;
use crate::UserError;

/// A JSON object body, taken field by field with typed errors.
pub(crate) struct Body(pub(crate) Map<String, Value>);

impl Body {
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, UserError> {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(mut map)) => {
                // A form field the CSRF check may have read; never a user field.
                map.remove("csrf_token");
                Ok(Self(map))
            }
            _ => Err(UserError::BadRequest(
                "The body must be a JSON object.".to_owned(),
            )),
        }
    }

    pub(crate) fn string(&mut self, field: &'static str) -> Result<Option<String>, UserError> {
        match self.0.remove(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(UserError::BadRequest(format!("`{field}` must be a string."))),
        }
    }

    pub(crate) fn required(&mut self, field: &'static str) -> Result<String, UserError> {
        self.string(field)?
            .ok_or_else(|| UserError::invalid(field, "is required"))
    }

    /// A required email address, checked and normalised.
    pub(crate) fn email(&mut self, field: &'static str) -> Result<Email, UserError> {
        let raw = self.required(field)?;
        Email::parse(&raw).map_err(|detail| UserError::invalid(field, detail))
    }

    pub(crate) fn password(&mut self, field: &'static str) -> Result<Password, UserError> {
        self.required(field).map(Password::new)
    }

    /// A list of strings; empty when absent.
    pub(crate) fn strings(&mut self, field: &'static str) -> Result<Vec<String>, UserError> {
        let wrong = || UserError::BadRequest(format!("`{field}` must be a list of strings."));
        match self.0.remove(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(text) => Ok(text),
                    _ => Err(wrong()),
                })
                .collect(),
            Some(_) => Err(wrong()),
        }
    }

    /// A whole number, if given.
    pub(crate) fn integer(&mut self, field: &'static str) -> Result<Option<i64>, UserError> {
        match self.0.remove(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(number)) => number
                .as_i64()
                .map(Some)
                .ok_or_else(|| UserError::invalid(field, "must be a whole number")),
            Some(_) => Err(UserError::BadRequest(format!("`{field}` must be a number."))),
        }
    }

    pub(crate) fn flag(&mut self, field: &'static str) -> Result<bool, UserError> {
        match self.0.remove(field) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(flag)) => Ok(flag),
            Some(_) => Err(UserError::BadRequest(format!("`{field}` must be true or false."))),
        }
    }

    pub(crate) fn finish(self) -> Result<(), UserError> {
        match self.0.keys().next() {
            None => Ok(()),
            Some(field) => Err(UserError::BadRequest(format!(
                "`{field}` is not a field of this endpoint."
            ))),
        }
    }
}
