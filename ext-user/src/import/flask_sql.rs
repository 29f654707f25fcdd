//! Reads a Flask-User database: its `users`, `roles`, `user_roles` and,
//! where present, `user_emails` tables (Flask-User's documented data
//! model), on SQLite, PostgreSQL or MariaDB.
//!
//! Apps name some columns their own way, so the columns are looked up
//! first: `active` or `is_active`; `email_confirmed_at` or Flask-User 0.6's
//! `confirmed_at`; `email` and `username` where the app has them. Every
//! value is read as text (`CAST(… AS TEXT)`), so that one parser serves
//! the three databases' booleans and times.

use std::collections::{BTreeMap, BTreeSet};
use std::time::UNIX_EPOCH;

use sea_orm::{ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr, Statement};

use super::FlaskUserRecord;

/// Why a Flask-User database could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The database refused or did not answer.
    #[error("the Flask-User database: {0}")]
    Db(#[from] DbErr),
    /// A table or column Flask-User always has is missing.
    #[error("this is not a Flask-User database: {0}")]
    NotFlaskUser(String),
}

/// What [`read_flask_user_database`] found.
#[derive(Debug, Clone, Default)]
pub struct FlaskUserDatabase {
    /// Every user, in id order.
    pub users: Vec<FlaskUserRecord>,
    /// How many roles the `roles` table has.
    pub roles: usize,
}

/// Reads the Flask-User database at `url` (`sqlite://…`, `postgres://…`,
/// `mysql://…`). Nothing is written to it.
pub async fn read_flask_user_database(url: &str) -> Result<FlaskUserDatabase, ReadError> {
    let conn = Database::connect(url).await?;
    let read = Reader { conn: &conn }.read().await;
    let _ = conn.close().await;
    read
}

struct Reader<'a> {
    conn: &'a DatabaseConnection,
}

/// One row, every column as text.
type Row = BTreeMap<String, Option<String>>;

