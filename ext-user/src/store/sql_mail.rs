//! The SQL store's emailed tokens, outbox and secondary addresses: the
//! tables `user_email_tokens` (primary key `token_hash`; index on
//! `user_id`), `user_outbox` (primary key `id`; index on `due_at`) and
//! `user_emails` (primary key `id`; unique index on `email_key`).

use sea_orm::sea_query::{Alias, ColumnDef, Expr, ExprTrait, Index, InsertStatement, Query, Table};
use sea_orm::{ConnectionTrait, DbErr, QueryResult};

use super::sql::{SqlStoreError, SqlUserStore};
use super::{EmailTokenRecord, Insert, OutboxMail, Purpose, SecondaryEmail};

fn col(name: &str) -> Alias {
    Alias::new(name)
}

const TOKEN_COLUMNS: [&str; 9] = [
    "token_hash",
    "purpose",
    "user_id",
    "email_key",
    "stamp",
    "created_at",
    "expires_at",
    "used_at",
    "address",
];

const OUTBOX_COLUMNS: [&str; 8] = [
    "id",
    "kind",
    "to_address",
    "user_id",
    "context",
    "created_at",
    "due_at",
    "attempts",
];

fn token(row: &QueryResult) -> Result<EmailTokenRecord, DbErr> {
    Ok(EmailTokenRecord {
        token_hash: row.try_get("", "token_hash")?,
        purpose: row.try_get("", "purpose")?,
        user_id: row.try_get("", "user_id")?,
        email_key: row.try_get("", "email_key")?,
        stamp: row.try_get("", "stamp")?,
        created_at: row.try_get("", "created_at")?,
        expires_at: row.try_get("", "expires_at")?,
        used_at: row.try_get("", "used_at")?,
        address: row.try_get("", "address")?,
    })
}

fn mail(row: &QueryResult) -> Result<OutboxMail, DbErr> {
    Ok(OutboxMail {
        id: row.try_get("", "id")?,
        kind: row.try_get("", "kind")?,
        to_address: row.try_get("", "to_address")?,
        user_id: row.try_get("", "user_id")?,
        context: row.try_get("", "context")?,
        created_at: row.try_get("", "created_at")?,
        due_at: row.try_get("", "due_at")?,
        attempts: row.try_get("", "attempts")?,
    })
}

impl SqlUserStore {
    pub(super) async fn create_mail_tables(&self) -> Result<(), DbErr> {
        let tokens = Table::create()
            .table(col(&self.email_tokens))
            .if_not_exists()
            .col(
                ColumnDef::new(col("token_hash"))
                    .string_len(64)
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(col("purpose")).string_len(32).not_null())
            .col(ColumnDef::new(col("user_id")).string_len(32).not_null())
            .col(ColumnDef::new(col("email_key")).string_len(254).not_null())
            .col(ColumnDef::new(col("stamp")).string_len(32).not_null())
            .col(ColumnDef::new(col("created_at")).big_integer().not_null())
            .col(ColumnDef::new(col("expires_at")).big_integer().not_null())
            .col(ColumnDef::new(col("used_at")).big_integer().null())
            .col(ColumnDef::new(col("address")).string_len(254).null())
            .to_owned();
        self.conn.execute(&tokens).await?;
        let by_user = Index::create()
            .if_not_exists()
            .name(format!("ix_{}_user_id", self.email_tokens))
            .table(col(&self.email_tokens))
            .col(col("user_id"))
            .to_owned();
        self.create_index(by_user).await?;
        let outbox = Table::create()
            .table(col(&self.outbox))
            .if_not_exists()
            .col(ColumnDef::new(col("id")).string_len(32).not_null().primary_key())
            .col(ColumnDef::new(col("kind")).string_len(64).not_null())
            .col(ColumnDef::new(col("to_address")).string_len(254).not_null())
            .col(ColumnDef::new(col("user_id")).string_len(32).null())
            .col(ColumnDef::new(col("context")).text().not_null())
            .col(ColumnDef::new(col("created_at")).big_integer().not_null())
            .col(ColumnDef::new(col("due_at")).big_integer().not_null())
            .col(ColumnDef::new(col("attempts")).big_integer().not_null())
            .col(ColumnDef::new(col("last_error")).text().null())
            .to_owned();
        self.conn.execute(&outbox).await?;
        let emails = Table::create()
            .table(col(&self.emails))
            .if_not_exists()
            .col(ColumnDef::new(col("id")).string_len(32).not_null().primary_key())
            .col(ColumnDef::new(col("user_id")).string_len(32).not_null())
            .col(ColumnDef::new(col("email")).string_len(254).not_null())
            .col(ColumnDef::new(col("email_key")).string_len(254).not_null())
            .col(ColumnDef::new(col("confirmed_at")).big_integer().null())
            .col(ColumnDef::new(col("created_at")).big_integer().not_null())
            .to_owned();
        self.conn.execute(&emails).await?;
        let by_key = Index::create()
            .if_not_exists()
            .unique()
            .name(format!("ux_{}_email_key", self.emails))
            .table(col(&self.emails))
            .col(col("email_key"))
            .to_owned();
        self.create_index(by_key).await?;
        let by_due = Index::create()
            .if_not_exists()
            .name(format!("ix_{}_due_at", self.outbox))
            .table(col(&self.outbox))
            .col(col("due_at"))
            .to_owned();
        self.create_index(by_due).await
    }

