//! Users in the app's SQL database through ext-orm (feature `orm`):
//! SQLite, PostgreSQL and MariaDB.
//!
//! Eight tables, created at start-up when missing:
//! `users` (unique indexes on `email_key` and `username_key`),
//! `user_roles` (`user_id`, `role`; primary key on both),
//! `user_throttle` (`throttle_key`, `hits`, `window_ends`),
//! `user_refresh_tokens` (one row per refresh-token family: `family` the
//! primary key, `user_id`, `token_hash`, `expires_at`, `revoked`) and
//! `user_access_tokens` (personal access tokens; unique index on
//! `secret_hash`); and for the email flows `user_email_tokens`,
//! `user_outbox` and `user_emails` (see `sql_mail.rs`).
//!
//! A `users` table from before token versions gets its `token_version`
//! column added at start-up.

use sea_orm::sea_query::{
    Alias, ColumnDef, Expr, ExprTrait, Func, Index, IndexCreateStatement, OnConflict, Query, SelectStatement,
    Table,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, QueryResult, SqlErr, TransactionTrait};
use serde_json::{Map, Value};

use super::{
    Change, EmailTokenRecord, Field, Hits, Insert, OutboxMail, PersonalTokenRecord, RefreshFamily, Rotated,
    Rotation, SecondaryEmail, Update, UserRecord, UserStore,
};

/// Users, roles and throttle counters in a SQL database.
#[derive(Debug, Clone)]
pub struct SqlUserStore {
    pub(super) conn: DatabaseConnection,
    users: String,
    roles: String,
    throttle: String,
    refresh: String,
    personal: String,
    pub(super) email_tokens: String,
    pub(super) outbox: String,
    pub(super) emails: String,
}

/// What the SQL store fails with.
#[derive(Debug, thiserror::Error)]
pub enum SqlStoreError {
    /// The database refused or did not answer.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// A stored profile is not a JSON object.
    #[error("a stored profile is not JSON: {0}")]
    Profile(#[from] serde_json::Error),
}

const USER_COLUMNS: [&str; 12] = [
    "id",
    "email",
    "email_key",
    "username",
    "username_key",
    "password_hash",
    "stamp",
    "token_version",
    "active",
    "email_confirmed_at",
    "profile",
    "created_at",
];

fn col(name: &str) -> Alias {
    Alias::new(name)
}

impl SqlUserStore {
    /// A store in the tables `users`, `user_roles`, `user_throttle`,
    /// `user_refresh_tokens`, `user_access_tokens`, `user_email_tokens`,
    /// `user_outbox` and `user_emails`.
    pub fn new(conn: DatabaseConnection) -> Self {
        Self {
            conn,
            users: "users".to_owned(),
            roles: "user_roles".to_owned(),
            throttle: "user_throttle".to_owned(),
            refresh: "user_refresh_tokens".to_owned(),
            personal: "user_access_tokens".to_owned(),
            email_tokens: "user_email_tokens".to_owned(),
            outbox: "user_outbox".to_owned(),
            emails: "user_emails".to_owned(),
        }
    }

    /// Adds `token_version` to a `users` table made before it existed.
    async fn upgrade_users(&self) -> Result<(), DbErr> {
        let probe = Query::select()
            .column(col("token_version"))
            .from(col(&self.users))
            .limit(1)
            .to_owned();
        if self.conn.query_one(&probe).await.is_ok() {
            return Ok(());
        }
        let alter = Table::alter()
            .table(col(&self.users))
            .add_column(
                ColumnDef::new(col("token_version"))
                    .big_integer()
                    .not_null()
                    .default(0),
            )
            .to_owned();
        self.conn.execute(&alter).await?;
        Ok(())
    }

