//! The MongoDB store's emailed tokens and outbox: the collections
//! `user_email_tokens` (`_id` is the token's hash; index on `user_id`) and
//! `user_outbox` (`_id` is the message id; index on `due_at`).
//!
//! Without multi-document transactions (which a standalone server lacks),
//! a new user's first mail is written right after the user: a crash
//! between the two loses that mail, and the user asks for it again
//! (resend confirmation).

use futures_util::TryStreamExt;
use mongodb::bson::{doc, Bson, Document};
use mongodb::IndexModel;

use super::mongo::{MongoStoreError, MongoUserStore};
use super::{EmailTokenRecord, Field, Insert, OutboxMail, Purpose, SecondaryEmail};

fn text(document: &Document, key: &str) -> Result<String, MongoStoreError> {
    document
        .get_str(key)
        .map(str::to_owned)
        .map_err(|_| MongoStoreError::Malformed(format!("`{key}` is missing")))
}

fn integer(document: &Document, key: &str) -> Option<i64> {
    match document.get(key) {
        Some(Bson::Int64(n)) => Some(*n),
        Some(Bson::Int32(n)) => Some(i64::from(*n)),
        _ => None,
    }
}

fn token(document: &Document) -> Result<EmailTokenRecord, MongoStoreError> {
    Ok(EmailTokenRecord {
        token_hash: text(document, "_id")?,
        purpose: text(document, "purpose")?,
        user_id: text(document, "user_id")?,
        email_key: text(document, "email_key")?,
        stamp: text(document, "stamp")?,
        created_at: integer(document, "created_at").unwrap_or(0),
        expires_at: integer(document, "expires_at").unwrap_or(0),
        used_at: integer(document, "used_at"),
        address: document.get_str("address").ok().map(str::to_owned),
    })
}

fn mail(document: &Document) -> Result<OutboxMail, MongoStoreError> {
    Ok(OutboxMail {
        id: text(document, "_id")?,
        kind: text(document, "kind")?,
        to_address: text(document, "to_address")?,
        user_id: document.get_str("user_id").ok().map(str::to_owned),
        context: text(document, "context")?,
        created_at: integer(document, "created_at").unwrap_or(0),
        due_at: integer(document, "due_at").unwrap_or(0),
        attempts: integer(document, "attempts").unwrap_or(0),
    })
}

pub(super) fn mail_document(mail: &OutboxMail) -> Document {
    let mut document = doc! {
        "_id": &mail.id,
        "kind": &mail.kind,
        "to_address": &mail.to_address,
        "context": &mail.context,
        "created_at": mail.created_at,
        "due_at": mail.due_at,
        "attempts": mail.attempts,
    };
    if let Some(user_id) = &mail.user_id {
        document.insert("user_id", user_id);
    }
    document
}

impl MongoUserStore {
    pub(super) async fn prepare_mail(&self) -> Result<(), MongoStoreError> {
        let by_user = IndexModel::builder().keys(doc! { "user_id": 1 }).build();
        self.email_tokens.create_index(by_user).await?;
        let by_due = IndexModel::builder().keys(doc! { "due_at": 1 }).build();
        self.outbox.create_index(by_due).await?;
        let by_key = IndexModel::builder()
            .keys(doc! { "email_key": 1 })
            .options(mongodb::options::IndexOptions::builder().unique(true).build())
            .build();
        self.emails.create_index(by_key).await?;
        let by_user = IndexModel::builder().keys(doc! { "user_id": 1 }).build();
        self.emails.create_index(by_user).await?;
        Ok(())
    }

    pub(super) async fn insert_email_token_mongo(
        &self,
        record: &EmailTokenRecord,
    ) -> Result<(), MongoStoreError> {
        let older = if record.purpose == Purpose::Invite.as_str() {
            doc! { "email_key": &record.email_key, "purpose": &record.purpose }
        } else {
            doc! { "user_id": &record.user_id, "purpose": &record.purpose }
        };
        self.email_tokens.delete_many(older).await?;
        let mut document = doc! {
            "_id": &record.token_hash,
            "purpose": &record.purpose,
            "user_id": &record.user_id,
            "email_key": &record.email_key,
            "stamp": &record.stamp,
            "created_at": record.created_at,
            "expires_at": record.expires_at,
        };
        if let Some(at) = record.used_at {
            document.insert("used_at", at);
        }
        if let Some(address) = &record.address {
            document.insert("address", address);
        }
        self.email_tokens.insert_one(document).await?;
        Ok(())
    }

    pub(super) async fn email_token_mongo(
        &self,
        token_hash: &str,
    ) -> Result<Option<EmailTokenRecord>, MongoStoreError> {
        match self.email_tokens.find_one(doc! { "_id": token_hash }).await? {
            Some(document) => Ok(Some(token(&document)?)),
            None => Ok(None),
        }
    }