    /// The statement that enqueues `mail`.
    pub(super) fn enqueue_statement(&self, mail: &OutboxMail) -> Result<InsertStatement, DbErr> {
        Ok(Query::insert()
            .into_table(col(&self.outbox))
            .columns(OUTBOX_COLUMNS.map(col))
            .values([
                mail.id.clone().into(),
                mail.kind.clone().into(),
                mail.to_address.clone().into(),
                mail.user_id.clone().into(),
                mail.context.clone().into(),
                mail.created_at.into(),
                mail.due_at.into(),
                mail.attempts.into(),
            ])
            .map_err(|error| DbErr::Custom(error.to_string()))?
            .to_owned())
    }

    pub(super) async fn insert_email_token_sql(
        &self,
        record: &EmailTokenRecord,
    ) -> Result<(), SqlStoreError> {
        let (column, value) = if record.purpose == Purpose::Invite.as_str() {
            ("email_key", record.email_key.as_str())
        } else {
            ("user_id", record.user_id.as_str())
        };
        let older = Query::delete()
            .from_table(col(&self.email_tokens))
            .and_where(Expr::col(col(column)).eq(value))
            .and_where(Expr::col(col("purpose")).eq(record.purpose.as_str()))
            .to_owned();
        self.conn.execute(&older).await?;
        let statement = Query::insert()
            .into_table(col(&self.email_tokens))
            .columns(TOKEN_COLUMNS.map(col))
            .values([
                record.token_hash.clone().into(),
                record.purpose.clone().into(),
                record.user_id.clone().into(),
                record.email_key.clone().into(),
                record.stamp.clone().into(),
                record.created_at.into(),
                record.expires_at.into(),
                record.used_at.into(),
                record.address.clone().into(),
            ])
            .map_err(|error| DbErr::Custom(error.to_string()))?
            .to_owned();
        self.conn.execute(&statement).await?;
        Ok(())
    }

    pub(super) async fn email_token_sql(
        &self,
        token_hash: &str,
    ) -> Result<Option<EmailTokenRecord>, SqlStoreError> {
        let statement = Query::select()
            .columns(TOKEN_COLUMNS.map(col))
            .from(col(&self.email_tokens))
            .and_where(Expr::col(col("token_hash")).eq(token_hash))
            .to_owned();
        Ok(self
            .conn
            .query_one(&statement)
            .await?
            .as_ref()
            .map(token)
            .transpose()?)
    }