    async fn create_tables(&self) -> Result<(), DbErr> {
        let refresh = Table::create()
            .table(col(&self.refresh))
            .if_not_exists()
            .col(
                ColumnDef::new(col("family"))
                    .string_len(32)
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(col("user_id")).string_len(32).not_null())
            .col(ColumnDef::new(col("token_hash")).string_len(64).not_null())
            .col(ColumnDef::new(col("issued_at")).big_integer().not_null())
            .col(ColumnDef::new(col("expires_at")).big_integer().not_null())
            .col(ColumnDef::new(col("revoked")).boolean().not_null())
            .to_owned();
        self.conn.execute(&refresh).await?;
        let by_user = Index::create()
            .if_not_exists()
            .name(format!("ix_{}_user_id", self.refresh))
            .table(col(&self.refresh))
            .col(col("user_id"))
            .to_owned();
        self.create_index(by_user).await?;
        let personal = Table::create()
            .table(col(&self.personal))
            .if_not_exists()
            .col(ColumnDef::new(col("id")).string_len(32).not_null().primary_key())
            .col(ColumnDef::new(col("user_id")).string_len(32).not_null())
            .col(ColumnDef::new(col("name")).string_len(100).not_null())
            .col(ColumnDef::new(col("secret_hash")).string_len(64).not_null())
            .col(ColumnDef::new(col("roles")).text().not_null())
            .col(ColumnDef::new(col("stamp")).string_len(32).not_null())
            .col(ColumnDef::new(col("created_at")).big_integer().not_null())
            .col(ColumnDef::new(col("expires_at")).big_integer().null())
            .to_owned();
        self.conn.execute(&personal).await?;
        let by_secret = Index::create()
            .if_not_exists()
            .unique()
            .name(format!("ux_{}_secret_hash", self.personal))
            .table(col(&self.personal))
            .col(col("secret_hash"))
            .to_owned();
        self.create_index(by_secret).await?;
        let by_user = Index::create()
            .if_not_exists()
            .name(format!("ix_{}_user_id", self.personal))
            .table(col(&self.personal))
            .col(col("user_id"))
            .to_owned();
        self.create_index(by_user).await
    }

    async fn refresh_row(&self, family: &str) -> Result<Option<QueryResult>, DbErr> {
        let statement = Query::select()
            .columns([
                col("token_hash"),
                col("revoked"),
                col("expires_at"),
                col("issued_at"),
            ])
            .from(col(&self.refresh))
            .and_where(Expr::col(col("family")).eq(family))
            .to_owned();
        self.conn.query_one(&statement).await
    }

    fn select_personal(&self) -> SelectStatement {
        Query::select()
            .columns(PERSONAL_COLUMNS.map(col))
            .from(col(&self.personal))
            .to_owned()
    }

    fn select_user(&self) -> SelectStatement {
        Query::select()
            .columns(USER_COLUMNS.map(col))
            .from(col(&self.users))
            .to_owned()
    }

    async fn one_user(&self, column: &str, value: &str) -> Result<Option<UserRecord>, SqlStoreError> {
        let statement = self
            .select_user()
            .and_where(Expr::col(col(column)).eq(value))
            .to_owned();
        let Some(row) = self.conn.query_one(&statement).await? else {
            return Ok(None);
        };
        let mut user = record(&row)?;
        user.roles = self.roles_of(&user.id).await?;
        Ok(Some(user))
    }

    async fn roles_of(&self, id: &str) -> Result<Vec<String>, SqlStoreError> {
        let statement = Query::select()
            .column(col("role"))
            .from(col(&self.roles))
            .and_where(Expr::col(col("user_id")).eq(id))
            .order_by(col("role"), sea_orm::Order::Asc)
            .to_owned();
        let rows = self.conn.query_all(&statement).await?;
        Ok(rows
            .iter()
            .map(|row| row.try_get::<String>("", "role"))
            .collect::<Result<_, _>>()?)
    }

    /// Whether a user has `value` in `column`.
    async fn has(&self, column: &str, value: &str) -> Result<bool, SqlStoreError> {
        let statement = Query::select()
            .column(col("id"))
            .from(col(&self.users))
            .and_where(Expr::col(col(column)).eq(value))
            .to_owned();
        Ok(self.conn.query_one(&statement).await?.is_some())
    }

    async fn exists(&self, id: &str) -> Result<bool, SqlStoreError> {
        self.has("id", id).await
    }

    /// Which key of `user` another user holds, after a unique violation.
    async fn taken_field(&self, user: &UserRecord) -> Result<Field, SqlStoreError> {
        if let Some(key) = &user.email_key {
            if self.has("email_key", key).await? {
                return Ok(Field::Email);
            }
        }
        Ok(Field::Username)
    }