    pub(super) async fn use_email_token_mongo(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<bool, MongoStoreError> {
        // One conditional update: of two concurrent uses, one matches.
        let used = self
            .email_tokens
            .update_one(
                doc! { "_id": token_hash, "used_at": { "$exists": false }, "expires_at": { "$gt": now } },
                doc! { "$set": { "used_at": now } },
            )
            .await?;
        Ok(used.modified_count == 1)
    }

    pub(super) async fn revoke_invitations_mongo(&self, email_key: &str) -> Result<u64, MongoStoreError> {
        let deleted = self
            .email_tokens
            .delete_many(doc! { "email_key": email_key, "purpose": Purpose::Invite.as_str() })
            .await?;
        Ok(deleted.deleted_count)
    }

    pub(super) async fn enqueue_mail_mongo(&self, mail: &OutboxMail) -> Result<(), MongoStoreError> {
        self.outbox.insert_one(mail_document(mail)).await?;
        Ok(())
    }

    pub(super) async fn claim_mail_mongo(
        &self,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> Result<Vec<OutboxMail>, MongoStoreError> {
        let due: Vec<Document> = self
            .outbox
            .find(doc! { "due_at": { "$lte": now } })
            .sort(doc! { "due_at": 1 })
            .limit(i64::from(limit))
            .await?
            .try_collect()
            .await?;
        let mut claimed = Vec::new();
        for document in &due {
            let mut mail = mail(document)?;
            // A compare-and-swap on `due_at`, as in the SQL store.
            let taken = self
                .outbox
                .update_one(
                    doc! { "_id": &mail.id, "due_at": mail.due_at },
                    doc! { "$set": { "due_at": lease_until }, "$inc": { "attempts": 1_i64 } },
                )
                .await?;
            if taken.modified_count == 1 {
                mail.due_at = lease_until;
                mail.attempts += 1;
                claimed.push(mail);
            }
        }
        Ok(claimed)
    }

    pub(super) async fn finish_mail_mongo(&self, id: &str, lease_until: i64) -> Result<(), MongoStoreError> {
        self.outbox
            .delete_one(doc! { "_id": id, "due_at": lease_until })
            .await?;
        Ok(())
    }

    pub(super) async fn defer_mail_mongo(
        &self,
        id: &str,
        lease_until: i64,
        due_at: i64,
        error: &str,
    ) -> Result<(), MongoStoreError> {
        self.outbox
            .update_one(
                doc! { "_id": id, "due_at": lease_until },
                doc! { "$set": { "due_at": due_at, "last_error": error } },
            )
            .await?;
        Ok(())
    }

    pub(super) async fn insert_secondary_mongo(
        &self,
        email: &SecondaryEmail,
    ) -> Result<Insert, MongoStoreError> {
        let mut document = doc! {
            "_id": &email.id,
            "user_id": &email.user_id,
            "email": &email.email,
            "email_key": &email.email_key,
            "created_at": email.created_at,
        };
        if let Some(at) = email.confirmed_at {
            document.insert("confirmed_at", at);
        }
        match self.emails.insert_one(document).await {
            Ok(_) => Ok(Insert::Created),
            Err(error) if super::mongo::is_duplicate_key(&error) => Ok(Insert::Taken(Field::Email)),
            Err(error) => Err(error.into()),
        }
    }

    pub(super) async fn secondaries_where(
        &self,
        filter: Document,
    ) -> Result<Vec<SecondaryEmail>, MongoStoreError> {
        let documents: Vec<Document> = self
            .emails
            .find(filter)
            .sort(doc! { "created_at": 1, "_id": 1 })
            .await?
            .try_collect()
            .await?;
        documents
            .iter()
            .map(|document| {
                Ok(SecondaryEmail {
                    id: text(document, "_id")?,
                    user_id: text(document, "user_id")?,
                    email: text(document, "email")?,
                    email_key: text(document, "email_key")?,
                    confirmed_at: integer(document, "confirmed_at"),
                    created_at: integer(document, "created_at").unwrap_or(0),
                })
            })
            .collect()
    }

    pub(super) async fn confirm_secondary_mongo(
        &self,
        user_id: &str,
        id: &str,
        at: i64,
    ) -> Result<bool, MongoStoreError> {
        let updated = self
            .emails
            .update_one(
                doc! { "_id": id, "user_id": user_id },
                doc! { "$set": { "confirmed_at": at } },
            )
            .await?;
        Ok(updated.matched_count > 0)
    }

    pub(super) async fn delete_secondary_mongo(
        &self,
        user_id: &str,
        id: &str,
    ) -> Result<bool, MongoStoreError> {
        let deleted = self
            .emails
            .delete_one(doc! { "_id": id, "user_id": user_id })
            .await?;
        Ok(deleted.deleted_count > 0)
    }
}