    pub(super) async fn use_email_token_sql(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<bool, SqlStoreError> {
        // One conditional update: of two concurrent uses, one matches.
        let statement = Query::update()
            .table(col(&self.email_tokens))
            .value(col("used_at"), now)
            .and_where(Expr::col(col("token_hash")).eq(token_hash))
            .and_where(Expr::col(col("used_at")).is_null())
            .and_where(Expr::col(col("expires_at")).gt(now))
            .to_owned();
        Ok(self.conn.execute(&statement).await?.rows_affected() == 1)
    }

    pub(super) async fn revoke_invitations_sql(&self, email_key: &str) -> Result<u64, SqlStoreError> {
        let statement = Query::delete()
            .from_table(col(&self.email_tokens))
            .and_where(Expr::col(col("email_key")).eq(email_key))
            .and_where(Expr::col(col("purpose")).eq(Purpose::Invite.as_str()))
            .to_owned();
        Ok(self.conn.execute(&statement).await?.rows_affected())
    }

    pub(super) async fn enqueue_mail_sql(&self, mail: &OutboxMail) -> Result<(), SqlStoreError> {
        self.conn.execute(&self.enqueue_statement(mail)?).await?;
        Ok(())
    }

    pub(super) async fn claim_mail_sql(
        &self,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> Result<Vec<OutboxMail>, SqlStoreError> {
        let due = Query::select()
            .columns(OUTBOX_COLUMNS.map(col))
            .from(col(&self.outbox))
            .and_where(Expr::col(col("due_at")).lte(now))
            .order_by(col("due_at"), sea_orm::Order::Asc)
            .limit(u64::from(limit))
            .to_owned();
        let mut claimed = Vec::new();
        for row in self.conn.query_all(&due).await? {
            let mut mail = mail(&row)?;
            // A compare-and-swap on `due_at`: another worker that read the
            // same row finds it moved and skips it.
            let take = Query::update()
                .table(col(&self.outbox))
                .value(col("due_at"), lease_until)
                .value(col("attempts"), Expr::col(col("attempts")).add(1))
                .and_where(Expr::col(col("id")).eq(mail.id.as_str()))
                .and_where(Expr::col(col("due_at")).eq(mail.due_at))
                .to_owned();
            if self.conn.execute(&take).await?.rows_affected() == 1 {
                mail.due_at = lease_until;
                mail.attempts += 1;
                claimed.push(mail);
            }
        }
        Ok(claimed)
    }

    pub(super) async fn finish_mail_sql(&self, id: &str, lease_until: i64) -> Result<(), SqlStoreError> {
        let statement = Query::delete()
            .from_table(col(&self.outbox))
            .and_where(Expr::col(col("id")).eq(id))
            .and_where(Expr::col(col("due_at")).eq(lease_until))
            .to_owned();
        self.conn.execute(&statement).await?;
        Ok(())
    }

    pub(super) async fn defer_mail_sql(
        &self,
        id: &str,
        lease_until: i64,
        due_at: i64,
        error: &str,
    ) -> Result<(), SqlStoreError> {
        let statement = Query::update()
            .table(col(&self.outbox))
            .value(col("due_at"), due_at)
            .value(col("last_error"), error)
            .and_where(Expr::col(col("id")).eq(id))
            .and_where(Expr::col(col("due_at")).eq(lease_until))
            .to_owned();
        self.conn.execute(&statement).await?;
        Ok(())
    }

    pub(super) async fn insert_secondary_sql(&self, email: &SecondaryEmail) -> Result<Insert, SqlStoreError> {
        let statement = Query::insert()
            .into_table(col(&self.emails))
            .columns(SECONDARY_COLUMNS.map(col))
            .values([
                email.id.clone().into(),
                email.user_id.clone().into(),
                email.email.clone().into(),
                email.email_key.clone().into(),
                email.confirmed_at.into(),
                email.created_at.into(),
            ])
            .map_err(|error| DbErr::Custom(error.to_string()))?
            .to_owned();
        match self.conn.execute(&statement).await {
            Ok(_) => Ok(Insert::Created),
            Err(error) if super::sql::is_unique_violation(&error) => Ok(Insert::Taken(super::Field::Email)),
            Err(error) => Err(error.into()),
        }
    }

    pub(super) async fn secondaries_where(
        &self,
        column: &str,
        value: &str,
    ) -> Result<Vec<SecondaryEmail>, SqlStoreError> {
        let statement = Query::select()
            .columns(SECONDARY_COLUMNS.map(col))
            .from(col(&self.emails))
            .and_where(Expr::col(col(column)).eq(value))
            .order_by(col("created_at"), sea_orm::Order::Asc)
            .order_by(col("id"), sea_orm::Order::Asc)
            .to_owned();
        Ok(self
            .conn
            .query_all(&statement)
            .await?
            .iter()
            .map(secondary)
            .collect::<Result<_, _>>()?)
    }

    pub(super) async fn confirm_secondary_sql(
        &self,
        user_id: &str,
        id: &str,
        at: i64,
    ) -> Result<bool, SqlStoreError> {
        let statement = Query::update()
            .table(col(&self.emails))
            .value(col("confirmed_at"), at)
            .and_where(Expr::col(col("user_id")).eq(user_id))
            .and_where(Expr::col(col("id")).eq(id))
            .to_owned();
        Ok(self.conn.execute(&statement).await?.rows_affected() > 0)
    }

    pub(super) async fn delete_secondary_sql(&self, user_id: &str, id: &str) -> Result<bool, SqlStoreError> {
        let statement = Query::delete()
            .from_table(col(&self.emails))
            .and_where(Expr::col(col("user_id")).eq(user_id))
            .and_where(Expr::col(col("id")).eq(id))
            .to_owned();
        Ok(self.conn.execute(&statement).await?.rows_affected() > 0)
    }
}

const SECONDARY_COLUMNS: [&str; 6] = [
    "id",
    "user_id",
    "email",
    "email_key",
    "confirmed_at",
    "created_at",
];

fn secondary(row: &QueryResult) -> Result<SecondaryEmail, DbErr> {
    Ok(SecondaryEmail {
        id: row.try_get("", "id")?,
        user_id: row.try_get("", "user_id")?,
        email: row.try_get("", "email")?,
        email_key: row.try_get("", "email_key")?,
        confirmed_at: row.try_get("", "confirmed_at")?,
        created_at: row.try_get("", "created_at")?,
    })
}