    async fn set(&self, id: &str, values: Vec<(&str, Expr)>) -> Result<Update, SqlStoreError> {
        let mut statement = Query::update();
        statement.table(col(&self.users));
        for (name, value) in values {
            statement.value(col(name), value);
        }
        statement.and_where(Expr::col(col("id")).eq(id));
        match self.conn.execute(&statement).await {
            Ok(result) if result.rows_affected() > 0 => Ok(Update::Done),
            // MariaDB counts changed rows, not matched ones: an update to
            // the same value affects none.
            Ok(_) if self.exists(id).await? => Ok(Update::Done),
            Ok(_) => Ok(Update::NotFound),
            Err(error) if is_unique_violation(&error) => Ok(Update::Taken(Field::Username)),
            Err(error) => Err(error.into()),
        }
    }

    pub(super) async fn create_index(&self, index: IndexCreateStatement) -> Result<(), DbErr> {
        // MySQL has no CREATE INDEX IF NOT EXISTS: a second start finds it there.
        match self.conn.execute(&index).await {
            Ok(_) => Ok(()),
            Err(error) => {
                let text = error.to_string();
                if text.contains("Duplicate key name") || text.contains("already exists") {
                    Ok(())
                } else {
                    Err(error)
                }
            }
        }
    }
}

const PERSONAL_COLUMNS: [&str; 8] = [
    "id",
    "user_id",
    "name",
    "secret_hash",
    "roles",
    "stamp",
    "created_at",
    "expires_at",
];

fn personal(row: &QueryResult) -> Result<PersonalTokenRecord, SqlStoreError> {
    let roles: String = row.try_get("", "roles")?;
    Ok(PersonalTokenRecord {
        id: row.try_get("", "id")?,
        user_id: row.try_get("", "user_id")?,
        name: row.try_get("", "name")?,
        secret_hash: row.try_get("", "secret_hash")?,
        roles: serde_json::from_str(&roles)?,
        stamp: row.try_get("", "stamp")?,
        created_at: row.try_get("", "created_at")?,
        expires_at: row.try_get("", "expires_at")?,
    })
}

/// `token_version + 1`, for the changes that revoke tokens.
fn next_version() -> (&'static str, Expr) {
    ("token_version", Expr::col(col("token_version")).add(1))
}

pub(super) fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

fn record(row: &QueryResult) -> Result<UserRecord, SqlStoreError> {
    let profile: String = row.try_get("", "profile")?;
    let profile: Map<String, Value> = serde_json::from_str(&profile)?;
    Ok(UserRecord {
        id: row.try_get("", "id")?,
        email: row.try_get("", "email")?,
        email_key: row.try_get("", "email_key")?,
        username: row.try_get("", "username")?,
        username_key: row.try_get("", "username_key")?,
        password_hash: row.try_get("", "password_hash")?,
        stamp: row.try_get("", "stamp")?,
        token_version: row.try_get("", "token_version")?,
        active: row.try_get("", "active")?,
        email_confirmed_at: row.try_get("", "email_confirmed_at")?,
        roles: Vec::new(),
        profile,
        created_at: row.try_get("", "created_at")?,
    })
}

impl UserStore for SqlUserStore {
    type Error = SqlStoreError;

    async fn max_bcrypt_cost(&self) -> Result<Option<u32>, SqlStoreError> {
        // `$2b$12$…`: the cost is the 5th and 6th characters.
        let statement = Query::select()
            .expr_as(
                Func::max(
                    Func::cust(col("SUBSTR"))
                        .arg(Expr::col(col("password_hash")))
                        .arg(5)
                        .arg(2),
                ),
                col("cost"),
            )
            .from(col(&self.users))
            .and_where(Expr::col(col("password_hash")).like("$2%"))
            .to_owned();
        let Some(row) = self.conn.query_one(&statement).await? else {
            return Ok(None);
        };
        let cost: Option<String> = row.try_get("", "cost")?;
        Ok(cost.and_then(|cost| cost.parse().ok()))
    }

