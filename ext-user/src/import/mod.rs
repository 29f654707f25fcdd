//! Moving a Flask-User app's users over: read its database
//! ([`read_flask_user_database`], feature `orm`: SQLite, PostgreSQL or
//! MariaDB), then [`UserManager::import_flask_users`] them, dry-run first.
//!
//! What comes over: each user's email (the `users.email` column, or the
//! primary one of `user_emails`), username, active flag, confirmation time,
//! roles (`roles` and `user_roles`), the other addresses of `user_emails`
//! (with `enable_multiple_emails`), and the password hash as it is:
//! Flask-User's bcrypt hashes sign in and become argon2id at that first
//! sign-in. ext-user gives each user an id of its own. A user whose email
//! or username is already in the store is left as it is, so an import run
//! twice ends the same as run once.
//!
//! ```
//! use ext_user::import::{FlaskUserRecord, ImportReport};
//!
//! let record = FlaskUserRecord {
//!     source_id: "7".into(),
//!     email: Some("ann@example.com".into()),
//!     email_confirmed_at: Some(1_700_000_000),
//!     username: Some("ann".into()),
//!     password_hash: "$2b$12$MoFU9Kb5NDFJo2DdDi971uqNY8E1VtDhi4RDZjIl5GhN7aCPUhbRq".into(),
//!     active: true,
//!     roles: vec!["admin".into()],
//!     other_emails: Vec::new(),
//! };
//! assert_eq!(record.check(true, true), Ok(()));
//! let report = ImportReport::default();
//! assert_eq!(report.imported.len(), 0);
//! ```

#[cfg(feature = "orm")]
mod flask_sql;

use std::fmt;

#[cfg(feature = "orm")]
pub use self::flask_sql::{read_flask_user_database, FlaskUserDatabase, ReadError};

use crate::identifier::{Email, Username};
use crate::manager::random_hex;
use crate::password::is_bcrypt;
use crate::store::{Insert, SecondaryEmail, UserRecord};
use crate::{UserError, UserManager};

/// One user as a Flask-User database holds it.
#[derive(Clone, PartialEq, Eq)]
pub struct FlaskUserRecord {
    /// Its id there, for the report.
    pub source_id: String,
    /// The primary email.
    pub email: Option<String>,
    /// When the primary email was confirmed, seconds since the epoch.
    pub email_confirmed_at: Option<i64>,
    /// The username.
    pub username: Option<String>,
    /// The passlib hash (`$2b$12$…`), or an argon2id PHC string.
    pub password_hash: String,
    /// `users.active` (or `is_active`).
    pub active: bool,
    /// Role names.
    pub roles: Vec<String>,
    /// The other addresses of `user_emails`, with when each was confirmed.
    pub other_emails: Vec<(String, Option<i64>)>,
}

impl fmt::Debug for FlaskUserRecord {
    // The hash never leaves the store: not even into a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlaskUserRecord")
            .field("source_id", &self.source_id)
            .field("email", &self.email)
            .field("username", &self.username)
            .field("active", &self.active)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl FlaskUserRecord {
    /// Why this user cannot be imported with these settings, if it cannot.
    pub fn check(&self, enable_email: bool, enable_username: bool) -> Result<(), String> {
        let email = self.email.as_deref().filter(|_| enable_email);
        let username = self.username.as_deref().filter(|_| enable_username);
        if email.is_none() && username.is_none() {
            return Err("no email or username that this app uses".to_owned());
        }
        if let Some(email) = email {
            Email::parse(email).map_err(|why| format!("email {why}"))?;
        }
        if let Some(username) = username {
            Username::parse(username).map_err(|why| format!("username {why}"))?;
        }
        if !is_bcrypt(&self.password_hash) && !self.password_hash.starts_with("$argon2") {
            return Err("the password hash is neither bcrypt nor argon2 (set a new password)".to_owned());
        }
        Ok(())
    }
}

/// What an import did, or would do in a dry run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Whether anything was written.
    pub applied: bool,
    /// Source ids imported (or to import).
    pub imported: Vec<String>,
    /// Of those, how many have bcrypt hashes, rehashed at their sign-in.
    pub bcrypt_hashes: usize,
    /// Source ids whose email or username the store has already: left as
    /// they are.
    pub existing: Vec<String>,
    /// Source ids that cannot come over, with why.
    pub skipped: Vec<(String, String)>,
    /// Other addresses imported (or to import).
    pub other_emails: usize,
    /// Other addresses left out (taken, invalid, or `enable_multiple_emails`
    /// off).
    pub other_emails_left_out: usize,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.applied { "imported" } else { "would import" };
        writeln!(
            f,
            "{verb} {} users ({} with bcrypt hashes, rehashed to argon2id at their next sign-in) \
             and {} other addresses; {} already present, left as they are; {} skipped; {} other \
             addresses left out",
            self.imported.len(),
            self.bcrypt_hashes,
            self.other_emails,
            self.existing.len(),
            self.skipped.len(),
            self.other_emails_left_out,
        )?;
        for (id, why) in &self.skipped {
            writeln!(f, "  skipped user {id}: {why}")?;
        }
        if !self.applied {
            write!(
                f,
                "dry run: nothing was written; run again with --apply to import"
            )?;
        }
        Ok(())
    }
}

