//! Users in MongoDB through ext-mongo (feature `mongo`).
//!
//! Seven collections: `users` (`_id` is the user id; sparse unique indexes
//! on `email_key` and `username_key`, created at start-up; roles are an
//! array; the profile is JSON text, so an app's field names need no
//! escaping), `user_throttle` (`_id` is the counter key),
//! `user_refresh_tokens` (one document per refresh-token family; `_id` is
//! the family), `user_access_tokens` (unique index on `secret_hash`), and
//! for the email flows `user_email_tokens`, `user_outbox` and
//! `user_emails` (see `mongo_mail.rs`). Every lookup is an equality
//! on a string: a JSON body can never smuggle an operator in, because the
//! fields are typed before they get here.

use mongodb::bson::{doc, Bson, Document};
use mongodb::error::{Error as MongoError, ErrorKind, WriteFailure};
use mongodb::options::IndexOptions;
use mongodb::{Collection, Database, IndexModel};
use serde_json::{Map, Value};

use super::{
    Change, EmailTokenRecord, Field, Hits, Insert, OutboxMail, PersonalTokenRecord, RefreshFamily, Rotated,
    Rotation, SecondaryEmail, Update, UserRecord, UserStore,
};

/// Users, roles and throttle counters in MongoDB.
#[derive(Debug, Clone)]
pub struct MongoUserStore {
    users: Collection<Document>,
    throttle: Collection<Document>,
    refresh: Collection<Document>,
    personal: Collection<Document>,
    pub(super) email_tokens: Collection<Document>,
    pub(super) outbox: Collection<Document>,
    pub(super) emails: Collection<Document>,
}

/// What the MongoDB store fails with.
#[derive(Debug, thiserror::Error)]
pub enum MongoStoreError {
    /// The server refused or did not answer.
    #[error(transparent)]
    Mongo(#[from] MongoError),
    /// A stored document is not a user.
    #[error("a stored user is malformed: {0}")]
    Malformed(String),
}

pub(super) fn is_duplicate_key(error: &MongoError) -> bool {
    match error.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(write)) => write.code == 11000,
        ErrorKind::Command(command) => command.code == 11000,
        _ => false,
    }
}

fn text(document: &Document, key: &str) -> Result<String, MongoStoreError> {
    document
        .get_str(key)
        .map(str::to_owned)
        .map_err(|_| MongoStoreError::Malformed(format!("`{key}` is missing")))
}

fn optional_text(document: &Document, key: &str) -> Option<String> {
    document.get_str(key).ok().map(str::to_owned)
}

/// The strings of the array `key` (none when it is missing).
fn strings(document: &Document, key: &str) -> Vec<String> {
    match document.get_array(key) {
        Ok(items) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn integer(value: Option<&Bson>) -> Option<i64> {
    match value {
        Some(Bson::Int64(n)) => Some(*n),
        Some(Bson::Int32(n)) => Some(i64::from(*n)),
        _ => None,
    }
}

fn record(document: &Document) -> Result<UserRecord, MongoStoreError> {
    let profile = text(document, "profile")?;
    let profile: Map<String, Value> =
        serde_json::from_str(&profile).map_err(|error| MongoStoreError::Malformed(error.to_string()))?;
    let roles = strings(document, "roles");
    Ok(UserRecord {
        id: text(document, "_id")?,
        email: optional_text(document, "email"),
        email_key: optional_text(document, "email_key"),
        username: optional_text(document, "username"),
        username_key: optional_text(document, "username_key"),
        password_hash: text(document, "password_hash")?,
        stamp: text(document, "stamp")?,
        token_version: integer(document.get("token_version")).unwrap_or(0),
        active: document.get_bool("active").unwrap_or(false),
        email_confirmed_at: integer(document.get("email_confirmed_at")),
        roles,
        profile,
        created_at: integer(document.get("created_at")).unwrap_or(0),
    })
}

fn personal(document: &Document) -> Result<PersonalTokenRecord, MongoStoreError> {
    let roles = strings(document, "roles");
    Ok(PersonalTokenRecord {
        id: text(document, "_id")?,
        user_id: text(document, "user_id")?,
        name: text(document, "name")?,
        secret_hash: text(document, "secret_hash")?,
        roles,
        stamp: text(document, "stamp")?,
        created_at: integer(document.get("created_at")).unwrap_or(0),
        expires_at: integer(document.get("expires_at")),
    })
}

fn document(user: &UserRecord) -> Result<Document, MongoStoreError> {
    let profile = serde_json::to_string(&user.profile)
        .map_err(|error| MongoStoreError::Malformed(error.to_string()))?;
    let mut document = doc! {
        "_id": &user.id,
        "password_hash": &user.password_hash,
        "stamp": &user.stamp,
        "token_version": user.token_version,
        "active": user.active,
        "roles": &user.roles,
        "profile": profile,
        "created_at": user.created_at,
    };
    // Absent rather than null: the unique indexes are sparse.
    let optional = [
        ("email", &user.email),
        ("email_key", &user.email_key),
        ("username", &user.username),
        ("username_key", &user.username_key),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            document.insert(key, value);
        }
    }
    if let Some(at) = user.email_confirmed_at {
        document.insert("email_confirmed_at", at);
    }
    Ok(document)
}

impl MongoUserStore {
    /// A store in the collections `users`, `user_throttle`,
    /// `user_refresh_tokens`, `user_access_tokens`, `user_email_tokens`,
    /// `user_outbox` and `user_emails` of `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            users: db.collection("users"),
            throttle: db.collection("user_throttle"),
            refresh: db.collection("user_refresh_tokens"),
            personal: db.collection("user_access_tokens"),
            email_tokens: db.collection("user_email_tokens"),
            outbox: db.collection("user_outbox"),
            emails: db.collection("user_emails"),
        }
    }

    async fn one(&self, filter: Document) -> Result<Option<UserRecord>, MongoStoreError> {
        match self.users.find_one(filter).await? {
            Some(document) => Ok(Some(record(&document)?)),
            None => Ok(None),
        }
    }

    async fn apply(&self, id: &str, update: Document) -> Result<Update, MongoStoreError> {
        match self.users.update_one(doc! { "_id": id }, update).await {
            Ok(result) if result.matched_count == 0 => Ok(Update::NotFound),
            Ok(_) => Ok(Update::Done),
            Err(error) if is_duplicate_key(&error) => Ok(Update::Taken(Field::Username)),
            Err(error) => Err(error.into()),
        }
    }
}

