//! The real Flask-User 1.0, run from the virtualenv `scripts/services.sh`
//! installs (`FLASK_USER_VENV`): its own default settings, and databases
//! written by its own code, for the migration tests.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{Map, Value};

use crate::services::flask_user_python;

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("flask_user")
        .join(name)
}

/// Runs the script `name` with `input` on standard input; its standard
/// output.
fn run(name: &str, input: &str) -> String {
    let python = flask_user_python();
    let mut child = Command::new(&python)
        .arg(script(name))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| {
            panic!(
                "{} did not start ({error}): run scripts/services.sh",
                python.display()
            )
        });
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("the script reads its input");
    let output = child.wait_with_output().expect("the script ends");
    assert!(
        output.status.success(),
        "{name} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Every `USER_*` key of Flask-User's `UserManager__Settings` with its
/// default value, read from Flask-User's source.
pub fn default_settings() -> Map<String, Value> {
    match serde_json::from_str(&run("settings.py", "")) {
        Ok(Value::Object(settings)) => settings,
        other => panic!("settings.py printed no object: {other:?}"),
    }
}

/// `settings` as a Flask-style TOML file: each key at the top level, as in
/// a Flask config file (`USER_APP_NAME = "…"`).
pub fn as_toml(settings: &Map<String, Value>) -> String {
    fn literal(value: &Value) -> String {
        match value {
            Value::Object(map) if map.is_empty() => "{}".to_owned(),
            Value::Object(map) => {
                let items: Vec<String> = map.iter().map(|(k, v)| format!("{k} = {}", literal(v))).collect();
                format!("{{ {} }}", items.join(", "))
            }
            Value::Array(items) => {
                let items: Vec<String> = items.iter().map(literal).collect();
                format!("[{}]", items.join(", "))
            }
            // JSON's strings, numbers and booleans are TOML's too.
            other => other.to_string(),
        }
    }
    settings
        .iter()
        .map(|(key, value)| format!("{key} = {}\n", literal(value)))
        .collect()
}

/// `settings` as environment variables, as Flask's `from_prefixed_env`
/// reads them: strings as they are, everything else as JSON.
pub fn as_env(settings: &Map<String, Value>) -> Vec<(String, String)> {
    settings
        .iter()
        .map(|(key, value)| {
            let text = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            (key.clone(), text)
        })
        .collect()
}

/// One user for [`write_database`].
#[derive(Debug, Clone)]
pub struct FlaskUser {
    /// Its username.
    pub username: &'static str,
    /// Its (primary) email.
    pub email: &'static str,
    /// Its password, hashed by Flask-User.
    pub password: &'static str,
    /// Its roles.
    pub roles: &'static [&'static str],
    /// `active`.
    pub active: bool,
    /// Whether its email is confirmed.
    pub confirmed: bool,
    /// Other addresses (with `multiple_emails`).
    pub other_emails: &'static [&'static str],
}

/// Writes a Flask-User database at `sqlalchemy_url` (SQLAlchemy's form:
/// `sqlite:////path`, `postgresql+psycopg2://…`, `mysql+pymysql://…`)
/// with Flask-User's own code; `multiple_emails` uses its `UserEmail`
/// model. Returns when the users were written (seconds since the epoch,
/// as their confirmation time).
pub fn write_database(sqlalchemy_url: &str, multiple_emails: bool, users: &[FlaskUser]) -> i64 {
    let users: Vec<Value> = users
        .iter()
        .map(|user| {
            serde_json::json!({
                "username": user.username, "email": user.email, "password": user.password,
                "roles": user.roles, "active": user.active, "confirmed": user.confirmed,
                "other_emails": user.other_emails,
            })
        })
        .collect();
    let spec =
        serde_json::json!({ "url": sqlalchemy_url, "multiple_emails": multiple_emails, "users": users });
    run("make_db.py", &spec.to_string())
        .trim()
        .parse()
        .expect("make_db.py prints the time")
}

/// SQLAlchemy's URL for the sea-orm URL `url`.
pub fn sqlalchemy_url(url: &str) -> String {
    if let Some(rest) = url.strip_prefix("postgres://") {
        return format!("postgresql+psycopg2://{rest}");
    }
    if let Some(rest) = url.strip_prefix("mysql://") {
        return format!("mysql+pymysql://{rest}");
    }
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path).trim_start_matches('/');
        return format!("sqlite:////{path}");
    }
    panic!("no SQLAlchemy URL for {url}");
}