    async fn prepare(&self) -> Result<(), SqlStoreError> {
        let users = Table::create()
            .table(col(&self.users))
            .if_not_exists()
            .col(ColumnDef::new(col("id")).string_len(32).not_null().primary_key())
            .col(ColumnDef::new(col("email")).string_len(254).null())
            .col(ColumnDef::new(col("email_key")).string_len(254).null())
            .col(ColumnDef::new(col("username")).string_len(64).null())
            .col(ColumnDef::new(col("username_key")).string_len(64).null())
            .col(ColumnDef::new(col("password_hash")).string_len(255).not_null())
            .col(ColumnDef::new(col("stamp")).string_len(32).not_null())
            .col(
                ColumnDef::new(col("token_version"))
                    .big_integer()
                    .not_null()
                    .default(0),
            )
            .col(ColumnDef::new(col("active")).boolean().not_null())
            .col(ColumnDef::new(col("email_confirmed_at")).big_integer().null())
            .col(ColumnDef::new(col("profile")).text().not_null())
            .col(ColumnDef::new(col("created_at")).big_integer().not_null())
            .to_owned();
        self.conn.execute(&users).await?;
        self.upgrade_users().await?;
        for key in ["email_key", "username_key"] {
            let index = Index::create()
                .if_not_exists()
                .unique()
                .name(format!("ux_{}_{key}", self.users))
                .table(col(&self.users))
                .col(col(key))
                .to_owned();
            self.create_index(index).await?;
        }
        let roles = Table::create()
            .table(col(&self.roles))
            .if_not_exists()
            .col(ColumnDef::new(col("user_id")).string_len(32).not_null())
            .col(ColumnDef::new(col("role")).string_len(64).not_null())
            .primary_key(Index::create().col(col("user_id")).col(col("role")))
            .to_owned();
        self.conn.execute(&roles).await?;
        let throttle = Table::create()
            .table(col(&self.throttle))
            .if_not_exists()
            .col(
                ColumnDef::new(col("throttle_key"))
                    .string_len(255)
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(col("hits")).big_integer().not_null())
            .col(ColumnDef::new(col("window_ends")).big_integer().not_null())
            .to_owned();
        self.conn.execute(&throttle).await?;
        self.create_tables().await?;
        self.create_mail_tables().await?;
        Ok(())
    }

    async fn insert(&self, user: &UserRecord, mail: &[OutboxMail]) -> Result<Insert, SqlStoreError> {
        let profile = serde_json::to_string(&user.profile)?;
        let statement = Query::insert()
            .into_table(col(&self.users))
            .columns(USER_COLUMNS.map(col))
            .values([
                user.id.clone().into(),
                user.email.clone().into(),
                user.email_key.clone().into(),
                user.username.clone().into(),
                user.username_key.clone().into(),
                user.password_hash.clone().into(),
                user.stamp.clone().into(),
                user.token_version.into(),
                user.active.into(),
                user.email_confirmed_at.into(),
                profile.into(),
                user.created_at.into(),
            ])
            .map_err(|error| DbErr::Custom(error.to_string()))?
            .to_owned();
        // The user, their roles and their first mail together, or nothing.
        let txn = self.conn.begin().await?;
        match txn.execute(&statement).await {
            Ok(_) => {}
            Err(error) if is_unique_violation(&error) => {
                txn.rollback().await?;
                return Ok(Insert::Taken(self.taken_field(user).await?));
            }
            Err(error) => return Err(error.into()),
        }
        for role in &user.roles {
            let statement = Query::insert()
                .into_table(col(&self.roles))
                .columns([col("user_id"), col("role")])
                .values([user.id.clone().into(), role.clone().into()])
                .map_err(|error| DbErr::Custom(error.to_string()))?
                .to_owned();
            txn.execute(&statement).await?;
        }
        for mail in mail {
            txn.execute(&self.enqueue_statement(mail)?).await?;
        }
        txn.commit().await?;
        Ok(Insert::Created)
    }

    async fn by_id(&self, id: &str) -> Result<Option<UserRecord>, SqlStoreError> {
        self.one_user("id", id).await
    }

    async fn by_email(&self, key: &str) -> Result<Option<UserRecord>, SqlStoreError> {
        self.one_user("email_key", key).await
    }

