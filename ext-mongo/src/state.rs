//! What `init_app` leaves for handlers: the client and the database of one
//! instance, or why there are none.

use mongodb::{Client, Database};

use crate::error::MongoError;

/// One Mongo instance (Flask-PyMongo's `mongo`): `.cx` and `.db`.
#[derive(Clone, Debug)]
pub struct MongoState {
    name: String,
    client: Option<Client>,
    db: Option<Database>,
    not_configured: Option<String>,
}

impl MongoState {
    pub(crate) fn configured(name: String, client: Client, db: Option<Database>) -> Self {
        MongoState {
            name,
            client: Some(client),
            db,
            not_configured: None,
        }
    }

    pub(crate) fn not_configured(name: String, why: String) -> Self {
        MongoState {
            name,
            client: None,
            db: None,
            not_configured: Some(why),
        }
    }

    /// The instance's name (`mongo`, `mongo2`, …).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The client (`mongo.cx`).
    pub fn client(&self) -> Result<&Client, MongoError> {
        self.client.as_ref().ok_or_else(|| self.why_not())
    }

    /// The database named in the URI (`mongo.db`).
    pub fn db(&self) -> Result<&Database, MongoError> {
        match (&self.client, &self.db) {
            (_, Some(db)) => Ok(db),
            (Some(_), None) => Err(MongoError::NotConfigured(format!(
                "the URI of {} names no database; use the client",
                self.name
            ))),
            (None, _) => Err(self.why_not()),
        }
    }

    /// Whether a URI was configured.
    pub fn is_configured(&self) -> bool {
        self.client.is_some()
    }

    fn why_not(&self) -> MongoError {
        MongoError::NotConfigured(
            self.not_configured
                .clone()
                .unwrap_or_else(|| format!("{} is not configured", self.name)),
        )
    }
}
