//! `find_one_or_404` on collections.

use std::future::Future;

use mongodb::bson::Document;
use mongodb::Collection;
use serde::de::DeserializeOwned;

use crate::error::MongoError;

/// Flask-PyMongo's wrapped collection helpers.
pub trait CollectionExt<T> {
    /// `find_one(filter)`, or a 404 problem when nothing matches.
    fn find_one_or_404(&self, filter: Document) -> impl Future<Output = Result<T, MongoError>> + Send;
}

impl<T> CollectionExt<T> for Collection<T>
where
    T: DeserializeOwned + Send + Sync,
{
    fn find_one_or_404(&self, filter: Document) -> impl Future<Output = Result<T, MongoError>> + Send {
        let find = self.find_one(filter);
        async move { find.await?.ok_or(MongoError::NotFound) }
    }
}