    async fn by_username(&self, key: &str) -> Result<Option<UserRecord>, SqlStoreError> {
        self.one_user("username_key", key).await
    }

    async fn update(&self, id: &str, change: &Change) -> Result<Update, SqlStoreError> {
        match change {
            Change::Password { hash, stamp } => {
                let mut values = vec![("password_hash", hash.clone().into())];
                if let Some(stamp) = stamp {
                    values.push(("stamp", stamp.clone().into()));
                    values.push(next_version());
                }
                self.set(id, values).await
            }
            Change::Username { shown, key } => {
                self.set(
                    id,
                    vec![
                        ("username", shown.clone().into()),
                        ("username_key", key.clone().into()),
                    ],
                )
                .await
            }
            Change::Profile(profile) => {
                self.set(id, vec![("profile", serde_json::to_string(profile)?.into())])
                    .await
            }
            Change::Active { active, stamp } => {
                self.set(
                    id,
                    vec![
                        ("active", (*active).into()),
                        ("stamp", stamp.clone().into()),
                        next_version(),
                    ],
                )
                .await
            }
            Change::RevokeAll { stamp } => {
                self.set(id, vec![("stamp", stamp.clone().into()), next_version()])
                    .await
            }
            Change::EmailConfirmed { at } => self.set(id, vec![("email_confirmed_at", (*at).into())]).await,
            Change::Email {
                shown,
                key,
                confirmed_at,
            } => {
                let values = vec![
                    ("email", shown.clone().into()),
                    ("email_key", key.clone().into()),
                    ("email_confirmed_at", (*confirmed_at).into()),
                    next_version(),
                ];
                Ok(match self.set(id, values).await? {
                    Update::Taken(_) => Update::Taken(Field::Email),
                    done => done,
                })
            }
            Change::AddRole(role) => {
                if !self.exists(id).await? {
                    return Ok(Update::NotFound);
                }
                let statement = Query::insert()
                    .into_table(col(&self.roles))
                    .columns([col("user_id"), col("role")])
                    .values([id.into(), role.clone().into()])
                    .map_err(|error| DbErr::Custom(error.to_string()))?
                    .to_owned();
                match self.conn.execute(&statement).await {
                    Ok(_) => Ok(Update::Done),
                    Err(error) if is_unique_violation(&error) => Ok(Update::Done),
                    Err(error) => Err(error.into()),
                }
            }
            Change::RemoveRole(role) => {
                if !self.exists(id).await? {
                    return Ok(Update::NotFound);
                }
                let statement = Query::delete()
                    .from_table(col(&self.roles))
                    .and_where(Expr::col(col("user_id")).eq(id))
                    .and_where(Expr::col(col("role")).eq(role.as_str()))
                    .to_owned();
                self.conn.execute(&statement).await?;
                self.set(id, vec![next_version()]).await
            }
        }
    }

    async fn hit(&self, key: &str, now: i64, window: i64) -> Result<Hits, SqlStoreError> {
        let table = &self.throttle;
        let ends = now.saturating_add(window);
        // One statement, so concurrent hits never lose a count. MySQL
        // applies the assignments left to right: `hits` reads the old
        // `window_ends`, as `window_ends` itself does.
        let expired = format!("{table}.window_ends <= {now}");
        let statement = Query::insert()
            .into_table(col(table))
            .columns([col("throttle_key"), col("hits"), col("window_ends")])
            .values([key.into(), 1i64.into(), ends.into()])
            .map_err(|error| DbErr::Custom(error.to_string()))?
            .on_conflict(
                OnConflict::column(col("throttle_key"))
                    .values([
                        (
                            col("hits"),
                            Expr::cust(format!("CASE WHEN {expired} THEN 1 ELSE {table}.hits + 1 END")),
                        ),
                        (
                            col("window_ends"),
                            Expr::cust(format!(
                                "CASE WHEN {expired} THEN {ends} ELSE {table}.window_ends END"
                            )),
                        ),
                    ])
                    .to_owned(),
            )
            .to_owned();
        self.conn.execute(&statement).await?;
        let read = Query::select()
            .columns([col("hits"), col("window_ends")])
            .from(col(table))
            .and_where(Expr::col(col("throttle_key")).eq(key))
            .to_owned();
        let row = self
            .conn
            .query_one(&read)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("the throttle row just written".to_owned()))?;
        let hits: i64 = row.try_get("", "hits")?;
        Ok(Hits {
            count: u32::try_from(hits).unwrap_or(u32::MAX),
            window_ends: row.try_get("", "window_ends")?,
        })
    }