impl Reader<'_> {
    fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    fn quote(&self, name: &str) -> String {
        match self.backend() {
            DatabaseBackend::MySql => format!("`{name}`"),
            _ => format!("\"{name}\""),
        }
    }

    /// `CAST(column AS TEXT) AS column`.
    fn text(&self, table: &str, column: &str, alias: &str) -> String {
        let kind = match self.backend() {
            DatabaseBackend::MySql => "CHAR",
            _ => "TEXT",
        };
        format!(
            "CAST({}.{} AS {kind}) AS {}",
            self.quote(table),
            self.quote(column),
            self.quote(alias)
        )
    }

    /// The columns of `table`; empty when it does not exist.
    async fn columns(&self, table: &str) -> Result<BTreeSet<String>, DbErr> {
        let sql = match self.backend() {
            DatabaseBackend::Sqlite => "SELECT name AS name FROM pragma_table_info(?)".to_owned(),
            DatabaseBackend::Postgres => {
                "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1"
                    .to_owned()
            }
            _ => "SELECT CAST(column_name AS CHAR) AS name FROM information_schema.columns \
                 WHERE table_schema = DATABASE() AND table_name = ?"
                .to_owned(),
        };
        let statement = Statement::from_sql_and_values(self.backend(), sql, [table.into()]);
        let rows = self.conn.query_all_raw(statement).await?;
        rows.iter()
            .map(|row| {
                row.try_get::<String>("", "name")
                    .map(|name| name.to_ascii_lowercase())
            })
            .collect()
    }

    /// `SELECT` of `columns` (`(column, alias)`) from `table`, as text.
    async fn rows(&self, table: &str, columns: &[(&str, &str)], joins: &str) -> Result<Vec<Row>, DbErr> {
        let list: Vec<String> = columns
            .iter()
            .map(|(column, alias)| match column.split_once('.') {
                Some((table, column)) => self.text(table, column, alias),
                None => self.text(table, column, alias),
            })
            .collect();
        let sql = format!("SELECT {} FROM {} {joins}", list.join(", "), self.quote(table));
        let rows = self
            .conn
            .query_all_raw(Statement::from_string(self.backend(), sql))
            .await?;
        rows.iter()
            .map(|row| {
                columns
                    .iter()
                    .map(|(_, alias)| Ok(((*alias).to_owned(), row.try_get::<Option<String>>("", alias)?)))
                    .collect()
            })
            .collect()
    }

    async fn read(&self) -> Result<FlaskUserDatabase, ReadError> {
        let users = self.columns("users").await?;
        if users.is_empty() {
            return Err(ReadError::NotFlaskUser("it has no `users` table".to_owned()));
        }
        if users.contains("email_key") {
            return Err(ReadError::NotFlaskUser(
                "its `users` table is ext-user's own (it has `email_key`)".to_owned(),
            ));
        }
        for needed in ["id", "password"] {
            if !users.contains(needed) {
                return Err(ReadError::NotFlaskUser(format!(
                    "`users` has no `{needed}` column"
                )));
            }
        }
        let mut columns = vec![("id", "id"), ("password", "password")];
        let optional = [
            (&["email"][..], "email"),
            (&["username"][..], "username"),
            (&["active", "is_active"][..], "active"),
            (&["email_confirmed_at", "confirmed_at"][..], "confirmed_at"),
        ];
        for (names, alias) in optional {
            if let Some(name) = names.iter().find(|name| users.contains(**name)) {
                columns.push((name, alias));
            }
        }
        let order = format!("ORDER BY {}.{}", self.quote("users"), self.quote("id"));
        let rows = self.rows("users", &columns, &order).await?;
        let roles = self.roles().await?;
        let mut emails = self.user_emails().await?;
        let mut records = Vec::with_capacity(rows.len());
        for row in rows {
            let field = |name: &str| {
                row.get(name)
                    .cloned()
                    .flatten()
                    .filter(|value| !value.trim().is_empty())
            };
            let id = field("id").unwrap_or_default();
            let mut email = field("email");
            let mut email_confirmed_at = field("confirmed_at").as_deref().and_then(seconds);
            let mut other_emails = Vec::new();
            // With a UserEmail class, the addresses live in `user_emails`:
            // the primary one (or the first) is the account's.
            if let Some(addresses) = emails.remove(&id) {
                let primary = addresses.iter().position(|address| address.primary).unwrap_or(0);
                for (n, address) in addresses.into_iter().enumerate() {
                    if n == primary && email.is_none() {
                        email = Some(address.email);
                        email_confirmed_at = address.confirmed_at;
                    } else {
                        other_emails.push((address.email, address.confirmed_at));
                    }
                }
            }
            records.push(FlaskUserRecord {
                email,
                email_confirmed_at,
                username: field("username"),
                password_hash: field("password").unwrap_or_default(),
                // Flask-User's UserMixin reads a missing column as active.
                active: field("active").as_deref().is_none_or(truthy),
                roles: roles.1.get(&id).cloned().unwrap_or_default(),
                other_emails,
                source_id: id,
            });
        }
        Ok(FlaskUserDatabase {
            users: records,
            roles: roles.0,
        })
    }

    /// How many roles there are, and each user's role names.
    async fn roles(&self) -> Result<(usize, BTreeMap<String, Vec<String>>), ReadError> {
        let (roles, links) = (self.columns("roles").await?, self.columns("user_roles").await?);
        if roles.is_empty() || links.is_empty() {
            return Ok((0, BTreeMap::new()));
        }
        let count = self.rows("roles", &[("id", "id")], "").await?.len();
        let join = format!(
            "JOIN {roles} ON {roles}.{id} = {links}.{role_id} ORDER BY {roles}.{name}",
            roles = self.quote("roles"),
            links = self.quote("user_roles"),
            id = self.quote("id"),
            role_id = self.quote("role_id"),
            name = self.quote("name"),
        );
        let rows = self
            .rows(
                "user_roles",
                &[("user_id", "user_id"), ("roles.name", "name")],
                &join,
            )
            .await?;
        let mut of_user: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for row in rows {
            if let (Some(Some(user)), Some(Some(name))) = (row.get("user_id"), row.get("name")) {
                of_user.entry(user.clone()).or_default().push(name.clone());
            }
        }
        Ok((count, of_user))
    }

    /// Each user's rows of `user_emails`, in id order.
    async fn user_emails(&self) -> Result<BTreeMap<String, Vec<Address>>, ReadError> {
        let columns = self.columns("user_emails").await?;
        if columns.is_empty() {
            return Ok(BTreeMap::new());
        }
        let mut wanted = vec![("user_id", "user_id"), ("email", "email")];
        if columns.contains("email_confirmed_at") {
            wanted.push(("email_confirmed_at", "confirmed_at"));
        }
        if columns.contains("is_primary") {
            wanted.push(("is_primary", "is_primary"));
        }
        let order = format!("ORDER BY {}.{}", self.quote("user_emails"), self.quote("id"));
        let mut of_user: BTreeMap<String, Vec<Address>> = BTreeMap::new();
        for row in self.rows("user_emails", &wanted, &order).await? {
            let field = |name: &str| row.get(name).cloned().flatten();
            let (Some(user), Some(email)) = (field("user_id"), field("email")) else {
                continue;
            };
            of_user.entry(user).or_default().push(Address {
                email,
                confirmed_at: field("confirmed_at").as_deref().and_then(seconds),
                primary: field("is_primary").as_deref().is_some_and(truthy),
            });
        }
        Ok(of_user)
    }
}

/// A row of `user_emails`.
struct Address {
    email: String,
    confirmed_at: Option<i64>,
    primary: bool,
}

/// A boolean as the three databases write it as text.
fn truthy(text: &str) -> bool {
    matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "t" | "yes"
    )
}

/// A naive UTC time as SQLAlchemy stores `datetime.utcnow()`
/// (`2026-12-07 13:40:00.123456`, PostgreSQL perhaps with `+00`), as
/// seconds since the epoch.
fn seconds(text: &str) -> Option<i64> {
    let text = text.trim();
    let text = text
        .strip_suffix("+00:00")
        .or_else(|| text.strip_suffix("+00"))
        .unwrap_or(text);
    let time = humantime::parse_rfc3339_weak(text).ok()?;
    let since = time.duration_since(UNIX_EPOCH).ok()?;
    i64::try_from(since.as_secs()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_each_database_writes_them() {
        for text in [
            "2023-11-14 22:13:20",
            "2023-11-14 22:13:20.123456",
            "2023-11-14 22:13:20.5+00",
            "2023-11-14T22:13:20+00:00",
        ] {
            assert_eq!(seconds(text), Some(1_700_000_000), "{text}");
        }
        assert_eq!(seconds("yesterday"), None);
    }

    #[test]
    fn booleans_read_as_each_database_writes_them() {
        for yes in ["1", "true", "t", "TRUE"] {
            assert!(truthy(yes), "{yes}");
        }
        for no in ["0", "false", "f", ""] {
            assert!(!truthy(no), "{no}");
        }
    }
}