impl UserManager {
    /// Imports `users` from a Flask-User database into the store, or with
    /// `apply` false only says what it would do. Users already present
    /// (by email or username) are left as they are.
    pub async fn import_flask_users(
        &self,
        users: &[FlaskUserRecord],
        apply: bool,
    ) -> Result<ImportReport, UserError> {
        let mut report = ImportReport {
            applied: apply,
            ..ImportReport::default()
        };
        let settings = &self.settings;
        for user in users {
            if let Err(why) = user.check(settings.enable_email, settings.enable_username) {
                report.skipped.push((user.source_id.clone(), why));
                continue;
            }
            let record = self.record_from_flask(user)?;
            let present = match (&record.email_key, &record.username_key) {
                (Some(key), _)
                    if self
                        .store
                        .by_email(key)
                        .await
                        .map_err(UserError::Store)?
                        .is_some() =>
                {
                    true
                }
                (_, Some(key)) => self
                    .store
                    .by_username(key)
                    .await
                    .map_err(UserError::Store)?
                    .is_some(),
                _ => false,
            };
            if present {
                report.existing.push(user.source_id.clone());
                continue;
            }
            if apply {
                match self.store.insert(&record, &[]).await.map_err(UserError::Store)? {
                    Insert::Created => {}
                    Insert::Taken(_) => {
                        report.existing.push(user.source_id.clone());
                        continue;
                    }
                }
            }
            report.imported.push(user.source_id.clone());
            if is_bcrypt(&record.password_hash) {
                report.bcrypt_hashes += 1;
            }
            for (address, confirmed_at) in &user.other_emails {
                let added = settings.enable_multiple_emails
                    && self
                        .import_other_email(&record, address, *confirmed_at, apply)
                        .await?;
                if added {
                    report.other_emails += 1;
                } else {
                    report.other_emails_left_out += 1;
                }
            }
        }
        if apply {
            if let Some(cost) = users
                .iter()
                .filter_map(|u| crate::password::bcrypt_cost(&u.password_hash))
                .max()
            {
                self.passwords.expect_bcrypt(cost);
            }
        }
        Ok(report)
    }

    fn record_from_flask(&self, user: &FlaskUserRecord) -> Result<UserRecord, UserError> {
        let email = user
            .email
            .as_deref()
            .filter(|_| self.settings.enable_email)
            .and_then(|raw| Email::parse(raw).ok());
        let username = user
            .username
            .as_deref()
            .filter(|_| self.settings.enable_username)
            .and_then(|raw| Username::parse(raw).ok());
        Ok(UserRecord {
            id: random_hex()?,
            email_confirmed_at: email.as_ref().and(user.email_confirmed_at),
            email: email.as_ref().map(|email| email.as_str().to_owned()),
            email_key: email.as_ref().map(|email| email.key().to_owned()),
            username: username.as_ref().map(|name| name.as_str().to_owned()),
            username_key: username.as_ref().map(|name| name.key().to_owned()),
            password_hash: user.password_hash.clone(),
            stamp: random_hex()?,
            token_version: 0,
            active: user.active,
            roles: user.roles.clone(),
            profile: serde_json::Map::new(),
            created_at: self.now(),
        })
    }

    /// Adds one of a user's other addresses; false when it cannot be
    /// (invalid, or another user's).
    async fn import_other_email(
        &self,
        owner: &UserRecord,
        address: &str,
        confirmed_at: Option<i64>,
        apply: bool,
    ) -> Result<bool, UserError> {
        let Ok(email) = Email::parse(address) else {
            return Ok(false);
        };
        if owner.email_key.as_deref() == Some(email.key()) {
            return Ok(false);
        }
        if self
            .store
            .by_email(email.key())
            .await
            .map_err(UserError::Store)?
            .is_some()
        {
            return Ok(false);
        }
        if !apply {
            return Ok(true);
        }
        let secondary = SecondaryEmail {
            id: random_hex()?,
            user_id: owner.id.clone(),
            email: email.as_str().to_owned(),
            email_key: email.key().to_owned(),
            confirmed_at,
            created_at: self.now(),
        };
        let inserted = self
            .store
            .insert_secondary(&secondary)
            .await
            .map_err(UserError::Store)?;
        Ok(inserted == Insert::Created)
    }
}