    async fn forget_hits(&self, key: &str) -> Result<(), SqlStoreError> {
        let statement = Query::delete()
            .from_table(col(&self.throttle))
            .and_where(Expr::col(col("throttle_key")).eq(key))
            .to_owned();
        self.conn.execute(&statement).await?;
        Ok(())
    }

    async fn start_refresh(&self, family: &RefreshFamily, now: i64) -> Result<(), SqlStoreError> {
        let expired = Query::delete()
            .from_table(col(&self.refresh))
            .and_where(Expr::col(col("user_id")).eq(family.user_id.as_str()))
            .and_where(Expr::col(col("expires_at")).lte(now))
            .to_owned();
        self.conn.execute(&expired).await?;
        let statement = Query::insert()
            .into_table(col(&self.refresh))
            .columns([
                col("family"),
                col("user_id"),
                col("token_hash"),
                col("issued_at"),
                col("expires_at"),
                col("revoked"),
            ])
            .values([
                family.family.clone().into(),
                family.user_id.clone().into(),
                family.token_hash.clone().into(),
                family.issued_at.into(),
                family.expires_at.into(),
                false.into(),
            ])
            .map_err(|error| DbErr::Custom(error.to_string()))?
            .to_owned();
        self.conn.execute(&statement).await?;
        Ok(())
    }

    async fn rotate_refresh(&self, rotation: &Rotation<'_>) -> Result<Rotated, SqlStoreError> {
        // One compare-and-swap: of two concurrent uses, one matches.
        let swap = Query::update()
            .table(col(&self.refresh))
            .value(col("token_hash"), rotation.to_hash)
            .value(col("expires_at"), rotation.expires_at)
            .and_where(Expr::col(col("family")).eq(rotation.family))
            .and_where(Expr::col(col("token_hash")).eq(rotation.from_hash))
            .and_where(Expr::col(col("revoked")).eq(false))
            .and_where(Expr::col(col("expires_at")).gt(rotation.now))
            .and_where(Expr::col(col("issued_at")).gt(rotation.started_after))
            .to_owned();
        if self.conn.execute(&swap).await?.rows_affected() == 1 {
            return Ok(Rotated::Done);
        }
        let Some(row) = self.refresh_row(rotation.family).await? else {
            return Ok(Rotated::Unknown);
        };
        let revoked: bool = row.try_get("", "revoked")?;
        let expires_at: i64 = row.try_get("", "expires_at")?;
        let issued_at: i64 = row.try_get("", "issued_at")?;
        let current: String = row.try_get("", "token_hash")?;
        Ok(
            if revoked || expires_at <= rotation.now || issued_at <= rotation.started_after {
                Rotated::Unknown
            } else if current != rotation.from_hash {
                Rotated::Replayed
            } else {
                Rotated::Unknown
            },
        )
    }

    async fn revoke_family(&self, family: &str) -> Result<(), SqlStoreError> {
        let statement = Query::update()
            .table(col(&self.refresh))
            .value(col("revoked"), true)
            .and_where(Expr::col(col("family")).eq(family))
            .to_owned();
        self.conn.execute(&statement).await?;
        Ok(())
    }

    async fn revoke_refresh_of(&self, user_id: &str) -> Result<(), SqlStoreError> {
        let statement = Query::delete()
            .from_table(col(&self.refresh))
            .and_where(Expr::col(col("user_id")).eq(user_id))
            .to_owned();
        self.conn.execute(&statement).await?;
        Ok(())
    }