impl UserStore for MongoUserStore {
    type Error = MongoStoreError;

    async fn max_bcrypt_cost(&self) -> Result<Option<u32>, MongoStoreError> {
        use futures_util::TryStreamExt;
        // Every hash from `$2` up to `$3` is a bcrypt one; the cost is in
        // the hash, so each is read (once, at start-up).
        let mut hashes = self
            .users
            .find(doc! { "password_hash": { "$gte": "$2", "$lt": "$3" } })
            .projection(doc! { "_id": 0, "password_hash": 1 })
            .await?;
        let mut highest = None;
        while let Some(document) = hashes.try_next().await? {
            let cost = document
                .get_str("password_hash")
                .ok()
                .and_then(crate::password::bcrypt_cost);
            highest = highest.max(cost);
        }
        Ok(highest)
    }

    async fn prepare(&self) -> Result<(), MongoStoreError> {
        for key in ["email_key", "username_key"] {
            let index = IndexModel::builder()
                .keys(doc! { key: 1 })
                .options(IndexOptions::builder().unique(true).sparse(true).build())
                .build();
            self.users.create_index(index).await?;
        }
        let by_user = IndexModel::builder().keys(doc! { "user_id": 1 }).build();
        self.refresh.create_index(by_user).await?;
        let by_secret = IndexModel::builder()
            .keys(doc! { "secret_hash": 1 })
            .options(IndexOptions::builder().unique(true).build())
            .build();
        self.personal.create_index(by_secret).await?;
        let by_user = IndexModel::builder().keys(doc! { "user_id": 1 }).build();
        self.personal.create_index(by_user).await?;
        self.prepare_mail().await
    }

