//! Users in the app's SQL database through ext-orm (feature `orm`):
//! SQLite, PostgreSQL and MariaDB.
//!
//! Three tables, created at start-up when missing:
//! `users` (unique indexes on `email_key` and `username_key`),
//! `user_roles` (`user_id`, `role`; primary key on both) and
//! `user_throttle` (`throttle_key`, `hits`, `window_ends`).

use sea_orm::sea_query::{
    Alias, ColumnDef, Expr, ExprTrait, Index, IndexCreateStatement, OnConflict, Query, SelectStatement, Table,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, QueryResult, SqlErr};
use serde_json::{Map, Value};

use super::{Change, Field, Hits, Insert, Update, UserRecord, UserStore};

/// Users, roles and throttle counters in a SQL database.
#[derive(Debug, Clone)]
pub struct SqlUserStore {
    conn: DatabaseConnection,
    users: String,
    roles: String,
    throttle: String,
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

const USER_COLUMNS: [&str; 11] = [
    "id",
    "email",
    "email_key",
    "username",
    "username_key",
    "password_hash",
    "stamp",
    "active",
    "email_confirmed_at",
    "profile",
    "created_at",
];

fn col(name: &str) -> Alias {
    Alias::new(name)
}

impl SqlUserStore {
    /// A store in the tables `users`, `user_roles` and `user_throttle`.
    pub fn new(conn: DatabaseConnection) -> Self {
        Self {
            conn,
            users: "users".to_owned(),
            roles: "user_roles".to_owned(),
            throttle: "user_throttle".to_owned(),
        }
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

    async fn set(&self, id: &str, values: Vec<(&str, sea_orm::Value)>) -> Result<Update, SqlStoreError> {
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

    async fn create_index(&self, index: IndexCreateStatement) -> Result<(), DbErr> {
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

fn is_unique_violation(error: &DbErr) -> bool {
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
        active: row.try_get("", "active")?,
        email_confirmed_at: row.try_get("", "email_confirmed_at")?,
        roles: Vec::new(),
        profile,
        created_at: row.try_get("", "created_at")?,
    })
}

impl UserStore for SqlUserStore {
    type Error = SqlStoreError;

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
            .col(ColumnDef::new(col("active")).boolean().not_null())
            .col(ColumnDef::new(col("email_confirmed_at")).big_integer().null())
            .col(ColumnDef::new(col("profile")).text().not_null())
            .col(ColumnDef::new(col("created_at")).big_integer().not_null())
            .to_owned();
        self.conn.execute(&users).await?;
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
        Ok(())
    }

    async fn insert(&self, user: &UserRecord) -> Result<Insert, SqlStoreError> {
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
                user.active.into(),
                user.email_confirmed_at.into(),
                profile.into(),
                user.created_at.into(),
            ])
            .map_err(|error| DbErr::Custom(error.to_string()))?
            .to_owned();
        match self.conn.execute(&statement).await {
            Ok(_) => {}
            Err(error) if is_unique_violation(&error) => {
                return Ok(Insert::Taken(self.taken_field(user).await?))
            }
            Err(error) => return Err(error.into()),
        }
        for role in &user.roles {
            UserStore::update(self, &user.id, &Change::AddRole(role.clone())).await?;
        }
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
                    vec![("active", (*active).into()), ("stamp", stamp.clone().into())],
                )
                .await
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
                Ok(Update::Done)
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
}