    async fn insert_personal(&self, token: &PersonalTokenRecord) -> Result<(), SqlStoreError> {
        let statement = Query::insert()
            .into_table(col(&self.personal))
            .columns(PERSONAL_COLUMNS.map(col))
            .values([
                token.id.clone().into(),
                token.user_id.clone().into(),
                token.name.clone().into(),
                token.secret_hash.clone().into(),
                serde_json::to_string(&token.roles)?.into(),
                token.stamp.clone().into(),
                token.created_at.into(),
                token.expires_at.into(),
            ])
            .map_err(|error| DbErr::Custom(error.to_string()))?
            .to_owned();
        self.conn.execute(&statement).await?;
        Ok(())
    }

    async fn personal_by_hash(
        &self,
        secret_hash: &str,
    ) -> Result<Option<PersonalTokenRecord>, SqlStoreError> {
        let statement = self
            .select_personal()
            .and_where(Expr::col(col("secret_hash")).eq(secret_hash))
            .to_owned();
        self.conn
            .query_one(&statement)
            .await?
            .as_ref()
            .map(personal)
            .transpose()
    }

    async fn personal_of(&self, user_id: &str) -> Result<Vec<PersonalTokenRecord>, SqlStoreError> {
        let statement = self
            .select_personal()
            .and_where(Expr::col(col("user_id")).eq(user_id))
            .order_by(col("created_at"), sea_orm::Order::Asc)
            .order_by(col("id"), sea_orm::Order::Asc)
            .to_owned();
        self.conn
            .query_all(&statement)
            .await?
            .iter()
            .map(personal)
            .collect()
    }

    async fn delete_personal(&self, user_id: &str, id: &str) -> Result<bool, SqlStoreError> {
        let statement = Query::delete()
            .from_table(col(&self.personal))
            .and_where(Expr::col(col("user_id")).eq(user_id))
            .and_where(Expr::col(col("id")).eq(id))
            .to_owned();
        Ok(self.conn.execute(&statement).await?.rows_affected() > 0)
    }

    async fn insert_email_token(&self, token: &EmailTokenRecord) -> Result<(), SqlStoreError> {
        self.insert_email_token_sql(token).await
    }

    async fn email_token(&self, token_hash: &str) -> Result<Option<EmailTokenRecord>, SqlStoreError> {
        self.email_token_sql(token_hash).await
    }

    async fn use_email_token(&self, token_hash: &str, now: i64) -> Result<bool, SqlStoreError> {
        self.use_email_token_sql(token_hash, now).await
    }

    async fn revoke_invitations(&self, email_key: &str) -> Result<u64, SqlStoreError> {
        self.revoke_invitations_sql(email_key).await
    }

    async fn insert_secondary(&self, email: &SecondaryEmail) -> Result<Insert, SqlStoreError> {
        self.insert_secondary_sql(email).await
    }

    async fn secondary_by_key(&self, email_key: &str) -> Result<Option<SecondaryEmail>, SqlStoreError> {
        Ok(self.secondaries_where("email_key", email_key).await?.pop())
    }

    async fn secondaries_of(&self, user_id: &str) -> Result<Vec<SecondaryEmail>, SqlStoreError> {
        self.secondaries_where("user_id", user_id).await
    }

    async fn confirm_secondary(&self, user_id: &str, id: &str, at: i64) -> Result<bool, SqlStoreError> {
        self.confirm_secondary_sql(user_id, id, at).await
    }

    async fn delete_secondary(&self, user_id: &str, id: &str) -> Result<bool, SqlStoreError> {
        self.delete_secondary_sql(user_id, id).await
    }

    async fn enqueue_mail(&self, mail: &OutboxMail) -> Result<(), SqlStoreError> {
        self.enqueue_mail_sql(mail).await
    }

    async fn claim_mail(
        &self,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> Result<Vec<OutboxMail>, SqlStoreError> {
        self.claim_mail_sql(now, lease_until, limit).await
    }

    async fn finish_mail(&self, id: &str, lease_until: i64) -> Result<(), SqlStoreError> {
        self.finish_mail_sql(id, lease_until).await
    }

    async fn defer_mail(
        &self,
        id: &str,
        lease_until: i64,
        due_at: i64,
        error: &str,
    ) -> Result<(), SqlStoreError> {
        self.defer_mail_sql(id, lease_until, due_at, error).await
    }
}