    async fn insert(&self, user: &UserRecord, mail: &[OutboxMail]) -> Result<Insert, MongoStoreError> {
        match self.users.insert_one(document(user)?).await {
            Ok(_) => {
                if !mail.is_empty() {
                    self.outbox
                        .insert_many(mail.iter().map(super::mongo_mail::mail_document))
                        .await?;
                }
                Ok(Insert::Created)
            }
            Err(error) if is_duplicate_key(&error) => {
                let email_taken = match &user.email_key {
                    Some(key) => self.users.find_one(doc! { "email_key": key }).await?.is_some(),
                    None => false,
                };
                Ok(Insert::Taken(if email_taken {
                    Field::Email
                } else {
                    Field::Username
                }))
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn by_id(&self, id: &str) -> Result<Option<UserRecord>, MongoStoreError> {
        self.one(doc! { "_id": id }).await
    }

    async fn by_email(&self, key: &str) -> Result<Option<UserRecord>, MongoStoreError> {
        self.one(doc! { "email_key": key }).await
    }

    async fn by_username(&self, key: &str) -> Result<Option<UserRecord>, MongoStoreError> {
        self.one(doc! { "username_key": key }).await
    }

    async fn update(&self, id: &str, change: &Change) -> Result<Update, MongoStoreError> {
        let update = match change {
            Change::Password { hash, stamp } => {
                let mut set = doc! { "password_hash": hash };
                if let Some(stamp) = stamp {
                    set.insert("stamp", stamp);
                }
                if stamp.is_some() {
                    doc! { "$set": set, "$inc": { "token_version": 1_i64 } }
                } else {
                    doc! { "$set": set }
                }
            }
            Change::Username { shown, key } => doc! { "$set": { "username": shown, "username_key": key } },
            Change::Profile(profile) => {
                let profile = serde_json::to_string(profile)
                    .map_err(|error| MongoStoreError::Malformed(error.to_string()))?;
                doc! { "$set": { "profile": profile } }
            }
            Change::Active { active, stamp } => doc! {
                "$set": { "active": active, "stamp": stamp },
                "$inc": { "token_version": 1_i64 },
            },
            Change::AddRole(role) => doc! { "$addToSet": { "roles": role } },
            Change::RemoveRole(role) => doc! {
                "$pull": { "roles": role },
                "$inc": { "token_version": 1_i64 },
            },
            Change::RevokeAll { stamp } => doc! {
                "$set": { "stamp": stamp },
                "$inc": { "token_version": 1_i64 },
            },
            Change::EmailConfirmed { at } => doc! { "$set": { "email_confirmed_at": at } },
            Change::Email {
                shown,
                key,
                confirmed_at,
            } => {
                let update = doc! {
                    "$set": { "email": shown, "email_key": key, "email_confirmed_at": confirmed_at },
                    "$inc": { "token_version": 1_i64 },
                };
                return Ok(match self.apply(id, update).await? {
                    Update::Taken(_) => Update::Taken(Field::Email),
                    done => done,
                });
            }
        };
        self.apply(id, update).await
    }

    async fn hit(&self, key: &str, now: i64, window: i64) -> Result<Hits, MongoStoreError> {
        let ends = now.saturating_add(window);
        // A window that has ended starts again. Only one request can do
        // that: the filter stops matching once the new end is written.
        self.throttle
            .update_one(
                doc! { "_id": key, "window_ends": { "$lte": now } },
                doc! { "$set": { "hits": 0_i64, "window_ends": ends } },
            )
            .await?;
        let count = doc! { "$inc": { "hits": 1_i64 }, "$setOnInsert": { "window_ends": ends } };
        let upsert = || {
            self.throttle
                .update_one(doc! { "_id": key }, count.clone())
                .upsert(true)
        };
        // Two first hits racing to insert: one wins, the other counts on it.
        if let Err(error) = upsert().await {
            if !is_duplicate_key(&error) {
                return Err(error.into());
            }
            upsert().await?;
        }
        // Read after writing, as the SQL store does: concurrent hits each
        // see at least their own.
        let document = self
            .throttle
            .find_one(doc! { "_id": key })
            .await?
            .ok_or_else(|| MongoStoreError::Malformed("no throttle document".to_owned()))?;
        Ok(Hits {
            count: integer(document.get("hits")).map_or(u32::MAX, |n| u32::try_from(n).unwrap_or(u32::MAX)),
            window_ends: integer(document.get("window_ends")).unwrap_or(ends),
        })
    }

    async fn forget_hits(&self, key: &str) -> Result<(), MongoStoreError> {
        self.throttle.delete_one(doc! { "_id": key }).await?;
        Ok(())
    }

    async fn start_refresh(&self, family: &RefreshFamily, now: i64) -> Result<(), MongoStoreError> {
        self.refresh
            .delete_many(doc! { "user_id": &family.user_id, "expires_at": { "$lte": now } })
            .await?;
        self.refresh
            .insert_one(doc! {
                "_id": &family.family,
                "user_id": &family.user_id,
                "token_hash": &family.token_hash,
                "issued_at": family.issued_at,
                "expires_at": family.expires_at,
                "revoked": false,
            })
            .await?;
        Ok(())
    }

    async fn rotate_refresh(&self, rotation: &Rotation<'_>) -> Result<Rotated, MongoStoreError> {
        // One compare-and-swap: of two concurrent uses, one matches.
        let swapped = self
            .refresh
            .update_one(
                doc! {
                    "_id": rotation.family,
                    "token_hash": rotation.from_hash,
                    "revoked": false,
                    "expires_at": { "$gt": rotation.now },
                    "issued_at": { "$gt": rotation.started_after },
                },
                doc! { "$set": { "token_hash": rotation.to_hash, "expires_at": rotation.expires_at } },
            )
            .await?;
        if swapped.modified_count == 1 {
            return Ok(Rotated::Done);
        }
        let Some(document) = self.refresh.find_one(doc! { "_id": rotation.family }).await? else {
            return Ok(Rotated::Unknown);
        };
        let revoked = document.get_bool("revoked").unwrap_or(true);
        let expired = integer(document.get("expires_at")).is_none_or(|at| at <= rotation.now)
            || integer(document.get("issued_at")).is_none_or(|at| at <= rotation.started_after);
        let moved_on = document.get_str("token_hash").ok() != Some(rotation.from_hash);
        Ok(if !revoked && !expired && moved_on {
            Rotated::Replayed
        } else {
            Rotated::Unknown
        })
    }

    async fn revoke_family(&self, family: &str) -> Result<(), MongoStoreError> {
        self.refresh
            .update_one(doc! { "_id": family }, doc! { "$set": { "revoked": true } })
            .await?;
        Ok(())
    }

    async fn revoke_refresh_of(&self, user_id: &str) -> Result<(), MongoStoreError> {
        self.refresh.delete_many(doc! { "user_id": user_id }).await?;
        Ok(())
    }

    async fn insert_personal(&self, token: &PersonalTokenRecord) -> Result<(), MongoStoreError> {
        let mut document = doc! {
            "_id": &token.id,
            "user_id": &token.user_id,
            "name": &token.name,
            "secret_hash": &token.secret_hash,
            "roles": &token.roles,
            "stamp": &token.stamp,
            "created_at": token.created_at,
        };
        if let Some(at) = token.expires_at {
            document.insert("expires_at", at);
        }
        self.personal.insert_one(document).await?;
        Ok(())
    }

    async fn personal_by_hash(
        &self,
        secret_hash: &str,
    ) -> Result<Option<PersonalTokenRecord>, MongoStoreError> {
        match self
            .personal
            .find_one(doc! { "secret_hash": secret_hash })
            .await?
        {
            Some(document) => Ok(Some(personal(&document)?)),
            None => Ok(None),
        }
    }

    async fn personal_of(&self, user_id: &str) -> Result<Vec<PersonalTokenRecord>, MongoStoreError> {
        use futures_util::TryStreamExt;
        let documents: Vec<Document> = self
            .personal
            .find(doc! { "user_id": user_id })
            .sort(doc! { "created_at": 1, "_id": 1 })
            .await?
            .try_collect()
            .await?;
        documents.iter().map(personal).collect()
    }

    async fn delete_personal(&self, user_id: &str, id: &str) -> Result<bool, MongoStoreError> {
        let deleted = self
            .personal
            .delete_one(doc! { "_id": id, "user_id": user_id })
            .await?;
        Ok(deleted.deleted_count > 0)
    }

    async fn insert_email_token(&self, token: &EmailTokenRecord) -> Result<(), MongoStoreError> {
        self.insert_email_token_mongo(token).await
    }

    async fn email_token(&self, token_hash: &str) -> Result<Option<EmailTokenRecord>, MongoStoreError> {
        self.email_token_mongo(token_hash).await
    }

    async fn use_email_token(&self, token_hash: &str, now: i64) -> Result<bool, MongoStoreError> {
        self.use_email_token_mongo(token_hash, now).await
    }

    async fn revoke_invitations(&self, email_key: &str) -> Result<u64, MongoStoreError> {
        self.revoke_invitations_mongo(email_key).await
    }

    async fn insert_secondary(&self, email: &SecondaryEmail) -> Result<Insert, MongoStoreError> {
        self.insert_secondary_mongo(email).await
    }

    async fn secondary_by_key(&self, email_key: &str) -> Result<Option<SecondaryEmail>, MongoStoreError> {
        Ok(self
            .secondaries_where(doc! { "email_key": email_key })
            .await?
            .pop())
    }

    async fn secondaries_of(&self, user_id: &str) -> Result<Vec<SecondaryEmail>, MongoStoreError> {
        self.secondaries_where(doc! { "user_id": user_id }).await
    }

    async fn confirm_secondary(&self, user_id: &str, id: &str, at: i64) -> Result<bool, MongoStoreError> {
        self.confirm_secondary_mongo(user_id, id, at).await
    }

    async fn delete_secondary(&self, user_id: &str, id: &str) -> Result<bool, MongoStoreError> {
        self.delete_secondary_mongo(user_id, id).await
    }

    async fn enqueue_mail(&self, mail: &OutboxMail) -> Result<(), MongoStoreError> {
        self.enqueue_mail_mongo(mail).await
    }

    async fn claim_mail(
        &self,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> Result<Vec<OutboxMail>, MongoStoreError> {
        self.claim_mail_mongo(now, lease_until, limit).await
    }

    async fn finish_mail(&self, id: &str, lease_until: i64) -> Result<(), MongoStoreError> {
        self.finish_mail_mongo(id, lease_until).await
    }

    async fn defer_mail(
        &self,
        id: &str,
        lease_until: i64,
        due_at: i64,
        error: &str,
    ) -> Result<(), MongoStoreError> {
        self.defer_mail_mongo(id, lease_until, due_at, error).await
    }
}
